"""Unary elementwise math and activations. Numerically stable forms where it matters:
sigmoid and softplus never overflow, at |x| = 1000 included."""
from __future__ import annotations

from typing import Any

from ..function import Function, apply1, apply2
from ..tensor import Tensor, make_tensor
from .arithmetic import where
from .comparison import constant_op
from ._util import link_zero_grad


class Exp(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return xp.exp(a)
    def backward(self, gy): return gy * self.output()


class Log(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.log(a)
    def backward(self, gy): return gy / self.inputs[0]


class Log1p(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.log1p(a)
    def backward(self, gy): return gy / (self.inputs[0] + 1.0)


class Expm1(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return xp.expm1(a)
    def backward(self, gy): return gy * (self.output() + 1.0)


class Sqrt(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return xp.sqrt(a)
    def backward(self, gy): return gy / (self.output() * 2.0)


class Abs(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.abs(a)
    def backward(self, gy): return gy * sign(self.inputs[0])     # sign: zero slope


class Sin(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.sin(a)
    def backward(self, gy): return gy * cos(self.inputs[0])


class Cos(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.cos(a)
    def backward(self, gy): return -gy * sin(self.inputs[0])


class Tanh(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return xp.tanh(a)
    def backward(self, gy): return apply2(TanhGrad, gy, self.output())


class TanhGrad(Function):
    """gy * (1 - y^2) in one op."""
    __slots__ = ()
    @staticmethod
    def forward(xp, gy, y): return gy * (1.0 - y * y)
    def backward(self, ggx):
        gy, y = self.inputs
        return ggx * (1.0 - y * y), ggx * gy * y * -2.0


class Sigmoid(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a):
        # exp(-|x|) never overflows; for x < 0, sigmoid(x) = e / (1 + e) keeps full precision.
        e = xp.exp(-xp.abs(a))
        return xp.where(a >= 0, 1.0, e) / (1.0 + e)
    def backward(self, gy): return apply2(SigmoidGrad, gy, self.output())


class SigmoidGrad(Function):
    """gy * y * (1 - y) in one op."""
    __slots__ = ()
    @staticmethod
    def forward(xp, gy, y): return gy * (y * (1.0 - y))
    def backward(self, ggx):
        gy, y = self.inputs
        return ggx * y * (1.0 - y), ggx * gy * (1.0 - y * 2.0)


class Softplus(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a):         # log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
        return xp.maximum(a, 0.0) + xp.log1p(xp.exp(-xp.abs(a)))
    def backward(self, gy): return gy * sigmoid(self.inputs[0])


class Relu(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return xp.maximum(a, 0.0)
    def backward(self, gy):       # the mask is a constant: no graph node for y needed
        g = apply2(ReluGrad, gy, make_tensor(self.out_data, gy._backend, False, None))
        return link_zero_grad(g, self.inputs[0])


class ReluGrad(Function):
    """gy except where y <= 0 (a NaN y passes gy, as PyTorch's threshold_backward): one
    pass. Linear in gy, so its own backward is ReluGrad again."""
    __slots__ = ()
    @staticmethod
    def forward(xp, gy, y): return xp.where(y <= 0, 0.0, gy)
    def backward(self, ggx): return apply2(ReluGrad, ggx, self.inputs[1]), None


class LeakyRelu(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, slope): return xp.where(a > 0, a, a * slope)
    def backward(self, gy):
        x, = self.inputs
        return link_zero_grad(where(x > 0, gy, gy * self.args[0]), x)


class Elu(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, alpha): return xp.where(a > 0, a, alpha * xp.expm1(xp.minimum(a, 0.0)))
    def backward(self, gy):
        x, = self.inputs
        return where(x > 0, gy, gy * (self.output() + self.args[0]))


class Cast(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, native): return xp.astype(a, native)
    def backward(self, gy): return gy.astype(self.inputs[0].dtype)


class Clone(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.asarray(a, copy=True)
    def backward(self, gy): return gy


# ---- public functions --------------------------------------------------------------------
def floating(x: Any) -> Any:
    """Integer and bool tensors as the default float dtype (torch.exp(int tensor) is float32);
    anything else unchanged (apply1 then says what is wrong with a non-tensor)."""
    try:
        if x._backend._from_xp[x.data.dtype].is_floating:
            return x
    except (AttributeError, KeyError):
        return x
    from ..factories import get_default_dtype
    return astype(x, get_default_dtype())


def exp(x: Tensor) -> Tensor:
    """e ** x. >>> xg.exp(xg.tensor(0.0))  # 1.0"""
    return apply1(Exp, floating(x))


def log(x: Tensor) -> Tensor:
    """Natural logarithm."""
    return apply1(Log, floating(x))


def log1p(x: Tensor) -> Tensor:
    """log(1 + x), accurate for small x."""
    return apply1(Log1p, floating(x))


def expm1(x: Tensor) -> Tensor:
    """exp(x) - 1, accurate for small x."""
    return apply1(Expm1, floating(x))


def sqrt(x: Tensor) -> Tensor:
    return apply1(Sqrt, floating(x))


def square(x: Tensor) -> Tensor:
    return x * x


def abs(x: Tensor) -> Tensor:
    """|x|; the gradient at 0 is 0 (as PyTorch, which has no abs of a bool tensor either)."""
    if isinstance(x, Tensor) and x.data.dtype == x._backend.xp.bool:
        raise NotImplementedError(f"abs: \"abs_cpu\" not implemented for 'Bool' (got "
                                  f"bool{list(x.shape)}); convert with .int() first")
    return apply1(Abs, x)


def sign(x: Tensor) -> Tensor:
    """-1, 0 or 1, with gradient 0 (as PyTorch: the result requires grad when x does)."""
    if x.dtype.is_bool:         # PyTorch: the bool itself
        return x != False       # noqa: E712
    out = constant_op("sign", x)
    return link_zero_grad(out, x)


def sin(x: Tensor) -> Tensor:
    return apply1(Sin, floating(x))


def cos(x: Tensor) -> Tensor:
    return apply1(Cos, floating(x))


def tanh(x: Tensor) -> Tensor:
    return apply1(Tanh, floating(x))


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x), computed without overflow for any x."""
    return apply1(Sigmoid, floating(x))


def softplus(x: Tensor) -> Tensor:
    """log(1 + e^x), computed without overflow for any x."""
    return apply1(Softplus, floating(x))


def relu(x: Tensor) -> Tensor:
    """max(x, 0); the gradient at 0 is 0."""
    return apply1(Relu, x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return apply1(LeakyRelu, x, float(negative_slope))


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha * (e^x - 1) otherwise."""
    return apply1(Elu, x, float(alpha))


def astype(x: Tensor, dtype: Any) -> Tensor:
    """Convert the dtype (differentiable between floating dtypes)."""
    from ...dtypes import as_dtype
    dtype = as_dtype(dtype)
    if x.dtype is dtype:
        return x
    native = x._backend.native_dtype(dtype)
    if not dtype.is_floating and x._rg:
        from ..grad_mode import no_grad
        with no_grad():
            return apply1(Cast, x, native)
    return apply1(Cast, x, native)


def clone(x: Tensor) -> Tensor:
    """A copy that does not share memory (differentiable)."""
    return apply1(Clone, x)
