"""LU for torch parity (autograd/ops/linalg_lu.py): lu_factor, lu, lu_unpack, lu_solve and
the legacy triangular_solve, hand-computed values, singular info, and gradcheck in float64;
the comparisons with torch.linalg are in test_linalg_more.py."""
from __future__ import annotations

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


# ---- LU -------------------------------------------------------------------------------------
def test_lu_factor_hand_values(device):
    A = _t([[1.0, 2.0], [3.0, 4.0]], device)
    LU, piv = xg.linalg.lu_factor(A)
    _close(LU, [[3.0, 4.0], [1.0 / 3.0, 2.0 / 3.0]])           # rows swapped: pivot 3
    assert piv.dtype == xg.int32 and piv.tolist() == [2, 2]
    P, L, U = xg.linalg.lu(A)
    _close(P, [[0.0, 1.0], [1.0, 0.0]])
    _close(L, [[1.0, 0.0], [1.0 / 3.0, 1.0]])
    _close(P @ L @ U, A.numpy())


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3), (2, 4, 4), (2, 3, 5), (2, 5, 3)])
def test_lu_reconstructs_and_unpacks(shape, device):
    a = RNG.standard_normal(shape)
    P, L, U = xg.linalg.lu(_t(a, device))
    k = min(shape[-2:])
    assert L.shape == shape[:-2] + (shape[-2], k) and U.shape == shape[:-2] + (k, shape[-1])
    _close(P @ L @ U, a)
    _close(xg.triu(L, 1), np.zeros(L.shape))
    LU, piv, info = xg.linalg.lu_factor_ex(_t(a, device))
    assert info.tolist() == ([0] * shape[0] if len(shape) == 3 else 0)
    P2, L2, U2 = xg.lu_unpack(LU, piv)
    _close(P2, P.numpy())
    _close(L2, L.numpy())
    legacy = xg.lu(_t(a, device), get_infos=True)
    assert len(legacy) == 3
    _close(legacy[0], LU.numpy())


def test_lu_singular_info_and_errors():
    LU, piv, info = xg.linalg.lu_factor_ex(_t([[1.0, 2.0], [2.0, 4.0]]))
    assert info.item() == 2 and piv.tolist() == [2, 2]
    with pytest.raises(RuntimeError, match="zero"):
        xg.linalg.lu_factor(_t([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(RuntimeError, match="zero pivot"):
        xg.linalg.lu_factor_ex(_t([[0.0, 0.0], [0.0, 0.0]]), check_errors=True)
    with pytest.raises(ValueError, match="2 dimensions"):
        xg.linalg.lu(_t([1.0, 2.0]))


def test_lu_without_pivoting():
    a = RNG.standard_normal((3, 3)) + 4 * np.eye(3)
    P, L, U = xg.linalg.lu(_t(a), pivot=False)
    assert P.shape == (0,)
    _close(L @ U, a)
    LU, piv = xg.linalg.lu_factor(_t(a), pivot=False)
    assert piv.tolist() == [1, 2, 3]


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve_solves(left, adjoint, device):
    a = RNG.standard_normal((2, 4, 4))
    b = RNG.standard_normal((2, 4, 3)) if left else RNG.standard_normal((2, 3, 4))
    LU, piv = xg.linalg.lu_factor(_t(a, device))
    X = xg.linalg.lu_solve(LU, piv, _t(b, device), left=left, adjoint=adjoint)
    op = np.swapaxes(a, -1, -2) if adjoint else a
    _close(op @ X.numpy() if left else X.numpy() @ op, b, 1e-9)
    if left and not adjoint:
        _close(xg.lu_solve(_t(b, device), LU, piv), X.numpy())


def test_triangular_solve_legacy():
    U = _t([[2.0, 1.0], [0.0, 4.0]])
    X, clone = xg.triangular_solve(_t([[3.0], [8.0]]), U)
    _close(X, [[0.5], [2.0]])
    _close(clone, U.numpy())
    X, _ = xg.triangular_solve(_t([[2.0], [9.0]]), U, transpose=True)
    _close(X, [[1.0], [2.0]])                          # U^T X = b


@pytest.mark.parametrize("shape", [(3, 3), (3, 4), (4, 3)])
def test_lu_gradcheck(shape):
    a = _t(RNG.standard_normal(shape), requires_grad=True)
    assert xg.gradcheck(lambda x: xg.linalg.lu_factor(x).LU, (a,))
    assert xg.gradcheck(lambda x: tuple(xg.linalg.lu(x))[1:], (a,))
    assert xg.gradgradcheck(lambda x: xg.linalg.lu_factor(x).LU, (a,))


def test_lu_solve_gradcheck():
    a = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    LU, piv = xg.linalg.lu_factor(_t(a))
    LU = LU.detach().requires_grad_(True)
    b = _t(RNG.standard_normal((3, 2)), requires_grad=True)
    assert xg.gradcheck(lambda lu, rhs: xg.linalg.lu_solve(lu, piv, rhs, adjoint=True), (LU, b))
