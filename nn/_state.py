"""Loading a state dict into a module: all-or-nothing, with PyTorch's error messages."""
from __future__ import annotations

from typing import Any, NamedTuple

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` could not match."""
    missing_keys: list
    unexpected_keys: list

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"       # PyTorch's words
        return (f"IncompatibleKeys(missing_keys={self.missing_keys!r}, "
                f"unexpected_keys={self.unexpected_keys!r})")

    __str__ = __repr__


def load_into(module: Any, state_dict: Any, strict: bool, assign: bool = False) -> IncompatibleKeys:
    """Check every key and shape, convert every value (dtype and device of its target), and
    only then assign: a failure leaves the module unchanged."""
    from ..autograd.factories import tensor as make
    targets = module.state_dict(keep_vars=True)
    state = dict(state_dict)
    missing = [k for k in targets if k not in state and not _count_may_be_absent(module, k)]
    unexpected = [k for k in state if k not in targets]
    problems, staged = [], []
    for key, target in targets.items():
        if key not in state:
            continue
        value = state[key]
        if not hasattr(value, "shape"):
            value = make(value)
        shape = tuple(value.shape)
        if shape != tuple(target.shape):
            problems.append(f"size mismatch for {key}: copying a param with shape {shape} "
                            f"from checkpoint, the shape in current model is "
                            f"{tuple(target.shape)}.")
            continue
        staged.append((target, value))
    if strict:
        if missing:
            problems.append("Missing key(s) in state_dict: "
                            + ", ".join(f'"{k}"' for k in missing) + ".")
        if unexpected:
            problems.append("Unexpected key(s) in state_dict: "
                            + ", ".join(f'"{k}"' for k in unexpected) + ".")
    if problems:
        raise RuntimeError(f"Error(s) in loading state_dict for {type(module).__name__}:\n\t"
                           + "\n\t".join(problems))
    with no_grad():
        converted = [make(value.detach() if isinstance(value, Tensor) else value,
                          dtype=None if assign else target.dtype, device=target._backend).data
                     for target, value in staged]      # fresh copies: never alias the source
        for (target, _), data in zip(staged, converted):
            target.data = data
    return IncompatibleKeys(missing, unexpected)


def _count_may_be_absent(module: Any, key: str) -> bool:
    """A norm layer's ``num_batches_tracked`` may be missing (checkpoints from before it
    existed): PyTorch's _load_from_state_dict then keeps the current count, so the key is
    neither missing nor an error."""
    owner, _, name = key.rpartition(".")
    if name != "num_batches_tracked":
        return False
    try:
        sub = module.get_submodule(owner) if owner else module
    except AttributeError:
        return False
    return hasattr(sub, "track_running_stats") and hasattr(sub, "running_mean")
