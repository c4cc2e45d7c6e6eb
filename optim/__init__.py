"""Optimizers (PyTorch's names, defaults and update rules), gradient clipping and
learning-rate schedules. Updates run in place on each parameter's device.

>>> opt = optim.Adam(model.parameters(), lr=1e-3); loss.backward(); opt.step(); opt.zero_grad()
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .adaptive import Adagrad, Adadelta, RMSprop
from .adam_variants import Adamax, NAdam, RAdam, Rprop
from .asgd import ASGD
from .adafactor import Adafactor
from .lbfgs import LBFGS
from ..autograd.grad_clip import clip_grad_norm_, clip_grad_value_
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "RMSprop",
           "Adamax", "NAdam", "RAdam", "Rprop", "ASGD", "Adafactor", "LBFGS",
           "clip_grad_norm_", "clip_grad_value_", "lr_scheduler"]
