"""MNIST handwritten digits from the original IDX files or a Keras-layout ``mnist.npz``.

Files are found in ``path``, else in ``$XPGRAD_DATA``, else in the cache directory
(``~/.cache/xpgrad``); each of those may hold the files directly or in a ``mnist/``
subdirectory. When none has them, the four IDX files are downloaded from the public mirrors
into the cache (short timeouts; refused unless their sha256 matches). Every file is checked:
a file whose bytes are not the published ones is accepted only when the arrays inside are
(a re-compressed copy), else refused with both hashes. No pickle: ``np.load(...,
allow_pickle=False)``. MNIST is by Y. LeCun, C. Cortes and C. J. C. Burges (CC BY-SA 3.0).

>>> x_train, y_train, x_test, y_test = load_mnist()          # uint8 (60000, 28, 28), ...
>>> x_train, y_train, x_test, y_test = load_mnist(normalize=True, flatten=True)  # float32
"""
from __future__ import annotations

import gzip
import hashlib
import os
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from . import _files
from ._files import ChecksumError, checksum_message

__all__ = ["load_mnist", "MNIST_FILES", "MIRRORS"]

KEYS = ("x_train", "y_train", "x_test", "y_test")
# key -> (original file name, sha256 of the published .gz file)
MNIST_FILES: dict[str, tuple[str, str]] = {
    "x_train": ("train-images-idx3-ubyte.gz",
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "y_train": ("train-labels-idx1-ubyte.gz",
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "x_test": ("t10k-images-idx3-ubyte.gz",
               "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "y_test": ("t10k-labels-idx1-ubyte.gz",
               "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}
# sha256 of known good mnist.npz files: xpgrad's shared copy and Keras's download.
NPZ_SHA256 = {"06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64": "xpgrad",
              "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1": "Keras"}
# sha256 of each array's raw C-order uint8 bytes: what any faithful copy must contain.
CONTENT_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
           "https://storage.googleapis.com/cvdf-datasets/mnist/",
           "http://yann.lecun.com/exdb/mnist/")
IDX_MAGIC = {2049: 1, 2051: 3}          # labels: 1 dimension, images: 3
_HINT = "delete it and run load_mnist() again to download a fresh copy, or pass verify=False"


def _idx_paths(directory: Path) -> dict[str, Path | None]:
    """Each key's IDX file in ``directory`` (``.gz`` or uncompressed), or None."""
    found: dict[str, Path | None] = {}
    for key, (name, _) in MNIST_FILES.items():
        candidates = (directory / name, directory / name[:-len(".gz")])
        found[key] = next((p for p in candidates if p.is_file()), None)
    return found


def _locate(directory: Path) -> tuple[str, Any] | None:
    """("npz", path) or ("idx", {key: path}) for the first complete set in dir or dir/mnist."""
    for d in (directory, directory / "mnist"):
        if (d / "mnist.npz").is_file():
            return "npz", d / "mnist.npz"
        idx = _idx_paths(d)
        if all(idx.values()):
            return "idx", idx
    return None


def _where_to_put(searched: list[Path]) -> str:
    names = ", ".join(name for name, _ in MNIST_FILES.values())
    partial = []
    for directory in searched:
        for d in (directory, directory / "mnist"):
            have = [p.name for p in _idx_paths(d).values() if p is not None]
            if have:
                partial.append(f"{d} has only {', '.join(have)}")
    return ("MNIST files not found. Looked in: " + ", ".join(str(d) for d in searched) + ". "
            f"Put either mnist.npz (Keras layout: x_train, y_train, x_test, y_test as uint8) or "
            f"the four original files {names} into {_files.cache_dir() / 'mnist'}, or into a "
            "directory named by the XPGRAD_DATA environment variable, or pass "
            "load_mnist(path=DIR)." + (" Incomplete: " + "; ".join(partial) + "."
                                       if partial else ""))


def _parse_idx(raw: bytes, path: Path) -> np.ndarray:
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    if len(data) < 8:
        raise ValueError(f"{path}: too short ({len(data)} bytes) for an IDX file")
    magic = struct.unpack(">I", data[:4])[0]
    ndim = IDX_MAGIC.get(magic)
    if ndim is None:
        raise ValueError(f"{path}: IDX magic number {magic} is not 2049 (labels) or 2051 "
                         "(images); is this an MNIST file?")
    header = 4 + 4 * ndim
    shape = struct.unpack(">" + "I" * ndim, data[4:header])
    if len(data) != header + int(np.prod(shape)):
        raise ValueError(f"{path}: header says shape {shape} ({int(np.prod(shape))} bytes of "
                         f"data) but the file holds {len(data) - header}; it is truncated")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape).copy()


def _content_ok(key: str, array: np.ndarray) -> bool:
    if array.dtype != np.uint8:
        return False
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest() == \
        CONTENT_SHA256[key]


def _load_idx(paths: dict[str, Path], verify: bool) -> dict[str, np.ndarray]:
    out = {}
    for key, path in paths.items():
        raw = path.read_bytes()
        expected = MNIST_FILES[key][1]
        published = hashlib.sha256(raw).hexdigest() == expected
        try:
            array = _parse_idx(raw, path)
        except (OSError, EOFError, zlib.error, ValueError) as exc:
            if not verify:
                raise ValueError(f"cannot read {path}: {exc}") from exc
            array = None
        if verify and not published and (array is None or not _content_ok(key, array)):
            actual = hashlib.sha256(raw).hexdigest()
            raise ChecksumError(checksum_message(path, actual, expected, _HINT))
        out[key] = array
    return out


def _load_npz(path: Path, verify: bool) -> dict[str, np.ndarray]:
    actual = _files.sha256_file(path) if verify else ""
    published = actual in NPZ_SHA256
    expected = next(iter(NPZ_SHA256))
    out: dict[str, np.ndarray] = {}
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in KEYS if k not in archive.files]
            if missing:
                raise ValueError(f"{path} lacks the arrays {missing} (it has {archive.files}); "
                                 "expected the Keras layout x_train, y_train, x_test, y_test")
            for key in KEYS:
                out[key] = archive[key]
    except ValueError as exc:
        text = str(exc)
        if "Object arrays" in text:
            raise ValueError(f"{path} holds arrays of Python objects, which only pickle could "
                             "load; xpgrad never unpickles data: use an npz of plain uint8 "
                             "arrays") from exc
        if verify and "lacks the arrays" not in text:
            raise ChecksumError(checksum_message(path, actual, expected, _HINT)) from exc
        if "pickled data" in text:
            raise ValueError(f"{path} is not an npz archive (it looks like pickled data, which "
                             "xpgrad never loads)") from exc
        raise
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        if not verify:
            raise ValueError(f"cannot read {path}: {exc}") from exc
        raise ChecksumError(checksum_message(path, actual, expected, _HINT)) from exc
    if verify and not published:
        bad = [k for k in KEYS if not _content_ok(k, out[k])]
        if bad:
            raise ChecksumError(checksum_message(path, actual, expected, _HINT) +
                                f" (arrays {bad} differ from MNIST's)")
    return out


def _download_idx(target: Path) -> dict[str, Path]:
    """The four IDX files, fetched from the first mirror that serves them, into ``target``."""
    paths = {}
    for key, (name, sha) in MNIST_FILES.items():
        paths[key] = _files.download([m + name for m in MIRRORS], target / name, sha)
    return paths


def _check_arrays(arrays: dict[str, np.ndarray], where: str) -> None:
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or y.ndim != 1 or x.shape[0] != y.shape[0]:
            raise ValueError(f"{where}: x_{split} has shape {x.shape} and y_{split} "
                             f"{y.shape}; expected (N, 28, 28) images and (N,) labels")


def load_mnist(path: str | os.PathLike | None = None, verify: bool = True,
               normalize: bool = False, flatten: bool = False,
               download: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)`` as NumPy arrays.

    By default images are uint8 (60000, 28, 28) and (10000, 28, 28) with grey levels 0-255,
    labels uint8 (60000,) and (10000,). ``normalize=True`` gives float32 images divided by
    255 (in [0, 1]); ``flatten=True`` gives images of shape (N, 784). ``path``: a directory
    with the files (or a ``mnist/`` subdirectory of it), or an ``.npz`` file; without it
    ``$XPGRAD_DATA`` and the cache are searched and, with ``download=True``, the files are
    fetched into the cache. ``verify=False`` skips the sha256 checks.

    >>> x_train, y_train, x_test, y_test = load_mnist("data/", normalize=True, flatten=True)
    """
    if path is not None:
        path = Path(path).expanduser()
        if path.is_file():
            found: tuple[str, Any] | None = ("npz", path) if path.suffix == ".npz" else None
            if found is None:
                raise ValueError(f"load_mnist: {path} is not an .npz file; pass an mnist.npz "
                                 "or the directory holding the IDX files")
        else:
            found = _locate(path) if path.is_dir() else None
            if found is None:
                raise FileNotFoundError(_where_to_put([path]))
    else:
        searched = [Path(p).expanduser() for p in [os.environ.get("XPGRAD_DATA")] if p]
        searched.append(_files.cache_dir())
        found = next((f for f in map(_locate, searched) if f is not None), None)
        if found is None:
            message = _where_to_put(searched)
            if not download:
                raise FileNotFoundError(message + " (download=False: nothing was downloaded)")
            try:
                found = ("idx", _download_idx(_files.cache_dir() / "mnist"))
            except OSError as exc:
                raise FileNotFoundError(f"{message} Downloading them failed (offline?): "
                                        f"{exc}") from None
    kind, where = found
    arrays = _load_npz(where, verify) if kind == "npz" else _load_idx(where, verify)
    _check_arrays(arrays, str(where))
    out = []
    for key in KEYS:
        a = arrays[key]
        if key.startswith("x"):
            if flatten:
                a = a.reshape(a.shape[0], -1)
            if normalize:
                a = a.astype(np.float32) / np.float32(255.0)
        out.append(a)
    return tuple(out)  # type: ignore[return-value]
