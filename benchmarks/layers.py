"""Training steps of the lectures' other layer kinds on CPU, beside PyTorch (if installed):
a small MNIST CNN (conv-relu-pool twice, then a linear head) and an LSTM sequence classifier.

    python benchmarks/layers.py [--quick] [--repeats N] [--no-torch] [--out PATH]

The same model is written once and built from each library's `nn` (their APIs agree) and
fed the same data. Prints a table and writes benchmarks/results/layers.json.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import xpgrad as xg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, run_info, timeit  # noqa: E402


def cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


class LSTMClassifier:
    """LSTM over the sequence, a linear head on the last step's output."""

    def __init__(self, lib, features: int, hidden: int, classes: int) -> None:
        self.lstm = lib.nn.LSTM(features, hidden, batch_first=True)
        self.head = lib.nn.Linear(hidden, classes)

    def parameters(self) -> list:
        return list(self.lstm.parameters()) + list(self.head.parameters())

    def __call__(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


CONFIGS = {  # name: (builder, input shape, classes, optimizer)
    "cnn 1x28x28 c16-c32 b64": (cnn, (64, 1, 28, 28), 10, "SGD"),
    "lstm 32->64 T20 b32": (lambda lib: LSTMClassifier(lib, 32, 64, 10), (32, 20, 32), 10,
                            "Adam"),
}


def step_factory(lib, name: str, seed: int = 0):
    build, shape, classes, opt_name = CONFIGS[name]
    rng = np.random.default_rng(seed)
    x = lib.tensor(rng.standard_normal(shape, dtype=np.float32))
    y = lib.tensor(rng.integers(0, classes, shape[0]))
    lib.manual_seed(seed)
    model = build(lib)
    opt = getattr(lib.optim, opt_name)(model.parameters(), lr=1e-3)
    cross_entropy = lib.nn.functional.cross_entropy

    def step() -> None:
        opt.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short repeat per row")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS / "layers.json")
    args = parser.parse_args()
    libs = {"xpgrad": xg}
    if not args.no_torch:
        try:
            import torch
            libs["torch"] = torch
        except ImportError:
            pass
    repeats, number = (1, 2) if args.quick else (args.repeats, 20)

    print(f"{'training step':28s}" + "".join(f" {k:>12s}" for k in libs) + "   ratio")
    rows = []
    for name in CONFIGS:
        row = {"config": name}
        for lib_name, lib in libs.items():
            row[f"{lib_name}_ms"] = timeit(step_factory(lib, name), repeats, number) * 1e3
        line = f"{name:28s}" + "".join(f" {row[f'{k}_ms']:10.2f}ms" for k in libs)
        if "torch" in libs:
            row["xpgrad_over_torch"] = row["xpgrad_ms"] / row["torch_ms"]
            line += f" {row['xpgrad_over_torch']:6.2f}x"
        print(line)
        rows.append(row)

    torch_version = libs["torch"].__version__ if "torch" in libs else None
    out = {**run_info(torch_version), "quick": args.quick, "steps": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
