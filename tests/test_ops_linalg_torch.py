"""Linear algebra (autograd/ops/linalg_*.py) and the ``xg.linalg`` namespace against PyTorch
(skipped without it): values, dtypes, shapes, gradients, named-tuple fields, batches,
einsum equations and errors, on cpu and strict:device1. Decompositions are compared through
functions their sign conventions do not change (a vector times its own first entry)."""
from __future__ import annotations

import math
import types
from typing import Any, Callable

import numpy as np
import pytest

import xpgrad as xg
from test_ops_reduce_torch import RNG, T, _DEVICE, compare

torch = pytest.importorskip("torch")


def _spd(*batch_n: int) -> np.ndarray:
    *batch, n = batch_n
    a = RNG.standard_normal((*batch, n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n) + np.diag(np.arange(n) * 0.7)


M23 = RNG.standard_normal((2, 3))
M32 = RNG.standard_normal((3, 2))
M33 = RNG.standard_normal((3, 3)) + 2 * np.eye(3)          # well conditioned
B233 = RNG.standard_normal((2, 3, 3)) + 2 * np.eye(3)
B234 = RNG.standard_normal((2, 3, 4))
B242 = RNG.standard_normal((2, 4, 2))
V3 = RNG.standard_normal(3)
V2 = RNG.standard_normal(2)
V4 = RNG.standard_normal(4)
SPD = _spd(3)
BSPD = _spd(2, 3)
W3 = RNG.standard_normal((2, 3, 3))        # rows of 3-vectors for cross
NEG = np.array([[0.0, 1.0], [1.0, 0.0]])   # det -1
F32 = RNG.standard_normal((3, 3)).astype(np.float32) + 2 * np.eye(3, dtype=np.float32)
INF = math.inf


def _gauge(V: Any) -> Any:
    """Each column times its first entry: unchanged when a column flips sign."""
    return V * V[..., :1, :]


CASES: list[tuple[str, tuple, Callable]] = [
    # ---- products -------------------------------------------------------------------------
    ("dot", (V3, V3[::-1].copy()), lambda m, a, b: m.dot(a, b)),
    ("vdot", (V3, V3 * 2), lambda m, a, b: a.vdot(b)),
    ("inner", (B234, M23[:, :1] * V4), lambda m, a, b: m.inner(a, b)),
    ("inner_0d", (V3, np.array(2.0)), lambda m, a, b: a.inner(b)),
    ("outer", (V3, V2), lambda m, a, b: m.outer(a, b)),
    ("ger", (V3, V2), lambda m, a, b: a.ger(b)),
    ("mv", (M23, V3), lambda m, a, v: m.mv(a, v)),
    ("bmm", (B234, RNG.standard_normal((2, 4, 2))), lambda m, a, b: a.bmm(b)),
    ("mm", (M23, M32), lambda m, a, b: m.mm(a, b)),
    ("addmm", (V2, M23, M32), lambda m, c, a, b: m.addmm(c, a, b)),
    ("addmm_scaled", (M23[:, :2], M23, M32),
     lambda m, c, a, b: c.addmm(a, b, beta=0.5, alpha=-2.0)),
    ("addmm_beta0", (M23[:, :2], M23, M32), lambda m, c, a, b: m.addmm(c, a, b, beta=0)),
    ("addmv", (V2, M23, V3), lambda m, c, a, v: m.addmv(c, a, v, alpha=3)),
    ("addr", (M32, V3, V2), lambda m, c, u, v: c.addr(u, v, beta=2)),
    ("baddbmm", (RNG.standard_normal((3, 2)), B234, B242),
     lambda m, c, a, b: m.baddbmm(c, a, b, alpha=0.5)),
    ("addbmm", (RNG.standard_normal((3, 2)), B234, B242),
     lambda m, c, a, b: c.addbmm(a, b, beta=-1)),
    ("tensordot_int", (B234, RNG.standard_normal((3, 4, 2))),
     lambda m, a, b: m.tensordot(a, b, 2)),
    ("tensordot_lists", (B234, RNG.standard_normal((4, 2, 5))),
     lambda m, a, b: m.tensordot(a, b, ([2, 0], [0, 1]))),
    ("tensordot_0", (V3, V2), lambda m, a, b: m.tensordot(a, b, 0)),
    ("kron", (M23, M32), lambda m, a, b: m.kron(a, b)),
    ("kron_mixed_ndim", (V2, B234), lambda m, a, b: a.kron(b)),
    ("trace", (M33,), lambda m, a: a.trace()),
    ("trace_rect", (M23,), lambda m, a: m.trace(a)),
    ("multi_dot", (V3, M32, RNG.standard_normal((2, 4)), V4),
     lambda m, a, b, c, d: m.linalg.multi_dot([a, b, c, d])),
    ("multi_dot_matrices", (M23, M32, M23), lambda m, a, b, c: m.linalg.multi_dot([a, b, c])),
    ("vecdot", (B234, V4), lambda m, a, b: m.linalg.vecdot(a, b)),
    ("vecdot_dim", (B234, RNG.standard_normal((3, 1))),
     lambda m, a, b: m.linalg.vecdot(a, b, dim=-2)),
    ("linalg_matmul", (B234, V4), lambda m, a, b: m.linalg.matmul(a, b)),
    ("linalg_diagonal", (B234,), lambda m, a: m.linalg.diagonal(a, offset=1)),
    # ---- inverses, determinants, solves ---------------------------------------------------
    ("inv", (M33,), lambda m, a: m.linalg.inv(a)),
    ("inv_batch", (B233,), lambda m, a: a.inverse()),
    ("inverse", (M33,), lambda m, a: m.inverse(a)),
    ("inv_float32", (F32,), lambda m, a: m.linalg.inv(a)),
    ("det", (M33,), lambda m, a: m.det(a)),
    ("det_batch", (B233,), lambda m, a: m.linalg.det(a)),
    ("det_method", (NEG,), lambda m, a: a.det()),
    ("slogdet", (B233,), lambda m, a: m.linalg.slogdet(a)),
    ("slogdet_neg", (NEG,), lambda m, a: m.slogdet(a)),
    ("slogdet_fields", (M33,), lambda m, a: (a.slogdet().sign, m.linalg.slogdet(a).logabsdet)),
    ("logdet", (SPD,), lambda m, a: m.logdet(a)),
    ("logdet_negative_is_nan", (NEG,), lambda m, a: a.logdet()),
    ("solve", (M33, V3), lambda m, a, b: m.linalg.solve(a, b)),
    ("solve_matrix", (M33, M32), lambda m, a, b: m.linalg.solve(a, b)),
    ("solve_batch", (B233, RNG.standard_normal((2, 3, 2))), lambda m, a, b: m.linalg.solve(a, b)),
    ("solve_batch_vector", (B233, RNG.standard_normal((2, 3))),
     lambda m, a, b: m.linalg.solve(a, b)),
    ("solve_broadcast", (M33, RNG.standard_normal((2, 3, 2))),
     lambda m, a, b: m.linalg.solve(a, b)),
    ("solve_right", (M33, M23), lambda m, a, b: m.linalg.solve(a, b, left=False)),
    ("solve_triangular_upper", (M33, M32),
     lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True)),
    ("solve_triangular_lower_unit", (M33, M32),
     lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False, unitriangular=True)),
    ("solve_triangular_right", (M33, M23),
     lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True, left=False)),
    ("cholesky", (SPD,), lambda m, a: m.linalg.cholesky(a)),
    ("cholesky_batch_upper", (BSPD,), lambda m, a: m.linalg.cholesky(a, upper=True)),
    ("cholesky_top", (SPD,), lambda m, a: m.cholesky(a)),
    ("cholesky_solve", (M32, SPD), lambda m, b, a: m.cholesky_solve(b, m.linalg.cholesky(a))),
    ("cholesky_solve_upper", (M32, SPD),
     lambda m, b, a: b.cholesky_solve(m.linalg.cholesky(a, upper=True), upper=True)),
    ("cholesky_inverse", (SPD,), lambda m, a: m.cholesky_inverse(m.linalg.cholesky(a))),
    ("cholesky_inverse_upper", (SPD,),
     lambda m, a: m.linalg.cholesky(a, upper=True).cholesky_inverse(upper=True)),
    ("matrix_power_3", (M33,), lambda m, a: m.linalg.matrix_power(a, 3)),
    ("matrix_power_0", (B233,), lambda m, a: m.matrix_power(a, 0)),
    ("matrix_power_1", (M33,), lambda m, a: a.matrix_power(1)),
    ("matrix_power_neg", (M33,), lambda m, a: m.linalg.matrix_power(a, -2)),
    ("cross", (W3, W3[::-1].copy()), lambda m, a, b: m.linalg.cross(a, b)),
    ("cross_dim", (W3, W3[:, ::-1].copy()), lambda m, a, b: m.cross(a, b, dim=1)),
    ("cross_default_dim", (RNG.standard_normal((3, 2)), RNG.standard_normal((3, 2))),
     lambda m, a, b: m.cross(a, b)),
    ("cross_broadcast", (W3, V3[None, None]), lambda m, a, b: m.linalg.cross(a, b)),
    # ---- decompositions (through sign-invariant functions) --------------------------------
    ("eigh", (SPD,), lambda m, a: (m.linalg.eigh(a).eigenvalues,
                                   _gauge(m.linalg.eigh(a).eigenvectors))),
    ("eigh_batch_upper", (BSPD,),
     lambda m, a: [f(v) for f, v in zip((lambda w: w, _gauge), m.linalg.eigh(a, UPLO="U"))]),
    ("eigh_reads_lower", (M33,), lambda m, a: m.linalg.eigh(a).eigenvalues),
    ("eigvalsh", (BSPD,), lambda m, a: m.linalg.eigvalsh(a)),
    ("eigvalsh_upper", (M33,), lambda m, a: m.linalg.eigvalsh(a, UPLO="U")),
    ("qr", (RNG.standard_normal((4, 3)),), lambda m, a: (
        _gauge(m.linalg.qr(a).Q), m.linalg.qr(a).R * m.linalg.qr(a).Q[..., :1, :].mT)),
    ("qr_wide", (M23,), lambda m, a: [f(v) for f, v in zip(
        (_gauge, lambda r: r * m.linalg.qr(a).Q[..., :1, :].mT), m.linalg.qr(a))]),
    ("qr_batch_square", (B233,), lambda m, a: m.linalg.qr(a).Q @ m.linalg.qr(a).R),
    ("qr_complete_shapes", (RNG.standard_normal((4, 2)),),
     lambda m, a: [x.detach().abs() * 0 for x in m.linalg.qr(a, mode="complete")]),
    ("qr_top", (M33,), lambda m, a: a.qr().R.abs()),
    ("svd", (RNG.standard_normal((4, 3)),), lambda m, a: (
        _gauge(m.linalg.svd(a, full_matrices=False).U), m.linalg.svd(a).S,
        _gauge(m.linalg.svd(a, full_matrices=False).Vh.mT))),
    ("svd_wide_batch", (B234,), lambda m, a: (
        _gauge(m.linalg.svd(a, full_matrices=False).U), m.linalg.svd(a).S,
        _gauge(m.linalg.svd(a, full_matrices=False).Vh.mT))),
    ("svd_full_shapes", (M23,), lambda m, a: [x.detach().abs() for x in m.linalg.svd(a)][1]),
    ("svd_top", (M32,), lambda m, a: (_gauge(m.svd(a).U), m.svd(a).S, _gauge(a.svd().V))),
    ("svd_top_not_some", (M32,), lambda m, a: (m.svd(a, some=False).S,
                                                _gauge(m.svd(a, some=False).V))),
    ("svd_top_no_uv", (M32,), lambda m, a: m.svd(a, compute_uv=False)),
    ("svdvals", (B234,), lambda m, a: m.linalg.svdvals(a)),
    ("pinv", (M23,), lambda m, a: m.linalg.pinv(a)),
    ("pinv_tall_batch", (RNG.standard_normal((2, 4, 2)),), lambda m, a: m.linalg.pinv(a)),
    ("pinverse", (M32,), lambda m, a: a.pinverse()),
    ("matrix_rank", (), lambda m: m.linalg.matrix_rank(T(m, [[1.0, 2.0], [2.0, 4.0]]))),
    ("matrix_rank_batch", (), lambda m: m.linalg.matrix_rank(T(m, B234))),
    ("matrix_rank_atol", (), lambda m: m.linalg.matrix_rank(T(m, np.diag([1.0, 1e-3, 0.0])),
                                                            atol=1e-2)),
    # ---- norms ----------------------------------------------------------------------------
    ("vector_norm", (B234,), lambda m, a: m.linalg.vector_norm(a)),
    ("vector_norm_dim", (B234,), lambda m, a: m.linalg.vector_norm(a, 1, dim=-1, keepdim=True)),
    ("vector_norm_dims", (B234,), lambda m, a: m.linalg.vector_norm(a, 3.5, dim=(0, 2))),
    ("vector_norm_inf", (B234,), lambda m, a: m.linalg.vector_norm(a, INF, dim=1)),
    ("vector_norm_neg_inf", (B234,), lambda m, a: m.linalg.vector_norm(a, -INF)),
    ("vector_norm_0", (np.array([0.0, 1.5, 0.0, -2.0]),), lambda m, a: m.linalg.vector_norm(a, 0)),
    ("vector_norm_zero_vector", (np.zeros(3),), lambda m, a: m.linalg.vector_norm(a)),
    ("vector_norm_neg", (M23,), lambda m, a: m.linalg.vector_norm(a, -1.5, dim=1)),
    ("matrix_norm_fro", (B234,), lambda m, a: m.linalg.matrix_norm(a)),
    ("matrix_norm_nuc", (B234,), lambda m, a: m.linalg.matrix_norm(a, "nuc")),
    ("matrix_norm_inf", (B234,), lambda m, a: m.linalg.matrix_norm(a, INF)),
    ("matrix_norm_neg_inf", (B234,), lambda m, a: m.linalg.matrix_norm(a, -INF, keepdim=True)),
    ("matrix_norm_1", (B234,), lambda m, a: m.linalg.matrix_norm(a, 1, dim=(0, 2))),
    ("matrix_norm_neg1", (B234,), lambda m, a: m.linalg.matrix_norm(a, -1)),
    ("matrix_norm_2", (B234,), lambda m, a: m.linalg.matrix_norm(a, 2, keepdim=True)),
    ("matrix_norm_neg2", (B234,), lambda m, a: m.linalg.matrix_norm(a, -2, dim=(-1, 0))),
    ("linalg_norm", (B234,), lambda m, a: m.linalg.norm(a)),
    ("linalg_norm_vector_ord", (V4,), lambda m, a: m.linalg.norm(a, 3)),
    ("linalg_norm_matrix_ord", (M23,), lambda m, a: m.linalg.norm(a, -INF)),
    ("linalg_norm_dim", (B234,), lambda m, a: m.linalg.norm(a, dim=1)),
    ("linalg_norm_dims", (B234,), lambda m, a: m.linalg.norm(a, "nuc", dim=(2, 1))),
    ("norm", (B234,), lambda m, a: a.norm()),
    ("norm_p", (B234,), lambda m, a: m.norm(a, 1, dim=1, keepdim=True)),
    ("norm_fro_dims", (B234,), lambda m, a: a.norm("fro", dim=(0, 1))),
    ("norm_nuc", (M23,), lambda m, a: a.norm("nuc")),
    ("norm_inf", (B234,), lambda m, a: m.norm(a, INF, dim=(1, 2))),
    # ---- einsum ---------------------------------------------------------------------------
    ("einsum_matmul", (M23, M32), lambda m, a, b: m.einsum("ij,jk->ik", a, b)),
    ("einsum_batch", (B234, B242), lambda m, a, b: m.einsum("bij,bjk->bik", a, b)),
    ("einsum_implicit", (M23, M32), lambda m, a, b: m.einsum("ij,jk", a, b)),
    ("einsum_implicit_order", (M23, M32), lambda m, a, b: m.einsum("ba,ac", a, b)),
    ("einsum_trace", (M33,), lambda m, a: m.einsum("ii", a)),
    ("einsum_diag", (M33,), lambda m, a: m.einsum("ii->i", a)),
    ("einsum_repeated_3", (RNG.standard_normal((3, 3, 3)),), lambda m, a: m.einsum("iii->i", a)),
    ("einsum_transpose", (B234,), lambda m, a: m.einsum("abc->cab", a)),
    ("einsum_sum_all", (B234,), lambda m, a: m.einsum("abc->", a)),
    ("einsum_outer", (V3, V2), lambda m, a, b: m.einsum("i,j->ij", a, b)),
    ("einsum_dot", (V3, V3 * 3), lambda m, a, b: m.einsum("i,i", a, b)),
    ("einsum_hadamard", (M23, M23 * 2), lambda m, a, b: m.einsum("ij,ij->ij", a, b)),
    ("einsum_ellipsis", (B234, RNG.standard_normal((4, 5))),
     lambda m, a, b: m.einsum("...ij,jk->...ik", a, b)),
    ("einsum_ellipsis_broadcast", (B234, RNG.standard_normal((1, 3, 4))),
     lambda m, a, b: m.einsum("...ij,...ij->...i", a, b)),
    ("einsum_ellipsis_implicit", (B234,), lambda m, a: m.einsum("...ij", a)),
    ("einsum_ellipsis_middle", (B234,), lambda m, a: m.einsum("a...c->ca", a)),
    ("einsum_three", (V3, M32, V2), lambda m, a, b, c: m.einsum("i,ij,j->", a, b, c)),
    ("einsum_three_batch", (B234, B242, RNG.standard_normal((2, 5))),
     lambda m, a, b, c: m.einsum("bij,bjk,bl->bikl", a, b, c)),
    ("einsum_list", (M23, M32), lambda m, a, b: m.einsum("ij,jk->ki", [a, b])),
    ("einsum_spaces", (M23, M32), lambda m, a, b: m.einsum("ij, jk -> ik", a, b)),
    ("einsum_upper", (M23, M32), lambda m, a, b: m.einsum("Ab,bA->A", a, b)),
    ("einsum_int", (), lambda m: m.einsum("ij,j->i", T(m, [[1, 2], [3, 4]]), T(m, [5, 6]))),
    ("einsum_size1_broadcast", (RNG.standard_normal((2, 1)), RNG.standard_normal((3,))),
     lambda m, a, b: m.einsum("ij,j->i", a, b)),
]


@pytest.fixture(params=["cpu", "strict:device1"], ids=["cpu", "strict"])
def on_device(request):
    _DEVICE[0] = request.param
    yield request.param
    _DEVICE[0] = "cpu"


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("inputs, fn", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matches_torch(inputs: tuple, fn: Callable, on_device: str) -> None:
    compare(inputs, fn, on_device, rtol=1e-6 if all(np.asarray(a).dtype == np.float64
                                                    for a in inputs) else 2e-5)


# ---- named results and the namespace ------------------------------------------------------
FIELDS = [
    ("slogdet", lambda m: m.linalg.slogdet(m.tensor(M33))),
    ("eigh", lambda m: m.linalg.eigh(m.tensor(SPD))),
    ("qr", lambda m: m.linalg.qr(m.tensor(M32))),
    ("linalg_svd", lambda m: m.linalg.svd(m.tensor(M32))),
    ("svd", lambda m: m.svd(m.tensor(M32))),
]


@pytest.mark.parametrize("fn", [f for _, f in FIELDS], ids=[n for n, _ in FIELDS])
def test_result_fields(fn: Callable) -> None:
    ours, theirs = fn(xg), fn(torch)
    assert ours._fields == type(theirs).__match_args__
    for a, b in zip(ours, theirs):
        assert tuple(a.shape) == tuple(b.shape)


def test_svd_shapes_as_torch() -> None:
    for some in (True, False):
        for shape in ((3, 2), (2, 3), (2, 4, 3)):
            a = RNG.standard_normal(shape)
            ours, theirs = xg.svd(xg.tensor(a), some=some), torch.svd(torch.tensor(a), some=some)
            assert [tuple(x.shape) for x in ours] == [tuple(x.shape) for x in theirs]
            full = xg.linalg.svd(xg.tensor(a), full_matrices=not some)
            want = torch.linalg.svd(torch.tensor(a), full_matrices=not some)
            assert [tuple(x.shape) for x in full] == [tuple(x.shape) for x in want]
    U, S, V = xg.svd(xg.tensor(M32), compute_uv=False)
    assert not U.numpy().any() and not V.numpy().any() and (U.shape, V.shape) == ((3, 3), (2, 2))


def test_linalg_is_a_namespace_of_functions() -> None:
    assert isinstance(xg.linalg, types.ModuleType) and xg.linalg.__name__ == "xpgrad.linalg"
    assert callable(xg.matmul) and xg.linalg.matmul is xg.matmul
    for name in xg.linalg.__all__:
        value = getattr(xg.linalg, name)
        assert callable(value) and not isinstance(value, types.ModuleType), name
        assert hasattr(torch.linalg, name), f"torch.linalg has no {name}"
    for name in ("inv", "det", "slogdet", "solve", "solve_triangular", "cholesky", "eigh",
                 "eigvalsh", "qr", "svd", "svdvals", "pinv", "matrix_rank", "matrix_power",
                 "cross", "norm", "vector_norm", "matrix_norm", "multi_dot", "vecdot"):
        assert name in xg.linalg.__all__, name
    from xpgrad.linalg import svd
    assert svd is xg.linalg.svd and xg.svd is not xg.linalg.svd
    assert not [n for n in xg.autograd.ops.__all__
                if isinstance(getattr(xg.autograd.ops, n), types.ModuleType)]


def test_top_level_and_methods_as_torch() -> None:
    """What torch has at its top level or as a Tensor method, this family has too."""
    top = """dot vdot inner outer ger mv mm bmm addmm addmv addr baddbmm addbmm tensordot kron
        trace einsum inverse det slogdet logdet cholesky cholesky_solve cholesky_inverse
        matrix_power cross qr svd pinverse norm""".split()
    methods = """dot vdot inner outer ger mv mm bmm addmm addmv addr baddbmm addbmm kron trace
        inverse det slogdet logdet cholesky cholesky_solve cholesky_inverse matrix_power cross
        qr svd pinverse norm""".split()
    assert [n for n in top if not hasattr(xg, n) and hasattr(torch, n)] == []
    assert [n for n in methods if not hasattr(xg.Tensor, n) and hasattr(torch.Tensor, n)] == []


# ---- errors: ours raise where torch raises ------------------------------------------------
ERRORS = [
    ("inv_not_square", lambda m, d: m.linalg.inv(T(m, M23)), ValueError,
     r"inv: A must be a \(batch of\) square matrices, got shape \(2, 3\)"),
    ("inv_singular", lambda m, d: m.linalg.inv(T(m, np.ones((2, 2)))), ValueError,
     "inv: .*[Ss]ingular"),
    ("det_1d", lambda m, d: m.det(T(m, V3)), ValueError,
     r"det: A must have at least 2 dimensions, got shape \(3,\)"),
    ("mm_mismatch", lambda m, d: m.mm(T(m, M23), T(m, M23)), ValueError,
     r"mm: shapes \(2, 3\) and \(2, 3\) cannot be multiplied \(3 != 2\)"),
    ("mm_3d", lambda m, d: m.mm(T(m, B234), T(m, M32)), ValueError,
     r"mm: first operand must be 2-D, got shape \(2, 3, 4\)"),
    ("bmm_mismatch", lambda m, d: m.bmm(T(m, B234), T(m, B234)), ValueError,
     r"bmm: shapes \(2, 3, 4\) and \(2, 3, 4\) cannot be multiplied \(4 != 3\)"),
    ("bmm_batch", lambda m, d: m.bmm(T(m, B234), T(m, B242[:1])), ValueError,
     r"bmm: batch sizes differ: \(2, 3, 4\) and \(1, 4, 2\)"),
    ("dot_mismatch", lambda m, d: m.dot(T(m, V3), T(m, V2)), ValueError,
     r"dot: inconsistent sizes \(3,\) and \(2,\)"),
    ("dot_2d", lambda m, d: m.dot(T(m, M23), T(m, M23)), ValueError,
     r"dot: input must be 1-D, got shape \(2, 3\)"),
    ("mv_mismatch", lambda m, d: m.mv(T(m, M23), T(m, V2)), ValueError,
     r"mv: size mismatch, got input \(2, 3\) and vec \(2,\)"),
    ("cholesky_not_pd", lambda m, d: m.linalg.cholesky(T(m, -np.eye(2))), ValueError,
     "cholesky: .*positive definite"),
    ("solve_mismatch", lambda m, d: m.linalg.solve(T(m, M33), T(m, M23)), ValueError,
     r"solve: A of shape \(3, 3\) and B of shape \(2, 3\) do not match"),
    ("eigh_uplo", lambda m, d: m.linalg.eigh(T(m, SPD), UPLO="X"), ValueError,
     "eigh: UPLO must be 'L' or 'U'"),
    ("qr_mode", lambda m, d: m.linalg.qr(T(m, M33), mode="x"), ValueError,
     "qr: mode must be 'reduced' or 'complete'"),
    ("matrix_power_rect", lambda m, d: m.linalg.matrix_power(T(m, M23), 2), ValueError,
     r"matrix_power: A must be a \(batch of\) square matrices"),
    ("cross_size", lambda m, d: m.linalg.cross(T(m, M23[:, :2]), T(m, M23[:, :2])), ValueError,
     "cross: dimension -1 must have size 3"),
    ("tensordot_size", lambda m, d: m.tensordot(T(m, M23), T(m, M23), 1), ValueError,
     "tensordot: contracted dimension 1 of .* and 0 of .* differ in size"),
    ("multi_dot_one", lambda m, d: m.linalg.multi_dot([T(m, M23)]), ValueError,
     "multi_dot: expected at least 2 tensors"),
    ("matrix_norm_ord", lambda m, d: m.linalg.matrix_norm(T(m, M23), 3), ValueError,
     "matrix_norm: ord must be"),
    ("vector_norm_int", lambda m, d: m.linalg.vector_norm(T(m, [1, 2])), TypeError,
     "vector_norm: expected a floating point tensor, got int64"),
    ("linalg_norm_3d_ord", lambda m, d: m.linalg.norm(T(m, B234), 2), ValueError,
     "norm: with ord=2 and no dim, A must be 1-D or 2-D"),
    ("einsum_operands", lambda m, d: m.einsum("ij,jk", T(m, M23)), ValueError,
     r"einsum: 2 term\(s\) for 1 operand\(s\)"),
    ("einsum_sizes", lambda m, d: m.einsum("ij,jk", T(m, M23), T(m, M23)), ValueError,
     "einsum: subscript 'j' has sizes 3 and 2"),
    ("einsum_output", lambda m, d: m.einsum("ij->ik", T(m, M23)), ValueError,
     "einsum: output subscript 'k' appears in no input term"),
    ("einsum_repeated_output", lambda m, d: m.einsum("ij->ii", T(m, M23)), ValueError,
     "einsum: output subscript 'i' appears more than once"),
    ("einsum_rank", lambda m, d: m.einsum("i->i", T(m, M23)), ValueError,
     r"einsum: term 'i' does not match an operand of shape \(2, 3\)"),
    ("einsum_diagonal_sizes", lambda m, d: m.einsum("ii->i", T(m, M23)), ValueError,
     "einsum: subscript 'i' has sizes 2 and 3"),
    ("einsum_diagonal_size1", lambda m, d: m.einsum("ii->i", T(m, np.ones((1, 3)))), ValueError,
     "einsum: repeated subscript 'i' has sizes 1 and 3 in one operand"),
]


@pytest.mark.parametrize("fn, error, match", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_where_torch_errors(fn: Callable, error: type, match: str, on_device: str) -> None:
    with pytest.raises(Exception):
        fn(torch, "cpu")
    with pytest.raises(error, match=match):
        fn(xg, on_device)
