"""MNIST: IDX or npz, verified by checksum, never unpickled, helpful errors when missing."""
import gzip
import hashlib
import io
import sys
import urllib.error
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import backends
from xpgrad.data import (ChecksumError, HEART_FEATURE_NAMES, Standardizer, load_digits,
                         load_heart, load_mnist, one_hot, standardize, train_test_split)
from xpgrad.data import _files, mnist as mnist_module

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
HEART_SHA = "92abc8c50ac340e22f32ca05a74c3ccb30373fe3ad84db2757cab1a3e7273b32"
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# ---- MNIST ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mnist_idx():
    """The 60k + 10k images, read once per module from the shared IDX files."""
    if not (SHARED / "mnist").is_dir():
        pytest.skip(f"shared MNIST files not found at {SHARED / 'mnist'}")
    return load_mnist(SHARED / "mnist")


def test_mnist_from_the_idx_files(mnist_idx):
    x_train, y_train, x_test, y_test = mnist_idx
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert abs(x_train.mean() / 255.0 - 0.130660) < 1e-6


def test_mnist_npz_matches_idx_and_normalize_flatten(shared_data, mnist_idx):
    x_train, y_train, x_test, y_test = load_mnist(shared_data / "mnist.npz", normalize=True,
                                                  flatten=True)
    assert x_train.shape == (60000, 784) and x_train.dtype == np.float32
    assert x_train.max() == 1.0 and x_train.min() == 0.0
    assert np.array_equal(x_test, mnist_idx[2].reshape(10000, 784) / np.float32(255))
    assert np.array_equal(y_train, mnist_idx[1])


def test_mnist_found_through_xpgrad_data(shared_data, monkeypatch, tmp_path):
    monkeypatch.setenv("XPGRAD_DATA", str(shared_data))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(_files, "fetch_url", lambda url, timeout=0: pytest.fail("downloaded"))
    assert load_mnist()[3][:3].tolist() == [7, 2, 1]


def _idx_dir(tmp_path, shared_data, replace):
    """A directory of the four IDX files, linking to the shared ones except ``replace``."""
    d = tmp_path / "mnist"
    d.mkdir()
    for name, _ in mnist_module.MNIST_FILES.values():
        if name in replace:
            (d / name).write_bytes(replace[name])
        else:
            (d / name).symlink_to(shared_data / "mnist" / name)
    return d


def test_mnist_refuses_truncated_and_modified_files(tmp_path, shared_data):
    images = "train-images-idx3-ubyte.gz"
    head = (shared_data / "mnist" / images).read_bytes()[:100_000]
    d = _idx_dir(tmp_path, shared_data, {images: head})
    with pytest.raises(ChecksumError) as info:
        load_mnist(d)
    message = str(info.value)
    assert images in message and hashlib.sha256(head).hexdigest() in message
    assert mnist_module.MNIST_FILES["x_train"][1] in message
    labels = "t10k-labels-idx1-ubyte.gz"
    content = bytearray(gzip.decompress((shared_data / "mnist" / labels).read_bytes()))
    content[8] = (content[8] + 1) % 10            # one label changed, a valid gzip file
    (tmp_path / "b").mkdir()
    d2 = _idx_dir(tmp_path / "b", shared_data, {labels: gzip.compress(bytes(content))})
    with pytest.raises(ChecksumError, match=labels):
        load_mnist(d2)
    assert load_mnist(d2, verify=False)[3][0] == (7 + 1) % 10


def test_mnist_accepts_a_recompressed_faithful_copy(tmp_path, shared_data):
    labels = "t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress((shared_data / "mnist" / labels).read_bytes())
    d = _idx_dir(tmp_path, shared_data, {labels: gzip.compress(raw, compresslevel=1)})
    assert load_mnist(d)[3][:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_mnist_refuses_a_truncated_npz(tmp_path, shared_data):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes((shared_data / "mnist.npz").read_bytes()[:1_000_000])
    with pytest.raises(ChecksumError, match="mnist.npz.*sha256"):
        load_mnist(bad)


def test_mnist_never_unpickles(tmp_path, monkeypatch):
    bad = tmp_path / "mnist.npz"
    objects = np.array([{"x": 1}, None], dtype=object)
    np.savez(bad, x_train=objects, y_train=objects, x_test=objects, y_test=objects)
    for verify in (True, False):
        with pytest.raises(ValueError, match="pickle"):
            load_mnist(bad, verify=verify)
    seen = []
    real_load = np.load

    def spy(*args, **kwargs):
        seen.append(kwargs.get("allow_pickle"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(np, "load", spy)
    with pytest.raises(ValueError):
        load_mnist(bad)
    assert seen == [False]


def test_mnist_missing_files_say_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.delenv("XPGRAD_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    tried = []

    def offline(url, timeout=0):
        tried.append(url)
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(_files, "fetch_url", offline)
    with pytest.raises(FileNotFoundError) as info:
        load_mnist()
    message = str(info.value)
    for needle in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                   "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "mnist.npz",
                   str(tmp_path / "cache" / "xpgrad" / "mnist"), "XPGRAD_DATA", "no network"):
        assert needle in message
    assert tried and all(u.startswith("http") for u in tried)
    assert len(tried) == len(mnist_module.MIRRORS)         # stops after the first file fails
    assert not list((tmp_path / "cache").rglob("*.part*"))  # nothing half-written is left
    tried.clear()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match=str(empty)):
        load_mnist(empty)                                   # an explicit path never downloads
    with pytest.raises(FileNotFoundError, match="download=False"):
        load_mnist(download=False)
    assert tried == []


def test_mnist_download_verifies_and_caches(tmp_path, monkeypatch, shared_data):
    monkeypatch.delenv("XPGRAD_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    served = []

    def fake_mirror(url, timeout=0):
        served.append(url)
        if url.startswith(mnist_module.MIRRORS[0]):        # a mirror serving wrong bytes
            return io.BytesIO(b"<html>moved</html>")
        return io.BytesIO((shared_data / "mnist" / url.rsplit("/", 1)[1]).read_bytes())

    monkeypatch.setattr(_files, "fetch_url", fake_mirror)
    y_test = load_mnist()[3]
    assert y_test[:3].tolist() == [7, 2, 1]
    cached = tmp_path / "xpgrad" / "mnist"
    assert sorted(p.name for p in cached.iterdir()) == sorted(
        name for name, _ in mnist_module.MNIST_FILES.values())
    assert len(served) == 8                                 # two mirrors per file
    served.clear()
    load_mnist()                                            # now from the cache
    assert served == []
