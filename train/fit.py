"""fit / evaluate / predict: the Keras training loop over any model, loss and optimizer.

The loop never reads a value back from the device per batch: batch losses (weighted by batch
size) and metrics accumulate as device tensors and are read once per epoch."""
from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Iterable, Sequence

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..data import DataLoader
from .callbacks import Callback
from .history import History
from .metrics import Metric, get_metric


def _device_of(model: Any, device: Any) -> Any:
    if device is not None:
        return device
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
    raise TypeError(f"{what} must be (inputs, targets) or a DataLoader, got {type(data).__name__}")


def _from_logits(loss_fn: Any) -> bool:
    name = type(loss_fn).__name__.lower() + getattr(loss_fn, "__name__", "").lower()
    return "logits" in name or "crossentropy" in name.replace("_", "")


def _metrics(specs: Iterable[Any], loss_fn: Any) -> list[Metric]:
    return [get_metric(m, from_logits=_from_logits(loss_fn)) for m in specs]


class _Progress:
    """A tqdm bar per epoch when tqdm is installed and verbose=1; otherwise silent."""

    def __init__(self, total: int, epoch: int, epochs: int, verbose: int) -> None:
        self.bar = None
        if verbose == 1:
            try:
                from tqdm.auto import tqdm
                self.bar = tqdm(total=total, desc=f"Epoch {epoch + 1}/{epochs}", unit="batch",
                                leave=False, file=sys.stdout, dynamic_ncols=True)
            except ImportError:
                pass

    def update(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _run_epoch(model: Any, loss_fn: Any, loader: DataLoader, metrics: Sequence[Metric],
               optimizer: Any = None, callbacks: Sequence[Callback] = (),
               progress: _Progress | None = None, averager: Any = None) -> dict:
    """One pass: trains when ``optimizer`` is given, else evaluates under no_grad.
    With an ``averager`` (distributed), gradients are averaged over ranks before each step
    and the epoch's logs are averaged over ranks, weighted by their sample counts."""
    total, count = None, 0
    for m in metrics:
        m.reset_state()
    for step, batch in enumerate(loader):
        x, y = batch[0], batch[1]
        n = x.shape[0]
        if optimizer is not None:
            optimizer.zero_grad()
            pred = model(x)
            loss = loss_fn(pred, y)
            loss.backward()
            if averager is not None:
                averager.finish()
            optimizer.step()
        else:
            with no_grad():
                pred = model(x)
                loss = loss_fn(pred, y)
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


def fit(model: Any, loss_fn: Any, optimizer: Any, train_data: Any, epochs: int = 1,
        batch_size: int = 32, validation_data: Any = None, metrics: Sequence[Any] = (),
        callbacks: Sequence[Callback] = (), scheduler: Any = None, device: Any = None,
        verbose: int = 1, shuffle: bool = True, seed: int | None = None,
        initial_epoch: int = 0, distributed: bool = False) -> History:
    """Train ``model`` for ``epochs`` on ``train_data`` ((X, y) or a DataLoader), Keras style.

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
    device = _device_of(model, device)
    model.to(device)
    if distributed:
        return _fit_distributed(model, loss_fn, optimizer, train_data, epochs, batch_size,
                                validation_data, metrics, callbacks, scheduler, device,
                                verbose, shuffle, seed, initial_epoch)
    return _fit(model, loss_fn, optimizer, train_data, epochs, batch_size, validation_data,
                metrics, callbacks, scheduler, device, verbose, shuffle, seed, initial_epoch)


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


def _fit(model: Any, loss_fn: Any, optimizer: Any, train_data: Any, epochs: int,
         batch_size: int, validation_data: Any, metrics: Sequence[Any],
         callbacks: Sequence[Callback], scheduler: Any, device: Any, verbose: int,
         shuffle: bool, seed: int | None, initial_epoch: int, averager: Any = None) -> History:
    loader = _loader(train_data, batch_size, shuffle, seed, device, "train_data",
                     shard=averager is not None)
    val_loader = (None if validation_data is None else
                  _loader(validation_data, batch_size, False, None, device, "validation_data"))
    train_metrics = _metrics(metrics, loss_fn)
    val_metrics = _metrics(metrics, loss_fn)
    history = History()
    callbacks = list(callbacks)
    for cb in callbacks:
        cb.set_context(model, optimizer)
    model.stop_training = False
    for cb in callbacks:
        cb.on_train_begin({})
    for epoch in range(initial_epoch, epochs):
        for cb in callbacks:
            cb.on_epoch_begin(epoch, {})
        model.train()
        loader.set_epoch(epoch)        # epoch e always sees the same order: resuming is exact
        progress = _Progress(len(loader), epoch, epochs, verbose)
        try:
            logs = _run_epoch(model, loss_fn, loader, train_metrics, optimizer, callbacks, progress,
                              averager)
        finally:
            progress.close()
        if averager is not None:
            from ..distributed import broadcast
            for _, buf in model.named_buffers():
                broadcast(buf, 0)                   # e.g. BatchNorm statistics: rank 0's
        if val_loader is not None:
            model.eval()
            val_logs = _run_epoch(model, loss_fn, val_loader, val_metrics, averager=averager)
            logs.update({f"val_{k}": v for k, v in val_logs.items()})
            model.train()
        if scheduler is not None:
            if hasattr(scheduler, "is_better"):            # ReduceLROnPlateau watches a metric
                scheduler.step(logs.get("val_loss", logs["loss"]))
            else:
                scheduler.step()
        for cb in callbacks:
            cb.on_epoch_end(epoch, logs)
        history.record(epoch, logs)
        if verbose:
            parts = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
            print(f"Epoch {epoch + 1}/{epochs} - {parts}", flush=True)
        if model.stop_training:
            break
    for cb in callbacks:
        cb.on_train_end({})
    model.eval()
    return history


def evaluate(model: Any, loss_fn: Any, data: Any, batch_size: int = 32,
             metrics: Sequence[Any] = (), device: Any = None) -> dict:
    """Loss (over the whole data set, batches weighted by size) and metrics, in eval mode.

    >>> xg.train.evaluate(model, nn.BCELoss(), (X_test, y_test), metrics=["accuracy", "auc"])
    """
    device = _device_of(model, device)
    loader = _loader(data, batch_size, False, None, device, "data")
    was_training = model.training
    model.eval()
    try:
        return _run_epoch(model, loss_fn, loader, _metrics(metrics, loss_fn))
    finally:
        model.train(was_training)


def predict(model: Any, x: Any, batch_size: int = 32, device: Any = None) -> Tensor:
    """The model's outputs for ``x`` (eval mode, no graph), concatenated over batches."""
    from ..autograd.ops import concat
    device = _device_of(model, device)
    loader = x if isinstance(x, DataLoader) else DataLoader(x, batch_size=batch_size, device=device)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            outs = [model(b if isinstance(b, Tensor) else b[0]) for b in loader]
    finally:
        model.train(was_training)
    return concat(outs, axis=0)
