"""torch.autograd.gradcheck/gradgradcheck call forms: their keyword switches are accepted,
gradgradcheck takes grad_outputs third, unknown keywords are refused, and a wrong gradient
is still caught."""
from __future__ import annotations

import pytest

import xpgrad as xg
from xpgrad.autograd.function import Function, apply1


def test_torch_keywords_are_accepted():
    a = xg.randn(3, dtype="float64", requires_grad=True)
    assert xg.autograd.gradcheck(lambda t: t.sin(), (a,), eps=1e-6, atol=1e-5, rtol=1e-3,
                                 nondet_tol=0.0, check_undefined_grad=True, fast_mode=True,
                                 check_batched_grad=False, check_forward_ad=False)
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['foo'\]"):
        xg.gradcheck(lambda t: t.sin(), (a,), foo=1)


def test_gradgradcheck_takes_grad_outputs_third():
    a = xg.randn(3, dtype="float64", requires_grad=True)
    v = xg.tensor([1.0, -2.0, 0.5], dtype="float64")
    assert xg.autograd.gradgradcheck(lambda t: t.sin() * t, (a,), (v,), atol=1e-5)
    with pytest.raises(ValueError, match="1 grad_outputs for 2 outputs"):
        xg.gradgradcheck(lambda t: (t.sin(), t.cos()), (a,), (v,))


class _WrongSecondOrder(Function):
    """x ** 3 with a first derivative whose own derivative is wrong (3 x^2 built from a
    constant x, so the second derivative comes out 0)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, a):
        return a * a * a

    def backward(self, gy):
        x, = self.inputs
        return gy * 3.0 * x.detach() ** 2


def test_gradgradcheck_with_grad_outputs_still_catches_a_wrong_second_derivative():
    a = xg.tensor([0.5, 1.5], dtype="float64", requires_grad=True)
    assert xg.gradcheck(lambda t: apply1(_WrongSecondOrder, t), (a,))
    with pytest.raises(xg.autograd.GradcheckError):
        xg.gradgradcheck(lambda t: apply1(_WrongSecondOrder, t), (a,),
                         (xg.ones(2, dtype="float64"),))
