"""Command-line options every example shares: --device, --epochs, --seed, --out, --quick."""
from __future__ import annotations

import argparse
from pathlib import Path


def parser(description: str, epochs: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N (default: cpu)")
    p.add_argument("--epochs", type=int, default=epochs, help=f"training epochs (default {epochs})")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", type=Path, default=Path("results"),
                   help="where plots and checkpoints go (default ./results)")
    p.add_argument("--quick", action="store_true", help="a few epochs on a small subset")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel over MPI ranks (launch with python -m xpgrad.distributed)")
    return p
