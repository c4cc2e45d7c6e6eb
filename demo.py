"""``make demo`` / ``python -m xpgrad demo``: train the lecture's heart-disease network on the
CPU (``--device cuda`` where a GPU exists) and report. Offline, under a minute."""
from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    from .examples import heart
    result = heart.main(argv)
    acc = result["test"]["accuracy"]
    print(f"\nxpgrad demo: {result['params']} parameters, {result['epochs_run']} epochs, "
          f"test accuracy {acc:.3f}, AUC {result['test']['auc']:.3f}")
    return 0
