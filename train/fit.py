"""fit / evaluate / predict: the Keras training loop over any model, loss and optimizer.

The loop never reads a value back from the device per batch: batch losses (weighted by batch
size) and metrics accumulate as device tensors and are read once per epoch."""
from __future__ import annotations

import contextlib
import numbers
import os
from typing import Any, Iterable, Sequence

from ..autograd.compiled import compile as xg_compile
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..backends import canonical_device
from ..data import DataLoader
from ..optim.lr_scheduler import CyclicLR, OneCycleLR, ReduceLROnPlateau
from .callbacks import Callback
from .history import History
from .metrics import Metric, get_metric, loss_from_logits
from .progress import Progress, epoch_line


def _device_of(model: Any, device: Any) -> str:
    if device is not None:
        return canonical_device(device)
    for p in model.parameters():
        return p.device
    return "cpu"


def _loader(data: Any, batch_size: int, shuffle: bool, seed: Any, device: Any,
            what: str, shard: bool = False) -> DataLoader:
    if isinstance(data, DataLoader):
        if shard and not data.shard:
            raise ValueError(f"fit(distributed=True): {what} is a DataLoader without "
                             "sharding; make it with DataLoader(..., shard=True) so each rank "
                             "trains on its own part, or pass (X, y)")
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return DataLoader(tuple(data), batch_size=batch_size, shuffle=shuffle, seed=seed,
                          device=device, shard=shard)
    if isinstance(data, (tuple, list)):
        raise ValueError(f"{what} must be (inputs, targets): a pair, got {len(data)} items")
    raise TypeError(f"{what} must be (inputs, targets) or a DataLoader, got {type(data).__name__}")


def _metrics(specs: Iterable[Any], loss_fn: Any) -> list[Metric]:
    if isinstance(specs, (str, Metric)):
        specs = [specs]
    made = [get_metric(m, from_logits=loss_from_logits(loss_fn)) for m in specs]
    names = [m.name for m in made]
    clash = sorted({n for n in names if names.count(n) > 1 or n == "loss"})
    if clash:
        raise ValueError(f"metrics: more than one value would be logged as {clash[0]!r} "
                         f"(the loss, then metrics {names}); give Metric objects distinct "
                         "names, e.g. BinaryAccuracy(name='acc_logits')")
    return made


def _on_device(t: Any, device: str) -> Any:
    return t if not isinstance(t, Tensor) or t.device == device else t.to(device)


def _run_epoch(model: Any, loss_fn: Any, loader: DataLoader, metrics: Sequence[Metric],
               device: str, optimizer: Any = None, callbacks: Sequence[Callback] = (),
               progress: Progress | None = None, averager: Any = None,
               batch_scheduler: Any = None, step_fn: Any = None) -> dict:
    """One pass: trains when ``optimizer`` is given, else evaluates under no_grad.
    Batch losses (times the batch size) and metric totals stay on the device; the epoch's
    values are read back once at the end. ``batch_scheduler`` steps after every optimizer
    step (CyclicLR, OneCycleLR). A callback may stop training after any batch
    (not under ``distributed``, where every rank must run the same steps).
    With an ``averager`` (distributed), gradients are averaged over ranks before each step
    and the epoch's logs are averaged over ranks, weighted by their sample counts."""
    total, count = None, 0
    for m in metrics:
        m.reset_state()
    for step, batch in enumerate(loader):
        if isinstance(batch, Tensor) or len(batch) < 2:
            raise ValueError("each batch must be (inputs, targets); the DataLoader gave "
                             f"{'one tensor' if isinstance(batch, Tensor) else len(batch)}")
        x, y = _on_device(batch[0], device), _on_device(batch[1], device)
        n = x.shape[0]
        for cb in callbacks:
            cb.on_batch_begin(step, {"batch": step, "size": n})
        if step_fn is not None:
            loss, pred = step_fn(x, y)
            if batch_scheduler is not None:
                batch_scheduler.step()
        elif optimizer is not None:
            optimizer.zero_grad()
            pred = model(x)
            loss = _check_loss(loss_fn(pred, y))
            loss.backward()
            if averager is not None:
                averager.finish()
            optimizer.step()
            if batch_scheduler is not None:
                batch_scheduler.step()
        else:
            with no_grad():
                pred = model(x)
                loss = _check_loss(loss_fn(pred, y))
        with no_grad():
            weighted = loss.detach() * n
            total = weighted if total is None else total + weighted
            count += n
            for m in metrics:
                m.update_state(pred.detach(), y)
        if progress is not None:
            progress.update()
        for cb in callbacks:
            cb.on_batch_end(step, {"batch": step, "size": n, "loss": loss.detach()})
        if optimizer is not None and averager is None and getattr(model, "stop_training", False):
            break
    if count == 0:
        raise ValueError("the data gave no batches (empty data set, or drop_last with fewer "
                         "samples than batch_size)")
    logs = {"loss": total.item() / count}           # the one read-back of the epoch
    for m in metrics:
        logs[m.name] = m.result()
    if averager is not None:
        from ..distributed import reduce_metrics
        logs = reduce_metrics(logs, weight=count)
    return logs


def _train_step(model: Any, loss_fn: Any, optimizer: Any, compiled: bool) -> Any:
    """One training batch as a function (compiled with ``xg.compile`` when asked)."""
    if not compiled:
        return None

    def train_step(x: Tensor, y: Tensor) -> tuple:
        optimizer.zero_grad()
        pred = model(x)
        loss = _check_loss(loss_fn(pred, y))
        loss.backward()
        optimizer.step()
        return loss, pred
    return xg_compile(train_step)


def _eval_step(model: Any, loss_fn: Any, compiled: bool) -> Any:
    if not compiled:
        return None

    def eval_step(x: Tensor, y: Tensor) -> tuple:
        with no_grad():
            pred = model(x)
            loss = _check_loss(loss_fn(pred, y))
        return loss, pred
    return xg_compile(eval_step)


def _check_loss(loss: Any) -> Tensor:
    if not isinstance(loss, Tensor) or loss.ndim != 0:
        what = f"shape {tuple(loss.shape)}" if isinstance(loss, Tensor) else type(loss).__name__
        raise ValueError(f"loss_fn must return a 0-d Tensor, the batch mean "
                         f"(reduction='mean'), got {what}")
    return loss


def fit(model: Any, loss_fn: Any, optimizer: Any, train_data: Any, epochs: int = 1,
        batch_size: int = 32, validation_data: Any = None, metrics: Sequence[Any] = (),
        callbacks: Sequence[Callback] = (), scheduler: Any = None, device: Any = None,
        verbose: int = 1, shuffle: bool = True, seed: int | None = None,
        initial_epoch: int = 0, distributed: bool = False, compile: bool = False) -> History:
    """Train ``model`` for ``epochs`` on ``train_data`` ((X, y) or a DataLoader), Keras style.

    Each epoch trains on mini-batches of ``batch_size`` (reshuffled per epoch when
    ``shuffle``; epoch ``e``'s order depends only on ``seed`` and ``e``), then evaluates
    ``validation_data`` ((X, y) or a DataLoader) in eval mode. The logs of an epoch are
    ``loss`` (the mean over the epoch's batches, weighted by their sizes), each metric,
    then ``val_loss`` and ``val_<metric>`` over the whole validation set, plus
    ``learning_rate`` with a ``scheduler``; the returned History holds one value per epoch
    under those keys. Nothing is read back from the device inside an epoch: each value
    is read once, at its end. A DataLoader is used as it is (``batch_size``, ``shuffle``
    and ``seed`` apply to (X, y) only); its batches are moved to the model's device.

    ``metrics``: names or Metric objects (see ``xg.train.metrics``). ``callbacks``: Keras'
    hooks (``on_epoch_end(epoch, logs)`` ...); the History runs last. ``scheduler``: stepped
    once per epoch after validation; ReduceLROnPlateau gets ``val_loss`` (``loss`` without
    validation data); CyclicLR and OneCycleLR, which count batches, step after every batch
    (OneCycleLR(..., epochs=E, steps_per_epoch=len(loader))). ``device``: where the model and batches go (default: the model's).
    ``verbose``: 0 silent, 1 a progress bar per epoch and Keras' epoch line
    ``Epoch 3/100 - loss: 0.4123 - accuracy: 0.8125 - val_loss: ...``, 2 the line only.
    ``initial_epoch``: the 0-based epoch to start from when resuming (``epochs`` is the
    index to stop before, as in Keras). The model is left in eval mode.

    ``compile=True`` runs each training and validation batch through ``xg.compile``: the
    step (zero_grad, forward, loss, backward, optimizer step) is recorded once per batch
    shape and replayed without Python graph work afterwards; the results are the same
    (bit for bit on the CPU). Callbacks, metrics and schedulers run between steps as usual.

    ``distributed=True`` (data parallel; launch with ``python -m xpgrad.distributed -n 4
    script.py``): rank 0's weights are copied to every rank, each rank trains on its own
    shard of every epoch (``batch_size`` is per rank, so the global batch is batch_size x
    ranks), gradients are averaged over ranks after each backward, and buffers (BatchNorm
    statistics) are copied from rank 0 after each epoch. The validation data are split
    between ranks, and the epoch's loss and metrics are averaged over ranks weighted by
    sample counts before callbacks see them, so EarlyStopping and schedulers decide the same
    everywhere (AUC becomes the count-weighted mean of the ranks' AUCs). Only rank 0 prints
    and runs ModelCheckpoint and CSVLogger (or any callback with ``main_process_only =
    True``); other callbacks run on every rank. A DataLoader must be made with
    ``shard=True``.

    >>> hist = xg.train.fit(model, nn.BCELoss(), opt, (X, y), epochs=100, batch_size=32,
    ...                     validation_data=(Xv, yv), metrics=["accuracy"],
    ...                     callbacks=[xg.train.EarlyStopping(patience=10)])
    """
    _check_fit_args(epochs, initial_epoch, verbose)
    device = _device_of(model, device)
    model.to(device)
    if distributed:
        if compile:
            raise ValueError("fit: compile=True cannot be combined with distributed=True "
                             "(gradient averaging runs on the host between backward and "
                             "step); drop one of them")
        return _fit_distributed(model, loss_fn, optimizer, train_data, epochs, batch_size,
                                validation_data, metrics, callbacks, scheduler, device,
                                verbose, shuffle, seed, initial_epoch)
    return _fit(model, loss_fn, optimizer, train_data, epochs, batch_size, validation_data,
                metrics, callbacks, scheduler, device, verbose, shuffle, seed, initial_epoch,
                compile=compile)


def _fit_distributed(model: Any, loss_fn: Any, optimizer: Any, train_data: Any, epochs: int,
                     batch_size: int, validation_data: Any, metrics: Sequence[Any],
                     callbacks: Sequence[Callback], scheduler: Any, device: Any, verbose: int,
                     shuffle: bool, seed: int | None, initial_epoch: int) -> History:
    from .. import distributed as dist
    from .callbacks import CSVLogger, ModelCheckpoint
    world = dist.init()                         # a clear error without mpi4py
    dist.broadcast_parameters(model)            # also checks every rank built the same model
    averager = dist.GradientAverager(list(model.named_parameters()))
    if validation_data is not None and isinstance(validation_data, (tuple, list)):
        validation_data = tuple(a[world.rank::world.size] for a in validation_data)
    main = world.rank == 0
    if not main:
        callbacks = [cb for cb in callbacks if not getattr(
            cb, "main_process_only", isinstance(cb, (ModelCheckpoint, CSVLogger)))]
    try:
        with contextlib.ExitStack() as stack:
            if not main:                                      # only rank 0 prints
                devnull = stack.enter_context(open(os.devnull, "w"))
                stack.enter_context(contextlib.redirect_stdout(devnull))
            return _fit(model, loss_fn, optimizer, train_data, epochs, batch_size,
                        validation_data, metrics, callbacks, scheduler, device,
                        verbose if main else 0, shuffle, seed, initial_epoch, averager)
    finally:
        averager.remove()


def _check_fit_args(epochs: Any, initial_epoch: Any, verbose: Any) -> None:
    for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"fit: {name} must be a non-negative integer, got {value!r}")
    if verbose not in (0, 1, 2):
        raise ValueError(f"fit: verbose must be 0 (silent), 1 (progress bar) or 2 (one line "
                         f"per epoch), got {verbose!r}")


def _step_scheduler(scheduler: Any, logs: dict) -> None:
    if isinstance(scheduler, ReduceLROnPlateau) or hasattr(scheduler, "is_better"):
        scheduler.step(logs.get("val_loss", logs["loss"]))    # watches a metric
    elif hasattr(scheduler, "step"):
        scheduler.step()
    else:
        raise TypeError(f"fit: scheduler must have a step() method, got "
                        f"{type(scheduler).__name__}")


def _fit(model: Any, loss_fn: Any, optimizer: Any, train_data: Any, epochs: int,
         batch_size: int, validation_data: Any, metrics: Sequence[Any],
         callbacks: Sequence[Callback], scheduler: Any, device: str, verbose: int,
         shuffle: bool, seed: int | None, initial_epoch: int, averager: Any = None,
         compile: bool = False) -> History:
    loader = _loader(train_data, batch_size, shuffle, seed, device, "train_data",
                     shard=averager is not None)
    val_loader = (None if validation_data is None else
                  _loader(validation_data, batch_size, False, None, device, "validation_data"))
    train_metrics = _metrics(metrics, loss_fn)
    val_metrics = _metrics(metrics, loss_fn)
    per_batch = isinstance(scheduler, (CyclicLR, OneCycleLR))
    history = History()
    history.params = {"epochs": epochs, "steps": len(loader), "verbose": verbose}
    callbacks = [*callbacks, history]
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"fit: callbacks must be xg.train.Callback objects, got "
                            f"{type(cb).__name__}")
        cb.set_context(model, optimizer)
    model.stop_training = False
    train_step = _train_step(model, loss_fn, optimizer, compile) if averager is None else None
    eval_step = _eval_step(model, loss_fn, compile)
    for cb in callbacks:
        cb.on_train_begin({})
    for epoch in range(initial_epoch, epochs):
        for cb in callbacks:
            cb.on_epoch_begin(epoch, {})
        model.train()
        loader.set_epoch(epoch)        # epoch e always sees the same order: resuming is exact
        lr = optimizer.param_groups[0]["lr"] if scheduler is not None else None
        progress = Progress(len(loader), epoch, epochs, verbose)
        try:
            logs = _run_epoch(model, loss_fn, loader, train_metrics, device, optimizer,
                              callbacks, progress, averager,
                              scheduler if per_batch else None, train_step)
        finally:
            progress.close()
        if averager is not None:
            from ..distributed import broadcast
            for _, buf in model.named_buffers():
                broadcast(buf, 0)                   # e.g. BatchNorm statistics: rank 0's
        if val_loader is not None:
            model.eval()
            val_logs = _run_epoch(model, loss_fn, val_loader, val_metrics, device,
                                  averager=averager, step_fn=eval_step)
            logs.update({f"val_{k}": v for k, v in val_logs.items()})
            model.train()
        if scheduler is not None:
            logs["learning_rate"] = lr              # the rate the epoch started with
            if not per_batch:
                _step_scheduler(scheduler, logs)
        for cb in callbacks:
            cb.on_epoch_end(epoch, logs)
        if verbose:
            print(epoch_line(epoch, epochs, logs), flush=True)
        if model.stop_training:
            break
    for cb in callbacks:
        cb.on_train_end({})
    model.eval()
    return history


def evaluate(model: Any, loss_fn: Any, data: Any, batch_size: int = 32,
             metrics: Sequence[Any] = (), device: Any = None, compile: bool = False) -> dict:
    """Loss (over the whole data set, batches weighted by size) and metrics, computed in
    eval mode under no_grad; the model's mode is restored afterwards.

    >>> xg.train.evaluate(model, nn.BCELoss(), (X_test, y_test), metrics=["accuracy", "auc"])
    {'loss': 0.35, 'accuracy': 0.86, 'auc': 0.93}

    ``compile=True`` replays the batches through ``xg.compile`` (see ``fit``).
    """
    device = _device_of(model, device)
    loader = _loader(data, batch_size, False, None, device, "data")
    metric_objs = _metrics(metrics, loss_fn)
    was_training = model.training
    model.eval()
    try:
        return _run_epoch(model, loss_fn, loader, metric_objs, device,
                          step_fn=_eval_step(model, loss_fn, compile))
    finally:
        model.train(was_training)


def predict(model: Any, x: Any, batch_size: int = 32, device: Any = None,
            compile: bool = False) -> Tensor:
    """The model's outputs for ``x`` (an array, a tensor, or a DataLoader whose batches are
    inputs or (inputs, ...) tuples), in eval mode under no_grad, concatenated over batches;
    the model's mode is restored afterwards.

    >>> probs = xg.train.predict(model, X_test, batch_size=256)     # Tensor (N, 1)

    ``compile=True`` replays the batches through ``xg.compile`` (see ``fit``).
    """
    from ..autograd.ops import concat
    device = _device_of(model, device)
    if isinstance(x, DataLoader):
        loader = x
    elif isinstance(x, (tuple, list)):
        raise TypeError("predict: x must be the inputs (an array or tensor) or a DataLoader, "
                        f"got a {type(x).__name__}; predict needs no targets")
    else:
        loader = DataLoader(x, batch_size=batch_size, device=device)
    was_training = model.training
    model.eval()
    def forward(batch: Tensor) -> Tensor:
        with no_grad():
            return model(batch)
    run = xg_compile(forward) if compile else forward
    try:
        outs = [run(_on_device(b if isinstance(b, Tensor) else b[0], device)) for b in loader]
    finally:
        model.train(was_training)
    if not outs:
        raise ValueError("predict: x holds no samples")
    return outs[0] if len(outs) == 1 else concat(outs, axis=0)
