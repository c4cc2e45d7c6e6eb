"""History: what fit() returns (Keras' layout), with learning-curve plots."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .callbacks import Callback

_NOT_CURVES = ("learning_rate", "lr")


class History(Callback):
    """``history.history["loss"]``, ``["val_loss"]``, ``["accuracy"]``, ...: one value per
    epoch; ``history.epoch``: the 0-based epochs run; ``history.params``: fit's settings.
    ``fit`` runs it as its last callback, so it also records what other callbacks add to
    the logs (``learning_rate`` from LearningRateScheduler).

    >>> hist = xg.train.fit(...); hist.history["val_loss"][-1]; hist.plot("curves.png")
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []
        self.params: dict[str, Any] = {}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.record(epoch, logs or {})

    def record(self, epoch: int, logs: dict[str, Any]) -> None:
        """Append one epoch's logs (a key first seen late gets only the epochs it was in)."""
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        keys = ", ".join(self.history)
        return f"History(epochs={len(self.epoch)}, keys=[{keys}])"

    def plot(self, path: str | os.PathLike, title: str | None = None) -> Path:
        """Write the learning curves to a PNG: one panel per quantity (loss, then each
        metric), train and validation together. Needs matplotlib; draws with its Agg
        canvas and leaves pyplot's backend and figures alone.

        >>> hist.plot("results/curves.png")
        """
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError:
            raise ImportError("History.plot needs matplotlib: pip install 'xpgrad[plot]'") from None
        names = [k for k in self.history if not k.startswith("val_") and k not in _NOT_CURVES]
        names += [k[4:] for k in self.history
                  if k.startswith("val_") and k[4:] not in self.history]   # val-only keys
        if not names:
            raise ValueError("History.plot: nothing recorded yet (fit has not run an epoch)")
        fig = Figure(figsize=(4.8 * len(names), 3.6))
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, len(names), squeeze=False)[0]
        for ax, name in zip(axes, names):
            for key, label in ((name, "train"), (f"val_{name}", "validation")):
                values = self.history.get(key)
                if values:
                    epochs = [e + 1 for e in self.epoch[len(self.epoch) - len(values):]]
                    ax.plot(epochs, values, label=label, marker="." if len(values) < 30 else None)
            ax.set_title(name)
            ax.set_xlabel("epoch")
            ax.grid(alpha=0.3)
            ax.legend()
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110, format="png")
        return path
