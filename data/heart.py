"""The Cleveland heart disease table (Keras/TensorFlow version) shipped with xpgrad.

303 patients, 13 features, binary target (220 without, 83 with heart disease). The features
become the lecture's 29 inputs: sex, cp, fbs, restecg, exang, ca and thal one-hot over the
values in the file, age, trestbps, chol, thalach, oldpeak and slope as numbers. Licence and
attribution (CC BY 4.0, Janosi et al. 1988, doi:10.24432/C52P4X): HEART-LICENSE.md here.

>>> X, y, names, _ = load_heart(standardize=False)     # (303, 29) float32, (303, 1) float32
>>> d = load_heart(split="train_val_test", seed=0); (X, y), (Xv, yv) = d.train, d.validation
"""
from __future__ import annotations

import csv
import hashlib
import io
import math
import os
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ._files import ChecksumError, checksum_message
from .preprocessing import Standardizer, train_test_split

__all__ = ["load_heart", "HeartData", "HeartSplit", "HEART_FEATURE_NAMES", "HEART_SHA256"]

HEART_SHA256 = "92abc8c50ac340e22f32ca05a74c3ccb30373fe3ad84db2757cab1a3e7273b32"
HEADER = ("age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang",
          "oldpeak", "slope", "ca", "thal", "target")
# One-hot columns and their values, in the order of their columns in the encoded matrix.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "sex": ("0", "1"),
    "cp": ("0", "1", "2", "3", "4"),
    "fbs": ("0", "1"),
    "restecg": ("0", "1", "2"),
    "exang": ("0", "1"),
    "ca": ("0", "1", "2", "3"),
    "thal": ("1", "2", "fixed", "normal", "reversible"),
}
NUMERIC = ("age", "trestbps", "chol", "thalach", "oldpeak", "slope")

# The 29 inputs in the file's column order, each categorical column expanded in place.
HEART_FEATURE_NAMES: tuple[str, ...] = tuple(
    name for column in HEADER[:-1]
    for name in ([f"{column}={v}" for v in CATEGORIES[column]] if column in CATEGORIES
                 else [column]))
NUMERIC_COLUMNS = tuple(HEART_FEATURE_NAMES.index(c) for c in NUMERIC)
SPLITS = ("train_test", "train_val_test")


class HeartData(NamedTuple):
    """The whole table: ``X`` (303, 29) float32, ``y`` (303, 1) float32 (1 = disease),
    the 29 ``feature_names`` and the ``standardizer`` used (None when not standardised)."""
    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    standardizer: Standardizer | None


class HeartSplit(NamedTuple):
    """Stratified parts: ``train``, ``validation`` (None for "train_test") and ``test``, each
    an ``(X, y)`` pair, the 29 ``feature_names`` and the ``standardizer`` fitted on ``train``."""
    train: tuple[np.ndarray, np.ndarray]
    validation: tuple[np.ndarray, np.ndarray] | None
    test: tuple[np.ndarray, np.ndarray]
    feature_names: tuple[str, ...]
    standardizer: Standardizer | None


def _read_bytes(path: str | os.PathLike | None) -> tuple[bytes, str]:
    if path is None:
        where = resources.files(__package__).joinpath("heart.csv")
        try:
            return where.read_bytes(), str(where)
        except FileNotFoundError:
            raise FileNotFoundError(f"heart.csv is missing from the installed package at "
                                    f"{where}; reinstall xpgrad (pip install --force-reinstall "
                                    "xpgrad) or pass path= to a copy") from None
    path = Path(path)
    if path.is_dir():
        path = path / "heart.csv"
    if not path.is_file():
        raise FileNotFoundError(f"load_heart: no file at {path}; pass path= to heart.csv (or "
                                "to the directory holding it), or leave path=None for the "
                                "copy shipped with xpgrad")
    return path.read_bytes(), str(path)


def _parse(text: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    """The encoded (N, 29) features and (N, 1) targets of the CSV text."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(c.strip() for c in rows[0]) != HEADER:
        raise ValueError(f"{where}: expected the header {','.join(HEADER)}, got "
                         f"{','.join(rows[0]) if rows else 'an empty file'}")
    body = [r for r in rows[1:] if r]
    X = np.zeros((len(body), len(HEART_FEATURE_NAMES)), dtype=np.float32)
    y = np.zeros((len(body), 1), dtype=np.float32)
    for i, row in enumerate(body):
        if len(row) != len(HEADER):
            raise ValueError(f"{where}: data row {i + 1} has {len(row)} fields, expected "
                             f"{len(HEADER)}")
        col = 0
        for name, token in zip(HEADER[:-1], row, strict=False):
            token = token.strip()
            if name in CATEGORIES:
                values = CATEGORIES[name]
                if token not in values:
                    raise ValueError(f"{where}: data row {i + 1}: {name}={token!r} is not one of "
                                     f"the known values {values}")
                X[i, col + values.index(token)] = 1.0
                col += len(values)
            else:
                X[i, col] = _number(token, name, i, where)
                col += 1
        target = _number(row[-1].strip(), "target", i, where)
        if target not in (0.0, 1.0):
            raise ValueError(f"{where}: data row {i + 1}: target={row[-1]!r}, expected 0 or 1")
        y[i, 0] = target
    return X, y


def _number(token: str, name: str, row: int, where: str) -> float:
    try:
        return float(token)
    except ValueError:
        raise ValueError(f"{where}: data row {row + 1}: {name}={token!r} is not a number") \
            from None


def _count(size: Any, n: int, name: str) -> int:
    if isinstance(size, (float, np.floating)) and not isinstance(size, bool):
        if not 0.0 < size < 1.0:
            raise ValueError(f"load_heart: {name} must be a fraction in (0, 1) or a count, got "
                             f"{size}")
        return math.ceil(size * n)
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool) and 0 < size < n:
        return int(size)
    raise ValueError(f"load_heart: {name} must be a fraction in (0, 1) or a count in "
                     f"[1, {n - 1}], got {size!r}")


def load_heart(split: str | None = None, seed: int | None = 0, standardize: bool = True,
               validation_size: float | int = 0.2, test_size: float | int = 0.2,
               path: str | os.PathLike | None = None, verify: bool = True) -> Any:
    """Load the heart table as 29 float32 inputs and a (N, 1) float32 target for a sigmoid.

    ``split=None`` returns ``HeartData(X, y, feature_names, standardizer)`` for all 303 rows.
    ``split="train_val_test"`` / ``"train_test"`` returns ``HeartSplit(train, validation,
    test, feature_names, standardizer)``: parts stratified by the target and drawn with
    ``seed``; ``validation_size`` and ``test_size`` are fractions of all 303 rows (rounded
    up) or counts. ``standardize=True`` scales the six numeric columns to zero mean and unit
    variance with statistics fitted on the training part (on all rows when ``split=None``);
    the one-hot columns stay 0/1. ``path``: another copy of heart.csv (default: the one
    shipped with xpgrad); it must have the published sha256 unless ``verify=False``.

    >>> d = load_heart(split="train_val_test", seed=0); X, y = d.train
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"load_heart: split must be None, 'train_test' or 'train_val_test', "
                         f"got {split!r}")
    raw, where = _read_bytes(path)
    if verify:
        actual = hashlib.sha256(raw).hexdigest()
        if actual != HEART_SHA256:
            hint = ("restore the published file (reinstall xpgrad, or copy heart.csv from a "
                    "trusted source) or pass verify=False to load a modified table on purpose")
            raise ChecksumError(checksum_message(Path(where), actual, HEART_SHA256, hint))
    X, y = _parse(raw.decode("utf-8"), where)
    names = HEART_FEATURE_NAMES
    if split is None:
        scaler = None
        if standardize:
            scaler = Standardizer(columns=list(NUMERIC_COLUMNS)).fit(X)
            X = scaler.transform(X)
        return HeartData(X, y, names, scaler)
    n = len(y)
    n_test = _count(test_size, n, "test_size")
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=n_test, seed=seed,
                                                      stratify=y)
    validation = None
    X_train, y_train = X_rest, y_rest
    if split == "train_val_test":
        n_val = _count(validation_size, n, "validation_size")
        if n_val >= len(y_rest):
            raise ValueError(f"load_heart: validation_size={validation_size!r} and "
                             f"test_size={test_size!r} leave no training rows out of {n}")
        X_train, X_val, y_train, y_val = train_test_split(
            X_rest, y_rest, test_size=n_val, seed=None if seed is None else seed + 1,
            stratify=y_rest)
        validation = (X_val, y_val)
    scaler = None
    if standardize:
        scaler = Standardizer(columns=list(NUMERIC_COLUMNS)).fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        if validation is not None:
            validation = (scaler.transform(validation[0]), validation[1])
    return HeartSplit((X_train, y_train), validation, (X_test, y_test), names, scaler)

