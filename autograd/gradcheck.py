"""Finite-difference checks of analytic gradients (float64 central differences).

``gradcheck`` compares the full Jacobian-vector products for a random cotangent with
numeric derivatives, element by element, so a failure names the input, the worst element and
both values. ``gradgradcheck`` does the same for the gradient function itself.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

from .engine import grad as autograd_grad
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor, make_tensor


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree."""


def _as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn: Callable, inputs: Sequence[Any]) -> tuple[Tensor, ...]:
    out = _as_tuple(fn(*inputs))
    return tuple(o for o in out if isinstance(o, Tensor))


def _dot_all(outs: Sequence[Tensor], cotangents: Sequence[Tensor]) -> float:
    total = 0.0
    for o, v in zip(outs, cotangents):
        if o.dtype.is_floating:
            total += float((o.detach().astype("float64") * v).sum().item())
    return total


def _random_like(t: Tensor) -> Tensor:
    from .factories import randn
    return randn(*t.shape, dtype="float64", device=t._backend)


# torch.autograd.gradcheck's further switches: accepted, and the full check runs regardless
# (fast_mode, batched and forward-mode checks are PyTorch's shortcuts and extras)
_TORCH_SWITCHES = ("nondet_tol", "check_undefined_grad", "check_grad_dtypes",
                   "check_batched_grad", "check_batched_forward_grad", "check_forward_ad",
                   "check_backward_ad", "fast_mode", "masked", "gen_non_contig_grad_outputs",
                   "check_fwd_over_rev", "check_rev_over_rev")


def _torch_switches(op: str, switches: dict) -> None:
    unknown = sorted(set(switches) - set(_TORCH_SWITCHES))
    if unknown:
        raise TypeError(f"{op}() got unexpected keyword argument(s) {unknown}")


def gradcheck(fn: Callable, inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, cotangents: Any = None,
              **torch_switches: Any) -> bool:
    """Check d fn / d inputs against central differences; raises GradcheckError on mismatch.

    >>> xg.gradcheck(lambda a, b: (a * b).sin(), (a, b))   # a, b float64, requires_grad
    """
    _torch_switches("gradcheck", torch_switches)
    inputs = _as_tuple(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input requires grad")
    for i in diff:
        if inputs[i].dtype.name != "float64":
            warnings.warn(f"gradcheck: input {i} is {inputs[i].dtype}, not float64; finite "
                          "differences will be inaccurate", stacklevel=2)
    outs = _outputs(fn, inputs)
    if not outs:
        raise ValueError("gradcheck: fn returned no tensor")
    if cotangents is None:
        cotangents = [_random_like(o) for o in outs]
    cot = [c.astype(o.dtype) for c, o in zip(cotangents, outs)]
    used = [o for o in outs if o.requires_grad]
    if used:
        analytic = autograd_grad(used, [inputs[i] for i in diff],
                                 [c for c, o in zip(cot, outs) if o.requires_grad],
                                 retain_graph=True, allow_unused=True)
    else:
        analytic = [None] * len(diff)
    for slot, i in enumerate(diff):
        x = inputs[i]
        a = analytic[slot]
        a_host = (a.numpy().astype("float64").reshape(-1) if a is not None
                  else None)
        numeric = _numeric_grad(fn, inputs, i, cotangents, eps)
        worst, worst_err = None, 0.0
        for k in range(len(numeric)):
            av = 0.0 if a_host is None else float(a_host[k])
            nv = numeric[k]
            err = abs(av - nv) - (atol + rtol * abs(nv))
            if err > worst_err or (av != av) != (nv != nv):
                worst, worst_err = k, err if err == err else float("inf")
        if worst is not None:
            av = 0.0 if a_host is None else float(a_host[worst])
            index = _unravel(worst, x.shape)
            msg = (f"gradcheck failed for input {i} (shape {x.shape}, dtype {x.dtype}, device "
                   f"{x.device}): worst element {index}: analytic {av!r} vs numeric "
                   f"{numeric[worst]!r} (atol={atol}, rtol={rtol}, eps={eps})")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def _numeric_grad(fn: Callable, inputs: tuple, i: int, cotangents: Sequence[Tensor],
                  eps: float) -> list[float]:
    """d <fn(x), v> / d x_k by central differences, one element at a time."""
    x = inputs[i]
    backend = x._backend
    host = x.numpy().reshape(-1)
    numeric = []
    with no_grad():
        for k in range(host.size):
            values = []
            for step in (eps, -eps):
                h = host.copy()
                h[k] += step
                shifted = make_tensor(backend.from_host(h.reshape(x.shape)), backend, False, None)
                args = list(inputs)
                args[i] = shifted
                values.append(_dot_all(_outputs(fn, args), cotangents))
            numeric.append((values[0] - values[1]) / (2 * eps))
    return numeric


def _unravel(k: int, shape: tuple) -> tuple:
    index = []
    for d in reversed(shape):
        index.append(k % d)
        k //= d
    return tuple(reversed(index))


def gradgradcheck(fn: Callable, inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
                  **torch_switches: Any) -> bool:
    """Check second derivatives: gradcheck of (inputs, v) -> d<fn(inputs), v>/d inputs, with
    the cotangents v = ``grad_outputs`` (random if None), as torch.autograd.gradgradcheck.

    >>> xg.gradgradcheck(lambda a: a.tanh(), (a,))
    """
    _torch_switches("gradgradcheck", torch_switches)
    inputs = _as_tuple(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    outs = _outputs(fn, inputs)
    if grad_outputs is None:
        cotangents = [_random_like(o).requires_grad_() for o in outs]
    else:
        given = _as_tuple(grad_outputs)
        if len(given) != len(outs):
            raise ValueError(f"gradgradcheck: {len(given)} grad_outputs for {len(outs)} outputs")
        cotangents = [g.detach().astype(o.dtype).requires_grad_() for g, o in zip(given, outs)]
    n = len(inputs)

    def first_grads(*args: Any) -> tuple:
        # Runs under gradcheck's no_grad for the numeric side too: it needs its graph anyway.
        with enable_grad():
            return _first_grads(args)

    def _first_grads(args: tuple) -> tuple:
        xs, vs = args[:n], args[n:]
        xs = [x if not isinstance(x, Tensor) or x.requires_grad or i not in diff
              else x.detach().requires_grad_() for i, x in enumerate(xs)]
        ys = _outputs(fn, xs)
        pairs = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
        if not pairs:
            return tuple()
        grads = autograd_grad([y for y, _ in pairs], [xs[i] for i in diff],
                              [v.astype(y.dtype) for y, v in pairs], create_graph=True,
                              allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_grads, tuple(inputs) + tuple(cotangents), eps, atol, rtol,
                     raise_exception)
