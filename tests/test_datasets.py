"""Preprocessing (train_test_split, standardize, one_hot) and the data sets: heart (shipped,
checksummed, one-hot to 29 inputs), MNIST (IDX or npz, verified, never unpickled, helpful
errors when missing) and digits (through scikit-learn)."""
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


# ---- train_test_split -------------------------------------------------------------------------
def test_split_sizes_order_and_row_alignment():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=0)
    assert X_tr.shape == (15, 2) and X_te.shape == (5, 2) and y_te.shape == (5,)
    assert np.array_equal(X_tr[:, 0] // 2, y_tr) and np.array_equal(X_te[:, 0] // 2, y_te)
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == list(range(20))
    again = train_test_split(X, y, test_size=0.25, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(again, (X_tr, X_te, y_tr, y_te), strict=True))
    assert len(train_test_split(y, test_size=0.1, seed=0)[1]) == 2      # rounded up
    assert len(train_test_split(y, test_size=3, seed=0)[1]) == 3        # a count
    tr, te = train_test_split(y, test_size=4, shuffle=False)
    assert te.tolist() == [16, 17, 18, 19] and tr.tolist() == list(range(16))


def test_stratified_split_keeps_class_proportions():
    y = np.array([0] * 70 + [1] * 20 + [2] * 10)
    X = np.arange(100)
    for seed in range(5):
        _, _, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=seed, stratify=y)
        assert np.bincount(y_te).tolist() == [14, 4, 2]
        assert np.bincount(y_tr).tolist() == [56, 16, 8]
    column = y.reshape(-1, 1).astype(np.float32)        # (N, 1) targets stratify too
    _, y_te = train_test_split(column, test_size=0.3, seed=1, stratify=column)
    assert np.bincount(y_te.ravel().astype(int)).tolist() == [21, 6, 3]


def test_split_accepts_tensors_and_returns_tensors(device):
    X = xg.tensor(np.arange(12, dtype=np.float32).reshape(6, 2), device=device)
    y = np.arange(6)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=2, seed=0)
    assert isinstance(X_tr, xg.Tensor) and X_tr.device == X.device
    assert isinstance(y_tr, np.ndarray)
    assert np.array_equal(X_te.numpy()[:, 0] // 2, y_te)


def test_split_errors():
    with pytest.raises(ValueError, match=r"lengths \[3, 4\]"):
        train_test_split(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="in \\(0, 1\\)"):
        train_test_split(np.zeros(10), test_size=1.5)
    with pytest.raises(ValueError, match="both parts"):
        train_test_split(np.zeros(10), test_size=10)
    with pytest.raises(ValueError, match="class 2 .* only 1 sample"):
        train_test_split(np.zeros(5), stratify=np.array([0, 0, 1, 1, 2]), seed=0)
    with pytest.raises(ValueError, match="shuffle=True"):
        train_test_split(np.zeros(4), stratify=np.zeros(4), shuffle=False)


# ---- standardize ------------------------------------------------------------------------------
def test_standardize_fits_on_train_only():
    rng = np.random.default_rng(0)
    train = rng.normal(5.0, 2.0, size=(200, 3)).astype(np.float32)
    test = rng.normal(-1.0, 7.0, size=(50, 3)).astype(np.float32)
    train_s, test_s, scaler = standardize(train, test)
    assert isinstance(scaler, Standardizer)
    assert np.allclose(scaler.mean_, train.astype(np.float64).mean(0))
    assert np.allclose(scaler.std_, train.astype(np.float64).std(0))
    assert train_s.dtype == np.float32 and test_s.dtype == np.float32
    assert np.allclose(train_s.mean(0), 0, atol=1e-5) and np.allclose(train_s.std(0), 1, atol=1e-5)
    assert np.allclose(test_s, (test - scaler.mean_) / scaler.std_, atol=1e-5)
    assert not np.allclose(test_s.mean(0), 0, atol=0.1)          # test statistics unused
    assert np.allclose(scaler.inverse_transform(test_s), test, atol=1e-4)


def test_standardize_constant_and_selected_columns():
    X = np.array([[1.0, 3.0, 0.0], [3.0, 3.0, 1.0], [5.0, 3.0, 1.0]])
    (out, scaler) = standardize(X)
    assert np.allclose(out[:, 1], 0.0) and scaler.std_[1] == 1.0        # constant: no blow-up
    only_first, _ = standardize(X, columns=[0])
    assert np.array_equal(only_first[:, 1:], X[:, 1:])                  # others untouched
    assert np.allclose(only_first[:, 0], [-1.2247449, 0.0, 1.2247449])
    assert standardize(np.arange(4))[0].dtype == np.float32             # ints become float32


def test_standardizer_on_tensors_and_errors(device):
    train = np.array([[0.0, 10.0], [2.0, 30.0]], dtype=np.float32)
    scaler = Standardizer().fit(train)
    t = xg.tensor(train, device=device, requires_grad=True)
    out = scaler.transform(t)
    assert isinstance(out, xg.Tensor) and out.device == t.device
    assert np.allclose(out.numpy(), [[-1, -1], [1, 1]])
    out.sum().backward()                               # differentiable: d/dx = 1/std
    assert np.allclose(t.grad.numpy(), [[1.0, 0.1], [1.0, 0.1]])
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*\(2,\)"):
        scaler.transform(np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match="fit"):
        Standardizer().transform(train)


# ---- one_hot ----------------------------------------------------------------------------------
def test_one_hot_arrays():
    out = one_hot(np.array([0, 2, 1]))
    assert out.dtype == np.float32 and out.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert one_hot([1], num_classes=4).tolist() == [[0, 1, 0, 0]]
    assert one_hot(np.array([[1.0], [0.0]]), 2, dtype="int64").tolist() == [[[0, 1]], [[1, 0]]]


def test_one_hot_errors_name_the_value():
    with pytest.raises(ValueError, match="label -1 is negative"):
        one_hot(np.array([0, -1, 2]))
    with pytest.raises(ValueError, match="label 10 is out of range for num_classes=10"):
        one_hot(np.array([3, 10]), num_classes=10)
    with pytest.raises(ValueError, match="label 1.5 is not a whole number"):
        one_hot(np.array([1.5]))
    with pytest.raises(TypeError, match="integers"):
        one_hot(np.array(["a"]))


def test_one_hot_tensors_stay_on_their_device(device):
    labels = xg.tensor([2, 0, 1], device=device)
    out = one_hot(labels, 4)
    assert isinstance(out, xg.Tensor) and out.device == labels.device
    assert out.dtype == xg.float32 and out.numpy().tolist() == one_hot([2, 0, 1], 4).tolist()
    with pytest.raises(ValueError, match="label 5 is out of range"):
        one_hot(xg.tensor([5], device=device), 3)
    with pytest.raises(ValueError, match="label -2 is negative"):
        one_hot(xg.tensor([-2], device=device))
    with pytest.raises(TypeError, match="integer tensor"):
        one_hot(xg.tensor([1.0], device=device))


# ---- heart ------------------------------------------------------------------------------------
def test_heart_is_shipped_with_its_licence():
    package = resources.files("xpgrad.data")
    raw = package.joinpath("heart.csv").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == HEART_SHA
    licence = package.joinpath("HEART-LICENSE.md").read_text(encoding="utf-8")
    for needle in ("CC BY 4.0", "10.24432/C52P4X", "Detrano", "Janosi", HEART_SHA):
        assert needle in licence


def test_heart_shapes_names_and_values():
    X, y, names, scaler = load_heart(standardize=False)
    assert X.shape == (303, 29) and X.dtype == np.float32
    assert y.shape == (303, 1) and y.dtype == np.float32 and scaler is None
    assert names == HEART_FEATURE_NAMES and len(names) == 29
    assert names[:3] == ("age", "sex=0", "sex=1") and "thal=normal" in names
    assert names[-5:] == ("thal=1", "thal=2", "thal=fixed", "thal=normal", "thal=reversible")
    assert int((y == 0).sum()) == 220 and int((y == 1).sum()) == 83
    col = {n: X[:, i] for i, n in enumerate(names)}
    thal = [int(col[f"thal={v}"].sum()) for v in ("normal", "reversible", "fixed", "1", "2")]
    assert thal == [168, 115, 18, 1, 1]
    assert np.flatnonzero(col["thal=1"]).tolist() == [247]          # data row 248, kept
    assert np.flatnonzero(col["thal=2"]).tolist() == [252]
    assert int(col["cp=0"].sum()) == 4
    for group in ("sex", "cp", "fbs", "restecg", "exang", "ca", "thal"):
        block = X[:, [i for i, n in enumerate(names) if n.startswith(group + "=")]]
        assert np.array_equal(block.sum(1), np.ones(303))             # exactly one hot
    assert (col["age"].min(), col["age"].max()) == (29, 77)
    assert (col["oldpeak"].min(), col["oldpeak"].max()) == (0.0, np.float32(6.2))
    assert sorted(set(col["slope"].tolist())) == [1, 2, 3]
    assert X[0, names.index("chol")] == 233 and X[0, names.index("thal=fixed")] == 1


def test_heart_stratified_split_standardised_on_train_only():
    d = load_heart(split="train_val_test", seed=0)
    (X, y), (Xv, yv), (Xt, yt) = d.train, d.validation, d.test
    assert (len(y), len(yv), len(yt)) == (181, 61, 61)
    for part in (y, yv, yt):
        assert part.shape[1] == 1 and abs(part.mean() - 83 / 303) < 0.02
    numeric = [d.feature_names.index(c) for c in ("age", "trestbps", "chol", "thalach",
                                                  "oldpeak", "slope")]
    onehot = [i for i in range(29) if i not in numeric]
    assert np.allclose(X[:, numeric].mean(0), 0, atol=1e-5)
    assert np.allclose(X[:, numeric].std(0), 1, atol=1e-5)
    assert not np.allclose(Xv[:, numeric].mean(0), 0, atol=1e-3)     # fitted on train only
    for part in (X, Xv, Xt):
        assert set(np.unique(part[:, onehot]).tolist()) == {0.0, 1.0}
    raw = load_heart(split="train_val_test", seed=0, standardize=False)
    assert np.allclose(d.standardizer.mean_[numeric], raw.train[0][:, numeric].mean(0))
    all_rows = load_heart(standardize=False).X
    parts = np.concatenate([raw.train[0], raw.validation[0], raw.test[0]])
    assert np.array_equal(np.unique(parts, axis=0), np.unique(all_rows, axis=0))
    assert len(parts) == 303
    again = load_heart(split="train_val_test", seed=0)
    assert np.array_equal(again.test[0], Xt)
    assert not np.array_equal(load_heart(split="train_val_test", seed=1).test[0], Xt)


def test_heart_train_test_and_whole_table_standardised():
    d = load_heart(split="train_test", test_size=0.25, seed=3)
    assert d.validation is None and len(d.train[1]) + len(d.test[1]) == 303
    assert len(d.test[1]) == 76
    X, _, _, scaler = load_heart()
    assert scaler is not None and np.allclose(X[:, 0].mean(), 0, atol=1e-5)
    with pytest.raises(ValueError, match="split must be"):
        load_heart(split="train_val")


def test_heart_refuses_a_corrupted_copy(tmp_path):
    original = resources.files("xpgrad.data").joinpath("heart.csv").read_bytes()
    bad = tmp_path / "heart.csv"
    bad.write_bytes(original.replace(b"63,1,1,145,233", b"63,1,1,145,234", 1))
    with pytest.raises(ChecksumError) as info:
        load_heart(path=bad)
    message = str(info.value)
    assert str(bad) in message and HEART_SHA in message
    assert hashlib.sha256(bad.read_bytes()).hexdigest() in message
    X = load_heart(path=tmp_path, verify=False, standardize=False).X     # on purpose: loads
    assert X[0, HEART_FEATURE_NAMES.index("chol")] == 234
    with pytest.raises(FileNotFoundError, match="no file at"):
        load_heart(path=tmp_path / "missing.csv")


# ---- digits -----------------------------------------------------------------------------------
def test_load_digits_without_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"xpgrad\[sklearn\]"):
        load_digits()


def test_load_digits_with_sklearn():
    pytest.importorskip("sklearn")
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert y[:5].tolist() == [0, 1, 2, 3, 4]


def test_heart_batches_through_a_loader(device):
    from xpgrad.data import DataLoader
    d = load_heart(split="train_val_test", seed=0)
    loader = DataLoader(d.train, batch_size=32, shuffle=True, seed=0, device=device)
    xb, yb = next(iter(loader))
    assert xb.shape == (32, 29) and yb.shape == (32, 1)
    assert xb.device == yb.device == backends.canonical_device(device)
    assert len(loader) == 6

