"""Command line: ``python -m xpgrad {demo,bench,info}``."""
from __future__ import annotations

import argparse
import sys


def _info(_: argparse.Namespace) -> int:
    import platform

    import numpy

    import xpgrad as xg
    print(f"xpgrad {xg.__version__}  Python {platform.python_version()}  NumPy {numpy.__version__}")
    for device, name in xg.backends.available().items():
        print(f"  {device:16s} {name}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import main as demo_main
    return demo_main(args.rest)


def _bench(args: argparse.Namespace) -> int:
    """benchmarks/cpu_vs_gpu.py (``bench overhead ...`` runs benchmarks/overhead.py)."""
    import runpy
    from pathlib import Path
    rest = list(args.rest)
    name = "overhead.py" if rest[:1] == ["overhead"] else "cpu_vs_gpu.py"
    rest = rest[1:] if rest[:1] == ["overhead"] else rest
    script = Path(__file__).resolve().parent / "benchmarks" / name
    if not script.is_file():
        print(f"the benchmark scripts ship with the source tree, not the wheel: {script} is "
              "missing; clone the repository to run them", file=sys.stderr)
        return 2
    sys.argv = [str(script), *rest]
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xpgrad", description="xpgrad command line")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, fn, text in (("demo", _demo, "train the lecture's network and report"),
                           ("bench", _bench, "CPU-vs-GPU benchmark (bench overhead: framework overhead)"),
                           ("info", _info, "print versions and the available devices")):
        p = sub.add_parser(name, help=text)
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(fn=fn)
    argv = sys.argv[1:] if argv is None else argv
    # Everything after the subcommand belongs to it (e.g. `demo --device cuda`).
    head = argv[:1] if argv and not argv[0].startswith("-") else argv
    args = parser.parse_args(head)
    args.rest = argv[1:] if head is not argv else []
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
