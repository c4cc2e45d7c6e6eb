"""Gradient descent as in the lecture: g(w) = (w^4 + w^2 + 10 w) / 50 from w = 2.5 with
alpha = 1, then the bowl g(w1, w2) = w1^2 + w2^2 + 2, with a contour plot of the path.

    python examples/gradient_descent.py [--epochs N] [--out DIR]
"""
from __future__ import annotations

import sys
from pathlib import Path

import xpgrad as xg

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _cli import parser
else:
    from ._cli import parser


def g(w: xg.Tensor) -> xg.Tensor:
    return (w ** 4 + w ** 2 + 10 * w) / 50


def descend_1d(w0: float = 2.5, alpha: float = 1.0, steps: int = 30, device: str = "cpu",
               verbose: bool = True) -> list[float]:
    """The iterates of w <- w - alpha g'(w); g' comes from the engine, not by hand."""
    w = xg.tensor(w0, dtype=xg.float64, device=device, requires_grad=True)
    path = [w.item()]
    for step in range(steps):
        value = g(w)
        value.backward()
        if verbose:
            print(f"step {step:2d}  w = {w.item():+.6f}  g(w) = {value.item():+.6f}  "
                  f"g'(w) = {w.grad.item():+.6f}")
        with xg.no_grad():
            w -= alpha * w.grad
        w.grad = None
        path.append(w.item())
    return path


def bowl(w: xg.Tensor) -> xg.Tensor:
    return (w ** 2).sum() + 2


def descend_bowl(start=(3.0, -2.0), alpha: float = 0.1, steps: int = 30,
                 device: str = "cpu") -> list[list[float]]:
    w = xg.tensor(list(start), dtype=xg.float64, device=device, requires_grad=True)
    path = [w.tolist()]
    for _ in range(steps):
        bowl(w).backward()
        with xg.no_grad():
            w -= alpha * w.grad
        w.grad = None
        path.append(w.tolist())
    return path


def plot(path_1d: list[float], path_2d: list[list[float]], out: Path) -> Path | None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np
    except ImportError:
        print("matplotlib is not installed: no plot (pip install 'xpgrad[plot]')")
        return None
    out.mkdir(parents=True, exist_ok=True)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    ws = np.linspace(-3, 3, 300)
    ax1.plot(ws, (ws ** 4 + ws ** 2 + 10 * ws) / 50, label="g(w)")
    p = np.array(path_1d)
    ax1.plot(p, (p ** 4 + p ** 2 + 10 * p) / 50, "o-", ms=3, label="iterates (alpha = 1)")
    ax1.set_xlabel("w")
    ax1.legend()
    grid = np.linspace(-3.5, 3.5, 200)
    w1, w2 = np.meshgrid(grid, grid)
    ax2.contour(w1, w2, w1 ** 2 + w2 ** 2 + 2, levels=15)
    q = np.array(path_2d)
    ax2.plot(q[:, 0], q[:, 1], "o-", ms=3, color="C3")
    ax2.set_xlabel("w1")
    ax2.set_ylabel("w2")
    ax2.set_title("g(w1, w2) = w1^2 + w2^2 + 2")
    fig.tight_layout()
    path = out / "gradient_descent.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> dict:
    args = parser(__doc__.splitlines()[0], epochs=30).parse_args(argv)
    xg.manual_seed(args.seed)
    steps = 5 if args.quick else args.epochs
    path_1d = descend_1d(steps=steps, device=args.device)
    print(f"\n1-D: w = {path_1d[-1]:+.6f} after {steps} steps (the minimum is where "
          "g'(w) = 2/25 w^3 + 1/25 w + 1/5 = 0, w = -1.2348)")
    path_2d = descend_bowl(steps=steps, device=args.device)
    print(f"2-D: (w1, w2) = ({path_2d[-1][0]:+.6f}, {path_2d[-1][1]:+.6f}), minimum (0, 0)")
    figure = plot(path_1d, path_2d, args.out)
    if figure:
        print(f"plot: {figure}")
    return {"w": path_1d[-1], "bowl": path_2d[-1], "plot": figure}


if __name__ == "__main__":
    main()
