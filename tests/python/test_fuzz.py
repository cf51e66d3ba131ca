"""The differential fuzzer (tests/python/fuzz/) in CI: a fixed seed, at least 20,000 calls on fastgrad and torch.

FASTGRAD_FUZZ_CALLS=N and FASTGRAD_FUZZ_SEED=S run a longer or different run; FASTGRAD_FUZZ_WORKERS the number of
child processes (default 2). The run must show no crash, no case where torch raises and fastgrad returns, no
value/gradient/dtype/shape mismatch and no case where fastgrad raises and torch returns, except those on the
documented allow-list (tests/python/fuzz/allow.py, docs/differences.md), and the same exception class as
torch in at least 95% of the cases where both raise. A float32 difference that the float64 referee decides in
fastgrad's favour (worker.no_less_accurate; docs/differences.md) is counted apart, as rounding.
"""

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from fuzz import allow, gen, report, runner, worker  # noqa: E402

SEED = int(os.environ.get("FASTGRAD_FUZZ_SEED", "0"))
CALLS = int(os.environ.get("FASTGRAD_FUZZ_CALLS", "20000"))
WORKERS = int(os.environ.get("FASTGRAD_FUZZ_WORKERS", "2"))


def test_fuzz_against_torch():
    recs = runner.run(seed=SEED, calls=CALLS, workers=WORKERS)
    assert len(recs) == CALLS
    text, s = report.format_report(recs, SEED)
    print(text)
    c = s["counts"]
    assert not s["bad"], "findings not on the allow-list (reproducers above):\n" + text
    assert c["harness"] == 0, text
    assert s["agreement"] >= 95.0, text


def test_cases_are_reproducible():
    for i in (0, 1, 17, 12345):
        a, b = gen.make_case(7, i), gen.make_case(7, i)
        assert a.code == b.code and a.op == b.op
    assert gen.make_case(7, 1).code != gen.make_case(8, 1).code


def test_reproducer_is_self_contained():
    """The printed reproducer runs as it is, on both libraries."""
    for i in range(40):
        c = gen.make_case(3, i)
        for lib in ("fastgrad", "torch"):
            ns = {}
            try:
                exec(c.reproducer(lib), ns)
            except Exception:  # noqa: BLE001 - the call may raise; names must all resolve
                pass
            assert "T" in ns and "np" in ns


def test_crash_and_hang_are_isolated(monkeypatch):
    """A child killed by a signal, or stuck, is reported with the case it ran, and the run resumes."""
    monkeypatch.setenv("FASTGRAD_FUZZ_INJECT", "crash:3,hang:6")
    recs = runner.run(seed=1, calls=10, workers=1, batch=10, timeout=20.0)
    assert [r["i"] for r in recs] == list(range(10))
    crashed = {r["i"]: r for r in recs if r["outcome"] == "crash"}
    assert set(crashed) == {3, 6}
    assert "exit status -11" in crashed[3]["detail"] and "timeout" in crashed[6]["detail"]
    assert crashed[3]["code"] == gen.make_case(1, 3).code
    text, s = report.format_report(recs, 1)
    assert "index=3" in text and "index=6" in text


def test_compare_detects_mismatches():
    t = worker.summarize
    a = t(torch.tensor([1.0, 2.0]))
    assert worker.compare(a, t(torch.tensor([1.0, 2.0])), False, 0) is None
    assert worker.compare(a, t(torch.tensor([1.0, 2.001])), False, 0)[0] == "value"
    assert worker.compare(a, t(torch.tensor([1.0, 2.0], dtype=torch.float64)), False, 0)[0] == "meta"
    assert worker.compare(a, t(torch.tensor([[1.0, 2.0]])), False, 0)[0] == "meta"
    nan = t(torch.tensor([float("nan"), float("inf")]))
    assert worker.compare(nan, t(torch.tensor([float("nan"), float("inf")])), False, 0) is None
    assert worker.compare(nan, t(torch.tensor([float("nan"), -float("inf")])), False, 0)[0] == "value"
    assert worker.compare(t(3), t(3.0), False, 0)[0] == "meta"
    assert worker.compare(t(torch.Size([2, 3])), t((2, 3)), False, 0) is None


def test_float64_referee():
    # fastgrad nearer the float64 result than torch, or its largest error within twice torch's: rounding
    near = worker.no_less_accurate
    assert near([1e-5, 0.0], [-3e-5, 2e-5], [0.0, 0.0])
    assert near([0.0], [float("nan")], [1.0]) is False  # both wrong: fastgrad 0 is no answer to 1
    assert near([1.0], [float("nan")], [1.0])  # fastgrad right where torch overflowed
    assert near([1.1], [1.0], [1.0]) is False  # plainly farther than torch
    assert near([3e-5, 0.0], [1e-5, 1e-5], [0.0, 0.0]) is False  # three times torch's error
    assert near([1.0, 2.0], [1.0], [1.0]) is False  # shapes differ
    w = worker.widen_code("x = T.tensor(np.array([1.5], dtype='float32').reshape((1,))); out = x.float()")
    assert w == "x = T.tensor(np.array([1.5], dtype='float32').astype('float64').reshape((1,))); out = x.double()"
    assert worker.widen_code("x = T.tensor(np.array([1.5], dtype='float64'))") is None


def test_allow_list_entries_are_documented():
    doc = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "differences.md")
    text = open(doc).read() if os.path.exists(doc) else ""
    for e in allow.ALLOW:
        assert e["reason"] and e["owner"], e
        assert f"`{e['id']}`" in text, f"allow-list entry {e['id']} is not listed in docs/differences.md"


def test_fuzz_inputs_cover_the_edges():
    """The generator produces 0-d, 0-size, non-contiguous and expanded inputs, every dtype and special values."""
    codes = "\n".join(gen.make_case(0, i).code for i in range(3000))
    for needle in ("reshape(())", "np.zeros((", ".transpose(", "::2]", ".expand(", "nan", "inf", "-0.0",
                   "1e-40", "'bool'", "'int32'", "'int64'", "'float64'", "requires_grad=True", "_("):
        assert needle in codes, needle
    ops = {gen.make_case(0, i).op for i in range(3000)}
    assert len(ops) > 400 and "getitem" in ops and "setitem" in ops and any(o.startswith("F.") for o in ops)
    assert np.mean([gen.make_case(0, i).op.endswith("_") for i in range(3000)]) > 0.05
