"""Data-parallel scaling on the CPU: what the MPI all-reduce costs, and what 2 ranks buy.

(a) all_reduce time against message size (4 KB .. 64 MB of float32) on 2 ranks:
    ``xg.distributed.all_reduce`` beside raw ``mpi4py`` ``Allreduce`` on the same buffer,
    and through host staging (the strict backend's path, what any device without its own
    transport pays).
(b) One training step of the 784-1024-1024-10 MLP at global batch 512, for 1 process x 1
    BLAS thread, 1 process x 2 threads, and 2 ranks x 1 thread (256 samples each), split
    into communication (the time the gradient averaging spends in the step: packing buckets,
    waiting for the all-reduce, which includes waiting for the slower rank, and writing the
    averages back), update (SGD) and compute (the rest: forward + backward). The figures
    are the medians of the rank with the slowest step.

Writes benchmarks/results/scaling.json and scaling.png (with matplotlib).

    python benchmarks/scaling.py            # full run; --quick for a smoke test
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
RESULTS = HERE.parent / "results"
SIZES = [4 * 1024 * 4 ** k for k in range(8)]            # 4 KB, 16 KB, ... 64 MB
LAYERS = (784, 1024, 1024, 10)
GLOBAL_BATCH = 512


def _median_time(fn, comm, min_time: float) -> float:
    """Seconds per call (median of 5 runs), the slowest rank's, all ranks in step."""
    fn()
    comm.Barrier()
    start = time.perf_counter()
    fn()
    once = comm.allreduce(time.perf_counter() - start, op=_mpi().MAX)
    number = max(1, int(min_time / 5 / max(once, 1e-7)))
    runs = []
    for _ in range(5):
        comm.Barrier()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append(comm.allreduce((time.perf_counter() - start) / number, op=_mpi().MAX))
    return statistics.median(runs)


def _mpi():
    from mpi4py import MPI
    return MPI


def worker_allreduce(args) -> dict:
    import xpgrad as xg
    from xpgrad import distributed as dist
    world = dist.init(blas_threads=1)
    MPI = _mpi()
    rows = []
    for nbytes in (SIZES[:4] if args.quick else SIZES):
        n = nbytes // 4
        host = np.ones(n, dtype=np.float32)
        cpu = xg.tensor(host.copy())
        strict = xg.tensor(host.copy(), device="strict:device1")
        budget = 0.05 if args.quick else 0.5
        raw = _median_time(lambda: world.comm.Allreduce(MPI.IN_PLACE, host, op=MPI.SUM),
                           world.comm, budget)
        ours = _median_time(lambda: dist.all_reduce(cpu), world.comm, budget)
        staged = _median_time(lambda: dist.all_reduce(strict), world.comm, budget)
        rows.append({"bytes": nbytes, "mpi4py_s": raw, "xpgrad_cpu_s": ours,
                     "xpgrad_strict_staged_s": staged,
                     "xpgrad_cpu_GBps": nbytes / ours / 1e9})
    return {"ranks": world.size, "rows": rows}


def _model(xg, nn, batch: int):
    rng = np.random.default_rng(0)
    x = xg.tensor(rng.standard_normal((batch, LAYERS[0]), dtype=np.float32))
    y = xg.tensor(rng.integers(0, LAYERS[-1], batch))
    xg.manual_seed(0)
    model = nn.Sequential(nn.Linear(LAYERS[0], LAYERS[1]), nn.ReLU(),
                          nn.Linear(LAYERS[1], LAYERS[2]), nn.ReLU(),
                          nn.Linear(LAYERS[2], LAYERS[3]))
    return model, x, y


def worker_step(args) -> dict:
    import xpgrad as xg
    from xpgrad import distributed as dist
    from xpgrad import nn
    from xpgrad.nn import functional as F
    from xpgrad.nn.parallel import DataParallel
    world = dist.init(blas_threads=args.threads)       # threadpoolctl, also for 1 process
    batch = GLOBAL_BATCH // world.size
    steps = 3 if args.quick else 20

    def update(params):
        with xg.no_grad():
            for p in params:
                p.data -= 0.01 * p.grad.data
                p.grad = None

    def timed(model, x, y, sync, comm_time=None):
        parts = {"fwd_bwd": [], "finish": [], "update": [], "comm": []}
        params = list(model.parameters())
        for step in range(steps + 2):
            if world.size > 1:
                world.comm.Barrier()
            if comm_time is not None:
                comm_time[0] = 0.0
            t0 = time.perf_counter()
            F.cross_entropy(model(x), y).backward()
            t1 = time.perf_counter()
            if sync is not None:
                sync()
            t2 = time.perf_counter()
            update(params)
            t3 = time.perf_counter()
            if step >= 2:                         # two warm-up steps
                parts["fwd_bwd"].append(t1 - t0)
                parts["finish"].append(t2 - t1)
                parts["update"].append(t3 - t2)
                parts["comm"].append(comm_time[0] if comm_time is not None else 0.0)
        return {k: statistics.median(v) for k, v in parts.items()}

    def slowest(value):
        return world.comm.allreduce(value, op=_mpi().MAX) if world.size > 1 else value

    model, x, y = _model(xg, nn, batch)
    local = timed(model, x, y, None)                       # no communication at all
    out = {"ranks": world.size, "blas_threads": args.threads, "batch_per_rank": batch,
           "compute_s": slowest(local["fwd_bwd"]), "update_s": slowest(local["update"]),
           "communication_s": 0.0}
    out["step_s"] = out["compute_s"] + out["update_s"]
    if world.size > 1:
        model, x, y = _model(xg, nn, batch)
        ddp = DataParallel(model)
        comm_time = [0.0]
        averager = ddp._averager
        for name in ("_pack", "_start_ready", "_complete"):    # time the averaging's own work
            setattr(averager, name, _timed_method(getattr(averager, name), comm_time))
        dp = timed(ddp, x, y, ddp.finish_gradient_sync, comm_time)
        step = dp["fwd_bwd"] + dp["finish"] + dp["update"]
        mine = {"step_s": step, "communication_s": dp["comm"], "update_s": dp["update"],
                "compute_s": step - dp["comm"] - dp["update"]}
        out.update(max(world.comm.allgather(mine), key=lambda d: d["step_s"]))  # slowest rank
        out["compute_without_averaging_s"] = slowest(local["fwd_bwd"])
        grads = sum(p.size for p in model.parameters()) * 4
        flat = xg.zeros(grads // 4)
        out["gradient_bytes"] = grads
        out["blocking_all_reduce_s"] = _median_time(lambda: dist.all_reduce(flat, op="mean"),
                                                    world.comm, 0.3)
    out["samples_per_s"] = GLOBAL_BATCH / out["step_s"]
    return out


def _timed_method(method, total: list):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            total[0] += time.perf_counter() - start
    return wrapper


def _run_worker(kind: str, ranks: int, threads: int, quick: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        program = [str(HERE), "--worker", kind, "--threads", str(threads), "--result",
                   str(result)] + (["--quick"] if quick else [])
        if ranks > 1:
            cmd = [sys.executable, "-m", "xpgrad.distributed", "-n", str(ranks), *program]
        else:
            cmd = [sys.executable, *program]
        env = {k: v for k, v in os.environ.items()
               if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
        subprocess.run(cmd, check=True, timeout=600, env=env)
        return json.loads(result.read_text())


def _plot(data: dict, path: Path) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot (pip install 'xpgrad[plot]')")
        return
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    rows = data["all_reduce"]["rows"]
    kb = [r["bytes"] / 1024 for r in rows]
    for key, label in (("mpi4py_s", "raw mpi4py Allreduce"),
                       ("xpgrad_cpu_s", "xg.distributed.all_reduce (cpu)"),
                       ("xpgrad_strict_staged_s", "host staging (strict)")):
        a.loglog(kb, [r[key] * 1e6 for r in rows], marker="o", label=label)
    a.set_xlabel("message size (KiB)")
    a.set_ylabel("time per all-reduce (µs)")
    a.set_title("all-reduce, 2 ranks")
    a.legend()
    steps = data["step"]
    names = [f"{s['ranks']} proc x {s['blas_threads']} thr" for s in steps]
    bottom = np.zeros(len(steps))
    for key in ("compute_s", "communication_s", "update_s"):
        values = np.array([s[key] * 1e3 for s in steps])
        b.bar(names, values, bottom=bottom, label=key[:-2])
        bottom += values
    b.set_ylabel("ms per step (global batch 512)")
    b.set_title("784-1024-1024-10 training step")
    b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few sizes and steps")
    parser.add_argument("--out", default=str(RESULTS / "scaling.json"))
    parser.add_argument("--worker", choices=("allreduce", "step"), help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = worker_allreduce(args) if args.worker == "allreduce" else worker_step(args)
        from xpgrad import distributed as dist
        if dist.is_main():
            Path(args.result).write_text(json.dumps(result))
        return
    data = {"machine": {"cpus": os.cpu_count()},
            "all_reduce": _run_worker("allreduce", 2, 1, args.quick),
            "step": [_run_worker("step", ranks, threads, args.quick)
                     for ranks, threads in ((1, 1), (1, 2), (2, 1))]}
    print(f"{'bytes':>10} {'mpi4py µs':>10} {'xpgrad µs':>10} {'staged µs':>10}")
    for r in data["all_reduce"]["rows"]:
        print(f"{r['bytes']:>10} {r['mpi4py_s'] * 1e6:>10.1f} {r['xpgrad_cpu_s'] * 1e6:>10.1f} "
              f"{r['xpgrad_strict_staged_s'] * 1e6:>10.1f}")
    print(f"\n{'config':>16} {'compute ms':>10} {'comm ms':>8} {'update ms':>9} "
          f"{'step ms':>8} {'samples/s':>9}")
    for s in data["step"]:
        print(f"{s['ranks']} proc x {s['blas_threads']} thr".rjust(16),
              f"{s['compute_s'] * 1e3:>10.2f} {s['communication_s'] * 1e3:>8.2f} "
              f"{s['update_s'] * 1e3:>9.2f} {s['step_s'] * 1e3:>8.2f} "
              f"{s['samples_per_s']:>9.0f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2))
    _plot(data, out.with_suffix(".png"))
    print(f"\nwrote {out} and {out.with_suffix('.png').name}")


if __name__ == "__main__":
    main()
