"""Matrix multiplication for 1-D, 2-D and broadcast batches (NumPy's matmul semantics)."""
from __future__ import annotations

from ..function import Function, apply1, apply2, applyn
from ..tensor import Tensor
from ._util import as_operand
from .shape import MatrixTranspose, matrix_transpose, squeeze, unsqueeze
from .torch_errors import TorchValueError


class Matmul(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b): return xp.matmul(a, b)

    def backward(self, gy):
        # Vectors are promoted to matrices; batch dimensions that were broadcast are summed
        # away by the engine's one unbroadcast step.
        a, b = self.inputs
        if a.data.ndim == 2 and b.data.ndim == 2:            # the common case: no reshapes,
            return (apply2(Matmul, gy, apply1(MatrixTranspose, b)) if a._rg else None,  # no checks
                    apply2(Matmul, apply1(MatrixTranspose, a), gy) if b._rg else None)
        if a.ndim == 1 and b.ndim == 1:                      # dot product
            return (gy * b if a._rg else None), (gy * a if b._rg else None)
        a2 = unsqueeze(a, 0) if a.ndim == 1 else a
        b2 = unsqueeze(b, -1) if b.ndim == 1 else b
        g2 = unsqueeze(gy, -2) if a.ndim == 1 else gy
        g2 = unsqueeze(g2, -1) if b.ndim == 1 else g2
        ga = gb = None
        if a._rg:
            ga = g2 @ matrix_transpose(b2)
            ga = squeeze(ga, -2) if a.ndim == 1 else ga
        if b._rg:
            gb = matrix_transpose(a2) @ g2
            gb = squeeze(gb, -1) if b.ndim == 1 else gb
        return ga, gb


class Linear(Function):
    """x @ weight.T + bias with PyTorch's weight layout (out_features, in_features), the bias
    added in place into the fresh product: one pass and one allocation fewer than @ then +."""
    __slots__ = ()
    @staticmethod
    def forward(xp, arrays):
        x, w = arrays[0], arrays[1]
        out = xp.matmul(x, w.mT)
        if len(arrays) == 3:
            out += arrays[2]
        return out

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        gx = apply2(Matmul, gy, w) if x._rg else None
        gw = None
        if w._rg:
            g2, x2 = gy, x
            if gy.data.ndim != 2:       # fold batch dimensions (or lift a vector): w is shared
                g2 = gy.reshape(-1, gy.shape[-1])
                x2 = x.reshape(-1, x.shape[-1])
            gw = apply2(WeightGrad, g2, x2)
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, (gy if self.inputs[2]._rg else None)   # the engine sums it to bias shape


class WeightGrad(Function):
    """gy^T x, the weight gradient of linear, computed as (x^T gy)^T: the same values, but
    BLAS runs the (in, out) product as a plain GEMM and the result has the layout of a weight
    stored transposed (as nn.Linear stores it)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, g, x): return xp.matmul(x.mT, g).mT

    def backward(self, gg):                    # gg has the weight's shape (out, in)
        g, x = self.inputs
        return (apply2(Matmul, x, apply1(MatrixTranspose, gg)) if g._rg else None,
                apply2(Matmul, g, gg) if x._rg else None)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias``, weight shaped (out_features, in_features) as in PyTorch.

    >>> y = xg.linear(x, w, b)      # x (N, in), w (out, in), b (out,)
    """
    if bias is None:
        inputs = (x, weight)
    else:
        inputs = (x, weight, bias)
        # a bias of another length could broadcast silently: check it before running
        if bias.data.shape != weight.data.shape[:1]:
            raise TorchValueError(f"linear: bias of shape {bias.shape} does not match weight of "
                                  f"shape {weight.shape}; expected ({weight.shape[0]},)")
    try:
        return applyn(Linear, inputs)
    except ValueError:
        if weight.ndim == 2 and x.ndim >= 1 and x.shape[-1] == weight.shape[1]:
            raise
    raise TorchValueError(f"linear: input of shape {x.shape} does not match weight of shape "
                          f"{weight.shape}: expected the last dimension of the input to be "
                          f"in_features={weight.shape[-1]} (weight is (out_features, in_features))")


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product ``a @ b``: vectors, matrices, or broadcast stacks of matrices."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"matmul: expected Tensors, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    if not isinstance(a, Tensor):
        a = as_operand(a, b)
    elif not isinstance(b, Tensor):
        b = as_operand(b, a)
    if a.data.dtype is not b.data.dtype:
        from .arithmetic import promote
        a, b = promote(a, b)
    try:
        return apply2(Matmul, a, b)
    except ValueError:
        pass
    # Only a failed call pays for the checks that explain the failure.
    if a.ndim == 0 or b.ndim == 0:
        raise TorchValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                              f"{a.shape} and {b.shape}; use * for scalars")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise TorchValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: {k_a} "
                              f"(last dim of the first) != {k_b} "
                              f"({'first' if b.ndim == 1 else 'second-to-last'} dim of the second)")
    raise TorchValueError(f"matmul: batch dimensions of shapes {a.shape} and {b.shape} cannot be "
                          "broadcast together")
