"""Tensor: a backend array plus what reverse-mode autodiff needs (grad, grad_fn, requires_grad).

Methods and operators are thin calls into ``autograd/ops`` (imported at the bottom of this
file, after Tensor exists, because every op builds Tensors).
"""
from __future__ import annotations

from typing import Any, Iterator

from ..dtypes import DType, as_dtype
from .tensor_args import _Size, _axis_args, _looks_like_dtype, _shape_args
from .tensor_types import check_memory_format
from .tensor_compat import TensorCompat
from .tensor_extras import TensorExtras
from .tensor_mutation import TensorMutation


def make_tensor(data: Any, backend: Any, requires_grad: bool, grad_fn: Any) -> "Tensor":
    """Wrap a backend array without any checks (the fast path every op takes)."""
    t = _new(Tensor)
    t.data = data
    t._backend = backend
    t._rg = requires_grad
    t.grad_fn = grad_fn
    t.grad = None
    t._hooks = None
    t._used = 0
    t._view = None
    return t


_new = object.__new__


class Tensor(TensorMutation, TensorExtras, TensorCompat):
    """An n-dimensional array on a device that records the ops applied to it.

    >>> x = xg.tensor([1.0, 2.0], requires_grad=True); (x * x).sum().backward(); x.grad
    """

    # _used: how many recorded ops took the tensor as an input (unset: none); an in-place
    # write rebinds the tensor to a new node only where it can rewire all of those uses
    # _view: None on most tensors; on a view, what it is a view of; on a base, its views
    # (autograd/views.py: in-place writes reach both)
    __slots__ = ("data", "_backend", "_rg", "grad", "grad_fn", "_hooks", "_used", "_view",
                 "__weakref__")
    __array_ufunc__ = None         # NumPy defers `ndarray * Tensor` to Tensor.__rmul__

    def __init__(self, data: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> None:
        from .factories import tensor
        src = tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
        self.data, self._backend, self._rg = src.data, src._backend, src._rg
        self.grad = self.grad_fn = self._hooks = self._view = None
        self._used = 0

    # ---- attributes -----------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Start (or stop) recording ops on this leaf tensor, in place."""
        if _function.tracer is not None:
            _function.tracer.refuse("changing requires_grad (requires_grad_, or creating a "
                                    "tensor or Parameter with requires_grad=True)")
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; "
                               "use .detach() for a non-leaf tensor")
        if requires_grad and not self.dtype.is_floating:
            raise RuntimeError(f"only floating-point tensors can require gradients, got dtype "
                               f"{self.dtype} (shape {self.shape}); convert with "
                               f".astype(xg.float32)")
        self._rg = bool(requires_grad)
        return self

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> "_Size":
        """The number of elements, as NumPy's ``.size``; also callable as PyTorch's
        ``.size()`` (the shape) and ``.size(dim)``."""
        n = 1
        for d in self.data.shape:
            n *= d
        return _Size(n, self.data.shape)

    def numel(self) -> int:
        return int(self.size)

    nelement = numel

    def dim(self) -> int:
        return self.data.ndim

    def t(self) -> "Tensor":
        """Transpose of a matrix (PyTorch's ``.t()``); a vector or scalar is returned as is."""
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with at most 2 dimensions, got shape {self.shape}")
        return self if self.ndim < 2 else _ops.matrix_transpose(self)

    @property
    def dtype(self) -> DType:
        return self._backend.dtype_of(self.data)

    @property
    def device(self) -> str:
        return self._backend.device

    @property
    def backend(self) -> Any:
        return self._backend

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def T(self) -> "Tensor":
        return _ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> "Tensor":
        return _ops.matrix_transpose(self)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        for i in range(len(self)):
            yield self[i]

    __hash__ = object.__hash__      # == is elementwise, so hash by identity as PyTorch does

    def __deepcopy__(self, memo: dict) -> "Tensor":
        """A leaf with copied values (and a copied .grad); the graph is not copied."""
        if self.grad_fn is not None:
            raise RuntimeError("only leaf tensors support deepcopy; use .detach().clone()")
        out = type(self).__new__(type(self))
        out.data = self._backend.copy(self.data)
        out._backend, out._rg, out.grad_fn, out._hooks = self._backend, self._rg, None, None
        out.grad = None if self.grad is None else self.grad.__deepcopy__(memo)
        memo[id(self)] = out
        return out

    def __reduce__(self) -> tuple:
        if self.grad_fn is not None:
            raise RuntimeError("only leaf tensors can be pickled; use .detach()")
        return (_rebuild_leaf, (type(self), self.numpy(), self.device, self._rg))

    # ---- math (thin calls into autograd/ops) ----------------------------------------
    def __add__(self, other: Any) -> "Tensor": return _ops.add(self, other)
    def __radd__(self, other: Any) -> "Tensor": return _ops.add(self, other)
    def __sub__(self, other: Any) -> "Tensor": return _ops.sub(self, other)
    def __rsub__(self, other: Any) -> "Tensor": return _ops.sub(other, self)
    def __mul__(self, other: Any) -> "Tensor": return _ops.mul(self, other)
    def __rmul__(self, other: Any) -> "Tensor": return _ops.mul(self, other)
    def __truediv__(self, other: Any) -> "Tensor": return _ops.truediv(self, other)
    def __rtruediv__(self, other: Any) -> "Tensor": return _ops.truediv(other, self)
    def __pow__(self, other: Any) -> "Tensor": return _ops.pow(self, other)
    def __rpow__(self, other: Any) -> "Tensor": return _ops.pow(other, self)
    def __matmul__(self, other: Any) -> "Tensor": return _ops.matmul(self, other)
    def __rmatmul__(self, other: Any) -> "Tensor": return _ops.matmul(other, self)
    def __neg__(self) -> "Tensor": return _ops.neg(self)
    def __pos__(self) -> "Tensor": return self
    def __abs__(self) -> "Tensor": return _ops.abs(self)
    def __lt__(self, other: Any) -> "Tensor": return _ops.lt(self, other)
    def __le__(self, other: Any) -> "Tensor": return _ops.le(self, other)
    def __gt__(self, other: Any) -> "Tensor": return _ops.gt(self, other)
    def __ge__(self, other: Any) -> "Tensor": return _ops.ge(self, other)
    def __eq__(self, other: Any) -> "Tensor": return _ops.eq(self, other)  # type: ignore[override]
    def __ne__(self, other: Any) -> "Tensor": return _ops.ne(self, other)  # type: ignore[override]
    # bitwise, as PyTorch's (on bool tensors the same as logical; floats are refused)
    def __invert__(self) -> "Tensor": return _ops.bitwise_not(self)
    def __and__(self, other: Any) -> "Tensor": return _ops.bitwise_and(self, other)
    def __or__(self, other: Any) -> "Tensor": return _ops.bitwise_or(self, other)
    def __getitem__(self, key: Any) -> "Tensor": return _ops.getitem(self, key)

    def add(self, other: Any, *, alpha: Any = 1) -> "Tensor": return _ops.add(self, other, alpha=alpha)
    def sub(self, other: Any, *, alpha: Any = 1) -> "Tensor": return _ops.sub(self, other, alpha=alpha)
    def mul(self, other: Any) -> "Tensor": return _ops.mul(self, other)
    def div(self, other: Any, *, rounding_mode: str | None = None) -> "Tensor":
        if rounding_mode is None:
            return _ops.truediv(self, other)
        return _ops.div(self, other, rounding_mode=rounding_mode)     # 'trunc' or 'floor'
    def pow(self, other: Any) -> "Tensor": return _ops.pow(self, other)
    def matmul(self, other: Any) -> "Tensor": return _ops.matmul(self, other)
    def exp(self) -> "Tensor": return _ops.exp(self)
    def log(self) -> "Tensor": return _ops.log(self)
    def log1p(self) -> "Tensor": return _ops.log1p(self)
    def expm1(self) -> "Tensor": return _ops.expm1(self)
    def sqrt(self) -> "Tensor": return _ops.sqrt(self)
    def square(self) -> "Tensor": return _ops.square(self)
    def abs(self) -> "Tensor": return _ops.abs(self)
    def sign(self) -> "Tensor": return _ops.sign(self)
    def sin(self) -> "Tensor": return _ops.sin(self)
    def cos(self) -> "Tensor": return _ops.cos(self)
    def tanh(self) -> "Tensor": return _ops.tanh(self)
    def sigmoid(self) -> "Tensor": return _ops.sigmoid(self)
    def relu(self) -> "Tensor": return _ops.relu(self)
    def leaky_relu(self, negative_slope: float = 0.01) -> "Tensor": return _ops.leaky_relu(self, negative_slope)
    def elu(self, alpha: float = 1.0) -> "Tensor": return _ops.elu(self, alpha)
    def softplus(self) -> "Tensor": return _ops.softplus(self)
    def clip(self, min: Any = None, max: Any = None) -> "Tensor": return _ops.clip(self, min, max)
    clamp = clip
    def maximum(self, other: Any) -> "Tensor": return _ops.maximum(self, other)
    def minimum(self, other: Any) -> "Tensor": return _ops.minimum(self, other)

    def sum(self, axis: Any = None, keepdims: bool = False, *, dtype: Any = None,
            **torch_kw: Any) -> "Tensor":
        return _ops.sum(self, *_axis_args(axis, keepdims, torch_kw), dtype=dtype)
    def mean(self, axis: Any = None, keepdims: bool = False, *, dtype: Any = None,
             **torch_kw: Any) -> "Tensor":
        return _ops.mean(self, *_axis_args(axis, keepdims, torch_kw), dtype=dtype)
    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: Any = None) -> Any:
        return _ops.max(self, dim, keepdim, axis=axis, keepdims=keepdims)   # int dim: (values, indices)
    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: Any = None) -> Any:
        return _ops.min(self, dim, keepdim, axis=axis, keepdims=keepdims)
    def var(self, axis: Any = None, unbiased: Any = None, keepdims: bool = False, *, ddof: Any = None,
            correction: Any = None, **torch_kw: Any) -> "Tensor":    # torch's (dim, unbiased, keepdim)
        return _ops.var(self, axis, unbiased, keepdims, ddof=ddof, correction=correction, **torch_kw)
    def std(self, axis: Any = None, unbiased: Any = None, keepdims: bool = False, *, ddof: Any = None,
            correction: Any = None, **torch_kw: Any) -> "Tensor":
        return _ops.std(self, axis, unbiased, keepdims, ddof=ddof, correction=correction, **torch_kw)
    def logsumexp(self, axis: Any = None, keepdims: bool = False, **torch_kw: Any) -> "Tensor":
        return _ops.logsumexp(self, *_axis_args(axis, keepdims, torch_kw))
    def softmax(self, axis: int = -1, dim: int | None = None, *, dtype: Any = None) -> "Tensor":
        return _ops.softmax(self, axis if dim is None else dim, dtype=dtype)
    def log_softmax(self, axis: int = -1, dim: int | None = None, *, dtype: Any = None) -> "Tensor":
        return _ops.log_softmax(self, axis if dim is None else dim, dtype=dtype)
    def argmax(self, axis: Any = None, keepdims: bool = False, **torch_kw: Any) -> "Tensor":
        return _ops.argmax(self, *_axis_args(axis, keepdims, torch_kw))
    def argmin(self, axis: Any = None, keepdims: bool = False, **torch_kw: Any) -> "Tensor":
        return _ops.argmin(self, *_axis_args(axis, keepdims, torch_kw))
    def all(self, axis: Any = None, keepdims: bool = False, **torch_kw: Any) -> "Tensor":
        return _ops.all(self, *_axis_args(axis, keepdims, torch_kw))
    def any(self, axis: Any = None, keepdims: bool = False, **torch_kw: Any) -> "Tensor":
        return _ops.any(self, *_axis_args(axis, keepdims, torch_kw))

    def reshape(self, *shape: Any) -> "Tensor": return _ops.reshape(self, _shape_args(shape))
    # view (refused where strides allow no view): tensor_compat.py
    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor": return _ops.flatten(self, start_dim, end_dim)
    def permute(self, *axes: Any) -> "Tensor": return _ops.permute(self, _shape_args(axes))
    def transpose(self, dim0: int = -2, dim1: int = -1) -> "Tensor": return _ops.transpose(self, dim0, dim1)
    swapaxes = transpose
    def expand(self, *shape: Any) -> "Tensor": return _ops.expand(self, _shape_args(shape))
    def broadcast_to(self, shape: Any) -> "Tensor": return _ops.broadcast_to(self, shape)
    def squeeze(self, axis: Any = None, *, dim: Any = None) -> "Tensor": return _ops.squeeze(self, axis, dim=dim)
    def unsqueeze(self, axis: Any = None, *, dim: Any = None) -> "Tensor":
        return _ops.unsqueeze(self, axis, dim=dim)
    def split(self, split_size_or_sections: Any, axis: int = 0, *, dim: Any = None) -> tuple:
        return _ops.split(self, split_size_or_sections, axis if dim is None else dim)

    # ---- host transfers (the only sync points) --------------------------------------
    def numpy(self, *, force: bool = False) -> Any:
        """A NumPy copy of the values (a device-to-host transfer on a GPU); ``force`` is
        accepted for PyTorch's spelling (a copy is always made here)."""
        _no_host_read_while_recording("Tensor.numpy()")
        host = self._backend.to_host(self.data)
        return host.copy() if host is self.data else host

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        """``np.asarray(t)`` for CPU tensors; other devices need an explicit ``.numpy()``."""
        if self._backend.kind != "numpy":
            raise TypeError(f"cannot convert a tensor on {self.device} to a NumPy array "
                            "implicitly; call .numpy() to copy it to the host")
        _no_host_read_while_recording("np.asarray(tensor)")
        array = self.data
        if dtype is not None:
            array = array.astype(dtype, copy=False)
        return array.copy() if copy else array

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.size != 1:    # PyTorch's RuntimeError (TorchValueError: a ValueError too)
            raise _ops.torch_errors.TorchValueError(f"item(): a Tensor with {self.size} elements "
                f"cannot be converted to Scalar (one element needed, shape {self.shape})")
        _no_host_read_while_recording("Tensor.item() (also float(t), int(t), bool(t), `if t:`)")
        return self._backend.to_host(self.data).reshape(()).item()

    def tolist(self) -> Any:
        _no_host_read_while_recording("Tensor.tolist()")
        return self._backend.to_host(self.data).tolist()

    def __bool__(self) -> bool:
        if self.size != 1:
            raise _ops.torch_errors.TorchValueError(f"the Boolean value of a tensor with "
                f"{self.size} elements (shape {self.shape}) is ambiguous; use .any() or .all()")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.is_floating or self.size != 1:
            raise TypeError(f"only integer tensors of one element can be used as an index, "
                            f"got {self.dtype}{list(self.shape)}")
        return int(self.item())

    # ---- graph ------------------------------------------------------------------------
    def backward(self, gradient: "Tensor | None" = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (only into those of
        ``inputs``, leaves or not, when given, as PyTorch's)."""
        from .engine import backward, grad
        retain = bool(retain_graph) if retain_graph is not None else create_graph
        if inputs is None:
            backward((self,), None if gradient is None else (gradient,), retain, create_graph)
            return
        targets = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        if not targets:
            raise ValueError("backward: inputs= must name at least one tensor")
        grads = grad(self, targets, gradient, retain_graph=retain, create_graph=create_graph,
                     allow_unused=True)
        for t, g in zip(targets, grads):
            if g is None:
                continue
            if not create_graph:
                g = g.detach()
            t.grad = g if t.grad is None else t.grad + g

    def detach(self) -> "Tensor":
        """The same values, cut from the graph (shares memory, as in PyTorch)."""
        return make_tensor(self.data, self._backend, False, None)

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self._rg = False
        return self

    # ---- conversion -------------------------------------------------------------------
    def astype(self, dtype: Any) -> "Tensor":
        return _ops.astype(self, as_dtype(dtype))

    def float(self) -> "Tensor":
        return self.astype("float32")

    def double(self) -> "Tensor":
        return self.astype("float64")

    def long(self) -> "Tensor": return self.astype("int64")
    def int(self) -> "Tensor": return self.astype("int32")      # PyTorch's .int() / .bool()
    def bool(self) -> "Tensor": return self.astype("bool")

    def to(self, device: Any = None, dtype: Any = None, non_blocking: bool = False,
           copy: bool = False, *, memory_format: Any = None) -> "Tensor":
        """Move to another device and/or convert the dtype (differentiable); ``t.to(other)``
        takes another tensor's device and dtype."""
        from .factories import _to_device
        if memory_format is not None:               # torch's formats: all give the same values
            check_memory_format("to", memory_format)
        if isinstance(device, Tensor):
            device, dtype = device.device, device.dtype
        if isinstance(device, DType) or (dtype is None and _looks_like_dtype(device)):
            device, dtype = None, device
        out = self if device is None else _to_device(self, device)
        out = out if dtype is None else out.astype(dtype)
        return out.clone() if copy and out is self else out

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self, index: int | None = None) -> "Tensor":
        return self.to("cuda" if index is None else f"cuda:{index}")
    # clone and contiguous: tensor_compat.py (with torch's memory_format=)

def _rebuild_leaf(cls: type, host: Any, device: str, requires_grad: bool) -> Tensor:
    """Unpickle a leaf tensor (or subclass such as nn.Parameter) onto its device."""
    from .factories import tensor
    src = tensor(host, device=device)
    out = _new(cls)
    out.data, out._backend, out._rg = src.data, src._backend, requires_grad
    out.grad = out.grad_fn = out._hooks = None
    return out


def _no_host_read_while_recording(what: str) -> None:
    if _function.tracer is not None:        # xg.compile refuses it while recording
        _function.tracer.host_read(what)


from . import ops as _ops  # noqa: E402  (ops build Tensors, so they import this module first)
from . import function as _function  # noqa: E402
