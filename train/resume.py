"""The whole training state in one checkpoint, so training resumes exactly: model, optimizer,
scheduler, epoch, the random generators of every backend in use and the last
``xg.manual_seed`` (which seeds DataLoaders made without a seed).

>>> xg.train.save_checkpoint("ckpt.safetensors", model, opt, epoch=5)
>>> state = xg.train.load_checkpoint("ckpt.safetensors", model, opt)
>>> xg.train.fit(model, loss_fn, opt, (X, y), epochs=10, initial_epoch=state["epoch"], seed=0)
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from .. import backends
from .checkpoint import CheckpointError, load, save

_KIND = "xpgrad-training-state"


def rng_states() -> dict:
    """The generator state of every backend created so far, by device name (JSON-able)."""
    states = {}
    for name, backend in backends._CACHE.items():
        state = backend.rng_state()
        if state is not None:
            states[name] = state
    return states


def set_rng_states(states: dict) -> None:
    """Put back what ``rng_states`` returned (creating the backends if needed)."""
    for name, state in states.items():
        backends.get_backend(name).set_rng_state(state)


def save_checkpoint(path: str | os.PathLike, model: Any, optimizer: Any = None,
                    scheduler: Any = None, epoch: int | None = None,
                    extra: dict | None = None) -> Path:
    """Write the model's, optimizer's and scheduler's state, ``epoch`` (pass the number of
    epochs done: it is the ``initial_epoch`` to resume with), the RNG states and ``extra``
    (anything ``xg.save`` can store) to one file, atomically.

    >>> xg.train.save_checkpoint("ckpt.safetensors", model, opt, scheduler, epoch=5)
    """
    state = {"kind": _KIND, "model": model.state_dict(), "epoch": epoch,
             "rng": {"manual_seed": backends._SEED[0], "backends": rng_states()},
             "extra": {} if extra is None else extra}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        state["scheduler"] = scheduler.state_dict()
    return save(state, path)


def load_checkpoint(path: str | os.PathLike, model: Any, optimizer: Any = None,
                    scheduler: Any = None, restore_rng: bool = True) -> dict:
    """Restore what ``save_checkpoint`` wrote into ``model`` (on its current device),
    ``optimizer`` and ``scheduler``, and (``restore_rng``) the random generators. Returns
    the whole state: ``state["epoch"]``, ``state["extra"]``. Errors from the objects'
    ``load_state_dict`` (a missing key, a shape mismatch) propagate unchanged; the model is
    loaded first (all or nothing), so when it fails nothing has changed. A ``scheduler`` or
    ``optimizer`` whose state the file lacks is left as it is, with a warning.

    >>> state = xg.train.load_checkpoint("ckpt.safetensors", model, opt)
    """
    device = next((p.device for p in model.parameters()), None)
    state = load(path, device=device)
    if not isinstance(state, dict) or state.get("kind") != _KIND:
        raise CheckpointError(f"load_checkpoint: {path} holds no training state (written by "
                              "xg.save, not xg.train.save_checkpoint?); for weights only use "
                              "model.load_state_dict(xg.load(path))")
    model.load_state_dict(state["model"])
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is None:
            continue
        if name not in state:
            warnings.warn(f"load_checkpoint: {path} holds no {name} state; the {name} "
                          "starts fresh", stacklevel=2)
            continue
        obj.load_state_dict(state[name])
    if restore_rng:
        rng = state.get("rng", {})
        if rng.get("manual_seed") is not None:
            backends._SEED[0] = int(rng["manual_seed"])
        set_rng_states(rng.get("backends", {}))
    return state
