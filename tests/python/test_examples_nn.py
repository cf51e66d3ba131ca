"""The training examples run end to end: linear regression with nn/optim draws its graph (its printout is
compared with PyTorch's by test_examples.py), and the digits classifier reaches at least 95% test accuracy."""

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def run(script, *args, backend="fastgrad", timeout=600):
    env = dict(os.environ, FASTGRAD_EXAMPLES_BACKEND=backend)
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"{script} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_linear_regression_nn(tmp_path):
    pytest.importorskip("graphviz")
    out = run("linear_regression_nn.py", "--out-dir", str(tmp_path))
    assert (
        "fitted state: OrderedDict([('0.weight', tensor([[1.9690]])), ('0.bias', tensor([1.0235]))])" in out
    )
    assert "least squares: b = 1.0235, w = 1.9690" in out
    if shutil.which("dot"):
        png = tmp_path / "linear_regression_nn_graph.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        dot = (tmp_path / "linear_regression_nn_graph.dot").read_text()
        assert "0.weight" in dot and "0.bias" in dot and "AccumulateGrad" in dot


def test_digits_classifier_reaches_95_percent(tmp_path):
    pytest.importorskip("sklearn")
    out = run("digits_classifier.py", "--out-dir", str(tmp_path), "--no-progress")
    accuracy = float(re.search(r"test accuracy: ([\d.]+)%", out).group(1))
    assert accuracy >= 95.0, out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    assert (tmp_path / "digits_loss_fastgrad.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
