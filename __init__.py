"""xpgrad: reverse-mode automatic differentiation over any array module.

>>> import xpgrad as xg
>>> x = xg.tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward(); x.grad
"""
from .dtypes import (DType, float16, float32, float64, int8, int16, int32, int64, uint8, bool_,
                     as_dtype)
from . import backends
from .backends import manual_seed
from .backends.generator import Generator
from .autograd import (Tensor, Function, no_grad, enable_grad, set_grad_enabled,
                       is_grad_enabled, gradcheck, gradgradcheck, GradcheckError,
                       value_and_grad, vjp, CompileError)
from .autograd.compiled import compile  # noqa: A001  (xg.compile, as torch.compile)
from .autograd.functional import grad
from .autograd import engine as _engine
from . import autograd
from . import cuda
from .autograd.factories import (tensor, as_tensor, zeros, ones, full, arange, eye, rand, randn,
                                 zeros_like, ones_like, full_like, rand_like, randn_like,
                                 set_default_dtype, get_default_dtype)
from .autograd.factories_extra import *  # noqa: F401,F403  (empty, linspace, randint, ...)
from .autograd.ops import *  # noqa: F401,F403  (xg.exp, xg.matmul, xg.softmax, ...)
from .dtype_info import *  # noqa: F401,F403  (finfo, iinfo, promote_types, rng state, ...)
from .autograd.ops.linalg_namespace import linalg  # (xg.linalg, as torch.linalg)
from .autograd.tensor_types import *  # noqa: F401,F403  (Size, pi, strided, FloatTensor, ...)

bool = bool_  # noqa: A001  (xg.bool, as torch.bool / numpy.bool)
# PyTorch's dtype aliases: xg.long is xg.int64, xg.float is xg.float32, ...
long, int, short, half, float, double = int64, int32, int16, float16, float32, float64  # noqa: A001
dtype = DType

from . import distributed  # noqa: E402
from . import nn  # noqa: E402  (the layers above it first: nn builds on autograd)
from . import optim  # noqa: E402
from . import data  # noqa: E402
from . import utils  # noqa: E402  (xg.utils.data, as torch.utils.data)
from . import func  # noqa: E402  (xg.func, as torch.func)
from . import special  # noqa: E402  (xg.special, as torch.special)
from . import train  # noqa: E402
from .train import save, load  # noqa: E402
# torch's top-level nn aliases and settings (at the root: autograd/ may not import nn/)
from .torch_namespace import *  # noqa: E402,F401,F403  (xg.conv2d, xg.batch_norm, ...)
from .torch_nn_native import *  # noqa: E402,F401,F403  (xg.convolution, xg.gru_cell, ...)
from .torch_runtime import *  # noqa: E402,F401,F403  (set_printoptions, cond, vmap, ...)

__version__ = "0.1.0"
