"""Registry entries of the linear algebra family (autograd/ops/linalg_*.py and ``xg.linalg``),
appended to OPS through op_db_reduce.py; import it only through op_db.

Inputs are made well conditioned by their ``adjust``: diagonally dominant matrices where an
inverse is taken, symmetric ones with separated eigenvalues for eigh (read through the
symmetric part of the input, as PyTorch's OpInfos do: the op reads one triangle, and its
gradient is the symmetric one), and matrices with separated, non-zero singular values for
the SVD family. Eigen- and singular vectors enter through sign-invariant functions (each
column times its own first entry), so a flipped column changes nothing.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import xpgrad as xg
from op_db import ErrorInput, OpInfo, _mixed, t
from op_samples import Sample, distinct
from op_db_reduce import fixed

E = ErrorInput
INF = math.inf


def P(*shapes: tuple, **kwargs: Any) -> Sample: return Sample(tuple(shapes), kwargs)


def _eye(a: Any) -> Any:
    return np.eye(a.shape[-2], a.shape[-1])


def _nonsingular(*inputs: int, negate: bool = False) -> Any:
    """Inputs ``inputs`` (default all) halved plus 4 I: diagonally dominant, symmetric part
    positive definite, det > 0 (``negate``: the first row's sign flipped, det < 0)."""
    def adjust(arrays: list, kwargs: dict, rng: Any) -> list:
        out = []
        for i, a in enumerate(arrays):
            if (not inputs or i in inputs) and a.ndim >= 2:
                a = 0.5 * a + 4.0 * _eye(a)
                if negate and a.shape[-1]:
                    a[..., 0, :] *= -1.0
            out.append(a)
        return out
    return adjust


def _spectrum(arrays: list, kwargs: dict, rng: Any) -> list:
    """The first input rebuilt as Q1 diag(s) Q2^T with orthogonal Q1, Q2 from its own values
    and separated singular values s near 3, 2, 1 (symmetric Q diag(d) Q^T, eigenvalues
    near -1.5, 0.5, 2.5, when square and kwargs asks for ``symmetric``)."""
    a = arrays[0]
    m, n = a.shape[-2:]
    k = min(m, n)
    q1 = np.linalg.qr(rng.standard_normal(a.shape[:-2] + (m, m)))[0]
    q2 = np.linalg.qr(rng.standard_normal(a.shape[:-2] + (n, n)))[0]
    spread = np.arange(k)[::-1] + 1.0 + 0.2 * rng.uniform(size=a.shape[:-2] + (k,))
    if kwargs.get("symmetric"):
        d = spread - 2.5
        return [np.matmul(q1 * d[..., None, :], np.swapaxes(q1, -1, -2))] + arrays[1:]
    return [np.matmul(q1[..., :, :k] * spread[..., None, :],
                      np.swapaxes(q2[..., :, :k], -1, -2))] + arrays[1:]


def _jittered(arrays: list, kwargs: dict, rng: Any) -> list:
    """Distinct values moved by less than their spacing, so no two sums of absolute values
    tie either (1- and inf-norms take a max of such sums)."""
    return [a + rng.uniform(0.0, 0.02, size=a.shape) for a in distinct(arrays, kwargs, rng)]


def _sym(a: Any) -> Any: return (a + a.mT) * 0.5
def _gauge(v: Any) -> Any: return v * v[..., :1, :]


# ---- NumPy references -----------------------------------------------------------------------
def _np_solve(a: Any, b: Any, left: bool = True) -> Any:
    if not left:
        return np.swapaxes(_np_solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)
    if b.ndim == 1 or b.shape == a.shape[:-1]:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


def _np_triangle(a: Any, upper: bool, unit: bool = False) -> Any:
    out = np.triu(a) if upper else np.tril(a)
    if unit:
        out = out - np.diag(np.diagonal(out)) + np.eye(a.shape[-1], dtype=a.dtype)
    return out


def _np_chol_matrix(factor: Any, upper: bool) -> Any:
    f = _np_triangle(factor, upper)
    return f.T @ f if upper else f @ f.T


def _np_qr(a: Any, mode: str) -> tuple:
    q, r = np.linalg.qr(a, mode=mode)
    return _gauge(q), r * q[..., :1, :].mT


def _np_svd(a: Any) -> tuple:
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return _gauge(u), s, _gauge(vh.mT)


def _svd_full(a: Any) -> tuple:
    U, S, Vh = xg.linalg.svd(a)                    # full matrices: the first k columns count
    k = S.shape[-1]
    return _gauge(U[..., :k]), S, _gauge(Vh[..., :k, :].mT)


MATRICES = fixed(P((3, 3)), P((2, 2, 2)), P((1, 1)), P((2, 3, 3)))
RECTANGLES = fixed(P((3, 2)), P((2, 3)), P((2, 2)), P((2, 3, 2)), P((1, 3)))
SYMMETRIC = fixed(P((3, 3), symmetric=True), P((2, 2, 2), symmetric=True),
                  P((1, 1), symmetric=True))
VECTOR_NORM_ORDS = [2, 1, INF, -INF, 0, 3, 0.5, -1]

OPS: list = [
    # ---- products ---------------------------------------------------------------------------
    OpInfo("dot", xg.dot, np.dot, samples=fixed(P((3,), (3,)), P((1,), (1,)), P((0,), (0,))),
           errors=(E(lambda d: xg.dot(t(d, 3), t(d, 2)), ValueError,
                     r"dot: inconsistent sizes \(3,\) and \(2,\)"),
                   E(lambda d: xg.dot(t(d, 2, 3), t(d, 3)), ValueError,
                     r"dot: input must be 1-D, got shape \(2, 3\)"),
                   E(lambda d: xg.dot(t(d, 2), t(d, 2, dtype="float32")), TypeError,
                     "dot: expected both tensors to have the same dtype, got float64 and float32"),
                   _mixed(xg.dot))),
    OpInfo("vdot", lambda a, b: a.vdot(b), np.vdot, samples=fixed(P((3,), (3,)))),
    OpInfo("inner", xg.inner, np.inner,
           samples=fixed(P((2, 3), (4, 3)), P((3,), (3,)), P((), (2, 3)), P((2, 1, 3), (3,))),
           errors=(E(lambda d: xg.inner(t(d, 2, 3), t(d, 2)), ValueError,
                     r"inner: the last dimensions of \(2, 3\) and \(2,\) must match"),)),
    OpInfo("outer", xg.outer, np.outer, samples=fixed(P((3,), (2,)), P((1,), (0,))),
           errors=(E(lambda d: xg.outer(t(d, 2, 2), t(d, 2)), ValueError,
                     r"outer: input must be 1-D, got shape \(2, 2\)"),)),
    OpInfo("ger", lambda a, b: a.ger(b), np.outer, samples=fixed(P((2,), (3,)))),
    OpInfo("mv", xg.mv, np.matmul, samples=fixed(P((2, 3), (3,)), P((0, 2), (2,))),
           errors=(E(lambda d: xg.mv(t(d, 2, 3), t(d, 2)), ValueError,
                     r"mv: size mismatch, got input \(2, 3\) and vec \(2,\)"),)),
    OpInfo("bmm", lambda a, b: a.bmm(b), np.matmul,
           samples=fixed(P((2, 2, 3), (2, 3, 2)), P((1, 1, 1), (1, 1, 1)), P((2, 0, 2), (2, 2, 1))),
           errors=(E(lambda d: xg.bmm(t(d, 2, 2, 3), t(d, 3, 3, 2)), ValueError,
                     r"bmm: batch sizes differ: \(2, 2, 3\) and \(3, 3, 2\)"),
                   E(lambda d: xg.bmm(t(d, 2, 2, 3), t(d, 2, 2, 3)), ValueError,
                     r"bmm: shapes \(2, 2, 3\) and \(2, 2, 3\) cannot be multiplied \(3 != 2\)"),
                   E(lambda d: xg.bmm(t(d, 2, 3), t(d, 3, 2)), ValueError,
                     r"bmm: first operand must be 3-D, got shape \(2, 3\)"))),
    OpInfo("addmm", lambda c, a, b, beta, alpha: xg.addmm(c, a, b, beta=beta, alpha=alpha),
           lambda c, a, b, beta, alpha: beta * c + alpha * (a @ b),
           samples=fixed(P((2,), (3, 2), (2, 2), beta=1, alpha=1),
                         P((3, 2), (3, 4), (4, 2), beta=0.5, alpha=-2.0),
                         P((1, 1), (2, 3), (3, 1), beta=2, alpha=1)),
           errors=(E(lambda d: xg.addmm(t(d, 3), t(d, 2, 2), t(d, 2, 2)), ValueError,
                     r"addmm: input of shape \(3,\) does not broadcast to the product's shape "
                     r"\(2, 2\)"),
                   E(lambda d: xg.addmm(t(d, 2), t(d, 2, 3), t(d, 2, 2)), ValueError,
                     r"addmm: shapes \(2, 3\) and \(2, 2\) cannot be multiplied"))),
    OpInfo("addmv", lambda c, a, v: c.addmv(a, v, beta=0.5, alpha=2),
           lambda c, a, v: 0.5 * c + 2 * (a @ v), samples=fixed(P((2,), (2, 3), (3,)),
                                                               P((), (2, 2), (2,)))),
    OpInfo("addr", lambda c, u, v: xg.addr(c, u, v, alpha=-1),
           lambda c, u, v: c - np.outer(u, v), samples=fixed(P((3, 2), (3,), (2,)),
                                                            P((2,), (1,), (2,)))),
    OpInfo("baddbmm", lambda c, a, b: xg.baddbmm(c, a, b, beta=2),
           lambda c, a, b: 2 * c + a @ b, samples=fixed(P((2, 2), (3, 2, 1), (3, 1, 2)),
                                                        P((2, 1, 3), (2, 1, 2), (2, 2, 3)))),
    OpInfo("addbmm", lambda c, a, b: c.addbmm(a, b, alpha=0.5),
           lambda c, a, b: c + 0.5 * np.sum(a @ b, 0), samples=fixed(
               P((2, 2), (3, 2, 1), (3, 1, 2)), P((1,), (2, 2, 3), (2, 3, 1)))),
    OpInfo("tensordot", lambda a, b, dims: xg.tensordot(a, b, dims),
           lambda a, b, dims: np.tensordot(a, b, dims),
           samples=fixed(P((2, 3, 2), (3, 2, 2), dims=2), P((2, 3), (3, 2), dims=([1], [0])),
                         P((2, 3, 2), (2, 2, 3), dims=([2, 1], [0, 2])), P((3,), (2,), dims=0)),
           errors=(E(lambda d: xg.tensordot(t(d, 2, 3), t(d, 2, 3), ([1], [1, 0])), ValueError,
                     "tensordot: both sides need as many dimensions"),
                   E(lambda d: xg.tensordot(t(d, 2, 3), t(d, 2, 3), 1), ValueError,
                     r"tensordot: contracted dimension 1 of \(2, 3\) and 0 of \(2, 3\) differ"))),
    OpInfo("kron", xg.kron, np.kron, samples=fixed(P((2, 3), (3, 2)), P((2,), (2, 3)),
                                                   P((), (2,)), P((2, 1, 2), (1, 2)))),
    OpInfo("trace", lambda a: a.trace(), np.trace,
           samples=fixed(P((3, 3)), P((2, 3)), P((1, 1)), P((0, 2))),
           errors=(E(lambda d: xg.trace(t(d, 2, 2, 2)), ValueError,
                     r"trace: input must be 2-D, got shape \(2, 2, 2\)"),)),
    OpInfo("multi_dot", lambda *ts: xg.linalg.multi_dot(ts), lambda *xs: np.linalg.multi_dot(xs),
           samples=fixed(P((3,), (3, 2), (2,)), P((2, 3), (3, 3), (3, 2)), P((2, 3), (3,)),
                         P((1, 2), (2, 2), (2, 3), (3, 1))),
           errors=(E(lambda d: xg.linalg.multi_dot([t(d, 2)]), ValueError,
                     "multi_dot: expected at least 2 tensors, got 1"),
                   E(lambda d: xg.linalg.multi_dot([t(d, 2), t(d, 2), t(d, 2)]), ValueError,
                     r"multi_dot: tensor 1 must be 2-D, got shape \(2,\)"))),
    OpInfo("vecdot", lambda a, b, dim: xg.linalg.vecdot(a, b, dim=dim),
           lambda a, b, dim: np.sum(a * b, axis=dim),
           samples=fixed(P((2, 3), (3,), dim=-1), P((2, 1, 3), (4, 3), dim=-1),
                         P((3, 2), (3, 1), dim=0)),
           errors=(E(lambda d: xg.linalg.vecdot(t(d, 2, 3), t(d, 2)), ValueError,
                     r"vecdot: dimension -1 of \(2, 3\) and \(2,\) differ"),)),
    OpInfo("einsum", lambda *ts, eq: xg.einsum(eq, *ts), lambda *xs, eq: np.asarray(
        np.einsum(eq, *xs)), samples=fixed(
            P((2, 3), (3, 2), eq="ij,jk->ik"), P((2, 2, 3), (2, 3, 2), eq="bij,bjk->bik"),
            P((2, 3), (3, 2), eq="ij,jk"), P((3, 3), eq="ii"), P((3, 3), eq="ii->i"),
            P((2, 2, 2), eq="iii->i"), P((2, 3, 2), eq="abc->cab"), P((2, 3), eq="ab->"),
            P((3,), (2,), eq="i,j->ij"), P((2, 3), (2, 3), eq="ij,ij->i"),
            P((2, 2, 3), (3, 2), eq="...ij,jk->...ik"), P((2, 3), (1, 3), eq="...j,...j->..."),
            P((2, 2, 3), eq="a...c->c...a"), P((3,), (3, 2), (2,), eq="i,ij,j->"),
            P((2, 3, 2), (2, 2, 2), (2, 3), eq="bij,bjk,bl->bikl"), P((2, 0), (0, 3),
                                                                     eq="ij,jk->ik")),
        errors=(E(lambda d: xg.einsum("ij,jk->ik", t(d, 2, 3)), ValueError,
                  r"einsum: 2 term\(s\) for 1 operand\(s\) \(equation 'ij,jk->ik'\)"),
                E(lambda d: xg.einsum("i1->i", t(d, 2, 3)), ValueError,
                  "einsum: invalid subscript '1'"),
                E(lambda d: xg.einsum("ij,jk->ik", t(d, 2, 3), t(d, 2, 3)), ValueError,
                  "einsum: subscript 'j' has sizes 3 and 2"),
                E(lambda d: xg.einsum("ij->k", t(d, 2, 3)), ValueError,
                  "einsum: output subscript 'k' appears in no input term"),
                E(lambda d: xg.einsum("ijk->i", t(d, 2, 3)), ValueError,
                  r"einsum: term 'ijk' does not match an operand of shape \(2, 3\)"),
                _mixed(lambda a, b: xg.einsum("i,i", a, b)))),

    # ---- inverses, determinants, solves --------------------------------------------------------
    OpInfo("inv", xg.linalg.inv, np.linalg.inv, samples=fixed(*MATRICES.edges, P((0, 0))),
           adjust=_nonsingular(),
           errors=(E(lambda d: xg.linalg.inv(t(d, 2, 3)), ValueError,
                     r"inv: A must be a \(batch of\) square matrices, got shape \(2, 3\)"),
                   E(lambda d: xg.linalg.inv(t(d, 3)), ValueError,
                     r"inv: A must have at least 2 dimensions, got shape \(3,\)"),
                   E(lambda d: xg.inverse(t(d, 2, 2, dtype="int64")), TypeError,
                     "inv: expected a floating point tensor, got int64"),
                   E(lambda d: xg.linalg.inv(t(d, 2, 2)), ValueError, "inv: .*[Ss]ingular"))),
    OpInfo("inverse", lambda a: a.inverse(), np.linalg.inv, samples=fixed(P((2, 2))),
           adjust=_nonsingular()),
    OpInfo("det", xg.det, np.linalg.det, samples=MATRICES, adjust=_nonsingular()),
    OpInfo("det_negative", lambda a: xg.linalg.det(a), np.linalg.det, samples=MATRICES,
           adjust=_nonsingular(negate=True)),
    OpInfo("slogdet", lambda a: tuple(xg.linalg.slogdet(a)),
           lambda a: tuple(np.linalg.slogdet(a)), samples=MATRICES,
           adjust=_nonsingular(negate=True)),
    OpInfo("logdet", lambda a: a.logdet(), lambda a: np.linalg.slogdet(a)[1], samples=MATRICES,
           adjust=_nonsingular()),
    OpInfo("solve", lambda a, b, left: xg.linalg.solve(a, b, left=left), _np_solve,
           samples=fixed(P((3, 3), (3,), left=True), P((3, 3), (3, 2), left=True),
                         P((2, 3, 3), (2, 3), left=True), P((3, 3), (2, 3, 1), left=True),
                         P((2, 2), (3, 2), left=False), P((1, 1), (1, 1), left=True)),
           adjust=_nonsingular(0),
           errors=(E(lambda d: xg.linalg.solve(t(d, 3, 3), t(d, 2, 1)), ValueError,
                     r"solve: A of shape \(3, 3\) and B of shape \(2, 1\) do not match"),
                   _mixed(lambda a, b: xg.linalg.solve(xg.eye(2, dtype="float64",
                                                              device=a.device), b)))),
    OpInfo("solve_triangular", lambda a, b, upper, unit, left: xg.linalg.solve_triangular(
        a, b, upper=upper, unitriangular=unit, left=left),
        lambda a, b, upper, unit, left: _np_solve(_np_triangle(a, upper, unit), b, left),
        samples=fixed(P((3, 3), (3, 2), upper=True, unit=False, left=True),
                      P((3, 3), (3, 1), upper=False, unit=True, left=True),
                      P((2, 2), (3, 2), upper=True, unit=False, left=False)),
        adjust=_nonsingular(0),
        errors=(E(lambda d: xg.linalg.solve_triangular(t(d, 2, 2), t(d, 2), upper=True),
                  ValueError, r"solve_triangular: B must have at least 2 dimensions"),)),
    OpInfo("cholesky", lambda a, upper: xg.linalg.cholesky(_sym(a), upper=upper),
           lambda a, upper: np.linalg.cholesky(_sym(a)).mT if upper else
           np.linalg.cholesky(_sym(a)),
           samples=fixed(P((3, 3), upper=False), P((2, 2, 2), upper=True), P((1, 1), upper=False)),
           adjust=_nonsingular(),
           errors=(E(lambda d: xg.linalg.cholesky(-t(d, 2, 2)), ValueError,
                     "cholesky: .*positive definite"),)),
    OpInfo("cholesky_top", lambda a: xg.cholesky(_sym(a)), lambda a: np.linalg.cholesky(_sym(a)),
           samples=fixed(P((2, 2))), adjust=_nonsingular()),
    OpInfo("cholesky_solve", lambda b, f, upper: b.cholesky_solve(f, upper),
           lambda b, f, upper: np.linalg.solve(_np_chol_matrix(f, upper), b),
           samples=fixed(P((3, 2), (3, 3), upper=False), P((2, 1), (2, 2), upper=True)),
           adjust=_nonsingular(1)),
    OpInfo("cholesky_inverse", lambda f, upper: xg.cholesky_inverse(f, upper),
           lambda f, upper: np.linalg.inv(_np_chol_matrix(f, upper)),
           samples=fixed(P((3, 3), upper=False), P((2, 2), upper=True)), adjust=_nonsingular()),
    OpInfo("matrix_power", lambda a, n: xg.linalg.matrix_power(a, n), np.linalg.matrix_power,
           samples=fixed(*(P((2, 2), n=n) for n in (0, 1, 2, 3, -1, -2)), P((2, 3, 3), n=2)),
           adjust=_nonsingular(),
           errors=(E(lambda d: xg.matrix_power(t(d, 2, 3), 2), ValueError,
                     r"matrix_power: A must be a \(batch of\) square matrices, got shape \(2, 3\)"),
                   E(lambda d: xg.matrix_power(t(d, 2, 2), 1.5), TypeError,
                     "matrix_power: n must be an int"))),
    OpInfo("cross", lambda a, b: xg.linalg.cross(a, b), lambda a, b: np.cross(a, b),
           samples=fixed(P((3,), (3,)), P((2, 3), (3,)), P((2, 1, 3), (2, 3))),
           errors=(E(lambda d: xg.linalg.cross(t(d, 2), t(d, 2)), ValueError,
                     r"cross: dimension -1 must have size 3 in both inputs, got shapes \(2,\)"),
                   E(lambda d: xg.linalg.cross(t(d, 2, 3), t(d, 4, 3)), ValueError,
                     r"cross: shapes \(2, 3\) and \(4, 3\) do not broadcast"))),
    OpInfo("cross_dim", lambda a, b, dim: xg.cross(a, b, dim), lambda a, b, dim: np.cross(
        a, b, axis=dim if dim is not None else 0), samples=fixed(P((3, 2), (3, 2), dim=None),
                                                                 P((2, 3, 2), (2, 3, 2), dim=1))),

    # ---- decompositions -------------------------------------------------------------------------
    OpInfo("eigh", lambda a, symmetric, UPLO="L": (lambda r: (r.eigenvalues, _gauge(
        r.eigenvectors)))(xg.linalg.eigh(_sym(a), UPLO)),
           lambda a, symmetric: (lambda w, v: (w, _gauge(v)))(*np.linalg.eigh(_sym(a))),
           samples=SYMMETRIC, adjust=_spectrum,
           errors=(E(lambda d: xg.linalg.eigh(t(d, 2, 2), UPLO="X"), ValueError,
                     "eigh: UPLO must be 'L' or 'U', got 'X'"),
                   E(lambda d: xg.linalg.eigh(t(d, 2, 3)), ValueError,
                     r"eigh: A must be a \(batch of\) square matrices"))),
    OpInfo("eigh_upper", lambda a, symmetric: xg.linalg.eigh(_sym(a), UPLO="U").eigenvalues,
           lambda a, symmetric: np.linalg.eigvalsh(_sym(a)), samples=SYMMETRIC, adjust=_spectrum),
    OpInfo("eigvalsh", lambda a, symmetric: xg.linalg.eigvalsh(_sym(a)),
           lambda a, symmetric: np.linalg.eigvalsh(_sym(a)), samples=SYMMETRIC, adjust=_spectrum),
    OpInfo("qr", lambda a, mode: (lambda q, r: (_gauge(q), r * q[..., :1, :].mT))(
        *xg.linalg.qr(a, mode)), _np_qr,
           samples=fixed(P((3, 2), mode="reduced"), P((2, 2), mode="reduced"),
                         P((2, 3), mode="reduced"), P((2, 3, 2), mode="reduced"),
                         P((2, 3), mode="complete"), P((2, 2), mode="complete")),
           adjust=_spectrum,
           errors=(E(lambda d: xg.linalg.qr(t(d, 2, 2), mode="r"), ValueError,
                     "qr: mode must be 'reduced' or 'complete', got 'r'"),)),
    OpInfo("qr_top", lambda a: a.qr().R.abs(), lambda a: np.abs(np.linalg.qr(a)[1]),
           samples=fixed(P((3, 2))), adjust=_spectrum),
    OpInfo("svd", lambda a: tuple(_svd_full(a)), _np_svd, samples=RECTANGLES, adjust=_spectrum),
    OpInfo("svd_reduced", lambda a: (lambda u, s, vh: (_gauge(u), s, _gauge(vh.mT)))(
        *xg.linalg.svd(a, full_matrices=False)), _np_svd, samples=RECTANGLES, adjust=_spectrum),
    OpInfo("svd_top", lambda a: (lambda u, s, v: (_gauge(u), s, _gauge(v)))(*a.svd()), _np_svd,
           samples=fixed(P((3, 2)), P((2, 3))), adjust=_spectrum),
    OpInfo("svdvals", xg.linalg.svdvals, lambda a: np.linalg.svd(a, compute_uv=False),
           samples=RECTANGLES, adjust=_spectrum),
    OpInfo("pinv", lambda a: xg.linalg.pinv(a), np.linalg.pinv, samples=RECTANGLES,
           adjust=_spectrum,
           errors=(E(lambda d: xg.linalg.pinv(t(d, 2, 2), atol=t(d)), TypeError,
                     "pinv: atol must be a float, got a Tensor"),)),
    OpInfo("pinverse", lambda a: a.pinverse(), np.linalg.pinv, samples=fixed(P((3, 2))),
           adjust=_spectrum),
    OpInfo("matrix_rank", xg.linalg.matrix_rank,
           lambda a: np.asarray(np.linalg.matrix_rank(a), dtype=np.int64),
           samples=fixed(P((3, 3)), P((2, 3)), P((2, 3, 2))), differentiable=False,
           adjust=lambda a, k, r: [np.concatenate([a[0][..., :-1, :], a[0][..., :1, :]], -2)]),

    # ---- norms ----------------------------------------------------------------------------------
    OpInfo("vector_norm", lambda x, ord, dim, keepdim: xg.linalg.vector_norm(x, ord, dim, keepdim),
           lambda x, ord, dim, keepdim: np.asarray(np.linalg.vector_norm(
               x, axis=dim, keepdims=keepdim, ord=ord)),
           samples=fixed(*(P((2, 3), ord=o, dim=None, keepdim=False) for o in VECTOR_NORM_ORDS),
                         P((2, 3), ord=2, dim=1, keepdim=True), P((3, 2, 2), ord=1, dim=(0, 2),
                                                                  keepdim=False),
                         P((3,), ord=INF, dim=-1, keepdim=True), P((), ord=2, dim=None,
                                                                   keepdim=False),
                         P((2, 0), ord=2, dim=1, keepdim=False)),
           adjust=_jittered,
           errors=(E(lambda d: xg.linalg.vector_norm(t(d, 2, dtype="int64")), TypeError,
                     "vector_norm: expected a floating point tensor, got int64"),
                   E(lambda d: xg.linalg.vector_norm(t(d, 2), "fro"), TypeError,
                     "vector_norm: ord must be a number"))),
    OpInfo("matrix_norm", lambda a, ord, dim, keepdim: xg.linalg.matrix_norm(a, ord, dim, keepdim),
           lambda a, ord, dim, keepdim: np.asarray(np.linalg.norm(a, ord, dim, keepdim)),
           samples=fixed(*(P((2, 3), ord=o, dim=(-2, -1), keepdim=False)
                           for o in ("fro", 1, -1, INF, -INF)),
                         P((2, 3, 2), ord=1, dim=(0, 2), keepdim=True),
                         P((2, 2, 3), ord=INF, dim=(-1, 0), keepdim=False)),
           adjust=_jittered,
           errors=(E(lambda d: xg.linalg.matrix_norm(t(d, 2, 2), 3), ValueError,
                     "matrix_norm: ord must be 'fro', 'nuc'"),
                   E(lambda d: xg.linalg.matrix_norm(t(d, 2)), ValueError,
                     r"matrix_norm: A must have at least 2 dimensions, got shape \(2,\)"))),
    OpInfo("matrix_norm_spectral", lambda a, ord, keepdim: xg.linalg.matrix_norm(
        a, ord, keepdim=keepdim),
           lambda a, ord, keepdim: np.asarray(np.linalg.norm(a, ord, (-2, -1), keepdim)),
           samples=fixed(P((2, 3), ord="nuc", keepdim=False), P((3, 2), ord=2, keepdim=True),
                         P((2, 3, 2), ord=-2, keepdim=False), P((2, 2), ord="nuc", keepdim=True)),
           adjust=_spectrum),
    OpInfo("linalg_norm", lambda a, ord, dim: xg.linalg.norm(a, ord, dim),
           lambda a, ord, dim: np.asarray(np.linalg.norm(a, ord, dim)),
           samples=fixed(P((2, 3), ord=None, dim=None), P((3,), ord=3, dim=None),
                         P((2, 3), ord=INF, dim=None), P((2, 3), ord=1, dim=1),
                         P((2, 3, 2), ord="fro", dim=(0, 2))),
           adjust=_jittered,
           errors=(E(lambda d: xg.linalg.norm(t(d, 2, 2, 2), 2), ValueError,
                     "norm: with ord=2 and no dim, A must be 1-D or 2-D"),)),
    OpInfo("norm", lambda a, p, dim: a.norm(p, dim), lambda a, p, dim: np.asarray(
        np.linalg.norm(a.reshape(-1) if dim is None else a, None if p == "fro" else p, dim)),
           samples=fixed(P((2, 3), p="fro", dim=None), P((2, 3, 2), p="fro", dim=(0, 1)),
                         P((2, 3), p=1, dim=1), P((2, 3), p=INF, dim=None)),
           adjust=_jittered),
]
