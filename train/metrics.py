"""Metrics accumulated on the device during an epoch and read back once at its end.

Names: "accuracy" (binary or multiclass, chosen by the shapes like Keras), "binary_accuracy",
"categorical_accuracy" (one-hot targets), "sparse_categorical_accuracy" (integer targets),
"mae", "mse", "auc" (ROC AUC of a binary problem, by the rank statistic).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor


class Metric:
    """update_state(pred, target) per batch, result() once per epoch, reset_state()."""

    name = "metric"

    def __init__(self) -> None:
        self.reset_state()

    def reset_state(self) -> None:
        self.total: Tensor | None = None
        self.count = 0

    def _add(self, value: Tensor, n: int) -> None:
        self.total = value if self.total is None else self.total + value
        self.count += n

    def result(self) -> float:
        return float("nan") if self.total is None or not self.count else self.total.item() / self.count


class BinaryAccuracy(Metric):
    """Share of samples where (prediction > threshold) equals the 0/1 target. With
    ``from_logits`` the threshold applies to the logit (0), else to the probability (0.5)."""

    name = "accuracy"

    def __init__(self, threshold: float | None = None, from_logits: bool = False) -> None:
        self.threshold = (0.0 if from_logits else 0.5) if threshold is None else threshold
        super().__init__()

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        with no_grad():
            hit = (pred.reshape(-1) > self.threshold) == (target.reshape(-1) > 0.5)
            self._add(hit.astype(pred.dtype).sum(), hit.size)


class CategoricalAccuracy(Metric):
    """argmax of the prediction against integer class targets or one-hot / probability targets."""

    name = "accuracy"

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        with no_grad():
            guess = pred.argmax(axis=-1)
            truth = target.argmax(axis=-1) if target.ndim == pred.ndim else target.astype("int64")
            hit = guess == truth.reshape(guess.shape)
            self._add(hit.astype("float32").sum(), hit.size)


class MeanAbsoluteError(Metric):
    name = "mae"

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        with no_grad():
            diff = pred - target.reshape(pred.shape).astype(pred.dtype)
            self._add(diff.abs().sum(), diff.size)


class MeanSquaredError(Metric):
    name = "mse"

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        with no_grad():
            diff = pred - target.reshape(pred.shape).astype(pred.dtype)
            self._add((diff * diff).sum(), diff.size)


class AUC(Metric):
    """ROC AUC for a binary problem: the probability that a random positive scores above a
    random negative (ties count half). Scores stay on the device until ``result``."""

    name = "auc"

    def reset_state(self) -> None:
        self.scores: list[Tensor] = []
        self.labels: list[Tensor] = []

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        if pred.ndim > 1 and pred.shape[-1] != 1:
            raise ValueError(f"auc: needs one score per sample (shape (N,) or (N, 1)), got "
                             f"predictions of shape {pred.shape}")
        self.scores.append(pred.detach().reshape(-1))
        self.labels.append(target.detach().reshape(-1))

    def result(self) -> float:
        if not self.scores:
            return float("nan")
        scores = np.concatenate([s.numpy() for s in self.scores]).astype(np.float64)
        labels = np.concatenate([t.numpy() for t in self.labels]) > 0.5
        return roc_auc(scores, labels)


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Mann-Whitney U / (n_pos n_neg) with average ranks for ties; NaN with one class only."""
    n_pos = int(labels.sum())
    n_neg = labels.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(scores.size, dtype=np.float64)
    i = 0
    while i < scores.size:           # average ranks over runs of equal scores
        j = i
        while j + 1 < scores.size and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


_BY_NAME = {"binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
            "sparse_categorical_accuracy": CategoricalAccuracy, "mae": MeanAbsoluteError,
            "mean_absolute_error": MeanAbsoluteError, "mse": MeanSquaredError,
            "mean_squared_error": MeanSquaredError, "auc": AUC}


class _AutoAccuracy(Metric):
    """Keras' "accuracy": binary for one output column (or 1-D predictions), else categorical."""

    name = "accuracy"

    def __init__(self, from_logits: bool) -> None:
        self.from_logits = from_logits
        self.inner: Metric | None = None
        super().__init__()

    def reset_state(self) -> None:
        if getattr(self, "inner", None) is not None:
            self.inner.reset_state()

    def update_state(self, pred: Tensor, target: Tensor) -> None:
        if self.inner is None:
            binary = pred.ndim == 1 or pred.shape[-1] == 1
            self.inner = BinaryAccuracy(from_logits=self.from_logits) if binary else CategoricalAccuracy()
        self.inner.update_state(pred, target)

    def result(self) -> float:
        return float("nan") if self.inner is None else self.inner.result()


def get_metric(spec: Any, from_logits: bool = False) -> Metric:
    """A Metric from a name ("accuracy", "auc", ...) or a Metric instance."""
    if isinstance(spec, Metric):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"metrics are names or Metric objects, got {type(spec).__name__}")
    key = spec.lower()
    if key in ("accuracy", "acc"):
        return _AutoAccuracy(from_logits)
    if key == "binary_accuracy":
        return BinaryAccuracy(from_logits=from_logits)
    if key not in _BY_NAME:
        raise ValueError(f"unknown metric {spec!r}; known: accuracy, {', '.join(sorted(_BY_NAME))}")
    metric = _BY_NAME[key]()
    metric.name = key if key in ("mae", "mse", "auc") else metric.name
    return metric
