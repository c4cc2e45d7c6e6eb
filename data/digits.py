"""The 8x8 handwritten digits bundled with scikit-learn (1797 images, no download).

>>> X, y = load_digits()          # float32 (1797, 64) in [0, 1], int64 (1797,)
"""
from __future__ import annotations

import numpy as np

__all__ = ["load_digits"]


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)``: float32 pixels (1797, 64) scaled from 0-16 to [0, 1] and int64 labels 0-9.

    Needs scikit-learn, which ships the data: ``pip install 'xpgrad[sklearn]'``.

    >>> X, y = load_digits(); X.shape, y[:5]       # (1797, 64), [0 1 2 3 4]
    """
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as exc:
        raise ImportError("load_digits needs scikit-learn, which ships the digits data: "
                          "pip install 'xpgrad[sklearn]' (or pip install scikit-learn); "
                          f"importing it failed with: {exc}") from exc
    bunch = sklearn_load_digits()
    X = np.asarray(bunch.data, dtype=np.float32) / np.float32(16.0)
    y = np.asarray(bunch.target, dtype=np.int64)
    return X, y
