"""The host allocator tuning (backends/host_allocator.py): applied once on glibc when the CPU
backend starts, skipped where the user chose otherwise."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
PROBE = ("import xpgrad as xg; xg.tensor([1.0]) + 1; "
         "from xpgrad.backends import host_allocator as h; print(h.tuned())")


def _probe(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("MALLOC_") and k != "XPGRAD_HOST_MALLOC"}
    clean["PYTHONPATH"] = str(ROOT.parent) + os.pathsep + clean.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env}, cwd=ROOT.parent,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.skipif(not GLIBC, reason="mallopt tuning applies to glibc only")
def test_tuned_when_the_cpu_backend_starts() -> None:
    assert _probe() == "True"


@pytest.mark.parametrize("env", [{"XPGRAD_HOST_MALLOC": "0"},
                                 {"MALLOC_MMAP_THRESHOLD_": "131072"},
                                 {"MALLOC_TRIM_THRESHOLD_": "1048576"}])
def test_left_alone_where_the_user_chose(env: dict) -> None:
    assert _probe(**env) == "False"


def test_tune_is_idempotent() -> None:
    from xpgrad.backends import host_allocator
    first = host_allocator.tune()
    assert host_allocator.tune() is first and host_allocator.tuned() is first
