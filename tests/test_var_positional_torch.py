"""var/std/var_mean/std_mean read their positional arguments as PyTorch does:
(dim, unbiased, keepdim), and a lone bool is `unbiased` (torch 2.13's values pinned)."""
import numpy as np
import pytest

import xpgrad as xg

A = np.arange(12.0).reshape(3, 4) ** 1.5


def _x():
    return xg.tensor(A, dtype=xg.float64)


def test_second_positional_is_unbiased_not_keepdim():
    out = _x().var(1, False)
    assert out.shape == (3,)
    np.testing.assert_allclose(out.numpy(), np.var(A, axis=1, ddof=0))
    np.testing.assert_allclose(xg.std(_x(), 1, False).numpy(), np.std(A, axis=1, ddof=0))


def test_third_positional_is_keepdim():
    out = _x().var(1, True, True)
    assert out.shape == (3, 1)
    np.testing.assert_allclose(out.numpy()[:, 0], np.var(A, axis=1, ddof=1))


def test_a_lone_bool_is_unbiased_over_every_element():
    assert _x().var(False).item() == pytest.approx(np.var(A))
    assert _x().std(True).item() == pytest.approx(np.std(A, ddof=1))


def test_var_mean_takes_the_same_positions():
    v, m = xg.var_mean(_x(), 0, False, True)
    assert v.shape == m.shape == (1, 4)
    np.testing.assert_allclose(v.numpy()[0], np.var(A, axis=0))
    s, m = xg.std_mean(_x(), False)
    assert s.item() == pytest.approx(np.std(A)) and m.item() == pytest.approx(A.mean())


def test_numpy_keywords_still_work():
    np.testing.assert_allclose(_x().var(axis=0, keepdims=True, ddof=0).numpy(),
                               np.var(A, axis=0, keepdims=True))


def test_a_non_bool_unbiased_is_refused():
    with pytest.raises(TypeError, match=r"unbiased must be a bool.*\(dim, unbiased, keepdim\)"):
        _x().var(0, 1)
