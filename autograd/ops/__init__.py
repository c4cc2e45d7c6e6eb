"""Every differentiable op, by family. Each op is a Function subclass next to its public function."""
from .arithmetic import (add, sub, mul, truediv, div, divide, neg, pow, maximum, minimum,
                         where, clip, clamp)
from .elementwise import (exp, log, log1p, expm1, sqrt, square, abs, sign, sin, cos, tanh,
                          sigmoid, softplus, relu, leaky_relu, elu, astype, clone)
from .comparison import (lt, le, gt, ge, eq, ne, logical_and, logical_or, logical_not, isnan,
                         isfinite, isinf, argmax, argmin, all, any)
from .reduction import sum, mean, max, min, var, std, logsumexp, softmax, log_softmax
from .linalg import matmul, linear
mm = matmul
from .shape import (reshape, flatten, permute, transpose, matrix_transpose, broadcast_to,
                    expand, sum_to, squeeze, unsqueeze, concat, cat, concatenate, stack, split)
from .indexing import getitem

__all__ = [name for name in dir() if not name.startswith("_")]
