"""Exception classes the backends' errors become.

``LinAlgError`` is ``xg.linalg.LinAlgError``: a ``RuntimeError``, as PyTorch's
``torch.linalg.LinAlgError``, and still NumPy's ``numpy.linalg.LinAlgError`` (what NumPy, CuPy
and array_api_strict raise when a factorization fails), so ``except RuntimeError``,
``except xg.linalg.LinAlgError`` and ``except numpy.linalg.LinAlgError`` all catch it."""
from __future__ import annotations

from numpy.linalg import LinAlgError as _NumpyLinAlgError


class LinAlgError(RuntimeError, _NumpyLinAlgError):
    """A factorization failed (a singular matrix, one not positive-definite, no convergence)."""


def is_linalg_error(exc: BaseException) -> bool:
    """Whether a backend raised a linear-algebra failure (NumPy's class or ours)."""
    return isinstance(exc, _NumpyLinAlgError)
