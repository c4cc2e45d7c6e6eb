"""More ops for the random-graph fuzzer: further elementwise math, reductions and scans,
index writes (scatter, index_add, ...), joins and products. Same protocol as
fuzz_graph_ops.py: ``fn(d, x)`` returns ``step(L, a)``, or ``fn(d, values)`` returns
``(indices, step)``; None where the op does not apply."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from fuzz_graph_multi import _one, _pair
from fuzz_graph_ops import UNARY, Draw, bounded, distinct, nary, separated, unary


def _always(x: Any) -> bool:
    return True


def _no_zeros(x: Any) -> bool:
    # sinc at exactly 0: PyTorch's second derivative there is NaN (its formula divides by
    # x), xpgrad's the limit
    return not bool((x.detach() == 0).any())


MATH = {  # name: (step, applicable to the PyTorch value)
    "sinh": (lambda L, a: a.sinh(), bounded), "cosh": (lambda L, a: a.cosh(), bounded),
    "asinh": (lambda L, a: a.asinh(), _always), "atan": (lambda L, a: a.atan(), _always),
    "erf": (lambda L, a: a.erf(), _always), "erfc": (lambda L, a: a.erfc(), _always),
    "log2": (lambda L, a: (a.abs() + 1).log2(), _always),
    "log10": (lambda L, a: (a * a + 0.5).log10(), _always),
    "exp2": (lambda L, a: a.exp2(), bounded),
    "rsqrt": (lambda L, a: (a.abs() + 0.5).rsqrt(), _always),
    "sign": (lambda L, a: a.sign() * a, _always), "floor": (lambda L, a: a.floor() + a, _always),
    "round": (lambda L, a: a.round() * a, _always), "trunc": (lambda L, a: a.trunc() - a, _always),
    "frac": (lambda L, a: a.frac(), _always), "sinc": (lambda L, a: a.sinc(), _no_zeros),
    "logit": (lambda L, a: a.sigmoid().logit(), lambda x: bounded(x, 15.0)),
    "deg2rad": (lambda L, a: a.deg2rad(), _always),
    "clamp_min": (lambda L, a: a.clamp_min(0.1), _always),
    "clamp_max": (lambda L, a: a.clamp_max(-0.1), _always),
    "nan_to_num": (lambda L, a: (a.log()).nan_to_num(nan=0.5, neginf=-3.0), _always),
    "float_power": (lambda L, a: (a.abs() + 0.5).float_power(1.5), _always),
    "expand_as_self": (lambda L, a: a.expand_as(a) * 2, _always),
    "logcumsumexp": (lambda L, a: a.logcumsumexp(-1 if a.ndim else 0), lambda x: x.ndim > 0),
    "trace": (lambda L, a: a.trace(), lambda x: x.ndim == 2),
    "cov": (lambda L, a: a.cov(), lambda x: x.ndim == 2 and x.shape[1] > 1),
    "corrcoef": (lambda L, a: a.corrcoef(), lambda x: x.ndim == 2 and x.shape[1] > 1 and
                 bool((x.detach().std(1) > 0.1).all())),
    "diag": (lambda L, a: a.diag(), lambda x: x.ndim in (1, 2)),
    "diag_embed": (lambda L, a: a.diag_embed(), lambda x: x.ndim >= 1),
    # singular at exact zeros (after relu, clamp, masked_fill): an inf gradient, which masks
    # further down must stop (a clamped-out or unselected element gets 0, not 0 * inf).
    # Elsewhere 0 * inf is NaN or 0 by each op's formula (PyTorch multiplies by amax's mask,
    # gives 0 in cumprod at zeros): the harness lets NaN on one side pass in such graphs
    "sqrt_raw": (lambda L, a: a.sqrt(), lambda x: bool((x.detach() >= 0).all())),
    "log_raw": (lambda L, a: a.log(), lambda x: bool((x.detach() >= 0).all())),
}


def _math(name: str) -> None:
    step, ok = MATH[name]
    step.singular = name.endswith("_raw") or name == "nan_to_num"   # log of anything
    UNARY[name] = lambda d, x: step if ok(x) else None


for _name in MATH:
    _math(_name)


@unary("nansum", "nanmean", "median_dim", "median_all", "cummax", "cummin", "kthvalue",
       "aminmax", "diff", "trapezoid", "cumulative_trapezoid", "quantile", "var_mean",
       "std_mean", "renorm")
def _reduce_more(d: Draw, x: Any, name: str) -> Any:
    dim = d.dim(x)
    keep = d.bool()
    ok_dim = -max(x.ndim, 1) <= dim < max(x.ndim, 1)
    size = x.shape[dim] if x.ndim and ok_dim else 1
    if name in ("nansum", "nanmean"):
        # NaN where x < -0.5; a slice of NaN only has a NaN mean, whose gradient then meets
        # masks downstream, where PyTorch's own CPU and CUDA conventions differ
        holes = x.detach() < -0.5
        if name == "nanmean" and ok_dim and bool(holes.all(dim).any() if x.ndim else holes):
            return None
        return lambda L, a: getattr(a.masked_fill(a < -0.5, float("nan")), name)(
            dim=dim, keepdim=keep)
    if name in ("median_dim", "median_all", "cummax", "cummin", "kthvalue", "aminmax") and \
            not distinct(x):
        return None                # ties: PyTorch's choice of index is unspecified
    if name == "median_dim":
        return lambda L, a: a.median(dim=dim, keepdim=keep).values
    if name == "median_all":
        return lambda L, a: a.median()
    if name in ("cummax", "cummin"):
        return lambda L, a: getattr(a, name)(dim).values
    if name == "kthvalue":
        k = d.int(1, max(size, 1))
        return lambda L, a: a.kthvalue(k, dim, keepdim=keep).values
    if name == "aminmax":
        pick = d.int(0, 1)
        return lambda L, a: a.aminmax(dim=dim, keepdim=keep)[pick]
    if name == "diff":
        n = d.int(0 if ok_dim else 1, 2)   # PyTorch's n=0 returns the input, unchecked
        return lambda L, a: a.diff(n=n, dim=dim)
    if name in ("trapezoid", "cumulative_trapezoid"):
        if not bool(x.detach().isfinite().all()):
            return None            # PyTorch's trapezoid of one NaN is NaN, xpgrad's 0
        return lambda L, a: getattr(L.m, name)(a, dim=dim)
    if name == "quantile":
        q = d.pick([0.0, 0.3, 0.5, 1.0])
        mode = d.pick(["linear", "lower", "higher", "midpoint", "nearest"])
        if mode != "linear" and not distinct(x):
            return None
        return lambda L, a: a.quantile(q, dim=dim, keepdim=keep, interpolation=mode)
    if name in ("var_mean", "std_mean"):
        if name == "std_mean" and not distinct(x):
            return None            # a constant slice: see _var in fuzz_graph_ops.py
        if size <= 1:
            return None
        pick = d.int(0, 1)
        return lambda L, a: getattr(L.m, name)(a, dim, keepdim=keep)[pick]
    p, maxnorm = d.pick([1, 2, 3]), d.pick([0.5, 2.0])
    return (lambda L, a: a.renorm(p, dim, maxnorm)) if x.ndim >= 2 else None


@unary("movedim", "swapaxes", "tile", "repeat_interleave", "unflatten", "rot90",
       "tensor_split", "masked_select", "flatten_all")
def _shape_more(d: Draw, x: Any, name: str) -> Any:
    n = x.ndim
    if name in ("movedim", "swapaxes"):
        a, b = d.dim(x), d.dim(x)
        return lambda L, t: getattr(t, name)(a, b)
    if name == "tile":
        reps = tuple(d.int(1, 2) for _ in range(d.int(0, n + 1)))
        return lambda L, t: t.tile(reps)
    if name == "repeat_interleave":
        r = d.int(0, 2)
        dim = d.dim(x) if d.bool() else None
        return lambda L, t: t.repeat_interleave(r, dim=dim)
    if name == "unflatten":
        if n == 0:
            return None
        dim = d.int(-n, n - 1)
        size = x.shape[dim]
        sizes = d.pick([(size,), (1, size), (size, 1), (-1, 1)] +
                       ([(2, size // 2)] if size % 2 == 0 else []))
        return lambda L, t: t.unflatten(dim, sizes)
    if name == "rot90":
        if n < 2:
            return None
        k, dims = d.int(-2, 3), d.perm(n)[:2]
        return lambda L, t: t.rot90(k, dims)
    if name == "tensor_split":
        if n == 0:
            return None
        dim, sections = d.int(-n, n - 1), d.int(1, 3)
        k = d.int(0, sections - 1)
        return lambda L, t: t.tensor_split(sections, dim)[k]
    if name == "masked_select":
        mask = d.rng.random(x.shape[d.int(0, n):]) < 0.5
        return lambda L, t: t.masked_select(L.const(mask))
    return lambda L, t: t.flatten()


def _index(d: Draw, size: int, count: int, unique: bool = False) -> np.ndarray:
    if size == 0:
        return np.zeros(0, np.int64)
    if unique:
        return d.rng.permutation(size)[:min(count, size)]
    return d.rng.integers(0, size, count)


@nary("index_add")
def _index_add(d: Draw, values: list) -> Any:
    """index_add / index_copy / index_fill / scatter family along a random dim, with a
    source drawn among the values of the right shape (or a constant-shaped slice)."""
    i, x = _one(d, values, lambda v: v.ndim >= 1)
    if i is None:
        return None
    dim = d.int(-x.ndim, x.ndim - 1)
    size = x.shape[dim]
    kind = d.pick(["index_add", "index_copy", "index_fill", "scatter_add", "scatter",
                   "scatter_reduce", "index_put", "index_put_acc", "take_along_dim"])
    unique = kind in ("index_copy", "index_put", "scatter", "scatter_add", "scatter_reduce",
                      "take_along_dim")      # the last four: unique in each slot
    count = d.int(0, min(3, size) if unique else 3)
    index = _index(d, size, count, unique)
    count = len(index)
    shape = list(x.shape)
    shape[dim] = count
    src = [(j, v) for j, v in values if tuple(v.shape) == tuple(shape)]
    j, _ = d.pick(src) if src and d.bool() else (None, None)
    k = dim % x.ndim

    def source(L: Any, other: tuple) -> Any:
        return other[0] * 1.5 if other else L.const(np.full(shape, 0.25))
    if kind in ("index_add", "index_copy"):
        step = lambda L, a, *o: getattr(a, kind)(dim, L.const(index), source(L, o))  # noqa
    elif kind == "index_fill":
        j = None
        step = lambda L, a: a.index_fill(dim, L.const(index), -0.5)  # noqa: E731
    elif kind in ("index_put", "index_put_acc"):
        if k:                      # PyTorch's index_put takes index tensors only: dim 0
            return None
        spec = (slice(None),) * k + (("arr", index),)

        def step(L: Any, a: Any, *o: Any) -> Any:
            return a.index_put(L.key(spec), source(L, o), accumulate=kind.endswith("acc"))
    else:                          # gather-like index of the source's shape
        other = [s for q, s in enumerate(shape) if q != k]
        full = np.zeros(shape, np.int64)
        if count and size and int(np.prod(other)):
            rows = [d.rng.permutation(size)[:count] for _ in range(int(np.prod(other)))]
            full = np.moveaxis(np.stack(rows).reshape(other + [count]), -1, k)
        if kind == "take_along_dim":
            j = None
            step = lambda L, a: a.take_along_dim(L.const(full), dim)  # noqa: E731
        elif kind == "scatter_reduce":
            reduce = d.pick(["sum", "prod", "mean", "amax", "amin"])
            include = d.bool()
            if reduce in ("amax", "amin") and not distinct(x):
                return None

            def step(L: Any, a: Any, *o: Any) -> Any:
                return a.scatter_reduce(dim, L.const(full), source(L, o), reduce,
                                        include_self=include)
        else:
            step = lambda L, a, *o: getattr(a, kind)(dim, L.const(full), source(L, o))  # noqa
    step.spec = kind
    return ((i,) if j is None else (i, j)), step


TERNARY = {
    "addcmul": lambda L, a, b, c: a.addcmul(b, c, value=0.5),
    "addcdiv": lambda L, a, b, c: a.addcdiv(b, c * c + 1, value=-2.0),
    "lerp_t": lambda L, a, b, c: a.lerp(b, c.sigmoid()),
    "where3": lambda L, a, b, c: L.m.where(c > 0, a, b),
}
PAIRWISE = {
    "xlogy": lambda L, a, b: a.xlogy(b.abs() + 0.5), "lerp": lambda L, a, b: a.lerp(b, 0.3),
    "hypot": lambda L, a, b: a.hypot(b), "atan2": lambda L, a, b: a.atan2(b),
    "fmod": lambda L, a, b: a.fmod(b * b + 0.5),
    "remainder": lambda L, a, b: a.remainder(b * b + 0.5),
    "copysign": lambda L, a, b: a.copysign(b), "logaddexp": lambda L, a, b: a.logaddexp(b),
    "logaddexp2": lambda L, a, b: a.logaddexp2(b), "fmax": lambda L, a, b: a.fmax(b),
    "fmin": lambda L, a, b: a.fmin(b),
    "broadcast_tensors": lambda L, a, b: L.m.broadcast_tensors(a, b)[1],
    "float_power2": lambda L, a, b: (a.abs() + 0.5).float_power(b.tanh()),
}


def _register_pairwise(name: str) -> None:
    @nary(name)
    def fn(d: Draw, values: list) -> Any:
        pair = _pair(d, values)
        if pair is None:
            return None
        a, b = (dict(values)[i] for i in pair)
        if name in ("fmax", "fmin") and not separated(a, b):
            return None
        # where an op is not differentiable its formulas meet 0 * inf, which each library
        # meets at other places: hypot at (0, 0), copysign's first argument at 0; and atan2
        # jumps by 2 pi across y = 0 (x < 0), where a rounding of 1e-17 picks the side
        if name == "atan2" and bool((a.abs() < 1e-9).any()) or \
                name == "hypot" and bool(((a == 0) & (b == 0)).any()) or \
                name == "copysign" and bool((a == 0).any()):
            return None
        return pair, PAIRWISE[name]


def _register_ternary(name: str) -> None:
    @nary(name)
    def fn(d: Draw, values: list) -> Any:
        pair = _pair(d, values)
        if pair is None:
            return None
        c = d.pick(pair)
        return pair + (c,), TERNARY[name]


for _name in PAIRWISE:
    _register_pairwise(_name)
for _name in TERNARY:
    _register_ternary(_name)


def _join_ok(kind: str, a: Any, b: Any) -> bool:
    if kind in ("hstack", "vstack", "dstack"):
        try:
            getattr(torch, kind)([torch.empty(a.shape), torch.empty(b.shape)])
            return True
        except RuntimeError:
            return False
    if kind == "outer":
        return a.ndim == b.ndim == 1
    if kind in ("dot", "vdot"):
        return a.ndim == b.ndim == 1 and a.shape == b.shape
    if kind == "mv":
        return a.ndim == 2 and b.ndim == 1 and a.shape[1] == b.shape[0]
    if kind == "kron":
        return a.numel() * b.numel() <= 64
    if kind == "tensordot":
        return a.ndim >= 1 and b.ndim >= 1 and a.shape[-1] == b.shape[0]
    if kind == "cdist":
        return a.ndim == b.ndim == 2 and a.shape[1] == b.shape[1]
    if kind == "block_diag":
        # an empty input: PyTorch's backward skips it without moving on a row, so it hands
        # the next block the wrong gradient (block_diag(zeros(0), x) gives x the gradient at
        # [0, 0], where x sits at [1, 0]), a PyTorch bug; xpgrad's is right
        return a.ndim <= 2 and b.ndim <= 2 and a.numel() > 0 and b.numel() > 0
    if kind == "cross":
        return a.shape == b.shape and 3 in a.shape
    return False


JOINS = {
    "hstack": lambda L, a, b: L.m.hstack([a, b]), "vstack": lambda L, a, b: L.m.vstack([a, b]),
    "dstack": lambda L, a, b: L.m.dstack([a, b]), "outer": lambda L, a, b: a.outer(b),
    "dot": lambda L, a, b: a.dot(b), "vdot": lambda L, a, b: a.vdot(b),
    "mv": lambda L, a, b: a.mv(b), "kron": lambda L, a, b: a.kron(b),
    "tensordot": lambda L, a, b: L.m.tensordot(a, b, dims=1),
    "cdist": lambda L, a, b: L.m.cdist(a, b + 0.1),
    "block_diag": lambda L, a, b: L.m.block_diag(a, b),
    "cross": lambda L, a, b: a.cross(b, dim=[i for i, s in enumerate(a.shape) if s == 3][0]),
}


@nary("join")
def _join(d: Draw, values: list) -> Any:
    kind = d.pick(JOINS)
    pair = _pair(d, values, lambda a, b: _join_ok(kind, a, b))
    if pair is None:
        return None
    step = JOINS[kind]
    step.spec = kind
    return pair, step


def _square_ok(a: Any) -> bool:
    return a.ndim >= 2 and a.shape[-1] == a.shape[-2] and a.shape[-1] > 0


@nary("linalg")
def _linalg(d: Draw, values: list) -> Any:
    """Well-conditioned square matrices (a + 3 I): det, inv, solve, matrix_power, addmm."""
    i, x = _one(d, values, _square_ok)
    if i is None:
        return None
    kind = d.pick(["det", "inv", "slogdet", "matrix_power", "solve", "addmm", "baddbmm"])
    n = x.shape[-1]

    def well(L: Any, a: Any) -> Any:
        return a * 0.3 + L.const(np.eye(n) * 3.0)
    if kind == "det":
        step = lambda L, a: L.m.linalg.det(well(L, a))  # noqa: E731
    elif kind == "slogdet":
        step = lambda L, a: L.m.linalg.slogdet(well(L, a))[1]  # noqa: E731
    elif kind == "inv":
        step = lambda L, a: L.m.linalg.inv(well(L, a))  # noqa: E731
    elif kind == "matrix_power":
        p = d.int(0, 3)
        step = lambda L, a: a.matrix_power(p)  # noqa: E731
    elif kind == "solve":
        step = lambda L, a: L.m.linalg.solve(well(L, a), a)  # noqa: E731
    elif kind == "addmm":
        if x.ndim != 2:
            return None
        step = lambda L, a: a.addmm(a, a.mT, beta=0.5, alpha=2.0)  # noqa: E731
    else:
        if x.ndim != 3:
            return None
        step = lambda L, a: a.baddbmm(a, a, beta=-1.0)  # noqa: E731
    step.spec = kind
    return (i,), step

