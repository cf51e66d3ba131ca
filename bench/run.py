"""fastgrad vs PyTorch (and NumPy) benchmark: `python -m bench` or `python bench/run.py`.

Runs each workload of bench/workloads.py on every library in one process, interleaved per repeat, one
thread unless the row says otherwise, and prints medians and the fastgrad/torch ratio against each row's
target. Writes bench/results/latest.json and, with matplotlib, latest.png beside it. See bench/README.md.
"""
import os
import sys

# One thread everywhere unless a row asks for more: this must happen before NumPy, torch or fastgrad load
# their BLAS / OpenMP runtimes.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
               "NUMEXPR_NUM_THREADS")
_already_loaded = [m for m in ("torch", "fastgrad", "numpy") if m in sys.modules]
for _v in THREAD_VARS:
    os.environ[_v] = "1"

if __package__ in (None, ""):  # run as a script: python bench/run.py
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse
import datetime
import faulthandler
import gc
import platform
import subprocess
import time
import traceback
from pathlib import Path

import numpy as np

from bench import report
from bench.harness import Unsupported, measure_interleaved
from bench.workloads import FG, NUMPY, PEERS, TORCH, WORKLOADS, _np, select

RESULTS_DIR = Path(__file__).resolve().parent / "results"


class Options:
    def __init__(self, quick):
        self.quick = quick
        if quick:
            self.repeats, self.min_repeats, self.chunk_s, self.budget_s = 5, 3, 0.005, 2.0
            self.metric_repeats = 3
        else:
            self.repeats, self.min_repeats, self.chunk_s, self.budget_s = 21, 15, 0.02, 15.0
            self.metric_repeats = None  # each metric row's own count


def load_libs():
    libs = {}
    import fastgrad

    libs[FG] = fastgrad
    try:
        import torch

        libs[TORCH] = torch
    except ImportError:
        print("note: torch is not importable; fastgrad runs alone and no ratios are computed", file=sys.stderr)
    libs[NUMPY] = np
    from bench import peers  # the peers group's other engines, measured in their own processes

    for name in PEERS:
        if peers.available(name):
            libs[name] = None
    return libs


def set_threads(libs, n):
    """Set intra-op threads for torch and (if it has the knob) fastgrad; returns notes."""
    notes = []
    if TORCH in libs:
        libs[TORCH].set_num_threads(n)
    fg = libs[FG]
    if hasattr(fg, "set_num_threads"):
        fg.set_num_threads(n)
    elif n != 1:
        notes.append("fastgrad has no set_num_threads: ran single-threaded")
    return notes


def get_threads(libs):
    out = {}
    for name in (FG, TORCH):
        m = libs.get(name)
        if m is not None and hasattr(m, "get_num_threads"):
            out[name] = m.get_num_threads()
    return out


def _short(exc):
    msg = f"{type(exc).__name__}: {exc}".strip()
    return msg.splitlines()[0][:160]


def _compare(ref, got, rtol, atol):
    """None if `got` matches `ref` (lists of results), else a short description of the first difference."""
    if len(ref) != len(got):
        return f"{len(got)} results vs {len(ref)}"
    for i, (r, g) in enumerate(zip(ref, got)):
        rt, at = rtol, atol
        if isinstance(r, tuple):
            r, rt, at = r
        if isinstance(g, tuple):
            g = g[0]
        r, g = _np(r), _np(g)
        if r.shape != g.shape:
            return f"result {i}: shape {g.shape} vs {r.shape}"
        if r.dtype != g.dtype:
            return f"result {i}: dtype {g.dtype} vs {r.dtype}"
        if not np.allclose(g, r, rtol=rt, atol=at, equal_nan=True):
            d = np.max(np.abs(g.astype(np.float64) - r.astype(np.float64)))
            return f"result {i}: max |diff| {d:.3g} (got {g.ravel()[:3]}, want {r.ravel()[:3]})"
    return None


def run_workload(w, libs, opts, verbose=False):
    row = {
        "id": w.id, "name": w.name, "group": w.group, "unit": w.unit, "threads": w.threads,
        "target": w.target, "doc": w.doc, "status": {}, "values": {}, "errors": {}, "notes": [],
        "ratio": None, "met": None,
    }
    if TORCH not in libs:
        row["target"] = None
    row["notes"] += set_threads(libs, w.threads)
    row["threads_actual"] = get_threads(libs)
    benches, checks = {}, {}
    for lib in w.libs:
        if lib not in libs:
            continue
        try:
            case = w.fn(lib, libs[lib], opts)
            if case.bench.kind == "time":
                case.bench.time(1)  # smoke: a missing op or a crash shows here, before any timing
            benches[lib] = case.bench
            if case.check is not None:
                checks[lib] = case.check
        except (AttributeError, Unsupported, NotImplementedError) as e:
            row["status"][lib] = "unsupported"
            row["errors"][lib] = _short(e)
        except Exception as e:  # noqa: BLE001  (a bug, in the library or in the workload)
            row["status"][lib] = "error"
            row["errors"][lib] = _short(e)
            if verbose:
                traceback.print_exc()
    # correctness: same inputs, compare against torch (or NumPy without torch)
    results = {}
    for lib, check in checks.items():
        try:
            results[lib] = check()
        except Exception as e:  # noqa: BLE001
            row["status"][lib] = "error"
            row["errors"][lib] = "check: " + _short(e)
            benches.pop(lib, None)
    ref_lib = TORCH if TORCH in results else (NUMPY if NUMPY in results else None)
    if ref_lib is not None:
        for lib, res in results.items():
            if lib == ref_lib:
                continue
            diff = _compare(results[ref_lib], res, w.rtol, w.atol)
            if diff:
                row["errors"][lib] = f"differs from {ref_lib}: {diff}"
                row["notes"].append(f"{lib} WRONG vs {ref_lib}: {diff}")
                row["mismatch"] = True
    del results, checks
    if benches:
        kind = next(iter(benches.values())).kind
        try:
            if kind == "metric":
                n = opts.metric_repeats or w.repeats or 7
                stats = measure_interleaved(benches, repeats=n, min_repeats=min(n, 3), chunk_s=opts.chunk_s,
                                            budget_s=600.0)
            else:
                stats = measure_interleaved(benches, repeats=opts.repeats,
                                            min_repeats=opts.min_repeats, chunk_s=opts.chunk_s,
                                            budget_s=opts.budget_s, wake=(w.threads or 1) > 1,
                                            settle_s=0.03 if (w.threads or 1) > 1 else 0.0)
        except Exception as e:  # noqa: BLE001
            for lib in benches:
                row["status"][lib] = "error"
                row["errors"][lib] = _short(e)
            stats = {}
            if verbose:
                traceback.print_exc()
        for lib, s in stats.items():
            row["status"][lib] = "ok"
            row["values"][lib] = s
    del benches
    v = row["values"]
    if FG in v and TORCH in v and v[TORCH]["median"] > 0:
        row["ratio"] = v[FG]["median"] / v[TORCH]["median"]
        if row["target"] is not None:
            row["met"] = row["ratio"] <= row["target"]
    for lib in PEERS:  # the peers group: each other engine's time as a multiple of fastgrad's
        if lib in v and FG in v and v[FG]["median"] > 0:
            row["notes"].append(f"{lib} {v[lib]['median'] * 1e6:.3g} us = {v[lib]['median'] / v[FG]['median']:.2f}x fastgrad")
    if w.flops:
        gf = {lib: w.flops / s["median"] / 1e9 for lib, s in v.items()}
        row["gflops"] = gf
        if gf:
            row["notes"].insert(0, "GFLOP/s " + " / ".join(f"{k} {x:.1f}" for k, x in gf.items()))
    for lib, msg in row["errors"].items():
        if row["status"].get(lib) in ("unsupported", "error"):
            row["notes"].append(f"{lib}: {msg}")
    if w.threads != 1:
        row["notes"].append(f"{w.threads} threads")
    set_threads(libs, 1)
    gc.collect()
    return row


def meta_info(libs, opts, argv):
    def git(*args):
        try:
            return subprocess.run(["git", *args], check=False, cwd=Path(__file__).resolve().parent,
                                  capture_output=True, text=True, timeout=10).stdout.strip() or None
        except (OSError, subprocess.SubprocessError):
            return None

    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), None)
    except OSError:
        pass
    fg = libs[FG]
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "argv": argv,
        "quick": opts.quick,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "loadavg_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "fastgrad_version": getattr(fg, "__version__", None),
        "fastgrad_file": getattr(fg, "__file__", None),
        "fastgrad_has_set_num_threads": hasattr(fg, "set_num_threads"),
        "torch_version": getattr(libs.get(TORCH), "__version__", None),
        "numpy_version": np.__version__,
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "thread_env": {v: os.environ.get(v) for v in THREAD_VARS},
        "repeats": opts.repeats,
        "chunk_s": opts.chunk_s,
    }


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="few repeats and short chunks (CI smoke run)")
    ap.add_argument("--only", metavar="PATTERN",
                    help="rows whose name or id contains PATTERN (case-insensitive; globs; 'a|b' for several)")
    ap.add_argument("--json", metavar="PATH", default=str(RESULTS_DIR / "latest.json"),
                    help="where to write the results (default: bench/results/latest.json)")
    ap.add_argument("--png", metavar="PATH", help="chart path (default: the JSON path with .png)")
    ap.add_argument("--no-png", action="store_true", help="do not draw the chart")
    ap.add_argument("--repeats", type=int, help="repeats per timed row (default 21, --quick 5)")
    ap.add_argument("--list", action="store_true", help="list the workloads and exit")
    ap.add_argument("-v", "--verbose", action="store_true", help="print tracebacks of failing workloads")
    args = ap.parse_args(argv)

    if args.list:
        for w in WORKLOADS:
            tgt = f"  target ≤{w.target:g}" if w.target else ""
            print(f"{w.id:16} {w.name}{tgt}")
        return 0
    selected = select(args.only)
    if not selected:
        print(f"no workload matches {args.only!r} (see --list)", file=sys.stderr)
        return 2

    faulthandler.enable()
    if _already_loaded:
        print(f"warning: {', '.join(_already_loaded)} imported before bench set the thread variables",
              file=sys.stderr)
    opts = Options(args.quick)
    if args.repeats:
        opts.repeats = args.repeats
        opts.min_repeats = min(opts.min_repeats, args.repeats)
    libs = load_libs()
    set_threads(libs, 1)
    meta = meta_info(libs, opts, argv)
    print(f"fastgrad {meta['fastgrad_version']} vs torch {meta['torch_version']} vs numpy {meta['numpy_version']}"
          f" | {meta['cpu']} x{meta['cpu_count']} | load {meta['loadavg_start']}"
          f" | {'quick' if opts.quick else 'full'} run, medians, ratio = fastgrad / torch")
    print(report.header(), flush=True)
    rows = []
    t0 = time.perf_counter()
    for w in selected:
        row = run_workload(w, libs, opts, verbose=args.verbose)
        rows.append(row)
        print(report.row_line(row), flush=True)
    meta["elapsed_s"] = time.perf_counter() - t0
    meta["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None

    with_target = [r for r in rows if r["met"] is not None]
    met = sum(1 for r in with_target if r["met"])
    unsupported = [r["name"] for r in rows if r["status"].get(FG) == "unsupported"]
    errors = [r["name"] for r in rows if r["status"].get(FG) == "error" or r.get("mismatch")]
    print()
    print(f"targets met: {met}/{len(with_target)}"
          + (f"; fastgrad unsupported: {len(unsupported)}" if unsupported else "")
          + (f"; fastgrad errors/wrong results: {', '.join(errors)}" if errors else "")
          + f"; {meta['elapsed_s']:.0f} s")
    meta["summary"] = {"targets_met": met, "targets_total": len(with_target), "unsupported": unsupported,
                       "errors": errors}
    report.write_json(args.json, meta, rows)
    print(f"wrote {args.json}")
    if not args.no_png:
        png = args.png or str(Path(args.json).with_suffix(".png"))
        if report.write_png(png, meta, rows):
            print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
