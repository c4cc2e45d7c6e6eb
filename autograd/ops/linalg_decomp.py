"""Dense linear algebra on (stacks of) matrices with PyTorch's semantics: inv, det, slogdet,
logdet, solve, solve_triangular, cholesky, cholesky_solve, cholesky_inverse, matrix_power,
cross. Forwards call the backend's ``xp.linalg`` (the Array API linalg extension); backwards
are the textbook formulas written with Tensor ops, so second derivatives work too."""
from __future__ import annotations

from typing import Any, NamedTuple

from ...dtypes import bool_
from ..factories import eye, full_like
from ..function import Function, apply1, apply2
from ..tensor import Tensor
from ..trace_proxies import RecordingNamespace
from ._util import normalize_axis, require_tensor
from .arithmetic import promote, where
from .elementwise import clone
from .shape import broadcast_to, squeeze, stack, unsqueeze
from .shape_diag import diag_embed, diagonal, tril, triu
from .torch_errors import TorchTypeError, TorchValueError


def linalg_call(xp: Any, name: str) -> Any:
    """``xp.linalg.<name>``; while xg.compile records a step the call is recorded too (the
    recording namespace wraps the top-level functions of ``xp``, not its submodules)."""
    if isinstance(xp, RecordingNamespace):
        real = getattr(xp._xp.linalg, name)
        tracer = xp._tracer
        return lambda *args, **kwargs: tracer.call(real, args, kwargs)
    return getattr(xp.linalg, name)


def check_matrix(op: str, A: Tensor, square: bool = True, name: str = "A") -> None:
    require_tensor(A, op)
    if not A.dtype.is_floating:
        raise TorchTypeError(f"{op}: expected a floating point tensor, got "
                             f"{A.dtype}{list(A.shape)}")
    if A.ndim < 2:
        raise TorchValueError(f"{op}: {name} must have at least 2 dimensions, got shape "
                              f"{A.shape}")
    if square and A.shape[-1] != A.shape[-2]:
        raise TorchValueError(f"{op}: {name} must be a (batch of) square matrices, got shape "
                              f"{A.shape}")


def identity_like(A: Tensor) -> Tensor:
    return eye(A.shape[-1], dtype=A.dtype, device=A._backend)


# ---- Functions ------------------------------------------------------------------------------
class Inv(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return linalg_call(xp, "inv")(a)
    def backward(self, gy):
        yt = self.output().mT
        return -(yt @ gy @ yt)


class Det(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return linalg_call(xp, "det")(a)
    def backward(self, gy):
        A, = self.inputs
        try:
            a_inv = inv(A)
        except Exception as exc:       # an exactly singular matrix: det's slope is its cofactors
            if not _is_singular_error(exc):
                raise
            from ..tensor import make_tensor
            from ..function import run_kernel
            cof = make_tensor(run_kernel(A._backend, _cofactors, A.data), A._backend, False, None)
            return unsqueeze(unsqueeze(gy, -1), -1) * cof
        scale = unsqueeze(unsqueeze(gy * self.output(), -1), -1)
        return scale * a_inv.mT


def _is_singular_error(exc: Exception) -> bool:
    return type(exc).__name__ == "LinAlgError" or "ingular" in str(exc)


def _cofactors(backend: Any, a: Any) -> Any:
    """The cofactor matrix adj(A)^T of each matrix, also for singular ones, from the SVD
    A = U diag(s) Vh: adj(A)^T = det(U) det(Vh) U diag(prod_{j != i} s_j) Vh."""
    xp = backend.xp
    u, s, vh = linalg_call(xp, "svd")(a, full_matrices=False)
    n = s.shape[-1]
    ones = xp.ones(s.shape[:-1] + (1,), dtype=s.dtype, device=a.device)
    others = [xp.prod(xp.concat([s[..., :i], s[..., i + 1:], ones], axis=-1), axis=-1)
              for i in range(n)]
    others = xp.stack(others, axis=-1)
    sign = linalg_call(xp, "det")(u) * linalg_call(xp, "det")(vh)
    return xp.expand_dims(xp.expand_dims(sign, axis=-1), axis=-1) * xp.matmul(
        u * xp.expand_dims(others, axis=-2), vh)


class SlogDet(Function):
    """sign and log|det| stacked on a last axis of 2 (one factorisation for both)."""
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a):
        # one matrix as a batch of one: NumPy gives scalars (not arrays) for a single matrix,
        # and a compiled step must see arrays to replay them with new values
        batch = a if a.ndim > 2 else xp.reshape(a, (1,) + tuple(a.shape))
        sign, logabs = linalg_call(xp, "slogdet")(batch)
        out = xp.stack([sign, logabs], axis=-1)
        return out if a.ndim > 2 else xp.reshape(out, (2,))
    def backward(self, gy):
        A, = self.inputs
        return unsqueeze(unsqueeze(gy[..., 1], -1), -1) * inv(A).mT


class Solve(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, b): return linalg_call(xp, "solve")(a, b)
    def backward(self, gx):
        A, B = self.inputs
        gb = apply2(Solve, A.mT, gx)
        ga = -(gb @ self.output().mT) if A._rg else None
        return ga, (gb if B._rg else None)


class Cholesky(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return linalg_call(xp, "cholesky")(a)
    def backward(self, gl):
        L = self.output()
        phi = L.mT @ gl
        phi = tril(phi) - 0.5 * diag_embed(diagonal(phi, 0, -2, -1))
        l_inv = inv(L)
        ga = l_inv.mT @ phi @ l_inv
        return 0.5 * (ga + ga.mT)


# ---- public functions -----------------------------------------------------------------------
def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix (an error for singular ones).
    >>> xg.linalg.inv(xg.tensor([[2.0, 0.0], [0.0, 4.0]]))      # [[0.5, 0], [0, 0.25]]"""
    check_matrix("inv", A)
    return apply1(Inv, A)


inverse = inv


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix. >>> xg.det(xg.eye(3))        # 1."""
    check_matrix("det", A)
    return apply1(Det, A)


class SignLogAbsDet(NamedTuple):
    """What ``slogdet`` returns: ``sign, logabsdet = xg.linalg.slogdet(A)``."""
    sign: Tensor
    logabsdet: Tensor


def slogdet(A: Tensor) -> SignLogAbsDet:
    """``(sign, log|det|)`` of each square matrix (stable where det would overflow).
    >>> sign, logabsdet = xg.slogdet(2 * xg.eye(3))       # 1., 3 log 2"""
    check_matrix("slogdet", A)
    packed = apply1(SlogDet, A)
    return SignLogAbsDet(packed[..., 0], packed[..., 1])     # sign: a zero gradient


def logdet(A: Tensor) -> Tensor:
    """log(det(A)): NaN for a negative determinant, -inf for a singular matrix.
    >>> xg.logdet(2 * xg.eye(2))        # 2 log 2"""
    check_matrix("logdet", A)
    sign, logabs = slogdet(A)
    return where(sign < 0, float("nan"), logabs)


def _vector_rhs(A: Tensor, B: Tensor) -> bool:
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with ``A @ X = B`` (``left=False``: ``X @ A = B``); B may be a (batch of) vectors.
    >>> xg.linalg.solve(2 * xg.eye(2), xg.tensor([2.0, 4.0]))       # [1., 2.]"""
    check_matrix("solve", A)
    require_tensor(B, "solve")
    A, B = promote(A, B)
    if not left:
        if B.ndim < 2:
            raise ValueError(f"solve: with left=False B must be a matrix, got shape {B.shape}")
        return solve(A.mT, B.mT).mT
    vector = _vector_rhs(A, B)
    B2 = unsqueeze(B, -1) if vector else B
    if B2.ndim < 2 or B2.shape[-2] != A.shape[-1]:
        raise ValueError(f"solve: A of shape {A.shape} and B of shape {B.shape} do not match "
                         f"(B needs {A.shape[-1]} rows)")
    X = apply2(Solve, A, B2)
    return squeeze(X, -1) if vector else X


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """X with ``A @ X = B`` for triangular A (only its ``upper`` or lower triangle is read;
    ``unitriangular``: its diagonal is taken as ones).
    >>> xg.linalg.solve_triangular(L, B, upper=False)"""
    check_matrix("solve_triangular", A)
    require_tensor(B, "solve_triangular")
    if B.ndim < 2:
        raise ValueError(f"solve_triangular: B must have at least 2 dimensions, got shape "
                         f"{B.shape}")
    T = triu(A) if upper else tril(A)
    if unitriangular:
        T = T - diag_embed(diagonal(T, 0, -2, -1)) + identity_like(A)
    return solve(T, B, left=left)


def cholesky(A: Tensor, upper: bool = False) -> Tensor:
    """The Cholesky factor L of each symmetric positive-definite matrix (``A = L @ L.mT``;
    ``upper=True``: U with ``A = U.mT @ U``). Reads the lower triangle.
    >>> xg.linalg.cholesky(4 * xg.eye(2))     # 2 * eye"""
    check_matrix("cholesky", A)
    L = apply1(Cholesky, A)
    return L.mT if upper else L


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:
    """X with ``(L @ L.mT) @ X = B`` from a Cholesky factor L (``upper``: U.mT @ U).
    >>> xg.cholesky_solve(b, xg.linalg.cholesky(A))"""
    check_matrix("cholesky_solve", L, name="L")
    Lo = L.mT if upper else L
    return solve_triangular(Lo.mT, solve_triangular(Lo, B, upper=False), upper=True)


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:
    """The inverse of ``L @ L.mT`` from its Cholesky factor (``upper``: of U.mT @ U).
    >>> xg.cholesky_inverse(xg.linalg.cholesky(A))"""
    check_matrix("cholesky_inverse", L, name="L")
    Lo = L.mT if upper else L
    li = inv(tril(Lo))
    return li.mT @ li


def matrix_power(A: Tensor, n: int) -> Tensor:
    """``A @ A @ ... @ A`` (n times; ``n = 0``: the identity; ``n < 0``: powers of inv(A)),
    by repeated squaring. >>> xg.linalg.matrix_power(A, 3)"""
    require_tensor(A, "matrix_power")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"matrix_power: n must be an int, got {n!r}")
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"matrix_power: A must be a (batch of) square matrices, got shape "
                         f"{A.shape}")
    if n == 0:                      # the identity, in A's graph with a zero gradient
        identity = broadcast_to(eye(A.shape[-1], dtype=A.dtype, device=A._backend), A.shape)
        return where(full_like(A, True, dtype=bool_), identity, A)
    base = inv(A) if n < 0 else A
    n = abs(n)
    result = None
    while True:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if not n:
            break
        base = base @ base
    return clone(result) if result is A else result


def _cross(op: str, input: Tensor, other: Tensor, dim: int) -> Tensor:
    a, b = promote(input, other)
    try:
        shape = _broadcast_shape(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {input.shape} and {other.shape} do not broadcast") from None
    d = normalize_axis(dim, len(shape), op)
    if shape[d] != 3 or (input.ndim and input.shape[d - len(shape)] != 3) or \
            (other.ndim and other.shape[d - len(shape)] != 3):
        raise ValueError(f"{op}: dimension {dim} must have size 3 in both inputs, got shapes "
                         f"{input.shape} and {other.shape}")
    a, b = broadcast_to(a, shape), broadcast_to(b, shape)
    pre = (slice(None),) * d
    x = [a[pre + (i,)] for i in range(3)]
    y = [b[pre + (i,)] for i in range(3)]
    return stack([x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2],
                  x[0] * y[1] - x[1] * y[0]], d)


def _broadcast_shape(a: tuple, b: tuple) -> tuple:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    if any(x != y and 1 not in (x, y) for x, y in zip(a, b)):
        raise ValueError("not broadcastable")
    return tuple(y if x == 1 else x for x, y in zip(a, b))


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (batch dimensions broadcast), as
    torch.linalg.cross. >>> xg.linalg.cross(xg.tensor([1.0, 0, 0]), xg.tensor([0.0, 1, 0]))"""
    require_tensor(input, "cross")
    require_tensor(other, "cross")
    return _cross("cross", input, other, dim)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """torch.cross: the cross product along ``dim``; without ``dim``, along the first
    dimension of size 3 (PyTorch's legacy default). >>> xg.cross(a, b, dim=1)"""
    require_tensor(input, "cross")
    require_tensor(other, "cross")
    if dim is None:
        try:
            shape = _broadcast_shape(input.shape, other.shape)
        except ValueError:
            raise ValueError(f"cross: shapes {input.shape} and {other.shape} do not "
                             "broadcast") from None
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise ValueError(f"cross: no dimension of size 3 in shapes {input.shape} and "
                             f"{other.shape}")
    return _cross("cross", input, other, dim)
