"""Runs cases on both libraries and compares them; `python -m tests.python.fuzz.worker` is the child process.

Child protocol (line based): the parent writes `B <seed> <start> <stop>` lines; the child answers `S <i>` before
running case i, then `R <json>` with its result, and `E` after the batch. The parent treats a child that exits
between `S i` and `R` (a signal) or stays there past the timeout as a crash of case i.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import signal
import sys
import time
import warnings

import numpy as np

from .gen import FLOATS, make_case

OUTCOMES = ["ok", "rounding", "value", "grad", "meta", "torch_raises", "fastgrad_raises", "same_exc", "diff_exc",
            "crash"]
OUTCOME_TEXT = {
    "ok": "both ok & equal", "rounding": "float32 differs, fastgrad nearer",
    "value": "value mismatch", "grad": "grad mismatch",
    "meta": "dtype/shape mismatch", "torch_raises": "torch raises & fastgrad returns",
    "fastgrad_raises": "fastgrad raises & torch returns", "same_exc": "both raise same class",
    "diff_exc": "both raise different class", "crash": "crash (signal or timeout)",
}
# Ops whose result sums many terms: the absolute tolerance grows with the largest input magnitude
# (cancellation of huge terms depends on the summation order).
SUMMING = ("sum", "mean", "prod", "cumsum", "cumprod", "matmul", "mm", "bmm", "mv", "dot", "addmm", "addmv",
           "baddbmm", "einsum", "var", "std", "norm", "logsumexp", "linear", "bilinear", "conv", "loss",
           "cross_entropy", "norm", "pool", "softmax", "softmin", "normalize", "@", "similarity", "distance",
           "trace", "std_mean", "var_mean", "index_add", "scatter_add", "index_put", "kl_div", "glu", "outer",
           "ger", "setitem", "nan_to_num")

_LIBS = {}


def libs():
    if not _LIBS:
        import fastgrad
        import torch

        torch.set_num_threads(1)
        fastgrad.set_num_threads(1)
        _LIBS["fastgrad"], _LIBS["torch"] = fastgrad, torch
    return _LIBS


def _namespace(T):
    return {"T": T, "F": T.nn.functional, "np": np, "nan": math.nan, "inf": math.inf}


def _is_tensor(v):
    return type(v).__name__ in ("Tensor", "Parameter") or hasattr(v, "grad_fn") and hasattr(v, "dtype")


def _dtype_name(d):
    return str(d).split(".")[-1]


def summarize(v, depth=0):
    """A library-independent description of a result: ('t', dtype, shape, array, requires_grad) etc."""
    if depth > 4:
        return ("deep",)
    if _is_tensor(v):
        w = v.detach()
        if _dtype_name(v.dtype) == "bfloat16":  # NumPy has no bfloat16: float32 holds it exactly
            w = w.float()
        arr = w.numpy().copy() if v.numel() > 0 else np.zeros(tuple(v.shape), dtype="float64")
        return ("t", _dtype_name(v.dtype), tuple(v.shape), arr, bool(v.requires_grad))
    if isinstance(v, (bool, np.bool_)):
        return ("bool", bool(v))
    if isinstance(v, int):
        return ("int", int(v))
    if isinstance(v, float):
        return ("float", v)
    if v is None:
        return ("none",)
    if isinstance(v, str):
        return ("str", v)
    if type(v).__name__ == "Size":
        return ("size", tuple(v))
    if type(v).__name__ == "dtype":
        return ("dtype", _dtype_name(v))
    if isinstance(v, (tuple, list)):
        return ("seq", tuple(summarize(x, depth + 1) for x in v))
    return ("other", type(v).__name__)


# half-precision results (from .half(), .to(float16), ...): compared with the tolerances torch.testing uses
HALF_TOL = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5)}


def _tol(dtype, summing, scale):
    if dtype in HALF_TOL:
        return HALF_TOL[dtype]
    if dtype == "float32":
        rtol, atol = 1.3e-5 if not summing else 1e-4, 1e-5
        eps = 1.2e-7
    else:
        rtol, atol = 1e-7 if not summing else 1e-6, 1e-7
        eps = 2.3e-16
    if summing and scale > 0 and math.isfinite(scale):
        atol += scale * eps * 64
    return rtol, atol


def _close(a, b, dtype, summing, scale):
    if dtype in FLOATS or dtype in HALF_TOL:
        a64, b64 = a.astype("float64"), b.astype("float64")
        rtol, atol = _tol(dtype, summing, scale)
        return bool(np.allclose(a64, b64, rtol=rtol, atol=atol, equal_nan=True))
    return bool(np.array_equal(a, b))


def compare(fs, ts, summing, scale, path="out", precision=None):
    """None when equal; else (kind, detail) with kind 'meta' or 'value'. `precision` ("float32") widens the
    tolerance of float64 arrays computed through float32 (gradients of a float64 leaf whose output is float32,
    as softmax(x, dtype=float32) makes)."""
    if fs[0] != ts[0]:
        if {fs[0], ts[0]} <= {"seq", "size"}:
            fs = ("seq", tuple(("int", v) for v in fs[1])) if fs[0] == "size" else fs
            ts = ("seq", tuple(("int", v) for v in ts[1])) if ts[0] == "size" else ts
        else:
            return "meta", f"{path}: fastgrad {fs[0]} vs torch {ts[0]}"
    k = fs[0]
    if k == "t":
        _, fd, fsh, fa, frg = fs
        _, td, tsh, ta, trg = ts
        if fd != td or fsh != tsh:
            return "meta", f"{path}: fastgrad {fd}{list(fsh)} vs torch {td}{list(tsh)}"
        if frg != trg:
            return "meta", f"{path}: requires_grad fastgrad {frg} vs torch {trg}"
        if not _close(fa, ta, precision if precision == "float32" and fd in FLOATS else fd, summing, scale):
            return "value", f"{path}: fastgrad {_short(fa)} vs torch {_short(ta)}"
        return None
    if k == "seq":
        if len(fs[1]) != len(ts[1]):
            return "meta", f"{path}: length fastgrad {len(fs[1])} vs torch {len(ts[1])}"
        for i, (a, b) in enumerate(zip(fs[1], ts[1])):
            r = compare(a, b, summing, scale, f"{path}[{i}]", precision)
            if r:
                return r
        return None
    if k == "float":
        a, b = fs[1], ts[1]
        if not (a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6)):
            return "value", f"{path}: fastgrad {a!r} vs torch {b!r}"
        return None
    if fs != ts:
        return ("value" if k in ("int", "bool") else "meta"), f"{path}: fastgrad {fs[1:]!r} vs torch {ts[1:]!r}"
    return None


def _short(a, n=8):
    flat = np.asarray(a).reshape(-1)
    s = np.array2string(flat[:n], precision=6, separator=", ")
    return s + (" ..." if flat.size > n else "")


def _tensors(v):
    if _is_tensor(v):
        return [v]
    if isinstance(v, (tuple, list)):
        return [t for x in v for t in _tensors(x)]
    return []


def run_one(T, case):
    """Runs `case` on library T: returns dict with 'exc' or 'out' (+ 'args' after, + grads)."""
    ns = _namespace(T)
    res = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(case.code, ns)
        except Exception as e:  # noqa: BLE001 - any exception is an outcome to compare
            res["exc"] = type(e).__name__
            res["msg"] = str(e).split("\n")[0][:200]
            return res, ns
        try:
            res["out"] = summarize(ns.get("out"))
            res["args"] = [summarize(ns[a]) for a in case.args if a in ns]
        except Exception as e:  # noqa: BLE001 - e.g. a dtype NumPy cannot hold
            res["out"] = ("other", f"unreadable result: {type(e).__name__}: {e}"[:200])
            res["args"] = []
    return res, ns


def run_backward(T, ns, case, upstream):
    """Backward from the float outputs that require grad, with the given upstream arrays; returns summaries."""
    outs = [t for t in _tensors(ns.get("out")) if t.requires_grad and _dtype_name(t.dtype) in FLOATS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            grads = [T.tensor(upstream[i].astype(_dtype_name(o.dtype))) for i, o in enumerate(outs)]
            T.autograd.backward(outs, grads)
        except Exception as e:  # noqa: BLE001
            return {"exc": type(e).__name__, "msg": str(e).split("\n")[0][:200]}
    return {"grads": [summarize(ns[a].grad) for a in case.leaves]}


def _scale(case):
    """Largest finite magnitude in the literal inputs (for the summing tolerance)."""
    m = 0.0
    for tok in case.code.replace("[", " ").replace("]", " ").replace(",", " ").replace("(", " ").split():
        try:
            v = abs(float(tok))
        except ValueError:
            continue
        if math.isfinite(v):
            m = max(m, v)
    return m


def _injected(index):
    """FASTGRAD_FUZZ_INJECT=crash:I / hang:I: the harness's own tests make case I die or hang."""
    spec = os.environ.get("FASTGRAD_FUZZ_INJECT", "")
    for item in spec.split(","):
        kind, _, i = item.partition(":")
        if i and int(i) == index:
            if kind == "crash":
                os.kill(os.getpid(), signal.SIGSEGV)
            if kind == "hang":
                time.sleep(3600)


def check_case(seed, index):
    """Generates and runs case (seed, index) on both libraries; returns the result record."""
    L = libs()
    _injected(index)
    case = make_case(seed, index)
    rec = {"i": index, "op": case.op}
    tr, tns = run_one(L["torch"], case)
    fr, fns = run_one(L["fastgrad"], case)
    outcome, detail = "ok", ""
    if "exc" in tr and "exc" in fr:
        outcome = "same_exc" if tr["exc"] == fr["exc"] else "diff_exc"
        detail = f"fastgrad {fr['exc']}: {fr['msg']} | torch {tr['exc']}: {tr['msg']}"
    elif "exc" in tr:
        outcome, detail = "torch_raises", f"torch {tr['exc']}: {tr['msg']}"
    elif "exc" in fr:
        outcome, detail = "fastgrad_raises", f"fastgrad {fr['exc']}: {fr['msg']}"
    else:
        summing = any(s in case.op for s in SUMMING)
        scale = _scale(case)
        if case.random:
            r = compare(_meta_only(fr["out"]), _meta_only(tr["out"]), summing, scale)
        else:
            r = compare(fr["out"], tr["out"], summing, scale)
            if r is None:
                r = compare(("seq", tuple(fr["args"])), ("seq", tuple(tr["args"])), summing, scale, "args")
        if r:
            outcome, detail = r
            if outcome == "value" and _referee(case, fr["out"], tr["out"]):
                outcome = "rounding"
        elif case.leaves and not case.random:
            outcome, detail = _check_grads(seed, index, case, tns, fns, summing, scale)
    rec["outcome"] = outcome
    if outcome != "ok":
        rec["detail"] = detail[:400]
        rec["code"] = case.code
        if "exc" in fr:
            rec["fexc"] = fr["exc"]
        if "exc" in tr:
            rec["texc"] = tr["exc"]
    return rec


def _meta_only(s):
    if s[0] == "t":
        return ("t", s[1], s[2], np.zeros(0), s[4])
    if s[0] == "seq":
        return ("seq", tuple(_meta_only(x) for x in s[1]))
    if s[0] in ("float", "int"):
        return (s[0], 0)
    return s


def _check_grads(seed, index, case, tns, fns, summing, scale):
    touts = [t for t in _tensors(tns.get("out")) if t.requires_grad and _dtype_name(t.dtype) in FLOATS]
    if not touts:
        return "ok", ""
    rng = np.random.default_rng([seed, index, 7])
    upstream = [np.asarray(np.round(rng.normal(size=tuple(t.shape)), 2)) for t in touts]
    tg = run_backward(libs()["torch"], tns, case, upstream)
    fg = run_backward(libs()["fastgrad"], fns, case, upstream)
    if "exc" in tg and "exc" in fg:
        return "ok", ""
    if "exc" in tg:
        return "torch_raises", f"backward: torch {tg['exc']}: {tg['msg']}"
    if "exc" in fg:
        return "fastgrad_raises", f"backward: fastgrad {fg['exc']}: {fg['msg']}"
    precision = "float32" if any(_dtype_name(t.dtype) == "float32" for t in touts) else None
    r = compare(("seq", tuple(fg["grads"])), ("seq", tuple(tg["grads"])), True, max(scale, 1.0), "grads", precision)
    if r:
        detail = r[1] + "  upstream=" + "; ".join(_short(u, 64) for u in upstream)
        # the float64 referee runs the same upstream, rounded to the float32 the two libraries received
        narrowed = [u.astype("float32").astype("float64") if _dtype_name(t.dtype) == "float32" else u
                    for u, t in zip(upstream, touts)]
        if _referee(case, ("seq", tuple(fg["grads"])), ("seq", tuple(tg["grads"])), narrowed):
            return "rounding", detail
        return "grad", detail
    return "ok", ""


# ---- the float64 referee
# Where fastgrad's float32 result differs from torch's beyond tolerance, the two may simply round differently
# where the problem is ill-conditioned (a near-constant normalisation group: x - mean is rounding noise that
# 1/sqrt(eps) amplifies; torch's own answer moves by as much between its CPU capability levels), or torch's
# float32 intermediate may overflow where fastgrad's does not (layer_norm of [3e38]: torch computes
# x * rstd - mean * rstd = inf - inf). The referee runs the same case on torch with every float32 input widened
# exactly to float64 and counts the mismatch as "rounding" only when, element by element, fastgrad's result is
# within tolerance of the float64 result or no farther from it than torch's. Anything else stays a mismatch.


def widen_code(code):
    """The reproducer with its float32 inputs widened exactly to float64 (None when there are none)."""
    if "float32" not in code:
        return None
    return (code.replace("dtype='float32')", "dtype='float32').astype('float64')")
            .replace("T.float32", "T.float64").replace(".float()", ".double()"))


def no_less_accurate(a, b, r):
    """a (fastgrad) against b (torch) and r (the float64 result): every element within float32 tolerance of b
    or of r, or all three finite and a no farther from r than b; or, where every element is finite, fastgrad's
    largest error at most twice torch's (rounding noise in an ill-conditioned result is random in magnitude)."""
    a, b, r = (np.asarray(v, dtype="float64") for v in (a, b, r))
    if a.shape != b.shape or a.shape != r.shape:
        return False
    rtol, atol = _tol("float32", False, 0.0)
    near_b = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
    near_r = np.isclose(a, r, rtol=rtol, atol=atol, equal_nan=True)
    finite = np.isfinite(a) & np.isfinite(b) & np.isfinite(r)
    with np.errstate(invalid="ignore", over="ignore"):
        nearer = finite & (np.abs(a - r) <= np.abs(b - r))
        if np.all(near_b | near_r | nearer):
            return True
        return bool(np.all(finite) and np.max(np.abs(a - r)) <= 2 * np.max(np.abs(b - r)))


def _referee(case, fs, ts, upstream=None):
    """Whether every float32 array where fastgrad's summary fs and torch's ts differ passes no_less_accurate
    against torch's float64 run of the widened case (outputs, or with `upstream` the leaves' gradients)."""
    code = widen_code(case.code)
    if code is None or case.random:
        return False
    T = libs()["torch"]
    res, ns = run_one(T, dataclasses.replace(case, code=code))
    if "exc" in res:
        return False
    if upstream is None:
        rs = res["out"]
    else:
        outs = [t for t in _tensors(ns.get("out")) if t.requires_grad and _dtype_name(t.dtype) in FLOATS]
        if len(outs) != len(upstream):
            return False
        g = run_backward(T, ns, case, upstream)
        if "exc" in g:
            return False
        rs = ("seq", tuple(g["grads"]))
    return _judge(fs, ts, rs)


def _judge(fs, ts, rs):
    if not (fs[0] == ts[0] == rs[0]):
        return False
    if fs[0] == "seq":
        return len(fs[1]) == len(ts[1]) == len(rs[1]) and all(_judge(*x) for x in zip(fs[1], ts[1], rs[1]))
    if fs[0] != "t":
        return fs == ts
    if fs[1] != ts[1] or fs[2] != ts[2]:
        return False
    if _close(fs[3], ts[3], fs[1], False, 0.0):
        return True
    return fs[1] == "float32" and rs[1] == "float64" and no_less_accurate(fs[3], ts[3], rs[3])


# A case may ask either library for an absurd amount of memory; on a shared machine the child must fail (an
# allocation error in the library, or a crash of the child) before the machine starts swapping. RLIMIT_DATA
# bounds the heap and anonymous mmaps (Linux >= 4.7) without touching the address space the libraries reserve.
MEMORY_LIMIT = int(os.environ.get("FASTGRAD_FUZZ_MEMORY_MB", "3072")) << 20


def under_asan(env=os.environ):
    """True in CI's asan-python stage (.ci/sanitize), where the ASan runtime is preloaded."""
    return "libasan" in env.get("LD_PRELOAD", "")


def _limit_memory():
    # ASan maps its shadow memory and its heap with anonymous mmaps, which RLIMIT_DATA counts: under ASan
    # every later mmap would fail ("ERROR: Failed to mmap"). There the parent caps each allocation through
    # ASan's max_allocation_size_mb instead (runner.Child).
    if under_asan():
        return
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        limit = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass


def main():
    libs()
    _limit_memory()
    out = sys.stdout
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "Q":
            break
        _, seed, start, stop = parts
        for i in range(int(start), int(stop)):
            out.write(f"S {i}\n")
            out.flush()
            try:
                rec = check_case(int(seed), i)
            except Exception as e:  # noqa: BLE001 - a harness error is reported, not fatal
                rec = {"i": i, "op": "?", "outcome": "harness", "detail": f"{type(e).__name__}: {e}"[:400]}
            out.write("R " + json.dumps(rec) + "\n")
        out.write("E\n")
        out.flush()


if __name__ == "__main__":
    main()
