"""Registry entries of one op family, appended to tests/op_db.py's OPS.

Import this only through op_db (from op_db import OPS): it imports op_db's helpers, and
op_db imports it at its end.
"""
from __future__ import annotations

from op_db import OpInfo  # noqa: F401

OPS: list = []
