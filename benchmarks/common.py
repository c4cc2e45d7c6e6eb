"""Shared pieces of the benchmark scripts: timing, data, and one MLP training step written
three ways (hand-written NumPy = the floor, xpgrad, PyTorch)."""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

import xpgrad as xg
from xpgrad import nn, optim

RESULTS = Path(__file__).resolve().parent / "results"


def run_info(torch_version: str | None) -> dict:
    """What a result file records about the run: date, machine, library versions and whether
    the host allocator tuning (backends/host_allocator.py) was on."""
    import platform
    from datetime import datetime, timezone
    from xpgrad.backends import host_allocator
    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": platform.platform(), "processor": platform.processor(),
            "python": platform.python_version(), "numpy": np.__version__,
            "xpgrad": xg.__version__, "torch": torch_version,
            "host_allocator_tuned": host_allocator.tuned()}

def timeit(fn, repeats: int, number: int) -> float:
    """Median seconds per call over `repeats` runs of `number` calls (after one warm-up run)."""
    for _ in range(number):
        fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number)
    return statistics.median(runs)


def make_data(sizes, batch, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, sizes[0]), dtype=np.float32)
    if sizes[-1] == 1:
        y = (rng.random((batch, 1)) < 0.5).astype(np.float32)
    else:
        y = rng.integers(0, sizes[-1], batch)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        weights.append((rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32),
                        np.zeros(fan_out, np.float32)))
    return x, y, weights


# ---- the floor: hand-written NumPy ------------------------------------------------------
def numpy_step(x, y, weights, lr=0.01):
    """Forward, loss, backward and in-place SGD with ReLU hidden layers and a sigmoid-BCE or
    softmax-CE output, written the way a careful NumPy user would."""
    acts = [x]
    h = x
    for i, (w, b) in enumerate(weights):
        z = h @ w
        z += b
        if i < len(weights) - 1:
            np.maximum(z, 0, out=z)
        acts.append(z)
        h = z
    logits = h
    n = x.shape[0]
    if logits.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-logits))
        loss = -np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))
        g = (p - y) / n
    else:
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(p[np.arange(n), y] + 1e-12))
        g = p
        g[np.arange(n), y] -= 1.0
        g /= n
    for i in range(len(weights) - 1, -1, -1):
        w, b = weights[i]
        a = acts[i]
        gw = a.T @ g
        gb = g.sum(axis=0)
        if i > 0:
            g = g @ w.T
            g *= acts[i] > 0
        w -= lr * gw
        b -= lr * gb
    return loss


# ---- xpgrad -----------------------------------------------------------------------------
def build_mlp(weights, device="cpu"):
    """nn.Sequential of Linear + ReLU with the given (in, out) weights and biases copied in."""
    layers = []
    for i, (w, b) in enumerate(weights):
        lin = nn.Linear(*w.shape)
        with xg.no_grad():
            lin.weight.copy_(xg.tensor(w.T))
            lin.bias.copy_(xg.tensor(b))
        layers.append(lin)
        if i < len(weights) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers).to(device)


def xpgrad_step_factory(x, y, weights, lr=0.01, device="cpu", compiled=False):
    """What a user writes: nn layers, a fused loss, optim.SGD (``compiled``: through
    xg.compile, warmed up and traced before it is returned)."""
    xs = xg.tensor(x, device=device)
    ys = xg.tensor(y, device=device)
    model = build_mlp(weights, device)
    loss_fn = nn.BCEWithLogitsLoss() if weights[-1][0].shape[1] == 1 else nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=lr)

    def train_step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    if compiled:
        traced = xg.compile(train_step)
        for _ in range(3):                  # warm-up, trace, first replay
            traced(xs, ys)
        step = lambda: traced(xs, ys)       # noqa: E731
        step.compiled = traced
        return step
    return lambda: train_step(xs, ys)


# ---- PyTorch ------------------------------------------------------------------------------
def torch_step_factory(x, y, weights, lr=0.01, device="cpu"):
    import torch
    xs = torch.from_numpy(x).to(device)
    ys = torch.from_numpy(y if y.dtype == np.float32 else y.astype(np.int64)).to(device)
    params = []
    for w, b in weights:
        params += [torch.tensor(w.T.copy(), requires_grad=True, device=device),
                   torch.tensor(b, requires_grad=True, device=device)]
    binary = weights[-1][0].shape[1] == 1
    opt = torch.optim.SGD(params, lr=lr)

    def step():
        h = xs
        for i in range(0, len(params), 2):
            h = torch.nn.functional.linear(h, params[i], params[i + 1])
            if i < len(params) - 2:
                h = h.relu()
        if binary:
            loss = torch.nn.functional.binary_cross_entropy_with_logits(h, ys)
        else:
            loss = torch.nn.functional.cross_entropy(h, ys)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss
    return step


