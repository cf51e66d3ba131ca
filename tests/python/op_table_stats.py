"""Prints what the op table drives: ops, samples, gradchecks, torch comparisons, and the known bugs.

    python tests/python/op_table_stats.py

Not a test (pytest collects test_*.py only). The counts come from the same parameter lists test_ops.py
generates, so they are the cases a full run executes (cases marked xfail included, and counted apart).
"""

import os
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import test_ops  # noqa: E402
from op_table import OPS  # noqa: E402


def _count(params):
    xfail = sum(1 for p in params if p.marks)
    return len(params), xfail


def main():
    api = {loc for op in OPS for loc in op.api}
    rows = [
        ("forward vs NumPy (float64, every form)", test_ops._forward_params()),
        ("gradcheck (float64)", test_ops._gradcheck_params()),
        ("gradgradcheck (float64)", test_ops._gradgrad_params()),
        ("torch: forward values/dtype/shape", test_ops._torch_params("torch_forward")),
        ("torch: gradients", test_ops._torch_params("torch_backward")),
        ("torch: grad_fn names", test_ops._torch_params("grad_fn")),
        ("torch: view metadata", test_ops._view_params()),
        ("error samples", test_ops._error_params()),
    ]
    print(f"ops in the table:             {len(OPS)}")
    print(f"public names they cover:      {len(api)} "
          f"(fastgrad.X {sum(a.startswith('fastgrad.') for a in api)}, "
          f"Tensor.X {sum(a.startswith('Tensor.') for a in api)}, F.X {sum(a.startswith('F.') for a in api)})")
    print(f"differentiable ops:           {sum(op.differentiable for op in OPS)}")
    print(f"samples:                      {sum(len(op.samples()) for op in OPS)}")
    torch_total = torch_xfail = 0
    for what, params in rows:
        n, xfail = _count(params)
        if what.startswith("torch:"):
            torch_total += n
            torch_xfail += xfail
        print(f"{what + ':':<40}{n:>7}  ({xfail} known-bug xfails)")
    print(f"{'torch comparisons in all:':<40}{torch_total:>7}  ({torch_xfail} known-bug xfails)")
    reasons = Counter(test_ops.KNOWN_BUGS.values())
    print(f"KNOWN_BUGS: {len(test_ops.KNOWN_BUGS)} entries, {len(reasons)} reasons")
    for reason, n in reasons.items():
        ops = sorted({op for (_, op, _), r in test_ops.KNOWN_BUGS.items() if r == reason})
        print(f"  - [{', '.join(ops)}; {n} entries] {reason}")


if __name__ == "__main__":
    main()
