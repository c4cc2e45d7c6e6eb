"""Checkpoints that never run code when loaded: tensors in a safetensors file (or, without the
``safetensors`` package, an ``.npz`` read with ``allow_pickle=False``), everything else as
JSON metadata in the same file. Writes are atomic: a temporary file in the same folder,
flushed to disk, then ``os.replace``; a failed write removes it.

Inside the safetensors file each tensor is named by its place in the saved structure
(``"0.weight"`` for a state dict, ``"optimizer.state.0.exp_avg"`` in a training
checkpoint), so other safetensors readers see meaningful names.

>>> xg.save(model.state_dict(), "heart.safetensors")
>>> model.load_state_dict(xg.load("heart.safetensors"))
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd.factories import tensor as make
from ..autograd.tensor import Tensor

FORMAT = "xpgrad-checkpoint/1"
_META_KEY = "__xpgrad__"
_KINDS = "biuf"           # bool, signed, unsigned, floating: what both file formats store


class CheckpointError(ValueError):
    """The file is truncated, corrupted, or not an xpgrad checkpoint."""


class _Encoder:
    """Turns a nested state into a JSON skeleton plus named host arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def _name(self, path: tuple) -> str:
        base = ".".join(str(p) for p in path) or "tensor"
        name, i = base, 1
        while name in self.arrays or name == _META_KEY:
            i += 1
            name = f"{base}#{i}"
        return name

    def _array(self, array: np.ndarray, path: tuple) -> str:
        if array.dtype.kind not in _KINDS:
            raise TypeError(f"save: cannot store the {array.dtype} array at "
                            f"{'.'.join(map(str, path)) or 'the top'}; checkpoints hold bool, "
                            "integer and floating-point arrays")
        name = self._name(path)
        # (np.ascontiguousarray would turn a 0-d array into shape (1,))
        self.arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
        return name

    def encode(self, obj: Any, path: tuple = ()) -> Any:
        if isinstance(obj, Tensor):
            return {"tensor": self._array(obj.numpy(), path)}
        if isinstance(obj, np.ndarray):
            return {"array": self._array(obj, path)}
        if isinstance(obj, np.generic):
            obj = obj.item()
        if isinstance(obj, dict):
            return {"dict": [[_key(k), self.encode(v, path + (k,))] for k, v in obj.items()]}
        if isinstance(obj, (list, tuple)):
            kind = "tuple" if isinstance(obj, tuple) else "list"
            return {kind: [self.encode(v, path + (i,)) for i, v in enumerate(obj)]}
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return {"value": obj}
        raise TypeError(f"save: cannot store a {type(obj).__name__} ({obj!r:.60}) at "
                        f"{'.'.join(map(str, path)) or 'the top'}; checkpoints hold tensors, "
                        "arrays, numbers, strings, None and dicts/lists/tuples of them")


def _key(key: Any) -> Any:
    if isinstance(key, (bool, int, str)):
        return key
    if isinstance(key, np.integer):
        return int(key)
    raise TypeError(f"save: dict keys must be str or int, got {type(key).__name__} ({key!r:.40})")


def _decode(node: Any, arrays: dict, device: Any) -> Any:
    if not isinstance(node, dict) or len(node) != 1:
        raise CheckpointError(f"malformed metadata near {str(node)[:80]!r}")
    (kind, value), = node.items()
    if kind == "tensor":
        return make(arrays[value], device=device)
    if kind == "array":
        return np.array(arrays[value])
    if kind == "dict":
        return {k: _decode(v, arrays, device) for k, v in value}
    if kind == "list":
        return [_decode(v, arrays, device) for v in value]
    if kind == "tuple":
        return tuple(_decode(v, arrays, device) for v in value)
    if kind == "value":
        return value
    raise CheckpointError(f"unknown entry kind {kind!r} in the metadata")


def save(state: Any, path: str | os.PathLike) -> Path:
    """Write ``state`` (tensors, arrays, numbers, strings, None, nested dicts/lists/tuples)
    to ``path`` atomically; returns the path. Tensors are copied to the host first.

    >>> xg.save({"model": model.state_dict(), "epoch": 3}, "ckpt.safetensors")
    """
    path = Path(path)
    encoder = _Encoder()
    meta = json.dumps({"format": FORMAT, "state": encoder.encode(state)})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    # the usual permissions: the old file's, else 0o666 less the umask (the safetensors
    # writer makes its files 0o600, so they are set again after writing)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        mode = (path if path.is_file() else tmp).stat().st_mode & 0o7777
        _write(str(tmp), encoder.arrays, meta)
        os.chmod(tmp, mode)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_dir(path.parent)
    return path


def _sync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); best effort elsewhere."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write(tmp: str, arrays: dict, meta: str) -> None:
    try:
        from safetensors.numpy import save_file
    except ImportError:
        payload = dict(arrays)
        payload[_META_KEY] = np.frombuffer(meta.encode(), dtype=np.uint8)
        with open(tmp, "wb") as f:
            np.savez(f, **payload)
        return
    save_file(arrays, tmp, metadata={_META_KEY: meta})


def load(path: str | os.PathLike, device: Any = None, *, map_location: Any = None,
         weights_only: bool = True) -> Any:
    """Read a checkpoint written by ``save``: the same nested structure, with tensors on
    ``device`` (PyTorch's spelling ``map_location=`` works too; default cpu). Never runs code
    from the file (so ``weights_only`` is always in effect); a truncated, corrupted or
    foreign file raises CheckpointError.

    >>> model.load_state_dict(xg.load("heart.safetensors", map_location="cuda"))
    """
    if map_location is not None:
        if device is not None:
            raise TypeError("load: pass either device= or map_location=, not both")
        if callable(map_location) or isinstance(map_location, dict):
            raise TypeError("load: map_location must be a device (a string such as 'cpu' or "
                            "'cuda:0'); functions and remapping dicts are not supported")
        device = map_location
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no checkpoint file at {path}")
    with open(path, "rb") as f:
        head = f.read(8)
    try:
        if head[:4] == b"PK\x03\x04":
            arrays, meta = _read_npz(path)
        else:
            arrays, meta = _read_safetensors(path)
        doc = json.loads(meta)
    except CheckpointError:
        raise
    except Exception as exc:
        raise CheckpointError(f"load: {path} is not a readable xpgrad checkpoint (truncated or "
                              f"corrupted?): {type(exc).__name__}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or "state" not in doc:
        found = doc.get("format") if isinstance(doc, dict) else None
        raise CheckpointError(f"load: {path} is not an xpgrad checkpoint (format {found!r}, "
                              f"expected {FORMAT!r})")
    try:
        return _decode(doc["state"], arrays, device)
    except CheckpointError as exc:
        raise CheckpointError(f"load: {path}: {exc}") from None
    except KeyError as exc:
        raise CheckpointError(f"load: {path} refers to a tensor it does not hold: {exc}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise CheckpointError(f"load: {path} has malformed metadata ({type(exc).__name__}: "
                              f"{exc})") from None


def _read_npz(path: Path) -> tuple[dict, str]:
    with np.load(path, allow_pickle=False) as z:
        if _META_KEY not in z.files:
            raise CheckpointError(f"load: {path} is an .npz file but not an xpgrad checkpoint")
        arrays = {k: z[k] for k in z.files}
    return arrays, arrays.pop(_META_KEY).tobytes().decode()


def _read_safetensors(path: Path) -> tuple[dict, str]:
    try:
        from safetensors import safe_open
    except ImportError:
        raise CheckpointError(f"load: {path} is not an .npz checkpoint, and reading a "
                              "safetensors checkpoint needs the safetensors package: "
                              "pip install 'xpgrad[checkpoint]'") from None
    with safe_open(str(path), framework="np") as f:
        meta = (f.metadata() or {}).get(_META_KEY)
        if meta is None:
            raise CheckpointError(f"load: {path} is a safetensors file but not an xpgrad "
                                  "checkpoint (no xpgrad metadata); read it with "
                                  "safetensors.numpy.load_file")
        arrays = {k: f.get_tensor(k) for k in f.keys()}
    return arrays, meta
