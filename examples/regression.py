"""The review session's two-layer sigmoid network on a regression task with MSE (scikit-learn's
diabetes data when installed, else a synthetic one). On the first step the engine's gradients
are compared with the hand-written NumPy backprop of the session's notes.

The notes' code has two slips, corrected here: d_W1 must be X.T @ d_Z (not d_X.T @ d_Z) and
the bias gradients sum d_Y / d_Z over the batch.

    python examples/regression.py [--epochs 500] [--seed 0]
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import xpgrad as xg

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _cli import parser
else:
    from ._cli import parser


def load(seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    try:
        from sklearn.datasets import load_diabetes
        x, y = load_diabetes(return_X_y=True)
        name = "scikit-learn diabetes (442 x 10)"
    except ImportError:
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((400, 10))
        y = np.sin(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2] + 0.1 * rng.standard_normal(400)
        name = "synthetic (400 x 10; scikit-learn not installed)"
    x = (x - x.mean(0)) / x.std(0)
    y = ((y - y.mean()) / y.std()).reshape(-1, 1)
    return x, y, name


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def numpy_gradients(X, Y, W1, b1, W2, b2) -> dict:
    """The session's backprop, written out by hand (with the corrections above)."""
    n = X.shape[0]
    Z = X @ W1 + b1
    H = sigmoid(Z)
    Y_hat = H @ W2 + b2
    d_Y = 2 * (Y_hat - Y) / n
    d_H = d_Y @ W2.T
    d_Z = d_H * sigmoid(Z) * (1 - sigmoid(Z))
    return {"W1": X.T @ d_Z, "b1": d_Z.sum(0, keepdims=True),
            "W2": H.T @ d_Y, "b2": d_Y.sum(0, keepdims=True)}


def main(argv: list[str] | None = None) -> dict:
    p = parser(__doc__.splitlines()[0], epochs=500)
    p.add_argument("--hidden", type=int, default=16)
    p.add_argument("--lr", type=float, default=0.5)
    args = p.parse_args(argv)
    x, y, name = load(args.seed)
    print(f"data: {name}")
    rng = np.random.default_rng(args.seed)
    init = {"W1": rng.random((x.shape[1], args.hidden)) - 0.5,
            "b1": rng.random((1, args.hidden)) - 0.5,
            "W2": rng.random((args.hidden, 1)) - 0.5, "b2": rng.random((1, 1)) - 0.5}
    params = {k: xg.tensor(v, dtype=xg.float64, device=args.device, requires_grad=True)
              for k, v in init.items()}
    X = xg.tensor(x, dtype=xg.float64, device=args.device)
    Y = xg.tensor(y, dtype=xg.float64, device=args.device)

    def loss_fn() -> xg.Tensor:
        h = (X @ params["W1"] + params["b1"]).sigmoid()
        return ((h @ params["W2"] + params["b2"] - Y) ** 2).sum() / X.shape[0]

    loss_fn().backward()
    by_hand = numpy_gradients(x, y, *(init[k] for k in ("W1", "b1", "W2", "b2")))
    worst = max(float(np.abs(params[k].grad.numpy() - by_hand[k]).max()) for k in by_hand)
    print(f"first step: engine vs hand-written backprop, largest difference {worst:.2e}")
    epochs = 20 if args.quick else args.epochs
    for epoch in range(epochs):
        for t in params.values():
            t.grad = None
        loss = loss_fn()
        loss.backward()
        with xg.no_grad():
            for t in params.values():
                t -= args.lr * t.grad
        if (epoch + 1) % max(1, epochs // 10) == 0:
            print(f"epoch {epoch + 1:4d}  MSE {loss.item():.4f}")
    final = loss_fn().item()
    print(f"final training MSE {final:.4f} (the variance of the standardised target is 1)")
    return {"max_grad_difference": worst, "mse": final}


if __name__ == "__main__":
    main()
