"""Framework overhead on CPU: per-op cost on tiny tensors and one training step of the
lectures' MLPs, beside the same math hand-written in NumPy (the floor) and PyTorch (if installed).

    python benchmarks/overhead.py [--quick] [--repeats N] [--no-torch]

Prints a table and writes benchmarks/results/overhead.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

import xpgrad as xg

RESULTS = Path(__file__).resolve().parent / "results"
CONFIGS = [  # (name, layer sizes, batch)
    ("heart 29-16-1 b32", (29, 16, 1), 32),
    ("mnist 784-64-10 b128", (784, 64, 10), 128),
    ("wide 784-1024-1024-10 b512", (784, 1024, 1024, 10), 512),
]


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
def xpgrad_step_factory(x, y, weights, lr=0.01):
    xs = xg.tensor(x)
    ys = xg.tensor(y)
    params = []
    for w, b in weights:
        params += [xg.tensor(w, requires_grad=True), xg.tensor(b, requires_grad=True)]
    binary = weights[-1][0].shape[1] == 1

    def step():
        h = xs
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                h = h.relu()
        if binary:
            # stable BCE-with-logits: softplus(z) - y z
            loss = (h.softplus() - ys * h).mean()
        else:
            loss = -h.log_softmax(axis=1)[xg.arange(h.shape[0]), ys].mean()
        loss.backward()
        with xg.no_grad():
            for p in params:
                p.data -= lr * p.grad.data
                p.grad = None
        return loss
    return step


# ---- PyTorch ------------------------------------------------------------------------------
def torch_step_factory(x, y, weights, lr=0.01):
    import torch
    torch.set_num_threads(max(1, torch.get_num_threads()))
    xs = torch.from_numpy(x)
    ys = torch.from_numpy(y) if y.dtype == np.float32 else torch.from_numpy(y.astype(np.int64))
    params = []
    for w, b in weights:
        params += [torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)]
    binary = weights[-1][0].shape[1] == 1
    opt = torch.optim.SGD(params, lr=lr)

    def step():
        h = xs
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
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


def per_op_chain(framework: str, n_ops: int = 100):
    """Forward + backward of a chain of `n_ops` mixed elementwise ops on a (4,) tensor."""
    if framework == "xpgrad":
        x = xg.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
        exp, tanh = xg.exp, xg.tanh
    else:
        import torch
        x = torch.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
        exp, tanh = torch.exp, torch.tanh

    def run():
        h = x
        for i in range(n_ops // 4):
            h = h * 0.9
            h = h + 0.1
            h = tanh(h)
            h = exp(h) * 0.5
        h.sum().backward()
        x.grad = None
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, skip the wide net")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    try:
        if args.no_torch:
            raise ImportError
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = None
    repeats = 3 if args.quick else args.repeats

    rows = []
    n_ops = 100
    per_op = {"xpgrad": timeit(per_op_chain("xpgrad", n_ops), repeats, 20) / n_ops * 1e6}
    if torch_version:
        per_op["torch"] = timeit(per_op_chain("torch", n_ops), repeats, 20) / n_ops * 1e6
    print(f"per op (forward + backward, chain of {n_ops} tiny elementwise ops):")
    for k, v in per_op.items():
        print(f"  {k:8s} {v:8.2f} us/op")

    print(f"\n{'training step':28s} {'numpy floor':>12s} {'xpgrad':>12s} {'ratio':>7s}"
          f" {'torch':>12s}")
    for name, sizes, batch in CONFIGS:
        if args.quick and sizes[1] > 512:
            continue
        number = 200 if sizes[1] <= 64 else 5
        x, y, weights = make_data(sizes, batch)
        floor = timeit(lambda: numpy_step(x, y, [(w.copy(), b.copy()) for w, b in weights])
                       if False else numpy_step(x, y, weights), repeats, number)
        x, y, weights = make_data(sizes, batch)
        ours = timeit(xpgrad_step_factory(x, y, weights), repeats, number)
        row = {"config": name, "numpy_floor_us": floor * 1e6, "xpgrad_us": ours * 1e6,
               "ratio_to_floor": ours / floor}
        line = f"{name:28s} {floor*1e6:10.1f}us {ours*1e6:10.1f}us {ours/floor:6.2f}x"
        if torch_version:
            x, y, weights = make_data(sizes, batch)
            t = timeit(torch_step_factory(x, y, weights), repeats, number)
            row["torch_us"] = t * 1e6
            line += f" {t*1e6:10.1f}us"
        print(line)
        rows.append(row)

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "machine": platform.platform(), "processor": platform.processor(),
           "python": platform.python_version(), "numpy": np.__version__,
           "xpgrad": xg.__version__, "torch": torch_version,
           "per_op_us": per_op, "steps": rows}
    path = RESULTS / ("overhead-quick.json" if args.quick else "overhead.json")
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
