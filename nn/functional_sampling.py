"""(being filled: see nn/__init__.py and nn/functional.py for how families are wired)"""
from __future__ import annotations

__all__: list[str] = []
