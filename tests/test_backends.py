"""Backends: device names, the lazy CUDA backend and its error, what `import xpgrad` imports,
and the strict test device behaving like a GPU."""
import importlib.util
import subprocess
import sys

import numpy as np
import pytest

import xpgrad as xg
from xpgrad.backends import CudaUnavailableError, canonical_device, get_backend

HAS_CUPY = importlib.util.find_spec("cupy") is not None


def test_available_lists_cpu_and_strict():
    found = xg.backends.available()
    assert "cpu" in found and "strict" in found and "strict:device1" in found
    assert all(isinstance(v, str) and v for v in found.values())
    if not HAS_CUPY:
        assert not any(name.startswith("cuda") for name in found)


@pytest.mark.skipif(HAS_CUPY, reason="CuPy is installed here")
@pytest.mark.parametrize("make", [
    lambda: xg.zeros(2, device="cuda"),
    lambda: xg.tensor([1.0], device="cuda:0"),
    lambda: xg.ones(2).to("cuda"),
    lambda: get_backend("cuda"),
], ids=["zeros", "tensor", "to", "get_backend"])
def test_cuda_without_cupy_is_one_clear_error(make):
    with pytest.raises(CudaUnavailableError) as info:
        make()
    msg = str(info.value)
    assert "CuPy" in msg and "not installed" in msg
    assert "xpgrad[cuda12]" in msg and "xpgrad[cuda13]" in msg
    assert isinstance(info.value, RuntimeError)
    assert info.value.__cause__ is None and info.value.__suppress_context__   # one error


def test_import_does_not_import_gpu_or_test_libraries():
    code = ("import sys, xpgrad; "
            "print(sorted(m for m in ('cupy', 'array_api_strict', 'torch', 'mpi4py') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_canonical_device_names():
    assert canonical_device(None) == "cpu"
    assert canonical_device("CPU") == "cpu" and canonical_device("cpu:0") == "cpu"
    assert canonical_device("cuda") == "cuda:0" and canonical_device("cuda:1") == "cuda:1"
    assert canonical_device("gpu") == "cuda:0"
    assert canonical_device("strict") == "strict"
    assert canonical_device("strict:device1") == "strict:device1"
    assert canonical_device(get_backend("strict:device1")) == "strict:device1"
    with pytest.raises(ValueError, match="unknown device"):
        canonical_device("tpu")
    with pytest.raises(ValueError, match="cuda:N"):
        canonical_device("cuda:first")


def test_one_backend_per_device_name():
    assert get_backend("cpu") is get_backend(None) is get_backend("CPU")
    assert get_backend("strict:device1") is get_backend("Strict:Device1")
    assert get_backend("strict") is not get_backend("strict:device1")
    b = get_backend("strict:device1")
    assert get_backend(b) is b
    assert xg.ones(1, device=b).device == "strict:device1"


def test_backend_namespaces_follow_the_array_api(device):
    backend = get_backend(device)
    xp = backend.xp
    for name in ("permute_dims", "concat", "pow", "matmul", "astype", "isdtype", "sum"):
        assert hasattr(xp, name), name
    a = backend.asarray([[1.0, 2.0]], xg.float32)
    assert backend.dtype_of(a) is xg.float32
    host = backend.to_host(a)
    assert isinstance(host, np.ndarray) and host.tolist() == [[1.0, 2.0]]


def test_strict_device_refuses_implicit_host_conversion():
    t = xg.ones(2, device="strict:device1")
    with pytest.raises(RuntimeError, match="device1"):
        np.asarray(t.data)
    assert t.numpy().tolist() == [1.0, 1.0]        # the explicit transfer works


def test_from_host_copies_to_a_device(device):
    if device == "cpu":
        pytest.skip("on the CPU from_host may share memory (xg.tensor copies)")
    backend = get_backend(device)
    host = np.array([1.0, 2.0])
    a = backend.from_host(host)
    host[0] = 50.0
    assert backend.to_host(a).tolist() == [1.0, 2.0]


def test_scatter_add_accumulates_repeated_indices(device):
    backend = get_backend(device)
    values = backend.asarray([1.0, 2.0, 3.0], xg.float64)
    index = backend.asarray([0, 0, 2], xg.int64)
    out = backend.scatter_add((4,), index, values)
    assert backend.to_host(out).tolist() == [3.0, 0.0, 3.0, 0.0]


def test_manual_seed_applies_to_backends_made_later():
    from xpgrad import backends
    xg.manual_seed(7)
    a = xg.randn(4, device="strict:device1").tolist()
    saved = backends._CACHE.pop("strict:device1")
    try:
        b = xg.randn(4, device="strict:device1").tolist()   # a fresh backend, seeded with 7
    finally:
        backends._CACHE["strict:device1"] = saved
    assert a == b


def test_rng_state_round_trip(device):
    backend = get_backend(device)
    xg.manual_seed(3)
    state = backend.rng_state()
    a = xg.rand(3, device=device).tolist()
    backend.set_rng_state(state)
    assert xg.rand(3, device=device).tolist() == a


def test_cupy_backend_module_imports_without_cupy():
    # importing the backend module (done by `import xpgrad`) must not need CuPy
    from xpgrad.backends import cupy_backend
    assert "pip install 'xpgrad[cuda12]'" in cupy_backend.INSTALL_HINT
