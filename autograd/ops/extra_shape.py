"""Shape and index functions of PyTorch's top level that the shape family lacks: ravel, t,
select, take, rot90, block_diag, broadcast_tensors/broadcast_shapes, cartesian_prod,
combinations, chain_matmul, diagflat, hsplit/vsplit/dsplit, tril_indices/triu_indices,
unravel_index, vander. Composites of existing Tensor ops (views, getitem, concat, stack), so
their gradients are those ops'; the index builders are constants."""
from __future__ import annotations

import itertools
from typing import Any, Sequence

from ...dtypes import int64
from ..tensor import Tensor
from ._util import normalize_axis, require_tensor
from .shape import concat, stack
from .shape_diag import diag
from .shape_tile import meshgrid
from .shape_views import flip, tensor_split

__all__ = [
    "ravel", "t", "select", "take", "rot90", "block_diag", "broadcast_tensors",
    "broadcast_shapes", "cartesian_prod", "combinations", "chain_matmul", "diagflat", "hsplit",
    "vsplit", "dsplit", "tril_indices", "triu_indices", "unravel_index", "vander",
]


def ravel(input: Tensor) -> Tensor:
    """The elements as one 1-D tensor. >>> xg.ravel(xg.zeros(2, 3)).shape  # (6,)"""
    require_tensor(input, "ravel")
    return input.reshape(-1)


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix; a 0-d or 1-D tensor as it is. >>> xg.t(xg.zeros(2, 3))"""
    require_tensor(input, "t")
    return input.t()


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim`` (that dimension removed).

    >>> xg.select(xg.zeros(2, 3), 1, -1).shape  # (2,)
    """
    require_tensor(input, "select")
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_axis(dim, input.ndim, "select")
    size = input.shape[d]
    index = int(index)
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return input[(slice(None),) * d + (index,)]


def take(input: Tensor, index: Tensor) -> Tensor:
    """input treated as 1-D, gathered at ``index`` (negative indices count from the end); the
    result has index's shape. >>> xg.take(xg.tensor([[1, 2], [3, 4]]), xg.tensor([0, -1]))"""
    require_tensor(input, "take")
    require_tensor(index, "take")
    if not index.dtype.is_integer:
        raise TypeError(f"take: index must be an integer tensor, got {index.dtype}")
    n = input.numel()
    if n == 0 and index.numel():
        raise IndexError("take: out of range: tried to access index in an empty tensor")
    return input.reshape(-1)[index]


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees k times in the plane ``dims`` (from the first towards the second).

    >>> xg.rot90(xg.tensor([[1, 2], [3, 4]]))  # [[2, 4], [1, 3]]
    """
    require_tensor(input, "rot90")
    dims = tuple(dims)
    if len(dims) != 2:
        raise ValueError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise ValueError(f"rot90: expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = (normalize_axis(d, input.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise ValueError(f"rot90: expected rotation dims to be different, but got {dims}")
    k = int(k) % 4
    if k == 1:
        return flip(input, (d1,)).transpose(d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(input, (d0,)).transpose(d0, d1)
    return input.clone()


def _promoted(tensors: Sequence[Tensor]) -> Any:
    """The dtype PyTorch's promotion gives the tensors (from empty slices: no array work)."""
    probe = tensors[0].detach().reshape(-1)[:0]
    for x in tensors[1:]:
        probe = probe + x.detach().reshape(-1)[:0]
    return probe.dtype


def block_diag(*tensors: Tensor) -> Tensor:
    """The block-diagonal matrix of the (0-d, 1-D or 2-D) tensors, zeros elsewhere.

    >>> xg.block_diag(xg.ones(1, 2), xg.ones(2, 1)).shape  # (3, 3)
    """
    from ..factories import zeros
    if not tensors:
        raise ValueError("block_diag: expected at least one tensor")
    for i, x in enumerate(tensors):
        require_tensor(x, "block_diag")
        if x.ndim > 2:
            raise ValueError(f"block_diag: Input tensors must have 2 or fewer dimensions. "
                             f"Input {i} has {x.ndim} dimensions")
    mats = [x.reshape(1, 1) if x.ndim == 0 else x.reshape(1, -1) if x.ndim == 1 else x
            for x in tensors]
    dtype = _promoted(mats)
    backend = mats[0]._backend
    width = sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        r, c = m.shape
        parts = [zeros(r, left, dtype=dtype, device=backend), m.astype(dtype),
                 zeros(r, width - left - c, dtype=dtype, device=backend)]
        rows.append(concat(parts, axis=1))
        left += c
    return concat(rows, axis=0)


def broadcast_shapes(*shapes: Any) -> tuple:
    """The shape the given shapes broadcast to. >>> xg.broadcast_shapes((2, 1), (3,))  # (2, 3)"""
    dims = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    out: list = []
    for shape in dims:
        for i, n in enumerate(reversed(shape)):
            if i == len(out):
                out.append(n)
            elif out[i] == 1:
                out[i] = n
            elif n != 1 and n != out[i]:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single "
                                   f"shape (broadcast_shapes of {dims})")
    return tuple(reversed(out))


def broadcast_tensors(*tensors: Tensor) -> tuple:
    """The tensors broadcast to one shape. >>> a, b = xg.broadcast_tensors(x, y)"""
    for x in tensors:
        require_tensor(x, "broadcast_tensors")
    shape = broadcast_shapes(*[x.shape for x in tensors])
    return tuple(x if tuple(x.shape) == shape else x.broadcast_to(shape) for x in tensors)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """All tuples of one element from each 1-D tensor, as rows (itertools.product order).

    >>> xg.cartesian_prod(xg.tensor([1, 2]), xg.tensor([3, 4]))  # [[1, 3], [1, 4], ...]
    """
    for x in tensors:
        require_tensor(x, "cartesian_prod")
        if x.ndim != 1:
            raise ValueError(f"cartesian_prod: expect a 1D vector, but got shape {x.shape}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], axis=1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """All length-r combinations of the elements of a 1-D tensor, as rows (itertools order).

    >>> xg.combinations(xg.tensor([1, 2, 3]))  # [[1, 2], [1, 3], [2, 3]]
    """
    require_tensor(input, "combinations")
    if input.ndim != 1:
        raise ValueError(f"combinations: Expect a 1D vector, but got shape {input.shape}")
    if r < 0:
        raise ValueError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return input[:0]
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    if not rows:
        return input[:0].reshape(0, 1).expand(0, r)
    from ..factories import tensor
    idx = tensor(rows, dtype=int64, device=input._backend)
    return input[idx]


def chain_matmul(*matrices: Tensor) -> Tensor:
    """The product of 2-D matrices, in the cheapest order (as linalg.multi_dot).

    >>> xg.chain_matmul(a, b, c)
    """
    from .linalg_products import multi_dot
    if not matrices:
        raise ValueError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        require_tensor(m, "chain_matmul")
        if m.ndim != 2:
            raise ValueError(f"chain_matmul(): Tensor dimension is {m.ndim}, expected 2 instead.")
    return matrices[0].clone() if len(matrices) == 1 else multi_dot(list(matrices))


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The flattened input on diagonal ``offset`` of a square matrix.

    >>> xg.diagflat(xg.tensor([[1, 2]])).shape  # (2, 2)
    """
    require_tensor(input, "diagflat")
    return diag(input.reshape(-1), offset)


def _split(op: str, input: Tensor, spec: Any, dim: int, min_dims: int) -> tuple:
    require_tensor(input, op)
    if input.ndim < min_dims:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_dims} dimension, "
                           f"but got a tensor with {input.ndim} dimensions!")
    if isinstance(spec, int) and not isinstance(spec, bool):
        size = input.shape[dim]
        if spec == 0 or size % spec:
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {size} is not divisible by the "
                               f"split_size {spec}!")
    return tensor_split(input, spec, dim)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple:
    """Split along dim 1 (dim 0 of a 1-D tensor). >>> xg.hsplit(xg.zeros(2, 4), 2)"""
    require_tensor(input, "hsplit")
    return _split("hsplit", input, indices_or_sections, 1 if input.ndim > 1 else 0, 1)


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple:
    """Split along dim 0 (at least 2-D). >>> xg.vsplit(xg.zeros(4, 2), [1])"""
    return _split("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple:
    """Split along dim 2 (at least 3-D). >>> xg.dsplit(xg.zeros(1, 1, 4), 2)"""
    return _split("dsplit", input, indices_or_sections, 2, 3)


def _triangle_indices(op: str, row: int, col: int, offset: int, dtype: Any, device: Any,
                      lower: bool) -> Tensor:
    from ..factories import arange
    from .gather_masks import nonzero
    if row < 0 or col < 0:
        raise ValueError(f"{op}: row and col must be non-negative, got {row} and {col}")
    i = arange(row, dtype=int64, device=device).reshape(-1, 1)
    j = arange(col, dtype=int64, device=device).reshape(1, -1)
    mask = (j - i <= offset) if lower else (j - i >= offset)
    out = nonzero(mask).mT                       # row-major order, as PyTorch's
    return out if dtype is None else out.astype(dtype)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (2, N) coordinates of the lower triangle (diagonal ``offset`` included) of a
    row x col matrix. >>> xg.tril_indices(3, 3)  # [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]"""
    return _triangle_indices("tril_indices", row, col, offset, dtype, device, True)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (2, N) coordinates of the upper triangle of a row x col matrix.
    >>> xg.triu_indices(2, 2)  # [[0, 0, 1], [0, 1, 1]]"""
    return _triangle_indices("triu_indices", row, col, offset, dtype, device, False)


def unravel_index(indices: Tensor, shape: Any) -> tuple:
    """The coordinates of flat ``indices`` in a tensor of ``shape`` (negative ones count from
    the end), one int64 tensor per dimension. >>> xg.unravel_index(xg.tensor([5]), (3, 4))"""
    require_tensor(indices, "unravel_index")
    if not indices.dtype.is_integer:
        raise TypeError(f"unravel_index: expected 'indices' to be an integer tensor, got "
                        f"{indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"unravel_index: 'shape' cannot have negative values, got {shape}")
    total = 1
    for s in shape:
        total *= s
    flat = indices.astype(int64)
    flat = flat + (flat < 0).astype(int64) * total
    coords = []
    for s in reversed(shape):
        coords.append(flat.remainder(s) if s else flat * 0)
        flat = flat.floor_divide(s) if s else flat
    return tuple(reversed(coords))


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-D tensor: columns x^(N-1), ..., x, 1 (or increasing).
    Integer input gives int64, as PyTorch. >>> xg.vander(xg.tensor([1, 2, 3]), N=3)"""
    require_tensor(x, "vander")
    if x.ndim != 1:
        raise ValueError(f"vander: x must be a one-dimensional tensor, got shape {x.shape}")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise ValueError(f"vander: N must be non-negative, got {n}")
    v = x if x.dtype.is_floating else x.astype(int64)
    if n == 0:
        return v.reshape(-1, 1)[:, :0]
    columns = [v * 0 + 1]
    for _ in range(n - 1):        # repeated products: exact for integers, finite slopes at 0
        columns.append(columns[-1] * v)
    out = stack(columns, axis=1)
    return out if increasing else flip(out, (1,))
