"""Two-rank runs through the real launcher (python -m xpgrad.distributed -n 2 ...). Each
launch runs under a timeout, so a hang fails the test instead of blocking CI."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mpi4py", reason="multi-rank tests need pip install 'xpgrad[mpi]'")
from xpgrad.distributed.launch import find_mpiexec  # noqa: E402

try:
    find_mpiexec()
except FileNotFoundError as exc:
    pytest.skip(str(exc), allow_module_level=True)

SCRIPTS = Path(__file__).parent / "distributed_scripts"
TIMEOUT = 120


def launch(script: str, *args: str, nprocs: int = 2) -> subprocess.CompletedProcess:
    """Run a script on ``nprocs`` ranks; on timeout, stop mpiexec (SIGTERM lets it end the
    ranks too) and fail."""
    cmd = [sys.executable, "-m", "xpgrad.distributed", "-n", str(nprocs),
           str(SCRIPTS / script), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        pytest.fail(f"{script} on {nprocs} ranks did not finish within {TIMEOUT} s:\n{out}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, "")


def test_collectives_metrics_sharding_and_averaging_on_cpu_and_strict():
    run = launch("collectives.py")
    assert run.returncode == 0, run.stdout
    assert "rank 0: collectives OK" in run.stdout and "rank 1: collectives OK" in run.stdout


def test_two_ranks_on_half_batches_match_one_process_on_the_full_batch():
    run = launch("data_parallel.py")
    assert run.returncode == 0, run.stdout
    assert run.stdout.count("data parallel OK") == 2, run.stdout


def test_mismatched_parameter_shapes_are_named_on_every_rank():
    run = launch("mismatch.py")
    assert run.returncode == 0, run.stdout
    for rank in (0, 1):
        assert f"rank {rank} raised: parameter '1.weight' has shape (2, 3)" in run.stdout
    assert run.stdout.count("shape (2, 5) (float32) on rank 1") == 2, run.stdout


def test_a_raising_rank_ends_every_rank_non_zero():
    run = launch("failing_rank.py")
    assert run.returncode != 0, run.stdout
    assert "ValueError: rank 1 failed on purpose" in run.stdout
    assert "rank 1" in run.stdout.split("failed on purpose", 1)[1]     # MPI names the rank
    assert "rank 0 finished" not in run.stdout


def test_scaling_benchmark_quick_mode_writes_its_json(tmp_path):
    out = tmp_path / "scaling.json"
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "scaling.py"
    run = subprocess.run([sys.executable, str(script), "--quick", "--out", str(out)],
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert run.returncode == 0, run.stdout + run.stderr
    import json
    data = json.loads(out.read_text())
    assert [r["bytes"] for r in data["all_reduce"]["rows"]][0] == 4096
    assert [(s["ranks"], s["blas_threads"]) for s in data["step"]] == [(1, 1), (1, 2), (2, 1)]
    assert all(s["step_s"] > 0 and s["samples_per_s"] > 0 for s in data["step"])


def test_fit_distributed_matches_one_process_and_only_rank_0_prints_and_writes(tmp_path):
    run = launch("fit_distributed.py", str(tmp_path))
    assert run.returncode == 0, run.stdout
    assert run.stdout.count("fit OK after") == 2, run.stdout
    assert run.stdout.count("Epoch 1/30 - loss") == 1, run.stdout      # rank 0 only
    assert len(list(tmp_path.glob("epoch*.safetensors"))) >= 3
