"""``xg.special``, as ``torch.special``: special functions with PyTorch's names, signatures
and semantics. Most are the top-level ops under their SciPy-style names; the rest (entr,
ndtr, log_ndtr, xlog1py, ...) are composites of those ops, so they differentiate at any order.

>>> import xpgrad as xg
>>> xg.special.ndtr(xg.tensor([0.0, 1.96]))  # tensor([0.5000, 0.9750])
"""
from __future__ import annotations

import math
from typing import Any

from .autograd.ops import (erf, erfc, erfinv, exp2, expm1, log1p, sigmoid, sinc, where)
from .autograd.ops import log_softmax as _log_softmax
from .autograd.ops import logsumexp as _logsumexp
from .autograd.ops import round as _round
from .autograd.ops import softmax as _softmax
from .autograd.ops import xlogy
from .autograd.ops.extra_elementwise import logit
from .autograd.ops.extra_gamma_ops import (digamma, erfcx, i0, i0e, i1, i1e, lgamma, mvlgamma,
                                           ndtri, polygamma, zeta)
from .autograd.ops.math_special import _floating
from .autograd.tensor import Tensor

__all__ = [
    "expit", "logit", "erf", "erfc", "erfcx", "erfinv", "gammaln", "digamma", "psi",
    "polygamma", "multigammaln", "i0", "i0e", "i1", "i1e", "log1p", "expm1", "exp2", "xlogy",
    "xlog1py", "sinc", "round", "logsumexp", "softmax", "log_softmax", "entr", "ndtr", "ndtri",
    "log_ndtr", "zeta",
]

_SQRT_HALF = math.sqrt(0.5)
_LOG_HALF = math.log(0.5)

gammaln = lgamma
psi = digamma


def expit(input: Tensor) -> Tensor:
    """The logistic sigmoid 1 / (1 + exp(-x)). >>> xg.special.expit(xg.tensor([0.0]))  # 0.5"""
    return sigmoid(_floating(input, "expit"))


def multigammaln(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma of dimension p (torch.mvlgamma).
    >>> xg.special.multigammaln(xg.tensor([2.5]), 2)"""
    return mvlgamma(input, p)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001  (torch's name)
    """Round half to even at ``decimals`` digits. >>> xg.special.round(xg.tensor([2.5]))  # 2."""
    return _round(input, decimals)


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``dim``. >>> xg.special.logsumexp(xg.zeros(2, 3), 1)  # [1.0986, ...]"""
    return _logsumexp(input, dim=dim, keepdim=keepdim)


def softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """softmax along ``dim``. >>> xg.special.softmax(xg.zeros(2), 0)  # tensor([0.5, 0.5])"""
    return _softmax(input, dim=dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """log(softmax) along ``dim``. >>> xg.special.log_softmax(xg.zeros(2), 0)  # [-0.6931, ...]"""
    return _log_softmax(input, dim=dim, dtype=dtype)


def _pair(op: str, a: Any, b: Any) -> tuple[Tensor, Tensor]:
    from .autograd.ops._util import as_operand
    from .autograd.ops.extra_elementwise import _same_float
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected at least one Tensor, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    if isinstance(a, Tensor):
        b = as_operand(float(b) if isinstance(b, (int, float)) else b, _floating(a, op))
    else:
        a = as_operand(float(a) if isinstance(a, (int, float)) else a, _floating(b, op))
    return _same_float(_floating(a, op), _floating(b, op))


def xlog1py(input: Any, other: Any) -> Tensor:
    """input * log1p(other), 0 where input == 0 (unless other is NaN); either may be a number.

    >>> xg.special.xlog1py(xg.tensor([0.0, 2.0]), xg.tensor([-1.0, 1.0]))  # [0.0000, 1.3863]
    """
    x, y = _pair("xlog1py", input, other)
    zero = (x == 0) & (y == y)
    safe_y = where(zero, 0.0, y)           # keeps log1p(-1) = -inf out of the gradient
    return where(zero, 0.0, x * log1p(safe_y))


def entr(input: Tensor) -> Tensor:
    """The elementwise entropy -x log(x): 0 at 0, -inf for x < 0 (NaN stays NaN).

    >>> xg.special.entr(xg.tensor([0.0, 0.5]))  # tensor([0.0000, 0.3466])
    """
    x = _floating(input, "entr")
    positive = x > 0
    safe = where(positive, x, 1.0)
    inner = where(x == 0, 0.0, where(x != x, x, -math.inf))
    return where(positive, -safe * safe.log(), inner)


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF, 0.5 erfc(-x / sqrt(2)) (accurate in the lower tail).

    >>> xg.special.ndtr(xg.tensor([0.0]))  # tensor([0.5000])
    """
    return 0.5 * erfc(_floating(input, "ndtr") * -_SQRT_HALF)


def log_ndtr(input: Tensor) -> Tensor:
    """log(ndtr(x)), finite far into the lower tail (log_ndtr(-40) = -804.6).

    >>> xg.special.log_ndtr(xg.tensor([0.0]))  # tensor([-0.6931])
    """
    x = _floating(input, "log_ndtr")
    lower = x < -1.0
    xl = where(lower, x, -1.0)             # each branch sees only the inputs it is good for
    xu = where(lower, -1.0, x)
    tail = _LOG_HALF + erfcx(xl * -_SQRT_HALF).log() - 0.5 * xl * xl
    upper = log1p(-0.5 * erfc(xu * _SQRT_HALF))
    return where(lower, tail, upper)
