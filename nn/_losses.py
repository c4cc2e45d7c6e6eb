"""Functional losses (exported by nn.functional), PyTorch names, signatures and defaults.

Shapes are checked, never silently broadcast: predictions of shape (N,) against targets of
shape (N, 1) raise and name both shapes. Numeric targets are cast to the input's dtype.
PyTorch's deprecated ``size_average``/``reduce`` are accepted in its positional slots: given,
they override ``reduction`` (legacy_reduction) and warn, as PyTorch.
"""
from __future__ import annotations

import functools
import os
import sys
import warnings
from typing import Any

from ..autograd import function as _function
from ..autograd.function import apply2, host_check, run_kernel
from ..autograd.tensor import Tensor, make_tensor
from ._fused import SparseSoftmaxCrossEntropy, BCEFn, BCEWithLogitsFn, SoftmaxCrossEntropy
from ..autograd.ops.torch_errors import TorchTypeError, TorchValueError

REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def check_reduction(reduction: str, name: str) -> None:
    if reduction not in REDUCTIONS:
        raise TorchValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got "
                              f"{reduction!r}")


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str,
                     name: str) -> str:
    """The reduction to use: ``reduction``, unless a deprecated ``size_average``/``reduce``
    is given; then PyTorch's mapping (torch.nn._reduction.legacy_get_string: None counts as
    True; reduce=False -> 'none', else size_average -> 'mean', not -> 'sum'), which
    overrides ``reduction``, with its UserWarning. A string (``reduction`` passed in their
    positional slot) raises TypeError. >>> legacy_reduction(False, None, "mean", "mse_loss")
    """
    if size_average is None and reduce is None:
        return reduction
    for what, value in (("size_average", size_average), ("reduce", reduce)):
        if isinstance(value, str):
            raise TypeError(f"{name}: {what} is a deprecated bool, got {value!r}; pass "
                            f"reduction={value!r} by keyword")
    reduce = True if reduce is None else reduce
    size_average = True if size_average is None else size_average
    out = "none" if not reduce else ("mean" if size_average else "sum")
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{out}' instead.", UserWarning, stacklevel=_caller_level())
    return out


_NN_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _caller_level() -> int:
    """The warnings stacklevel of the first frame outside nn/ (the user's call), seen from
    the function calling this one (level 1)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_NN_DIR):
        frame, level = frame.f_back, level + 1
    return level


def _check_input(input: Any, name: str, reduction: str) -> None:
    """The reduction is known and the input is a floating-point Tensor."""
    check_reduction(reduction, name)
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if not input.dtype.is_floating:
        raise TypeError(f"{name}: input must be floating point, got {input.dtype} of shape "
                        f"{tuple(input.shape)}")


def _prepare(input: Tensor, target: Any, name: str, reduction: str) -> Tensor:
    """Check the reduction, dtypes, devices and shapes of an elementwise loss; the target,
    cast to the input's dtype."""
    _check_input(input, name, reduction)
    if not isinstance(target, Tensor):
        from ..autograd.factories import tensor
        target = tensor(target, device=input._backend)
    if tuple(target.shape) != tuple(input.shape):
        raise TorchValueError(f"{name}: input shape {tuple(input.shape)} and target shape "
                              f"{tuple(target.shape)} differ; losses never broadcast. Reshape one "
                              f"of them (e.g. target.reshape({tuple(input.shape)}) or "
                              "input.squeeze(-1))")
    if target._backend is not input._backend:
        raise RuntimeError(f"{name}: input is on {input.device} but target is on "
                           f"{target.device}; move one with .to(device)")
    if target.dtype is not input.dtype:
        target = target.astype(input.dtype)
    return target


def _weighted(loss: Tensor, weight: Tensor | None, name: str) -> Tensor:
    if weight is None:
        return loss
    try:
        return loss * weight
    except ValueError:
        raise TorchValueError(f"{name}: weight of shape {tuple(weight.shape)} cannot be broadcast "
                              f"to the loss of shape {tuple(loss.shape)}") from None


def _elementwise_weighted(loss: Tensor, weight: Tensor | None, reduction: str,
                          name: str) -> Tensor:
    """The reduced loss under PyTorch 2.13's ``weight=`` of mse_loss/l1_loss: one weight per
    element (same shape); 'mean' is then sum(weight * loss) / sum(weight), as PyTorch's."""
    if weight is None:
        return _reduce(loss, reduction)
    if tuple(weight.shape) != tuple(loss.shape):
        raise TorchValueError(f"{name}: weights and input must have the same size, got weight of "
                              f"shape {tuple(weight.shape)} and input of shape {tuple(loss.shape)}")
    loss = loss * weight
    return loss.sum() / weight.sum() if reduction == "mean" else _reduce(loss, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
             reduce: bool | None = None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean squared error: mean((input - target)^2); with ``weight`` (the input's shape) each
    term is weighted and 'mean' divides by sum(weight). >>> F.mse_loss(pred, y, reduction="sum")"""
    reduction = legacy_reduction(size_average, reduce, reduction, "mse_loss")
    target = _prepare(input, target, "mse_loss", reduction)
    d = input - target
    return _elementwise_weighted(d * d, weight, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean absolute error: mean(|input - target|); with ``weight`` (the input's shape) each
    term is weighted and 'mean' divides by sum(weight). >>> F.l1_loss(pred, y)"""
    reduction = legacy_reduction(size_average, reduce, reduction, "l1_loss")
    target = _prepare(input, target, "l1_loss", reduction)
    return _elementwise_weighted((input - target).abs(), weight, reduction, "l1_loss")


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """-[t log p + (1 - t) log(1 - p)] for probabilities p (e.g. after a Sigmoid), each log
    clamped at -100 as PyTorch does, so p = 0 or 1 gives a finite loss and gradient.
    Prefer binary_cross_entropy_with_logits on the raw scores: it is exact for any logit.
    >>> F.binary_cross_entropy(xg.tensor([0.9, 0.2]), xg.tensor([1.0, 0.0]))"""
    reduction = legacy_reduction(size_average, reduce, reduction, "binary_cross_entropy")
    target = _prepare(input, target, "binary_cross_entropy", reduction)
    if input._backend.kind == "numpy":      # host memory: the check costs no sync
        host_check(input._backend, _refuse_non_probabilities, input.data)
    loss = apply2(BCEFn, input, target)
    return _reduce(_weighted(loss, weight, "binary_cross_entropy"), reduction)


def _refuse_non_probabilities(p: Any) -> None:
    if p.size and not (0 <= p.min() and p.max() <= 1):      # NaN fails both comparisons
        raise TorchValueError(f"binary_cross_entropy: all elements of input should be between 0 "
                              f"and 1, got values from {float(p.min())} to {float(p.max())}; for "
                              f"raw scores use binary_cross_entropy_with_logits")


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None,
                                     size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable op (finite for any logit, |x| = 1000
    included). ``pos_weight`` multiplies the positive term; it broadcasts against the
    input's last axis (one weight per class of a multi-label output).
    >>> F.binary_cross_entropy_with_logits(logits, labels, pos_weight=xg.tensor([3.0]))"""
    name = "binary_cross_entropy_with_logits"
    reduction = legacy_reduction(size_average, reduce, reduction, name)
    target = _prepare(input, target, name, reduction)
    if pos_weight is None:
        loss = apply2(BCEWithLogitsFn, input, target, [])
    else:
        # (1 - t) x + (1 + (pw - 1) t) softplus(-x), softplus being overflow-free
        try:
            lw = (pos_weight - 1.0) * target + 1.0
        except ValueError:
            raise TorchValueError(f"{name}: pos_weight of shape {tuple(pos_weight.shape)} cannot "
                                  f"be broadcast to the input of shape "
                                  f"{tuple(input.shape)}") from None
        if tuple(lw.shape) != tuple(input.shape):
            raise TorchValueError(f"{name}: pos_weight of shape {tuple(pos_weight.shape)} would "
                                  f"broadcast the loss of shape {tuple(input.shape)} to "
                                  f"{tuple(lw.shape)}")
        loss = (1.0 - target) * input + lw * (-input).softplus()
    return _reduce(_weighted(loss, weight, name), reduction)


# ---- class-index losses ---------------------------------------------------------------------
def _class_coefficients(input: Tensor, target: Tensor, weight: Tensor | None,
                        ignore_index: int, smoothing: float, name: str) -> tuple[Tensor, Tensor]:
    """Per-element coefficients a (input's shape) with loss_i = -sum_c a_ic logp_ic, and
    the divisor of the 'mean' reduction (the summed weights of the non-ignored targets).

    Built on the device from the integer targets: a one-hot mask, label smoothing, class
    weights and the ignore mask. A target outside [0, C) raises on the CPU and makes its
    sample's loss NaN on other devices (checking there would sync)."""
    backend = input._backend
    c = input.shape[1]
    w = None
    if weight is not None:
        w = _class_weight(weight, input, name).data
    check_here = backend.kind == "numpy"      # host memory: the check costs no sync
    a, divisor, bad = run_kernel(backend, _coefficients, target.data, input.data.dtype,
                                 target.dtype, c, ignore_index, smoothing, w, not check_here)
    if check_here:
        host_check(backend, functools.partial(_refuse_bad_targets, name=name, c=c,
                                              shape=tuple(input.shape)), bad, target.data)
    return (make_tensor(a, backend, False, None), make_tensor(divisor, backend, False, None))


def _coefficients(backend: Any, t: Any, dtype: Any, index_dtype: Any, c: int,
                  ignore_index: int, smoothing: float, w: Any, mark_bad: bool) -> tuple:
    """The kernel of _class_coefficients: (a, divisor, bad) from integer targets ``t``."""
    xp = backend.xp
    classes = xp.reshape(backend.arange(0, c, 1, index_dtype), (c,) + (1,) * (t.ndim - 1))
    t1 = xp.expand_dims(t, axis=1)
    hot = xp.astype(t1 == classes, dtype)
    valid = t1 != ignore_index
    bad = xp.logical_and(valid, xp.logical_or(t1 < 0, t1 >= c))
    valid = xp.astype(valid, dtype)
    a = hot if smoothing == 0.0 else hot * (1.0 - smoothing) + smoothing / c
    a = a * valid
    if w is not None:
        w = xp.reshape(w, (c,) + (1,) * (t.ndim - 1))
        a = a * w
        divisor = xp.sum(hot * valid * w)
    else:
        divisor = xp.sum(valid)
    if mark_bad:
        a = xp.where(bad, xp.nan, a)
    return a, backend.wrap(divisor), bad


def _refuse_bad_targets(bad: Any, t: Any, name: str, c: int, shape: tuple) -> None:
    """Raise IndexError naming the first target outside [0, c) (host arrays); ``bad`` is
    the kernel's mask, or None to test ``t`` here."""
    if bad is None:
        if t.size == 0 or (0 <= int(t.min()) and int(t.max()) < c):
            return
        bad = (t < 0) | (t >= c)
    else:
        t = t.reshape(t.shape[:1] + (1,) + t.shape[1:])
    if bool(bad.any()):
        raise IndexError(f"{name}: target {int(t[bad][0])} is out of bounds for {c} classes "
                         f"(input shape {shape})")


def _class_weight(weight: Tensor, input: Tensor, name: str) -> Tensor:
    c = input.shape[1]
    if tuple(weight.shape) != (c,):
        raise TorchValueError(f"{name}: weight must have one entry per class, shape ({c},), got "
                              f"{tuple(weight.shape)}")
    return weight.detach().astype(input.dtype) if weight.dtype is not input.dtype else weight


def _check_index_target(input: Tensor, target: Any, name: str) -> Tensor:
    if not isinstance(target, Tensor):
        from ..autograd.factories import tensor
        target = tensor(target, device=input._backend)
    if not target.dtype.is_integer:
        raise TorchTypeError(f"{name}: class-index targets must be integers, got {target.dtype} of "
                             f"shape {tuple(target.shape)} for input of shape {tuple(input.shape)} "
                             "(class probabilities must have the input's shape)")
    expected = tuple(input.shape[:1]) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise TorchValueError(f"{name}: input shape {tuple(input.shape)} needs class-index targets "
                              f"of shape {expected}, got target shape {tuple(target.shape)}")
    if target._backend is not input._backend:
        raise RuntimeError(f"{name}: input is on {input.device} but target is on "
                           f"{target.device}; move one with .to(device)")
    return target


def _check_logits(input: Any, name: str, reduction: str) -> None:
    _check_input(input, name, reduction)
    if input.ndim == 0:
        raise TorchValueError(f"{name}: input needs a class dimension, got a 0-d tensor")


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy from logits (log_softmax fused in), PyTorch semantics.

    input: (N, C) or (N, C, d1, ...) logits, or (C,) for one sample. target: integer class
    indices of shape (N,) / (N, d1, ...), or class probabilities (e.g. one-hot, Keras'
    categorical targets) of the input's shape. ``weight`` (C,) rescales classes; 'mean' then
    divides by the summed weights of the targets. ``ignore_index`` skips targets (index form
    only). ``label_smoothing`` mixes the targets with the uniform distribution.

    >>> F.cross_entropy(logits, labels, ignore_index=0, label_smoothing=0.1)
    """
    name = "cross_entropy"
    reduction = legacy_reduction(size_average, reduce, reduction, name)
    _check_logits(input, name, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise TorchValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if input.ndim == 1:                        # one unbatched sample
        loss = cross_entropy(input.unsqueeze(0), _unsqueeze_target(input, target), weight,
                             ignore_index=ignore_index, reduction=reduction,
                             label_smoothing=label_smoothing)
        return loss.squeeze(0) if reduction == "none" else loss
    index_shape = tuple(input.shape[:1]) + tuple(input.shape[2:])
    if (isinstance(target, Tensor) and target.dtype.is_floating
            and tuple(target.shape) != index_shape):       # else: float class indices, refused
        if tuple(target.shape) != tuple(input.shape):
            raise TorchValueError(f"{name}: class-probability targets must have the input's shape: "
                                  f"input shape {tuple(input.shape)}, target shape "
                                  f"{tuple(target.shape)} (integer class indices need shape "
                                  f"{index_shape})")
        if target._backend is not input._backend:
            raise RuntimeError(f"{name}: input is on {input.device} but target is on "
                               f"{target.device}; move one with .to(device)")
        c = input.shape[1]
        a = target.astype(input.dtype)
        if label_smoothing:
            a = a * (1.0 - label_smoothing) + label_smoothing / c
        if weight is not None:
            a = a * _class_weight(weight, input, name).reshape((c,) + (1,) * (input.ndim - 2))
        return _reduce(apply2(SoftmaxCrossEntropy, input, a, 1), reduction)
    target = _check_index_target(input, target, name)
    if _plain_index_case(input, target, weight, ignore_index, label_smoothing):
        return _reduce(apply2(SparseSoftmaxCrossEntropy, input, target, []), reduction)
    a, divisor = _class_coefficients(input, target, weight, ignore_index, label_smoothing, name)
    loss = apply2(SoftmaxCrossEntropy, input, a, 1)
    return _mean_over(loss, divisor) if reduction == "mean" else _reduce(loss, reduction)


def _plain_index_case(input: Tensor, target: Tensor, weight: Any, ignore_index: int,
                      smoothing: float) -> bool:
    """(N, C) logits, integer targets all in [0, C), no weights or smoothing: the common case,
    served by one fused op. Checked on the CPU only, where reading the targets costs no sync;
    other devices take the general path (which marks bad targets with NaN)."""
    if weight is not None or smoothing or input.ndim != 2 or input._backend.kind != "numpy":
        return False
    if 0 <= ignore_index < input.shape[1]:       # an index that can occur must be skipped
        return False
    t = target.data
    c = input.shape[1]
    if t.size and not (0 <= int(t.min()) and int(t.max()) < c):
        return False
    if _function.tracer is not None:   # a compiled step keeps the fused op: check each batch
        host_check(input._backend, functools.partial(_refuse_bad_targets, name="cross_entropy", c=c,
                                                     shape=tuple(input.shape)), None, t)
    return True


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (e.g. after LogSoftmax) at integer class
    targets: input (N, C) or (N, C, d1, ...), target (N,) or (N, d1, ...).
    >>> F.nll_loss(F.log_softmax(logits, dim=1), labels)"""
    name = "nll_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, name)
    _check_logits(input, name, reduction)
    if input.ndim == 1:
        loss = nll_loss(input.unsqueeze(0), _unsqueeze_target(input, target), weight,
                        ignore_index=ignore_index, reduction=reduction)
        return loss.squeeze(0) if reduction == "none" else loss
    target = _check_index_target(input, target, name)
    a, divisor = _class_coefficients(input, target, weight, ignore_index, 0.0, name)
    loss = -(input * a).sum(1)
    return _mean_over(loss, divisor) if reduction == "mean" else _reduce(loss, reduction)


def _mean_over(loss: Tensor, divisor: Tensor) -> Tensor:
    """loss.sum() / divisor, the weighted 'mean'. A zero divisor (every target ignored) gives
    NaN with a zero gradient, as PyTorch's, rather than the NaN gradient of 0 * (1 / 0)."""
    safe, offset = run_kernel(loss._backend, _safe_divisor, divisor.data)
    backend = loss._backend
    return (loss.sum() / make_tensor(safe, backend, False, None)
            + make_tensor(offset, backend, False, None))


def _safe_divisor(backend: Any, d: Any) -> tuple:
    xp = backend.xp
    empty = d == 0
    return xp.where(empty, xp.ones_like(d), d), xp.where(empty, xp.nan, xp.zeros_like(d))


def _unsqueeze_target(input: Tensor, target: Any) -> Any:
    if isinstance(target, Tensor):
        return target.unsqueeze(0)
    from ..autograd.factories import tensor
    return tensor(target, device=input._backend).unsqueeze(0)
