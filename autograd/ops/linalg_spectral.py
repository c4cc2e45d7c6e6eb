"""Decompositions with several results, with PyTorch's semantics: eigh, eigvalsh, qr, svd
(torch.svd's U, S, V and torch.linalg.svd's U, S, Vh), svdvals, pinv, matrix_rank.

One factorisation serves all results: the forward packs them, flattened, into one array
(batch..., total) and the public function slices the pieces out, so one node sees the joint
cotangent. Backwards are the standard formulas (real case) on the unpacked outputs, so they
are differentiable again. Eigenvector and singular-vector gradients assume a loss that does
not depend on their signs (the usual gauge condition)."""
from __future__ import annotations

from typing import Any, NamedTuple

from ...dtypes import bool_
from ..factories import eye, zeros
from ..function import Function, apply1, run_kernel
from ..tensor import Tensor, make_tensor
from .arithmetic import where
from .linalg_decomp import check_matrix, linalg_call, solve
from .shape import concat, unsqueeze
from .shape_diag import diag_embed, diagonal, tril


def _pack(xp: Any, parts: list, batch: tuple) -> Any:
    return xp.concat([xp.reshape(xp.asarray(p), batch + (-1,)) for p in parts], axis=-1)


def _unpack(t: Tensor, batch: tuple, shapes: list) -> list:
    out, start = [], 0
    for shape in shapes:
        n = 1
        for s in shape:
            n *= s
        out.append(t[..., start:start + n].reshape(batch + shape))
        start += n
    return out


def _eye_mask(n: int, like: Tensor) -> Tensor:
    return eye(n, dtype=like.dtype, device=like._backend).astype(bool_)


def _off_diagonal_inverse(E: Tensor, mask: Tensor) -> Tensor:
    """1 / E off the diagonal, 0 on it and wherever E is 0 (equal eigen/singular values)."""
    bad = mask | (E == 0)
    return where(bad, 0.0, 1.0 / where(bad, 1.0, E))


# ---- eigh -----------------------------------------------------------------------------------
def _eigh_shapes(shape: tuple) -> list:
    n = shape[-1]
    return [(n,), (n, n)]


class Eigh(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, values_only):
        w, v = linalg_call(xp, "eigh")(a)
        return _pack(xp, [w, v], a.shape[:-2])
    def backward(self, gy):
        A, = self.inputs
        batch, shapes = A.shape[:-2], _eigh_shapes(A.shape)
        L, V = _unpack(self.output(), batch, shapes)
        gL, gV = _unpack(gy, batch, shapes)
        # The skew part of V^T gV over E_ij = L_j - L_i: a symmetric gradient, as PyTorch's
        # (the input is taken as symmetric, whichever triangle was read). For eigvalsh, V's
        # cotangent is 0, but not in second order: the term stays.
        E = unsqueeze(L, -2) - unsqueeze(L, -1)
        X = V.mT @ gV
        inner = diag_embed(gL) + _off_diagonal_inverse(E, _eye_mask(A.shape[-1], A)) * (
            (X - X.mT) * 0.5)
        return V @ inner @ V.mT


class EigResult(NamedTuple):
    """What ``eigh`` returns: ``eigenvalues, eigenvectors = xg.linalg.eigh(A)``."""
    eigenvalues: Tensor
    eigenvectors: Tensor


def _check_uplo(op: str, UPLO: str) -> None:
    if UPLO not in ("L", "U"):
        raise ValueError(f"{op}: UPLO must be 'L' or 'U', got {UPLO!r}")


def _triangle_symmetric(A: Tensor, UPLO: str) -> Tensor:
    """A matrix whose lower triangle (the one the backend reads) is A's lower (UPLO='L') or
    upper triangle; the gradient stays symmetric either way, as PyTorch's."""
    return A if UPLO == "L" else A.mT


def eigh(A: Tensor, UPLO: str = "L") -> EigResult:
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of each symmetric
    matrix, read from its lower triangle (``UPLO='U'``: upper).
    >>> values, vectors = xg.linalg.eigh(xg.tensor([[2.0, 1.0], [1.0, 2.0]]))   # [1, 3]"""
    check_matrix("eigh", A)
    _check_uplo("eigh", UPLO)
    A = _triangle_symmetric(A, UPLO)
    packed = apply1(Eigh, A, False)
    w, v = _unpack(packed, A.shape[:-2], _eigh_shapes(A.shape))
    return EigResult(w, v)


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues (ascending) of each symmetric matrix. >>> xg.linalg.eigvalsh(A)"""
    check_matrix("eigvalsh", A)
    _check_uplo("eigvalsh", UPLO)
    A = _triangle_symmetric(A, UPLO)
    return _unpack(apply1(Eigh, A, True), A.shape[:-2], _eigh_shapes(A.shape))[0]


# ---- qr -------------------------------------------------------------------------------------
def _qr_shapes(shape: tuple, mode: str) -> list:
    m, n = shape[-2:]
    k = m if mode == "complete" else min(m, n)
    return [(m, k), (k, n)]


class QR(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, mode):
        q, r = linalg_call(xp, "qr")(a, mode=mode)
        return _pack(xp, [q, r], a.shape[:-2])
    def backward(self, gy):
        A, = self.inputs
        mode, = self.args
        m, n = A.shape[-2:]
        if mode == "complete" and m > n:
            raise NotImplementedError("qr: the gradient of mode='complete' with more rows than "
                                      f"columns (shape {A.shape}) is not defined; use "
                                      "mode='reduced'")
        batch, shapes = A.shape[:-2], _qr_shapes(A.shape, mode)
        Q, R = _unpack(self.output(), batch, shapes)
        gQ, gR = _unpack(gy, batch, shapes)
        if m >= n:
            return _qr_backward_tall(Q, R, gQ, gR)
        # wide: A = [X | Y] with X = Q U square and Y = Q V, so V = Q^T Y: Y's gradient is
        # Q gV, and V's dependence on Q adds Y gV^T to Q's cotangent
        U = R[..., :, :m]
        gU, gV = gR[..., :, :m], gR[..., :, m:]
        Y = A[..., :, m:]
        gX = _qr_backward_tall(Q, U, gQ + Y @ gV.mT, gU)
        return concat([gX, Q @ gV], -1)


def _qr_backward_tall(Q: Tensor, R: Tensor, gQ: Tensor, gR: Tensor) -> Tensor:
    M = R @ gR.mT - gQ.mT @ Q
    lower = tril(M, -1)
    M = lower + lower.mT + diag_embed(diagonal(M, 0, -2, -1))
    B = gQ + Q @ M
    return solve(R, B.mT).mT                                        # B @ R^-T


class QRResult(NamedTuple):
    """What ``qr`` returns: ``Q, R = xg.linalg.qr(A)``."""
    Q: Tensor
    R: Tensor


def qr(A: Tensor, mode: Any = "reduced", *, some: bool | None = None) -> QRResult:
    """``A = Q @ R`` with orthonormal columns in Q and upper-triangular R; ``mode`` is
    'reduced' or 'complete' (torch.qr's ``some=False`` is 'complete').
    >>> Q, R = xg.linalg.qr(A)"""
    if isinstance(mode, bool):              # torch.qr(A, some)
        some, mode = mode, "reduced"
    if some is not None:
        mode = "reduced" if some else "complete"
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete', got {mode!r}")
    check_matrix("qr", A, square=False)
    packed = apply1(QR, A, mode)
    q, r = _unpack(packed, A.shape[:-2], _qr_shapes(A.shape, mode))
    return QRResult(q, r)


# ---- svd ------------------------------------------------------------------------------------
def _svd_shapes(shape: tuple, full: bool) -> list:
    m, n = shape[-2:]
    k = min(m, n)
    return [(m, m if full else k), (k,), (n if full else k, n)]


class SVD(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, full, values_only):
        u, s, vh = linalg_call(xp, "svd")(a, full_matrices=full)
        return _pack(xp, [u, s, vh], a.shape[:-2])
    def backward(self, gy):
        A, = self.inputs
        full = self.args[0]
        batch, shapes = A.shape[:-2], _svd_shapes(A.shape, full)
        U, S, Vh = _unpack(self.output(), batch, shapes)
        gU, gS, gVh = _unpack(gy, batch, shapes)
        k = S.shape[-1]
        if full:                       # the extra columns are arbitrary: only k carry gradient
            U, gU, Vh, gVh = U[..., :, :k], gU[..., :, :k], Vh[..., :k, :], gVh[..., :k, :]
        # svdvals too: the vectors' cotangents are 0 then, but not in second order
        return _svd_backward(A, U, S, Vh, gU, gS, gVh)


def _svd_backward(A: Tensor, U: Tensor, S: Tensor, Vh: Tensor, gU: Tensor, gS: Tensor,
                  gVh: Tensor) -> Tensor:
    m, n = A.shape[-2:]
    V, gV = Vh.mT, gVh.mT
    mask = _eye_mask(S.shape[-1], A)
    S2 = S * S
    F = _off_diagonal_inverse(unsqueeze(S2, -2) - unsqueeze(S2, -1), mask)   # 1/(s_j^2 - s_i^2)
    UtgU, VtgV = U.mT @ gU, V.mT @ gV
    J = F * (UtgU - UtgU.mT)
    K = F * (VtgV - VtgV.mT)
    inner = J * unsqueeze(S, -2) + unsqueeze(S, -1) * K + diag_embed(gS)
    out = U @ inner @ Vh
    zero = (S == 0).detach()
    s_inv = where(zero, 0.0, 1.0 / where(zero, 1.0, S))
    if m > S.shape[-1]:
        out = out + (gU - U @ UtgU) * unsqueeze(s_inv, -2) @ Vh
    if n > S.shape[-1]:
        out = out + U @ (unsqueeze(s_inv, -1) * (gV.mT - VtgV.mT @ V.mT))
    return out


class SVDResult(NamedTuple):
    """What ``xg.linalg.svd`` returns: ``U, S, Vh``."""
    U: Tensor
    S: Tensor
    Vh: Tensor


class SVDResultV(NamedTuple):
    """What ``xg.svd`` (torch.svd) returns: ``U, S, V`` with ``A = U diag(S) V^T``."""
    U: Tensor
    S: Tensor
    V: Tensor


def linalg_svd(A: Tensor, full_matrices: bool = True) -> SVDResult:
    """``A = U @ diag(S) @ Vh``, singular values descending (torch.linalg.svd; square U and
    Vh unless ``full_matrices=False``). >>> U, S, Vh = xg.linalg.svd(A, full_matrices=False)"""
    check_matrix("svd", A, square=False)
    full = bool(full_matrices)
    packed = apply1(SVD, A, full, False)
    return SVDResult(*_unpack(packed, A.shape[:-2], _svd_shapes(A.shape, full)))


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> SVDResultV:
    """torch.svd: ``(U, S, V)`` with ``A = U diag(S) V^T`` (reduced unless ``some=False``;
    ``compute_uv=False``: U and V are zeros shaped (m, m) and (n, n), whatever ``some``).
    >>> U, S, V = xg.svd(A)"""
    check_matrix("svd", input, square=False)
    if not compute_uv:
        m, n = input.shape[-2:]
        batch = input.shape[:-2]
        return SVDResultV(zeros(*batch, m, m, dtype=input.dtype, device=input._backend),
                          svdvals(input),
                          zeros(*batch, n, n, dtype=input.dtype, device=input._backend))
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    return SVDResultV(U, S, Vh.mT)


def svdvals(A: Tensor) -> Tensor:
    """The singular values of each matrix, descending. >>> xg.linalg.svdvals(A)"""
    check_matrix("svdvals", A, square=False)
    packed = apply1(SVD, A, False, True)
    return _unpack(packed, A.shape[:-2], _svd_shapes(A.shape, False))[1]


# ---- pseudo-inverse and rank ------------------------------------------------------------------
def _cutoff(xp: Any, s: Any, shape: tuple, atol: Any, rtol: Any) -> Any:
    """PyTorch's tolerance: max(atol, rtol * largest singular value); rtol defaults to
    eps * max(m, n) when neither is given."""
    if rtol is None:
        rtol = 0.0 if atol is not None else xp.finfo(s.dtype).eps * max(shape[-2:])
    if s.shape[-1]:
        top = xp.max(s, axis=-1, keepdims=True)
    else:
        top = xp.zeros_like(xp.sum(s, axis=-1, keepdims=True))
    return xp.maximum(top * rtol, 0.0 if atol is None else atol)


class Pinv(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, atol, rtol):
        u, s, vh = linalg_call(xp, "svd")(a, full_matrices=False)
        keep = s > _cutoff(xp, s, a.shape, atol, rtol)
        s_inv = xp.where(keep, 1.0 / xp.where(keep, s, 1.0), 0.0)
        return xp.matmul(xp.matrix_transpose(vh) * xp.expand_dims(s_inv, axis=-2),
                         xp.matrix_transpose(u))
    def backward(self, gp):
        # dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P (Golub and Pereyra)
        A, = self.inputs
        P = self.output()
        Pt = P.mT
        out = -(Pt @ gp @ Pt)
        out = out + (gp.mT - A @ (P @ gp.mT)) @ (P @ Pt)
        return out + (Pt @ P) @ (gp.mT - (gp.mT @ P) @ A)


def pinv(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse (singular values below max(atol, rtol * largest)
    count as zero). >>> xg.linalg.pinv(A)"""
    check_matrix("pinv", A, square=False)
    for name, value in (("atol", atol), ("rtol", rtol)):
        if isinstance(value, Tensor):
            raise TypeError(f"pinv: {name} must be a float, got a Tensor")
    return apply1(Pinv, A, atol, rtol)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """torch.pinverse: ``pinv`` with relative tolerance ``rcond``. >>> xg.pinverse(A)"""
    return pinv(input, rtol=rcond)


def _rank(backend: Any, a: Any, atol: Any, rtol: Any) -> Any:
    xp = backend.xp
    s = linalg_call(xp, "svd")(a, full_matrices=False)[1]
    return xp.sum(xp.astype(s > _cutoff(xp, s, a.shape, atol, rtol), xp.int64), axis=-1)


def matrix_rank(A: Tensor, *, atol: Any = None, rtol: Any = None,
                hermitian: bool = False) -> Tensor:
    """The number of singular values above the tolerance (int64, no gradient).
    >>> xg.linalg.matrix_rank(xg.ones(3, 3))      # 1"""
    check_matrix("matrix_rank", A, square=False)
    return make_tensor(run_kernel(A._backend, _rank, A.data, atol, rtol), A._backend, False, None)
