"""Creating tensors: ``tensor`` from data, the factories (zeros, ones, randn, ...) and moving
between devices. Python floats become float32 by default, ints int64, bools bool."""
from __future__ import annotations

import functools
import math
import operator
from typing import Any, Sequence

from ..backends import get_backend, manual_seed  # noqa: F401  (re-exported as xg.manual_seed)
from ..dtypes import DType, as_dtype, bool_, float32, float64, int64
from .function import Function, backend_call, run_kernel
from .grad_mode import grad_mode
from .tensor import Tensor, make_tensor
from .tensor_types import check_memory_format

_default_float = [float32]


class ConversionError(ValueError, RuntimeError):
    """A value that does not fit the dtype (300 as uint8, NaN as int32): PyTorch raises a
    RuntimeError; xpgrad's earlier releases a ValueError, so it is both."""


def set_default_dtype(dtype: Any) -> None:
    """The dtype Python floats become (float32 unless changed; float64 for gradcheck work)."""
    dtype = as_dtype(dtype)
    if not dtype.is_floating:
        raise TypeError(f"the default dtype must be floating point, got {dtype}")
    _default_float[0] = dtype


def get_default_dtype() -> DType:
    return _default_float[0]


def _infer_list(data: Any) -> tuple[tuple[int, ...], DType | None]:
    """Shape and natural dtype of nested lists of Python numbers; clear errors for the rest."""
    if isinstance(data, Tensor):
        if data.ndim != 0:
            raise ValueError("tensor: a list may contain only 0-d tensors, got shape "
                             f"{data.shape}")
        return (), data.dtype
    # Arrays and NumPy scalars first: numpy.float64 subclasses float but keeps its dtype.
    if hasattr(data, "dtype") and hasattr(data, "shape") and not isinstance(data, (list, tuple)):
        return tuple(data.shape), _host_dtype(data)
    if isinstance(data, bool):
        return (), bool_
    if isinstance(data, int):
        return (), int64
    if isinstance(data, float):
        return (), _default_float[0]
    if not isinstance(data, (list, tuple)):
        raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} {data!r:.60}; "
                        "expected numbers, (nested) lists of numbers, or an array")
    if len(data) == 0:
        return (0,), None
    shapes, kinds = set(), []
    for item in data:
        shape, kind = _infer_list(item)
        shapes.add(shape)
        kinds.append(kind)
    if len(shapes) != 1:
        raise ValueError(f"tensor: ragged nested sequence: elements have shapes "
                         f"{sorted(shapes)} at the same depth; every row needs the same length")
    known = [k for k in kinds if k is not None]
    dtype = None
    if known:
        dtype = (next((k for k in known if k.is_floating), None)
                 or next((k for k in known if k.is_integer), None) or bool_)
    return (len(data),) + shapes.pop(), dtype


def _host_dtype(array: Any) -> DType:
    try:
        return as_dtype(array.dtype)
    except TypeError:
        raise TypeError(f"tensor: unsupported array dtype {array.dtype} (strings and Python "
                        "objects cannot be tensors)") from None


def _foreign_to_host(data: Any) -> Any:
    """Another library's array (a PyTorch tensor, say) whose dtype is not a NumPy one: its
    host copy through ``__array__`` (detached and moved to the CPU first where it can be)."""
    if isinstance(data, (list, tuple)) or not (hasattr(data, "__array__") and
                                               hasattr(data, "dtype")):
        return data
    try:
        as_dtype(data.dtype)
        return data                          # NumPy arrays and scalars go the usual way
    except TypeError:
        pass
    for step in ("detach", "cpu"):
        if callable(getattr(data, step, None)):
            data = getattr(data, step)()
    return data.__array__()


def tensor(data: Any, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``.

    >>> xg.tensor([[1.0, 2.0]], requires_grad=True)   # float32 on cpu
    """
    backend = get_backend(device if device is not None else
                          (data.device if isinstance(data, Tensor) else None))
    if isinstance(data, Tensor):
        src = data.detach() if data._backend is backend else _to_device(data.detach(), backend)
        array = backend_call(backend.copy, src.data)
        out = make_tensor(array, backend, False, None)
        if dtype is not None:
            out = make_tensor(out.astype(dtype).data, backend, False, None)
        return out.requires_grad_(True) if requires_grad else out
    if isinstance(data, backend.array_type) and not isinstance(data, (list, tuple)):
        target = _host_dtype(data) if dtype is None else as_dtype(dtype)
        array = backend_call(backend.copy, data)
        if target is not backend.dtype_of(array):
            array = run_kernel(backend, _astype, array, backend.native_dtype(target))
    else:
        data = _foreign_to_host(data)
        _, natural = _infer_list(data)
        target = as_dtype(dtype) if dtype is not None else (natural or _default_float[0])
        if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
            data = _unwrap_scalars(data)
        if hasattr(data, "dtype") and not isinstance(data, (list, tuple)):
            if natural is not target and hasattr(data, "astype"):
                data = data.astype(target.name)     # on the host, before the transfer
            backend.native_dtype(target)            # a clear error for a dtype the device lacks
            array = backend_call(backend.from_host, data)
            if backend.dtype_of(array) is not target:
                array = run_kernel(backend, _astype, array, backend.native_dtype(target))
        else:
            try:
                array = backend_call(backend.asarray, data, target)
            except (OverflowError, ValueError) as exc:    # 300 as uint8, NaN as int32
                if target.is_floating:
                    raise
                raise ConversionError(f"tensor: a value cannot be converted to {target} "
                                      f"without overflow ({exc})") from None
    out = make_tensor(array, backend, False, None)
    return out.requires_grad_(True) if requires_grad else out


def _astype(backend: Any, array: Any, native: Any) -> Any:
    return backend.xp.astype(array, native)


def _unwrap_scalars(data: Any) -> Any:
    if isinstance(data, (list, tuple)):
        return [_unwrap_scalars(x) for x in data]
    return data.item() if isinstance(data, Tensor) else data


def as_tensor(data: Any, dtype: Any = None, device: Any = None, like: Tensor | None = None) -> Tensor:
    """``data`` as a tensor without copying when it already is one (on ``like``'s device)."""
    if like is not None and device is None:
        device = like._backend
    if isinstance(data, Tensor):
        out = data if device is None else data.to(device)
        return out if dtype is None else out.astype(dtype)
    return tensor(data, dtype=dtype, device=device)


def _shape(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        out = tuple(operator.index(d) for d in shape)   # 2.5 or "2" is an error, not 2
    except TypeError:
        raise TypeError(f"shape must be ints, got {shape!r}") from None
    if any(d < 0 for d in out):
        raise ValueError(f"negative dimension in shape {out}")
    return out


def _finish(array: Any, backend: Any, requires_grad: bool) -> Tensor:
    out = make_tensor(array, backend, False, None)
    return out.requires_grad_(True) if requires_grad else out


def _float_dtype(dtype: Any) -> DType:
    return _default_float[0] if dtype is None else as_dtype(dtype)


def zeros(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros. >>> xg.zeros(2, 3)"""
    backend = get_backend(device)
    return _finish(backend_call(backend.zeros, _shape(shape), _float_dtype(dtype)), backend, requires_grad)


def ones(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones. >>> xg.ones(2, 3)"""
    backend = get_backend(device)
    return _finish(backend_call(backend.ones, _shape(shape), _float_dtype(dtype)), backend, requires_grad)


def full(shape: Sequence[int], fill_value: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``. >>> xg.full((2, 2), 7.0)"""
    backend = get_backend(device)
    if dtype is None:
        dtype = _infer_list(fill_value)[1]
    return _finish(backend_call(backend.full, _shape((shape,) if isinstance(shape, int) else (tuple(shape),)),
                                fill_value, as_dtype(dtype)), backend, requires_grad)


def arange(start: Any = 0, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None,
           requires_grad: bool = False, *, stop: Any = None) -> Tensor:
    """Evenly spaced values in [start, end), as PyTorch's: int64 when start, end and step
    are ints, else the default float dtype; ceil((end - start) / step) values, computed in
    float64 and then cast (an integer dtype truncates start, end and step first).

    >>> xg.arange(5)            # tensor([0, 1, 2, 3, 4])
    """
    end = stop if end is None else end
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if end is None:
        start, end = 0, start
    for v in (start, end, step):
        if not isinstance(v, (int, float)):
            raise TypeError(f"arange: start, end and step must be numbers, got "
                            f"{type(v).__name__} {v!r:.40}")
    if dtype is None:
        dtype = (int64 if all(isinstance(v, int) for v in (start, end, step))
                 else _default_float[0])
    dtype = as_dtype(dtype)
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if not dtype.is_floating:
        start, end, step = int(start), int(end), int(step)     # torch casts them first
        if step == 0:
            raise ValueError("arange: step must be nonzero (it truncates to 0 for "
                             f"dtype {dtype})")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    backend = get_backend(device)
    if dtype.is_floating and dtype is not float64:   # values in float64, as PyTorch's kernel
        n = max(0, math.ceil((end - start) / step))
        array = backend_call(backend.arange, 0, n, 1, float64)
        out = make_tensor(array, backend, False, None) * float(step) + float(start)
        return _finish(out.astype(dtype).data, backend, requires_grad)
    return _finish(backend_call(backend.arange, start, end, step, dtype), backend, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix (n x m). >>> xg.eye(3)"""
    backend = get_backend(device)
    return _finish(backend_call(backend.eye, n, m, _float_dtype(dtype)), backend, requires_grad)


def _random_float(dtype: Any, op: str) -> DType:
    """rand/randn draw floats: an integer or bool dtype is refused, as PyTorch does (with
    NotImplementedError, a RuntimeError)."""
    dtype = _float_dtype(dtype)
    if not dtype.is_floating:
        raise NotImplementedError(f"{op}: dtype {dtype} is not supported (it draws floating "
                                  "point values); use randint for integers")
    return dtype


def _draw(backend: Any, generator: Any, kind: str, op: str) -> Any:
    """The backend's own stream, or an xg.Generator's (drawn on the host, then moved)."""
    if generator is None:
        return getattr(backend, "random_" + kind)
    from ..backends.generator import check_generator
    return functools.partial(getattr(check_generator(generator, op), kind), backend)


def rand(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         generator: Any = None) -> Tensor:
    """Uniform samples in [0, 1) (seeded by xg.manual_seed, or from ``generator``).
    >>> xg.rand(2, 3)"""
    backend = get_backend(device)
    draw = _draw(backend, generator, "uniform", "rand")
    return _finish(backend_call(draw, _shape(shape), _random_float(dtype, "rand")), backend,
                   requires_grad)


def randn(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          generator: Any = None) -> Tensor:
    """Standard-normal samples (seeded by xg.manual_seed, or from ``generator``).
    >>> xg.randn(2, 3)"""
    backend = get_backend(device)
    draw = _draw(backend, generator, "normal", "randn")
    return _finish(backend_call(draw, _shape(shape), _random_float(dtype, "randn")), backend,
                   requires_grad)


def _like(x: Tensor, dtype: Any, device: Any, memory_format: Any = None,
          op: str = "") -> tuple[Any, DType]:
    """The backend and dtype of a ``*_like`` result (torch's memory formats are all accepted:
    layouts are the backend's business)."""
    if memory_format is not None:
        check_memory_format(op, memory_format)
    return (x._backend if device is None else get_backend(device),
            x.dtype if dtype is None else as_dtype(dtype))


def zeros_like(x: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False, *,
               memory_format: Any = None) -> Tensor:
    backend, dtype = _like(x, dtype, device, memory_format, "zeros_like")
    return _finish(backend_call(backend.zeros, x.shape, dtype), backend, requires_grad)


def ones_like(x: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False, *,
              memory_format: Any = None) -> Tensor:
    backend, dtype = _like(x, dtype, device, memory_format, "ones_like")
    return _finish(backend_call(backend.ones, x.shape, dtype), backend, requires_grad)


def full_like(x: Tensor, fill_value: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, *, memory_format: Any = None) -> Tensor:
    backend, dtype = _like(x, dtype, device, memory_format, "full_like")
    return _finish(backend_call(backend.full, x.shape, fill_value, dtype), backend, requires_grad)


def rand_like(x: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False, *,
              memory_format: Any = None) -> Tensor:
    backend, dtype = _like(x, dtype, device, memory_format, "rand_like")
    dtype = _random_float(dtype, "rand_like")
    return _finish(backend_call(backend.random_uniform, x.shape, dtype), backend, requires_grad)


def randn_like(x: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False, *,
               memory_format: Any = None) -> Tensor:
    backend, dtype = _like(x, dtype, device, memory_format, "randn_like")
    dtype = _random_float(dtype, "randn_like")
    return _finish(backend_call(backend.random_normal, x.shape, dtype), backend, requires_grad)


class ToDevice(Function):
    """Copy to another device; the gradient is copied back."""
    __slots__ = ()

    def backward(self, gy: Tensor) -> Tensor:
        return _to_device(gy, self.inputs[0]._backend)


def _to_device(x: Tensor, device: Any) -> Tensor:
    backend = get_backend(device)
    if backend is x._backend:
        return x
    from . import function
    if function.tracer is not None:
        function.tracer.refuse(f"moving a tensor from {x.device} to {backend.device}")
    src = x._backend
    if src.kind == backend.kind == "cupy":
        with backend.xp_device:
            array = backend.xp.asarray(x.data)        # peer copy, no host round trip
    else:
        array = backend.from_host(src.to_host(x.data))
    if x._rg and grad_mode.enabled:
        node = ToDevice.__new__(ToDevice)
        node.inputs, node.args, node.out_data, node._gy, node.hooks = (x,), (), None, None, None
        return make_tensor(array, backend, True, node)
    return make_tensor(array, backend, False, None)
