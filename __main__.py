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
    import runpy
    from pathlib import Path
    script = Path(__file__).resolve().parent / "benchmarks" / "overhead.py"
    sys.argv = [str(script), *args.rest]
    runpy.run_path(str(script), run_name="__main__")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xpgrad", description="xpgrad command line")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, fn, text in (("demo", _demo, "train the lecture's network and report"),
                           ("bench", _bench, "run the benchmarks"),
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
