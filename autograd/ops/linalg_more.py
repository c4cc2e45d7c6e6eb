"""torch.linalg's remaining dense functions: matrix_exp, lstsq, the ``*_ex`` forms (solve_ex,
inv_ex, cholesky_ex with LAPACK's ``info``), vander, cond, tensorinv, tensorsolve, and the
top-level nuclear_norm, frobenius_norm, matrix_rank, svd_lowrank and pca_lowrank.

matrix_exp is an op of its own (scaling and squaring over a degree-13 Pade approximant,
Higham 2005); its backward is the upper-right block of the exponential of
[[A^T, G], [0, A^T]], itself a matrix_exp, so every order of derivative works. The rest are
compositions of existing differentiable ops."""
from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

from ...dtypes import bool_, int32, int64
from ..factories import eye, ones, zeros, zeros_like
from ..function import Function, apply1
from ..grad_mode import no_grad
from ..tensor import Tensor
from ._util import require_tensor
from .arithmetic import where
from .linalg_decomp import check_matrix, cholesky, inv, linalg_call, solve
from .linalg_lu import lu_factor_ex
from .linalg_norms import matrix_norm, vector_norm
from .linalg_spectral import linalg_svd, matrix_rank as _linalg_matrix_rank, pinv, svdvals
from .shape import concat, squeeze, unsqueeze
from .shape_diag import tril

__all__ = ["matrix_exp", "nuclear_norm", "frobenius_norm", "matrix_rank", "svd_lowrank",
           "pca_lowrank"]

_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm(xp: Any, a: Any) -> Any:
    n = a.shape[-1]
    if n == 0 or math.prod(a.shape) == 0:
        return xp.asarray(a, copy=True)
    b = _PADE13
    ident = xp.eye(n, dtype=a.dtype, device=a.device)
    norm = xp.max(xp.sum(xp.abs(a), axis=-2), axis=-1)                # the 1-norm, (batch...)
    ratio = xp.where(norm > 0, norm, xp.ones_like(norm)) / _THETA13
    s = xp.ceil(xp.log2(ratio))
    s = xp.where((s > 0) & xp.isfinite(s), s, xp.zeros_like(s))
    s = xp.expand_dims(xp.expand_dims(s, axis=-1), axis=-1)
    a = a * xp.pow(xp.full_like(s, 2.0), -s)                           # exact powers of two
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2
             + b[1] * ident)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + \
        b[0] * ident
    r = linalg_call(xp, "solve")(v - u, v + u)
    steps = int(xp.max(s)) if math.prod(s.shape) else 0               # reads one number
    for i in range(steps):
        r = xp.where(s > i, r @ r, r)
    return r


class MatrixExp(Function):
    __slots__ = ()

    @staticmethod
    def forward(xp, a):
        return _expm(xp, a)

    def backward(self, gy):
        A, = self.inputs
        n = A.shape[-1]
        At = A.mT
        big = concat([concat([At, gy], -1), concat([zeros_like(At), At], -1)], -2)
        return matrix_exp(big)[..., :n, n:]


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential of each square matrix (Pade 13 with scaling and squaring).
    >>> xg.linalg.matrix_exp(xg.zeros(2, 2))          # the identity"""
    check_matrix("matrix_exp", A)
    return apply1(MatrixExp, A)


# ---- lstsq ------------------------------------------------------------------------------------
class LstsqResult(NamedTuple):
    """What ``xg.linalg.lstsq`` returns, with torch's fields."""
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *,
          driver: str | None = None) -> LstsqResult:
    """The least-squares (minimum-norm) solution X of ``A X = B``, from the pseudo-inverse
    with singular values below ``rcond`` times the largest cut (default eps * max(m, n));
    differentiable in A and B. As torch's CPU drivers: ``rank`` unless driver='gels',
    ``singular_values`` for 'gelsd'/'gelss', ``residuals`` (squared column residuals) for
    m > n full-rank A and a driver other than the default 'gelsy'; empty tensors otherwise.
    >>> X = xg.linalg.lstsq(A, B).solution"""
    check_matrix("lstsq", A, square=False)
    require_tensor(B, "lstsq")
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise ValueError(f"lstsq: driver must be one of {_DRIVERS}, got {driver!r}")
    m, n = A.shape[-2:]
    vector = B.ndim == A.ndim - 1
    B2 = unsqueeze(B, -1) if vector else B
    if B2.ndim < 2 or B2.shape[-2] != m:
        raise ValueError(f"lstsq: A of shape {A.shape} and B of shape {B.shape} do not match "
                         f"(B needs {m} rows)")
    B2 = B2.astype(A.dtype) if B2.dtype != A.dtype else B2
    rtol = float(rcond) if rcond is not None else _eps(A) * max(m, n)
    X = pinv(A, rtol=rtol) @ B2
    empty = zeros(0, dtype=A.dtype, device=A._backend)
    rank = (zeros(0, dtype=int64, device=A._backend) if driver == "gels"
            else _linalg_matrix_rank(A, rtol=rtol))
    values = svdvals(A) if driver in ("gelsd", "gelss") else empty
    residuals = empty
    if driver != "gelsy" and m > n:
        full = _linalg_matrix_rank(A, rtol=rtol) if driver == "gels" else rank
        if bool((full == n).all().item()):
            residuals = ((A @ X - B2) ** 2).sum(-2)
    return LstsqResult(squeeze(X, -1) if vector else X, residuals, rank, values)


def _eps(A: Tensor) -> float:
    return {2: 2.0 ** -10, 4: 2.0 ** -23}.get(A.dtype.itemsize, 2.0 ** -52)


# ---- the *_ex forms -----------------------------------------------------------------------------
class SolveExResult(NamedTuple):
    """What ``xg.linalg.solve_ex`` returns: ``result, info``."""
    result: Tensor
    info: Tensor


class InvExResult(NamedTuple):
    """What ``xg.linalg.inv_ex`` returns: ``inverse, info``."""
    inverse: Tensor
    info: Tensor


class CholeskyExResult(NamedTuple):
    """What ``xg.linalg.cholesky_ex`` returns: ``L, info``."""
    L: Tensor
    info: Tensor


_BACKEND_ERRORS = (ValueError, RuntimeError)


def _failed_factorization(exc: Exception) -> bool:
    """Whether a backend error says the factorization failed (NumPy and CuPy raise
    numpy.linalg.LinAlgError), rather than that the arguments were wrong."""
    text = str(exc).lower()
    return type(exc).__name__ == "LinAlgError" or "singular" in text or "definite" in text


def _no_info(A: Tensor) -> Tensor:
    return zeros(*A.shape[:-2], dtype=int32, device=A._backend)


def _raise_info(op: str, A: Tensor, info: Tensor, what: str) -> None:
    if bool((info > 0).any().item()):
        from ...backends.errors import LinAlgError      # torch's class for check_errors=True
        raise LinAlgError(f"{op}: {what} for A of shape {A.shape} (info {info.tolist()})")


def _masked(A: Tensor, failed: Tensor) -> Tensor:
    """A with the failed matrices replaced by the identity (so the fast path runs)."""
    ident = eye(A.shape[-1], dtype=A.dtype, device=A._backend)
    return where(unsqueeze(unsqueeze(failed, -1), -1), ident, A)


def _lu_failures(A: Tensor) -> tuple:
    with no_grad():
        info = lu_factor_ex(A.detach()).info
    return info, info > 0


def _reporting(op: str, A: Tensor, run: Any, message: str, check_errors: bool) -> tuple:
    """(run(A), info): where LU finds singular matrices, ``run`` on A with those replaced,
    their results NaN and ``info`` LAPACK's (1 + the first zero pivot), or raise if
    ``check_errors``."""
    try:
        return run(A), _no_info(A)
    except _BACKEND_ERRORS as exc:
        if not _failed_factorization(exc):
            raise
        info, failed = _lu_failures(A)
    if check_errors:
        _raise_info(op, A, info, message)
    X = run(_masked(A, failed))
    shape = failed.shape + (1,) * (X.ndim - failed.ndim)
    return where(failed.reshape(shape), float("nan"), X), info


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True,
             check_errors: bool = False) -> SolveExResult:
    """``solve`` that reports singular matrices in ``info`` (LAPACK's getrf: 1 + the first
    zero pivot) instead of raising; their results are NaN.
    >>> X, info = xg.linalg.solve_ex(A, B)"""
    check_matrix("solve_ex", A)
    require_tensor(B, "solve_ex")
    return SolveExResult(*_reporting(
        "solve_ex", A, lambda M: solve(M, B, left=left),
        "the solve could not be completed: singular matrix", check_errors))


def inv_ex(A: Tensor, *, check_errors: bool = False) -> InvExResult:
    """``inv`` that reports singular matrices in ``info`` instead of raising (their
    inverses are NaN). >>> Ainv, info = xg.linalg.inv_ex(A)"""
    check_matrix("inv_ex", A)
    return InvExResult(*_reporting("inv_ex", A, inv,
                                   "the inversion could not be completed: singular matrix",
                                   check_errors))


def _cholesky_columns(A: Tensor) -> tuple:
    """LAPACK's unblocked potf2 (lower) over the batch: L and info, the failing pivot's
    value left in place and the columns after it untouched, as LAPACK leaves them."""
    with no_grad():
        a = tril(A.detach())
        n = a.shape[-1]
        L = a
        cols = _arange(n, A)
        failed = zeros(*a.shape[:-2], dtype=bool_, device=A._backend)
        info = zeros(*a.shape[:-2], dtype=int32, device=A._backend)
        for j in range(n):
            row = L[..., j, :j]
            d = a[..., j, j] - (row * row).sum(-1)
            bad = ~(d > 0)
            new = bad & ~failed
            info = where(new, j + 1, info)
            ok = ~(failed | bad)
            ljj = where(ok, d, 1.0).sqrt()
            below = (a[..., j + 1:, j] - (L[..., j + 1:, :j] @ unsqueeze(row, -1))[..., 0]) / \
                unsqueeze(ljj, -1)
            head = where(ok, ljj, where(new, d, L[..., j, j]))
            tail = where(unsqueeze(ok, -1), below, L[..., j + 1:, j])
            column = concat([zeros(*a.shape[:-2], j, dtype=a.dtype, device=A._backend),
                             unsqueeze(head, -1), tail], -1)
            L = where(cols == j, unsqueeze(column, -1), L)
            failed = failed | bad
        return L, info


def _arange(n: int, like: Tensor) -> Tensor:
    from ..factories import arange
    return arange(n, dtype=int64, device=like._backend)


def cholesky_ex(A: Tensor, *, upper: bool = False,
                check_errors: bool = False) -> CholeskyExResult:
    """``cholesky`` that reports matrices that are not positive-definite in ``info`` (1 +
    the order of the first failing leading minor) instead of raising.
    >>> L, info = xg.linalg.cholesky_ex(A)"""
    check_matrix("cholesky_ex", A)
    try:
        L, info = cholesky(A), _no_info(A)
    except _BACKEND_ERRORS as exc:
        if not _failed_factorization(exc):
            raise
        L_loop, info = _cholesky_columns(A)
        if check_errors:
            _raise_info("cholesky_ex", A, info, "the factorization could not be completed "
                        "because the input is not positive-definite")
        failed = info > 0
        L = where(unsqueeze(unsqueeze(failed, -1), -1), L_loop, cholesky(_masked(A, failed)))
    return CholeskyExResult(L.mT if upper else L, info)


# ---- small compositions -------------------------------------------------------------------------
def vander(x: Tensor, N: int | None = None) -> Tensor:
    """torch.linalg.vander: the powers x^0, x^1, ..., x^(N-1) on a new last dimension
    (N defaults to x.shape[-1]). >>> xg.linalg.vander(xg.tensor([1.0, 2.0, 3.0]))"""
    require_tensor(x, "vander")
    if x.ndim < 1:
        raise ValueError(f"linalg.vander: x must have at least one dimension, got shape {x.shape}")
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise ValueError(f"linalg.vander: N must be greater than 1, got {N}")
    x1 = unsqueeze(x, -1)
    powers = concat([ones(*x1.shape, dtype=x.dtype, device=x._backend),
                     x1.expand(*x1.shape[:-1], N - 1)], -1)
    return powers.cumprod(-1)


def cond(A: Tensor, p: Any = None) -> Tensor:
    """The condition number of each matrix in the norm ``p``: None/2 and -2 from the singular
    values (any shape), 'fro', 'nuc', inf, -inf, 1, -1 as norm(A) * norm(inv(A)) (square; inf
    for a singular matrix). >>> xg.linalg.cond(xg.eye(2))          # 1."""
    check_matrix("cond", A, square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = svdvals(A)
        ratio = s[..., 0] / s[..., -1]
        return ratio if p != -2 else 1.0 / ratio
    if p not in ("fro", "nuc", math.inf, -math.inf, 1, -1):
        raise ValueError(f"linalg.cond: unsupported p {p!r}")
    Ainv, info = inv_ex(A)
    value = matrix_norm(A, p) * matrix_norm(where(info.reshape(info.shape + (1, 1)) > 0,
                                                  0.0, Ainv), p)
    return where(info > 0, math.inf, value)


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The inverse of A seen as a map from its last dimensions to its first ``ind``:
    ``tensordot(tensorinv(A, ind), A, ind)`` is the identity.
    >>> xg.linalg.tensorinv(xg.eye(4).reshape(4, 2, 2), ind=1).shape   # (2, 2, 4)"""
    require_tensor(A, "tensorinv")
    if ind <= 0:
        raise ValueError(f"linalg.tensorinv: ind must be a positive integer, got {ind}")
    out_shape, in_shape = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    rows, cols = math.prod(out_shape), math.prod(in_shape)
    if rows != cols:
        raise ValueError(f"linalg.tensorinv: the product of the first {ind} dimensions of "
                         f"shape {A.shape} ({rows}) must equal that of the rest ({cols})")
    return inv(A.reshape(rows, cols)).reshape(in_shape + out_shape)


def tensorsolve(A: Tensor, B: Tensor, dims: Sequence[int] | None = None) -> Tensor:
    """X with ``tensordot(A, X, X.ndim) = B`` (``dims``: A's dimensions to move last first).
    >>> xg.linalg.tensorsolve(xg.eye(6).reshape(2, 3, 6), xg.ones(2, 3)).shape   # (6,)"""
    require_tensor(A, "tensorsolve")
    require_tensor(B, "tensorsolve")
    if dims is not None:
        A = A.movedim(tuple(dims), tuple(range(A.ndim - len(dims), A.ndim)))
    if tuple(A.shape[:B.ndim]) != tuple(B.shape):
        raise ValueError(f"linalg.tensorsolve: A of shape {A.shape} must start with B's shape "
                         f"{B.shape}")
    x_shape = tuple(A.shape[B.ndim:])
    rows, cols = math.prod(B.shape), math.prod(x_shape)
    if rows != cols:
        raise ValueError(f"linalg.tensorsolve: A of shape {A.shape} is not square as a map "
                         f"({rows} x {cols})")
    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(x_shape)


# ---- top-level torch functions ------------------------------------------------------------------
def nuclear_norm(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """torch.nuclear_norm: the sum of the singular values over ``dim`` (the last two by
    default; ``nuclear_norm(x, True)`` is keepdim=True). >>> xg.nuclear_norm(xg.eye(3))   # 3."""
    if isinstance(dim, bool):
        dim, keepdim = None, dim
    return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim)


def frobenius_norm(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """torch.frobenius_norm: sqrt of the sum of squares over ``dim`` (one or two dims).
    >>> xg.frobenius_norm(xg.ones(2, 3), (0, 1))      # sqrt(6)"""
    return vector_norm(input, 2, dim, keepdim)


def matrix_rank(input: Tensor, tol: float | None = None, symmetric: bool = False, *,
                atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The rank of each matrix (int64): linalg.matrix_rank, also taking the removed
    torch.matrix_rank's ``tol`` (an absolute tolerance). >>> xg.matrix_rank(xg.ones(3, 3))  # 1"""
    return _linalg_matrix_rank(input, atol=tol if atol is None else atol, rtol=rtol,
                               hermitian=hermitian or symmetric)


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int = 2,
                M: Tensor | None = None) -> tuple:
    """``(U, S, V)`` of rank ``q`` with ``A - M ~ U diag(S) V^T``. Unlike torch's randomized
    method (Halko et al.) this is the exact truncated SVD (``niter`` is accepted and unused),
    so it is deterministic and at least as accurate; differentiable.
    >>> U, S, V = xg.svd_lowrank(A, q=2)"""
    check_matrix("svd_lowrank", A, square=False)
    m, n = A.shape[-2:]
    q = min(6 if q is None else int(q), m, n)
    X = A if M is None else A - M
    U, S, Vh = linalg_svd(X, full_matrices=False)
    return U[..., :, :q], S[..., :q], Vh[..., :q, :].mT


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True,
                niter: int = 2) -> tuple:
    """``(U, S, V)``: principal components of A's rows (centred on the column means unless
    ``center=False``), from the exact truncated SVD (see svd_lowrank); q defaults to
    min(6, m, n). >>> U, S, V = xg.pca_lowrank(X, q=2)"""
    check_matrix("pca_lowrank", A, square=False)
    m, n = A.shape[-2:]
    q = min(6, m, n) if q is None else q
    if not 0 <= q <= min(m, n):
        raise ValueError(f"pca_lowrank: q must be in [0, {min(m, n)}] for A of shape "
                         f"{A.shape}, got {q}")
    X = A - A.mean(-2, keepdims=True) if center else A
    return svd_lowrank(X, q, niter)
