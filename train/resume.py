"""The whole training state in one checkpoint, so training resumes exactly: model, optimizer,
scheduler, epoch and the random generators of every backend in use."""
from __future__ import annotations

import os
from typing import Any

from ..backends import _CACHE
from .checkpoint import load, save


def rng_states() -> dict:
    states = {}
    for name, backend in _CACHE.items():
        state = backend.rng_state()
        if state is not None:
            states[name] = state
    return states


def set_rng_states(states: dict) -> None:
    from ..backends import get_backend
    for name, state in states.items():
        get_backend(name).set_rng_state(state)


def save_checkpoint(path: str | os.PathLike, model: Any, optimizer: Any = None,
                    scheduler: Any = None, epoch: int | None = None, extra: dict | None = None) -> Any:
    """Write model, optimizer and scheduler state, ``epoch``, the RNG states and ``extra``.

    >>> xg.train.save_checkpoint("ckpt.safetensors", model, opt, epoch=5)
    """
    state = {"model": model.state_dict(), "epoch": epoch, "rng": rng_states(),
             "extra": extra or {}}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        state["scheduler"] = scheduler.state_dict()
    return save(state, path)


def load_checkpoint(path: str | os.PathLike, model: Any, optimizer: Any = None,
                    scheduler: Any = None, restore_rng: bool = True) -> dict:
    """Restore what ``save_checkpoint`` wrote into the given objects; returns the whole state
    (``state["epoch"]`` is the epoch to continue after)."""
    state = load(path)
    device = next((p.device for p in model.parameters()), None)
    model.load_state_dict(state["model"])
    if optimizer is not None and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None and "scheduler" in state:
        scheduler.load_state_dict(state["scheduler"])
    if restore_rng:
        set_rng_states(state.get("rng", {}))
    if device is not None:
        model.to(device)
    return state
