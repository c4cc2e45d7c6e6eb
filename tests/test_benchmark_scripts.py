"""The benchmark scripts run end to end (in their quick modes) and write their JSON; tests
never assert on time, only that the scripts work and report what they promise."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(args, tmp_path):
    result = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_cpu_vs_gpu_quick_runs_without_a_gpu(tmp_path):
    out_json = tmp_path / "cpu_vs_gpu.json"
    out = run([str(ROOT / "benchmarks" / "cpu_vs_gpu.py"), "--quick", "--steps", "1",
               "--repeats", "1", "--out", str(out_json)], tmp_path)
    data = json.loads(out_json.read_text())
    devices = {row["device"] for row in data["rows"]}
    assert "cpu" in devices
    assert {"heart 29-16-1", "mnist 784-64-10"} <= {row["model"] for row in data["rows"]}
    for row in data["rows"]:
        assert row["seconds_per_step"] > 0 and row["samples_per_second"] > 0
    if "cuda" not in devices:
        assert "No GPU found" in out


def test_command_line_lists_its_subcommands_and_info_runs(tmp_path):
    out = run(["-m", "xpgrad", "--help"], tmp_path)
    assert all(name in out for name in ("demo", "bench", "info"))
    info = run(["-m", "xpgrad", "info"], tmp_path)
    assert "xpgrad" in info and "cpu" in info


def test_layers_quick_reports_every_config(tmp_path):
    out_json = tmp_path / "layers.json"
    run([str(ROOT / "benchmarks" / "layers.py"), "--quick", "--no-torch", "--out",
         str(out_json)], tmp_path)
    data = json.loads(out_json.read_text())
    assert [row["config"] for row in data["steps"]] == ["cnn 1x28x28 c16-c32 b64",
                                                        "lstm 32->64 T20 b32"]
    assert all(row["xpgrad_ms"] > 0 for row in data["steps"])
