"""LU factorisation with partial pivoting, as LAPACK's getrf and PyTorch's: linalg.lu_factor,
lu_factor_ex, lu, lu_solve, and the legacy torch.lu, torch.lu_unpack, torch.lu_solve,
torch.triangular_solve.

The forward is the right-looking elimination over the columns on backend arrays (vectorised
over the batch, no host reads): the pivot of column j is the first largest |entry| at or
below the diagonal, as LAPACK's idamax picks it, so the pivots agree with LAPACK's and
``LU``/``pivots`` interoperate with torch's (pivots are 1-based int32). The backward is
PyTorch's formula (square, wide and tall cases) written with Tensor ops, so it is
differentiable again."""
from __future__ import annotations

from typing import Any, NamedTuple

from ...dtypes import int32, int64
from ..factories import arange, eye, zeros
from ..function import Function, apply1
from ..grad_mode import no_grad
from ..tensor import Tensor
from ._util import require_tensor
from .arithmetic import where
from .linalg_decomp import check_matrix, solve_triangular
from .shape import concat, unsqueeze
from .shape_diag import diagonal, tril, triu

__all__ = ["lu", "lu_unpack", "lu_solve", "triangular_solve"]


def _lu_arrays(xp: Any, a: Any, pivot: bool) -> tuple:
    """(LU packed as LAPACK's, pivots 1-based (batch..., k) int64)."""
    m, n = a.shape[-2:]
    k = min(m, n)
    rows = xp.reshape(xp.arange(m, dtype=xp.int64, device=a.device), (m, 1))
    cols = xp.reshape(xp.arange(n, dtype=xp.int64, device=a.device), (1, n))
    zero = xp.zeros_like(a)
    pivots = []
    for j in range(k):
        if pivot:
            p = xp.argmax(xp.abs(a[..., j:, j]), axis=-1) + j              # (batch...)
            is_p = rows == xp.expand_dims(xp.expand_dims(p, axis=-1), axis=-1)
            row_p = xp.sum(xp.where(is_p, a, zero), axis=-2, keepdims=True)
            a = xp.where(rows == j, row_p, xp.where(is_p, a[..., j:j + 1, :], a))
            pivots.append(p + 1)
        d = a[..., j:j + 1, j:j + 1]
        multipliers = a[..., :, j:j + 1] / xp.where(d == 0, xp.ones_like(d), d)
        below = rows > j
        a = xp.where(below & (cols == j), multipliers, a)
        update = xp.where(below & (cols > j), multipliers * a[..., j:j + 1, :], zero)
        a = a - update
    if not pivot:
        pivots = [xp.full(a.shape[:-2], j + 1, dtype=xp.int64, device=a.device) for j in range(k)]
    piv = (xp.stack(pivots, axis=-1) if pivots
           else xp.zeros(a.shape[:-2] + (0,), dtype=xp.int64, device=a.device))
    return a, piv


class LUFactor(Function):
    """LU and pivots packed in one array (batch..., m*n + k): the pivots ride as floats (exact
    below 2^24) so one node sees the cotangent of LU."""
    __slots__ = ()
    save_output = True

    @staticmethod
    def forward(xp, a, pivot):
        lu, piv = _lu_arrays(xp, a, pivot)
        batch = a.shape[:-2]
        return xp.concat([xp.reshape(lu, batch + (-1,)),
                          xp.astype(xp.reshape(piv, batch + (-1,)), a.dtype)], axis=-1)

    def backward(self, gy):
        A, = self.inputs
        m, n = A.shape[-2:]
        k = min(m, n)
        LU, piv = _unpack(self.output(), A.shape)
        gLU, _ = _unpack(gy, A.shape)
        P, L, U = lu_unpack(LU, piv.detach())
        gL, gU = tril(gLU, -1)[..., :, :k], triu(gLU)[..., :k, :]
        return _lu_backward(gL, gU, P, L, U, self.args[0])


def _unpack(packed: Tensor, shape: tuple) -> tuple:
    m, n = shape[-2:]
    lu = packed[..., :m * n].reshape(tuple(shape[:-2]) + (m, n))
    return lu, packed[..., m * n:]


def _lu_backward(gL: Tensor, gU: Tensor, P: Tensor, L: Tensor, U: Tensor,
                 pivot: bool) -> Tensor:
    """PyTorch's linalg_lu_backward (real case)."""
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if m == n:
        g = tril(L.mT @ gL, -1) + triu(gU @ U.mT)
        g = solve_triangular(U.mT, g, upper=False, left=False)
        g = solve_triangular(L.mT, g, upper=True, unitriangular=True)
    elif m < n:                                       # wide: U = [U1 | U2]
        U1 = U[..., :, :k]
        g = tril(L.mT @ gL - triu(gU) @ U.mT, -1)
        g = solve_triangular(U1.mT, g, upper=False, left=False)
        g = concat([g + triu(gU[..., :, :k]), gU[..., :, k:]], -1)
        g = solve_triangular(L.mT, g, upper=True, unitriangular=True)
    else:                                             # tall: L = [L1; L2]
        L1 = L[..., :k, :]
        g = triu(gU @ U.mT - L.mT @ tril(gL, -1))
        g = solve_triangular(L1.mT, g, upper=True, unitriangular=True)
        g = concat([g + tril(gL[..., :k, :], -1), gL[..., k:, :]], -2)
        g = solve_triangular(U.mT, g, upper=False, left=False)
    return P @ g if pivot else g


# ---- results --------------------------------------------------------------------------------
class LUFactorResult(NamedTuple):
    """What ``xg.linalg.lu_factor`` returns: ``LU, pivots``."""
    LU: Tensor
    pivots: Tensor


class LUFactorExResult(NamedTuple):
    """What ``xg.linalg.lu_factor_ex`` returns: ``LU, pivots, info``."""
    LU: Tensor
    pivots: Tensor
    info: Tensor


class PLUResult(NamedTuple):
    """What ``xg.linalg.lu`` and ``xg.lu_unpack`` return: ``P, L, U`` with ``A = P @ L @ U``."""
    P: Tensor
    L: Tensor
    U: Tensor


def _info(LU: Tensor) -> Tensor:
    """1 + the index of the first zero on U's diagonal, 0 where there is none (int32)."""
    with no_grad():
        d = diagonal(LU.detach(), 0, -2, -1) == 0
        if d.shape[-1] == 0:
            return zeros(*d.shape[:-1], dtype=int32, device=LU._backend)
        first = d.astype(int64).argmax(-1) + 1
        return where(d.any(-1), first, 0).astype(int32)


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> LUFactorExResult:
    """``LU, pivots, info`` of ``A = P L U`` (LAPACK's compact form: L's unit diagonal left
    out, pivots 1-based int32; ``info`` > 0 names the first zero pivot).
    >>> LU, pivots, info = xg.linalg.lu_factor_ex(A)"""
    check_matrix("lu_factor_ex", A, square=False)
    packed = apply1(LUFactor, A, bool(pivot))
    LU, piv = _unpack(packed, A.shape)
    info = _info(LU)
    if check_errors and bool((info > 0).any().item()):
        raise RuntimeError(f"lu_factor_ex: the factorization of A of shape {A.shape} has a "
                           f"zero pivot (info {info.tolist()})")
    return LUFactorExResult(LU, piv.detach().astype(int32), info)


def lu_factor(A: Tensor, *, pivot: bool = True) -> LUFactorResult:
    """``LU, pivots`` of ``A = P L U``; a singular matrix raises, as torch's (use
    ``lu_factor_ex`` or ``lu`` to factor it anyway). >>> LU, pivots = xg.linalg.lu_factor(A)"""
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    if A.shape[-1] == A.shape[-2] and bool((info > 0).any().item()):
        j = int(info.max().item())
        raise RuntimeError(f"lu_factor: U[{j},{j}] is zero for A of shape {A.shape}, and using "
                           "it in lu_solve would divide by zero; use xg.linalg.lu or "
                           "lu_factor_ex to factor it anyway")
    return LUFactorResult(LU, piv)


def _permutation(pivots: Tensor, m: int) -> Tensor:
    """The row order (batch..., m) int64 that LAPACK's row swaps ``pivots`` make."""
    with no_grad():
        piv = pivots.detach().astype(int64) - 1
        idx = arange(m, dtype=int64, device=pivots._backend)
        perm = idx.expand(*piv.shape[:-1], m)
        for i in range(piv.shape[-1]):
            j = piv[..., i:i + 1]
            pi, pj = perm[..., i:i + 1], perm.take_along_dim(j, -1)
            perm = where(idx == i, pj, where(idx == j, pi, perm))
        return perm


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,
              unpack_pivots: bool = True) -> PLUResult:
    """``P, L, U`` from lu_factor's compact form (``A = P @ L @ U``; differentiable in L
    and U); a part not unpacked is an empty tensor, as torch's.
    >>> P, L, U = xg.lu_unpack(*xg.linalg.lu_factor(A))"""
    check_matrix("lu_unpack", LU_data, square=False, name="LU_data")
    require_tensor(LU_pivots, "lu_unpack")
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    empty = zeros(0, dtype=LU_data.dtype, device=LU_data._backend)
    P = empty
    if unpack_pivots:
        if LU_pivots.shape[-1] != k:
            raise ValueError(f"lu_unpack: LU_pivots of shape {LU_pivots.shape} does not match "
                             f"LU_data of shape {LU_data.shape} (expected {k} pivots)")
        perm = _permutation(LU_pivots, m)
        cols = arange(m, dtype=int64, device=LU_data._backend)
        P = (unsqueeze(perm, -1) == cols).astype(LU_data.dtype).mT
    if not unpack_data:
        return PLUResult(P, empty, empty)
    L = tril(LU_data, -1)[..., :, :k] + eye(m, k, dtype=LU_data.dtype, device=LU_data._backend)
    U = triu(LU_data)[..., :k, :]
    return PLUResult(P, L, U)


def linalg_lu(A: Tensor, *, pivot: bool = True) -> PLUResult:
    """``P, L, U`` with ``A = P @ L @ U``: L unit lower (m, k), U upper (k, n); ``pivot=False``
    factors without row swaps and returns an empty P, as torch's.
    >>> P, L, U = xg.linalg.lu(A)"""
    check_matrix("lu", A, square=False)
    packed = apply1(LUFactor, A, bool(pivot))
    LU, piv = _unpack(packed, A.shape)
    P, L, U = lu_unpack(LU, piv.detach(), unpack_pivots=bool(pivot))
    return PLUResult(P, L, U)


def linalg_lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True,
                    adjoint: bool = False) -> Tensor:
    """X with ``A X = B`` from A's lu_factor (``adjoint``: A^T X = B; ``left=False``:
    X A = B), differentiable in LU and B. >>> xg.linalg.lu_solve(*xg.linalg.lu_factor(A), B)"""
    check_matrix("lu_solve", LU, name="LU")
    require_tensor(B, "lu_solve")
    if B.ndim < 2:
        raise ValueError(f"lu_solve: B must have at least 2 dimensions, got shape {B.shape}")
    if not left:                       # X A = B  <=>  A^T X^T = B^T
        return linalg_lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    n = LU.shape[-1]
    if B.shape[-2] != n:
        raise ValueError(f"lu_solve: LU of shape {LU.shape} and B of shape {B.shape} do not "
                         f"match (B needs {n} rows)")
    P, L, U = lu_unpack(LU, pivots)
    if adjoint:                        # U^T L^T P^T X = B
        Y = solve_triangular(U.mT, B, upper=False)
        return P @ solve_triangular(L.mT, Y, upper=True, unitriangular=True)
    Y = solve_triangular(L, P.mT @ B, upper=False, unitriangular=True)
    return solve_triangular(U, Y, upper=True)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> tuple:
    """torch.lu: ``(LU, pivots)`` (and ``infos`` with ``get_infos=True``), as
    linalg.lu_factor(_ex). >>> LU, pivots = xg.lu(A)"""
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    return (LU, piv, info) if get_infos else (LU, piv)


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """torch.lu_solve: ``linalg.lu_solve(LU_data, LU_pivots, b)``.
    >>> x = xg.lu_solve(b, *xg.lu(A))"""
    return linalg_lu_solve(LU_data, LU_pivots, b)


class TriangularSolveResult(NamedTuple):
    """What ``xg.triangular_solve`` returns: ``solution, cloned_coefficient``."""
    solution: Tensor
    cloned_coefficient: Tensor


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False) -> TriangularSolveResult:
    """torch.triangular_solve: X with ``op(A) X = b`` for triangular A (``transpose``:
    op(A) = A^T), and a copy of A. >>> X, _ = xg.triangular_solve(b, U)"""
    check_matrix("triangular_solve", A)
    T = A.mT if transpose else A
    X = solve_triangular(T, b, upper=upper != transpose, unitriangular=unitriangular)
    return TriangularSolveResult(X, A.clone())

