"""The backward engine: seeds, accumulation, retain/create graph, autograd.grad, the functional
API, higher derivatives, long graphs, freeing, grad mode, anomaly detection, hooks, aliasing."""
import contextlib
import gc
import threading
import warnings
import weakref

import pytest

import xpgrad as xg
from xpgrad.autograd import detect_anomaly
from xpgrad.autograd.function import Function, apply2


def leaf(values, device, dtype=xg.float64):
    return xg.tensor(values, dtype=dtype, device=device, requires_grad=True)


# ---- backward ------------------------------------------------------------------------------
def test_backward_default_seed_is_one(device):
    x = leaf([1.0, 2.0, 3.0], device)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    assert x.grad.device == x.device and x.grad.dtype == x.dtype
    assert not x.grad.requires_grad and x.grad.grad_fn is None


def test_backward_with_gradient_argument(device):
    x = leaf([1.0, 2.0, 3.0], device)
    (x * x).backward(xg.tensor([1.0, 0.0, 2.0], dtype=xg.float64, device=device))
    assert x.grad.tolist() == [2.0, 0.0, 12.0]
    z = leaf([1.0, 2.0], device)
    (z * 3).backward([1.0, -1.0])                 # a list is turned into a tensor
    assert z.grad.tolist() == [3.0, -3.0]


def test_gradients_accumulate_across_backward_calls(device):
    x = leaf([1.0, 2.0], device)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_leaf_used_twice_sums_both_paths(device):
    x = leaf(3.0, device)
    y = x * x + x.exp() * 0 + 2 * x           # dy/dx = 2x + 2
    y.backward()
    assert x.grad.item() == pytest.approx(8.0)


def test_retain_graph_allows_a_second_backward(device):
    x = leaf([1.0, 2.0], device)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_second_backward_through_freed_graph_mentions_retain_graph(device):
    x = leaf([1.0, 2.0], device)
    h = x.exp()
    y = (h * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        (h * 3).sum().backward()           # shares the freed node of h
    with pytest.raises(RuntimeError, match="retain_graph"):
        xg.autograd.grad(y, x)


def test_backward_frees_what_each_node_saved(device):
    x = leaf([1.0, -2.0, 3.0], device)
    h = x.masked_fill(x < 0, 0.0)          # keeps its mask in the node's args
    y = (h * x).sum()
    nodes = [y.grad_fn, h.grad_fn]
    assert h.grad_fn.args is not None
    y.backward()
    for node in nodes:
        assert node.inputs is None and node.out_data is None and node.args is None


def test_backward_of_a_leaf(device):
    x = leaf([1.0, 2.0], device)
    x.backward(xg.tensor([3.0, 4.0], dtype=xg.float64, device=device))
    assert x.grad.tolist() == [3.0, 4.0]


def test_create_graph_makes_grad_differentiable(device):
    x = leaf(3.0, device)
    (x ** 3).backward(create_graph=True)
    assert x.grad.item() == pytest.approx(27.0)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    g = x.grad
    x.grad = None
    g.backward()
    assert x.grad.item() == pytest.approx(18.0)       # d/dx 3x^2 = 6x


def test_backward_under_no_grad_still_works(device):
    x = leaf([1.0, 2.0], device)
    y = (x * x).sum()
    with xg.no_grad():
        y.backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_multiple_roots(device):
    x = leaf([1.0, 2.0], device)
    a, b = (x * x).sum(), (x * 3).sum()
    xg.autograd.backward((a, b))
    assert x.grad.tolist() == [5.0, 7.0]


# ---- autograd.grad -------------------------------------------------------------------------
def test_autograd_grad_returns_and_does_not_touch_dot_grad(device):
    x, w = leaf([1.0, 2.0], device), leaf([3.0, 4.0], device)
    y = (x * w).sum()
    gx, = xg.autograd.grad(y, x)
    assert gx.tolist() == [3.0, 4.0]
    assert x.grad is None and w.grad is None


def test_autograd_grad_several_inputs_and_outputs(device):
    x, w = leaf([1.0, 2.0], device), leaf([3.0, 4.0], device)
    y1, y2 = x * w, (x * x).sum()
    gx, gw = xg.autograd.grad([y1, y2], [x, w],
                              grad_outputs=[xg.ones_like(y1), xg.tensor(2.0, dtype=xg.float64,
                                                                       device=device)])
    assert gx.tolist() == [3.0 + 4.0, 4.0 + 8.0]
    assert gw.tolist() == [1.0, 2.0]


def test_autograd_grad_wrt_intermediate(device):
    x = leaf([1.0, 2.0], device)
    h = x * 3
    y = (h * h).sum()
    gh, gx = xg.autograd.grad(y, [h, x])
    assert gh.tolist() == [6.0, 12.0]
    assert gx.tolist() == [18.0, 36.0]


def test_autograd_grad_allow_unused(device):
    x, unused = leaf(2.0, device), leaf(5.0, device)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        xg.autograd.grad(x * 2, [x, unused])
    gx, gu = xg.autograd.grad(x * 2, [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None


def test_autograd_grad_retain_graph(device):
    x = leaf(2.0, device)
    y = x ** 3
    g1, = xg.autograd.grad(y, x, retain_graph=True)
    g2, = xg.autograd.grad(y, x)
    assert g1.item() == g2.item() == pytest.approx(12.0)
    with pytest.raises(RuntimeError, match="retain_graph"):
        xg.autograd.grad(y, x)


# ---- functional API ------------------------------------------------------------------------
def test_xg_grad_and_value_and_grad(device):
    def f(a, b):
        return (a * a * b).sum()

    a = xg.tensor([1.0, 2.0], device=device)
    b = xg.tensor([3.0, 4.0], device=device)
    assert xg.grad(f)(a, b).tolist() == [6.0, 16.0]
    assert xg.grad(f, argnums=1)(a, b).tolist() == [1.0, 4.0]
    ga, gb = xg.grad(f, argnums=(0, 1))(a, b)
    assert (ga.tolist(), gb.tolist()) == ([6.0, 16.0], [1.0, 4.0])
    value, g = xg.value_and_grad(f)(a, b)
    assert value.item() == 19.0 and g.tolist() == [6.0, 16.0]
    assert not value.requires_grad and not g.requires_grad
    assert a.grad is None and not a.requires_grad        # the caller's tensors are untouched


def test_xg_grad_of_python_scalars():
    dg = xg.grad(lambda w: (w ** 4 + w ** 2 + 10 * w) / 50)
    assert dg(2.5).item() == pytest.approx(1.55)
    assert dg(0).item() == pytest.approx(0.2)


def test_xg_grad_works_inside_no_grad(device):
    with xg.no_grad():
        g = xg.grad(lambda t: (t ** 3).sum())(xg.tensor([2.0], device=device))
    assert g.tolist() == [12.0]


def test_vjp(device):
    x = xg.tensor([1.0, 2.0], dtype=xg.float64, device=device)
    out, vjp_fn = xg.vjp(lambda t: t * t, x)
    assert out.tolist() == [1.0, 4.0]
    g, = vjp_fn(xg.tensor([1.0, 10.0], dtype=xg.float64, device=device))
    assert g.tolist() == [2.0, 40.0]


# ---- higher derivatives --------------------------------------------------------------------
def test_hessian_vector_product_matches_hand_computation(device):
    # f(w) = w0^2 * w1^3;  H = [[2 w1^3, 6 w0 w1^2], [6 w0 w1^2, 6 w0^2 w1]]
    w0, w1 = 1.5, -2.0
    w = leaf([w0, w1], device)
    v = xg.tensor([0.5, 3.0], dtype=xg.float64, device=device)
    f = w[0] ** 2 * w[1] ** 3
    g, = xg.autograd.grad(f, w, create_graph=True)
    assert g.tolist() == pytest.approx([2 * w0 * w1 ** 3, 3 * w0 ** 2 * w1 ** 2])
    hv, = xg.autograd.grad((g * v).sum(), w)
    hand = [2 * w1 ** 3 * 0.5 + 6 * w0 * w1 ** 2 * 3.0,
            6 * w0 * w1 ** 2 * 0.5 + 6 * w0 ** 2 * w1 * 3.0]
    assert hv.tolist() == pytest.approx(hand)


@pytest.mark.parametrize("x0", [-1.5, 0.5, 2.0])
def test_derivatives_of_x4_up_to_the_fourth(device, x0):
    x = leaf(x0, device)
    d1, = xg.autograd.grad(x ** 4, x, create_graph=True)
    d2, = xg.autograd.grad(d1, x, create_graph=True)
    d3, = xg.autograd.grad(d2, x, create_graph=True)
    d4, = xg.autograd.grad(d3, x)
    assert d1.item() == pytest.approx(4 * x0 ** 3)
    assert d2.item() == pytest.approx(12 * x0 ** 2)
    assert d3.item() == pytest.approx(24 * x0)
    assert d4.item() == pytest.approx(24.0)


def test_gradgradcheck_of_a_composite(device):
    a = leaf([[0.3, -0.2], [0.1, 0.4]], device)
    b = leaf([[0.5], [-0.7]], device)
    assert xg.gradcheck(lambda a, b: (a @ b).tanh() * a.sum(), (a, b))
    assert xg.gradgradcheck(lambda a, b: (a @ b).sigmoid(), (a, b))


# ---- long graphs, freeing ------------------------------------------------------------------
def test_chain_of_200000_ops_has_no_recursion_error():
    x = xg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(200_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_dropping_a_long_graph_without_backward_is_safe():
    x = xg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(200_000):
        y = y + 0.0
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is None


def test_intermediates_are_released_after_backward(device):
    x = leaf([1.0, 2.0], device)
    h = x.exp()
    h_ref = weakref.ref(h)
    loss = (h * h).sum()
    del h
    gc.collect()
    assert h_ref() is not None          # the graph keeps it for backward
    loss.backward()
    gc.collect()
    assert h_ref() is None              # consumed graph: saved tensors are freed
    assert loss.grad_fn.inputs is None


def test_retain_graph_keeps_intermediates(device):
    x = leaf([1.0, 2.0], device)
    h = x.exp()
    h_ref = weakref.ref(h)
    loss = (h * h).sum()
    del h
    loss.backward(retain_graph=True)
    gc.collect()
    assert h_ref() is not None
    del loss
    gc.collect()
    assert h_ref() is None


# ---- grad mode -----------------------------------------------------------------------------
def test_no_grad_and_enable_grad(device):
    x = leaf([1.0], device)
    with xg.no_grad():
        assert not xg.is_grad_enabled()
        y = x * 2
        with xg.enable_grad():
            z = x * 2
    assert xg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None
    with xg.set_grad_enabled(False):
        assert not (x * 2).requires_grad


def test_grad_mode_decorators(device):
    x = leaf([1.0], device)

    @xg.no_grad()
    def frozen(t):
        return t * 2

    @xg.enable_grad()
    def tracked(t):
        return t * 2

    assert not frozen(x).requires_grad
    with xg.no_grad():
        assert tracked(x).requires_grad
    assert xg.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError):
        with xg.no_grad():
            raise ValueError("boom")
    assert xg.is_grad_enabled()


def test_grad_mode_is_thread_local():
    x = xg.tensor([1.0], requires_grad=True)
    seen = {}
    started, release = threading.Event(), threading.Event()

    def other_thread():
        seen["enabled"] = xg.is_grad_enabled()
        seen["records"] = (x * 2).requires_grad
        with xg.no_grad():
            started.set()
            release.wait(10)

    with xg.no_grad():
        t = threading.Thread(target=other_thread)
        t.start()
        started.wait(10)
        assert not xg.is_grad_enabled()
    assert xg.is_grad_enabled()          # the other thread's no_grad does not leak here
    assert (x * 2).requires_grad
    release.set()
    t.join()
    assert seen == {"enabled": True, "records": True}


def test_second_grad_through_piecewise_linear_ops_is_zero_as_pytorchs(device):
    x = xg.tensor([1.0, -2.0], device=device, requires_grad=True)
    for fn in (lambda t: t.relu(), lambda t: xg.leaky_relu(t, 0.1), lambda t: t.abs()):
        g, = xg.autograd.grad(fn(x).sum(), x, create_graph=True)
        assert g.requires_grad
        assert xg.autograd.grad(g.sum(), x)[0].tolist() == [0.0, 0.0]
    assert xg.sign(x).requires_grad and not xg.sign(x.detach()).requires_grad
    g, = xg.autograd.grad((x.relu() * x).sum(), x, create_graph=True)
    assert xg.autograd.grad(g.sum(), x)[0].tolist() == [2.0, 0.0]


def test_grad_materialize_grads_gives_zeros_for_unused_inputs(device):
    x = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    w = xg.tensor([3.0], device=device, requires_grad=True)
    gx, gw = xg.autograd.grad((x * 2).sum(), [x, w], materialize_grads=True)
    assert gx.tolist() == [2.0, 2.0] and gw.tolist() == [0.0]
    assert xg.autograd.grad((x * 2).sum(), [x, w], allow_unused=True)[1] is None
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        xg.autograd.grad((x * 2).sum(), [x, w])


def test_grad_runs_only_the_graph_above_its_inputs(device):
    # as PyTorch: hooks below (or beside) the inputs do not fire, freed parts do not matter
    w = leaf([1.0, 2.0], device)
    x = leaf([3.0, 4.0], device)
    fired = []
    w.register_hook(lambda g: fired.append("w"))
    gx, = xg.autograd.grad((w * x).sum(), [x])
    assert gx.tolist() == [1.0, 2.0] and fired == []
    z = x * 3
    first = (z * z).sum()
    later = (z * w).sum()
    first.backward()                        # frees z's node
    gz, = xg.autograd.grad(later, [z])      # only later's node is needed above z
    assert gz.tolist() == w.tolist()
    with pytest.raises(RuntimeError, match="retain_graph"):
        xg.autograd.grad(later, [x])        # below z: the freed node is needed now


def test_grad_by_an_intermediate_and_a_leaf_below_it(device):
    x = leaf([1.0, 2.0], device)
    h = x * x
    out = (h * 3).sum()
    gh, gx = xg.autograd.grad(out, [h, x])
    assert gh.tolist() == [3.0, 3.0] and gx.tolist() == [6.0, 12.0]
