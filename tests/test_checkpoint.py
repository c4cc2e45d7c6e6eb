"""Checkpoints: round trips in both file formats, atomic writes, files that must be refused,
and training that resumes bit-for-bit from save_checkpoint / load_checkpoint."""
import json
import math
import os
import sys
import zipfile

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import backends, nn, optim
from xpgrad.train import CheckpointError, checkpoint


@pytest.fixture(params=["safetensors", "npz"])
def fmt(request, monkeypatch):
    """Run a test with the safetensors package, then as if it were not installed."""
    if request.param == "safetensors":
        pytest.importorskip("safetensors")
    else:
        monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    return request.param


def assert_same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, xg.Tensor):
        assert (a.shape, a.dtype) == (b.shape, b.dtype)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def test_round_trip_of_every_kind_of_value(tmp_path, fmt, device):
    state = {
        "scalar": xg.tensor(2.5, device=device),
        "f64": xg.tensor(np.arange(6.0).reshape(2, 3), device=device),
        "mask": xg.tensor([True, False], device=device),
        "ids": xg.tensor(np.array([[1], [2]], np.int64), device=device),
        "empty": xg.zeros(0, 4, device=device),
        "host": np.arange(12, dtype=np.uint8).reshape(3, 4).T,        # not C-contiguous
        "host0d": np.array(7, np.int32),
        3: {"nested": [1, (2.0, "three"), None, [xg.ones(2, device=device)]]},
        "numbers": [True, -(2 ** 70), float("inf"), float("nan"), np.float32(0.5)],
        "text": "ünïcode ✓",
    }
    if device == "cpu":                        # array_api_strict has no float16
        state["half"] = xg.tensor([1.0, -2.0], dtype="float16")
    back = xg.load(xg.save(state, tmp_path / "all.ckpt"), device=device)
    state["numbers"][-1] = 0.5                 # NumPy scalars come back as Python numbers
    assert_same(state, back)
    assert back["f64"].device == state["f64"].device
    assert os.listdir(tmp_path) == ["all.ckpt"]
    is_zip = zipfile.is_zipfile(tmp_path / "all.ckpt")
    assert is_zip == (fmt == "npz")


def test_safetensors_files_name_tensors_by_their_place(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    path = xg.save({"model": model.state_dict(), "t": [xg.ones(1)], "__xpgrad__": xg.ones(1)},
                   tmp_path / "m.safetensors")
    names = sorted(safetensors_numpy.load_file(str(path)))
    assert names == ["__xpgrad__#2", "model.0.bias", "model.0.weight", "model.2.bias",
                     "model.2.weight", "t.0"]
    np.testing.assert_array_equal(safetensors_numpy.load_file(str(path))["model.0.weight"],
                                  model[0].weight.numpy())


def test_saved_files_get_the_usual_permissions(tmp_path):
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    umask = os.umask(0o022)
    try:
        path = xg.save({"w": xg.ones(2)}, tmp_path / "w.safetensors")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644          # not 0o600 (mkstemp, safetensors)
    path.chmod(0o640)
    xg.save({"w": xg.zeros(2)}, path)
    assert path.stat().st_mode & 0o777 == 0o640          # an overwrite keeps the old mode


@pytest.mark.parametrize("bad, match", [
    ({"f": lambda: 0}, "cannot store a function .* at f"),
    ({"s": {1, 2}}, "cannot store a set"),
    ({(1, 2): 0}, "dict keys must be str or int"),
    ({"a": [np.array(["x"])]}, "cannot store the <U1 array at a.0"),
    ({"o": np.array([None])}, "cannot store the object array"),
])
def test_unsupported_values_raise_before_anything_is_written(tmp_path, bad, match):
    xg.save({"old": 1}, tmp_path / "c.safetensors")
    with pytest.raises(TypeError, match=match):
        xg.save(bad, tmp_path / "c.safetensors")
    assert os.listdir(tmp_path) == ["c.safetensors"]
    assert xg.load(tmp_path / "c.safetensors") == {"old": 1}


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch,
                                                                       error):
    path = xg.save({"v": xg.ones(3)}, tmp_path / "c.safetensors")
    before = path.read_bytes()

    def half_write(tmp, arrays, meta):
        with open(tmp, "wb") as f:
            f.write(b"\x00" * 10)
        raise error
    monkeypatch.setattr(checkpoint, "_write", half_write)
    with pytest.raises(type(error)):
        xg.save({"v": xg.zeros(3)}, path)
    assert os.listdir(tmp_path) == ["c.safetensors"] and path.read_bytes() == before


def _safetensors_with(path, meta):
    from safetensors.numpy import save_file
    save_file({"t0": np.ones(2, np.float32)}, str(path), metadata={"__xpgrad__": meta})


@pytest.mark.parametrize("meta, match", [
    ("{not json", "truncated or corrupted"),
    (json.dumps({"format": "something-else/9", "state": {"value": 1}}), "something-else/9"),
    (json.dumps({"format": checkpoint.FORMAT, "state": {"tensor": "t7"}}), "does not hold"),
    (json.dumps({"format": checkpoint.FORMAT, "state": {"code": "import os"}}), "unknown entry"),
    (json.dumps({"format": checkpoint.FORMAT, "state": {"dict": 5}}), "malformed"),
    (json.dumps({"format": checkpoint.FORMAT, "state": [1, 2]}), "malformed"),
])
def test_bad_metadata_raises_checkpoint_error(tmp_path, meta, match):
    pytest.importorskip("safetensors")
    path = tmp_path / "bad.safetensors"
    _safetensors_with(path, meta)
    with pytest.raises(CheckpointError, match=match):
        xg.load(path)


@pytest.mark.parametrize("damage", ["truncate", "flip_header", "zeros"])
def test_damaged_files_raise_in_both_formats(tmp_path, fmt, damage):
    path = xg.save({"w": xg.ones(64), "step": 3}, tmp_path / "c.ckpt")
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) * 2 // 3]
    elif damage == "flip_header":
        for i in range(8, 40):
            raw[i] ^= 0xFF
    else:
        raw = bytearray(len(raw))
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError):
        xg.load(path)


class _Trap:
    """Unpickling this would create a file: a load that runs code would leave it behind."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickled_npz_content_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.npz"
    meta = json.dumps({"format": checkpoint.FORMAT, "state": {"array": "x"}}).encode()
    with open(path, "wb") as f:
        np.savez(f, x=np.array([_Trap(str(marker))], dtype=object),
                 __xpgrad__=np.frombuffer(meta, np.uint8))
    with pytest.raises(CheckpointError):
        xg.load(path)
    assert not marker.exists()


def test_foreign_and_missing_files(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.ones(2))
    with pytest.raises(CheckpointError, match="not an xpgrad checkpoint"):
        xg.load(tmp_path / "plain.npz")
    with pytest.raises(FileNotFoundError, match="no checkpoint file"):
        xg.load(tmp_path / "missing.safetensors")
    with pytest.raises(FileNotFoundError):
        xg.load(tmp_path)                                     # a folder


# ---- resuming training -------------------------------------------------------------------

def _data(n=24):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, (x[:, :1] - x[:, 1:2] > 0).astype(np.float32)


def _setup(device):
    model = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.25), nn.ReLU(), nn.Linear(8, 1))
    opt = optim.Adam(model.parameters(), lr=0.02)
    return model.to(device), opt, optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)


def _train(model, opt, sched, device, initial, epochs):
    x, y = _data()
    return xg.train.fit(model, nn.BCEWithLogitsLoss(), opt, (x, y), epochs=epochs, batch_size=5,
                        initial_epoch=initial, scheduler=sched, device=device, verbose=0)


@pytest.mark.parametrize("dev", ["cpu", "strict:device1"])
def test_resume_is_bit_for_bit_without_an_explicit_loader_seed(tmp_path, monkeypatch, dev):
    """Dropout draws, the shuffling order (seeded by xg.manual_seed), Adam's moments and the
    scheduler all continue exactly: 4 epochs straight == 2 + save + fresh process + 2."""
    monkeypatch.setattr(backends, "_SEED", [None])
    xg.manual_seed(0)
    model, opt, sched = _setup(dev)
    straight = _train(model, opt, sched, dev, 0, 4).history["loss"]
    expected = {k: v.numpy() for k, v in model.state_dict().items()}

    xg.manual_seed(0)
    model, opt, sched = _setup(dev)
    first = _train(model, opt, sched, dev, 0, 2).history["loss"]
    xg.train.save_checkpoint(tmp_path / "ckpt.safetensors", model, opt, sched, epoch=2,
                             extra={"history": first})

    backends._SEED[0] = None                  # a new process: no manual_seed, other weights
    for backend in backends._CACHE.values():
        backend.seed(1234)
    model, opt, sched = _setup(dev)
    state = xg.train.load_checkpoint(tmp_path / "ckpt.safetensors", model, opt, sched)
    second = _train(model, opt, sched, dev, state["epoch"], 4).history["loss"]
    assert state["extra"]["history"] + second == straight
    assert sched.get_last_lr() == pytest.approx([0.02 * 0.7 ** 4])
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), expected[name], err_msg=name)
        assert value.device == dev


def test_optimizer_state_lands_on_the_model_device(tmp_path):
    model, opt, _ = _setup("strict:device1")
    _train(model, opt, None, "strict:device1", 0, 1)
    xg.train.save_checkpoint(tmp_path / "c.safetensors", model, opt, epoch=1)
    model2, opt2, _ = _setup("strict:device1")
    xg.train.load_checkpoint(tmp_path / "c.safetensors", model2, opt2, restore_rng=False)
    _train(model2, opt2, None, "strict:device1", 1, 2)      # would raise on mixed devices
    assert {t.device for s in opt2.state_dict()["state"].values() for t in s.values()
            if isinstance(t, xg.Tensor)} == {"strict:device1"}


def test_load_checkpoint_errors_surface(tmp_path):
    model, opt, sched = _setup("cpu")
    path = xg.train.save_checkpoint(tmp_path / "c.safetensors", model, opt, epoch=0)
    wider = nn.Sequential(nn.Linear(3, 9), nn.Dropout(0.25), nn.ReLU(), nn.Linear(9, 1))
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight.*\(8, 3\)"):
        xg.train.load_checkpoint(path, wider)
    with pytest.raises(RuntimeError, match='Missing key.*"4.weight"'):
        xg.train.load_checkpoint(path, nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.25),
                                                     nn.ReLU(), nn.Linear(8, 1), nn.Linear(1, 1)))
    with pytest.warns(UserWarning, match="no scheduler state"):
        xg.train.load_checkpoint(path, model, opt, sched)
    weights_only = xg.save(model.state_dict(), tmp_path / "w.safetensors")
    with pytest.raises(CheckpointError, match="holds no training state"):
        xg.train.load_checkpoint(weights_only, model)
    model.load_state_dict(xg.load(weights_only))            # the right way for weights only


def test_load_takes_torchs_map_location(tmp_path):
    path = tmp_path / "m.safetensors"
    xg.save({"w": xg.ones(2)}, path)
    assert xg.load(path, map_location="strict:device1")["w"].device == "strict:device1"
    assert xg.load(path, weights_only=True)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="either device= or map_location="):
        xg.load(path, "cpu", map_location="cpu")
    with pytest.raises(TypeError, match="map_location must be a device"):
        xg.load(path, map_location=lambda storage, loc: storage)
