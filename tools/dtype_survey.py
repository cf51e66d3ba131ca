"""Survey: every op-table entry called with float16/bfloat16/uint8/int8/int16 inputs on fastgrad and torch.

Lists the samples where one library raises and the other does not, where result dtypes differ, and where
values differ beyond the dtype's precision. A measuring tool (imports torch); run from the repository root:
    python tools/dtype_survey.py [dtype ...] [--op NAME_SUBSTRING]
"""
import collections
import sys
import warnings

import numpy as np

sys.path.insert(0, "tests/python")
import torch  # noqa: E402

import fastgrad  # noqa: E402
from op_table import OPS, TIn  # noqa: E402

TOL = {"float16": (2e-3, 2e-3), "bfloat16": (1.6e-2, 1.6e-2)}


def convert(a, lib, dtype, grad):
    if isinstance(a, TIn):
        v = a.value()
        if v.dtype.kind == "f":
            if dtype in ("uint8", "int8", "int16"):
                v = np.round(v * 3)
                if dtype == "uint8":
                    v = np.abs(v)
            t = lib.tensor(v, dtype=getattr(lib, dtype)) if v.ndim else lib.tensor(float(v), dtype=getattr(lib, dtype))
            if grad and dtype in TOL and a.requires_grad:
                t.requires_grad_(True)
            return t
        return lib.from_numpy(np.array(v, copy=True))
    if isinstance(a, (list, tuple)):
        return type(a)(convert(x, lib, dtype, grad) for x in a)
    return a


def to_np(x):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        return x.float().numpy() if x.dtype in (torch.bfloat16, torch.float16) else x.numpy()
    x = x.detach()
    return x.float().numpy() if x.dtype in (fastgrad.bfloat16, fastgrad.float16) else x.numpy()


def flat(o):
    if isinstance(o, (list, tuple)):
        r = []
        for x in o:
            r += flat(x)
        return r
    return [o]


def compare(e, a, dtype):
    fe, fa = flat(e), flat(a)
    if len(fe) != len(fa):
        return "structure"
    for x, y in zip(fe, fa):
        if isinstance(x, torch.Tensor):
            if not isinstance(y, fastgrad.Tensor):
                return "type"
            if str(x.dtype).split(".")[-1] != str(y.dtype).split(".")[-1]:
                return f"dtype fg {y.dtype} torch {x.dtype}"
            if tuple(x.shape) != tuple(y.shape):
                return "shape"
            rt, at = TOL.get(dtype, (1e-6, 1e-6))
            if x.dtype.is_floating_point:
                if not np.allclose(to_np(y), to_np(x), rtol=rt * 4, atol=at * 4, equal_nan=True):
                    return "values"
            elif not np.array_equal(to_np(y), to_np(x)):
                return "values"
    return None


def main():
    args = sys.argv[1:]
    only = None
    if "--op" in args:
        i = args.index("--op")
        only = args[i + 1]
        del args[i:i + 2]
    dtypes = args or ["float16", "bfloat16", "uint8", "int8", "int16"]
    report = collections.defaultdict(list)
    for op in OPS:
        if only and only not in op.name:
            continue
        for dtype in dtypes:
            for s in op.samples():
                res = {}
                for libname, lib in (("torch", torch), ("fg", fastgrad)):
                    try:
                        a = convert(s.args, lib, dtype, op.differentiable)
                        k = {kk: convert(v, lib, dtype, op.differentiable) for kk, v in s.kwargs.items()}
                        lib.manual_seed(0)
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            res[libname] = ("ok", op.op(lib, *a, **k))
                    except Exception as ex:  # noqa: BLE001
                        res[libname] = ("err", f"{type(ex).__name__}: {str(ex).splitlines()[0][:120] if str(ex) else ''}")
                t, f = res["torch"], res["fg"]
                if t[0] == "ok" and f[0] == "err":
                    report[op.name, dtype].append(f"{s.id}: fg raises {f[1]}")
                elif t[0] == "err" and f[0] == "ok":
                    report[op.name, dtype].append(f"{s.id}: torch raises {t[1]}")
                elif t[0] == "ok":
                    try:
                        d = compare(t[1], f[1], dtype)
                    except Exception as ex:  # noqa: BLE001
                        d = f"compare failed {ex}"
                    if d:
                        report[op.name, dtype].append(f"{s.id}: {d}")
    for (name, dtype), lines in sorted(report.items()):
        print(f"{name} [{dtype}] {len(lines)}: {lines[0]}")


if __name__ == "__main__":
    main()
