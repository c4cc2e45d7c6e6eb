"""Views and in-place writes through them, pinned to PyTorch 2.13's answers (values and
gradients hard-coded from torch, so these run without it): a write recorded on a view
reaches its base (torch's CopySlices) and the base's other views; strides, contiguity and
storage offsets as torch reports them."""
from __future__ import annotations

import pytest

import xpgrad as xg


# ---- writes through a view of a tensor in a graph ------------------------------------------
def test_write_through_a_slice_reaches_the_base(device):
    a = xg.ones(3, requires_grad=True, device=device)
    b = a * 2
    c = b[1:]
    c.mul_(3)
    assert b.tolist() == [2.0, 6.0, 6.0] and c.tolist() == [6.0, 6.0]
    b.sum().backward()
    assert a.grad.tolist() == [2.0, 6.0, 6.0]                  # torch: [2, 6, 6]


def test_write_through_a_transpose(device):
    a = xg.arange(6.0, requires_grad=True, device=device)
    b = a.reshape(2, 3) * 1
    c = b.t()
    c[0] += 10
    assert b.tolist() == [[10.0, 1.0, 2.0], [13.0, 4.0, 5.0]]
    (b * xg.arange(6.0, device=device).reshape(2, 3)).sum().backward()
    assert a.grad.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_a_view_sees_a_write_of_its_base(device):
    a = xg.ones(3, requires_grad=True, device=device)
    b = a * 2
    c = b[1:]
    b.mul_(5)
    assert c.tolist() == [10.0, 10.0]
    (c * xg.tensor([1.0, 2.0], device=device)).sum().backward()
    assert a.grad.tolist() == [0.0, 10.0, 20.0]


def test_two_overlapping_views_of_one_base(device):
    b0 = xg.ones(3, requires_grad=True, device=device)
    b = b0 * 2
    v1, v2 = b[0:2], b[1:3]
    v2.mul_(3)
    assert v1.tolist() == [2.0, 6.0]
    (v1.sum() + b.sum()).backward()
    assert b0.grad.tolist() == [4.0, 12.0, 6.0]


def test_write_through_a_view_of_a_view(device):
    a = xg.ones(2, 3, requires_grad=True, device=device)
    b = a * 1
    v = b[0][1:]
    assert v._base is b
    v.add_(xg.tensor([1.0, 2.0], device=device))
    assert b.tolist() == [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]
    (b * b).sum().backward()
    assert a.grad.tolist() == [[2.0, 4.0, 6.0], [2.0, 2.0, 2.0]]


def test_augmented_assignment_on_rows():
    x = xg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    y = x * 2
    y[0] += 1
    y[1] *= x[2]
    assert y.tolist() == [[3.0, 5.0], [30.0, 48.0], [10.0, 12.0]]
    y.sum().backward()
    # torch: [[2, 2], [10, 12], [8, 10]]
    assert x.grad.tolist() == [[2.0, 2.0], [10.0, 12.0], [8.0, 10.0]]


# ---- a value that requires grad written into a plain tensor's view ---------------------------
def test_copy_into_a_view_records_the_gradient(device):
    h = xg.zeros(3, device=device)
    y = xg.ones(2, requires_grad=True, device=device)
    h[:2].copy_(y)
    assert h.tolist() == [1.0, 1.0, 0.0] and h.requires_grad
    h.sum().backward()
    assert y.grad.tolist() == [1.0, 1.0]


def test_add_into_a_view_records_the_gradient(device):
    h = xg.zeros(3, device=device)
    y = xg.ones(2, requires_grad=True, device=device)
    h[:2].add_(y * 2)
    (h * xg.tensor([1.0, 2.0, 3.0], device=device)).sum().backward()
    assert y.grad.tolist() == [2.0, 4.0]


def test_fill_a_row_with_a_tensor(device):
    h = xg.zeros(2, 3, device=device)
    t = xg.tensor(5.0, requires_grad=True, device=device)
    h[0].fill_(t)
    assert h.tolist() == [[5.0, 5.0, 5.0], [0.0, 0.0, 0.0]]
    h.sum().backward()
    assert t.grad.item() == 3.0


def test_copy_into_a_whole_plain_tensor():
    h = xg.zeros(2)
    y = xg.tensor([1.0, 2.0], requires_grad=True)
    h.copy_(y * 3)
    (h * h).sum().backward()
    assert h.tolist() == [3.0, 6.0] and y.grad.tolist() == [18.0, 36.0]


# ---- what torch refuses ----------------------------------------------------------------------
def test_in_place_on_a_view_of_a_leaf_is_refused(device):
    a = xg.ones(3, requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        a[0].add_(1)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        a[1:].copy_(xg.zeros(2, device=device))
    with xg.no_grad():
        a[1:].mul_(4)                           # an optimizer's way: allowed, and aliased
    assert a.tolist() == [1.0, 4.0, 4.0]


def test_writes_to_an_expanded_tensor_are_refused(device):
    # torch refuses add_ and copy_ with this message; its fill_ writes the shared elements,
    # which the backends' read-only broadcasts cannot, so it is refused the same way here
    e = xg.zeros(1, 3, device=device).expand(2, 3)
    for write in (lambda: e.add_(1), lambda: e.copy_(xg.ones(2, 3, device=device)),
                  lambda: e.fill_(1.0)):
        with pytest.raises(RuntimeError, match="more than one element of the written-to"):
            write()


def test_a_write_that_would_break_a_saved_view_is_refused():
    # torch raises at backward (the product saved both views); here the write is refused
    a = xg.ones(3, requires_grad=True)
    b = a * 2
    z = b[0] * b[1]
    with pytest.raises(RuntimeError, match="already used in the graph"):
        b.add_(1)
    z.backward()
    assert a.grad.tolist() == [4.0, 4.0, 0.0]


# ---- plain aliasing (no graph) -----------------------------------------------------------------
def test_plain_views_alias_their_base(device):
    x = xg.zeros(2, 3, device=device)
    row, col = x[1], x[:, 0]
    row.add_(1)
    x[0, 0] = 5.0
    assert x.tolist() == [[5.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    assert col.tolist() == [5.0, 1.0] and row.tolist() == [1.0, 1.0, 1.0]
    d = x.detach()
    d.mul_(2)                                   # detach shares the storage, as in torch
    assert x[0].tolist() == [10.0, 0.0, 0.0]


def test_duplicate_indices_do_not_accumulate(device):
    x = xg.zeros(4, device=device)
    x[xg.tensor([0, 0, 2], device=device)] += xg.tensor([1.0, 2.0, 3.0], device=device)
    assert x.tolist() == [2.0, 0.0, 3.0, 0.0]                  # torch: [2, 0, 3, 0]


# ---- which ops are views ---------------------------------------------------------------------
VIEWS = {"t": lambda x: x.t(), "slice": lambda x: x[:, 1:], "int": lambda x: x[0],
         "reshape": lambda x: x.reshape(3, 2), "unsqueeze": lambda x: x.unsqueeze(0),
         "flatten": lambda x: x.flatten(), "narrow": lambda x: x.narrow(1, 0, 2),
         "select": lambda x: x.select(1, 0), "unbind": lambda x: x.unbind(0)[1],
         "split": lambda x: x.split(1)[1], "chunk": lambda x: x.chunk(2, 1)[1],
         "expand": lambda x: x[:1].expand(4, 3), "permute": lambda x: x.permute(1, 0),
         "unflatten": lambda x: x.unflatten(1, (3, 1)), "movedim": lambda x: x.movedim(0, 1),
         "none": lambda x: x[None], "step": lambda x: x[:, ::2], "mT": lambda x: x.mT,
         "view_as": lambda x: x.view_as(xg.zeros(3, 2))}
COPIES = {"adv": lambda x: x[[0, 1]], "mask": lambda x: x[x > 2],
          "reshape_t": lambda x: x.t().reshape(6), "flatten_t": lambda x: x.t().flatten(),
          "flip": lambda x: x.flip(0), "contiguous_t": lambda x: x.t().contiguous(),
          "clone_t": lambda x: x.t().clone(), "detach": lambda x: x.detach()}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_ops_make_views(name):
    x = xg.arange(6.0).reshape(2, 3)
    v = VIEWS[name](x)
    assert v._is_view() and v._base is x._base


@pytest.mark.parametrize("name", sorted(COPIES))
def test_copying_ops_make_no_views(name):
    assert not COPIES[name](xg.arange(6.0).reshape(2, 3))._is_view()


# ---- strides, contiguity, offsets (torch's numbers; CPU arrays have real strides) -----------
LAYOUTS = [  # name, (stride, storage_offset, is_contiguous) from torch 2.13
    ("t", (1, 3), 0, False), ("slice", (3, 1), 1, False), ("int", (1,), 0, True),
    ("reshape", (2, 1), 0, True), ("unsqueeze", (6, 3, 1), 0, True),
    ("narrow", (3, 1), 0, False), ("select", (3,), 0, False), ("unbind", (1,), 3, True),
    ("split", (3, 1), 3, True), ("chunk", (3, 1), 2, False), ("expand", (0, 1), 0, False),
    ("unflatten", (3, 1, 1), 0, True), ("none", (6, 3, 1), 0, True),
    ("step", (3, 2), 0, False), ("mT", (1, 3), 0, False)]


@pytest.mark.parametrize("name, stride, offset, contiguous", LAYOUTS,
                         ids=[row[0] for row in LAYOUTS])
def test_layout_like_torch(name, stride, offset, contiguous):
    v = VIEWS[name](xg.arange(6.0).reshape(2, 3))
    assert v.stride() == stride and v.is_contiguous() is contiguous
    assert v.storage_offset() == offset


def test_stride_queries():
    for shape, stride in [((3, 1), (1, 1)), ((1, 3), (3, 1)), ((0, 3), (3, 1)),
                          ((2, 0, 3), (3, 3, 1)), ((), ())]:
        z = xg.zeros(shape)
        assert z.stride() == stride and z.is_contiguous()
    x = xg.zeros(2, 3)
    assert (x.stride(0), x.stride(-1), x.t().stride(0)) == (3, 1, 1)
    with pytest.raises(IndexError, match="out of range"):
        x.stride(2)


def test_contiguous_clone_and_view(device):
    x = xg.arange(6.0, device=device).reshape(2, 3)
    assert x.contiguous() is x
    c = x.t().contiguous()
    assert c.is_contiguous() and c.stride() == (2, 1)
    assert c.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    assert x.t().clone(memory_format=xg.contiguous_format).stride() == (2, 1)
    assert x[:, ::2].clone().stride() == (2, 1)
    assert x.t().reshape(6).tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    assert x.t().view(3, 2).tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]


def test_clone_keeps_a_transposes_strides_and_view_refuses_it():
    x = xg.arange(6.0).reshape(2, 3)
    assert x.t().clone().stride() == (1, 3)               # torch's preserve_format
    assert x.t().is_contiguous() is False and x.t().stride() == (1, 3)
    for bad in (lambda: x.t().view(6), lambda: x[:, :2].view(4),
                lambda: x[:1].expand(2, 3).view(6)):
        with pytest.raises(RuntimeError, match=r"view size is not compatible .*reshape"):
            bad()
    assert x[:, :2].view(2, 2, 1).stride() == (3, 1, 1)


def test_contiguous_is_differentiable(device):
    a = xg.arange(6.0, requires_grad=True, device=device)
    (a.reshape(2, 3).t().contiguous() * xg.arange(6.0, device=device).reshape(3, 2)) \
        .sum().backward()
    assert a.grad.tolist() == [0.0, 2.0, 4.0, 1.0, 3.0, 5.0]
