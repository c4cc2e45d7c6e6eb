"""torch's runtime settings at the top level (torch_runtime.py): print options, thread counts
and determinism flags, the default device, anomaly and inference mode, and the utilities
(cond, while_loop, DLPack)."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import backends

RNG = np.random.default_rng(11)


def _t(a, device="cpu", requires_grad=False, dtype=np.float64):
    return xg.tensor(np.asarray(a, dtype=dtype), device=device, requires_grad=requires_grad)


def _close(a, b, tol=1e-10):
    a = a.numpy() if isinstance(a, xg.Tensor) else np.asarray(a)
    np.testing.assert_allclose(a, np.asarray(b, dtype=float), rtol=tol, atol=tol)



# ---- runtime settings ------------------------------------------------------------------------------
def test_printoptions():
    saved = np.get_printoptions()
    try:
        xg.set_printoptions(precision=2)
        assert "1.23" in repr(xg.tensor([1.23456])) and "1.2346" not in repr(xg.tensor([1.23456]))
        xg.set_printoptions(profile="default")
        assert xg.get_printoptions()["precision"] == 4
        xg.set_printoptions(sci_mode=True)
        assert "e+03" in repr(xg.tensor([2000.0]))
        with pytest.raises(ValueError, match="profile"):
            xg.set_printoptions(profile="tiny")
    finally:
        np.set_printoptions(**saved)


def test_threads_determinism_flags():
    before = xg.get_num_threads()
    assert before >= 1
    xg.set_num_threads(1)
    assert xg.get_num_threads() == 1
    xg.set_num_threads(before)
    xg.init_num_threads()
    xg.set_num_interop_threads(2)
    assert xg.get_num_interop_threads() == 2
    assert not xg.are_deterministic_algorithms_enabled()
    try:
        xg.use_deterministic_algorithms(True, warn_only=True)
        assert xg.are_deterministic_algorithms_enabled()
        assert xg.is_deterministic_algorithms_warn_only_enabled()
        assert xg.get_deterministic_debug_mode() == 1
        xg.set_deterministic_debug_mode("error")
        assert xg.get_deterministic_debug_mode() == 2
    finally:
        xg.use_deterministic_algorithms(False)
    assert xg.get_float32_matmul_precision() == "highest"
    try:
        xg.set_float32_matmul_precision("high")
        assert xg.get_float32_matmul_precision() == "high"
    finally:
        xg.set_float32_matmul_precision("highest")
    with pytest.raises(ValueError):
        xg.set_float32_matmul_precision("low")
    assert xg.set_flush_denormal(True) is False
    assert not xg.is_warn_always_enabled()


def test_default_device():
    assert xg.get_default_device() == "cpu"
    try:
        xg.set_default_device("strict:device1")
        assert xg.get_default_device() == "strict:device1"
        for t in (xg.zeros(2), xg.tensor([1.0]), xg.randn(2), xg.arange(3), xg.range(1, 2),
                  xg.hann_window(4)):
            assert t.device == "strict:device1"
    finally:
        xg.set_default_device(None)
    assert xg.zeros(1).device == "cpu" and backends.DEFAULT_DEVICE == "cpu"
    with pytest.raises(ValueError):
        xg.set_default_device("tpu")


def test_anomaly_and_inference_mode():
    assert not xg.is_anomaly_enabled() and xg.is_anomaly_check_nan_enabled()
    try:
        xg.set_anomaly_enabled(True)
        assert xg.is_anomaly_enabled()
    finally:
        xg.set_anomaly_enabled(False)
    assert not xg.is_inference_mode_enabled()
    with xg.inference_mode():
        assert xg.is_inference_mode_enabled() and not xg.is_grad_enabled()
        with xg.inference_mode(False):
            assert not xg.is_inference_mode_enabled() and xg.is_grad_enabled()
    with xg.no_grad():
        assert not xg.is_inference_mode_enabled()

    @xg.inference_mode
    def f():
        return xg.is_inference_mode_enabled(), (xg.ones(1, requires_grad=True) * 2).requires_grad
    assert f() == (True, False)
    assert not xg.is_inference_mode_enabled() and xg.is_grad_enabled()


def test_utilities_cond_while_dlpack():
    assert xg.typename(xg.zeros(1)) == "xpgrad.FloatTensor"
    assert xg.typename(xg.zeros(1, dtype=xg.int64)) == "xpgrad.LongTensor"
    assert xg.typename(3) == "int" and xg.typename(np.zeros(1)) == "numpy.ndarray"
    x = xg.tensor([1.0, 2.0])
    assert xg.cond(x.sum() > 0, lambda t: t + 1, lambda t: t - 1, (x,)).tolist() == [2.0, 3.0]
    assert xg.cond(False, lambda t: t + 1, lambda t: t - 1, [x]).tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="one-element"):
        xg.cond(x > 0, lambda t: t, lambda t: t, (x,))
    i, y = xg.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * 2), (xg.tensor(0), x))
    assert i.item() == 3 and y.tolist() == [8.0, 16.0]
    host = np.arange(3.0)
    shared = xg.from_dlpack(host)
    host[0] = 9.0
    assert shared.tolist() == [9.0, 1.0, 2.0]
    source = xg.tensor([1.0, 2.0])
    back = np.from_dlpack(source)                              # the protocol on Tensor
    back[0] = 3.0
    assert source.tolist() == [3.0, 2.0]
    assert xg.to_dlpack(xg.tensor([1.0])) is not None
    buf = bytearray(np.array([1.5, -2.0], dtype=np.float32).tobytes())
    assert xg.frombuffer(buf, dtype=xg.float32).tolist() == [1.5, -2.0]
    assert xg.frombuffer(buf, dtype=xg.float32, count=1, offset=4).tolist() == [-2.0]
    assert xg.get_device(xg.zeros(1)) == -1
    assert xg.vmap(lambda v: v.sum())(xg.ones(3, 2)).tolist() == [2.0, 2.0, 2.0]
