"""fit / evaluate / predict: the Keras training loop over any model, loss and optimizer.

The loop never reads a value back from the device per batch: batch losses (weighted by batch
size) and metrics accumulate as device tensors and are read once per epoch."""
from __future__ import annotations

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
            what: str) -> DataLoader:
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return DataLoader(tuple(data), batch_size=batch_size, shuffle=shuffle, seed=seed,
                          device=device)
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
               progress: _Progress | None = None) -> dict:
    """One pass: trains when ``optimizer`` is given, else evaluates under no_grad."""
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
    return logs


def fit(model: Any, loss_fn: Any, optimizer: Any, train_data: Any, epochs: int = 1,
        batch_size: int = 32, validation_data: Any = None, metrics: Sequence[Any] = (),
        callbacks: Sequence[Callback] = (), scheduler: Any = None, device: Any = None,
        verbose: int = 1, shuffle: bool = True, seed: int | None = None,
        initial_epoch: int = 0) -> History:
    """Train ``model`` for ``epochs`` on ``train_data`` ((X, y) or a DataLoader), Keras style.

    >>> hist = xg.train.fit(model, nn.BCELoss(), opt, (X, y), epochs=100, batch_size=32,
    ...                     validation_data=(Xv, yv), metrics=["accuracy"],
    ...                     callbacks=[xg.train.EarlyStopping(patience=10)])
    """
    device = _device_of(model, device)
    model.to(device)
    loader = _loader(train_data, batch_size, shuffle, seed, device, "train_data")
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
        progress = _Progress(len(loader), epoch, epochs, verbose)
        try:
            logs = _run_epoch(model, loss_fn, loader, train_metrics, optimizer, callbacks, progress)
        finally:
            progress.close()
        if val_loader is not None:
            model.eval()
            val_logs = _run_epoch(model, loss_fn, val_loader, val_metrics)
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
