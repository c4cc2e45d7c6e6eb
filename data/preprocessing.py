"""Host-side preprocessing: ``train_test_split``, ``standardize`` / ``Standardizer`` and
``one_hot``. NumPy arrays in, NumPy arrays out; tensors are accepted too and give tensors
back on their own device.

>>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=0, stratify=y)
>>> X_tr, X_te, scaler = standardize(X_tr, X_te)
>>> Y = one_hot([0, 2, 1])                       # (3, 3) float32
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backends
from ..autograd.tensor import Tensor, make_tensor
from ..dtypes import as_dtype
from .dataset import take

__all__ = ["train_test_split", "standardize", "Standardizer", "one_hot"]


def _rng(seed: int | None) -> np.random.Generator:
    """A Generator from ``seed``, else from xg.manual_seed's seed, else from fresh entropy."""
    if seed is None:
        seed = backends._SEED[0]
    return np.random.default_rng(None if seed is None else int(seed) % (1 << 64))


def _host(value: Any) -> np.ndarray:
    return value.numpy() if isinstance(value, Tensor) else np.asarray(value)


def _n_test(test_size: Any, n: int) -> int:
    if isinstance(test_size, bool):
        raise TypeError(f"train_test_split: test_size must be a float or an int, got {test_size!r}")
    if isinstance(test_size, (float, np.floating)):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"train_test_split: a float test_size must be in (0, 1), got "
                             f"{test_size}")
        count = math.ceil(test_size * n)
    elif isinstance(test_size, (int, np.integer)):
        count = int(test_size)
    else:
        raise TypeError(f"train_test_split: test_size must be a float or an int, got {test_size!r}")
    if not 0 < count < n:
        raise ValueError(f"train_test_split: test_size={test_size!r} gives {count} test samples "
                         f"out of {n}; both parts need at least one sample")
    return count


def _stratified_test(labels: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Test indices with each class in (as near as possible) its overall proportion."""
    if labels.ndim > 1:     # rows of a 2-D label array ((N, 1) targets, multi-output) are labels
        labels = labels.reshape(labels.shape[0], -1)
        _, codes = np.unique(labels, axis=0, return_inverse=True)
    else:
        _, codes = np.unique(labels, return_inverse=True)
    codes = codes.reshape(-1)
    counts = np.bincount(codes)
    if counts.min() < 2:
        rare = int(np.argmin(counts))
        value = np.asarray(labels[np.flatnonzero(codes == rare)[0]]).tolist()
        raise ValueError(f"train_test_split: class {value!r} of stratify has only "
                         f"{counts.min()} sample; stratifying needs at least 2 per class")
    ideal = counts * (n_test / len(codes))
    take_n = np.floor(ideal).astype(np.int64)
    remainder = n_test - int(take_n.sum())
    if remainder:       # the classes with the largest fractional parts get one more each
        order = np.lexsort((rng.random(len(counts)), -(ideal - take_n)))
        take_n[order[:remainder]] += 1
    test = [rng.permutation(np.flatnonzero(codes == c))[:k] for c, k in enumerate(take_n)]
    return np.concatenate(test)


def train_test_split(*arrays: Any, test_size: float | int = 0.25, seed: int | None = None,
                     stratify: Any = None, shuffle: bool = True) -> list:
    """Split arrays into train and test parts, as scikit-learn's function does.

    Returns ``[a_train, a_test, b_train, b_test, ...]`` in the order given. ``test_size``: a
    fraction (rounded up to whole samples) or a count. ``stratify``: labels whose class
    proportions both parts keep. ``shuffle=False`` takes the last samples as the test part.
    ``seed`` None uses xg.manual_seed's seed, or a random one without it. Tensors give
    (detached) tensors on their device.

    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=0, stratify=y)
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array, e.g. (X, y)")
    lengths = [len(a) if isinstance(a, Tensor) else np.shape(a)[0] if np.ndim(a) else 0
               for a in arrays]
    if len(set(lengths)) != 1:
        raise ValueError(f"train_test_split: all arrays need the same number of samples, got "
                         f"lengths {lengths}")
    n = lengths[0]
    n_test = _n_test(test_size, n)
    if not shuffle:
        if stratify is not None:
            raise ValueError("train_test_split: stratify needs shuffle=True")
        train_idx, test_idx = np.arange(n - n_test), np.arange(n - n_test, n)
    else:
        rng = _rng(seed)
        if stratify is None:
            perm = rng.permutation(n)
            test_idx = perm[:n_test]
        else:
            labels = _host(stratify)
            if labels.shape[0] != n:
                raise ValueError(f"train_test_split: stratify has {labels.shape[0]} labels but "
                                 f"the arrays have {n} samples")
            test_idx = _stratified_test(labels, n_test, rng)
        in_test = np.zeros(n, dtype=bool)
        in_test[test_idx] = True
        train_idx = rng.permutation(np.flatnonzero(~in_test))
        test_idx = rng.permutation(test_idx)
    out = []
    for a in arrays:
        out.extend((take(a, train_idx), take(a, test_idx)))
    return out


class Standardizer:
    """Per-feature standardisation ``(x - mean_) / std_`` with statistics fitted on one array.

    Statistics are over axis 0 (one mean and std per feature) in float64, with the population
    std (ddof=0) as scikit-learn's StandardScaler. Features whose std is below ``eps`` (constant
    ones) get ``std_ = 1`` so they become 0 instead of dividing by ~0. ``columns`` (indices or a
    bool mask over the last axis) limits standardisation to those columns; the others keep
    their values exactly (mean 0, std 1). Float inputs keep their dtype, others become float32.
    A tensor is transformed with tensor ops on its own device (differentiable).

    >>> scaler = Standardizer().fit(X_train); X_test_std = scaler.transform(X_test)
    """

    def __init__(self, eps: float = 1e-8, columns: Any = None) -> None:
        self.eps = float(eps)
        self.columns = columns
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def fit(self, train: Any) -> "Standardizer":
        """Compute ``mean_`` and ``std_`` from ``train`` (samples along axis 0); returns self.

        >>> scaler = Standardizer(columns=[0, 3]).fit(X_train)
        """
        data = _host(train).astype(np.float64)
        if data.ndim == 0 or data.shape[0] == 0:
            raise ValueError(f"Standardizer.fit needs at least one sample, got shape {data.shape}")
        mean = data.mean(axis=0)
        std = data.std(axis=0)
        std = np.where(std < self.eps, 1.0, std)
        if self.columns is not None:
            if data.ndim != 2:
                raise ValueError(f"Standardizer: columns= needs 2-D data (samples, features), "
                                 f"got shape {data.shape}")
            keep = np.zeros(data.shape[1], dtype=bool)
            try:
                keep[np.asarray(self.columns)] = True
            except IndexError:
                raise ValueError(f"Standardizer: columns {self.columns!r} do not fit the "
                                 f"{keep.size} features of shape {data.shape}") from None
            mean = np.where(keep, mean, 0.0)
            std = np.where(keep, std, 1.0)
        self.mean_, self.std_ = mean, std
        return self

    def _check(self, x: Any, name: str) -> None:
        if self.mean_ is None:
            raise RuntimeError(f"Standardizer.{name}: call fit(train) first")
        if tuple(x.shape[1:]) != self.mean_.shape:
            raise ValueError(f"Standardizer.{name}: got shape {tuple(x.shape)} but the scaler "
                             f"was fitted on samples of shape {self.mean_.shape}")

    def _apply(self, x: Any, name: str, inverse: bool) -> Any:
        if not isinstance(x, Tensor):
            x = np.asarray(x)
        self._check(x, name)
        if isinstance(x, Tensor):
            dtype = x.dtype if x.dtype.is_floating else as_dtype("float32")
            x = x if x.dtype is dtype else x.astype(dtype)
            backend = x.backend
            mean = make_tensor(backend.from_host(self.mean_.astype(dtype.name)), backend,
                               False, None)
            std = make_tensor(backend.from_host(self.std_.astype(dtype.name)), backend, False,
                              None)
            return x * std + mean if inverse else (x - mean) / std
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
        if inverse:
            return (x * self.std_ + self.mean_).astype(dtype)
        return ((x - self.mean_) / self.std_).astype(dtype)

    def transform(self, x: Any) -> Any:
        """``(x - mean_) / std_``: a NumPy array for arrays, a tensor for tensors.

        >>> scaler.transform(X_test)
        """
        return self._apply(x, "transform", inverse=False)

    def inverse_transform(self, x: Any) -> Any:
        """``x * std_ + mean_``, undoing ``transform``.

        >>> np.allclose(scaler.inverse_transform(scaler.transform(X)), X)
        """
        return self._apply(x, "inverse_transform", inverse=True)

    def fit_transform(self, train: Any) -> Any:
        """``fit(train)`` then ``transform(train)``.

        >>> X_train_std = Standardizer().fit_transform(X_train)
        """
        return self.fit(train).transform(train)

    def __repr__(self) -> str:
        fitted = "unfitted" if self.mean_ is None else f"features={self.mean_.shape}"
        return f"Standardizer({fitted}, eps={self.eps})"


def standardize(train: Any, *others: Any, eps: float = 1e-8, columns: Any = None) -> tuple:
    """Standardise ``train`` and ``others`` with statistics fitted on ``train`` only.

    Returns a tuple: the standardised arrays in the order given, then the fitted Standardizer
    (keep it to transform new data or undo the scaling). See Standardizer for ``eps`` and
    ``columns``.

    >>> X_tr, X_val, X_te, scaler = standardize(X_tr, X_val, X_te)
    """
    scaler = Standardizer(eps=eps, columns=columns).fit(train)
    return (scaler.transform(train), *(scaler.transform(o) for o in others), scaler)


def _class_count(num_classes: Any, high: int) -> int:
    if num_classes is None:
        return high + 1
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
            or num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be a positive integer, got {num_classes!r}")
    if high >= num_classes:
        raise ValueError(f"one_hot: label {high} is out of range for num_classes={num_classes} "
                         f"(labels must be integers in [0, {int(num_classes) - 1}])")
    return int(num_classes)


def _check_labels(low: int, what: str) -> None:
    if low < 0:
        raise ValueError(f"one_hot: label {low} is negative; labels must be integers in "
                         f"[0, num_classes) ({what})")


def one_hot(labels: Any, num_classes: int | None = None, dtype: Any = "float32") -> Any:
    """Rows of the identity: shape ``labels.shape + (num_classes,)``.

    ``labels``: integers (an array, list or integer tensor; float arrays holding whole numbers
    are accepted). ``num_classes`` defaults to ``max(labels) + 1``. Arrays give a NumPy array,
    tensors a tensor on the same device (built there, no transfer of the labels).

    >>> one_hot(np.array([0, 2]), 3)       # [[1, 0, 0], [0, 0, 1]] as float32
    """
    out_dtype = as_dtype(dtype)
    if isinstance(labels, Tensor):
        if not labels.dtype.is_integer:
            raise TypeError(f"one_hot: labels must be an integer tensor, got dtype "
                            f"{labels.dtype}; convert with .astype(xg.int64)")
        backend, xp = labels.backend, labels.backend.xp
        if labels.size == 0:
            low = high = 0
        else:
            low = int(backend.to_host(xp.min(labels.data)))
            high = int(backend.to_host(xp.max(labels.data)))
        _check_labels(low, f"tensor of shape {labels.shape}")
        count = _class_count(num_classes, high)
        classes = xp.arange(count, dtype=labels.data.dtype, device=backend.xp_device)
        hot = xp.expand_dims(labels.data, axis=-1) == classes
        return make_tensor(xp.astype(hot, backend.native_dtype(out_dtype)), backend, False, None)
    array = np.asarray(labels)
    if array.dtype.kind == "f":
        if array.size and not np.all(np.isfinite(array) & (array == np.round(array))):
            bad = array[~(np.isfinite(array) & (array == np.round(array)))].flat[0]
            raise ValueError(f"one_hot: label {bad} is not a whole number")
        array = array.astype(np.int64)
    elif array.dtype.kind not in "biu":
        raise TypeError(f"one_hot: labels must be integers, got dtype {array.dtype}")
    low, high = (int(array.min()), int(array.max())) if array.size else (0, 0)
    _check_labels(low, f"array of shape {array.shape}")
    count = _class_count(num_classes, high)
    return (array[..., None] == np.arange(count)).astype(out_dtype.name)
