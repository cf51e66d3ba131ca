"""python -m tests.python.fuzz --calls N --seed S [--workers W] [--json FILE] [--diff-exc]"""

import argparse
import json
import sys
import time

from .report import format_report
from .runner import run


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tests.python.fuzz", description=__doc__)
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start", type=int, default=0, help="first case index")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds one case may take")
    ap.add_argument("--per-op", type=int, default=3, help="reproducers printed per op")
    ap.add_argument("--diff-exc", action="store_true", help="also list cases raising different classes")
    ap.add_argument("--json", help="write all non-ok records to this file")
    a = ap.parse_args(argv)
    t0 = time.time()
    recs = run(seed=a.seed, calls=a.calls, workers=a.workers, batch=a.batch, timeout=a.timeout, start=a.start)
    text, s = format_report(recs, a.seed, max_per_op=a.per_op, show_diff_exc=a.diff_exc)
    print(text)
    print(f"\n{len(recs)} calls in {time.time() - t0:.0f}s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump([r for r in recs if r["outcome"] != "ok"], f, indent=0)
    return 1 if s["bad"] else 0


if __name__ == "__main__":
    sys.exit(main())
