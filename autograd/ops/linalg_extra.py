"""Linear algebra beyond matmul, with PyTorch's names and semantics. The ops live in
linalg_products (dot, vdot, inner, outer/ger, mv, mm, bmm, addmm, addmv, addr, baddbmm, addbmm,
tensordot, kron, trace, multi_dot, vecdot), linalg_decomp (inv, det, slogdet, logdet, solve,
solve_triangular, cholesky, cholesky_solve, cholesky_inverse, matrix_power, cross),
linalg_spectral (eigh, eigvalsh, qr, svd, svdvals, pinv, matrix_rank), linalg_norms
(vector_norm, matrix_norm, norm) and linalg_einsum (einsum).

``__all__`` holds what PyTorch has at its top level (``xg.det``, ``xg.svd``, ``xg.einsum``);
the ``torch.linalg`` spellings are in ``xg.linalg`` (linalg_namespace.py)."""
from __future__ import annotations

import functools
from typing import Any

from .linalg_decomp import (cholesky, cholesky_inverse, cholesky_solve, cross, det, inverse,
                            logdet, matrix_power, slogdet)
from .linalg_einsum import einsum
from .linalg_norms import norm
from .linalg_products import (addbmm, addmm, addmv, addr, baddbmm, bmm, dot, ger, inner, kron,
                              mm, mv, outer, tensordot, trace, vdot)
from .linalg_spectral import pinverse, qr, svd

__all__: list[str] = [
    "dot", "vdot", "inner", "outer", "ger", "mv", "mm", "bmm", "addmm", "addmv", "addr", "baddbmm",
    "addbmm", "tensordot", "kron", "trace", "einsum",
    "inverse", "det", "slogdet", "logdet", "cholesky", "cholesky_solve", "cholesky_inverse",
    "matrix_power", "cross", "qr", "svd", "pinverse", "norm",
]


def _method(fn: Any) -> Any:
    @functools.wraps(fn)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)
    return method


TENSOR_METHODS: dict = {      # name -> function(self, ...): installed on Tensor by ops/__init__
    **{fn.__name__: _method(fn) for fn in (
        dot, vdot, inner, outer, mv, mm, bmm, addmm, addmv, addr, baddbmm, addbmm, kron, trace,
        det, slogdet, logdet, cholesky, cholesky_solve, cholesky_inverse, matrix_power, cross,
        qr, svd, pinverse, norm)},
    "ger": _method(outer), "inverse": _method(inverse),
}
