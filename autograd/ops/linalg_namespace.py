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
from .linalg_householder import householder_product
from .linalg_ldl import ldl_factor, ldl_factor_ex, ldl_solve
from .linalg_lu import linalg_lu, linalg_lu_solve, lu_factor, lu_factor_ex
from .linalg_more import (cholesky_ex, cond, inv_ex, lstsq, matrix_exp, solve_ex, tensorinv,
                          tensorsolve, vander)


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
    "matrix_exp": matrix_exp, "lstsq": lstsq, "solve_ex": solve_ex, "inv_ex": inv_ex,
    "cholesky_ex": cholesky_ex, "vander": vander, "cond": cond, "tensorinv": tensorinv,
    "tensorsolve": tensorsolve, "lu": linalg_lu, "lu_factor": lu_factor,
    "lu_factor_ex": lu_factor_ex, "lu_solve": linalg_lu_solve,
    "householder_product": householder_product, "ldl_factor": ldl_factor,
    "ldl_factor_ex": ldl_factor_ex, "ldl_solve": ldl_solve,
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
