"""Formatting: the printed table, the JSON file and the PNG chart of the ratios."""
import json
import math
from pathlib import Path


def fmt_value(v, unit):
    if v is None:
        return "-"
    if unit == "s":
        if v < 1e-3:
            return f"{v * 1e6:.3g} µs"
        if v < 1.0:
            return f"{v * 1e3:.3g} ms"
        return f"{v:.3g} s"
    if unit == "B":
        if v >= 1e6:
            return f"{v / 1e6:.4g} MB"
        if v >= 1e4:
            return f"{v / 1e3:.4g} kB"
        return f"{v:.4g} B"
    return f"{v:.4g} {unit}"


COLUMNS = [("workload", 44, "<"), ("fastgrad", 10, ">"), ("torch", 10, ">"), ("numpy", 10, ">"),
           ("ratio", 7, ">"), ("target", 7, ">"), ("met", 4, "<"), ("note", 0, "<")]


def _line(cells):
    parts = []
    for (name, width, align), cell in zip(COLUMNS, cells):
        parts.append(f"{cell:{align}{width}}" if width else cell)
    return "  ".join(parts).rstrip()


def header():
    return _line([c[0] for c in COLUMNS]) + "\n" + _line(["-" * (c[1] or 4) for c in COLUMNS])


def row_line(row):
    def cell(lib):
        st = row["status"].get(lib)
        if st is None:
            return "-"
        if st != "ok":
            return st
        return fmt_value(row["values"][lib]["median"], row["unit"])

    ratio = row.get("ratio")
    target = row.get("target")
    met = row.get("met")
    return _line([
        row["name"],
        cell("fastgrad"),
        cell("torch"),
        cell("numpy"),
        "-" if ratio is None else f"{ratio:.3g}",
        "-" if target is None else f"≤{target:g}",
        "-" if met is None else ("yes" if met else "NO"),
        "; ".join(row.get("notes", [])),
    ])


def write_json(path, meta, rows):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        json.dump({"meta": meta, "results": rows}, f, indent=1, default=str)
        f.write("\n")


def write_png(path, meta, rows):
    """Horizontal bars of fastgrad/torch ratios on a log axis; target ticks; returns False if matplotlib
    is not importable."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:  # noqa: BLE001  (optional dependency: any import failure means no chart)
        return False
    data = [r for r in rows if r.get("ratio") is not None and r["ratio"] > 0]
    if not data:
        return False
    names = [r["name"] for r in data][::-1]
    ratios = [r["ratio"] for r in data][::-1]
    targets = [r.get("target") for r in data][::-1]
    colors = []
    for r in data[::-1]:
        met = r.get("met")
        colors.append("#9e9e9e" if met is None else ("#2e7d32" if met else "#c62828"))
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(data) + 1.6))
    y = list(range(len(data)))
    ax.barh(y, ratios, color=colors)
    for yi, t in zip(y, targets):
        if t is not None:
            ax.plot([t, t], [yi - 0.4, yi + 0.4], color="black", linewidth=2)
    for yi, r in zip(y, ratios):
        ax.text(r, yi, f" {r:.2g}", va="center", fontsize=8)
    ax.axvline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    lo = min(min(ratios), min([t for t in targets if t] or [1.0]), 1.0)
    hi = max(max(ratios), 1.0)
    ax.set_xlim(lo / 2, hi * 3)
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize=8)
    ax.set_xlabel("fastgrad / torch (lower is better; black tick = target; green met, red missed)")
    ax.set_title(f"fastgrad vs torch {meta.get('torch_version', '')} — {meta.get('date', '')}", fontsize=10)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None
