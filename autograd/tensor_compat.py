"""More of PyTorch's Tensor surface, for code and test suites ported from torch: ``H``,
``where``, ``new``, ``resize_``, ``fill_diagonal_``, ``nonzero_static``, method spellings of
existing functions (``lu``, ``lu_solve``, ``triangular_solve``, ``matrix_exp``, ``as_strided``,
``unsafe_split``, ...), and the layout/placement queries library code checks
(``layout``, ``storage_offset``, ``is_sparse``, ``pin_memory``, ...).

``stride()``, ``is_contiguous()``, ``storage_offset()`` and ``dim_order()`` report the
backend array's real layout (NumPy, CuPy; row-major on array_api_strict), as torch's do;
``contiguous()`` copies only a tensor that is not row-major. Tensor inherits this mixin;
nothing here is on the hot path.
"""
from __future__ import annotations

from typing import Any, Callable

from .tensor_types import check_memory_format


def _ops() -> Any:
    from . import ops             # ops import tensor.py, which imports this module
    return ops


def _false(doc: str) -> property:
    return property(lambda self: False, doc=doc)


class TensorCompat:
    """Mixin of Tensor: PyTorch's remaining everyday spellings."""

    __slots__ = ()

    def clone(self, *, memory_format: Any = None) -> Any:
        """A copy that does not share memory (differentiable). As torch's preserve_format
        (the default), a transpose's copy keeps its strides; xg.contiguous_format gives a
        row-major copy."""
        from .tensor_types import contiguous_format
        check_memory_format("clone", memory_format)
        if memory_format is contiguous_format:
            from .ops.shape import contiguous_copy
            return contiguous_copy(self)
        return _ops().clone(self)

    def contiguous(self, memory_format: Any = None) -> Any:
        """This tensor if its elements lie in row-major order, else a row-major copy
        (differentiable), as torch's. >>> x.t().contiguous().is_contiguous()  # True"""
        if memory_format is not None:
            check_memory_format("contiguous", memory_format)
        if self.is_contiguous():
            return self
        from .ops.shape import contiguous_copy
        return contiguous_copy(self)

    def view(self, *shape: Any) -> Any:
        """A view with a new shape (one dim may be -1); refused, as in torch, where this
        tensor's strides allow none (a transpose flattened): use reshape, which copies."""
        from .tensor_args import _shape_args
        out = _ops().reshape(self, _shape_args(shape))
        if out is not self and getattr(out, "_view", None) is None:
            raise RuntimeError(
                f"view size is not compatible with input tensor's size and stride (at least one "
                f"dimension spans across two contiguous subspaces): shape {self.shape}, strides "
                f"{self.stride()}, view shape {out.shape}. Use .reshape(...) instead.")
        return out

    def _is_view(self) -> bool:
        """Whether a view op made this tensor (it shares its base's elements)."""
        from .views import view_info
        return view_info(self) is not None

    @property
    def _base(self) -> Any:
        """The tensor this view was made of (the root one for a view of a view), or None."""
        from .views import view_info
        info = view_info(self)
        return None if info is None else info.root

    # ---- views and spellings ---------------------------------------------------------
    @property
    def H(self) -> Any:
        """The conjugate transpose of a matrix (its transpose: xpgrad is real); a 0-d tensor
        is returned as is. For batches use ``mH``."""
        if self.ndim == 0:
            return self
        if self.ndim != 2:
            raise ValueError(f"H: only supported on matrices (2-D tensors), got shape "
                             f"{self.shape}; for batches of matrices use .mH")
        return _ops().matrix_transpose(self)

    def where(self, condition: Any, y: Any) -> Any:
        """``xg.where(condition, self, y)``. >>> x.where(x > 0, 0.0)"""
        return _ops().where(condition, self, y)

    def logical_xor(self, other: Any) -> Any:
        return _ops().logical_xor(self, other)

    def as_strided(self, size: Any, stride: Any, storage_offset: Any = None) -> Any:
        return _ops().as_strided(self, size, stride, storage_offset)

    def as_strided_scatter(self, src: Any, size: Any, stride: Any,
                           storage_offset: Any = None) -> Any:
        return _ops().as_strided_scatter(self, src, size, stride, storage_offset)

    def narrow_copy(self, dim: int, start: int, length: int) -> Any:
        return _ops().narrow_copy(self, dim, start, length)

    def sum_to_size(self, *size: Any) -> Any:
        """Sum this tensor down to ``size`` (which must broadcast to this shape).
        >>> xg.ones(2, 3).sum_to_size(1, 3)  # [[2., 2., 2.]]"""
        from .tensor_args import _shape_args
        return _ops().sum_to(self, tuple(_shape_args(size)))

    def unsafe_chunk(self, chunks: int, dim: int = 0) -> Any:
        return self.chunk(chunks, dim)

    def unsafe_split(self, split_size: Any, dim: int = 0) -> Any:
        return self.split(split_size, dim)

    def unsafe_split_with_sizes(self, split_sizes: Any, dim: int = 0) -> Any:
        return _ops().split_with_sizes(self, split_sizes, dim)

    def matrix_exp(self) -> Any:
        return _ops().matrix_exp(self)

    def lu(self, pivot: bool = True, get_infos: bool = False) -> Any:
        return _ops().lu(self, pivot=pivot, get_infos=get_infos)

    def lu_solve(self, LU_data: Any, LU_pivots: Any) -> Any:    # noqa: N803  (torch's names)
        return _ops().lu_solve(self, LU_data, LU_pivots)

    def triangular_solve(self, A: Any, upper: bool = True, transpose: bool = False,
                         unitriangular: bool = False) -> Any:
        return _ops().triangular_solve(self, A, upper=upper, transpose=transpose,
                                       unitriangular=unitriangular)

    def geqrf(self) -> Any:
        return _ops().geqrf(self)

    def orgqr(self, input2: Any) -> Any:
        return _ops().orgqr(self, input2)

    def ormqr(self, input2: Any, input3: Any, left: bool = True, transpose: bool = False) -> Any:
        return _ops().ormqr(self, input2, input3, left=left, transpose=transpose)

    def nonzero_static(self, *, size: int, fill_value: int = -1) -> Any:
        """The indices of the nonzero elements as an int64 tensor of shape (size, ndim):
        cut to ``size`` rows, or padded with ``fill_value``."""
        if not isinstance(size, int) or size < 0:
            raise ValueError(f"nonzero_static: size must be a non-negative int, got {size!r}")
        found = self.nonzero()
        n = found.shape[0]
        if n >= size:
            return found[:size]
        pad = _factories().full((size - n, self.ndim), fill_value, dtype="int64",
                                device=self._backend)
        return _ops().cat([found, pad], 0)

    # ---- random, in place ---------------------------------------------------------------
    def bernoulli(self, p: Any = None, *, generator: Any = None) -> Any:
        """0/1 draws in this tensor's shape and dtype: with probability ``self`` (no p), or
        ``p`` (a number or tensor). >>> xg.full((3,), 0.5).bernoulli()"""
        from .factories_extra import bernoulli
        if p is None:
            if not self.dtype.is_floating:
                raise TypeError(f"bernoulli: probabilities must be floating point, got "
                                f"{self.dtype} (shape {self.shape})")
            return bernoulli(self.detach(), generator=generator)
        dtype = self.dtype if self.dtype.is_floating else "float32"
        probs = p.astype(dtype).broadcast_to(self.shape) if hasattr(p, "shape") else \
            _factories().full(self.shape, float(p), dtype=dtype, device=self._backend)
        return bernoulli(probs.detach(), generator=generator).astype(self.dtype)

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Any:
        """Write ``fill_value`` on the main diagonal, in place (every dim equal beyond 2-D;
        ``wrap``: a tall matrix restarts the diagonal every ncols + 1 rows, as torch's)."""
        shape = self.shape
        if self.ndim < 2:
            raise ValueError(f"fill_diagonal_: expected at least 2 dimensions, got shape {shape}")
        if self.ndim > 2 and len(set(shape)) != 1:
            raise ValueError(f"fill_diagonal_: all dimensions of input must be of equal length "
                             f"beyond 2-D, got shape {shape}")
        from .views import row_major
        step = sum(row_major(tuple(shape)))        # flat distance between diagonal entries
        numel = self.numel()
        limit = numel if (wrap and self.ndim == 2) else min(shape) * step
        flat = _factories().arange(numel, device=self._backend)
        mask = ((flat % step) == 0) & (flat < limit)
        mask = mask.reshape(shape)
        return self._write_result("fill_diagonal_()",
                                  lambda t: _ops().where(mask, fill_value, t), fill_value)

    def map2_(self, x: Any, y: Any, callable: Callable) -> Any:   # noqa: A002  (torch's name)
        """Replace each element ``v`` with ``callable(v, a, b)`` for ``a``, ``b`` of x and y
        broadcast to this shape, on the host (torch's CPU-only ``map2_``)."""
        from .ops.inplace_methods import make_like
        xs = [t.broadcast_to(self.shape).reshape(-1).tolist() for t in (x, y)]
        values = [callable(v, a, b) for v, a, b in zip(self.reshape(-1).tolist(), *xs)]
        return self.copy_(make_like(self, values))

    def resize_(self, *sizes: Any, memory_format: Any = None) -> Any:
        """Give this tensor the shape ``sizes`` in place: its leading elements are kept (in
        row-major order), new ones are 0 (torch leaves them uninitialized). Refused on a
        tensor that requires grad, as in torch."""
        from .tensor_args import _shape_args
        check_memory_format("resize_", memory_format)
        shape = tuple(int(s) for s in _shape_args(sizes))
        if any(s < 0 for s in shape):
            raise ValueError(f"resize_: negative size in {shape}")
        if self._rg or self.grad_fn is not None:
            raise RuntimeError(f"resize_: cannot resize a tensor that requires grad (shape "
                               f"{self.shape}); resize a detached copy")
        n = 1
        for s in shape:
            n *= s
        flat = self.detach().reshape(-1)
        if n <= flat.shape[0]:
            flat = flat[:n]
        else:
            flat = _ops().cat([flat, _factories().zeros(n - flat.shape[0], dtype=self.dtype,
                                                        device=self._backend)])
        self.data = flat.reshape(shape).data
        return self

    def resize_as_(self, other: Any, memory_format: Any = None) -> Any:
        return self.resize_(other.shape, memory_format=memory_format)

    # ---- new tensors -----------------------------------------------------------------
    def new(self, *args: Any, device: Any = None) -> Any:
        """Legacy ``x.new(...)``: sizes give a zero tensor of that shape, data a tensor of it,
        nothing an empty one, all with x's dtype and device."""
        from .tensor import Tensor
        from .tensor_types import Size
        if len(args) == 1 and isinstance(args[0], Tensor):
            return args[0].to(device or self._backend, self.dtype)
        if len(args) == 1 and isinstance(args[0], Size):
            return self.new_zeros(tuple(args[0]), device=device)
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return self.new_zeros(args if args else (0,), device=device)
        if len(args) == 1:
            return self.new_tensor(args[0], device=device)
        raise TypeError(f"new(): expected sizes (ints) or one sequence of data, got {args!r}")

    def new_empty_strided(self, size: Any, stride: Any, dtype: Any = None, device: Any = None,
                          requires_grad: bool = False) -> Any:
        """``new_empty(size)``: strides are the backend's business."""
        return self.new_empty(tuple(size), dtype=dtype, device=device,
                              requires_grad=requires_grad)

    # ---- layout and placement ----------------------------------------------------------
    @property
    def layout(self) -> Any:
        from .tensor_types import strided
        return strided

    def storage_offset(self) -> int:
        """Elements from the start of the base's array to this view's first element (0 for
        a tensor that is not a view, and on a backend without addresses)."""
        from .views import storage_offset
        return storage_offset(self)

    def untyped_storage(self) -> Any:
        """The memory this tensor's elements live in (a view's is its base's), as torch's:
        ``data_ptr()`` and ``nbytes()``. >>> x[1:].untyped_storage().data_ptr() == ..."""
        from .views import view_info
        info = view_info(self)
        return _Storage(info.root if info is not None else self)

    def dim_order(self) -> tuple:
        """The dims from the outermost in memory to the innermost (largest stride first)."""
        strides = self.stride()
        return tuple(sorted(range(self.ndim), key=lambda d: -strides[d]))

    def const_data_ptr(self) -> int:
        return self.data_ptr()

    @property
    def output_nr(self) -> int:
        return 0

    def is_shared(self) -> bool:
        return False

    def share_memory_(self) -> Any:
        return self

    def pin_memory(self, device: Any = None) -> Any:
        """This tensor (pinned host memory is the backend's business; DataLoader-ported
        code that calls it keeps working)."""
        return self

    def is_pinned(self, device: Any = None) -> bool:
        return False

    is_sparse = _false("Always False: xpgrad tensors are dense.")
    is_sparse_csr = _false("Always False: xpgrad tensors are dense.")
    is_quantized = _false("Always False: xpgrad has no quantized tensors.")
    is_meta = _false("Always False: every tensor holds data.")
    is_nested = _false("Always False: xpgrad has no nested tensors.")
    is_mkldnn = _false("Always False.")
    is_mps = _false("Always False: the devices are cpu, cuda and strict.")
    is_xpu = _false("Always False: the devices are cpu, cuda and strict.")
    is_xla = _false("Always False: the devices are cpu, cuda and strict.")
    is_ipu = _false("Always False: the devices are cpu, cuda and strict.")
    is_maia = _false("Always False: the devices are cpu, cuda and strict.")
    is_mtia = _false("Always False: the devices are cpu, cuda and strict.")
    is_vulkan = _false("Always False: the devices are cpu, cuda and strict.")

    # ---- incomplete gamma, in place ------------------------------------------------------
    def igamma_(self, other: Any) -> Any:
        return self._write_result("igamma_()", lambda t: _ops().igamma(t, other), other)

    def igammac_(self, other: Any) -> Any:
        return self._write_result("igammac_()", lambda t: _ops().igammac(t, other), other)


class _Storage:
    """What ``untyped_storage()`` returns: the owner tensor's memory."""
    __slots__ = ("_owner",)

    def __init__(self, owner: Any) -> None:
        self._owner = owner

    def data_ptr(self) -> int:
        return self._owner.data_ptr()

    def nbytes(self) -> int:
        return self._owner.nbytes

    def size(self) -> int:
        return self._owner.nbytes


def _factories() -> Any:
    from . import factories
    return factories
