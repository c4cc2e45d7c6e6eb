"""PyTorch's smaller conveniences: new_* factories, dtype queries, method spellings, in-place
forms, the extra factories (empty, linspace, randint, ...) and int -> float promotion."""
import numpy as np
import pytest

import xpgrad as xg


def test_new_factories_take_the_tensors_dtype_and_device(device):
    x = xg.ones(2, 3, dtype="float64", device=device)
    for made in (x.new_zeros(4), x.new_ones((2, 2)), x.new_empty(3), x.new_full((2,), 7.0),
                 x.new_tensor([1.0, 2.0])):
        assert made.dtype == xg.float64 and made.device == x.device and not made.requires_grad
    assert x.new_full((2,), 7.0).tolist() == [7.0, 7.0]
    assert x.new_zeros(2, dtype="int64").dtype == xg.int64
    assert x.type_as(xg.ones(1, dtype="float32", device=device)).dtype == xg.float32


def test_dtype_queries_and_aliases():
    x = xg.ones(2, 3)
    assert x.is_floating_point() and not xg.tensor([1]).is_floating_point()
    assert x.element_size() == x.itemsize == 4 and x.nbytes == 24
    assert x.half().dtype == xg.float16 and x.short().dtype == xg.int16
    assert (xg.long, xg.int, xg.float, xg.double, xg.half) == (
        xg.int64, xg.int32, xg.float32, xg.float64, xg.float16)
    assert xg.is_tensor(x) and not xg.is_tensor(np.ones(2)) and xg.numel(x) == 6
    assert xg.device("cpu") == "cpu" and not x.is_cuda and x.is_contiguous()


def test_method_spellings_match_the_operators(device):
    a = xg.tensor([1.0, 2.0, 3.0], device=device)
    b = xg.tensor([3.0, 2.0, 1.0], device=device)
    assert a.eq(b).tolist() == (a == b).tolist() == [False, True, False]
    assert a.lt(b).tolist() == a.less(b).tolist() == [True, False, False]
    assert a.ge(b).tolist() == a.greater_equal(b).tolist() == [False, True, True]
    assert a.neg().tolist() == a.negative().tolist() == [-1.0, -2.0, -3.0]
    assert a.multiply(b).tolist() == [3.0, 4.0, 3.0] and a.true_divide(2).tolist() == [0.5, 1, 1.5]
    assert xg.logical_xor(a > 1, b > 1).tolist() == [True, False, True]


def test_add_and_sub_take_pytorchs_alpha(device):
    a = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    b = xg.tensor([10.0, 20.0], device=device, requires_grad=True)
    out = xg.add(a, b, alpha=0.5)
    assert out.tolist() == [6.0, 12.0]
    out.sum().backward()
    assert b.grad.tolist() == [0.5, 0.5] and a.grad.tolist() == [1.0, 1.0]
    assert a.sub(b, alpha=2).tolist() == [-19.0, -38.0]
    assert a.add(1, alpha=3).tolist() == [4.0, 5.0]


def test_isclose_allclose_equal_follow_pytorch(device):
    torch = pytest.importorskip("torch")
    values = [1.0, 1.0 + 1e-6, float("inf"), float("nan"), -float("inf"), 0.0]
    other = [1.0, 1.0, float("inf"), float("nan"), float("inf"), 1e-9]
    a = xg.tensor(values, dtype="float64", device=device)
    b = xg.tensor(other, dtype="float64", device=device)
    ta, tb = torch.tensor(values, dtype=torch.float64), torch.tensor(other, dtype=torch.float64)
    for equal_nan in (False, True):
        assert xg.isclose(a, b, equal_nan=equal_nan).tolist() == \
            torch.isclose(ta, tb, equal_nan=equal_nan).tolist()
    assert xg.allclose(a[:2], b[:2]) and not xg.allclose(a, b)
    assert xg.equal(a[:1], b[:1]) and not xg.equal(a[:2], b[:2])
    assert not xg.equal(a[:1], b[:2])                    # shapes differ: False, not an error


def test_inplace_forms_write_into_the_same_array(device):
    z = xg.zeros(3, device=device)
    view = z[1:]
    out = z.add_(1).mul_(3).clamp_(0, 2).sub_(xg.tensor([1.0, 0.0, 1.0], device=device), alpha=2)
    assert out is z and z.tolist() == [0.0, 2.0, 0.0]
    assert view.tolist() == [2.0, 0.0]                  # views see the change, as in PyTorch
    z.neg_().abs_().sqrt_().exp_()
    assert z.tolist() == pytest.approx([1.0, float(np.exp(np.sqrt(2.0))), 1.0])
    xg.manual_seed(0)
    u = xg.zeros(1000, device=device).uniform_(-2.0, 2.0)
    assert -2.0 <= u.min().item() and u.max().item() < 2.0
    n = xg.zeros(2000, dtype="float64", device=device).normal_(3.0, 0.5)
    assert abs(n.mean().item() - 3.0) < 0.05 and abs(n.std().item() - 0.5) < 0.05


def test_inplace_forms_on_a_graph_are_recorded_and_refused_on_a_leaf(device):
    w = xg.ones(2, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"mul_\(\) on a tensor that requires grad"):
        w.mul_(2)
    h = w * 2
    assert h.add_(1).mul_(w).exp_() is h                # recorded, as PyTorch records it
    h.sum().backward()
    # h = exp((2w + 1) w): dh/dw = h (4w + 1) = e^3 * 5 at w = 1
    assert w.grad.tolist() == pytest.approx([5 * np.exp(3.0)] * 2, rel=1e-6)
    with pytest.raises(ValueError, match=r"in-place add_\(\): result shape \(2, 2\)"):
        xg.zeros(2, device=device).add_(xg.ones(2, 1, device=device))
    with pytest.raises(RuntimeError, match=r"in-place mul_\(\): the result type float32 can't"):
        xg.zeros(2, dtype="int64", device=device).mul_(0.5)
    halves = xg.zeros(2, device=device).add_(xg.ones(2, dtype="float64", device=device))
    assert halves.dtype == xg.float32                     # keeps its dtype, as PyTorch
    plain = xg.zeros(2, device=device)
    plain.add_(w)                                          # a value that requires grad joins
    assert plain.requires_grad
    with xg.no_grad():
        w.mul_(3)                                         # an optimizer-style update
    assert w.tolist() == [3.0, 3.0] and w.requires_grad


def test_inplace_forms_like_torch():
    torch = pytest.importorskip("torch")
    a = np.array([0.5, 1.5, -0.25])
    grads = []
    for m in (xg, torch):
        x = m.tensor(a, requires_grad=True)
        y = x * 1.0
        y.add_(x, alpha=2).mul_(3).clamp_(min=-0.1).sub_(0.1).div_(2).exp_()
        y.sum().backward()
        grads.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12)


def test_linspace_logspace_match_pytorch():
    torch = pytest.importorskip("torch")
    for start, end, steps in [(0, 1, 5), (-1, 1, 4), (3, -2, 7), (0, 1, 1), (0, 1, 0),
                              (0.1, 0.9, 9)]:
        ours = xg.linspace(start, end, steps)
        assert ours.dtype == xg.float32
        np.testing.assert_allclose(ours.numpy(), torch.linspace(start, end, steps).numpy(),
                                   rtol=1e-6, atol=1e-7)
        assert ours.numpy()[-1:].tolist() == torch.linspace(start, end, steps).numpy()[-1:].tolist()
    np.testing.assert_allclose(xg.logspace(0, 2, 3, dtype="float64").numpy(),
                               torch.logspace(0, 2, 3, dtype=torch.float64).numpy())
    np.testing.assert_allclose(xg.logspace(0, 3, 4, base=2.0).numpy(), [1, 2, 4, 8])
    with pytest.raises(ValueError, match="linspace: steps must be a non-negative int"):
        xg.linspace(0, 1, -1)


def test_random_factories(device):
    xg.manual_seed(1)
    r = xg.randint(-3, 4, (2000,), device=device)
    assert r.dtype == xg.int64 and r.device == xg.device(device)
    assert set(r.tolist()) == set(range(-3, 4))
    assert xg.randint(5, (3, 2), device=device).shape == (3, 2)
    assert sorted(xg.randperm(6, device=device).tolist()) == list(range(6))
    assert xg.randint_like(xg.zeros(2, 2, device=device), 3).dtype == xg.float32
    with pytest.raises(ValueError, match="randint: expected low < high"):
        xg.randint(3, 3, (2,))
    x = xg.normal(xg.zeros(3000, dtype="float64", device=device), 2.0)
    assert x.dtype == xg.float64 and abs(x.std().item() - 2.0) < 0.1
    assert xg.normal(1.0, 1.0, size=(2, 2), device=device).shape == (2, 2)
    p = xg.full((4000,), 0.25, device=device)
    b = xg.bernoulli(p)
    assert set(b.tolist()) <= {0.0, 1.0} and abs(b.mean().item() - 0.25) < 0.03
    assert xg.empty(2, 3, device=device).shape == (2, 3)
    assert xg.empty_like(p).shape == p.shape


def test_from_numpy_shares_memory():
    a = np.arange(3.0)
    t = xg.from_numpy(a)
    a[0] = 7.0
    assert t.dtype == xg.float64 and t.tolist() == [7.0, 1.0, 2.0]
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray"):
        xg.from_numpy([1.0])


def test_float_math_on_integer_tensors_gives_the_default_float_dtype(device):
    i = xg.tensor([1, 4], device=device)
    for fn in (xg.exp, xg.log, xg.sqrt, xg.sin, xg.cos, xg.tanh, xg.sigmoid, xg.log1p):
        assert fn(i).dtype == xg.float32, fn.__name__
    assert xg.sqrt(i).tolist() == [1.0, 2.0]
    assert xg.exp(xg.tensor([0.0], dtype="float64", device=device)).dtype == xg.float64


def test_type_names_nelement_format_and_numpy_force():
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "float64", "int64", "int32", "bool", "uint8", "float16"):
        ours, theirs = xg.zeros(2, dtype=dtype), torch.zeros(2, dtype=getattr(torch, dtype))
        assert ours.type() == theirs.type().replace("torch.", "xpgrad.")
    x = xg.ones(2, 3)
    assert x.nelement() == 6 and x.type(xg.float64).dtype == xg.float64
    loss = xg.tensor(0.123456)
    assert f"{loss:.3f}" == f"{torch.tensor(0.123456):.3f}" == "0.123"
    assert f"{x}" == repr(x)
    assert x.numpy(force=True).shape == (2, 3)


def test_to_another_tensor_and_copy(device):
    x = xg.ones(2, device=device)
    other = xg.zeros(1, dtype=xg.float64, device="cpu")
    moved = x.to(other)
    assert moved.dtype == xg.float64 and moved.device == other.device
    assert x.to(copy=True) is not x and x.to() is x
    assert x.to(device, non_blocking=True).device == x.device


def test_backward_into_chosen_inputs_like_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(6.0).reshape(2, 3)
    results = []
    for m in (xg, torch):
        x = m.tensor(a, requires_grad=True)
        w = m.tensor(a[0], requires_grad=True)
        h = x * 2
        (h * w).sum().backward(inputs=[w, h], retain_graph=True)
        (h * w).sum().backward(inputs=w)
        results.append((x.grad, w.grad.numpy(), h.grad.numpy()))
    (xgx, xw, xh), (tgx, tw, th) = results
    assert xgx is None and tgx is None
    np.testing.assert_array_equal(xw, tw)
    np.testing.assert_array_equal(xh, th)
    with pytest.raises(ValueError, match="inputs= must name at least one tensor"):
        (xg.ones(2, requires_grad=True) * 2).sum().backward(inputs=[])


def test_sum_and_mean_take_a_dtype_like_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[1, 2], [3, 4]], dtype=np.int32)
    for kwargs in ({}, {"dim": 0}, {"dim": 1, "keepdim": True}):
        ours = xg.tensor(a).sum(dtype=xg.float64, **kwargs)
        theirs = torch.tensor(a).sum(dtype=torch.float64, **kwargs)
        assert ours.dtype == xg.float64 and ours.tolist() == theirs.tolist()
        ours = xg.tensor(a).mean(dtype=xg.float64, **kwargs)
        theirs = torch.tensor(a).mean(dtype=torch.float64, **kwargs)
        assert ours.dtype == xg.float64 and ours.tolist() == theirs.tolist()
    x = xg.ones(3, dtype=xg.float32, requires_grad=True)
    xg.sum(x, dtype=xg.float64).backward()
    assert x.grad.dtype == xg.float32 and x.grad.tolist() == [1.0] * 3


def test_stride_like_a_contiguous_torch_tensor():
    torch = pytest.importorskip("torch")
    for shape in [(2, 3), (4,), (), (2, 0, 3), (1, 5, 2)]:
        assert xg.zeros(shape).stride() == torch.zeros(shape).stride()
    assert xg.zeros(2, 3, 4).stride(1) == torch.zeros(2, 3, 4).stride(1) == 4
    assert xg.zeros(2, 3).stride(-1) == 1
    with pytest.raises(ValueError, match="stride: axis 2 is out of range"):
        xg.zeros(2, 3).stride(2)


def test_tensors_from_pytorch_tensors_and_state_dicts():
    torch = pytest.importorskip("torch")
    for t in (torch.ones(2, 3), torch.arange(4), torch.zeros(2, dtype=torch.float64),
              torch.ones(2, requires_grad=True) * 2, torch.tensor(True)):
        ours = xg.tensor(t)
        assert ours.tolist() == t.tolist() and str(ours.dtype) == str(t.dtype).split(".")[1]
    assert xg.as_tensor(torch.ones(3)).shape == (3,)
    theirs = torch.nn.Linear(3, 2)
    ours = xg.nn.Linear(3, 2)
    assert ours.load_state_dict(theirs.state_dict()).missing_keys == []
    x = np.ones((1, 3), dtype=np.float32)
    np.testing.assert_allclose(ours(xg.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)
