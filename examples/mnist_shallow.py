"""The deep-learning-basics lecture's shallow network: 784 -> 64 sigmoid -> 10 softmax,
categorical cross-entropy, SGD, batch 128 (50,890 parameters). The softmax is fused into the
loss (nn.CrossEntropyLoss takes the logits), which is the numerically stable form.

    python examples/mnist_shallow.py [--epochs 20] [--device cuda] [--data DIR] [--quick]
"""
from __future__ import annotations

import sys
from pathlib import Path

from xpgrad import nn

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _cli import parser
    from _mnist import run
else:
    from ._cli import parser
    from ._mnist import run


def build_model() -> nn.Module:
    return nn.Sequential(nn.Linear(784, 64), nn.Sigmoid(), nn.Linear(64, 10))


def main(argv: list[str] | None = None) -> dict:
    p = parser(__doc__.splitlines()[0], epochs=20)
    p.add_argument("--data", type=Path, default=None, help="folder with the MNIST files")
    p.add_argument("--lr", type=float, default=0.5, help="SGD learning rate (default 0.5)")
    args = p.parse_args(argv)
    return run(build_model(), args, args.lr, "mnist_shallow")


if __name__ == "__main__":
    main()
