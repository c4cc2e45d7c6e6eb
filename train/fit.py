"""fit / evaluate / predict: the Keras training loop over any model, loss and optimizer.

The loop never reads a value back from the device per batch: batch losses (weighted by batch
size) and metrics accumulate as device tensors and are read once per epoch."""
from __future__ import annotations

import contextlib
import numbers
import os
from typing import Any, Sequence

from ..autograd.compiled import compile as xg_compile
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..data import DataLoader
from ..optim.lr_scheduler import CyclicLR, OneCycleLR, ReduceLROnPlateau
from .callbacks import Callback
from .history import History
from .inputs import (EpochBatches, attach_sample_weight, check_steps, limited,
                     split_validation, validation_epochs)
from .loop import (ClassWeights, check_loss as _check_loss, device_of as _device_of,
                   make_loader as _loader, make_metrics as _metrics, on_device as _on_device,
                   run_epoch as _run_epoch)
from .progress import Progress, epoch_line, format_value


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


def fit(model: Any, loss_fn: Any, optimizer: Any, train_data: Any, epochs: int = 1,
        batch_size: int | None = 32, validation_data: Any = None, metrics: Sequence[Any] = (),
        callbacks: Sequence[Callback] = (), scheduler: Any = None, device: Any = None,
        verbose: int | str = 1, shuffle: bool = True, seed: int | None = None,
        initial_epoch: int = 0, distributed: bool = False, compile: bool = False, *,
        validation_split: float = 0.0, validation_freq: Any = 1,
        validation_steps: int | None = None, validation_batch_size: int | None = None,
        steps_per_epoch: int | None = None, class_weight: dict | None = None,
        sample_weight: Any = None) -> History:
    """Train ``model`` for ``epochs`` on ``train_data`` ((X, y) or a DataLoader), Keras
    style; returns a History (``.history[key]``: one value per epoch, ``.epoch``: the
    0-based epochs run, ``.params``: epochs, steps, verbose).

    Each epoch trains on mini-batches of ``batch_size`` (32 when None, as Keras; reshuffled
    per epoch when ``shuffle``; epoch ``e``'s order depends only on ``seed`` and ``e``), then
    evaluates ``validation_data`` ((X, y), (X, y, sample_weight) or a DataLoader) in eval
    mode. ``validation_split`` (arrays only; ignored when ``validation_data`` is given, as
    Keras) holds out the LAST fraction of the samples, taken before shuffling. The logs of an
    epoch are ``loss`` (the mean over the epoch's batches, weighted by their sizes), each
    metric, then ``val_loss`` and ``val_<metric>`` over the whole validation set, plus
    ``learning_rate`` with a ``scheduler``. Nothing is read back from the device inside an
    epoch: each value is read once, at its end. A DataLoader is used as it is
    (``batch_size``, ``shuffle`` and ``seed`` apply to arrays only); its batches are moved
    to the model's device; a third item in a batch is its sample weights.

    Keras' other arguments (keyword-only): ``validation_freq`` (an int: validate every n-th
    epoch; or a list of 1-based epochs; other epochs have no val_* keys),
    ``validation_steps`` (validate on the first n batches), ``validation_batch_size``
    (default ``batch_size``), ``steps_per_epoch`` (exactly n batches per epoch, drawn from
    the data as a stream that starts a new, reshuffled pass when one runs out),
    ``sample_weight`` (one weight per sample of (X, y)) and ``class_weight`` ({class index:
    weight}; targets are class indices, 0/1 values or one-hot rows; a class not in the dict
    weighs 1; it multiplies any sample weights; training only). Weighted losses are Keras':
    the batch mean of loss_i * weight_i, so the loss needs ``reduction='none'`` (loss modules
    have it; a function must take it); weighted batches run eagerly even with ``compile``.
    Metrics are never weighted.

    ``metrics``: names or Metric objects (see ``xg.train.metrics``). ``callbacks``: Keras'
    hooks (``on_epoch_end(epoch, logs)`` ...); the History runs last. ``scheduler``: stepped
    once per epoch after validation; ReduceLROnPlateau gets ``val_loss`` (``loss`` without
    validation data); CyclicLR and OneCycleLR, which count batches, step after every batch
    (OneCycleLR(..., epochs=E, steps_per_epoch=len(loader))). ``device``: where the model
    and batches go (default: the model's). ``verbose``: 0 silent, 1 (or "auto") a progress
    bar per epoch and Keras' epoch line ``Epoch 3/100 - loss: 0.4123 - accuracy: 0.8125 -
    val_loss: ...``, 2 the line only. ``initial_epoch``: the 0-based epoch to start from
    when resuming (``epochs`` is the index to stop before, as in Keras). The model is left
    in eval mode.

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
    ...                     validation_split=0.2, metrics=["accuracy"],
    ...                     callbacks=[xg.train.EarlyStopping(patience=10)])
    """
    verbose = 1 if verbose == "auto" else verbose
    batch_size = 32 if batch_size is None else batch_size
    _check_fit_args(epochs, initial_epoch, verbose)
    train_data = attach_sample_weight(train_data, sample_weight)
    split_train, split_val = split_validation(train_data, validation_split)
    if validation_data is None:
        train_data, validation_data = split_train, split_val
    opts = {"validation_freq": validation_epochs(validation_freq),
            "steps_per_epoch": check_steps(steps_per_epoch, "steps_per_epoch"),
            "validation_steps": check_steps(validation_steps, "validation_steps"),
            "validation_batch_size": check_steps(validation_batch_size,
                                                 "validation_batch_size") or batch_size,
            "class_weights": None if class_weight is None else ClassWeights(class_weight),
            "sample_weight": sample_weight is not None}
    device = _device_of(model, device)
    model.to(device)
    if distributed:
        if compile:
            raise ValueError("fit: compile=True cannot be combined with distributed=True "
                             "(gradient averaging runs on the host between backward and "
                             "step); drop one of them")
        return _fit_distributed(model, loss_fn, optimizer, train_data, epochs, batch_size,
                                validation_data, metrics, callbacks, scheduler, device,
                                verbose, shuffle, seed, initial_epoch, opts)
    return _fit(model, loss_fn, optimizer, train_data, epochs, batch_size, validation_data,
                metrics, callbacks, scheduler, device, verbose, shuffle, seed, initial_epoch,
                opts, compile=compile)


def _fit_distributed(model: Any, loss_fn: Any, optimizer: Any, train_data: Any, epochs: int,
                     batch_size: int, validation_data: Any, metrics: Sequence[Any],
                     callbacks: Sequence[Callback], scheduler: Any, device: Any, verbose: int,
                     shuffle: bool, seed: int | None, initial_epoch: int, opts: dict) -> History:
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
                        verbose if main else 0, shuffle, seed, initial_epoch, opts, averager)
    finally:
        averager.remove()


def _check_fit_args(epochs: Any, initial_epoch: Any, verbose: Any) -> None:
    for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"fit: {name} must be a non-negative integer, got {value!r}")
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"fit: verbose must be 0 (silent), 1 or 'auto' (progress bar) or 2 "
                         f"(one line per epoch), got {verbose!r}")


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
         shuffle: bool, seed: int | None, initial_epoch: int, opts: dict,
         averager: Any = None, compile: bool = False) -> History:
    loader = _loader(train_data, batch_size, shuffle, seed, device, "train_data",
                     shard=averager is not None, weights_ok=opts["sample_weight"])
    batches = EpochBatches(loader, opts["steps_per_epoch"])
    val_loader = (None if validation_data is None else
                  _loader(validation_data, opts["validation_batch_size"], False, None, device,
                          "validation_data"))
    train_metrics = _metrics(metrics, loss_fn)
    val_metrics = _metrics(metrics, loss_fn)
    per_batch = isinstance(scheduler, (CyclicLR, OneCycleLR))
    history = History()
    history.params = {"epochs": epochs, "steps": len(batches), "verbose": verbose}
    callbacks = [*callbacks, history]
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"fit: callbacks must be xg.train.Callback objects, got "
                            f"{type(cb).__name__}")
        cb.set_context(model, optimizer)
        cb.set_params(history.params)
    model.stop_training = False
    train_step = _train_step(model, loss_fn, optimizer, compile) if averager is None else None
    eval_step = _eval_step(model, loss_fn, compile)
    for cb in callbacks:
        cb.on_train_begin({})
    for epoch in range(initial_epoch, epochs):
        for cb in callbacks:
            cb.on_epoch_begin(epoch, {})
        model.train()
        lr = optimizer.param_groups[0]["lr"] if scheduler is not None else None
        progress = Progress(len(batches), epoch, epochs, verbose)
        try:
            logs = _run_epoch(model, loss_fn, batches.epoch(epoch), train_metrics, device,
                              optimizer, callbacks, progress, averager,
                              scheduler if per_batch else None, train_step,
                              opts["class_weights"])
        finally:
            progress.close()
        if averager is not None:
            from ..distributed import broadcast
            for _, buf in model.named_buffers():
                broadcast(buf, 0)                   # e.g. BatchNorm statistics: rank 0's
        if val_loader is not None and opts["validation_freq"](epoch):
            model.eval()
            for cb in callbacks:
                cb.on_test_begin({})
            val_logs = _run_epoch(model, loss_fn, limited(val_loader, opts["validation_steps"]),
                                  val_metrics, device, callbacks=callbacks, averager=averager,
                                  step_fn=eval_step)
            for cb in callbacks:
                cb.on_test_end(dict(val_logs))
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


def evaluate(model: Any, loss_fn: Any, data: Any, batch_size: int | None = 32,
             metrics: Sequence[Any] = (), device: Any = None, compile: bool = False, *,
             return_dict: bool = True, sample_weight: Any = None, steps: int | None = None,
             callbacks: Sequence[Callback] = (), verbose: int | str = 0) -> Any:
    """Loss (over the whole data set, batches weighted by size) and metrics, computed in
    eval mode under no_grad; the model's mode is restored afterwards. ``data``: (X, y),
    (X, y, sample_weight) or a DataLoader.

    Returns a dict ``{"loss": ..., <metric>: ...}`` by default (Keras'
    ``return_dict=True``); ``return_dict=False`` gives Keras' default instead: the loss as
    a float without metrics, else the list ``[loss, metric, ...]``. ``sample_weight``
    weights the loss as in fit; ``steps`` evaluates the first n batches; ``callbacks`` get
    on_test_begin / on_test_batch_begin / on_test_batch_end / on_test_end; ``verbose`` 1 or
    2 prints ``loss: 0.3500 - accuracy: 0.8600`` (silent by default).

    >>> xg.train.evaluate(model, nn.BCELoss(), (X_test, y_test), metrics=["accuracy", "auc"])
    {'loss': 0.35, 'accuracy': 0.86, 'auc': 0.93}

    ``compile=True`` replays the batches through ``xg.compile`` (see ``fit``).
    """
    verbose = 1 if verbose == "auto" else verbose
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"evaluate: verbose must be 0, 1, 2 or 'auto', got {verbose!r}")
    device = _device_of(model, device)
    if sample_weight is not None:
        data = attach_sample_weight(data, sample_weight)
    loader = _loader(data, 32 if batch_size is None else batch_size, False, None, device,
                     "data")
    metric_objs = _metrics(metrics, loss_fn)
    callbacks = list(callbacks)
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"evaluate: callbacks must be xg.train.Callback objects, got "
                            f"{type(cb).__name__}")
        cb.set_context(model, getattr(cb, "optimizer", None))
    was_training = model.training
    model.eval()
    try:
        for cb in callbacks:
            cb.on_test_begin({})
        logs = _run_epoch(model, loss_fn, limited(loader, check_steps(steps, "steps")),
                          metric_objs, device, callbacks=callbacks,
                          step_fn=_eval_step(model, loss_fn, compile))
        for cb in callbacks:
            cb.on_test_end(dict(logs))
    finally:
        model.train(was_training)
    if verbose:
        print(" - ".join(f"{k}: {format_value(v)}" for k, v in logs.items()), flush=True)
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def predict(model: Any, x: Any, batch_size: int | None = 32, device: Any = None,
            compile: bool = False, *, steps: int | None = None) -> Tensor:
    """The model's outputs for ``x`` (an array, a tensor, or a DataLoader whose batches are
    inputs or (inputs, ...) tuples), in eval mode under no_grad, concatenated over batches
    (the first ``steps`` batches only, when given); the model's mode is restored afterwards.
    Returns a Tensor (Keras returns a NumPy array: call ``.numpy()``).

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
        loader = DataLoader(x, batch_size=32 if batch_size is None else batch_size,
                            device=device)
    was_training = model.training
    model.eval()

    def forward(batch: Tensor) -> Tensor:
        with no_grad():
            return model(batch)
    run = xg_compile(forward) if compile else forward
    try:
        outs = [run(_on_device(b if isinstance(b, Tensor) else b[0], device))
                for b in limited(loader, check_steps(steps, "steps"))]
    finally:
        model.train(was_training)
    if not outs:
        raise ValueError("predict: x holds no samples")
    return outs[0] if len(outs) == 1 else concat(outs, axis=0)
