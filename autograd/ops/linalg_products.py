"""Products with PyTorch's semantics: dot, vdot, inner, outer/ger, mv, mm, bmm, addmm, addmv,
addr, baddbmm, addbmm, tensordot, kron, trace, multi_dot, vecdot. Each is a composite of
matmul, reshapes and elementwise ops (their gradients come from those), with the shape checks
PyTorch makes up front, so a mismatch names the op and both shapes."""
from __future__ import annotations

from typing import Any, Sequence

from ..tensor import Tensor
from ._util import as_operand, normalize_axis, require_tensor
from .arithmetic import promote
from .linalg import matmul
from .reduction import sum
from .shape import permute, reshape
from .shape_diag import diagonal


def _tensors(op: str, *values: Any) -> None:
    for v in values:
        require_tensor(v, op)


def _ndim(op: str, name: str, t: Tensor, ndim: int) -> None:
    if t.ndim != ndim:
        raise ValueError(f"{op}: {name} must be {ndim}-D, got shape {t.shape}")


def _same_dtype(op: str, a: Tensor, b: Tensor) -> None:
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: expected both tensors to have the same dtype, got {a.dtype} "
                        f"and {b.dtype}")


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of the same length and dtype.
    >>> xg.dot(xg.tensor([1.0, 2.0]), xg.tensor([3.0, 4.0]))      # 11."""
    _tensors("dot", input, other)
    _ndim("dot", "input", input, 1)
    _ndim("dot", "other", other, 1)
    _same_dtype("dot", input, other)
    if input.shape != other.shape:
        raise ValueError(f"dot: inconsistent sizes {input.shape} and {other.shape}")
    return matmul(input, other)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """``dot`` with the first argument conjugated (the same for real tensors).
    >>> xg.vdot(a, b)"""
    return dot(input, other)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum over the last dimensions: shape ``input.shape[:-1] + other.shape[:-1]`` (a
    product when either is 0-d). >>> xg.inner(xg.ones(2, 3), xg.ones(4, 3)).shape   # (2, 4)"""
    _tensors("inner", input, other)
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise ValueError(f"inner: the last dimensions of {input.shape} and {other.shape} "
                         "must match")
    return tensordot(input, other, ([input.ndim - 1], [other.ndim - 1]))


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two 1-D tensors. >>> xg.outer(xg.ones(2), xg.ones(3)).shape  # (2, 3)"""
    _tensors("outer", input, vec2)
    _ndim("outer", "input", input, 1)
    _ndim("outer", "vec2", vec2, 1)
    return reshape(input, (-1, 1)) * reshape(vec2, (1, -1))


ger = outer


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix (n, m) times vector (m,). >>> xg.mv(xg.eye(2), xg.ones(2))"""
    _tensors("mv", input, vec)
    _ndim("mv", "input", input, 2)
    _ndim("mv", "vec", vec, 1)
    if input.shape[1] != vec.shape[0]:
        raise ValueError(f"mv: size mismatch, got input {input.shape} and vec {vec.shape}")
    return matmul(input, vec)


def _check_mm(op: str, a: Tensor, b: Tensor, ndim: int) -> None:
    _ndim(op, "first operand", a, ndim)
    _ndim(op, "second operand", b, ndim)
    if ndim == 3 and a.shape[0] != b.shape[0]:
        raise ValueError(f"{op}: batch sizes differ: {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be multiplied "
                         f"({a.shape[-1]} != {b.shape[-2]})")


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix product of two 2-D tensors (no broadcasting, no vectors: see ``matmul``).
    >>> xg.mm(xg.ones(2, 3), xg.ones(3, 4)).shape      # (2, 4)"""
    _tensors("mm", input, mat2)
    _check_mm("mm", input, mat2, 2)
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of (b, n, m) and (b, m, p) tensors (no broadcasting).
    >>> xg.bmm(xg.ones(4, 2, 3), xg.ones(4, 3, 5)).shape     # (4, 2, 5)"""
    _tensors("bmm", input, mat2)
    _check_mm("bmm", input, mat2, 3)
    return matmul(input, mat2)


def _scaled_sum(op: str, input: Any, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """``beta * input + alpha * product``; ``input`` is ignored when beta is 0 (PyTorch)."""
    out = product if alpha == 1 else product * alpha
    if beta == 0:
        return out
    base = as_operand(input, product)
    try:
        shape = _broadcast(base.shape, out.shape)
    except ValueError:
        shape = None
    if shape != out.shape:
        raise ValueError(f"{op}: input of shape {base.shape} does not broadcast to the "
                         f"product's shape {out.shape}")
    return out + (base if beta == 1 else base * beta)


def _broadcast(a: tuple, b: tuple) -> tuple:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            raise ValueError("not broadcastable")
        out.append(y if x == 1 else x)
    return tuple(out)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for 2-D mat1, mat2.
    >>> xg.addmm(b, x, w)"""
    _tensors("addmm", mat1, mat2)
    _check_mm("addmm", mat1, mat2, 2)
    return _scaled_sum("addmm", input, matmul(mat1, mat2), beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``. >>> xg.addmv(b, A, v)"""
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``. >>> xg.addr(A, u, v)"""
    return _scaled_sum("addr", input, outer(vec1, vec2), beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
            alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``. >>> xg.baddbmm(c, a, b)"""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
           alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``. >>> xg.addbmm(c, a, b)"""
    return _scaled_sum("addbmm", input, sum(bmm(batch1, batch2), 0), beta, alpha)


def _dims_list(op: str, value: Any, ndim: int) -> list:
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    out = [normalize_axis(d, ndim, op) for d in items]
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated dimension in {value!r}")
    return out


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Contract dimensions ``dims`` of ``a`` with those of ``b``: an int n (the last n of a
    with the first n of b) or a pair of lists. >>> xg.tensordot(a, b, ([1, 0], [0, 1]))"""
    _tensors("tensordot", a, b)
    if isinstance(dims, int) and not isinstance(dims, bool):
        if not 0 <= dims <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: dims={dims} is out of range for shapes {a.shape} "
                             f"and {b.shape}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        da, db = _dims_list("tensordot", dims[0], a.ndim), _dims_list("tensordot", dims[1], b.ndim)
    else:
        raise TypeError(f"tensordot: dims must be an int or a pair of lists, got {dims!r}")
    if len(da) != len(db):
        raise ValueError(f"tensordot: both sides need as many dimensions, got {da} and {db}")
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise ValueError(f"tensordot: contracted dimension {i} of {a.shape} and {j} of "
                             f"{b.shape} differ in size")
    a, b = promote(a, b)
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    k = m = n = 1                   # explicit sizes: -1 is ambiguous with 0 elements
    for d in da:
        k *= a.shape[d]
    for d in free_a:
        m *= a.shape[d]
    for d in free_b:
        n *= b.shape[d]
    left = reshape(permute(a, free_a + da), (m, k))
    right = reshape(permute(b, db + free_b), (k, n))
    shape = tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b)
    return reshape(matmul(left, right), shape)


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product (blocks ``input[i, j] * other``).
    >>> xg.kron(xg.eye(2), xg.ones(2, 2)).shape      # (4, 4)"""
    _tensors("kron", input, other)
    n = max(input.ndim, other.ndim)
    sa = (1,) * (n - input.ndim) + input.shape
    sb = (1,) * (n - other.ndim) + other.shape
    left = reshape(input, tuple(v for s in sa for v in (s, 1)))
    right = reshape(other, tuple(v for s in sb for v in (1, s)))
    return reshape(left * right, tuple(x * y for x, y in zip(sa, sb)))


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a 2-D tensor. >>> xg.trace(xg.eye(3))      # 3."""
    require_tensor(input, "trace")
    _ndim("trace", "input", input, 2)
    return sum(diagonal(input, 0, 0, 1), -1)


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """``A @ B @ C ...``; the first may be 1-D (a row) and the last 1-D (a column).
    >>> xg.linalg.multi_dot([a, b, c])"""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise ValueError(f"multi_dot: expected at least 2 tensors, got {len(tensors)}")
    _tensors("multi_dot", *tensors)
    for i, t in enumerate(tensors):
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t.ndim not in allowed:
            raise ValueError(f"multi_dot: tensor {i} must be {' or '.join(map(str, allowed))}"
                             f"-D, got shape {t.shape}")
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """Dot products along ``dim`` of broadcast x and y. >>> xg.linalg.vecdot(a, b)"""
    _tensors("vecdot", x, y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"vecdot: expected tensors with at least 1 dimension, got "
                         f"{x.shape} and {y.shape}")
    if x.shape[normalize_axis(dim, x.ndim, "vecdot")] != y.shape[
            normalize_axis(dim, y.ndim, "vecdot")]:
        raise ValueError(f"vecdot: dimension {dim} of {x.shape} and {y.shape} differ")
    prod = x * y
    return sum(prod, normalize_axis(dim, prod.ndim, "vecdot"))
