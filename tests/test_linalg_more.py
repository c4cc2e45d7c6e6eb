"""The linear algebra added for torch parity (autograd/ops/linalg_lu.py, linalg_more.py,
linalg_householder.py, linalg_ldl.py): hand-computed values without PyTorch, gradcheck and
gradgradcheck in float64, and (where PyTorch is installed) values, dtypes and gradients
against torch.linalg."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg

RNG = np.random.default_rng(7)


def _t(a, device="cpu", requires_grad=False):
    return xg.tensor(np.asarray(a, dtype=np.float64), device=device, requires_grad=requires_grad)


def _close(a, b, tol=1e-10):
    a = a.numpy() if isinstance(a, xg.Tensor) else np.asarray(a)
    np.testing.assert_allclose(a, np.asarray(b, dtype=float), rtol=tol, atol=tol)


def _sym(n, *batch):
    a = RNG.standard_normal((*batch, n, n))
    return a + np.swapaxes(a, -1, -2)


# ---- matrix_exp -------------------------------------------------------------------------------
def test_matrix_exp_hand_values(device):
    t = 0.7
    R = xg.linalg.matrix_exp(_t([[0.0, -t], [t, 0.0]], device))
    _close(R, [[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]], 1e-13)
    _close(xg.matrix_exp(_t([[1.0, 0.0], [0.0, 2.0]], device)), np.diag([math.e, math.e ** 2]),
           1e-12)
    _close(xg.matrix_exp(_t([[0.0, 1.0], [0.0, 0.0]], device)), [[1.0, 1.0], [0.0, 1.0]])
    big = xg.matrix_exp(_t([[40.0, 0.0], [0.0, -3.0]], device))       # needs squaring
    _close(big.numpy() / np.diag([math.exp(40.0), math.exp(-3.0)]).clip(1e-300), np.eye(2),
           1e-12)
    assert xg.matrix_exp(xg.zeros(2, 3, 3, device=device)).dtype == xg.float32


def test_matrix_exp_gradients():
    a = _t(RNG.standard_normal((2, 3, 3)), requires_grad=True)
    assert xg.gradcheck(xg.linalg.matrix_exp, (a,))
    assert xg.gradgradcheck(xg.linalg.matrix_exp, (a,))


# ---- lstsq, *_ex -------------------------------------------------------------------------------
def test_lstsq_hand_values():
    A = _t([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    B = _t([[1.0], [2.0], [4.0]])
    r = xg.linalg.lstsq(A, B, driver="gelsd")
    _close(r.solution, [[4.0 / 3.0], [7.0 / 3.0]])           # normal equations
    _close(r.residuals, [1.0 / 3.0])
    assert r.rank.item() == 2 and r.rank.dtype == xg.int64
    _close(r.singular_values, [math.sqrt(3.0), 1.0])
    default = xg.linalg.lstsq(A, B)                           # gelsy: no residuals, no S
    assert default.residuals.shape == (0,) and default.singular_values.shape == (0,)
    assert xg.linalg.lstsq(A, B, driver="gels").rank.shape == (0,)
    vec = xg.linalg.lstsq(A, _t([1.0, 2.0, 4.0])).solution
    _close(vec, [4.0 / 3.0, 7.0 / 3.0])
    with pytest.raises(ValueError, match="driver"):
        xg.linalg.lstsq(A, B, driver="nope")
    with pytest.raises(ValueError, match="rows"):
        xg.linalg.lstsq(A, _t([[1.0], [2.0]]))


def test_lstsq_gradcheck():
    A = _t(RNG.standard_normal((5, 3)), requires_grad=True)
    B = _t(RNG.standard_normal((5, 2)), requires_grad=True)
    assert xg.gradcheck(lambda a, b: xg.linalg.lstsq(a, b).solution, (A, B))


def test_ex_forms_report_info(device):
    sing = _t([[1.0, 2.0], [2.0, 4.0]], device)
    batch = _t(np.stack([[[1.0, 2.0], [2.0, 4.0]], 2 * np.eye(2)]), device)
    inv, info = xg.linalg.inv_ex(batch)
    assert info.tolist() == [2, 0] and info.dtype == xg.int32
    _close(inv.numpy()[1], 0.5 * np.eye(2))
    assert np.isnan(inv.numpy()[0]).all()
    res, info = xg.linalg.solve_ex(sing, _t([[1.0], [1.0]], device))
    assert info.item() == 2
    res, info = xg.linalg.solve_ex(2 * xg.eye(2, dtype=xg.float64, device=device),
                                   _t([2.0, 4.0], device))
    _close(res, [1.0, 2.0])
    assert info.item() == 0
    L, info = xg.linalg.cholesky_ex(_t([[1.0, 2.0], [2.0, 1.0]], device))
    assert info.item() == 2
    _close(L, [[1.0, 0.0], [2.0, -3.0]])                       # LAPACK's partial factor
    L, info = xg.linalg.cholesky_ex(_t([[4.0, 2.0], [2.0, 5.0]], device), upper=True)
    _close(L, [[2.0, 1.0], [0.0, 2.0]])
    with pytest.raises(RuntimeError, match="positive-definite"):
        xg.linalg.cholesky_ex(_t([[-1.0]], device), check_errors=True)
    with pytest.raises(RuntimeError, match="singular"):
        xg.linalg.inv_ex(sing, check_errors=True)


# ---- small compositions ---------------------------------------------------------------------------
def test_vander_cond_tensorinv_tensorsolve():
    _close(xg.linalg.vander(_t([1.0, 2.0, 3.0]), N=4),
           [[1, 1, 1, 1], [1, 2, 4, 8], [1, 3, 9, 27]])
    assert xg.linalg.vander(_t([[1.0, 2.0]])).shape == (1, 2, 2)
    with pytest.raises(ValueError, match="greater than 1"):
        xg.linalg.vander(_t([1.0]), N=1)
    D = _t([[2.0, 0.0], [0.0, 0.5]])
    _close(xg.linalg.cond(D), 4.0)
    _close(xg.linalg.cond(D, -2), 0.25)
    _close(xg.linalg.cond(D, 1), 4.0)
    _close(xg.linalg.cond(D, "fro"), math.sqrt(4.25) * math.sqrt(4.25))
    assert xg.linalg.cond(_t([[1.0, 2.0], [2.0, 4.0]]), "fro").item() == math.inf
    A = _t(RNG.standard_normal((2, 3, 6)))
    Ainv = xg.linalg.tensorinv(A, ind=2)
    assert Ainv.shape == (6, 2, 3)
    _close(xg.tensordot(Ainv, A, 2), np.eye(6), 1e-9)
    B = _t(RNG.standard_normal((2, 3)))
    X = xg.linalg.tensorsolve(A, B)
    _close(xg.tensordot(A, X, 1), B.numpy(), 1e-9)
    with pytest.raises(ValueError, match="must equal"):
        xg.linalg.tensorinv(_t(np.ones((2, 3))), ind=1)


def test_composition_gradchecks():
    x = _t(RNG.standard_normal(3), requires_grad=True)
    assert xg.gradcheck(lambda v: xg.linalg.vander(v, N=4), (x,))
    a = _t(RNG.standard_normal((2, 2, 4)) + 0.0, requires_grad=True)
    assert xg.gradcheck(lambda t: xg.linalg.tensorinv(t, 2), (a,))
    m = _t(RNG.standard_normal((3, 3)), requires_grad=True)
    assert xg.gradcheck(lambda t: xg.linalg.cond(t), (m,))
    assert xg.gradcheck(lambda t: xg.linalg.cond(t, "fro"), (m,))


def test_top_level_norms_rank_lowrank():
    _close(xg.nuclear_norm(xg.eye(3, dtype=xg.float64)), 3.0)
    assert xg.nuclear_norm(xg.ones(2, 3), True).shape == (1, 1)
    _close(xg.nuclear_norm(xg.ones(2, 3, 4), (1, 2)), [math.sqrt(12)] * 2, 1e-6)
    _close(xg.frobenius_norm(xg.ones(2, 3), (0, 1)), math.sqrt(6.0), 1e-6)
    assert xg.frobenius_norm(xg.ones(2, 3, 4), 1).shape == (2, 4)
    assert xg.matrix_rank(xg.ones(3, 3)).item() == 1
    assert xg.matrix_rank(_t([[1.0, 0.0], [0.0, 1e-3]]), tol=1e-2).item() == 1
    A = _t(RNG.standard_normal((6, 2)) @ RNG.standard_normal((2, 5)))      # rank 2
    U, S, V = xg.svd_lowrank(A, q=2)
    assert U.shape == (6, 2) and S.shape == (2,) and V.shape == (5, 2)
    _close(U @ xg.diag(S) @ V.mT, A.numpy(), 1e-9)
    assert xg.svd_lowrank(_t(np.ones((3, 4))))[0].shape == (3, 3)        # q clamps to 3
    U, S, V = xg.pca_lowrank(A, q=2, center=False)
    _close(U @ xg.diag(S) @ V.mT, A.numpy(), 1e-9)
    U, S, V = xg.pca_lowrank(A)
    centred = A.numpy() - A.numpy().mean(0)
    _close(S, np.linalg.svd(centred, compute_uv=False)[:5], 1e-9)


# ---- Householder and LDL ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (2, 4, 3)])
def test_geqrf_householder_product_ormqr(shape, device):
    a = RNG.standard_normal(shape)
    h, tau = xg.geqrf(_t(a, device))
    Q = xg.linalg.householder_product(h, tau)
    R = xg.triu(h)[..., :shape[-1], :]
    _close(Q @ R, a, 1e-10)
    _close(Q.mT @ Q, np.broadcast_to(np.eye(shape[-1]), Q.mT.shape[:-1] + (shape[-1],)), 1e-10)
    _close(xg.orgqr(h, tau), Q.numpy())
    C = _t(RNG.standard_normal(shape[:-2] + (shape[-2], 2)), device)
    QC = xg.ormqr(h, tau, C)
    QtQC = xg.ormqr(h, tau, QC, transpose=True)
    _close(QtQC, C.numpy(), 1e-10)
    if shape[-2] == shape[-1]:                        # Q is then all of H_1 ... H_k
        _close(QC, (Q @ C).numpy(), 1e-10)
    D = _t(RNG.standard_normal(shape[:-2] + (2, shape[-2])), device)
    DQ = xg.ormqr(h, tau, D, left=False)
    _close(xg.ormqr(h, tau, DQ, left=False, transpose=True), D.numpy(), 1e-10)


def test_householder_hand_value_and_gradcheck():
    # one reflector v = [1, 1], tau = 1: H = I - v v^T = [[0, -1], [-1, 0]]
    Q = xg.linalg.householder_product(_t([[7.0], [1.0]]), _t([1.0]))
    _close(Q, [[0.0], [-1.0]])
    A = _t(RNG.standard_normal((4, 3)), requires_grad=True)
    tau = _t(RNG.standard_normal(2), requires_grad=True)
    assert xg.gradcheck(xg.linalg.householder_product, (A, tau))
    C = _t(RNG.standard_normal((4, 2)), requires_grad=True)
    assert xg.gradcheck(lambda a, t, c: xg.ormqr(a, t, c, True, True), (A, tau, C))
    with pytest.raises(ValueError, match="at least as many rows"):
        xg.linalg.householder_product(_t(np.ones((2, 3))), _t([1.0]))


def test_ldl_hand_values(device):
    A = _t([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]], device)
    LD, piv = xg.linalg.ldl_factor(A)
    _close(LD, [[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [1.5, 0.5, -3.0]])   # a 2x2 block first
    assert piv.tolist() == [-3, -3, 3] and piv.dtype == xg.int32
    B = _t([[1.0, 0.0], [2.0, 1.0], [3.0, -1.0]], device)
    X = xg.linalg.ldl_solve(LD, piv, B)
    _close(A @ X, B.numpy(), 1e-12)
    LD, piv, info = xg.linalg.ldl_factor_ex(_t(np.zeros((2, 2)), device))
    assert info.item() == 1
    with pytest.raises(RuntimeError, match="zero pivot"):
        xg.linalg.ldl_factor(_t(np.zeros((2, 2))))


def test_ldl_batched_solve_and_grad():
    A = _sym(5, 3)
    LD, piv = xg.linalg.ldl_factor(_t(A))
    B = _t(RNG.standard_normal((3, 5, 2)), requires_grad=True)
    _close(xg.linalg.ldl_solve(LD, piv, B), np.linalg.solve(A, B.numpy()), 1e-9)
    assert xg.gradcheck(lambda b: xg.linalg.ldl_solve(LD, piv, b), (B,))


def test_new_names_in_linalg_namespace():
    for name in ("matrix_exp", "lstsq", "solve_ex", "inv_ex", "cholesky_ex", "vander", "cond",
                 "tensorinv", "tensorsolve", "lu", "lu_factor", "lu_factor_ex", "lu_solve",
                 "householder_product", "ldl_factor", "ldl_factor_ex", "ldl_solve"):
        assert callable(getattr(xg.linalg, name)), name
        assert name in xg.linalg.__all__
        assert getattr(xg.linalg, name).__doc__


# ---- against PyTorch -------------------------------------------------------------------------------
def _torch_grad(torch, fn_xg, fn_t, arrays, weight_seed=3):
    xs = [_t(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_x, out_t = fn_xg(*xs), fn_t(*ts)
    w = np.random.default_rng(weight_seed).standard_normal(tuple(out_t.shape))
    _close(out_x, out_t.detach().numpy(), 1e-9)
    (out_x * _t(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts):
        _close(x.grad, t.grad.numpy(), 1e-8)


TORCH_CASES = [
    ("lu_factor", [(4, 4)], lambda m, a: m.linalg.lu_factor(a).LU),
    ("lu_factor_wide", [(2, 3, 5)], lambda m, a: m.linalg.lu_factor(a).LU),
    ("lu_factor_tall", [(5, 3)], lambda m, a: m.linalg.lu_factor(a).LU),
    ("lu_L", [(2, 4, 4)], lambda m, a: m.linalg.lu(a).L),
    ("lu_U_tall", [(5, 3)], lambda m, a: m.linalg.lu(a).U),
    ("matrix_exp", [(2, 3, 3)], lambda m, a: m.linalg.matrix_exp(a)),
    ("matrix_exp_top", [(3, 3)], lambda m, a: m.matrix_exp(a * 3)),
    ("lstsq", [(5, 3), (5, 2)], lambda m, a, b: m.linalg.lstsq(a, b).solution),
    ("vander", [(2, 3)], lambda m, x: m.linalg.vander(x, N=4)),
    ("cond", [(3, 3)], lambda m, a: m.linalg.cond(a)),
    ("cond_nuc", [(3, 3)], lambda m, a: m.linalg.cond(a, "nuc")),
    ("tensorinv", [(4, 2, 2)], lambda m, a: m.linalg.tensorinv(a, 1)),
    ("tensorsolve", [(2, 3, 6), (2, 3)], lambda m, a, b: m.linalg.tensorsolve(a, b)),
    ("householder", [(5, 3), (3,)], lambda m, a, t: m.linalg.householder_product(a, t)),
    ("ormqr", [(4, 3), (3,), (2, 4)], lambda m, a, t, c: m.ormqr(a, t, c, False, True)),
    ("nuclear", [(3, 4)], lambda m, a: m.nuclear_norm(a)),
    ("frobenius", [(3, 4)], lambda m, a: m.frobenius_norm(a, (0, 1))),
    ("solve_ex", [(3, 3), (3, 2)], lambda m, a, b: m.linalg.solve_ex(a, b).result),
    ("inv_ex", [(3, 3)], lambda m, a: m.linalg.inv_ex(a).inverse),
]


@pytest.mark.parametrize("name,shapes,fn", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_against_torch(name, shapes, fn):
    torch = pytest.importorskip("torch")
    arrays = [RNG.standard_normal(s) for s in shapes]
    _torch_grad(torch, lambda *a: fn(xg, *a), lambda *a: fn(torch, *a), arrays)


def test_pivots_info_and_drivers_against_torch():
    torch = pytest.importorskip("torch")
    for shape in [(4, 4), (3, 5), (5, 3), (2, 6, 6)]:
        a = RNG.standard_normal(shape)
        mine, ref = xg.linalg.lu_factor_ex(_t(a)), torch.linalg.lu_factor_ex(torch.tensor(a))
        assert mine.pivots.tolist() == ref.pivots.tolist()
        assert mine.info.tolist() == ref.info.tolist()
        for m, r in zip(xg.linalg.lu(_t(a)), torch.linalg.lu(torch.tensor(a))):
            _close(m, r.numpy())
    A, B = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 2))
    for driver in (None, "gels", "gelsy", "gelsd", "gelss"):
        mine = xg.linalg.lstsq(_t(A), _t(B), driver=driver)
        ref = torch.linalg.lstsq(torch.tensor(A), torch.tensor(B), driver=driver)
        for m, r in zip(mine, ref):
            assert tuple(m.shape) == tuple(r.shape)
            _close(m.astype(xg.float64), r.double().numpy(), 1e-9)
    spd = _sym(4, 3) + 10 * np.eye(4)
    spd[1, 2, 2] = -50.0
    mine, ref = xg.linalg.cholesky_ex(_t(spd)), torch.linalg.cholesky_ex(torch.tensor(spd))
    assert mine.info.tolist() == ref.info.tolist()
    _close(mine.L, ref.L.numpy())


def test_geqrf_and_ldl_against_torch():
    torch = pytest.importorskip("torch")
    for shape in [(5, 3), (3, 5), (2, 4, 4)]:
        a = RNG.standard_normal(shape)
        for m, r in zip(xg.geqrf(_t(a)), torch.geqrf(torch.tensor(a))):
            _close(m, r.numpy())
    for n in range(1, 8):
        for scale in (1.0, 0.01, 0.0):
            A = _sym(n, 2)
            A[..., np.arange(n), np.arange(n)] *= scale
            mine = xg.linalg.ldl_factor_ex(_t(A))
            ref = torch.linalg.ldl_factor_ex(torch.tensor(A))
            assert mine.pivots.tolist() == ref.pivots.tolist()
            assert mine.info.tolist() == ref.info.tolist()
            _close(mine.LD, ref.LD.numpy(), 1e-9)
            if not ref.info.any():
                B = RNG.standard_normal((2, n, 2))
                _close(xg.linalg.ldl_solve(mine.LD, mine.pivots, _t(B)),
                       torch.linalg.ldl_solve(ref.LD, ref.pivots, torch.tensor(B)).numpy(), 1e-8)


def test_float32_dtypes_against_torch():
    torch = pytest.importorskip("torch")
    a = (RNG.standard_normal((3, 3)) + 3 * np.eye(3)).astype(np.float32)
    for fn in (lambda m, x: m.linalg.matrix_exp(x), lambda m, x: m.linalg.lu_factor(x).LU,
               lambda m, x: m.linalg.inv_ex(x).inverse, lambda m, x: m.geqrf(x)[0]):
        mine, ref = fn(xg, xg.tensor(a)), fn(torch, torch.tensor(a))
        assert mine.dtype == xg.float32 and ref.dtype == torch.float32
        np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=1e-4, atol=1e-5)
