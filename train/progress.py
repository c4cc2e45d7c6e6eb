"""What fit prints with verbose=1: a progress bar per epoch (tqdm when installed, a plain
text bar on a terminal otherwise) and Keras' epoch line. Updating the bar only counts
batches; it never reads a value from the device."""
from __future__ import annotations

import numbers
import sys
from typing import Any, TextIO


def format_value(value: Any) -> str:
    """Keras' style: 4 decimals, or 4 significant digits in e-notation below 1e-3.

    >>> format_value(0.41234), format_value(2.5e-5)
    ('0.4123', '2.5000e-05')
    """
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = float(value)
        return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.4e}"
    return str(value)


def epoch_line(epoch: int, epochs: int, logs: dict) -> str:
    """``Epoch 3/100 - loss: 0.4123 - accuracy: 0.8125 - val_loss: ...`` (epoch 0-based).

    >>> epoch_line(2, 100, {"loss": 0.41234})
    'Epoch 3/100 - loss: 0.4123'
    """
    parts = "".join(f" - {k}: {format_value(v)}" for k, v in logs.items())
    return f"Epoch {epoch + 1}/{epochs}{parts}"


class _TextBar:
    """``  12/50 [=====>......]`` redrawn in place; erased when closed."""

    width = 30

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream, self.done, self.drawn = max(total, 1), stream, 0, -1

    def update(self) -> None:
        self.done += 1
        filled = min(self.done * self.width // self.total, self.width)
        if filled != self.drawn or self.done == self.total:
            self.drawn = filled
            arrow = ">" if filled < self.width else ""
            bar = "=" * max(filled - len(arrow), 0) + arrow
            self.stream.write(f"\r{self.done:>{len(str(self.total))}}/{self.total} "
                              f"[{bar:<{self.width}}]")
            self.stream.flush()

    def close(self) -> None:
        if self.drawn >= 0:
            self.stream.write("\r" + " " * (self.width + 2 * len(str(self.total)) + 4) + "\r")
            self.stream.flush()


class Progress:
    """The batch bar of one epoch; silent unless ``verbose == 1``.

    >>> bar = Progress(total=50, epoch=0, epochs=10, verbose=1); bar.update(); bar.close()
    """

    def __init__(self, total: int, epoch: int, epochs: int, verbose: int) -> None:
        self.bar: Any = None
        if verbose != 1:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            if sys.stdout.isatty():
                self.bar = _TextBar(total, sys.stdout)
            return
        self.bar = tqdm(total=total, desc=f"Epoch {epoch + 1}/{epochs}", unit="batch",
                        leave=False, file=sys.stdout, dynamic_ncols=True)

    def update(self) -> None:
        if self.bar is not None:
            self.bar.update()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
