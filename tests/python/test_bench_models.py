"""The `models` bench group's workloads compute what torch computes: each row's check (two training steps
on fresh state: losses and every parameter) run on fastgrad and on torch and compared with the row's
tolerances. No timing."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not (ROOT / "bench" / "model_workloads.py").exists(), reason="bench/ not here")

torch = pytest.importorskip("torch")


def _bench():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    saved = dict(os.environ)
    try:
        from bench import run, workloads  # run.py sets OMP_NUM_THREADS & co. to 1 on import
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return run, workloads


def _model_rows():
    _, workloads = _bench()
    return [w for w in workloads.WORKLOADS if w.group == "models" and w.threads == 1]


@pytest.mark.parametrize("row", [w.id for w in _model_rows()] if (ROOT / "bench").exists() else [])
def test_models_row_matches_torch(row):
    import fastgrad

    run, workloads = _bench()
    w = next(w for w in workloads.WORKLOADS if w.id == row)
    opts = run.Options(quick=True)
    torch.manual_seed(0)
    ref = w.fn("torch", torch, opts).check()
    got = w.fn("fastgrad", fastgrad, opts).check()
    assert run._compare(ref, got, w.rtol, w.atol) is None
