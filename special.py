"""``xg.special``, as ``torch.special``: special functions with PyTorch's names, signatures
and semantics. Most are the top-level ops under their SciPy-style names; the rest (entr,
ndtr, log_ndtr, ...) are composites of those ops, so they differentiate at any order.

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
from .autograd.ops.math_binary import entr, xlog1py
from .autograd.ops.torch_compat import igamma as gammainc, igammac as gammaincc
from .autograd.ops.math_special import _floating
from .autograd.tensor import Tensor

__all__ = [
    "expit", "logit", "erf", "erfc", "erfcx", "erfinv", "gammaln", "digamma", "psi",
    "polygamma", "multigammaln", "i0", "i0e", "i1", "i1e", "log1p", "expm1", "exp2", "xlogy",
    "xlog1py", "sinc", "round", "logsumexp", "softmax", "log_softmax", "entr", "ndtr", "ndtri",
    "log_ndtr", "zeta", "gammainc", "gammaincc",
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
