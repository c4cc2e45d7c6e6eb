"""The autograd API as torch 2.13 has it (expected values and error types pinned from torch,
hard-coded): torch.autograd.backward's signature, multi-output custom Functions,
once_differentiable, setup_context, Node hooks, grad-mode decorators on generator functions,
vmap's randomness="error"."""
import numpy as np
import pytest

import xpgrad as xg


def leaf(values, device):
    return xg.tensor(values, dtype=xg.float64, device=device, requires_grad=True)


# ---- torch.autograd.backward ---------------------------------------------------------------
def test_autograd_backward_takes_a_tensor_and_grad_tensors(device):
    x = leaf([2.0, 1.0], device)
    xg.autograd.backward(x * x, xg.tensor([1.0, 2.0], dtype=xg.float64, device=device))
    assert x.grad.tolist() == [4.0, 4.0]                  # torch: [4., 4.]
    x.grad = None
    xg.autograd.backward([x * x, x.sum()],
                         grad_tensors=[xg.tensor([1.0, 2.0], dtype=xg.float64, device=device),
                                       None])
    assert x.grad.tolist() == [5.0, 5.0]
    x.grad = None
    xg.autograd.backward(x * x, grad_variables=xg.ones(2, dtype=xg.float64, device=device))
    assert x.grad.tolist() == [4.0, 2.0]


def test_autograd_backward_inputs_and_retain_graph(device):
    x, z = leaf(2.0, device), leaf(3.0, device)
    y = (x * z).exp()
    xg.autograd.backward(y, inputs=[x], retain_graph=True)
    assert z.grad is None
    np.testing.assert_allclose(x.grad.item(), 3 * np.exp(6.0))
    xg.autograd.backward([y], inputs=z)
    np.testing.assert_allclose(z.grad.item(), 2 * np.exp(6.0))
    with pytest.raises(RuntimeError, match="a second time"):
        xg.autograd.backward(y)
    with pytest.raises(RuntimeError, match="grad_tensors"):
        xg.autograd.backward([x * 2, x * 3], grad_tensors=[xg.ones((), dtype=xg.float64)])


def test_backward_error_messages_name_the_problem(device):
    x = leaf([1.0, 2.0], device)
    with pytest.raises(RuntimeError, match="created implicitly only for"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        (x.detach() * 2).sum().backward()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        xg.autograd.grad((x * 2).sum(), [x, leaf([1.0], device)])
    assert xg.autograd.grad((x * 2).sum(), [x, leaf([1.0], device)], allow_unused=True)[1] is None


# ---- custom Functions ----------------------------------------------------------------------
class SinCos(xg.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x.sin() * k, x.cos(), x.argmax()

    @staticmethod
    def backward(ctx, gs, gc, gi):
        (x,) = ctx.saved_tensors
        return gs * x.cos() * ctx.k - gc * x.sin(), None


def test_custom_function_with_several_outputs(device):
    values = [0.5, 1.0, 2.0]
    x = leaf(values, device)
    s, c, i = SinCos.apply(x, 2.0)
    assert s.requires_grad and c.requires_grad and not i.requires_grad and i.item() == 2
    assert repr(s.grad_fn) == "<SinCosBackward>"
    (s * c).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(2 * np.array(values)))  # torch's
    x.grad = None
    s, c, _ = SinCos.apply(x, 2.0)
    c.sum().backward()            # s unused: its gradient is zeros (materialized, as torch)
    np.testing.assert_allclose(x.grad.numpy(), -np.sin(values))
    x2 = leaf(values, device)
    s, c, _ = SinCos.apply(x2, 2.0)
    (g,) = xg.autograd.grad((s ** 2 + c).sum(), x2, create_graph=True)
    (h,) = xg.autograd.grad(g.sum(), x2)
    np.testing.assert_allclose(g.numpy(), [2.8865, 2.7957, -3.9365], atol=1e-4)   # torch
    np.testing.assert_allclose(h.numpy(), [3.4448, -3.8695, -4.8130], atol=1e-4)
    assert xg.autograd.gradcheck(lambda t: SinCos.apply(t, 3.0)[:2], (leaf([[0.5, 1.0]], device),))


def test_custom_function_tuple_of_one_and_setup_context_and_vjp(device):
    class Twice(xg.autograd.Function):
        @staticmethod
        def forward(x, k):
            return (x * k,)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def vjp(ctx, g):
            return g * ctx.k, None

    x = leaf([1.0, 2.0], device)
    out = Twice.apply(x, 3.0)
    assert isinstance(out, tuple) and len(out) == 1
    out[0].sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_once_differentiable():
    from xpgrad.autograd.function import once_differentiable

    class Square(xg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    x = leaf([1.0, 2.0], None)
    (g,) = xg.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    assert g.tolist() == [2.0, 4.0] and not g.requires_grad      # as torch
    w = leaf([1.0, 2.0], None)
    y = (Square.apply(x) * w).sum()
    (g,) = xg.autograd.grad(y, x, create_graph=True)               # the cotangent needs grad
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


# ---- Node hooks ----------------------------------------------------------------------------
def test_node_register_hook_and_prehook(device):
    x = leaf([1.0, 2.0], device)
    y = x * x
    seen = []
    handle = y.grad_fn.register_hook(lambda gi, go: seen.append((len(gi), len(go))))
    y.sum().backward()
    assert seen == [(2, 1)] and x.grad.tolist() == [2.0, 4.0]     # torch: [(2, 1)]
    handle.remove()
    x.grad = None
    y = x * x
    y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    y.sum().backward()
    assert x.grad.tolist() == [20.0, 40.0]
    x.grad = None
    y = x.exp()
    y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0 + 1,))
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


# ---- grad mode -----------------------------------------------------------------------------
def test_grad_mode_decorators_on_generator_functions():
    @xg.no_grad()
    def gen():
        received = yield xg.is_grad_enabled()
        yield received, xg.is_grad_enabled()

    it = gen()
    assert next(it) is False and xg.is_grad_enabled()              # torch: False, then True
    assert it.send(3) == (3, False) and xg.is_grad_enabled()

    @xg.enable_grad
    def gen2():
        yield xg.is_grad_enabled()

    with xg.no_grad():
        assert list(gen2()) == [True] and not xg.is_grad_enabled()

    @xg.set_grad_enabled(False)
    def gen3():
        try:
            yield xg.is_grad_enabled()
        except KeyError:
            yield "caught", xg.is_grad_enabled()

    it = gen3()
    assert next(it) is False
    assert it.throw(KeyError) == ("caught", False) and xg.is_grad_enabled()
    it.close()
    assert xg.is_grad_enabled()


# ---- vmap ----------------------------------------------------------------------------------
def test_vmap_randomness_error_as_torch():
    xs = xg.ones(2, 3)
    with pytest.raises(RuntimeError, match="called random operation while in randomness error"):
        xg.func.vmap(lambda t: t + xg.rand(3))(xs)
    assert xg.func.vmap(lambda t: t + xg.rand(3), randomness="different")(xs).shape == (2, 3)
    assert xg.func.vmap(lambda t: t * 2)(xs).tolist() == [[2.0] * 3] * 2
