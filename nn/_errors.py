"""Exception types for the places where PyTorch's nn raises an ``assert`` (AssertionError):
ours is also a ValueError (the type the rest of the library raises for a bad argument), so
``except AssertionError`` and ``except ValueError`` both catch it."""
from __future__ import annotations

from ..autograd.ops.torch_errors import TorchValueError

__all__ = ["TorchAssertionError", "TorchValueError"]


class TorchAssertionError(ValueError, AssertionError):
    """A bad argument that PyTorch reports with a failed ``assert``."""
