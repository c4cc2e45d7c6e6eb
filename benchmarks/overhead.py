"""Framework overhead on CPU: per-op cost on tiny tensors and one training step of the
lectures' MLPs, beside the same math hand-written in NumPy (the floor) and PyTorch (if installed).

    python benchmarks/overhead.py [--quick] [--repeats N] [--no-torch]

Prints a table and writes benchmarks/results/overhead.json.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import xpgrad as xg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (RESULTS, make_data, numpy_step, run_info, timeit,  # noqa: E402
                    torch_step_factory, xpgrad_step_factory)

CONFIGS = [  # (name, layer sizes, batch)
    ("heart 29-16-1 b32", (29, 16, 1), 32),
    ("mnist 784-64-10 b128", (784, 64, 10), 128),
    ("wide 784-1024-1024-10 b512", (784, 1024, 1024, 10), 512),
]


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
          f" {'compiled':>12s} {'ratio':>7s} {'us/call':>8s} {'torch':>12s}")
    for name, sizes, batch in CONFIGS:
        if args.quick and sizes[1] > 512:
            continue
        number = 200 if sizes[1] <= 64 else 5
        x, y, weights = make_data(sizes, batch)
        floor = timeit(lambda: numpy_step(x, y, weights), repeats, number)
        x, y, weights = make_data(sizes, batch)
        ours = timeit(xpgrad_step_factory(x, y, weights), repeats, number)
        x, y, weights = make_data(sizes, batch)
        compiled_step = xpgrad_step_factory(x, y, weights, compiled=True)
        comp = timeit(compiled_step, repeats, number)
        program = compiled_step.compiled.programs()[-1]
        n_calls = program.stats["calls"] + program.stats["host"]
        row = {"config": name, "numpy_floor_us": floor * 1e6, "xpgrad_us": ours * 1e6,
               "ratio_to_floor": ours / floor, "compiled_us": comp * 1e6,
               "compiled_ratio_to_floor": comp / floor, "compiled_calls": n_calls,
               "compiled_us_per_call": comp * 1e6 / n_calls,
               "compiled_stats": dict(program.stats)}
        line = (f"{name:28s} {floor*1e6:10.1f}us {ours*1e6:10.1f}us {ours/floor:6.2f}x"
                f" {comp*1e6:10.1f}us {comp/floor:6.2f}x {comp*1e6/n_calls:7.2f}")
        if torch_version:
            x, y, weights = make_data(sizes, batch)
            t = timeit(torch_step_factory(x, y, weights), repeats, number)
            row["torch_us"] = t * 1e6
            line += f" {t*1e6:10.1f}us"
        print(line)
        rows.append(row)

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {**run_info(torch_version), "per_op_us": per_op, "steps": rows}
    path = RESULTS / ("overhead-quick.json" if args.quick else "overhead.json")
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
