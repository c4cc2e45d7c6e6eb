"""When does the GPU pay off? Train the same MLPs on every available device and compare.

    python benchmarks/cpu_vs_gpu.py [--quick] [--compare torch] [--steps N] [--max-seconds S]

Rows: the lectures' 29-16-1 (batch 32) and 784-64-10 (batch 128), then a width sweep
(784-W-W-10 at batch 512, W = 64 ... 8192) and a batch sweep (784-1024-1024-10, batch
32 ... 8192), float32. Per row: median time per step after warm-up (GPU timed with one
synchronisation at each end), samples/s, achieved matmul GFLOP/s, GPU speedup over CPU.
Writes benchmarks/results/cpu_vs_gpu.json and a PNG plot (time per step vs width). Without
a GPU it runs the CPU rows, says so, and exits 0.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import xpgrad as xg  # noqa: E402
from common import RESULTS, make_data, torch_step_factory, xpgrad_step_factory  # noqa: E402

WIDTHS = [64, 128, 256, 512, 1024, 2048, 4096, 8192]
BATCHES = [32, 128, 512, 2048, 8192]


def configs(quick: bool) -> list[tuple[str, str, tuple, int]]:
    rows = [("lecture", "heart 29-16-1", (29, 16, 1), 32),
            ("lecture", "mnist 784-64-10", (784, 64, 10), 128)]
    widths = [64, 256, 1024] if quick else WIDTHS
    batches = [32, 512] if quick else BATCHES
    rows += [("width", f"784-{w}-{w}-10", (784, w, w, 10), 512) for w in widths]
    rows += [("batch", "784-1024-1024-10", (784, 1024, 1024, 10), b) for b in batches]
    return rows


def matmul_flops(sizes: tuple, batch: int) -> float:
    """Forward 2*B*in*out per layer; backward 4*B*in*out (grads of weights and inputs)."""
    return sum(6.0 * batch * i * o for i, o in zip(sizes[:-1], sizes[1:]))


def time_steps(step, sync, steps: int, repeats: int) -> float:
    step()                                      # warm-up: allocations, kernel compilation
    sync()
    runs = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        sync()
        runs.append((time.perf_counter() - start) / steps)
    return statistics.median(runs)


def runners(compare_torch: bool) -> list[tuple[str, str]]:
    """(framework, device) pairs to run, GPU ones only where a GPU works."""
    pairs = [("xpgrad", "cpu"), ("compiled", "cpu")]      # compiled: through xg.compile
    if xg.cuda.is_available():
        pairs += [("xpgrad", "cuda"), ("compiled", "cuda")]
    if compare_torch:
        try:
            import torch
        except ImportError:
            print("--compare torch: PyTorch is not installed; skipping its rows")
        else:
            pairs.append(("torch", "cpu"))
            if torch.cuda.is_available():
                pairs.append(("torch", "cuda"))
    return pairs


def sync_for(framework: str, device: str):
    if device == "cpu":
        return lambda: None
    if framework == "torch":
        import torch
        return torch.cuda.synchronize
    return xg.cuda.synchronize


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small subset (under a minute)")
    parser.add_argument("--compare", choices=["torch"], default=None)
    parser.add_argument("--steps", type=int, default=None, help="steps per timed repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="skip a row whose single step already takes longer (default 2, quick 0.5)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    max_seconds = args.max_seconds or (0.5 if args.quick else 2.0)
    pairs = runners(args.compare == "torch")
    gpu_names = {}
    if xg.cuda.is_available():
        gpu_names["cuda"] = xg.cuda.get_device_name()
    else:
        print("No GPU found (CuPy missing or no CUDA device): running the CPU rows only.")

    results = []
    header = f"{'row':34s} {'framework':8s} {'device':6s} {'ms/step':>10s} {'samples/s':>11s} {'GFLOP/s':>9s}"
    print(header)
    print("-" * len(header))
    too_slow: set = set()
    for kind, name, sizes, batch in configs(args.quick):
        x, y, weights = make_data(sizes, batch)
        flops = matmul_flops(sizes, batch)
        for framework, device in pairs:
            key = (framework, device, kind)
            label = f"{name} b{batch}"
            if key in too_slow:
                continue
            factory = torch_step_factory if framework == "torch" else xpgrad_step_factory
            extra = {"compiled": True} if framework == "compiled" else {}
            sync = sync_for(framework, device)
            try:
                step = factory(x, y, [(w.copy(), b.copy()) for w, b in weights], device=device,
                               **extra)
                probe = time.perf_counter()
                step()
                sync()
            except Exception as exc:            # report and go on: the other rows still count
                print(f"{label:34s} {framework:8s} {device:6s}  failed: "
                      f"{type(exc).__name__}: {exc}"[:200])
                too_slow.add(key)
                continue
            single = time.perf_counter() - probe
            if single > max_seconds:
                print(f"{label:34s} {framework:8s} {device:6s}  skipped: one step took {single:.1f} s "
                      f"(> --max-seconds {max_seconds})")
                too_slow.add(key)       # bigger rows of this sweep would be slower still
                continue
            steps = args.steps or max(1, min(200, int(0.2 / max(single, 1e-6))))
            seconds = time_steps(step, sync, steps, args.repeats)
            row = {"kind": kind, "model": name, "sizes": list(sizes), "batch": batch,
                   "framework": framework, "device": device, "seconds_per_step": seconds,
                   "samples_per_second": batch / seconds, "gflops": flops / seconds / 1e9}
            results.append(row)
            print(f"{label:34s} {framework:8s} {device:6s} {seconds*1e3:10.3f} "
                  f"{batch/seconds:11.0f} {flops/seconds/1e9:9.1f}")

    summary = summarize(results)
    for line in summary["lines"]:
        print(line)
    out = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "machine": platform.platform(), "processor": platform.processor() or platform.machine(),
           "gpu": gpu_names or None, "versions": versions(), "rows": results,
           "speedups": summary["speedups"], "crossover_width": summary["crossover"]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = args.out or RESULTS / ("cpu_vs_gpu-quick.json" if args.quick else "cpu_vs_gpu.json")
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")
    plot(results, path.with_suffix(".png"))
    return 0


def summarize(rows: list[dict]) -> dict:
    """GPU speedup over CPU per row (same framework), and the smallest width where it wins."""
    by_key = {(r["framework"], r["device"], r["model"], r["batch"]): r for r in rows}
    speedups, lines, crossover = [], [], None
    for (framework, device, model, batch), row in by_key.items():
        if device == "cpu":
            continue
        cpu = by_key.get((framework, "cpu", model, batch))
        if cpu is None:
            continue
        s = cpu["seconds_per_step"] / row["seconds_per_step"]
        speedups.append({"framework": framework, "model": model, "batch": batch, "speedup": s})
        lines.append(f"{framework} GPU speedup on {model} b{batch}: {s:.1f}x")
        if row["kind"] == "width" and framework == "xpgrad" and s > 1 and crossover is None:
            crossover = row["sizes"][1]
    if not speedups:
        lines.append("no GPU rows: speedups and the crossover need a GPU")
    elif crossover is not None:
        lines.append(f"crossover: the GPU wins from width {crossover} (batch 512)")
    return {"speedups": speedups, "lines": lines, "crossover": crossover}


def versions() -> dict:
    out = {"python": platform.python_version(), "numpy": np.__version__, "xpgrad": xg.__version__}
    for name in ("cupy", "torch"):
        try:
            module = __import__(name)
            out[name] = module.__version__
        except Exception:
            pass
    return out


def plot(rows: list[dict], path: Path) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install 'xpgrad[plot]')")
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for framework, device in sorted({(r["framework"], r["device"]) for r in rows}):
        pts = sorted((r["sizes"][1], r["seconds_per_step"] * 1e3) for r in rows
                     if r["kind"] == "width" and (r["framework"], r["device"]) == (framework, device))
        if pts:
            ax.plot(*zip(*pts), marker="o", label=f"{framework} {device}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("hidden width W (784-W-W-10, batch 512)")
    ax.set_ylabel("ms per training step")
    ax.set_title("Training step time vs width")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
