"""The harness of the nn-module differential tests against PyTorch (test_nn_*_torch_parity):
a case names a class present in both ``torch.nn`` and ``xpgrad.nn``, its constructor
arguments and its inputs; ``check`` builds both in float64 (torch's state_dict copied into
ours), runs forward on the same inputs, compares every output and the state after the
forward (parameters and buffers), then backpropagates ``(output * fixed random weights).sum()``
and compares the gradient of every input and parameter. Callers import torch first
(``pytest.importorskip``); this module only reaches it through the argument it is given."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn

RTOL, ATOL = 1e-10, 1e-12


# ---- input makers: each takes a Generator and returns (array, requires_grad) -------------
def F(*shape, grad=True, scale=1.0):
    """Standard normal float64 input."""
    return lambda rng: (rng.standard_normal(shape) * scale, grad)


def Pos(*shape, grad=True, low=0.1, high=2.0):
    """Positive float64 input (variances, rates, Poisson counts)."""
    return lambda rng: (rng.uniform(low, high, shape), grad)


def Prob(*shape, grad=True):
    """Probabilities in (0.05, 0.95)."""
    return lambda rng: (rng.uniform(0.05, 0.95, shape), grad)


def LogProb(*shape, dim=-1, grad=True):
    """Log-probabilities along ``dim`` (a log_softmax of normal noise)."""
    def make(rng):
        a = rng.standard_normal(shape)
        a = a - np.log(np.exp(a).sum(axis=dim, keepdims=True))
        return a, grad
    return make


def Int(high, *shape, low=0):
    """int64 indices in [low, high)."""
    return lambda rng: (rng.integers(low, high, shape).astype(np.int64), False)


def Sign(*shape):
    """float64 targets in {-1, 1}."""
    return lambda rng: (rng.choice([-1.0, 1.0], shape), False)


def Const(value, dtype=None):
    """A fixed array (no gradient)."""
    return lambda rng: (np.asarray(value, dtype=dtype), False)


def Distinct(*shape, grad=True):
    """A float64 input whose values are all distinct and well apart (max pools: no ties)."""
    def make(rng):
        n = int(np.prod(shape))
        return rng.permutation(n).reshape(shape) * 0.37 + rng.uniform(0, 0.1, shape), grad
    return make


class Arr:
    """A constructor argument that is an array: a float64 (or given dtype) tensor of each
    library."""

    def __init__(self, value, dtype=np.float64):
        self.value = np.asarray(value, dtype=dtype)


class Mod:
    """A constructor argument built per library: ``fn`` gets ``torch.nn`` or ``xpgrad.nn``."""

    def __init__(self, fn):
        self.fn = fn


def _resolve(value, lib, namespace):
    if isinstance(value, Arr):
        return lib.tensor(value.value)
    if isinstance(value, Mod):
        return value.fn(namespace)
    return value


def _maker(spec):
    return F(*spec) if isinstance(spec, tuple) else spec


class Case:
    """One row of a table: ``nn.<cls>(*args, **kw)`` applied to ``inputs`` (shape tuples
    are float64 normal inputs needing grad; callables are makers above). ``fkw`` are forward
    keyword arguments (makers become tensors without grad, other values pass through).
    ``train``: the mode of the forward; ``then_eval``: afterwards run both in eval mode on
    fresh inputs (running statistics in use). ``pre`` maps the list of input tensors (of
    either library) to the module's arguments; gradients are still compared on the inputs.
    ``warmup``: one forward before the state is copied (lazy modules); ``perturb``: add
    uniform noise to torch's parameters first. ``name`` extends the test id."""

    def __init__(self, cls, args=(), kw=None, inputs=((2, 3),), *, name="", fkw=None,
                 train=False, then_eval=False, rtol=RTOL, atol=ATOL, marks=(), skip_grad=(),
                 warmup=False, perturb=True, pre=None):
        self.cls, self.args, self.kw = cls, tuple(args), dict(kw or {})
        self.inputs = [_maker(s) for s in inputs]
        self.fkw = dict(fkw or {})
        self.train, self.then_eval = train, then_eval
        self.rtol, self.atol = rtol, atol
        self.skip_grad = set(skip_grad)
        self.id = cls + (f"-{name}" if name else "")
        self.marks = marks
        self.warmup, self.perturb, self.pre = warmup, perturb, pre

    def param(self):
        return pytest.param(self, id=self.id, marks=self.marks)


def ids_unique(cases):
    seen = [c.id for c in cases]
    dup = {i for i in seen if seen.count(i) > 1}
    assert not dup, f"duplicate case ids: {sorted(dup)}"
    return [c.param() for c in cases]


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [] if out is None else [out]


def _as_numpy(t):
    if hasattr(t, "detach") and hasattr(t, "numpy"):
        return np.asarray(t.detach().numpy())
    return np.asarray(t)


def _close(ours, theirs, what, case):
    a, b = _as_numpy(ours), _as_numpy(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch's {b.shape}"
    if b.dtype.kind in "biu":
        assert a.dtype.kind in "biu", f"{what}: dtype {a.dtype} vs torch's {b.dtype}"
        np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        np.testing.assert_allclose(a, b, rtol=case.rtol, atol=case.atol, err_msg=what)


def _build(torch, case, rng):
    torch.manual_seed(0)
    args = [_resolve(a, torch, torch.nn) for a in case.args]
    kw = {k: _resolve(v, torch, torch.nn) for k, v in case.kw.items()}
    theirs = getattr(torch.nn, case.cls)(*args, **kw).double()
    args = [_resolve(a, xg, nn) for a in case.args]
    kw = {k: _resolve(v, xg, nn) for k, v in case.kw.items()}
    ours = getattr(nn, case.cls)(*args, **kw).double()
    if case.warmup:                      # lazy modules: one forward materializes them
        xo, xt, fo, ft = _inputs(torch, case, rng)
        pre = case.pre or (lambda xs: xs)
        with torch.no_grad(), xg.no_grad():
            theirs(*pre(xt), **ft)
            ours(*pre(xo), **fo)
    if case.perturb:                     # parameters away from their ones/zeros initial values
        with torch.no_grad():
            for p in theirs.parameters():
                p.add_(torch.tensor(rng.uniform(-0.3, 0.3, tuple(p.shape))))
    ours.load_state_dict({k: xg.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    theirs.train(case.train)
    ours.train(case.train)
    return ours, theirs


def _inputs(torch, case, rng):
    arrays = [make(rng) for make in case.inputs]
    ours = [xg.tensor(a, requires_grad=g and i not in case.skip_grad)
            for i, (a, g) in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=g and i not in case.skip_grad)
              for i, (a, g) in enumerate(arrays)]
    fo, ft = {}, {}
    for k, v in case.fkw.items():
        if callable(v):
            a, _ = v(rng)
            fo[k], ft[k] = xg.tensor(a), torch.tensor(a)
        else:
            fo[k] = ft[k] = v
    return ours, theirs, fo, ft


def _compare_state(ours, theirs, case, when):
    mine = ours.state_dict()
    for k, v in theirs.state_dict().items():
        assert k in mine, f"{when}: state key {k!r} missing from ours"
        _close(mine[k], v, f"{when}: state {k}", case)


def check(torch, case):
    """Forward, state and backward parity of one case."""
    rng = np.random.default_rng(1234)
    ours, theirs = _build(torch, case, rng)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict()), "state_dict keys differ"
    xo, xt, fo, ft = _inputs(torch, case, rng)
    pre = case.pre or (lambda xs: xs)
    out_o, out_t = _flat(ours(*pre(xo), **fo)), _flat(theirs(*pre(xt), **ft))
    assert len(out_o) == len(out_t), f"{len(out_o)} outputs vs torch's {len(out_t)}"
    for i, (o, t) in enumerate(zip(out_o, out_t)):
        _close(o, t, f"output {i}", case)
    _compare_state(ours, theirs, case, "after forward")

    total_o, total_t = None, None
    for o, t in zip(out_o, out_t):
        if not (t.requires_grad and t.dtype.is_floating_point):
            continue
        w = rng.standard_normal(tuple(t.shape))
        term_o = (o * xg.tensor(w)).sum()
        term_t = (t * torch.tensor(w)).sum()
        total_o = term_o if total_o is None else total_o + term_o
        total_t = term_t if total_t is None else total_t + term_t
    if total_t is not None:
        total_t.backward()
        total_o.backward()
        for i, (a, b) in enumerate(zip(xo, xt)):
            if b.requires_grad:
                assert a.grad is not None, f"input {i}: no gradient in ours"
                _close(a.grad, b.grad, f"grad of input {i}", case)
        mine = dict(ours.named_parameters())
        for k, p in theirs.named_parameters():
            g = mine[k].grad
            if p.grad is None:
                assert g is None or not np.any(_as_numpy(g)), f"grad of {k}: torch has none"
            else:
                assert g is not None, f"grad of {k}: none in ours"
                _close(g, p.grad, f"grad of {k}", case)

    if case.then_eval:
        ours.eval()
        theirs.eval()
        xo, xt, fo, ft = _inputs(torch, case, rng)
        pairs = zip(_flat(ours(*pre(xo), **fo)), _flat(theirs(*pre(xt), **ft)))
        for i, (o, t) in enumerate(pairs):
            _close(o, t, f"eval output {i}", case)
        _compare_state(ours, theirs, case, "after eval forward")
