"""Smoke test of the benchmark runner: a tiny selection in --quick mode runs, prints its table and writes
its JSON. No timing assertions (shared machines are noisy)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "bench" / "run.py"


@pytest.mark.skipif(not RUN.exists(), reason="bench/ not in this checkout")
def test_bench_quick_a_plus_b(tmp_path):
    out_json = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--only", "a + b", "--json", str(out_json), "--no-png"],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert any(line.startswith("workload") and "ratio" in line for line in lines), proc.stdout
    rows = [line for line in lines if line.startswith("a + b, (3,)")]
    assert len(rows) == 2, proc.stdout
    for line in rows:
        assert "error" not in line and "WRONG" not in line, line
        assert "µs" in line, line  # fastgrad's median was measured and printed
    data = json.loads(out_json.read_text())
    assert [r["id"] for r in data["results"]] == ["add3_grad", "add3_nograd"]
    assert all(r["status"]["fastgrad"] == "ok" for r in data["results"])


def test_bench_list_runs_as_module():
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--list"], check=False, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "add3_grad" in proc.stdout and "bytes_per_node" in proc.stdout
