"""The op table of the random-graph fuzzer (test_fuzz_graphs_torch.py): each op draws its
parameters once (from the PyTorch values, which tell shapes and ties) and returns a closure
``step(L, *tensors)`` run on both libraries (``L`` is XG or TORCH below). Returning None means
"not applicable here". Imported only once PyTorch is found."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import torch
from hypothesis import strategies as st

import xpgrad as xg


class Lib:
    """One library's spelling of what differs: the module, nn.functional, constants."""

    def __init__(self, mod: Any, is_torch: bool) -> None:
        self.m, self.F, self.is_torch = mod, mod.nn.functional, is_torch

    def const(self, a: Any) -> Any:
        a = np.array(a)
        return torch.from_numpy(a.copy()) if self.is_torch else xg.tensor(a)

    def key(self, spec: tuple) -> tuple:
        """A getitem key from a neutral spec: ("arr", ints) and ("mask", bools) become tensors."""
        return tuple(self.const(p[1]) if isinstance(p, tuple) else p for p in spec)


XG, TORCH = Lib(xg, False), Lib(torch, True)
MAX_NUMEL = 256


class Draw:
    """Hypothesis draws for the structure (or, with ``data=None``, the NumPy generator alone:
    the fast loop of a long local run), a seeded NumPy generator for values."""

    def __init__(self, data: Any, rng: np.random.Generator) -> None:
        self.data, self.rng = data, rng

    def int(self, lo: int, hi: int) -> int:
        if self.data is None:
            return int(self.rng.integers(lo, hi + 1))
        return self.data.draw(st.integers(lo, hi))

    def bool(self) -> bool:
        return self.int(0, 1) == 1

    def pick(self, seq: Any) -> Any:
        seq = list(seq)
        return seq[self.int(0, len(seq) - 1)]

    def perm(self, n: int) -> list:
        items = list(range(n))
        return [items.pop(self.int(0, len(items) - 1)) for _ in range(n)]

    def rare(self) -> bool:
        return self.int(0, 15) == 0

    def dim(self, x: Any, extra: int = 0) -> int:
        """A dim of x (0-d tensors take 0 and -1, as in PyTorch); rarely one out of range."""
        n = max(x.ndim, 1) + extra
        return self.int(-n - 1, n) if self.rare() else self.int(-n, n - 1)

    def dims(self, x: Any) -> Any:
        """None (all), one dim, or a tuple of distinct dims."""
        kind = self.int(0, 2)
        if kind == 0 or x.ndim == 0:
            return None if kind == 0 else self.dim(x)
        if kind == 1:
            return self.dim(x)
        picked = self.perm(x.ndim)[:self.int(1, x.ndim)]
        return tuple(p - x.ndim if self.bool() else p for p in picked)

    def shape_of(self, n: int) -> tuple:
        """A random shape with n elements."""
        if n == 0:
            k = self.int(1, 3)
            shape = [self.int(1, 3) for _ in range(k)]
            shape[self.int(0, k - 1)] = 0
            return tuple(shape)
        factors, m, p = [], n, 2
        while m > 1:
            while m % p == 0:
                factors.append(p)
                m //= p
            p += 1
        k = self.int(0 if n == 1 else 1, 4)
        shape = [1] * k
        for f in factors:
            shape[self.int(0, k - 1)] *= f
        return tuple(shape)


def distinct(x: Any) -> bool:
    """No ties, nor near ties that rounding could order either way (a NaN counts as one)."""
    values = np.sort(x.detach().numpy().ravel())
    return not np.isnan(values).any() and bool(
        (np.diff(values) > 1e-9 * (1 + np.abs(values[1:]))).all())


def separated(a: Any, b: Any) -> bool:
    """a and b are equal (a tie, split evenly by both) or clearly apart: a comparison of
    values that rounding makes differ in the last bits (logit(sigmoid(x)) against x)
    could go either way."""
    a, b = np.broadcast_arrays(a.detach().numpy(), b.detach().numpy())
    gap = np.abs(a - b)
    return bool(((gap == 0) | (gap > 1e-9 * (1 + np.abs(a)))).all())


def bounded(x: Any, limit: float = 8.0) -> bool:
    return x.numel() == 0 or float(x.detach().abs().nan_to_num(posinf=1e9).max()) < limit


UNARY: dict[str, Callable] = {}     # name -> fn(d, x) -> step(L, a) | None
NARY: dict[str, Callable] = {}      # name -> fn(d, values) -> (indices, step(L, *ts)) | None


def unary(*names: str) -> Callable:
    def register(fn: Callable) -> Callable:
        for name in names:
            UNARY[name] = lambda d, x, _n=name: fn(d, x, _n)
        return fn
    return register


def nary(name: str) -> Callable:
    def register(fn: Callable) -> Callable:
        NARY[name] = fn
        return fn
    return register


PLAIN = {
    "log_abs1": lambda L, a: (a.abs() + 1).log(), "tanh": lambda L, a: a.tanh(),
    "sigmoid": lambda L, a: a.sigmoid(), "relu": lambda L, a: a.relu(),
    "abs": lambda L, a: a.abs(), "sin": lambda L, a: a.sin(), "cos": lambda L, a: a.cos(),
    "sqrt_abs": lambda L, a: (a.abs() + 0.1).sqrt(), "square": lambda L, a: a.square(),
    "neg": lambda L, a: -a, "recip": lambda L, a: (a * a + 1).reciprocal(),
    "log1p_abs": lambda L, a: a.abs().log1p(), "silu": lambda L, a: L.F.silu(a),
    "rdiv": lambda L, a: 1.5 / (a * a + 0.5), "rsub": lambda L, a: 2.0 - a,
    "scale": lambda L, a: a * 0.75 + 0.25, "pow_op": lambda L, a: a ** 2,
    "clone": lambda L, a: a.clone(),
}
GROWING = {"exp": lambda L, a: a.exp(), "expm1": lambda L, a: a.expm1(),
           "rpow": lambda L, a: 2.0 ** a}


@unary(*PLAIN)
def _plain(d: Draw, x: Any, name: str) -> Any:
    return PLAIN[name]


@unary(*GROWING)
def _growing(d: Draw, x: Any, name: str) -> Any:
    return GROWING[name] if bounded(x) else None


@unary("clamp", "leaky_relu", "softplus", "gelu", "elu", "pow_scalar")
def _param_unary(d: Draw, x: Any, name: str) -> Any:
    if name == "clamp":
        lo, hi = d.pick([None, -0.5, 0.0, 0.3]), d.pick([None, 0.5, 0.0, 1.0])
        if lo is None and hi is None:
            return None
        return lambda L, a: a.clamp(min=lo, max=hi)
    if name == "leaky_relu":
        slope = d.pick([0.01, 0.2, -0.5])
        return lambda L, a: L.F.leaky_relu(a, slope)
    if name == "softplus":
        beta, threshold = d.pick([1.0, 2.0, 0.5]), d.pick([20.0, 1.0])
        return lambda L, a: L.F.softplus(a, beta=beta, threshold=threshold)
    if name == "gelu":
        approximate = d.pick(["none", "tanh"])
        return lambda L, a: L.F.gelu(a, approximate=approximate)
    if name == "elu":
        alpha = d.pick([1.0, 0.5])
        return lambda L, a: L.F.elu(a, alpha)
    p = d.pick([0, 1, 2, 3, -1, 0.5, 1.5, -0.5])
    if isinstance(p, float) or p < 0:       # fractional or negative: a positive base
        return lambda L, a: (a.abs() + 0.5).pow(p)
    return (lambda L, a: a.pow(p)) if bounded(x, 20.0) else None


@unary("sum", "mean", "amax", "amin", "prod", "logsumexp", "max_all", "min_all")
def _reduce(d: Draw, x: Any, name: str) -> Any:
    keep = d.bool()
    if name in ("max_all", "min_all"):
        return lambda L, a: getattr(a, name[:3])()
    dims = d.dims(x)
    if name == "prod":                      # prod takes one dim or none
        if isinstance(dims, tuple) or not bounded(x, 3.0):
            return None
        return (lambda L, a: a.prod()) if dims is None else (
            lambda L, a: a.prod(dim=dims, keepdim=keep))
    if name == "logsumexp" and dims is None:
        return None                         # torch's logsumexp needs dim
    if name == "logsumexp" and 0 in x.shape:
        # intended (tests/op_db.py pins it): xpgrad refuses an empty reduction, PyTorch -inf
        return None
    if dims is None and name not in ("amax", "amin"):
        return lambda L, a: getattr(a, name)()
    dims = () if dims is None else dims
    return lambda L, a: getattr(a, name)(dim=dims, keepdim=keep)


@unary("var", "std")
def _var(d: Draw, x: Any, name: str) -> Any:
    dims, correction, keep = d.dims(x), d.pick([0, 1, 2]), d.bool()
    try:
        n = x.numel() // max(x.sum(dim=dims).numel(), 1) if x.numel() else 0
    except (IndexError, RuntimeError):
        n = 0
    if 0 < n <= correction:
        # no degrees of freedom left: the value is inf or nan and PyTorch's gradient is not
        # even consistent with itself (inf for dim=None, sign-aware for an explicit dim)
        return None
    over = () if dims is None else dims
    hi, lo = (x.detach().amax(over), x.detach().amin(over)) if n else (None, None)
    if name == "std" and n and bool((hi - lo <= 1e-12 * (1 + hi.abs())).any()):
        # a constant slice (or one whose values differ in the last bit: a + 1.5 b comes out
        # either way): std is not differentiable there. Both take 0 where the std comes out
        # exactly 0, but rounding may leave 1e-17 (PyTorch's one-pass variance, say), and
        # then the gradient is a ratio of rounding errors (PyTorch gave 2.0 where xpgrad
        # gave 0); and PyTorch's second derivative at an exact 0 is 0 * inf = NaN
        return None
    return lambda L, a: getattr(a, name)(dim=dims, correction=correction, keepdim=keep)


@unary("norm")
def _norm(d: Draw, x: Any, name: str) -> Any:
    p, dims, keep = d.pick([2, 1, 3, "fro", math.inf]), d.dims(x), d.bool()
    return lambda L, a: a.norm(p=p, dim=dims, keepdim=keep)


@unary("max_dim", "min_dim", "sort", "topk")
def _selecting(d: Draw, x: Any, name: str) -> Any:
    # ties: which of the tied elements PyTorch picks is unspecified, so the gradient may go
    # to either; only inputs without ties are compared (amax/amin/max() split ties evenly,
    # a defined rule, and are fuzzed with ties)
    if not distinct(x):
        return None
    dim, keep, flag = d.dim(x), d.bool(), d.bool()
    if name in ("max_dim", "min_dim"):
        return lambda L, a: getattr(a, name[:3])(dim=dim, keepdim=keep).values
    if name == "sort":
        return lambda L, a: a.sort(dim=dim, descending=flag).values
    size = x.shape[dim] if x.ndim and -x.ndim <= dim < x.ndim else 1
    # k=0 of a 0-d tensor: PyTorch returns its one element (a quirk), xpgrad the empty result
    k = d.int(0 if x.ndim else 1, size + (1 if d.rare() else 0))
    # sorted=False: PyTorch leaves the order of the k values unspecified, so only sorted=True
    return lambda L, a: a.topk(k, dim=dim, largest=flag, sorted=True).values


@unary("softmax", "log_softmax", "cumsum", "cumprod")
def _along(d: Draw, x: Any, name: str) -> Any:
    dim = d.dim(x)
    if name == "cumprod" and not bounded(x, 3.0):
        return None
    if name.endswith("softmax"):
        return lambda L, a: getattr(L.F, name)(a, dim=dim)
    return lambda L, a: getattr(a, name)(dim=dim)


@unary("reshape", "view", "permute", "transpose", "unsqueeze", "squeeze", "flatten", "expand",
       "flip", "roll", "mT")
def _shape(d: Draw, x: Any, name: str) -> Any:
    n = x.ndim
    if name in ("reshape", "view"):
        if name == "view" and not x.is_contiguous():
            # intended: xpgrad has no strides ("layouts are the backend's business"), so its
            # view is reshape; PyTorch refuses a view of some non-contiguous tensors
            return None
        shape = list(d.shape_of(x.numel()))
        if shape and d.bool():
            shape[d.int(0, len(shape) - 1)] = -1
        if shape and d.bool():
            return lambda L, a: getattr(a, name)(*shape)
        return lambda L, a: getattr(a, name)(tuple(shape))
    if name == "permute":
        perm = d.perm(n)
        return lambda L, a: a.permute(tuple(perm))
    if name == "transpose":
        d0, d1 = d.dim(x), d.dim(x)
        return lambda L, a: a.transpose(d0, d1)
    if name == "mT":
        return (lambda L, a: a.mT) if n >= 2 else None
    if name == "unsqueeze":
        dim = d.dim(x, extra=1 if n else 1)
        return lambda L, a: a.unsqueeze(dim)
    if name == "squeeze":
        kind = d.int(0, 2)
        if kind == 0:
            return lambda L, a: a.squeeze()
        dims = d.dim(x) if kind == 1 else tuple(sorted({d.dim(x) % max(n, 1) for _ in range(2)}))
        return lambda L, a: a.squeeze(dims)
    if name == "flatten":
        s, e = d.dim(x), d.dim(x)
        return lambda L, a: a.flatten(s, e)
    if name == "expand":
        shape = [d.int(1, 3) if (s == 1 and d.bool()) else (-1 if d.bool() else s)
                 for s in x.shape]
        shape = [d.int(1, 2)] * d.int(0, 1) + shape
        return lambda L, a: a.expand(tuple(shape))
    if name == "flip":
        dims = d.dims(x)
        dims = tuple(range(n)) if dims is None else (dims if isinstance(dims, tuple) else (dims,))
        return lambda L, a: a.flip(dims)
    shift = d.int(-4, 4)
    if d.bool():                            # dims=None: roll the flattened tensor
        return lambda L, a: a.roll(shift)
    dims = (d.dim(x),) if d.bool() else (d.dim(x), d.dim(x))
    shifts = tuple(shift + i for i in range(len(dims)))
    return lambda L, a: a.roll(shifts, dims)


@unary("split", "chunk", "unbind", "narrow", "select")
def _pieces(d: Draw, x: Any, name: str) -> Any:
    dim = d.dim(x)
    size = x.shape[dim] if x.ndim and -x.ndim <= dim < x.ndim else 1
    if name == "split":
        step = d.int(1, 3) if not d.rare() else 0
        count = -(-size // step) if step else 1
        k = d.int(-max(count, 1), max(count, 1) - 1)
        return lambda L, a: a.split(step, dim=dim)[k]
    if name == "chunk":
        chunks = d.int(1, 4) if not d.rare() else 0
        count = len(torch.empty(x.shape).chunk(chunks, dim)) if chunks and x.ndim and \
            -x.ndim <= dim < x.ndim else 1
        k = d.int(-count, count - 1)
        return lambda L, a: a.chunk(chunks, dim=dim)[k]
    if name == "unbind":
        if size == 0:
            return None
        k = d.int(-size, size - 1)
        return lambda L, a: a.unbind(dim)[k]
    if name == "narrow":
        start = d.int(-size, size)
        length = d.int(0, size - (start % size if size and start < size else start))
        return lambda L, a: a.narrow(dim, start, length)
    i = d.int(-size - 1, size) if d.rare() else d.int(-size, max(size - 1, -size))
    return lambda L, a: a.select(dim, i)


@unary("tril", "triu", "diagonal", "repeat")
def _matrix_shape(d: Draw, x: Any, name: str) -> Any:
    if name == "repeat":
        reps = [d.int(1, 2) for _ in range(x.ndim + d.int(0, 1))]
        return lambda L, a: a.repeat(tuple(reps))
    if x.ndim < 2:
        return None
    k = d.int(-2, 2)
    if name == "diagonal":
        d1, d2 = d.dim(x), d.dim(x)
        return lambda L, a: a.diagonal(k, d1, d2)
    return lambda L, a: getattr(a, name)(k)
