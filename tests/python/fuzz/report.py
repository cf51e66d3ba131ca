"""Summary of a run: counts by outcome, exception-class agreement, mismatching reproducers grouped by op."""

from __future__ import annotations

from collections import Counter, defaultdict

from .allow import allowed
from .gen import Case
from .worker import OUTCOME_TEXT, OUTCOMES

FAILING = ("value", "grad", "meta", "torch_raises", "fastgrad_raises", "crash", "harness")


def summarize(records):
    counts = Counter(r["outcome"] for r in records)
    bad = defaultdict(list)  # op -> records not covered by the allow-list
    allowed_counts = Counter()
    for r in records:
        if r["outcome"] in FAILING or r["outcome"] == "diff_exc":
            a = allowed(r)
            if a:
                allowed_counts[a] += 1
                r["allowed"] = a
            elif r["outcome"] in FAILING:
                bad[r.get("op", "?")].append(r)
    both = counts["same_exc"] + counts["diff_exc"]
    agree = 100.0 * counts["same_exc"] / both if both else 100.0
    return {"counts": counts, "bad": bad, "allowed": allowed_counts, "agreement": agree, "n": len(records)}


def format_report(records, seed, max_per_op=3, max_ops=60, show_diff_exc=False):
    s = summarize(records)
    lines = [f"fuzz: seed={seed} calls={s['n']}"]
    for k in OUTCOMES + ["harness"]:
        if s["counts"].get(k) or k in OUTCOMES:
            na = sum(1 for r in records if r["outcome"] == k and r.get("allowed"))
            lines.append(f"  {OUTCOME_TEXT.get(k, k):34s} {s['counts'].get(k, 0):7d}"
                         + (f"   ({na} allow-listed)" if na else ""))
    lines.append(f"  exception-class agreement where both raise: {s['agreement']:.2f}%")
    if s["allowed"]:
        lines.append("  allow-list hits: " + ", ".join(f"{k}={v}" for k, v in sorted(s["allowed"].items())))
    groups = dict(s["bad"])
    if show_diff_exc:
        for r in records:
            if r["outcome"] == "diff_exc" and not r.get("allowed"):
                groups.setdefault(r.get("op", "?"), []).append(r)
    if groups:
        lines.append(f"\nfindings not on the allow-list, by op ({sum(len(v) for v in groups.values())}):")
    for op, rs in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:max_ops]:
        lines.append(f"\n== {op}: {len(rs)}  ({', '.join(f'{k}={v}' for k, v in Counter(r['outcome'] for r in rs).items())})")
        for r in rs[:max_per_op]:
            c = Case(seed, r["i"], op, r.get("code", ""))
            lines.append(f"-- [{r['outcome']}] {r.get('detail', '')}")
            lines.append(c.reproducer())
    return "\n".join(lines), s
