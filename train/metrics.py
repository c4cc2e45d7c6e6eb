"""Metrics accumulated on the device during an epoch and read back once at its end.

Names (the history key is the name as given, as in Keras):

- "binary_accuracy": share of samples with (prediction > threshold) == (target > 0.5); the
  threshold is 0.5 for probabilities, 0 for logits (``from_logits=True``).
- "categorical_accuracy": argmax of the prediction against the argmax of one-hot targets.
- "sparse_categorical_accuracy": argmax of the prediction against integer class targets.
- "accuracy" / "acc": one of the three, chosen from the shapes of the first batch like Keras:
  binary when the prediction has one column (or is 1-D); sparse when the target has one
  dimension fewer than the prediction or a last dimension of 1; categorical otherwise.
- "mae" / "mean_absolute_error", "mse" / "mean_squared_error": averaged over every element.
- "auc": ROC AUC of a binary problem by the rank statistic, computed on the host from all
  the epoch's scores at ``result()``.
- "precision", "recall": of binary (or multi-label) decisions, prediction > 0.5 (0 for
  logits), as Keras' Precision / Recall with their default threshold.
- Names are matched ignoring case and Keras' class spellings work ("AUC", "Precision",
  "BinaryAccuracy", "MeanSquaredError"); the history key is the string as given.

In ``fit``/``evaluate``, binary accuracy reads predictions as logits when the loss says so:
its ``from_logits`` attribute if it has one, else whether its class or function name
contains "logits" (``BCEWithLogitsLoss``, ``binary_cross_entropy_with_logits``).

>>> m = get_metric("accuracy"); m.update_state(pred, y); m.result()
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor


class Metric:
    """update_state(pred, target) per batch (device work only), result() once per epoch
    (one read-back), reset_state() before the next epoch. ``direction`` says whether larger
    is better ("up") or worse ("down"), for callbacks with ``mode="auto"``.

    >>> m = MeanAbsoluteError(); m.update_state(pred, y); m.result()
    """

    name = "metric"
    direction = "down"

    def __init__(self, name: str | None = None) -> None:
        if name is not None:
            self.name = name
        self.reset_state()

    def reset_state(self) -> None:
        self.total: Tensor | None = None
        self.count = 0

    def _add(self, value: Tensor, n: int) -> None:
        self.total = value if self.total is None else self.total + value
        self.count += n

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self) -> float:
        """The epoch's value (NaN before any update)."""
        if self.total is None or not self.count:
            return float("nan")
        return self.total.item() / self.count

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def _same_size(pred: Tensor, target: Tensor, metric: str) -> Tensor:
    """``target`` reshaped to ``pred``'s shape when both hold one value per element."""
    if target.shape == pred.shape:
        return target
    if target.size != pred.size:
        raise ValueError(f"{metric}: predictions of shape {tuple(pred.shape)} and targets of "
                         f"shape {tuple(target.shape)} do not hold the same number of values")
    return target.reshape(pred.shape)


class BinaryAccuracy(Metric):
    """Share of samples where (prediction > threshold) equals (target > 0.5). The default
    threshold is 0 with ``from_logits`` (a logit), else 0.5 (a probability).

    >>> BinaryAccuracy(from_logits=True).update_state(logits, y)
    """

    name = "binary_accuracy"
    direction = "up"

    def __init__(self, threshold: float | None = None, from_logits: bool = False,
                 name: str | None = None) -> None:
        self.from_logits = bool(from_logits)
        self.threshold = (0.0 if from_logits else 0.5) if threshold is None else float(threshold)
        super().__init__(name)

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        if pred.ndim > 1 and pred.shape[-1] != 1:
            raise ValueError(f"{self.name}: needs one score per sample (shape (N,) or (N, 1)), "
                             f"got predictions of shape {tuple(pred.shape)}; use "
                             "'categorical_accuracy' for several classes")
        with no_grad():
            target = _same_size(pred, target, self.name)
            hit = (pred > self.threshold) == (target > 0.5)
            self._add(hit.astype("float32").sum(), hit.size)


class CategoricalAccuracy(Metric):
    """argmax of the prediction against the argmax of one-hot (or probability) targets.

    >>> CategoricalAccuracy().update_state(logits, one_hot_targets)
    """

    name = "categorical_accuracy"
    direction = "up"

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        if target.shape != pred.shape or pred.ndim < 2:
            raise ValueError(f"{self.name}: needs one-hot targets of the predictions' shape "
                             f"(N, classes), got predictions {tuple(pred.shape)} and targets "
                             f"{tuple(target.shape)}; integer class targets need "
                             "'sparse_categorical_accuracy'")
        with no_grad():
            if target.dtype.is_bool:             # bool one-hot rows (argmax takes no bools)
                target = target.astype("uint8")
            hit = pred.argmax(axis=-1) == target.argmax(axis=-1)
            self._add(hit.astype("float32").sum(), hit.size)


class SparseCategoricalAccuracy(Metric):
    """argmax of the prediction against integer class targets of shape (N,) or (N, 1).

    >>> SparseCategoricalAccuracy().update_state(logits, labels)
    """

    name = "sparse_categorical_accuracy"
    direction = "up"

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        guess_shape = tuple(pred.shape[:-1])
        if pred.ndim < 2 or (tuple(target.shape) != guess_shape
                             and tuple(target.shape) != guess_shape + (1,)):
            raise ValueError(f"{self.name}: needs predictions (N, classes) and integer targets "
                             f"(N,) or (N, 1), got predictions {tuple(pred.shape)} and targets "
                             f"{tuple(target.shape)}")
        with no_grad():
            guess = pred.argmax(axis=-1)
            hit = guess == target.reshape(guess_shape).astype(guess.dtype)
            self._add(hit.astype("float32").sum(), hit.size)


class MeanAbsoluteError(Metric):
    """Mean of |prediction - target| over every element."""

    name = "mae"

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        with no_grad():
            diff = pred - _same_size(pred, target, self.name).astype(pred.dtype)
            self._add(diff.abs().sum(), diff.size)


class MeanSquaredError(Metric):
    """Mean of (prediction - target)^2 over every element."""

    name = "mse"

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        with no_grad():
            diff = pred - _same_size(pred, target, self.name).astype(pred.dtype)
            self._add((diff * diff).sum(), diff.size)


class AUC(Metric):
    """ROC AUC for a binary problem: the probability that a random positive scores above a
    random negative (ties count half). Probabilities and logits give the same value. Scores
    stay on the device until ``result``, which copies them to the host once.

    >>> m = AUC(); m.update_state(probabilities, y); m.result()
    """

    name = "auc"
    direction = "up"

    def reset_state(self) -> None:
        self.scores: list[Tensor] = []
        self.labels: list[Tensor] = []

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        if pred.ndim > 1 and pred.shape[-1] != 1:
            raise ValueError(f"{self.name}: needs one score per sample (shape (N,) or (N, 1)), "
                             f"got predictions of shape {tuple(pred.shape)}")
        target = _same_size(pred, target, self.name)
        self.scores.append(pred.detach().reshape(-1))
        self.labels.append(target.detach().reshape(-1))

    def result(self) -> float:
        if not self.scores:
            return float("nan")
        from ..autograd.ops import concat
        with no_grad():                  # joined on the device: two transfers per epoch
            scores, labels = concat(self.scores, axis=0), concat(self.labels, axis=0)
        return roc_auc(scores.numpy().astype(np.float64), labels.numpy() > 0.5)


class _Confusion(Metric):
    """Counts of true positives, predicted positives and actual positives of a binary (or
    multi-label: every element one decision) problem, on the device; read back together."""

    direction = "up"

    def __init__(self, threshold: float | None = None, from_logits: bool = False,
                 name: str | None = None) -> None:
        self.from_logits = bool(from_logits)
        self.threshold = (0.0 if from_logits else 0.5) if threshold is None else float(threshold)
        super().__init__(name)

    def reset_state(self) -> None:
        self.counts: Tensor | None = None

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        from ..autograd.ops import stack
        with no_grad():
            target = _same_size(pred, target, self.name)
            guess = (pred > self.threshold).astype("float32")
            truth = (target > 0.5).astype("float32")
            counts = stack([(guess * truth).sum(), guess.sum(), truth.sum()])
            self.counts = counts if self.counts is None else self.counts + counts

    _denominator = 1                       # which count divides the true positives

    def result(self) -> float:
        """True positives over the subclass's count; NaN before any update, 0 over none."""
        if self.counts is None:
            return float("nan")
        counts = [float(v) for v in self.counts.numpy().tolist()]   # tp, predicted, actual
        tp, denominator = counts[0], counts[self._denominator]
        return tp / denominator if denominator else 0.0


class Precision(_Confusion):
    """Keras' Precision: true positives / predicted positives (prediction > threshold;
    0.5 for probabilities, 0 with ``from_logits``), 0 when nothing is predicted positive.

    >>> m = Precision(); m.update_state(probabilities, y); m.result()
    """

    name = "precision"
    _denominator = 1                       # the predicted positives


class Recall(_Confusion):
    """Keras' Recall: true positives / actual positives (target > 0.5), 0 without positives.

    >>> m = Recall(); m.update_state(probabilities, y); m.result()
    """

    name = "recall"
    _denominator = 2                       # the actual positives


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Mann-Whitney U / (n_pos * n_neg) with average ranks for ties; NaN with one class only.

    >>> roc_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1], dtype=bool))
    0.75
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    labels = np.asarray(labels).reshape(-1).astype(bool)
    if scores.shape != labels.shape:
        raise ValueError(f"roc_auc: {scores.size} scores but {labels.size} labels")
    n_pos = int(labels.sum())
    n_neg = labels.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ordered = scores[order]
    # runs of equal scores: every member gets the mean of the run's 1-based ranks
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], ordered.size]                  # exclusive
    run_rank = (starts + ends + 1) / 2.0                    # mean of starts+1 .. ends
    ranks = np.empty(scores.size, dtype=np.float64)
    ranks[order] = np.repeat(run_rank, ends - starts)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


class _AutoAccuracy(Metric):
    """Keras' "accuracy": binary, sparse or categorical, decided by the first batch's shapes."""

    direction = "up"

    def __init__(self, name: str = "accuracy", from_logits: bool = False) -> None:
        self.from_logits = from_logits
        self.inner: Metric | None = None
        super().__init__(name)

    def reset_state(self) -> None:
        if getattr(self, "inner", None) is not None:
            self.inner.reset_state()

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        if self.inner is None:
            if pred.ndim == 1 or pred.shape[-1] == 1:
                self.inner = BinaryAccuracy(from_logits=self.from_logits, name=self.name)
            elif target.ndim < pred.ndim or target.shape[-1] == 1:
                self.inner = SparseCategoricalAccuracy(name=self.name)
            else:
                self.inner = CategoricalAccuracy(name=self.name)
        self.inner.update_state(pred, target)

    def result(self) -> float:
        return float("nan") if self.inner is None else self.inner.result()


_BY_NAME = {"categorical_accuracy": CategoricalAccuracy,
            "sparse_categorical_accuracy": SparseCategoricalAccuracy,
            "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
            "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError, "auc": AUC,
            "categoricalaccuracy": CategoricalAccuracy,
            "sparsecategoricalaccuracy": SparseCategoricalAccuracy,
            "meanabsoluteerror": MeanAbsoluteError, "meansquarederror": MeanSquaredError}


def get_metric(spec: Any, from_logits: bool = False) -> Metric:
    """A Metric from a name ("accuracy", "auc", ...; the name becomes its history key) or a
    Metric instance (returned as is). ``from_logits`` only affects binary accuracy.

    >>> get_metric("binary_accuracy", from_logits=True).threshold
    0.0
    """
    if isinstance(spec, Metric):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"metrics are names or Metric objects, got {type(spec).__name__}")
    key = spec.lower()
    if key in ("accuracy", "acc"):
        return _AutoAccuracy(spec, from_logits)
    if key in ("binary_accuracy", "binaryaccuracy"):
        return BinaryAccuracy(from_logits=from_logits, name=spec)
    if key in ("precision", "recall"):
        return (Precision if key == "precision" else Recall)(from_logits=from_logits, name=spec)
    if key not in _BY_NAME:
        known = ", ".join(sorted(["accuracy", "acc", "binary_accuracy", "precision", "recall",
                                  *(k for k in _BY_NAME if "_" in k or len(k) <= 3)]))
        raise ValueError(f"unknown metric {spec!r}; known: {known} (or pass a Metric object)")
    return _BY_NAME[key](name=spec)


def loss_from_logits(loss_fn: Any) -> bool:
    """Whether ``loss_fn`` takes logits for a binary problem (see the module docstring)."""
    flag = getattr(loss_fn, "from_logits", None)
    if isinstance(flag, bool):
        return flag
    name = f"{type(loss_fn).__name__} {getattr(loss_fn, '__name__', '')}".lower()
    return "logits" in name
