"""PyTorch-style custom functions: MyFunction.apply(...) with forward(ctx, ...) and
backward(ctx, ...) written on Tensors."""
import pytest

import xpgrad as xg


class Cube(xg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        return gy * 3 * x ** 2


class Mul(xg.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, scale=1.0):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        return gy * b * ctx.scale, gy * a * ctx.scale, None


def test_custom_function_gives_its_backward(device):
    x = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = Cube.apply(x)
    assert y.tolist() == [1.0, 8.0] and repr(y.grad_fn) == "<CubeBackward>"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]


def test_several_inputs_a_number_and_needs_input_grad(device):
    a = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    b = xg.tensor([3.0, 4.0], device=device)
    seen = []

    class Probe(Mul):
        @staticmethod
        def forward(ctx, a, b, scale=1.0):
            seen.append(ctx.needs_input_grad)
            return Mul.forward(ctx, a, b, scale)

    Probe.apply(a, b, 2.0).sum().backward()
    assert seen == [(True, False, False)]
    assert a.grad.tolist() == [6.0, 8.0] and b.grad is None


def test_second_order_through_a_custom_backward(device):
    x = xg.tensor(2.0, device=device, dtype="float64", requires_grad=True)
    (g,) = xg.autograd.grad(Cube.apply(x), x, create_graph=True)
    (gg,) = xg.autograd.grad(g, x)
    assert g.item() == 12.0 and gg.item() == 12.0          # d/dx 3x^2 = 6x
    assert xg.gradcheck(lambda t: Cube.apply(t), (xg.tensor([0.5, -1.5], dtype="float64",
                                                             device=device,
                                                             requires_grad=True),))


def test_no_node_without_grad_and_clear_errors(device):
    x = xg.tensor([1.0], device=device)
    assert Cube.apply(x).grad_fn is None
    w = xg.tensor([1.0], device=device, requires_grad=True)
    with xg.no_grad():
        assert Cube.apply(w).grad_fn is None

    class TooFew(Mul):
        @staticmethod
        def backward(ctx, gy):
            return gy

    with pytest.raises(RuntimeError, match="TooFew.backward returned 1 gradient.*took 3"):
        TooFew.apply(w, w, 1.0).sum().backward()

    class WrongShape(Cube):
        @staticmethod
        def backward(ctx, gy):
            return gy.sum()

    with pytest.raises(RuntimeError, match=r"gradient of argument 0 has shape \(\)"):
        WrongShape.apply(xg.ones(2, device=device, requires_grad=True)).sum().backward()

    class Pair(xg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x, x

    with pytest.raises(NotImplementedError, match="several differentiable outputs"):
        Pair.apply(w)
