"""Parameter: a Tensor that a Module registers when it is assigned as an attribute.

>>> self.weight = nn.Parameter(xg.zeros(3, 4))     # in a Module's __init__
"""
from __future__ import annotations

from typing import Any

from ..autograd.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and is listed by ``Module.parameters()``.

    It shares memory with ``data`` when that is a Tensor (as in PyTorch). Ops on a Parameter
    return plain Tensors.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        from ..autograd import function
        if function.tracer is not None:
            function.tracer.refuse("creating a Parameter")
        if data is None:
            from ..autograd.factories import zeros
            data = zeros(0)
        elif not isinstance(data, Tensor):
            from ..autograd.factories import tensor
            data = tensor(data)
        self.data = data.data
        self._backend = data._backend
        self._rg = False
        self.grad = self.grad_fn = self._hooks = None
        if requires_grad:
            self.requires_grad_(True)      # refuses integer dtypes with a clear message

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
