"""Every differentiable op, by family. Each op is a Function subclass next to its public function."""
from .arithmetic import (add, sub, mul, truediv, neg, pow, maximum, minimum,
                         where, clip, clamp)
from .elementwise import (exp, log, log1p, expm1, sqrt, square, abs, sign, sin, cos, tanh,
                          sigmoid, softplus, relu, leaky_relu, elu, astype, clone)
from .comparison import (lt, le, gt, ge, eq, ne, logical_and, logical_or, logical_not, isnan,
                         isfinite, isinf, argmax, argmin, all, any, logical_xor, isclose,
                         allclose, equal)
from .reduction import sum, mean, max, min, var, std, logsumexp, softmax, log_softmax
from .linalg import matmul, linear
mm = matmul
from .shape import (reshape, flatten, permute, transpose, matrix_transpose, broadcast_to,
                    expand, sum_to, squeeze, unsqueeze, concat, cat, concatenate, stack, split)
from .indexing import getitem
from .math_rounding import div, divide

# Families beyond the core. Each module lists its public functions in ``__all__`` and the
# Tensor methods it adds in ``TENSOR_METHODS`` (installed here, so tensor.py stays small).
from . import (elementwise_math, shape_extra, reduction_extra, linalg_extra, counting, statistics,
               torch_extras, inplace_methods)
from . import torch_more, torch_copies, torch_math_more, linalg_lu, linalg_more, linalg_householder
from . import torch_compat
from .elementwise_math import *  # noqa: F401,F403
from .shape_extra import *  # noqa: F401,F403
from .reduction_extra import *  # noqa: F401,F403
from .linalg_extra import *  # noqa: F401,F403
from .counting import *  # noqa: F401,F403
from .statistics import *  # noqa: F401,F403
from .torch_extras import *  # noqa: F401,F403
from .torch_more import *  # noqa: F401,F403  (greater, fill, range, split_with_sizes, put, ...)
from .torch_copies import *  # noqa: F401,F403  (view_copy, ..., as_strided, sin_, exp_, ...)
from .torch_math_more import *  # noqa: F401,F403  (gradient, windows, binomial, histogramdd)
from .linalg_lu import *  # noqa: F401,F403  (lu, lu_unpack, lu_solve, triangular_solve)
from .linalg_more import *  # noqa: F401,F403  (matrix_exp, nuclear_norm, svd_lowrank, ...)
from .linalg_householder import *  # noqa: F401,F403  (geqrf, orgqr, ormqr)
from .torch_compat import *  # noqa: F401,F403  (igamma, igammac)
from types import ModuleType as _ModuleType

from ..tensor import Tensor as _Tensor


def _install_tensor_methods() -> None:
    for module in (elementwise_math, shape_extra, reduction_extra, linalg_extra, counting,
                   statistics, torch_extras, inplace_methods, torch_more, torch_compat):
        for name, fn in module.TENSOR_METHODS.items():
            if name in vars(_Tensor):
                raise RuntimeError(f"Tensor.{name} is defined twice ({module.__name__})")
            setattr(_Tensor, name, fn)


_install_tensor_methods()

# functions and classes only: the family modules (``linalg``, ``shape``, ...) are not API, and
# ``xg.linalg`` is the torch.linalg namespace (linalg_namespace.py)
__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and not isinstance(value, _ModuleType)]
