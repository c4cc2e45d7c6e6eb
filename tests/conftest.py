"""Shared fixtures: every test that takes ``device`` runs on each available backend
(cpu, strict:device1, and cuda when a GPU is present); hypothesis profiles; a guard that
fails a test which leaves grad mode changed."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import xpgrad as xg
from xpgrad.autograd.grad_mode import grad_mode

settings.register_profile("ci", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _devices() -> list:
    params = [pytest.param("cpu", id="cpu"), pytest.param("strict:device1", id="strict")]
    try:
        from xpgrad.backends.cupy_backend import import_cupy
        import_cupy()
        params.append(pytest.param("cuda", id="cuda"))
    except Exception as exc:  # no CuPy or no GPU: say why the cuda variants are skipped
        reason = str(exc).split(";")[0]
        params.append(pytest.param("cuda", id="cuda", marks=pytest.mark.skip(reason=reason)))
    return params


DEVICES = _devices()


@pytest.fixture(params=DEVICES)
def device(request) -> str:
    """A device name; tests using it run once per backend."""
    return request.param


@pytest.fixture(autouse=True)
def _grad_mode_restored():
    before = (grad_mode.enabled, grad_mode.anomaly)
    yield
    after = (grad_mode.enabled, grad_mode.anomaly)
    grad_mode.enabled, grad_mode.anomaly = before
    assert after == before, "the test left grad mode (or anomaly mode) changed"


@pytest.fixture
def seeded():
    xg.manual_seed(0)
    yield


SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data when it exists (CI has it); tests that need it skip otherwise."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data directory not found at {SHARED_DATA}")
    return SHARED_DATA
