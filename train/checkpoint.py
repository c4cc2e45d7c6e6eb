"""Checkpoints that never run code when loaded: tensors in a safetensors file (or, without the
``safetensors`` package, an ``.npz`` read with ``allow_pickle=False``), everything else as
JSON metadata. Writes are atomic: a temporary file in the same folder, then ``os.replace``.

>>> xg.save(model.state_dict(), "heart.safetensors"); model.load_state_dict(xg.load("heart.safetensors"))
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd.factories import tensor as make
from ..autograd.tensor import Tensor

FORMAT = "xpgrad-checkpoint/1"
_META_KEY = "__xpgrad__"


class CheckpointError(ValueError):
    """The file is truncated, corrupted, or not an xpgrad checkpoint."""


def _encode(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The JSON skeleton of ``obj``; tensors and arrays go into ``arrays`` by a generated key."""
    if isinstance(obj, Tensor):
        key = f"t{len(arrays)}"
        arrays[key] = np.ascontiguousarray(obj.numpy())
        return {"tensor": key}
    if isinstance(obj, np.ndarray):
        key = f"t{len(arrays)}"
        arrays[key] = np.ascontiguousarray(obj)
        return {"array": key}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {"dict": [[_encode_key(k), _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"tuple" if isinstance(obj, tuple) else "list": [_encode(v, arrays) for v in obj]}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    raise TypeError(f"save: cannot store a {type(obj).__name__} ({obj!r:.60}); checkpoints hold "
                    "tensors, arrays, numbers, strings, None and dicts/lists/tuples of them")


def _encode_key(key: Any) -> Any:
    if isinstance(key, (bool, int, str)):
        return key
    if isinstance(key, np.integer):
        return int(key)
    raise TypeError(f"save: dict keys must be str or int, got {type(key).__name__}")


def _decode(node: Any, arrays: dict, device: Any) -> Any:
    if not isinstance(node, dict) or len(node) != 1:
        raise CheckpointError(f"malformed checkpoint metadata near {str(node)[:80]!r}")
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
    raise CheckpointError(f"unknown entry kind {kind!r} in checkpoint metadata")


def save(state: Any, path: str | os.PathLike) -> Path:
    """Write ``state`` (tensors, arrays, numbers, strings, nested dicts/lists) to ``path``."""
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    meta = json.dumps({"format": FORMAT, "state": _encode(state, arrays)})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        _write(tmp, arrays, meta)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


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


def load(path: str | os.PathLike, device: Any = None) -> Any:
    """Read a checkpoint written by ``save``; tensors land on ``device`` (default cpu)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no checkpoint at {path}")
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
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CheckpointError(f"load: {path} is not an xpgrad checkpoint (format "
                              f"{doc.get('format') if isinstance(doc, dict) else None!r})")
    try:
        return _decode(doc["state"], arrays, device)
    except KeyError as exc:
        raise CheckpointError(f"load: {path} refers to a missing tensor {exc}") from None


def _read_npz(path: Path) -> tuple[dict, str]:
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    if _META_KEY not in arrays:
        raise CheckpointError(f"load: {path} is an .npz file but not an xpgrad checkpoint")
    return arrays, arrays.pop(_META_KEY).tobytes().decode()


def _read_safetensors(path: Path) -> tuple[dict, str]:
    try:
        from safetensors import safe_open
    except ImportError:
        raise CheckpointError(f"load: {path} needs the safetensors package: "
                              "pip install 'xpgrad[checkpoint]'") from None
    with safe_open(str(path), framework="np") as f:
        meta = (f.metadata() or {}).get(_META_KEY)
        if meta is None:
            raise CheckpointError(f"load: {path} is a safetensors file but not an xpgrad checkpoint")
        arrays = {k: f.get_tensor(k) for k in f.keys()}
    return arrays, meta
