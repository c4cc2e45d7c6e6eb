"""Householder reflectors in LAPACK's compact form: geqrf (the QR factorisation as reflectors
and their scales tau, as LAPACK's geqrf leaves them), householder_product / orgqr (the
first columns of H_1 ... H_k) and ormqr (that Q, or Q^T, times a matrix).

A reflector is ``H_j = I - tau_j v_j v_j^T`` with ``v_j`` zero above row j, one at row j,
and column j of A below it. householder_product and ormqr are compositions of Tensor ops
(one rank-one update per reflector), so they are differentiable in A, tau and the other
matrix at every order; geqrf, as torch's, is not differentiable."""
from __future__ import annotations

from typing import NamedTuple

from ..factories import eye, ones, zeros
from ..grad_mode import no_grad
from ..tensor import Tensor
from ._util import require_tensor
from .arithmetic import where
from .linalg_decomp import check_matrix
from .shape import concat, stack, unsqueeze

__all__ = ["geqrf", "orgqr", "ormqr"]


class GeqrfResult(NamedTuple):
    """What ``xg.geqrf`` returns: ``a`` (R on and above the diagonal, the reflectors below)
    and ``tau``."""
    a: Tensor
    tau: Tensor


def geqrf(input: Tensor) -> GeqrfResult:
    """LAPACK's geqrf: the QR factorisation of each (m, n) matrix as min(m, n) Householder
    reflectors (not differentiable, as torch's).
    >>> a, tau = xg.geqrf(A); Q = xg.linalg.householder_product(a, tau)"""
    check_matrix("geqrf", input, square=False, name="input")
    m, n = input.shape[-2:]
    batch = tuple(input.shape[:-2])
    with no_grad():
        a = input.detach()
        taus = []
        for j in range(min(m, n)):
            alpha, x = a[..., j, j], a[..., j + 1:, j]
            xnorm = (x * x).sum(-1).sqrt()
            none = xnorm == 0                                  # H = I (tau = 0), as LAPACK
            beta = -(alpha.hypot(xnorm).copysign(alpha))
            tau = where(none, 0.0, (beta - alpha) / where(none, 1.0, beta))
            v = x / unsqueeze(where(none, 1.0, alpha - beta), -1)
            vfull = concat([ones(*batch, 1, dtype=a.dtype, device=a._backend), v], -1)
            T = a[..., j:, j + 1:]
            w = (unsqueeze(vfull, -1) * T).sum(-2)
            T = T - unsqueeze(unsqueeze(tau, -1), -1) * unsqueeze(vfull, -1) * unsqueeze(w, -2)
            column = concat([a[..., :j, j], unsqueeze(where(none, alpha, beta), -1), v], -1)
            right = concat([a[..., :j, j + 1:], T], -2)
            a = concat([a[..., :, :j], unsqueeze(column, -1), right], -1)
            taus.append(tau)
        tau = (stack(taus, -1) if taus
               else zeros(*batch, 0, dtype=input.dtype, device=input._backend))
    return GeqrfResult(a, tau)


def _reflector(A: Tensor, j: int) -> Tensor:
    """v_j (batch..., rows): zeros above row j, one at j, A[j+1:, j] below."""
    batch = tuple(A.shape[:-2])
    parts = [zeros(*batch, j, dtype=A.dtype, device=A._backend),
             ones(*batch, 1, dtype=A.dtype, device=A._backend), A[..., j + 1:, j]]
    return concat(parts, -1)


def _check_tau(op: str, A: Tensor, tau: Tensor, k_max: int) -> int:
    require_tensor(tau, op)
    k = tau.shape[-1] if tau.ndim else 0
    if tau.ndim != A.ndim - 1 or k > k_max or tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise ValueError(f"{op}: tau of shape {tau.shape} does not match A of shape "
                         f"{A.shape} (expected batch {tuple(A.shape[:-2])} and at most "
                         f"{k_max} scales)")
    if tau.dtype != A.dtype:
        raise TypeError(f"{op}: tau ({tau.dtype}) and A ({A.dtype}) must have the same dtype")
    return k


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first n columns of ``H_1 H_2 ... H_k`` for reflectors stored in A (m, n), m >= n,
    with scales tau (k <= n), as LAPACK's orgqr; differentiable in A and tau.
    >>> Q = xg.linalg.householder_product(*xg.geqrf(A))"""
    check_matrix("householder_product", A, square=False)
    m, n = A.shape[-2:]
    if m < n:
        raise ValueError(f"householder_product: A must have at least as many rows as columns, "
                         f"got shape {A.shape}")
    k = _check_tau("householder_product", A, tau, n)
    Q = eye(m, n, dtype=A.dtype, device=A._backend)
    for j in reversed(range(k)):
        v = _reflector(A, j)
        t = unsqueeze(unsqueeze(tau[..., j], -1), -1)
        Q = Q - t * unsqueeze(v, -1) * (unsqueeze(v, -2) @ Q)
    return Q


orgqr = householder_product


def ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool = True,
          transpose: bool = False) -> Tensor:
    """``Q @ other`` for the full Q = H_1 ... H_k of geqrf's reflectors (``transpose``:
    Q^T; ``left=False``: other @ Q), as LAPACK's ormqr; differentiable in every input.
    >>> xg.ormqr(a, tau, B)          # Q @ B without forming Q"""
    check_matrix("ormqr", input, square=False, name="input")
    check_matrix("ormqr", other, square=False, name="other")
    rows = other.shape[-2] if left else other.shape[-1]
    if input.shape[-2] != rows:
        raise ValueError(f"ormqr: input of shape {input.shape} does not match other of shape "
                         f"{other.shape} (input needs {rows} rows with left={left})")
    k = _check_tau("ormqr", input, tau, min(input.shape[-2:]))
    order = range(k) if left == transpose else reversed(range(k))
    C = other
    for j in order:
        v = _reflector(input, j)
        t = unsqueeze(unsqueeze(tau[..., j], -1), -1)
        if left:
            C = C - t * unsqueeze(v, -1) * (unsqueeze(v, -2) @ C)
        else:
            C = C - t * (C @ unsqueeze(v, -1)) * unsqueeze(v, -2)
    return C
