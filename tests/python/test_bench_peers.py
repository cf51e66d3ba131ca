"""The peers benchmark (bench/peers.py) computes the same thing in every library it times: the first
parameter's gradient after one forward + backward (b and w after one epoch for linreg), from the same numbers.
The peers (DyNet, JAX) are checked when installed. No timing assertions."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytest.importorskip("torch")
if not (ROOT / "bench" / "peers.py").exists():
    pytest.skip("bench/ not in this checkout", allow_module_level=True)
sys.path.insert(0, str(ROOT))
from bench import peers  # noqa: E402

ROWS = sorted(peers.ROWS)


def _result(lib, row):
    # In a process of its own, as the benchmark runs each library: DyNet's library, for one, switches the
    # process's FPU to flush denormals when it loads, which would change every later test in this one.
    out = subprocess.run([sys.executable, "-m", "bench.peers", "--result", lib, row], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    return np.array(json.loads(out.stdout.splitlines()[-1]))


@pytest.mark.parametrize("row", ROWS)
@pytest.mark.parametrize("lib", [lib for lib in peers.LIBS if lib != "torch"])
def test_every_library_computes_what_torch_computes(lib, row):
    if not peers.available(lib):
        pytest.skip(f"{lib} is not installed")
    want = _result("torch", row)
    got = _result(lib, row)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)


def test_worker_prints_a_time():
    out = subprocess.run([sys.executable, "-m", "bench.peers", "--worker", "fastgrad", "abxa", "--quick"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    assert 0 < float(out.stdout.split()[-1]) < 1
