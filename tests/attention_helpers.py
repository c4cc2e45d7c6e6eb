"""Shared by tests/test_nn_attention.py and tests/test_nn_transformer.py: build a PyTorch
module and ours with the same (random) weights in float64, run both on the same inputs and
compare outputs, input gradients and every parameter gradient."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

import xpgrad as xg

RNG = np.random.default_rng(0)


def randomize_and_copy(ours: Any, theirs: Any, rng: np.random.Generator = RNG) -> None:
    """Random values into torch's parameters (norm weights near 1), then the same into ours."""
    import torch
    with torch.no_grad():
        for name, value in theirs.state_dict().items():
            if value.dtype.is_floating_point:
                low, high = (0.5, 1.5) if ("norm" in name and name.endswith("weight")) \
                    else (-0.6, 0.6)
                value.copy_(torch.tensor(rng.uniform(low, high, tuple(value.shape))))
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def pair(make_ours: Callable, make_theirs: Callable, device: str = "cpu",
         same_repr: bool = True) -> tuple:
    """(ours, theirs): float64, eval mode, same keys, same repr, same weights.
    ``same_repr=False`` for stacks: torch's ModuleList repr folds equal layers ("(0-1): 2 x")
    and ours lists each one."""
    ours, theirs = make_ours().to(device).double().eval(), make_theirs().double().eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if same_repr:
        assert repr(ours) == repr(theirs)
    randomize_and_copy(ours, theirs)
    return ours, theirs


def inputs(shapes: list, device: str = "cpu", rng: np.random.Generator = RNG) -> tuple:
    """The same float64 arrays as (our tensors, torch tensors), all requiring grad."""
    import torch
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [xg.tensor(a, dtype="float64", device=device, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def masks(mask: Any, device: str = "cpu") -> tuple:
    """A NumPy mask (bool or float) as (ours, torch's); None stays None."""
    import torch
    if mask is None:
        return None, None
    return xg.tensor(mask, device=device), torch.tensor(mask)


def compare_backward(out_ours: Any, out_theirs: Any, tensors_ours: list, tensors_theirs: list,
                     named_ours: dict, named_theirs: dict, rtol: float = 1e-7,
                     rng: np.random.Generator = RNG) -> None:
    """Same output; then, for one random cotangent, the same gradients of the inputs and of
    every parameter (by name)."""
    import torch
    expected = out_theirs.detach().numpy()
    np.testing.assert_allclose(out_ours.numpy(), expected, rtol=rtol, atol=1e-10)
    g = rng.standard_normal(expected.shape)
    (out_ours * xg.tensor(g, device=out_ours.device)).sum().backward()
    (out_theirs * torch.tensor(g)).sum().backward()
    for i, (a, b) in enumerate(zip(tensors_ours, tensors_theirs)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=1e-10,
                                   err_msg=f"input {i}")
    assert set(named_ours) == set(named_theirs)
    for name, p in named_ours.items():
        q = named_theirs[name]
        if q.grad is None:
            assert p.grad is None or not p.grad.numpy().any(), name
            continue
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=rtol, atol=1e-10,
                                   err_msg=name)


def check_module(ours: Any, theirs: Any, args_ours: list, args_theirs: list,
                 kwargs_ours: dict | None = None, kwargs_theirs: dict | None = None,
                 pick: Callable = lambda out: out) -> None:
    """Run both modules (inputs = the tensors that require grad among args) and compare."""
    out_o = pick(ours(*args_ours, **(kwargs_ours or {})))
    out_t = pick(theirs(*args_theirs, **(kwargs_theirs or {})))
    grads_o = [a for a in args_ours if isinstance(a, xg.Tensor) and a.requires_grad]
    grads_t = [a for a in args_theirs if getattr(a, "requires_grad", False)]
    compare_backward(out_o, out_t, grads_o, grads_t, dict(ours.named_parameters()),
                     dict(theirs.named_parameters()))
