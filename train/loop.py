"""The epoch loop behind fit / evaluate: data to loaders, metrics from names, one pass over
the batches (training or evaluating), and losses weighted per sample (Keras' sample_weight
and class_weight). Batch losses and metrics stay on the device; an epoch reads back once.

>>> logs = run_epoch(model, loss_fn, iter(loader), metrics, "cpu")
"""
from __future__ import annotations

import copy
import numbers
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..backends import canonical_device
from ..data import DataLoader
from .callbacks import Callback
from .metrics import Metric, get_metric, loss_from_logits
from .progress import Progress


def device_of(model: Any, device: Any) -> str:
    """``device`` canonicalised, else the device of the model's first parameter, else cpu.

    >>> device_of(nn.Linear(2, 1), None)
    'cpu'
    """
    if device is not None:
        return canonical_device(device)
    for p in model.parameters():
        return p.device
    return "cpu"


def make_loader(data: Any, batch_size: int, shuffle: bool, seed: Any, device: Any,
                what: str, shard: bool = False, weights_ok: bool = True) -> DataLoader:
    """A DataLoader over ``data``: (X, y), (X, y, sample_weight) when ``weights_ok``, or a
    DataLoader (as is).

    >>> make_loader((X, y), 32, True, 0, "cpu", "train_data")
    """
    if isinstance(data, DataLoader):
        if shard and not data.shard:
            raise ValueError(f"fit(distributed=True): {what} is a DataLoader without "
                             "sharding; make it with DataLoader(..., shard=True) so each rank "
                             "trains on its own part, or pass (X, y)")
        return data
    if isinstance(data, (tuple, list)) and len(data) == 3 and (not weights_ok or not all(
            a is None or hasattr(a, "shape") or hasattr(a, "__len__") for a in data)):
        hint = ("; pass sample weights as sample_weight=w" if not weights_ok else
                " (inputs, targets, sample_weight: arrays)")
        raise ValueError(f"{what} must be (inputs, targets), got 3 items{hint}")
    if isinstance(data, (tuple, list)) and len(data) in (2, 3):
        if len(data) == 3 and data[2] is None:
            data = data[:2]
        return DataLoader(tuple(data), batch_size=batch_size, shuffle=shuffle, seed=seed,
                          device=device, shard=shard)
    if isinstance(data, (tuple, list)):
        raise ValueError(f"{what} must be (inputs, targets) or (inputs, targets, "
                         f"sample_weight), got {len(data)} items")
    raise TypeError(f"{what} must be (inputs, targets) or a DataLoader, got {type(data).__name__}")


def make_metrics(specs: Iterable[Any], loss_fn: Any) -> list[Metric]:
    """Metric objects for names or Metric instances; two with one history key raise.

    >>> make_metrics(["accuracy", "auc"], nn.BCELoss())
    """
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


def on_device(t: Any, device: str) -> Any:
    """``t`` moved to ``device`` when it is a tensor elsewhere."""
    return t if not isinstance(t, Tensor) or t.device == device else t.to(device)


def check_loss(loss: Any) -> Tensor:
    """``loss`` when it is a 0-d Tensor, else a ValueError naming what it was."""
    if not isinstance(loss, Tensor) or loss.ndim != 0:
        what = f"shape {tuple(loss.shape)}" if isinstance(loss, Tensor) else type(loss).__name__
        raise ValueError(f"loss_fn must return a 0-d Tensor, the batch mean "
                         f"(reduction='mean'), got {what}")
    return loss


def per_sample_loss(loss_fn: Any) -> Callable[[Tensor, Tensor], Tensor]:
    """``loss_fn`` giving one value per sample: a copy with ``reduction='none'`` for a loss
    module, ``reduction='none'`` passed to a function.

    >>> per_sample_loss(nn.BCELoss())(pred, y).shape      # (N, 1)
    """
    if isinstance(getattr(loss_fn, "reduction", None), str):
        clone = copy.copy(loss_fn)
        clone.reduction = "none"
        return clone
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")

    def unreduced(pred: Tensor, target: Tensor) -> Tensor:
        try:
            return loss_fn(pred, target, reduction="none")
        except TypeError as exc:
            raise TypeError(f"sample_weight / class_weight need per-sample losses: loss_fn "
                            f"{getattr(loss_fn, '__name__', type(loss_fn).__name__)} must have "
                            f"a reduction attribute or take reduction='none' ({exc})") from None
    return unreduced


def weighted_mean(per: Any, weight: Tensor) -> Tensor:
    """Keras' weighted loss: mean over the batch of loss_i * weight_i (not divided by the
    weights' sum). ``per`` holds one or more values per sample (shape (N, ...)).

    >>> weighted_mean(per_sample_loss(nn.MSELoss())(pred, y), w)
    """
    if not isinstance(per, Tensor) or per.ndim == 0 or per.shape[0] != weight.shape[0]:
        what = f"shape {tuple(per.shape)}" if isinstance(per, Tensor) else type(per).__name__
        raise ValueError(f"sample_weight / class_weight: loss_fn(reduction='none') must give "
                         f"one value per sample, shape ({weight.shape[0]}, ...), got {what}")
    w = weight.reshape((weight.shape[0],) + (1,) * (per.ndim - 1)).astype(per.dtype)
    return (per * w).mean()


class ClassWeights:
    """Keras' class_weight as a lookup on the device: a batch's targets (class indices,
    0/1 values of shape (N,) or (N, 1), or one-hot rows) to per-sample weights; a class not
    in the dict weighs 1.

    >>> ClassWeights({0: 1.0, 1: 5.0})(y_batch)
    """

    def __init__(self, class_weight: dict) -> None:
        if not isinstance(class_weight, dict) or not class_weight:
            raise ValueError(f"fit: class_weight must be a non-empty dict {{class index: "
                             f"weight}}, got {class_weight!r}")
        for k, v in class_weight.items():
            if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0:
                raise ValueError(f"fit: class_weight keys must be class indices (ints >= 0), "
                                 f"got {k!r}")
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise ValueError(f"fit: class_weight[{k}] must be a number, got {v!r}")
        self.size = max(class_weight) + 1
        self.values = [float(class_weight.get(i, 1.0)) for i in range(self.size)] + [1.0]
        self.tables: dict[str, Tensor] = {}

    def __call__(self, target: Tensor) -> Tensor:
        from ..autograd.factories import tensor as make_tensor
        table = self.tables.get(target.device)
        if table is None:
            table = self.tables[target.device] = make_tensor(self.values, device=target.device)
        with no_grad():
            if target.ndim > 1 and target.shape[-1] != 1:
                classes = target.argmax(axis=-1)
            else:
                classes = target.reshape(target.shape[0], -1)[:, 0].round()
            classes = classes.astype("int64").clip(0, self.size)   # unknown classes: last slot
            return table[classes]


def run_epoch(model: Any, loss_fn: Any, batches: Iterator[Any], metrics: Sequence[Metric],
              device: str, optimizer: Any = None, callbacks: Sequence[Callback] = (),
              progress: Progress | None = None, averager: Any = None,
              batch_scheduler: Any = None, step_fn: Any = None,
              class_weights: ClassWeights | None = None) -> dict:
    """One pass: trains when ``optimizer`` is given, else evaluates under no_grad.
    Batch losses (times the batch size) and metric totals stay on the device; the epoch's
    values are read back once at the end. A batch is (x, y) or (x, y, sample_weight);
    weights (and ``class_weights``) scale the per-sample losses as in Keras. Callbacks get
    ``on_train_batch_begin/end`` (training) or ``on_test_batch_begin/end`` (evaluating) with
    logs ``batch``, ``size`` and ``loss``: the running mean of the epoch so far, as Keras,
    a 0-d device tensor (``float(logs["loss"])`` reads it). ``batch_scheduler`` steps after
    every optimizer step. A callback may stop training after any batch (not under
    ``distributed``, where every rank must run the same steps). With an ``averager``,
    gradients are averaged over ranks before each step and the epoch's logs are averaged
    over ranks, weighted by their sample counts.

    >>> run_epoch(model, nn.MSELoss(), iter(loader), [], "cpu", optimizer=opt)
    """
    total, count = None, 0
    for m in metrics:
        m.reset_state()
    train = optimizer is not None
    begin = "on_train_batch_begin" if train else "on_test_batch_begin"
    end = "on_train_batch_end" if train else "on_test_batch_end"
    listeners = [cb for cb in callbacks if cb.listens_to(end)]
    weighted = class_weights is not None
    unreduced = per_sample_loss(loss_fn) if weighted else None

    def batch_loss(pred: Tensor, y: Tensor, w: Any) -> Tensor:
        nonlocal unreduced
        if w is None and class_weights is None:
            return check_loss(loss_fn(pred, y))
        if unreduced is None:
            unreduced = per_sample_loss(loss_fn)
        if class_weights is not None:
            cw = class_weights(y)
            w = cw if w is None else w.astype(cw.dtype) * cw
        return weighted_mean(unreduced(pred, y), w)

    for step, batch in enumerate(batches):
        if isinstance(batch, Tensor) or len(batch) < 2:
            raise ValueError("each batch must be (inputs, targets); the DataLoader gave "
                             f"{'one tensor' if isinstance(batch, Tensor) else len(batch)}")
        x, y = on_device(batch[0], device), on_device(batch[1], device)
        w = on_device(batch[2], device) if len(batch) > 2 else None
        n = x.shape[0]
        for cb in callbacks:
            getattr(cb, begin)(step, {"batch": step, "size": n})
        if step_fn is not None and w is None and not weighted:
            loss, pred = step_fn(x, y)
            if batch_scheduler is not None:
                batch_scheduler.step()
        elif train:
            optimizer.zero_grad()
            pred = model(x)
            loss = batch_loss(pred, y, w)
            loss.backward()
            if averager is not None:
                averager.finish()
            optimizer.step()
            if batch_scheduler is not None:
                batch_scheduler.step()
        else:
            with no_grad():
                pred = model(x)
                loss = batch_loss(pred, y, w)
        with no_grad():
            weighted_loss = loss.detach() * n
            total = weighted_loss if total is None else total + weighted_loss
            count += n
            for m in metrics:
                m.update_state(pred.detach(), y)
        if progress is not None:
            progress.update()
        if listeners:
            with no_grad():
                running = total / count
            for cb in listeners:
                getattr(cb, end)(step, {"batch": step, "size": n, "loss": running})
        if train and averager is None and getattr(model, "stop_training", False):
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
