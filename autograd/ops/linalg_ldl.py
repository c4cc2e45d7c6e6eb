"""LDL^T factorisation of symmetric matrices with Bunch-Kaufman pivoting, in LAPACK's compact
form (sytrf/sytrs, lower triangle): linalg.ldl_factor, ldl_factor_ex and ldl_solve.

The pivoting decisions read every entry, so the factorisation runs on the host, in Python,
one matrix at a time: LAPACK's unblocked dsytf2 step for step (which is what sytrf does for
matrices up to its block size, 64), so ``LD`` and ``pivots`` match LAPACK's and torch's and
interoperate with them. It is O(n^3) interpreted: meant for small and medium matrices. Not
differentiable, as torch's. ``ldl_solve`` is LAPACK's sytrs written with Tensor ops on the
device (host reads of the pivots only), differentiable in B."""
from __future__ import annotations

import math
from typing import NamedTuple

from ...dtypes import int32
from ..factories import tensor
from ..tensor import Tensor
from ._util import require_tensor
from .linalg_decomp import check_matrix
from .shape import concat, stack

__all__: list[str] = []

_ALPHA = (1.0 + math.sqrt(17.0)) / 8.0


def _dsytf2(a: list) -> tuple:
    """LAPACK's dsytf2 (UPLO='L') on a list of rows, in place: (pivots 1-based, info)."""
    n = len(a)
    ipiv = [0] * n
    info = 0
    k = 0
    while k < n:
        kstep = 1
        absakk = abs(a[k][k])
        imax, colmax = k, 0.0
        if k < n - 1:
            imax = max(range(k + 1, n), key=lambda i: (abs(a[i][k]), -i))
            colmax = abs(a[imax][k])
        if max(absakk, colmax) == 0.0 or math.isnan(absakk) or math.isnan(colmax):
            info = info or k + 1
            kp = k
        else:
            if absakk >= _ALPHA * colmax:
                kp = k
            else:
                jmax = max(range(k, imax), key=lambda j: (abs(a[imax][j]), -j))
                rowmax = abs(a[imax][jmax])
                if imax < n - 1:
                    jmax = max(range(imax + 1, n), key=lambda j: (abs(a[j][imax]), -j))
                    rowmax = max(rowmax, abs(a[jmax][imax]))
                if absakk >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif abs(a[imax][imax]) >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:                                  # swap kk and kp in A(k:n, k:n)
                for i in range(kp + 1, n):
                    a[i][kk], a[i][kp] = a[i][kp], a[i][kk]
                for j in range(kk + 1, kp):
                    a[j][kk], a[kp][j] = a[kp][j], a[j][kk]
                a[kk][kk], a[kp][kp] = a[kp][kp], a[kk][kk]
                if kstep == 2:
                    a[k + 1][k], a[kp][k] = a[kp][k], a[k + 1][k]
            if kstep == 1:
                if k < n - 1:
                    d11 = 1.0 / a[k][k]
                    for j in range(k + 1, n):
                        f = d11 * a[j][k]
                        for i in range(j, n):
                            a[i][j] -= a[i][k] * f
                    for i in range(k + 1, n):
                        a[i][k] *= d11
            elif k < n - 2:
                d21 = a[k + 1][k]
                d11, d22 = a[k + 1][k + 1] / d21, a[k][k] / d21
                t = 1.0 / (d11 * d22 - 1.0)
                d21 = t / d21
                for j in range(k + 2, n):
                    wk = d21 * (d11 * a[j][k] - a[j][k + 1])
                    wkp1 = d21 * (d22 * a[j][k + 1] - a[j][k])
                    for i in range(j, n):
                        a[i][j] -= a[i][k] * wk + a[i][k + 1] * wkp1
                    a[j][k], a[j][k + 1] = wk, wkp1
        if kstep == 1:
            ipiv[k] = kp + 1
        else:
            ipiv[k] = ipiv[k + 1] = -(kp + 1)
        k += kstep
    return ipiv, info


class LDLFactorResult(NamedTuple):
    """What ``xg.linalg.ldl_factor`` returns: ``LD, pivots``."""
    LD: Tensor
    pivots: Tensor


class LDLFactorExResult(NamedTuple):
    """What ``xg.linalg.ldl_factor_ex`` returns: ``LD, pivots, info``."""
    LD: Tensor
    pivots: Tensor
    info: Tensor


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False,
                  check_errors: bool = False) -> LDLFactorExResult:
    """``LD, pivots, info`` of ``A = L D L^T`` (Bunch-Kaufman, A's lower triangle read): L's
    multipliers below D's diagonal in LD (the upper triangle zero), D's 2x2 blocks marked by
    negative pivots, as LAPACK's sytrf; ``info`` > 0 names a zero pivot of D. Runs on the host.
    >>> LD, pivots, info = xg.linalg.ldl_factor_ex(A)"""
    check_matrix("ldl_factor_ex", A)
    n = A.shape[-1]
    batch = tuple(A.shape[:-2])
    flat = A.detach().reshape(-1, n, n).tolist()
    lds, pivs, infos = [], [], []
    for a in flat:
        ipiv, info = _dsytf2(a)
        lds.append([[a[i][j] if j <= i else 0.0 for j in range(n)] for i in range(n)])
        pivs.append(ipiv)
        infos.append(info)
    if check_errors and any(infos):
        raise RuntimeError(f"ldl_factor_ex: D has a zero pivot for A of shape {A.shape} (info "
                           f"{infos if batch else infos[0]})")
    LD = tensor(lds, dtype=A.dtype, device=A._backend).reshape(batch + (n, n))
    pivots = tensor(pivs, dtype=int32, device=A._backend).reshape(batch + (n,))
    info = tensor(infos, dtype=int32, device=A._backend).reshape(batch)
    return LDLFactorExResult(LD, pivots, info)


def ldl_factor(A: Tensor, *, hermitian: bool = False) -> LDLFactorResult:
    """``LD, pivots`` of ``A = L D L^T`` (see ldl_factor_ex); a zero pivot of D raises.
    >>> LD, pivots = xg.linalg.ldl_factor(A)"""
    LD, pivots, info = ldl_factor_ex(A, hermitian=hermitian)
    if bool((info > 0).any().item()):
        raise RuntimeError(f"ldl_factor: D has a zero pivot for A of shape {A.shape} (info "
                           f"{info.tolist()}); the matrix is singular")
    return LDLFactorResult(LD, pivots)


def _swap(B: Tensor, i: int, j: int) -> Tensor:
    if i == j:
        return B
    rows = list(range(B.shape[0]))
    rows[i], rows[j] = j, i
    return B[tensor(rows, device=B._backend)]


def _with_rows(B: Tensor, start: int, stop: int, new: Tensor) -> Tensor:
    return concat([B[:start], new, B[stop:]], 0)


def _dsytrs(LD: Tensor, ipiv: list, B: Tensor) -> Tensor:
    """LAPACK's dsytrs (lower) for one matrix: B (n, nrhs)."""
    n = LD.shape[-1]
    k = 0
    while k < n:                                            # L D Y = P^T B
        if ipiv[k] > 0:
            B = _swap(B, k, ipiv[k] - 1)
            if k < n - 1:
                B = _with_rows(B, k + 1, n, B[k + 1:] - LD[k + 1:, k:k + 1] * B[k:k + 1])
            B = _with_rows(B, k, k + 1, B[k:k + 1] / LD[k, k])
            k += 1
        else:
            B = _swap(B, k + 1, -ipiv[k] - 1)
            if k < n - 2:
                B = _with_rows(B, k + 2, n, B[k + 2:] - LD[k + 2:, k:k + 1] * B[k:k + 1]
                               - LD[k + 2:, k + 1:k + 2] * B[k + 1:k + 2])
            akm1k = LD[k + 1, k]
            akm1, ak = LD[k, k] / akm1k, LD[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1.0
            bkm1, bk = B[k] / akm1k, B[k + 1] / akm1k
            B = _with_rows(B, k, k + 2, stack([(ak * bkm1 - bk) / denom,
                                               (akm1 * bk - bkm1) / denom], 0))
            k += 2
    k = n - 1
    while k >= 0:                                           # L^T X = Y, then P
        if ipiv[k] > 0:
            if k < n - 1:
                B = _with_rows(B, k, k + 1, B[k:k + 1] - LD[k + 1:, k:k + 1].mT @ B[k + 1:])
            B = _swap(B, k, ipiv[k] - 1)
            k -= 1
        else:
            if k < n - 1:
                B = _with_rows(B, k, k + 1, B[k:k + 1] - LD[k + 1:, k:k + 1].mT @ B[k + 1:])
                B = _with_rows(B, k - 1, k, B[k - 1:k] - LD[k + 1:, k - 1:k].mT @ B[k + 1:])
            B = _swap(B, k, -ipiv[k] - 1)
            k -= 2
    return B


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False) -> Tensor:
    """X with ``A X = B`` from A's ldl_factor (LAPACK's sytrs); differentiable in B and LD.
    >>> X = xg.linalg.ldl_solve(*xg.linalg.ldl_factor(A), B)"""
    check_matrix("ldl_solve", LD, name="LD")
    require_tensor(pivots, "ldl_solve")
    require_tensor(B, "ldl_solve")
    n = LD.shape[-1]
    if B.ndim < 2 or B.shape[-2] != n:
        raise ValueError(f"ldl_solve: B of shape {B.shape} does not match LD of shape "
                         f"{LD.shape} (B needs at least 2 dimensions and {n} rows)")
    batch = tuple(LD.shape[:-2])
    if tuple(pivots.shape) != batch + (n,):
        raise ValueError(f"ldl_solve: pivots of shape {pivots.shape} do not match LD of shape "
                         f"{LD.shape}")
    out_batch = _broadcast(batch, tuple(B.shape[:-2]))
    LDb = LD.expand(*out_batch, n, n).reshape(-1, n, n)
    Bb = B.expand(*out_batch, *B.shape[-2:]).reshape(-1, *B.shape[-2:])
    pivs = pivots.expand(*out_batch, n).reshape(-1, n).tolist()
    X = [_dsytrs(LDb[i], pivs[i], Bb[i]) for i in range(Bb.shape[0])]
    return stack(X, 0).reshape(out_batch + tuple(B.shape[-2:]))


def _broadcast(a: tuple, b: tuple) -> tuple:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    if any(x != y and 1 not in (x, y) for x, y in zip(a, b)):
        raise ValueError(f"ldl_solve: batch shapes {a} and {b} do not broadcast")
    return tuple(max(x, y) for x, y in zip(a, b))
