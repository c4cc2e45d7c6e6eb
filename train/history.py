"""History: what fit() returns (Keras' layout), with learning-curve plots."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any


class History:
    """``history.history["loss"]``, ``["val_loss"]``, ``["accuracy"]``, ...; ``history.epoch``.

    >>> hist = xg.train.fit(...); hist.history["val_loss"][-1]; hist.plot("curves.png")
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def record(self, epoch: int, logs: dict[str, Any]) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        keys = ", ".join(self.history)
        return f"History(epochs={len(self.epoch)}, keys=[{keys}])"

    def plot(self, path: str | os.PathLike, title: str | None = None) -> Path:
        """Write the learning curves (each metric, train vs validation) to a PNG file."""
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("History.plot needs matplotlib: pip install 'xpgrad[plot]'") from None
        names = [k for k in self.history if not k.startswith("val_") and k != "lr"]
        if not names:
            raise ValueError("History.plot: nothing recorded yet")
        fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 3.8), squeeze=False)
        epochs = [e + 1 for e in self.epoch]
        for ax, name in zip(axes[0], names):
            ax.plot(epochs, self.history[name], label=f"train {name}")
            if f"val_{name}" in self.history:
                ax.plot(epochs, self.history[f"val_{name}"], label=f"validation {name}")
            ax.set_xlabel("epoch")
            ax.set_ylabel(name)
            ax.grid(alpha=0.3)
            ax.legend()
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path
