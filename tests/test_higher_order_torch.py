"""Higher-order gradients, pinned to torch 2.13's numbers (hard-coded: torch is not needed):
double backward through the common ops (a Hessian-vector product per op), DeZero's Newton
method and n-th derivatives, create_graph accumulation, very deep graphs, freeing of the
graph after backward, and torch.func transforms closing over a tensor that requires grad."""
import gc
import weakref

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F


def _inp(shape, k, device):
    n = int(np.prod(shape))
    values = np.sin(np.arange(n) * 1.3 + 0.2 + k).reshape(shape)
    return xg.tensor(values, dtype=xg.float64, device=device, requires_grad=True)


def _const(values, shape, device):
    return xg.tensor(np.asarray(values).reshape(shape), dtype=xg.float64, device=device)


CASES = {
    "matmul": (lambda a, b: (a @ b) ** 2, [(2, 3), (3, 2)]),
    "broadcast_mul": (lambda a, b: a * b * a, [(2, 3), (3,)]),
    "sum_to": (lambda a: a.sum(0, keepdim=True) ** 3, [(2, 3)]),
    "reshape_T": (lambda a: a.reshape(3, 2).T.exp(), [(2, 3)]),
    "getitem": (lambda a: a[1:, [0, 2, 2]] ** 3, [(2, 3)]),
    "softmax": (lambda a: F.softmax(a, dim=1), [(2, 3)]),
    "log_softmax": (lambda a: F.log_softmax(a, dim=1), [(2, 3)]),
    "cross_entropy": (lambda a: F.cross_entropy(a, xg.tensor([2, 0], device=a.device)), [(2, 3)]),
    "sigmoid": (lambda a: xg.sigmoid(a), [(2, 3)]),
    "tanh": (lambda a: xg.tanh(a), [(2, 3)]),
    "exp_log": (lambda a: xg.log(xg.exp(a) + 1), [(2, 3)]),
    "pow": (lambda a, b: (a * a + 1) ** b, [(2, 3), (2, 3)]),
    "max_dim": (lambda a: a.max(dim=1).values ** 3, [(2, 3)]),
    "min_all": (lambda a: a.min() * a, [(2, 3)]),
    "linear": (lambda x, w, b: xg.tanh(F.linear(x, w, b)), [(2, 3), (4, 3), (4,)]),
    "conv2d": (lambda x, w: F.conv2d(x, w, padding=1) ** 2, [(1, 2, 3, 3), (2, 2, 2, 2)]),
    "mse": (lambda a, b: F.mse_loss(a, b) ** 2, [(2, 3), (2, 3)]),
    "layer_norm": (lambda x: F.layer_norm(x, (3,)), [(2, 3)]),
}

# per case: (first gradients, then the gradient of <gradients, sin(0.7 k)>), from torch 2.13
TORCH = {
    "matmul": ([[-1.0260136288, 0.9462759976, -0.5956928911, -0.5532903819, 1.0235445609, -1.2008372637], [-0.3186807461, 0.9122067434, -0.9263659728, 0.4470199736, -0.1769228791, -0.6730521047]],
        [[1.9988637671, -3.4505825076, 1.4445920354, 1.0033879242, -3.6111036362, 3.3974383352], [0.4527491015, -3.1934342828, 1.1546238696, -1.6575217016, -0.2625729825, 1.5658835451]]),
    "broadcast_mul": ([[0.370335163, 0.6450917373, 0.1705911918, 1.5100677311, 0.6045916148, -0.1405322709], [-0.6234071291, 0.147265705, -0.0002055617]],
        [[0.0, 1.1110239059, 0.2270840139, -1.5929867672, 0.3887185597, 0.3481038407], [1.3985514443, 1.0328142083, -0.3553201007]]),
    "sum_to": ([[1.1517414041, 0.0818619543, -0.6833468605, 1.1517414041, 0.0818619543, -0.6833468605]],
        [[-3.2091074375, 0.7133851774, -1.1724115828, -3.2091074375, 0.7133851774, -1.1724115828]]),
    "reshape_T": ([[1.219778556, -2.6843458622, 0.7553014633, -0.2883817634, -0.1921494939, 0.4252316006]],
        [[0.0, -1.7293030831, 0.7443116231, -0.2489338393, -0.0643678035, -0.1491641134]]),
    "getitem": ([[0.0, 0.0, 0.0, 2.0087322915, 0.0, 0.0610485323]],
        [[0.0, 0.0, 0.0, -4.2380668007, 0.0, -0.1057913075]]),
    "softmax": ([[0.1385610347, 0.0741177895, -0.2126788242, -0.1578765976, -0.1005719731, 0.2584485708]],
        [[-0.0441927316, 0.0866366557, -0.0424439241, -0.0877736921, 0.0168149789, 0.0709587132]]),
    "log_softmax": ([[0.7426959003, -0.0316664163, -0.711029484, -0.7401975089, -0.3922171254, 1.1324146343]],
        [[0.1508509942, -0.033141331, -0.1177096632, 0.2146202913, 0.0865228954, -0.3011431867]]),
    "cross_entropy": ([[0.1144432895, 0.254399297, -0.3688425865, -0.4081618471, 0.0961145244, 0.3120473227]],
        [[-0.0670952543, 0.0147405461, 0.0523547082, 0.0789060313, 0.0318104978, -0.1107165291]]),
    "sigmoid": ([[0.2475492933, 0.1063527936, -0.1011717679, -0.2102884945, -0.1412526084, 0.0680872951]],
        [[-0.0, -0.0315941292, 0.0165446799, -0.0703839075, -0.0174242298, 0.0047697231]]),
    "tanh": ([[0.9615462981, 0.2277799693, -0.3727318079, -0.5400877624, -0.3787234349, 0.2418146505]],
        [[-0.0, -0.2232031354, 0.2372781095, -0.6285716752, -0.1645562647, 0.0651606853]]),
    "exp_log": ([[0.5495046128, 0.3947263745, -0.2426021922, -0.3030659117, -0.2064738593, 0.1701554274]],
        [[0.0, 0.0685143507, -0.0996996914, -0.1815229982, -0.04731795, -0.0238838811]]),
    "pow": ([[0.3693621656, 0.4888621097, 0.1437161612, -0.5589685509, 0.0778534703, 0.2265564722], [0.0401326535, 0.564152991, -0.0414710088, -0.3157134862, -0.3232218112, 0.0500208812]],
        [[0.0, 0.9330060936, 0.0688608865, -0.0473262832, 0.2245260498, -0.2881322915], [0.0, 0.994740954, -0.2207511346, 0.1341619954, 0.1852816593, -0.0951492059]]),
    "max_dim": ([[0.0, 2.9849887449, 0.0, 0.0, 0.0, 0.2656722493]],
        [[0.0, 3.8556234798, 0.0, 0.0, 0.0, -0.4603847715]]),
    "min_all": ([[-0.8182771111, -0.4421170099, 0.3405234312, 2.8383435044, 0.5348616137, -0.2321142736]],
        [[0.8632093666, 0.4663940112, -0.3592218472, -2.0896278822, -0.564231296, 0.2448598555]]),
    "linear": ([[-0.4502762447, -0.229151873, 0.3276805296, -0.3349609131, -0.2604569147, 0.1956170739], [0.3981979783, 0.5555969397, -0.1009549172, -0.0378224235, 0.3985308971, 0.2510355198, -0.3008416979, -0.3100400862, 0.1349709782, -0.297841389, -0.6455510121, -0.0475268901], [-0.2111073489, 0.712597176, 0.3278599883, -0.1950109178]],
        [[0.6577301239, 1.6148845348, 0.2643079245, -0.2159878878, -1.3027280007, -0.8847146463], [0.0291390313, 0.1388956897, 0.043018038, -0.0877263451, 0.3355031605, 0.6695887442, -0.8746488784, -0.9355071022, 0.473551886, 0.1398566489, 1.172668388, 0.2841889936], [-0.8593658057, 0.5351988764, 1.5773373328, 2.3270916145]]),
    "conv2d": ([[0.4912165039, 3.756961194, 5.3245157526, 1.7244006825, 6.2104851979, -1.3540148954, 4.8482617285, 1.966459474, 1.1724977023, -2.3600933812, -1.9905944854, 1.137298789, -2.8557854978, 4.6210946354, 1.1970818365, 5.7957460893, 4.6316819754, 1.7682350314], [2.2048228005, 0.6306065473, 1.7734853405, 1.0822984916, 3.3528606518, 4.2023165079, 1.2944836826, 1.6437901316, 1.6040780539, 0.5674376405, 3.3857650817, 1.1600384689, 1.9371109104, 2.5817916903, 3.0884121989, 2.3720006793]],
        [[-2.586586846, 5.1494558927, 14.4676251306, -2.2083154843, 9.5009471935, 0.8670704589, 3.2628337653, 8.1755793084, -0.1341768894, 2.3463329286, 9.0090309781, 6.4791544416, 10.4187118766, 0.8459417953, -8.638597422, -10.9922407421, -22.6243326906, -7.6790496039], [10.6404143092, 8.2594104784, -8.2831545577, -6.806316103, 7.4983386808, 8.0536823645, -11.3172329448, -14.8621897316, 15.5608751237, 9.4528742061, -7.6586199942, -4.1925288454, 13.6330281255, 14.1429583737, -9.5459998055, -10.7385665055]]),
    "mse": ([[-0.2229665109, 0.1213149715, 0.2878697365, 0.0326946631, -0.2703781683, -0.1773463497], [0.2229665109, -0.1213149715, -0.2878697365, -0.0326946631, 0.2703781683, 0.1773463497]],
        [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]),
    "layer_norm": ([[1.8518809375, 0.3810556629, -2.2329366004, -0.2548383137, 0.2646455935, -0.0098072798]],
        [[-2.3020251452, 2.4769398729, -0.1749147278, -0.65613456, 0.5728322392, 0.0833023208]]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_double_backward_through_each_op_matches_torch(name, device):
    fn, shapes = CASES[name]
    grads_want, hess_want = TORCH[name]
    xs = [_inp(s, i, device) for i, s in enumerate(shapes)]
    out = fn(*xs)
    y = (out * _const(np.cos(np.arange(out.numel())), tuple(out.shape), device)).sum()
    gs = xg.autograd.grad(y, xs, create_graph=True)
    for g, want in zip(gs, grads_want):
        np.testing.assert_allclose(g.detach().numpy().ravel(), want, rtol=1e-7, atol=1e-9)
    s = sum((g * _const(np.sin(np.arange(g.numel()) * 0.7), tuple(g.shape), device)).sum()
            for g in gs)
    hs = xg.autograd.grad(s, xs, allow_unused=True)
    for h, want in zip(hs, hess_want):
        got = np.zeros(len(want)) if h is None else h.numpy().ravel()
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)


NTH = {   # d^k/dx^k f at x = 0.7, k = 1..5 (torch 2.13)
    "tanh": (xg.tanh, [0.634739589982, -0.767232310092, 0.121592277383, 2.774983422781,
                       -7.50352908975]),
    "sin": (xg.sin, [0.764842187284, -0.644217687238, -0.764842187284, 0.644217687238,
                     0.764842187284]),
    "sigmoid": (xg.sigmoid, [0.221712873293, -0.07457878844, -0.07322671581,
                             0.123842141222, 0.054853002736]),
    "exp_sq": (lambda x: xg.exp(-x * x), [-0.857676951858, -0.024505055767, 3.465014885507,
                                          -4.703990505106, -21.134532376909]),
    "log1p": (xg.log1p, [0.588235294118, -0.346020761246, 0.407083248524, -0.718382203278,
                         1.690311066537]),
    "softplus": (F.softplus, [0.668187772168, 0.221712873293, -0.07457878844,
                              -0.07322671581, 0.123842141222]),
    "gelu": (F.gelu, [0.976614101134, 0.471503439384, -0.767207914282, -0.25295691142,
                      2.808745988409]),
    "sqrt": (xg.sqrt, [0.597614304667, -0.426867360477, 0.91471577245, -3.266842044464,
                       16.334210222318]),
    "reciprocal": (xg.reciprocal, [-2.040816326531, 5.830903790087, -24.989587671803,
                                   142.797643838877, -1019.98317027769]),
}


@pytest.mark.parametrize("name", sorted(NTH))
def test_nth_derivatives_match_torch(name, device):
    fn, want = NTH[name]
    x = xg.tensor(0.7, dtype=xg.float64, device=device, requires_grad=True)
    y, got = fn(x), []
    for _ in want:
        (y,) = xg.autograd.grad(y, x, create_graph=True)
        got.append(y.item())
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


def test_newton_method_with_backward_create_graph(device):
    # DeZero's step 33: x <- x - f'(x) / f''(x) on f = x^4 - 2x^2, both by backward
    x = xg.tensor(2.0, dtype=xg.float64, device=device, requires_grad=True)
    trajectory = []
    for _ in range(6):
        y = x ** 4 - 2 * x ** 2
        y.backward(create_graph=True)
        gx = x.grad
        x.grad = None                       # DeZero's x.cleargrad()
        gx.backward()
        x = (x - gx / x.grad).detach().requires_grad_()
        trajectory.append(x.item())
    np.testing.assert_allclose(trajectory, [1.454545454545, 1.151046789378, 1.025325928977,
                                            1.000908451943, 1.000001235309,
                                            1.000000000002], rtol=1e-11)


def test_second_backward_accumulates_into_grad_of_the_first(device):
    x = xg.tensor(2.0, dtype=xg.float64, device=device, requires_grad=True)
    (x ** 4 - 2 * x ** 2).backward(create_graph=True)
    gx = x.grad
    assert gx.item() == 24.0 and gx.requires_grad
    x.grad = None
    gx.backward()
    assert x.grad.item() == 44.0 and not x.grad.requires_grad
    (x ** 3).backward(create_graph=True)             # accumulates out of place
    assert x.grad.item() == 56.0 and x.grad.requires_grad


def test_generation_order_with_a_reused_node(device):
    x = xg.tensor(2.0, dtype=xg.float64, device=device, requires_grad=True)
    a = x ** 2
    y = a ** 2 + a ** 2                              # DeZero's generation test
    y.backward()
    assert x.grad.item() == 64.0
    x2 = xg.tensor(3.0, dtype=xg.float64, device=device, requires_grad=True)
    y2 = x2 * x2 * x2 + x2                           # one leaf used four times
    (g,) = xg.autograd.grad(y2, x2, create_graph=True)
    (h,) = xg.autograd.grad(g, x2)
    assert (g.item(), h.item()) == (28.0, 18.0)


def test_ten_thousand_ops_do_not_hit_the_recursion_limit():
    x = xg.tensor(1.0, dtype=xg.float64, requires_grad=True)
    y = x
    for _ in range(10000):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0 and y.item() == 10001.0
    z = x
    for _ in range(1000):
        z = xg.sin(z)
    (g,) = xg.autograd.grad(z, x, create_graph=True)
    (h,) = xg.autograd.grad(g, x)
    assert np.isfinite(g.item()) and np.isfinite(h.item())


def test_saved_arrays_are_freed_after_backward_unless_retained():
    def chain(retain):
        x = xg.tensor(np.ones(1000), dtype=xg.float64, requires_grad=True)
        a = x.exp()                      # saved by sin (its input) and by exp (its output)
        ref = weakref.ref(a.data)
        y = a.sin().sum()
        del a
        gc.collect()
        assert ref() is not None         # the graph keeps it for backward
        y.backward(retain_graph=retain)
        gc.collect()
        return ref() is None
    assert chain(retain=False)
    assert not chain(retain=True)


def test_backward_twice_needs_retain_graph(device):
    x = xg.tensor(2.0, dtype=xg.float64, device=device, requires_grad=True)
    y = (x * x).exp()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 436.7852002651539)   # torch: twice 4 e^4
    with pytest.raises(RuntimeError, match="backward through the graph .* a second time"):
        y.backward()
    z = x.sin() ** 2
    xg.autograd.grad(z, x, create_graph=True)        # create_graph retains by default
    (g,) = xg.autograd.grad(z, x)
    np.testing.assert_allclose(g.item(), np.sin(4.0))


def test_functional_hvp_vhp_hessian_and_forward_mode_jacobian(device):
    AF = xg.autograd.functional
    f = lambda x: (x.sin() * x.sum()).sum()          # noqa: E731
    x = xg.tensor([0.5, -1.0, 2.0], dtype=xg.float64, device=device)
    v = xg.tensor([1.0, 0.5, -2.0], dtype=xg.float64, device=device)
    want = [0.8220977990672367, 2.34097947359058, 4.915993086669344]
    np.testing.assert_allclose(AF.hvp(f, x, v)[1].numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(AF.vhp(f, x, v)[1].numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(AF.hessian(f, x).numpy(), [
        [1.036026815874441, 1.4178848677585125, 0.46143572534323035],
        [1.4178848677585125, 2.342811088948124, 0.12415546932099736],
        [0.46143572534323035, 0.12415546932099736, -2.196239813332807]], rtol=1e-12)
    jac = AF.jacobian(lambda t: t.sin() * t.sum(), x, vectorize=True, strategy="forward-mode")
    np.testing.assert_allclose(jac.numpy(), [
        [1.7957993814397621, 0.479425538604203, 0.479425538604203],
        [-0.8414709848078965, -0.031017526005686857, -0.8414709848078965],
        [0.9092974268256817, 0.9092974268256817, 0.28507717200496807]], rtol=1e-12)
    h = AF.hessian(f, x, vectorize=True, outer_jacobian_strategy="forward-mode")
    np.testing.assert_allclose(h.numpy()[0, 0], 1.036026815874441, rtol=1e-12)


def test_functional_strategy_and_v_errors_are_torchs_types():
    AF = xg.autograd.functional
    x = xg.tensor([1.0, 2.0, 3.0], dtype=xg.float64)
    with pytest.raises(NotImplementedError, match="vectorize=True"):
        AF.jacobian(lambda t: t * 2, x, strategy="forward-mode")
    with pytest.raises(NotImplementedError, match="vectorize=True"):
        AF.hessian(lambda t: (t * t).sum(), x, outer_jacobian_strategy="forward-mode")
    with pytest.raises(AssertionError, match="forward-mode.*reverse-mode"):
        AF.jacobian(lambda t: t * 2, x, strategy="sideways")
    with pytest.raises(RuntimeError, match=r"v\[0\] has shape \(2,\), expected \(3,\)"):
        AF.vjp(lambda t: t * 2, x, xg.ones(2, dtype=xg.float64))
    with pytest.raises(RuntimeError, match="v has 2 tensor"):
        AF.hvp(lambda t: (t * t).sum(), x, (x, x))
    with pytest.raises(RuntimeError, match="inputs must be floating point"):
        AF.jacobian(lambda t: t * 2, xg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="v has 2 tensor.* there are 1"):
        AF.vjp(lambda a, b: a * b, (x, x), (x, x))       # one output, two v


def test_func_transforms_keep_the_graph_to_a_closed_over_parameter(device):
    # torch.func: grad(f) of a function closing over w stays differentiable w.r.t. w
    w = xg.tensor([1.0, 2.0], dtype=xg.float64, device=device, requires_grad=True)
    x = xg.tensor([3.0, 4.0], dtype=xg.float64, device=device)
    g = xg.func.grad(lambda t: (t ** 2 * w.exp()).sum())(x)
    assert g.requires_grad
    (g ** 2).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [532.0120391229, 6988.5632042418], rtol=1e-10)
    w.grad = None
    jac = xg.func.jacrev(lambda t: t ** 2 * w.exp())(x)
    (jac ** 2).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [532.0120391229, 6988.5632042418], rtol=1e-10)
    w.grad = None
    hess = xg.func.hessian(lambda t: (t ** 2 * w.exp()).sum())(x)
    (hess ** 2).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [59.1124487914, 436.7852002651], rtol=1e-10)
    plain = xg.func.grad(lambda t: (t ** 3).sum())(x)     # nothing outside: detached
    assert not plain.requires_grad


def test_maml_inner_step_by_func_grad(device):
    w = xg.tensor([[0.5, -0.3], [0.2, 0.1]], dtype=xg.float64, device=device,
                  requires_grad=True)
    X = xg.tensor([[1.0, 2.0], [3.0, -1.0]], dtype=xg.float64, device=device)
    Y = xg.tensor([1.0, 0.0], dtype=xg.float64, device=device)
    loss = lambda p, x, y: ((x @ p).sum(1) - y).pow(2).mean()   # noqa: E731
    inner = w - 0.1 * xg.func.grad(loss)(w, X, Y)
    outer = loss(inner, X, Y)
    outer.backward()
    np.testing.assert_allclose(outer.item(), 0.0356, rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), [[0.868, 0.868], [-0.168, -0.168]], rtol=1e-12)
