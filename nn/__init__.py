"""Neural-network layers, losses and helpers, named as in PyTorch (defaults included), with
Keras' conveniences where the lectures rely on them (Linear is initialised like Dense,
``nn.summary`` prints Keras' table, ``nn.regularizers`` mirrors keras.regularizers).

>>> from xpgrad import nn
>>> model = nn.Sequential(nn.Linear(29, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())
>>> print(nn.summary(model, input_shape=(29,)))          # Total params: 497
>>> loss = nn.BCELoss()(model(x), y)

``nn`` reaches arrays only through each tensor's backend, so the same model runs on every
device (``model.to("cuda")``).
"""
from . import functional, init, regularizers, utils
from .activation import (ELU, LeakyReLU, LogSoftmax, NoisyReLU, PReLU, ReLU, Sigmoid, Softmax,
                         Softplus, Tanh)
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .dropout import Dropout, GaussianNoise
from .linear import Flatten, Identity, Linear, Maxout
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import IncompatibleKeys, Module, RemovableHandle
from .normalization import BatchNorm1d
from .parameter import Parameter
from .parallel import DataParallel, SyncBatchNorm
from .summary import Summary, summary

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "ParameterList",
           "ParameterDict", "Linear", "Identity", "Flatten",
           "Maxout", "Dropout", "GaussianNoise", "BatchNorm1d", "ReLU", "LeakyReLU", "PReLU",
           "ELU", "Softplus", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "NoisyReLU",
           "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
           "functional", "init", "regularizers", "utils", "summary", "Summary", "IncompatibleKeys",
           "RemovableHandle", "DataParallel", "SyncBatchNorm"]

# Layers beyond the lectures' set, each family in its own module with its own __all__.
from . import activation_extra as _activation_extra, layers_extra as _layers_extra  # noqa: E402
from . import conv_layers as _conv_layers  # noqa: E402
from . import recurrent_layers as _recurrent_layers  # noqa: E402
from . import attention_layers as _attention_layers  # noqa: E402
from . import sampling_layers as _sampling_layers  # noqa: E402
from . import more_layers as _more_layers  # noqa: E402
from .activation_extra import *  # noqa: F401,F403,E402
from .layers_extra import *  # noqa: F401,F403,E402
from .conv_layers import *  # noqa: F401,F403,E402
from .recurrent_layers import *  # noqa: F401,F403,E402
from .attention_layers import *  # noqa: F401,F403,E402
from .sampling_layers import *  # noqa: F401,F403,E402
from .more_layers import *  # noqa: F401,F403,E402
__all__ += (_activation_extra.__all__ + _layers_extra.__all__ + _conv_layers.__all__
            + _recurrent_layers.__all__ + _attention_layers.__all__ + _sampling_layers.__all__
            + _more_layers.__all__)
from .adaptive_softmax import AdaptiveLogSoftmaxWithLoss  # noqa: E402
__all__ += ["AdaptiveLogSoftmaxWithLoss"]
from .pool_fractional import FractionalMaxPool2d, FractionalMaxPool3d  # noqa: E402
__all__ += ["FractionalMaxPool2d", "FractionalMaxPool3d"]
