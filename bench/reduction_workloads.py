"""The `kernels` group, continued: the normalisation layers' remaining rows (batch_norm and group_norm forward, and
2 threads), scans (cumsum / cumprod along either dim of 4096x1024), reductions over a dim (max / amax / argmax
along either dim of 4096x1024) and the index ops (index_select / gather / embedding), forward and forward +
backward, at 1 and 2 threads. Registered into `bench.workloads.WORKLOADS` when `bench.workloads` is imported.

Forward + backward rows time `f(x).backward(g)` on a fresh graph per call with `x.grad` reset to None first
(as in kernel_workloads.py): the forward kernel, the backward kernel and the gradient's accumulation."""
from __future__ import annotations

import numpy as np

from .harness import Stmt
from .kernel_workloads import _backward_case
from .workloads import Case, _norm_case, _np, _rng, workload

ROWS, COLS = 4096, 1024


def _threads_label(threads):
    return f"{threads} thread{'s' if threads > 1 else ''}"


def _register(id_, name, fn, backward, threads, rtol=1e-4, atol=1e-5):
    workload(
        f"{id_}_{'fb' if backward else 'f'}_t{threads}",
        f"{name} {'fwd+bwd' if backward else 'fwd'}, {_threads_label(threads)}",
        "kernels",
        target=1.0,
        threads=threads,
        rtol=rtol,
        atol=atol,
    )(fn)


# ---- normalisation: the rows workloads.py does not have (it times forward + backward at 1 thread) ----

_NORM_SHAPE = (64, 256, 14, 14)


def _norm_workload(op, backward, threads):
    def fn(lib, T, opts):
        return _norm_case(T, op, _NORM_SHAPE, backward)

    fn.__doc__ = f"`F.{op}` on float32 64x256x14x14 with weight and bias{' (training)' if op == 'batch_norm' else ' (32 groups)'}."
    _register(f"k_{op}", f"{op} 64x256x14x14", fn, backward, threads, rtol=1e-3, atol=1e-3)


for _op in ("batch_norm", "group_norm"):
    for _bwd, _threads in ((False, 1), (False, 2), (True, 2)):
        _norm_workload(_op, _bwd, _threads)


# ---- scans and reductions along a dim of 4096x1024 ----


def _dim_workload(op, dim, backward, threads):
    def fn(lib, T, opts):
        r = _rng(21)
        if op == "cumprod":  # products of values near 1 stay finite along 4096 rows
            xn = (1 + np.float32(0.01) * r.standard_normal((ROWS, COLS), dtype=np.float32)).astype(np.float32)
        else:
            xn = r.standard_normal((ROWS, COLS), dtype=np.float32)
        f = {
            "cumsum": lambda x: T.cumsum(x, dim),
            "cumprod": lambda x: T.cumprod(x, dim),
            "max": lambda x: T.max(x, dim)[0],
            "amax": lambda x: T.amax(x, dim),
            "argmax": lambda x: T.argmax(x, dim),
        }[op]
        if not backward:
            x = T.tensor(xn)
            return Case(Stmt("f(x)", {"f": f, "x": x}), check=lambda: [_np(f(x)).reshape(-1)[::97]])
        g_shape = (ROWS, COLS) if op.startswith("cum") else ((COLS,) if dim == 0 else (ROWS,))
        return _backward_case(T, f, xn, 22, 97, g_shape)

    fn.__doc__ = f"`{op}(x, {dim})` over a (4096, 1024) float32 tensor."
    # cumsum along 4096 rows: float32 sums whose association may differ in the last bits
    tol = dict(rtol=1e-3, atol=1e-3) if op.startswith("cum") else {}
    _register(f"k_{op}_d{dim}", f"{op}(dim={dim}) 4096x1024", fn, backward, threads, **tol)


for _op, _bwds in (("cumsum", (False, True)), ("cumprod", (False, True)), ("max", (False, True)),
                   ("amax", (False,)), ("argmax", (False,))):
    for _dim in (0, 1):
        for _bwd in _bwds:
            for _threads in (1, 2):
                _dim_workload(_op, _dim, _bwd, _threads)


# ---- index ops ----

EMB_ROWS, EMB_DIM, N_IDX = 50_000, 256, 8192


def _index_workload(op, backward, threads):
    def fn(lib, T, opts):
        r = _rng(31)
        if op == "gather":  # 4096x1024, 256 positions per row along dim 1
            xn = r.standard_normal((ROWS, COLS), dtype=np.float32)
            idx = T.tensor(r.integers(0, COLS, (ROWS, 256)))
            f = lambda x: T.gather(x, 1, idx)  # noqa: E731
        else:  # a 50k x 256 table, 8k rows looked up
            xn = r.standard_normal((EMB_ROWS, EMB_DIM), dtype=np.float32)
            idx = T.tensor(r.integers(0, EMB_ROWS, N_IDX))
            if op == "index_select":
                f = lambda x: T.index_select(x, 0, idx)  # noqa: E731
            else:
                f = lambda x: T.nn.functional.embedding(idx, x)  # noqa: E731
        if not backward:
            x = T.tensor(xn)
            return Case(Stmt("f(x)", {"f": f, "x": x}), check=lambda: [_np(f(x)).reshape(-1)[::97]])
        return _backward_case(T, f, xn, 32, 97, tuple(f(T.tensor(xn)).shape))

    fn.__doc__ = {
        "gather": "`gather(x, 1, idx)` of a (4096, 1024) float32 tensor with idx (4096, 256).",
        "index_select": "`index_select(w, 0, idx)` of a (50000, 256) float32 table with 8192 indices.",
        "embedding": "`F.embedding(idx, w)` of a (50000, 256) float32 table with 8192 indices.",
    }[op]
    size = "4096x1024 idx 4096x256" if op == "gather" else "50000x256 8192 idx"
    _register(f"k_{op}", f"{op} {size}", fn, backward, threads)


for _op in ("index_select", "gather", "embedding"):
    for _bwd in (False, True):
        for _threads in (1, 2):
            _index_workload(_op, _bwd, _threads)
