"""The launcher behind ``python -m xpgrad.distributed -n 4 script.py args...``.

It runs ``mpiexec -n 4 <this python> -m mpi4py script.py args...``. ``python -m mpi4py``
matters: when one rank raises, it prints the traceback and calls ``MPI_Abort``, which ends
every rank with a non-zero exit status instead of leaving the others blocked in a
collective. mpiexec is looked up next to the running Python first (the mpich wheel puts
it in the virtual environment's bin/), then on PATH.

>>> python -m xpgrad.distributed -n 2 examples/mnist_mlp.py --epochs 3
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from .world import INSTALL_HINT

USAGE = ("python -m xpgrad.distributed -n N [--mpiexec PATH] "
         "script.py [args...] | -m module [args...]")


def find_mpiexec(explicit: str | None = None) -> str:
    """The mpiexec to use: ``explicit``, else next to sys.executable, else on PATH."""
    if explicit:
        return explicit
    here = Path(sys.executable).parent
    for name in ("mpiexec", "mpirun"):
        candidate = here / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    for name in ("mpiexec", "mpirun"):
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError(f"no mpiexec found next to {sys.executable} or on PATH; "
                            f"{INSTALL_HINT} installs MPICH's mpiexec into the environment")


def build_command(nprocs: int, program: list[str], mpiexec: str | None = None) -> list[str]:
    """The full command line: ``[mpiexec, -n, N, python, -m, mpi4py, *program]``.

    >>> build_command(2, ["train.py", "--epochs", "3"])
    """
    if nprocs < 1:
        raise ValueError(f"-n must be at least 1, got {nprocs}")
    if not program:
        raise ValueError(f"nothing to run; usage: {USAGE}")
    return [find_mpiexec(mpiexec), "-n", str(nprocs), sys.executable, "-m", "mpi4py", *program]


def main(argv: list[str] | None = None) -> int:
    """Parse the launcher's arguments and replace this process with mpiexec."""
    parser = argparse.ArgumentParser(
        prog="python -m xpgrad.distributed", usage=USAGE,
        description="Run a training script on N ranks with MPI (one process per rank).")
    parser.add_argument("-n", "--nprocs", type=int, required=True, help="number of ranks")
    parser.add_argument("--mpiexec", default=None, help="mpiexec to use (default: found)")
    parser.add_argument("--dry-run", action="store_true", help="print the command only")
    parser.add_argument("program", nargs=argparse.REMAINDER,
                        help="script.py [args...] or -m module [args...]")
    args = parser.parse_args(argv)
    program = args.program[1:] if args.program[:1] == ["--"] else args.program
    try:
        import mpi4py  # noqa: F401  (the package only: MPI itself starts in the ranks)
    except ImportError:
        print(f"error: the launcher needs mpi4py, which is not installed; {INSTALL_HINT}",
              file=sys.stderr)
        return 2
    try:
        command = build_command(args.nprocs, program, args.mpiexec)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(" ".join(command))
        return 0
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)      # mpiexec takes this process's place (and its signals)
    return 0  # pragma: no cover
