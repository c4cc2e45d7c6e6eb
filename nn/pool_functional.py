"""Max, average and adaptive pooling over 1, 2 or 3 trailing spatial dims, as
``torch.nn.functional`` (re-exported from ``nn.functional``; the ops are in ``pool_ops``, LP
pooling, unpooling and the ``*_with_indices`` spellings in ``pool_lp_unpool``).

>>> F.max_pool2d(x, 2)                        # (N, C, 28, 28) -> (N, C, 14, 14)
>>> F.avg_pool1d(x, 3, stride=1, padding=1, count_include_pad=False)
>>> F.adaptive_avg_pool2d(x, 1)               # global average pooling -> (N, C, 1, 1)
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import apply1, run_kernel
from ..autograd.ops import concat
from ..autograd.ops.gather_ops import gather
from ..autograd.tensor import Tensor, make_tensor
from .conv_args import check_floating, check_input, ntuple, size_text
from .conv_windows import geometry
from .pool_ops import AvgPool, MaxPool, adaptive_max_indices, max_indices
from ..autograd.ops.torch_errors import TorchValueError

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d"]


def _window_args(nd: int, op: str, input: Tensor, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, ceil_mode: bool, integers: bool = False) -> tuple:
    check_input(input, nd, op)
    if not (integers and input.dtype.is_integer):     # PyTorch max-pools integers too
        check_floating(op, input)
    kernel = ntuple(kernel_size, nd, "kernel_size", op)
    stride = kernel if stride is None or stride == [] or stride == () else \
        ntuple(stride, nd, "stride", op)
    pad = ntuple(padding, nd, "padding", op)
    dilation = ntuple(dilation, nd, "dilation", op)
    for name, values in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        if any(v <= 0 for v in values):
            raise TorchValueError(f"{op}: {name} must be greater than zero, but got "
                                  f"{name}={values}")
    for p, k, d in zip(pad, kernel, dilation):
        if p < 0 or p > (d * (k - 1) + 1) // 2:
            raise TorchValueError(f"{op}: pad should be at most half of effective kernel size, but "
                                  f"got pad={p}, kernel_size={k} and dilation={d}")
    spatial = tuple(input.shape[-nd:])
    geo = geometry(spatial, kernel, stride, dilation, tuple((p, p) for p in pad),
                   bool(ceil_mode))
    outs = tuple(g[6] for g in geo)
    if any(o <= 0 for o in outs):
        channels = input.shape[-nd - 1]
        raise TorchValueError(f"{op}: given input size: ({size_text((channels,) + spatial)}). "
                              f"Calculated output size: ({size_text((channels,) + outs)}). Output "
                              f"size is too small (kernel_size={kernel}, stride={stride}, "
                              f"padding={pad}, dilation={dilation})")
    return geo


def _max_pool(nd: int, op: str, input: Tensor, kernel_size: Any, stride: Any, padding: Any,
              dilation: Any, ceil_mode: bool, return_indices: bool) -> Any:
    geo = _window_args(nd, op, input, kernel_size, stride, padding, dilation, ceil_mode, True)
    return _max_pool_geo(input, geo, return_indices)


def _max_pool_geo(input: Tensor, geo: tuple, return_indices: bool) -> Any:
    out = apply1(MaxPool, input, geo)
    if not return_indices:
        return out
    backend = input._backend
    idx = run_kernel(backend, max_indices, input.data, out.data, geo)
    return out, make_tensor(idx, backend, False, None)


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over sliding windows of (N, C, L) or (C, L) input; ``stride`` defaults to the
    kernel size; padding counts as -inf. The gradient goes to the first maximum of a window.
    With ``return_indices`` also the int64 positions of the maxima along L.

    >>> F.max_pool1d(x, 2)          # (N, C, 10) -> (N, C, 5)
    """
    return _max_pool(1, "max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over sliding windows of (N, C, H, W) or (C, H, W) input; ``stride`` defaults to the
    kernel size; padding counts as -inf. The gradient goes to the first maximum of a window
    (row-major), as PyTorch. With ``return_indices`` also the int64 flat positions h * W + w.

    >>> F.max_pool2d(x, 2)          # (N, C, 28, 28) -> (N, C, 14, 14)
    """
    return _max_pool(2, "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over sliding windows of (N, C, D, H, W) or (C, D, H, W) input; ``stride`` defaults
    to the kernel size; padding counts as -inf. With ``return_indices`` also the int64 flat
    positions (d * H + h) * W + w, which ``max_unpool3d`` inverts.

    >>> F.max_pool3d(x, 2)          # (N, C, 8, 8, 8) -> (N, C, 4, 4, 4)
    """
    return _max_pool(3, "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _avg_divisor(geo: tuple, count_include_pad: bool, divisor_override: Any, op: str) -> Any:
    """PyTorch's divisor: the window cut at the padded input's end (ceil_mode), without the
    padding when not count_include_pad; or divisor_override."""
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, int) \
                or divisor_override <= 0:
            raise TorchValueError(f"{op}: divisor must be a positive int, got divisor_override="
                                  f"{divisor_override!r}")
        return divisor_override
    per_dim = []
    for k, s, _, lo, _, size, n in geo:
        counts = []
        for i in range(n):
            start = i * s - lo
            end = min(start + k, size + lo)
            counts.append(end - start if count_include_pad else
                          min(end, size) - max(start, 0))
        per_dim.append(tuple(counts))
    if all(len(set(c)) == 1 for c in per_dim):
        total = 1
        for c in per_dim:
            total *= c[0]
        return total
    return tuple(per_dim)


def _avg_pool(nd: int, op: str, input: Tensor, kernel_size: Any, stride: Any, padding: Any,
              ceil_mode: bool, count_include_pad: bool, divisor_override: Any) -> Tensor:
    geo = _window_args(nd, op, input, kernel_size, stride, padding, 1, ceil_mode)
    return apply1(AvgPool, input, geo,
                  _avg_divisor(geo, count_include_pad, divisor_override, op))


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean over sliding windows of (N, C, L) or (C, L) input (zero padding, counted in the
    mean unless ``count_include_pad=False``); ``stride`` defaults to the kernel size.

    >>> F.avg_pool1d(x, 3, stride=1, padding=1)     # same length
    """
    return _avg_pool(1, "avg_pool1d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over sliding windows of (N, C, H, W) or (C, H, W) input (zero padding, counted in
    the mean unless ``count_include_pad=False``; ``divisor_override`` replaces the count).

    >>> F.avg_pool2d(x, 2)          # (N, C, 28, 28) -> (N, C, 14, 14)
    """
    return _avg_pool(2, "avg_pool2d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over sliding windows of (N, C, D, H, W) or (C, D, H, W) input (zero padding,
    counted unless ``count_include_pad=False``; ``divisor_override`` replaces the count).

    >>> F.avg_pool3d(x, 2)          # (N, C, 8, 8, 8) -> (N, C, 4, 4, 4)
    """
    return _avg_pool(3, "avg_pool3d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


# ---- adaptive pooling ----------------------------------------------------------------------
def _adaptive_sizes(nd: int, op: str, input: Tensor, output_size: Any) -> tuple:
    check_input(input, nd, op)
    check_floating(op, input)
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != nd:
            raise TorchValueError(f"{op}: output_size must be {nd} values, got {output_size!r}")
        sizes = tuple(input.shape[-nd + i] if o is None else o
                      for i, o in enumerate(output_size))
    else:
        sizes = ntuple(output_size, nd, "output_size", op)
    if any(isinstance(o, bool) or not isinstance(o, int) or o < 0 for o in sizes):
        raise TorchValueError(f"{op}: output_size must be non-negative ints (or None to keep a "
                              f"size), got {output_size!r}")
    spatial = tuple(input.shape[-nd:])
    if any(s == 0 for s in spatial) and any(o > 0 for o in sizes):
        raise TorchValueError(f"{op}: expected non-empty spatial dims, got input of shape "
                              f"{tuple(input.shape)}")
    return spatial, sizes


def _bounds(size: int, out: int) -> list:
    """PyTorch's adaptive windows: [floor(i * size / out), ceil((i + 1) * size / out))."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _along(x: Tensor, axis: int, start: int, stop: int) -> Tensor:
    return x[(slice(None),) * axis + (slice(start, stop),)]


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of (N, C, L) or (C, L) input to ``output_size`` positions, windows as
    PyTorch's (overlapping by one where L is not a multiple).

    >>> F.adaptive_avg_pool1d(x, 1)       # (N, C, L) -> (N, C, 1)
    """
    return _adaptive_avg(1, "adaptive_avg_pool1d", input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of (N, C, H, W) or (C, H, W) input to ``output_size`` (an int, a pair,
    None keeps a size), windows as PyTorch's.

    >>> F.adaptive_avg_pool2d(x, 1)       # global average pooling: (N, C, 1, 1)
    """
    return _adaptive_avg(2, "adaptive_avg_pool2d", input, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of (N, C, D, H, W) or (C, D, H, W) input to ``output_size`` (an int,
    a triple, None keeps a size), windows as PyTorch's.

    >>> F.adaptive_avg_pool3d(x, 1)       # global average pooling: (N, C, 1, 1, 1)
    """
    return _adaptive_avg(3, "adaptive_avg_pool3d", input, output_size)


def _adaptive_avg(nd: int, op: str, input: Tensor, output_size: Any) -> Tensor:
    spatial, sizes = _adaptive_sizes(nd, op, input, output_size)
    x, first = input, input.ndim - nd
    if all(o > 0 and s % o == 0 for s, o in zip(spatial, sizes)):     # equal windows
        split = x.shape[:first]
        for s, o in zip(spatial, sizes):
            split += (o, s // o)
        return x.reshape(split).mean(tuple(first + 2 * i + 1 for i in range(nd)))
    for i, (s, o) in enumerate(zip(spatial, sizes)):
        axis = first + i
        if s == o:
            continue
        if o == 0:
            shape = list(x.shape)
            shape[axis] = 0
            x = _along(x, axis, 0, 0).reshape(tuple(shape))
        elif s % o == 0:
            x = x.reshape(x.shape[:axis] + (o, s // o) + x.shape[axis + 1:]).mean(axis + 1)
        else:
            x = concat([_along(x, axis, a, b).mean(axis, keepdims=True)
                        for a, b in _bounds(s, o)], axis)
    return x if x is not input else x.clone()


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling of (N, C, L) or (C, L) input to ``output_size`` positions (PyTorch's
    windows; the gradient goes to the first maximum).

    >>> F.adaptive_max_pool1d(x, 4)
    """
    return _adaptive_max(1, "adaptive_max_pool1d", input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling of (N, C, H, W) or (C, H, W) input to ``output_size`` (PyTorch's windows;
    the gradient goes to the first maximum of a window, row-major).

    >>> F.adaptive_max_pool2d(x, (2, 2))
    """
    return _adaptive_max(2, "adaptive_max_pool2d", input, output_size, return_indices)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling of (N, C, D, H, W) or (C, D, H, W) input to ``output_size`` (PyTorch's
    windows; with ``return_indices`` also the int64 flat positions of the maxima).

    >>> F.adaptive_max_pool3d(x, (2, 2, 2))
    """
    return _adaptive_max(3, "adaptive_max_pool3d", input, output_size, return_indices)


def _adaptive_max(nd: int, op: str, input: Tensor, output_size: Any,
                  return_indices: bool) -> Any:
    spatial, sizes = _adaptive_sizes(nd, op, input, output_size)
    if any(o == 0 for o in sizes):
        raise TorchValueError(f"{op}: output_size must be positive, got {output_size!r}")
    if all(s % o == 0 for s, o in zip(spatial, sizes)):       # equal windows: one max pool
        kernel = tuple(s // o for s, o in zip(spatial, sizes))
        geo = geometry(spatial, kernel, kernel, (1,) * nd, ((0, 0),) * nd)
        return _max_pool_geo(input, geo, return_indices)
    if return_indices:          # the first maximum of each window, then its value gathered
        backend = input._backend
        idx = make_tensor(run_kernel(backend, adaptive_max_indices, input.data, sizes),
                          backend, False, None)
        lead = tuple(input.shape[:input.ndim - nd])
        values = gather(input.reshape(lead + (_prod(spatial),)), -1,
                        idx.reshape(lead + (_prod(sizes),)))
        return values.reshape(lead + sizes), idx
    # The maximum is separable: reduce the last dim first, then the earlier ones, so the
    # winner of ties is the first maximum in row-major order (PyTorch's rule).
    x, first = input, input.ndim - nd
    for i in reversed(range(nd)):
        s, o = spatial[i], sizes[i]
        axis = first + i
        if s == o:
            continue
        sub = x.shape[-nd:]
        if s % o == 0:
            x = apply1(MaxPool, x, _dim_geo(sub, i, s // o, s, o))
        else:
            x = concat([apply1(MaxPool, _along(x, axis, a, b), _dim_geo(sub, i, b - a, b - a, 1))
                        for a, b in _bounds(s, o)], axis)
    return x if x is not input else x.clone()


def _prod(values: Any) -> int:
    n = 1
    for v in values:
        n *= v
    return n


def _dim_geo(sub: tuple, i: int, k: int, size: int, out: int) -> tuple:
    """Windows of k (stride k) along spatial dim i only: size -> out; other dims untouched."""
    return tuple((k, k, 1, 0, 0, size, out) if j == i else (1, 1, 1, 0, 0, d, d)
                 for j, d in enumerate(sub))
