"""The bilinear form, pairwise distances within a set and local response normalisation, as
torch.nn: F.bilinear / nn.Bilinear, F.pdist, F.local_response_norm / nn.LocalResponseNorm.
All are composites of differentiable ops, so gradients of every order exist.

>>> nn.Bilinear(4, 5, 3)(x1, x2)          # (N, 4), (N, 5) -> (N, 3)
>>> F.pdist(points)                       # (N, M) -> (N * (N - 1) / 2,)
>>> nn.LocalResponseNorm(5)(x)            # (N, C, *) normalised across channels
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.factories_extra import empty
from ..autograd.function import run_kernel
from ..autograd.ops import index_select, where
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor, make_tensor
from ..autograd.ops.torch_errors import TorchValueError
from ..dtypes import float64, int64
from . import init
from .layer_pad import pad
from .module import Module
from .parameter import Parameter


def _same_kind(op: str, first: Tensor, *others: Any) -> None:
    """Floating tensors (None skipped) of one dtype on one device."""
    for t in (first,) + others:
        if t is None:
            continue
        require_tensor(t, op)
        if not t.dtype.is_floating:
            raise TypeError(f"{op}: expected floating-point tensors, got {t.dtype} of shape "
                            f"{tuple(t.shape)}")
        if t.dtype is not first.dtype:
            raise TypeError(f"{op}: expected tensors of one dtype, got {first.dtype} and "
                            f"{t.dtype}")
        if t._backend is not first._backend:
            raise RuntimeError(f"{op}: expected all tensors on the same device, but found "
                               f"{first.device} and {t.device}; move one with .to(device)")


# ---- bilinear ------------------------------------------------------------------------------
def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., o] = input1[..., :] @ weight[o] @ input2[..., :] + bias[o]; input1 (*, in1),
    input2 (*, in2) with the same leading shape, weight (out, in1, in2), bias (out,).

    >>> F.bilinear(x1, x2, w, b)          # (N, 4), (N, 5), (3, 4, 5), (3,) -> (N, 3)
    """
    op = "bilinear"
    _same_kind(op, input1, input2, weight, bias)
    if weight.ndim != 3:
        raise ValueError(f"{op}: expected a 3-D weight (out_features, in1_features, "
                         f"in2_features), got weight of shape {tuple(weight.shape)}")
    n_out, n1, n2 = weight.shape
    if input1.ndim == 0 or input2.ndim == 0 or input1.shape[-1] != n1 or input2.shape[-1] != n2:
        raise ValueError(f"{op}: input1 of shape {tuple(input1.shape)} and input2 of shape "
                         f"{tuple(input2.shape)} do not match weight of shape "
                         f"{tuple(weight.shape)} (expected (*, {n1}) and (*, {n2}))")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise TorchValueError(f"{op}: input batch dimensions do not match: got input1 of shape "
                              f"{tuple(input1.shape)} and input2 of shape {tuple(input2.shape)}")
    if bias is not None and tuple(bias.shape) != (n_out,):
        raise ValueError(f"{op}: expected bias of shape ({n_out},), got {tuple(bias.shape)}")
    lead = tuple(input1.shape[:-1])
    x1, x2 = input1.reshape((-1, n1)), input2.reshape((-1, n2))
    # one GEMM: x1 (B, in1) @ W seen as (in1, out * in2), then a product with x2 per output
    folded = weight.permute((1, 0, 2)).reshape((n1, n_out * n2))
    t = (x1 @ folded).reshape((-1, n_out, n2))
    y = (t * x2.reshape((-1, 1, n2))).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(lead + (n_out,))


class Bilinear(Module):
    """y = x1^T A x2 + b per output feature, weight A of shape (out, in1, in2), as PyTorch
    (weight and bias drawn from U(-1/sqrt(in1), 1/sqrt(in1))).

    >>> nn.Bilinear(20, 30, 40)(xg.randn(128, 20), xg.randn(128, 30)).shape   # (128, 40)
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        sizes = (in1_features, in2_features, out_features)
        if any(isinstance(n, bool) or not isinstance(n, int) or n <= 0 for n in sizes):
            raise ValueError(f"Bilinear: in1_features, in2_features and out_features must be "
                             f"positive ints, got {sizes}")
        self.in1_features, self.in2_features, self.out_features = sizes
        self.weight = Parameter(empty(out_features, in1_features, in2_features, dtype=dtype,
                                      device=device))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """U(-1/sqrt(in1_features), 1/sqrt(in1_features)) for weight and bias (PyTorch)."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


# ---- pdist ---------------------------------------------------------------------------------
def _pair_rows(backend: Any, n: int) -> tuple:
    """(i, j) of the pairs i < j in row-major order, from the closed form of the triangle
    row of each pair index k (in double, then corrected by one where rounding missed)."""
    xp = backend.xp
    k = backend.arange(0, n * (n - 1) // 2, 1, float64)
    b = 2.0 * n - 1.0
    i = xp.floor((b - xp.sqrt(b * b - 8.0 * k)) / 2.0)

    def start(r: Any) -> Any:                 # pair index of (r, r + 1)
        return r * (2.0 * n - r - 1.0) / 2.0
    i = xp.where(start(i + 1.0) <= k, i + 1.0, i)
    i = xp.where(start(i) > k, i - 1.0, i)
    j = k - start(i) + i + 1.0
    as_int = backend.native_dtype(int64)
    return xp.astype(i, as_int), xp.astype(j, as_int)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distances between all pairs of rows of an (N, M) input, upper triangle in
    row-major order: (N * (N - 1) / 2,); the gradient is 0 where a distance is 0 (PyTorch).

    >>> F.pdist(xg.tensor([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]))   # [5, 10, 5]
    """
    op = "pdist"
    _same_kind(op, input)
    if input.ndim != 2:
        raise ValueError(f"{op} only supports 2D tensors, got input of shape "
                         f"{tuple(input.shape)}")
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not p >= 0:
        raise ValueError(f"{op} only supports non-negative p values, got {p!r}")
    n = input.shape[0]
    backend = input._backend
    if n < 2:
        return (input.sum() * 0.0).reshape((1,))[0:0]        # empty, still on the graph
    i, j = run_kernel(backend, _pair_rows, n)
    diff = (index_select(input, 0, make_tensor(i, backend, False, None))
            - index_select(input, 0, make_tensor(j, backend, False, None)))
    return _row_norm(diff, float(p))


def _row_norm(diff: Tensor, p: float) -> Tensor:
    """||diff||_p per row with PyTorch's pdist gradients: 0 at a zero row, 0 at a zero
    entry for p < 1, every tied maximum gets the full gradient for p = inf."""
    if p == 0:                 # a count: on the graph (as PyTorch) with gradient exactly 0
        return (diff != 0).astype(diff.dtype).sum(-1) + diff[:, 0:0].sum(-1)
    if p == math.inf:
        mag = diff.abs()
        top = mag.detach().max(axis=-1, keepdims=True)
        ties = (mag.detach() == top).astype(diff.dtype)
        return top.reshape((-1,)) + ((mag - top) * ties).sum(-1)
    if p == 1:
        return diff.abs().sum(-1)
    if p == 2:
        s = (diff * diff).sum(-1)
    else:
        nonzero = diff != 0
        mag = where(nonzero, diff.abs(), 1.0)
        s = where(nonzero, mag ** p, 0.0).sum(-1)
    positive = s > 0
    safe = where(positive, s, 1.0)
    return where(positive, safe.sqrt() if p == 2 else safe ** (1.0 / p), 0.0)


# ---- local response norm -------------------------------------------------------------------
def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x^2 over ``size`` neighbouring channels) ** beta, the window
    zero-padded (size // 2 before, (size - 1) // 2 after), on (N, C, *) input.

    >>> F.local_response_norm(x, 5)       # AlexNet's normalisation
    """
    op = "local_response_norm"
    _same_kind(op, input)
    if input.ndim < 3:
        raise ValueError(f"{op}: expected 3D or higher dimensionality input (got "
                         f"{input.ndim} dimensions, shape {tuple(input.shape)})")
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise ValueError(f"{op}: size must be a positive int, got {size!r}")
    if input.size == 0:
        return input
    channels = input.shape[1]
    pads = (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2)
    squares = pad(input * input, pads)
    window = squares[:, 0:channels]
    for s in range(1, size):
        window = window + squares[:, s:s + channels]
    div = (window * (alpha / size) + k) ** beta
    return input / div


class LocalResponseNorm(Module):
    """Local response normalisation across channels (Krizhevsky et al. 2012), as PyTorch.

    >>> nn.LocalResponseNorm(2)(xg.randn(32, 5, 24, 24))
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
