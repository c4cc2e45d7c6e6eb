"""``xg.linalg``: the torch.linalg namespace (``xg.linalg.svd`` is torch.linalg.svd's
U, S, Vh; ``xg.svd`` is torch.svd's U, S, V). A module object of its own, registered as
``xpgrad.linalg``, so ``from xpgrad.linalg import eigh`` works too; it lists only functions
(never the internal modules behind them)."""
from __future__ import annotations

import sys
import types
from typing import Any

from .linalg import matmul
from .linalg_decomp import (cholesky, det, inv, linalg_cross, matrix_power, slogdet, solve,
                            solve_triangular)
from .linalg_norms import linalg_norm, matrix_norm, vector_norm
from .linalg_products import multi_dot, vecdot
from .linalg_spectral import eigh, eigvalsh, linalg_svd, matrix_rank, pinv, qr, svdvals
from .shape_diag import diagonal as _diagonal


def diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
    """torch.linalg.diagonal: the diagonals of the matrices over the last two dimensions.
    >>> xg.linalg.diagonal(xg.eye(3))        # [1., 1., 1.]"""
    return _diagonal(A, offset, dim1, dim2)


FUNCTIONS: dict = {
    "inv": inv, "det": det, "slogdet": slogdet, "solve": solve,
    "solve_triangular": solve_triangular, "cholesky": cholesky, "eigh": eigh,
    "eigvalsh": eigvalsh, "qr": qr, "svd": linalg_svd, "svdvals": svdvals, "pinv": pinv,
    "matrix_rank": matrix_rank, "matrix_power": matrix_power, "cross": linalg_cross,
    "norm": linalg_norm, "vector_norm": vector_norm, "matrix_norm": matrix_norm,
    "multi_dot": multi_dot, "vecdot": vecdot, "matmul": matmul, "diagonal": diagonal,
}


def _build() -> Any:
    name = __name__.rpartition(".autograd.")[0] + ".linalg"       # xpgrad.linalg
    module = sys.modules.get(name)
    if module is None:
        module = types.ModuleType(name, __doc__)
        sys.modules[name] = module
    module.__dict__.update(FUNCTIONS)
    module.__all__ = sorted(FUNCTIONS)
    return module


linalg: Any = _build()
