"""Activation functions beyond the lectures' set, named and defaulted as in PyTorch's
torch.nn.functional (re-exported from ``xpgrad.nn.functional``).

>>> import xpgrad.nn.functional as F
>>> F.gelu(x); F.silu(x); F.hardswish(x); F.glu(x, dim=-1); F.softmin(x, dim=1)

The hot ones (gelu, silu, mish, hardswish) are one op each with a fused gradient op, whose own
backward is made of Tensor ops (create_graph works). Kinks take PyTorch's subgradients.
``inplace=`` is accepted where PyTorch has it; the result is always a new tensor.
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.factories import get_default_dtype
from ..autograd.function import Function, apply1, apply2, run_kernel
from ..autograd.ops import elu, exp, sigmoid, softmax, softplus, tanh, where
from ..autograd.ops._util import normalize_axis, require_tensor
from ..autograd.ops.elementwise import Sigmoid as _Sigmoid, Softplus as _Softplus
from ..autograd.ops.elementwise_math import erfc_array
from ..autograd.tensor import Tensor, make_tensor
from ..autograd.ops.torch_errors import TorchTypeError, TorchValueError

__all__ = ["gelu", "silu", "mish", "hardtanh", "relu6", "hardsigmoid", "hardswish", "selu",
           "celu", "logsigmoid", "softsign", "softmin", "glu", "tanhshrink", "hardshrink",
           "softshrink", "threshold", "rrelu"]

_SQRT_HALF = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K = math.sqrt(2.0 / math.pi)           # tanh-GELU: 0.5 x (1 + tanh(K (x + C x^3)))
_C = 0.044715
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _floating(x: Any, op: str) -> Tensor:
    """The input, checked: a Tensor of a floating dtype (PyTorch has no integer kernels)."""
    require_tensor(x, op)
    if not x.dtype.is_floating:
        raise TorchTypeError(f"{op}: expected a floating-point tensor, got {x.dtype} of shape "
                             f"{tuple(x.shape)} on {x.device}; convert it with x.float()")
    return x


def _to_float(x: Any, op: str) -> Tensor:
    """Integer and bool inputs become the default float dtype (PyTorch's softsign, ...)."""
    require_tensor(x, op)
    return x if x.dtype.is_floating else x.astype(get_default_dtype())


# ---- gelu ------------------------------------------------------------------------------------
class Gelu(Function):
    """x * Phi(x) (approximate='none') or its tanh form; args: (approximate,)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, a, approximate):
        if approximate == "tanh":
            return (a * 0.5) * (1.0 + xp.tanh((a + _C * (a * a * a)) * _K))
        return (a * 0.5) * erfc_array(xp, a * -_SQRT_HALF)   # 1 + erf(z) = erfc(-z), exact

    def backward(self, gy):
        return apply2(GeluGrad, gy, self.inputs[0], self.args[0])


class GeluGrad(Function):
    """gy * gelu'(x) in one pass. Linear in gy; d/dx uses gelu'' (Tensor ops)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, gy, x, approximate):
        if approximate == "tanh":
            x2 = x * x
            t = xp.tanh((x + _C * (x2 * x)) * _K)
            du = (1.0 + (3.0 * _C) * x2) * _K
            return gy * (0.5 * (1.0 + t) + (0.5 * x) * ((1.0 - t * t) * du))
        cdf = erfc_array(xp, x * -_SQRT_HALF) * 0.5
        return gy * (cdf + x * (xp.exp(x * x * -0.5) * _INV_SQRT_2PI))

    def backward(self, ggx):
        gy, x = self.inputs
        approximate = self.args[0]
        ggy = apply2(GeluGrad, ggx, x, approximate) if gy._rg else None
        if not x._rg:
            return ggy, None
        x2 = x * x
        if approximate == "tanh":
            t = tanh((x + x2 * x * _C) * _K)
            du = (x2 * (3.0 * _C) + 1.0) * _K
            d2 = (1.0 - t * t) * (du + x * 0.5 * (x * (6.0 * _C * _K) - t * du * du * 2.0))
        else:
            d2 = exp(x2 * -0.5) * _INV_SQRT_2PI * (2.0 - x2)
        return ggy, ggx * gy * d2


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF; ``approximate='tanh'`` uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). >>> F.gelu(x, approximate='tanh')"""
    _floating(input, "gelu")
    if approximate not in ("none", "tanh"):
        raise TorchValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return apply1(Gelu, input, approximate)


# ---- silu and mish ---------------------------------------------------------------------------
class Silu(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return a * _Sigmoid.forward(xp, a)
    def backward(self, gy): return apply2(SiluGrad, gy, self.inputs[0])


class SiluGrad(Function):
    """gy * s (1 + x (1 - s)), s = sigmoid(x), in one pass."""
    __slots__ = ()

    @staticmethod
    def forward(xp, gy, x):
        s = _Sigmoid.forward(xp, x)
        return gy * (s * (1.0 + x * (1.0 - s)))

    def backward(self, ggx):
        gy, x = self.inputs
        ggy = apply2(SiluGrad, ggx, x) if gy._rg else None
        if not x._rg:
            return ggy, None
        s = sigmoid(x)
        return ggy, ggx * gy * (s * (1.0 - s) * (x * (1.0 - s * 2.0) + 2.0))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (the swish of Ramachandran et al.). >>> F.silu(x)"""
    return apply1(Silu, _floating(input, "silu"))


class Mish(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return a * xp.tanh(_Softplus.forward(xp, a))
    def backward(self, gy): return apply2(MishGrad, gy, self.inputs[0])


class MishGrad(Function):
    """gy * (t + x s (1 - t^2)), t = tanh(softplus(x)), s = sigmoid(x), in one pass."""
    __slots__ = ()

    @staticmethod
    def forward(xp, gy, x):       # softplus and sigmoid share e = exp(-|x|), as their ops do
        e = xp.exp(-xp.abs(x))
        t = xp.tanh(xp.maximum(x, 0.0) + xp.log1p(e))
        return gy * (t + x * (xp.where(x >= 0, 1.0, e) / (1.0 + e)) * (1.0 - t * t))

    def backward(self, ggx):
        gy, x = self.inputs
        ggy = apply2(MishGrad, ggx, x) if gy._rg else None
        if not x._rg:
            return ggy, None
        t, s = tanh(softplus(x)), sigmoid(x)
        d2 = (1.0 - t * t) * s * (x * (1.0 - s) - x * s * t * 2.0 + 2.0)
        return ggy, ggx * gy * d2


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)) (Misra 2019), finite for any x. >>> F.mish(x)"""
    return apply1(Mish, _floating(input, "mish"))


# ---- piecewise linear: hardtanh, relu6, hardsigmoid, hardswish ---------------------------------
class Hardtanh(Function):
    """clip(x, lo, hi); the gradient is 0 at the bounds, as PyTorch's. args: (lo, hi)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, lo, hi): return xp.clip(a, lo, hi)

    def backward(self, gy):
        x, = self.inputs
        lo, hi = self.args
        return where((x > lo) & (x < hi), gy, 0.0)


def _bound(x: Tensor, value: Any) -> Any:
    return float(value) if x.dtype.is_floating else int(value)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val]. >>> F.hardtanh(x, -2.0, 2.0)"""
    require_tensor(input, "hardtanh")
    if min_val > max_val:
        raise TorchValueError(f"hardtanh: min_val cannot be greater than max_val, got "
                              f"min_val={min_val}, max_val={max_val}")
    return apply1(Hardtanh, input, _bound(input, min_val), _bound(input, max_val))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6), i.e. hardtanh(x, 0, 6). >>> F.relu6(x)"""
    require_tensor(input, "relu6")
    return apply1(Hardtanh, input, _bound(input, 0), _bound(input, 6))


class Hardsigmoid(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.clip(a + 3.0, 0.0, 6.0) / 6.0

    def backward(self, gy):
        x, = self.inputs
        return where((x > -3.0) & (x < 3.0), gy / 6.0, 0.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3. >>> F.hardsigmoid(x)"""
    return apply1(Hardsigmoid, _floating(input, "hardsigmoid"))


class Hardswish(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return a * xp.clip(a + 3.0, 0.0, 6.0) / 6.0
    def backward(self, gy): return apply2(HardswishGrad, gy, self.inputs[0])


class HardswishGrad(Function):
    """gy * (0 up to -3, x/3 + 1/2 on (-3, 3), 1 from 3), as PyTorch's, in one pass."""
    __slots__ = ()

    @staticmethod
    def forward(xp, gy, x):
        return xp.where(x <= -3.0, 0.0, xp.where(x < 3.0, gy * (x / 3.0 + 0.5), gy))

    def backward(self, ggx):
        gy, x = self.inputs
        ggy = apply2(HardswishGrad, ggx, x) if gy._rg else None
        gx = where((x > -3.0) & (x < 3.0), ggx * gy / 3.0, 0.0) if x._rg else None
        return ggy, gx


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6 (Howard et al. 2019, MobileNetV3). >>> F.hardswish(x)"""
    return apply1(Hardswish, _floating(input, "hardswish"))


# ---- exponential family: selu, celu, logsigmoid ------------------------------------------------
def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants (Klambauer et al. 2017).
    >>> F.selu(x)"""
    return elu(_floating(input, "selu"), _SELU_ALPHA) * _SELU_SCALE


class Celu(Function):
    """x for x > 0, alpha (e^(x/alpha) - 1) otherwise. args: (alpha,)."""
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, alpha):
        return xp.where(a > 0, a, alpha * xp.expm1(xp.minimum(a, 0.0) / alpha))

    def backward(self, gy):
        x, = self.inputs
        return where(x > 0, gy, gy * (self.output() / self.args[0] + 1.0))


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1)) (Barron 2017). >>> F.celu(x, alpha=0.5)"""
    _floating(input, "celu")
    if alpha == 0:
        raise TorchValueError("celu: alpha cannot be 0 (it divides x)")
    return apply1(Celu, input, float(alpha))


class LogSigmoid(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a):          # -softplus(-x) = min(x, 0) - log1p(e^-|x|): no overflow
        return xp.minimum(a, 0.0) - xp.log1p(xp.exp(-xp.abs(a)))
    def backward(self, gy): return gy * sigmoid(-self.inputs[0])


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), finite for any finite x (|x| = 1000 included). >>> F.logsigmoid(x)"""
    return apply1(LogSigmoid, _floating(input, "logsigmoid"))


# ---- composites: softsign, softmin, glu, tanhshrink --------------------------------------------
def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|). >>> F.softsign(x)"""
    x = _to_float(input, "softsign")
    return x / (x.abs() + 1.0)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None,
            axis: int | None = None) -> Tensor:
    """softmax(-x) along ``dim`` (or ``axis``); the last axis when neither is given, as our
    F.softmax. ``dtype`` casts the input first (PyTorch's). >>> F.softmin(x, dim=1)"""
    require_tensor(input, "softmin")
    x = _floating(input if dtype is None else input.astype(dtype), "softmin")
    if dim is not None and axis is not None and dim != axis:
        raise TorchValueError(f"softmin: got dim={dim} and axis={axis}; pass only one")
    chosen = dim if dim is not None else -1 if axis is None else axis
    if x.ndim == 0 and chosen in (0, -1):          # a 0-d tensor: softmin over itself is 1
        return softmax(-x.reshape(1), 0).reshape(())
    return softmax(-x, normalize_axis(chosen, x.ndim, "softmin"))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: a * sigmoid(b), where a and b are the two halves of ``input``
    along ``dim`` (Dauphin et al. 2017). >>> F.glu(x, dim=-1)  # (N, 2k) -> (N, k)"""
    _floating(input, "glu")
    if input.ndim == 0:
        raise TorchValueError("glu: does not support 0-d tensors (no dimension to halve)")
    axis = normalize_axis(dim, input.ndim, "glu")
    size = input.shape[axis]
    if size % 2:
        raise TorchValueError(f"glu: halving dimension must be even, but dimension {dim} of the "
                              f"input of shape {tuple(input.shape)} is size {size}")
    a, b = input.split([size // 2, size // 2], axis)
    return a * sigmoid(b)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x). >>> F.tanhshrink(x)"""
    x = _to_float(input, "tanhshrink")
    return x - tanh(x)


# ---- shrinkage and threshold -----------------------------------------------------------------
class Hardshrink(Function):
    """x where |x| > lambd, else 0. args: (lambd,)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, lambd): return xp.where(xp.abs(a) > lambd, a, 0.0)

    def backward(self, gy):
        x, = self.inputs
        return where(x.abs() > self.args[0], gy, 0.0)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0. >>> F.hardshrink(x, 0.5)"""
    return apply1(Hardshrink, _floating(input, "hardshrink"), float(lambd))


class Softshrink(Hardshrink):
    """x - lambd above lambd, x + lambd below -lambd, else 0 (Hardshrink's gradient)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, lambd):
        return xp.where(a > lambd, a - lambd, xp.where(a < -lambd, a + lambd, 0.0))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """Soft thresholding: sign(x) * max(|x| - lambd, 0); ``lambd`` >= 0.
    >>> F.softshrink(x, 0.5)"""
    _floating(input, "softshrink")
    if not lambd >= 0:
        raise TorchValueError(f"softshrink: lambd must be >= 0, got {lambd}")
    return apply1(Softshrink, input, float(lambd))


class Threshold(Function):
    """x where x > threshold, else value. args: (threshold, value)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, threshold, value): return xp.where(a > threshold, a, value)

    def backward(self, gy):
        x, = self.inputs
        return where(x > self.args[0], gy, 0.0)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value``. >>> F.threshold(x, 0.1, 20.0)"""
    require_tensor(input, "threshold")
    return apply1(Threshold, input, _bound(input, threshold), _bound(input, value))


# ---- rrelu -------------------------------------------------------------------------------------
def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU (Xu et al. 2015): while training, each element x <= 0 gets its
    own slope drawn uniformly from [lower, upper) (from the tensor's backend generator, as
    F.dropout draws); otherwise the mean slope (lower + upper) / 2. >>> F.rrelu(x, training=True)
    """
    _floating(input, "rrelu")
    if lower > upper:
        raise TorchValueError(f"rrelu: lower bound should be less than or equal to the upper "
                              f"bound, "
                              f"got lower={lower}, upper={upper}")
    if not training:
        return input.leaky_relu((lower + upper) / 2.0)
    slopes = run_kernel(input._backend, _rrelu_slopes, input.data, input.dtype, float(lower),
                        float(upper))
    return input * make_tensor(slopes, input._backend, False, None)


def _rrelu_slopes(backend: Any, x: Any, dtype: Any, lower: float, upper: float) -> Any:
    """1 where x > 0, else lower + (upper - lower) * U[0, 1)."""
    r = backend.random_uniform(tuple(x.shape), dtype) * (upper - lower) + lower
    return backend.xp.where(x > 0, 1.0, r)
