"""(being filled: see autograd/ops/__init__.py for how families are wired)"""
from __future__ import annotations

__all__: list[str] = []
TENSOR_METHODS: dict = {}     # name -> function(self, ...): installed on Tensor by ops/__init__
