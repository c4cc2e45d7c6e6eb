"""The Tensor API: creation (xg.tensor and the factories), dtypes, attributes, host transfers,
conversions and repr, on every backend."""
import numpy as np
import pytest

import xpgrad as xg


# ---- xg.tensor: dtype inference ------------------------------------------------------------
@pytest.mark.parametrize("data, dtype", [
    (1.5, xg.float32), ([1.0, 2.0], xg.float32), ([[1, 2.5]], xg.float32),
    (3, xg.int64), ([1, 2, 3], xg.int64),
    (True, xg.bool), ([True, False], xg.bool),
    ([True, 2], xg.int64), ([], xg.float32),
])
def test_python_data_gets_the_natural_dtype(device, data, dtype):
    t = xg.tensor(data, device=device)
    assert t.dtype == dtype
    assert t.tolist() == data
    assert t.device == xg.backends.canonical_device(device)


@pytest.mark.parametrize("np_dtype", ["float16", "float32", "float64", "int32", "int64",
                                      "uint8", "bool"])
def test_numpy_arrays_keep_their_dtype(device, np_dtype):
    host = np.arange(6).reshape(2, 3).astype(np_dtype)
    if np_dtype == "float16" and device.startswith("strict"):
        with pytest.raises(TypeError, match="float16 is not supported on device 'strict"):
            xg.tensor(host, device=device)       # array_api_strict has no float16
        assert xg.tensor(host, dtype=xg.float32, device=device).tolist() == host.tolist()
        return
    t = xg.tensor(host, device=device)
    assert t.dtype == xg.as_dtype(np_dtype)
    assert t.shape == (2, 3)
    np.testing.assert_array_equal(t.numpy(), host)


def test_numpy_scalars_keep_their_dtype(device):
    # numpy.float64 subclasses Python float, but like an array it keeps its dtype
    assert xg.tensor(np.float64(2.0), device=device).dtype == xg.float64
    assert xg.tensor(np.float32(2.0), device=device).dtype == xg.float32
    assert xg.tensor(np.int32(2), device=device).dtype == xg.int32


@pytest.mark.parametrize("dtype", [xg.float64, "float64", np.float64])
def test_explicit_dtype_in_any_spelling(device, dtype):
    t = xg.tensor([1, 2], dtype=dtype, device=device)
    assert t.dtype == xg.float64
    assert t.tolist() == [1.0, 2.0]


def test_tensor_copies_its_source(device):
    host = np.array([1.0, 2.0], dtype=np.float32)
    t = xg.tensor(host, device=device)
    host[0] = 100.0
    assert t.tolist() == [1.0, 2.0]
    u = xg.tensor(t)
    with xg.no_grad():
        u[0] = 5.0
    assert t.tolist() == [1.0, 2.0]


def test_tensor_of_a_tensor_is_a_fresh_leaf(device):
    x = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = xg.tensor(x * 2)
    assert y.grad_fn is None and not y.requires_grad
    assert y.device == x.device
    assert xg.tensor(x, dtype=xg.float64).dtype == xg.float64


def test_list_of_scalar_tensors(device):
    t = xg.tensor([xg.tensor(1.0, device=device), xg.tensor(2.0, device=device)])
    assert t.tolist() == [1.0, 2.0]
    assert t.dtype == xg.float32


def test_tensor_class_constructor(device):
    t = xg.Tensor([[1.0, 2.0]], device=device, requires_grad=True)
    assert isinstance(t, xg.Tensor)
    assert t.shape == (1, 2) and t.requires_grad and t.is_leaf


# ---- dtypes --------------------------------------------------------------------------------
def test_dtype_objects():
    assert xg.float32 == "float32" and xg.float32 == np.float32
    assert xg.float32 != xg.float64
    assert xg.bool is xg.bool_ and xg.bool.is_bool
    assert xg.int64.is_integer and not xg.int64.is_floating
    assert xg.float64.itemsize == 8
    assert repr(xg.float32) == "xpgrad.float32" and str(xg.int64) == "int64"
    assert xg.as_dtype(float) is xg.float64 and xg.as_dtype(int) is xg.int64   # as torch, numpy
    assert xg.as_dtype("float") is xg.float32 and xg.float32.is_floating_point
    assert xg.as_dtype(np.dtype("float64")) is xg.float64


def test_default_dtype_can_be_changed_and_restored(device):
    assert xg.get_default_dtype() == xg.float32
    xg.set_default_dtype(xg.float64)
    try:
        assert xg.tensor(1.0, device=device).dtype == xg.float64
        assert xg.zeros(2, device=device).dtype == xg.float64
        assert xg.tensor(1, device=device).dtype == xg.int64       # ints are unaffected
    finally:
        xg.set_default_dtype(xg.float32)
    assert xg.tensor(1.0, device=device).dtype == xg.float32
    with pytest.raises(TypeError, match="floating"):
        xg.set_default_dtype(xg.int32)


# ---- factories -----------------------------------------------------------------------------
FACTORIES = {
    "zeros": lambda **kw: xg.zeros(2, 3, **kw),
    "zeros_tuple": lambda **kw: xg.zeros((2, 3), **kw),
    "ones": lambda **kw: xg.ones(2, 3, **kw),
    "full": lambda **kw: xg.full((2, 3), 7.0, **kw),
    "rand": lambda **kw: xg.rand(2, 3, **kw),
    "randn": lambda **kw: xg.randn(2, 3, **kw),
    "eye": lambda **kw: xg.eye(2, 3, **kw),
    "arange": lambda **kw: xg.arange(0.0, 3.0, 0.5, **kw).reshape(2, 3).detach(),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factory_dtype_device_requires_grad(device, name):
    make = FACTORIES[name]
    t = make(device=device)
    assert t.shape == (2, 3)
    assert t.dtype == xg.float32
    assert t.device == xg.backends.canonical_device(device)
    assert not t.requires_grad
    t64 = make(device=device, dtype=xg.float64)
    assert t64.dtype == xg.float64
    if name != "arange":
        g = make(device=device, dtype=xg.float64, requires_grad=True)
        assert g.requires_grad and g.is_leaf and g.grad is None


def test_factory_values(device):
    assert xg.zeros(2, device=device).tolist() == [0.0, 0.0]
    assert xg.ones(1, 2, device=device).tolist() == [[1.0, 1.0]]
    assert xg.full((2,), 7, device=device).tolist() == [7, 7]
    assert xg.full((2,), 7, device=device).dtype == xg.int64
    assert xg.full(2, 0.5, device=device).tolist() == [0.5, 0.5]
    assert xg.arange(4, device=device).tolist() == [0, 1, 2, 3]
    assert xg.arange(4, device=device).dtype == xg.int64
    assert xg.arange(1, 2, 0.25, device=device).tolist() == [1.0, 1.25, 1.5, 1.75]
    assert xg.eye(2, device=device).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert xg.zeros(0, 3, device=device).shape == (0, 3)
    u = xg.rand(1000, device=device).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0
    n = xg.randn(4000, dtype=xg.float64, device=device).numpy()
    assert abs(n.mean()) < 0.1 and 0.9 < n.std() < 1.1


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "rand_like", "randn_like"])
def test_like_factories(device, name):
    fn = getattr(xg, name)
    x = xg.tensor([[1.0, 2.0, 3.0]], dtype=xg.float64, device=device)
    t = fn(x)
    assert (t.shape, t.dtype, t.device) == (x.shape, x.dtype, x.device)
    assert fn(x, dtype=xg.float32).dtype == xg.float32
    assert fn(x, device="cpu").device == "cpu"
    assert fn(x, requires_grad=True).requires_grad
    if name == "zeros_like":
        assert t.tolist() == [[0.0, 0.0, 0.0]]
    if name == "ones_like":
        assert t.tolist() == [[1.0, 1.0, 1.0]]


def test_full_like(device):
    x = xg.zeros(2, device=device)
    assert xg.full_like(x, 3.5).tolist() == [3.5, 3.5]


def test_manual_seed_reproducibility(device):
    xg.manual_seed(123)
    a = xg.randn(5, device=device).tolist(), xg.rand(3, device=device).tolist()
    xg.manual_seed(123)
    b = xg.randn(5, device=device).tolist(), xg.rand(3, device=device).tolist()
    xg.manual_seed(124)
    c = xg.randn(5, device=device).tolist(), xg.rand(3, device=device).tolist()
    assert a == b
    assert a != c


# ---- attributes ----------------------------------------------------------------------------
def test_leaf_attributes(device):
    x = xg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], device=device, requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and len(x) == 2 and x.size == 6
    assert x.dtype == xg.float32
    assert x.device == xg.backends.canonical_device(device)
    assert x.requires_grad and x.is_leaf and x.grad_fn is None and x.grad is None
    assert x.data.shape == (2, 3)        # the backend array
    assert isinstance(x.data, x._backend.array_type)


def test_op_result_attributes(device):
    x = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x * x
    assert y.requires_grad and not y.is_leaf
    assert type(y.grad_fn).__name__ == "Mul"
    z = xg.tensor([1.0, 2.0], device=device) * 2
    assert not z.requires_grad and z.grad_fn is None


def test_item_numpy_tolist(device):
    t = xg.tensor([[1.5, 2.5]], device=device)
    assert xg.tensor(2.5, device=device).item() == 2.5
    assert isinstance(xg.tensor(2.5, device=device).item(), float)
    assert isinstance(xg.tensor(3, device=device).item(), int)
    assert isinstance(xg.tensor(True, device=device).item(), bool)
    assert xg.tensor([[4.0]], device=device).item() == 4.0
    assert t.tolist() == [[1.5, 2.5]]
    host = t.numpy()
    assert isinstance(host, np.ndarray) and host.dtype == np.float32 and host.shape == (1, 2)


def test_numpy_is_a_copy(device):
    t = xg.tensor([1.0, 2.0], device=device)
    host = t.numpy()
    host[0] = 100.0
    assert t.tolist() == [1.0, 2.0]
    with xg.no_grad():
        t[1] = 7.0
    assert host[1] == 2.0


def test_detach_shares_values_but_not_the_graph(device):
    x = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert d.tolist() == [3.0, 6.0]
    (y.sum() + (d * x).sum()).backward()       # d is a constant: dx = 3 + d
    assert x.grad.tolist() == [6.0, 9.0]


def test_requires_grad_(device):
    x = xg.tensor([1.0], device=device)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    x.requires_grad = True
    assert x.requires_grad
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_astype_converts_and_backpropagates(device):
    x = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x.astype(xg.float64)
    assert y.dtype == xg.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == xg.float32 and x.grad.tolist() == [2.0, 4.0]
    assert xg.tensor([1.7, -1.7], device=device).astype("int64").tolist() == [1, -1]
    assert x.double().dtype == xg.float64 and x.to(xg.float64).dtype == xg.float64


def test_to_device_and_back(device):
    x = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    assert x.to(device) is x
    other = "strict:device1" if device == "cpu" else "cpu"
    y = x.to(other)
    assert y.device == other and y.tolist() == [1.0, 2.0] and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.device == x.device and x.grad.tolist() == [2.0, 4.0]
    z = x.to(other, xg.float64)
    assert (z.device, z.dtype) == (other, xg.float64)
    with xg.no_grad():
        x[0] = 9.0                      # a transfer is a copy, never an alias
    assert y.tolist() == [1.0, 2.0]


def test_len_and_iteration(device):
    t = xg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], device=device)
    assert len(t) == 3
    assert [row.tolist() for row in t] == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def test_repr_shows_values_dtype_device_and_grad_fn(device):
    x = xg.tensor([1.5, 2.0], device=device, requires_grad=True)
    canonical = xg.backends.canonical_device(device)
    r = repr(x)
    assert r.startswith("tensor(") and "1.5" in r and "2." in r
    assert "dtype=float32" in r and f"device={canonical}" in r and "requires_grad=True" in r
    ry = repr(x * 2)
    assert "3." in ry and "grad_fn=<MulScalarBackward>" in ry
    rc = repr(xg.tensor(3, device=device))
    assert "3" in rc and "dtype=int64" in rc and "grad_fn" not in rc and "requires_grad" not in rc


def test_scalar_tensor_works_like_micrograd(device):
    w = xg.tensor(2.5, device=device, requires_grad=True)
    assert w.shape == () and w.ndim == 0
    y = w * w + 3 * w
    y.backward()
    assert w.grad.item() == pytest.approx(8.0)
    assert float(y) == pytest.approx(13.75)
