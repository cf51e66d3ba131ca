"""PyTorch's OpInfo database as a second oracle: each OpInfo whose op fastgrad has runs its sample inputs
(float64 and float32, contiguous and non-contiguous; the op, its Tensor method and its in-place form) on
fastgrad and on PyTorch, comparing values, dtypes, shapes and float64 gradients (see opinfo_map.py). Known differences are listed in opinfo_map.EXPECTED (and
docs/differences.md); any other difference fails, and so does an EXPECTED entry that no longer matches.
"""

import fnmatch

import pytest

torch = pytest.importorskip("torch")
try:
    from torch.testing._internal.common_methods_invocations import op_db
except Exception as e:  # noqa: BLE001 - expecttest missing, or a torch without its test data
    pytest.skip(f"PyTorch's OpInfo database is not importable: {e}", allow_module_level=True)

import fastgrad as fg  # noqa: E402

from opinfo_map import (  # noqa: E402
    EXPECTED,
    expected_index,
    full_name,
    full_run_enabled,
    resolve,
    run_opinfo,
    sample_matches,
)

# Samples per OpInfo and dtype in an ordinary run; FASTGRAD_OPINFO_FULL=1 runs them all.
CI_MAX_SAMPLES = 40

PRESENT = [op for op in op_db if resolve(op, fg) is not None]


def test_opinfo_coverage():
    # fastgrad has a good part of PyTorch's ops; a change that loses many of them is a regression
    assert len(PRESENT) >= 250, [full_name(op) for op in PRESENT]


@pytest.mark.parametrize("op", PRESENT, ids=full_name)
def test_opinfo(op):
    name = full_name(op)
    records = run_opinfo(op, fg, max_samples=None if full_run_enabled() else CI_MAX_SAMPLES)
    bad = [r for r in records if r.status in ("mismatch", "fg_raises")]
    mine = [e for e in EXPECTED if fnmatch.fnmatchcase(name, e[0])]
    used = set()
    unexpected = []
    for r in bad:
        i = expected_index(r, mine)
        if i is None:
            unexpected.append(f"{r.sample} {r.status}: {r.detail}")
        else:
            used.add(i)
    assert not unexpected, f"{name}: differences from PyTorch:\n" + "\n".join(unexpected[:20])
    stale = [f"{e[1]} ({e[2]})" for i, e in enumerate(mine) if i not in used and _covered(e, records)]
    assert not stale, f"{name}: EXPECTED entries that no longer match (fixed? remove them):\n" + "\n".join(stale)


def _covered(entry, records):
    """Whether this run compared any sample the entry names (a CI run compares only the first samples)."""
    return any(sample_matches(r.sample, entry[1]) for r in records)
