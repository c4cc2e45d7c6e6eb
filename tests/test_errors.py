"""Bad input gets a clear exception that names the shapes, dtypes, devices or op involved:
never a wrong answer, never a crash deep inside the array library."""
import re

import numpy as np
import pytest

import xpgrad as xg


# ---- shapes --------------------------------------------------------------------------------
def test_matmul_shape_mismatch_names_both_shapes(device):
    a, b = xg.ones(2, 3, device=device), xg.ones(4, 5, device=device, requires_grad=True)
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        a @ b


@pytest.mark.parametrize("op, name", [("add", "add"), ("mul", "mul"), ("sub", "sub"),
                                      ("truediv", "div")])
def test_broadcast_mismatch_names_op_and_shapes(device, op, name):
    a = xg.ones(2, 3, device=device, requires_grad=True)
    b = xg.ones(4, device=device)
    with pytest.raises(ValueError) as info:
        getattr(xg, op)(a, b)
    msg = str(info.value)
    assert msg.startswith(f"{name}:"), msg
    assert re.search(r"2, ?3", msg) and "4" in msg


def test_reshape_mismatch_names_shapes(device):
    with pytest.raises(ValueError, match=r"\(6,\).*\(4, 2\)"):
        xg.ones(6, device=device).reshape(4, 2)


# ---- devices -------------------------------------------------------------------------------
@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a @ b, lambda a, b: xg.maximum(a, b),
], ids=["add", "mul", "matmul", "maximum"])
def test_mixing_devices_names_both_devices_and_the_op(op):
    a = xg.ones(3, 3, requires_grad=True)
    b = xg.ones(3, 3, device="strict:device1")
    with pytest.raises(RuntimeError) as info:
        op(a, b)
    msg = str(info.value)
    assert "cpu" in msg and "strict:device1" in msg
    assert re.match(r"^\w+: expected all tensors on the same device", msg), msg


def test_mixing_devices_message_is_specific():
    a, b = xg.ones(2), xg.ones(2, device="strict:device1")
    with pytest.raises(RuntimeError, match=r"^add: .*cpu.*strict:device1"):
        a + b
    with pytest.raises(RuntimeError, match=r"^matmul: .*cpu.*strict:device1"):
        a @ b


def test_backward_gradient_on_another_device():
    x = xg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"strict:device1.*cpu|cpu.*strict:device1"):
        (x * 2).backward(xg.ones(2, device="strict:device1"))


# ---- backward misuse -----------------------------------------------------------------------
def test_backward_on_non_scalar_without_gradient(device):
    y = xg.ones(3, device=device, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*gradient"):
        y.backward()


def test_backward_gradient_with_wrong_shape(device):
    y = xg.ones(3, device=device, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"\(2,\).*\(3,\)"):
        y.backward(xg.ones(2, device=device))


def test_backward_on_tensor_without_graph(device):
    with pytest.raises(RuntimeError, match="does not require grad"):
        xg.ones(3, device=device).sum().backward()
    x = xg.ones(3, device=device, requires_grad=True)
    with xg.no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()


def test_second_backward_through_freed_graph(device):
    x = xg.ones(2, device=device, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"second time.*retain_graph=True"):
        y.backward()


def test_autograd_grad_of_input_without_grad(device):
    x = xg.ones(2, device=device, requires_grad=True)
    c = xg.ones(2, device=device)
    with pytest.raises(RuntimeError, match="input 1 does not require grad"):
        xg.autograd.grad((x * c).sum(), [x, c])


def test_functional_grad_needs_a_scalar_function(device):
    with pytest.raises(TypeError, match=r"one-element Tensor.*\(3,\)"):
        xg.grad(lambda t: t * 2)(xg.ones(3, device=device))
    with pytest.raises(ValueError, match="argnums 2 is out of range"):
        xg.grad(lambda a, b: (a * b).sum(), argnums=2)(xg.ones(1), xg.ones(1))


# ---- requires_grad on non-float ------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda d: xg.tensor([1, 2], device=d, requires_grad=True),
    lambda d: xg.tensor([True], device=d, requires_grad=True),
    lambda d: xg.tensor([1, 2], device=d).requires_grad_(),
    lambda d: xg.zeros(2, dtype=xg.int64, device=d, requires_grad=True),
    lambda d: xg.arange(3, device=d, requires_grad=True),
], ids=["tensor-int", "tensor-bool", "requires_grad_", "zeros-int", "arange"])
def test_requires_grad_on_an_integer_tensor(device, make):
    with pytest.raises(RuntimeError, match=r"floating-point.*(int64|bool)"):
        make(device)


def test_setting_requires_grad_attribute_on_int_tensor(device):
    t = xg.tensor([1, 2], device=device)
    with pytest.raises(RuntimeError, match="int64"):
        t.requires_grad = True
    assert not t.requires_grad


# ---- xg.tensor of things that are not numbers ----------------------------------------------
@pytest.mark.parametrize("data", [[[1, 2], [3]], [1, [2, 3]], [[1.0], [2.0, 3.0]]],
                         ids=["ragged-rows", "scalar-and-list", "ragged-floats"])
def test_tensor_of_ragged_lists(device, data):
    with pytest.raises(ValueError, match="ragged"):
        xg.tensor(data, device=device)


@pytest.mark.parametrize("data", ["abc", ["a", "b"], object(), None, {1: 2}, {1, 2}, 1 + 2j,
                                  [1.0, "x"]],
                         ids=["str", "list-of-str", "object", "None", "dict", "set", "complex",
                              "mixed"])
def test_tensor_of_strings_or_objects(device, data):
    with pytest.raises(TypeError, match="cannot make a tensor"):
        xg.tensor(data, device=device)


@pytest.mark.parametrize("array", [np.array([1, "a"], dtype=object), np.array(["a", "b"]),
                                   np.array([1 + 2j])], ids=["object", "str", "complex"])
def test_tensor_of_numpy_arrays_with_unsupported_dtype(device, array):
    with pytest.raises(TypeError, match=re.escape(str(array.dtype))):
        xg.tensor(array, device=device)


def test_tensor_of_an_int_too_large(device):
    with pytest.raises(ValueError, match="int64"):
        xg.tensor(2 ** 70, device=device)


def test_unknown_dtype_and_device():
    with pytest.raises(TypeError, match="complex64"):
        xg.zeros(2, dtype="complex64")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        xg.zeros(2, device="tpu")
    with pytest.raises(ValueError, match="cuda:x"):
        xg.zeros(2, device="cuda:x")


def test_bad_shapes_for_factories():
    with pytest.raises(ValueError, match="negative"):
        xg.zeros(-1)
    with pytest.raises(TypeError, match="shape must be ints"):
        xg.ones("a", 2)
    with pytest.raises(TypeError, match="shape must be ints"):
        xg.zeros(2.5)                      # not silently truncated to 2


# ---- in-place writes -----------------------------------------------------------------------
def _setitem(t):
    t[0] = 5.0


def _iadd(t):
    t += 1.0


def _imul(t):
    t *= 2.0


INPLACE = [_setitem, _iadd, _imul, lambda t: t.zero_(), lambda t: t.fill_(1.0)]
INPLACE_IDS = ["setitem", "iadd", "imul", "zero_", "fill_"]


@pytest.mark.parametrize("write", INPLACE, ids=INPLACE_IDS)
def test_inplace_write_on_a_leaf_that_requires_grad(device, write):
    x = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"requires grad.*no_grad"):
        write(x)
    assert x.tolist() == [1.0, 2.0]          # nothing was written


WRITES = [INPLACE[0], INPLACE[3], INPLACE[4]]


@pytest.mark.parametrize("write", WRITES, ids=["setitem", "zero_", "fill_"])
def test_inplace_write_on_a_non_leaf_is_recorded(device, write):
    # as in PyTorch: the written elements no longer depend on x (tests/test_inplace_graph.py)
    x = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x * 3.0
    before = y.tolist()
    write(y)
    assert y.requires_grad and y.tolist() != before
    (y * x).sum().backward()
    assert x.grad is not None


@pytest.mark.parametrize("write", WRITES, ids=["setitem", "zero_", "fill_"])
def test_inplace_write_on_a_non_leaf_already_used_is_refused(device, write):
    y = xg.tensor([1.0, 2.0], device=device, requires_grad=True) * 1.0
    z = y * y
    with pytest.raises(RuntimeError, match="already used in the graph"):
        write(y)
    del z


def test_augmented_assignment_on_a_non_leaf_is_recorded(device):
    # micrograd's and PyTorch's users write `c += c + 1` on intermediates: it must differentiate
    x = xg.tensor([1.0, 2.0], dtype=xg.float64, device=device, requires_grad=True)
    c = x * 3.0
    c += c + 1          # c = 2 (3x) + 1
    c *= x              # c = (6x + 1) x
    c.sum().backward()
    assert x.grad.tolist() == [13.0, 25.0]          # d/dx (6x^2 + x) = 12x + 1
    z = xg.zeros(2, device=device)
    z += x * 2.0        # a constant updated with a tensor that requires grad
    assert z.requires_grad


def test_inplace_writes_are_allowed_inside_no_grad(device):
    x = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    with xg.no_grad():
        x[0] = 5.0
        x += 1.0
        x *= 2.0
    assert x.tolist() == [12.0, 6.0]
    assert x.requires_grad and x.is_leaf
    (x * x).sum().backward()
    assert x.grad.tolist() == [24.0, 12.0]


def test_inplace_writes_on_plain_tensors_are_allowed(device):
    t = xg.tensor([1.0, 2.0], device=device)
    t[1] = 7.0
    t += 1.0
    assert t.tolist() == [2.0, 8.0]


def test_inplace_write_of_the_wrong_shape(device):
    t = xg.zeros(2, device=device)
    with pytest.raises(ValueError, match=r"\(2, 2\).*\(2,\)"):
        t += xg.ones(2, 2, device=device)


# ---- conversions ---------------------------------------------------------------------------
def test_item_and_bool_of_many_elements(device):
    t = xg.ones(3, device=device)
    with pytest.raises(ValueError, match=r"one element.*\(3,\)"):
        t.item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(t)
    with pytest.raises(TypeError, match="0-d"):
        len(xg.tensor(1.0, device=device))


def test_accumulating_into_a_hand_set_grad_of_the_wrong_shape(device):
    x = xg.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    x.grad = xg.zeros(1, device=device)
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(1,\).*\.grad = None"):
        (x * 2).sum().backward()


def test_accumulating_into_a_grad_on_another_device():
    x = xg.tensor([1.0, 2.0], requires_grad=True)
    x.grad = xg.zeros(2, device="strict:device1")
    with pytest.raises(RuntimeError, match=r"cpu.*strict:device1"):
        (x * 2).sum().backward()
