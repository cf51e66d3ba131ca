"""The workloads: one function per row, written once against the PyTorch API and run on `fastgrad` and on
`torch` (the same code: `import fastgrad as torch`), and on NumPy where the row has a NumPy equivalent.

A workload function `fn(lib, T, opts)` gets the library name ("fastgrad", "torch" or "numpy"), its module and
the run options, and returns a `Case`: the Bench to time (see harness.py) and, optionally, a `check` that
recomputes the workload's result once on fresh state and returns it as NumPy arrays; run.py compares those
across libraries so that a fast wrong answer does not pass unnoticed. Inputs come from a seeded NumPy
generator, so every library sees the same numbers.

A library that lacks an op raises AttributeError (or `Unsupported`), which the row reports as
"unsupported"; any other exception is reported as an error.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .harness import Call, Metric, Prepared, Stmt, Unsupported

FG, TORCH, NUMPY = "fastgrad", "torch", "numpy"


@dataclass
class Case:
    bench: object
    check: Callable[[], list] | None = None


@dataclass
class Workload:
    id: str
    name: str
    fn: Callable
    group: str
    target: float | None = None
    threads: int = 1
    libs: tuple[str, ...] = (FG, TORCH)
    unit: str = "s"  # "s" for timed rows (seconds per call); metric rows give their own unit
    flops: float | None = None  # per call, to report GFLOP/s
    rtol: float = 1e-4
    atol: float = 1e-5
    repeats: int | None = None  # metric rows (subprocesses) use fewer repeats
    doc: str = ""


WORKLOADS = []


def workload(id, name, group, **kw):
    def deco(fn):
        WORKLOADS.append(Workload(id=id, name=name, fn=fn, group=group, doc=(fn.__doc__ or "").strip(), **kw))
        return fn

    return deco


def _rng(seed=0):
    return np.random.default_rng(seed)


def _np(x):
    """A result as a NumPy array (tensor of either library, NumPy array or Python number)."""
    if hasattr(x, "detach"):
        return np.array(x.detach().numpy(), copy=True)
    return np.array(x, copy=True)


def _leaf(T, arr, requires_grad=True):
    return T.tensor(arr, requires_grad=requires_grad)


# ---------------------------------------------------------------------------------------------------------
# Per-op overhead on tiny tensors


def _add3(lib, T, requires_grad):
    r = _rng()
    an, bn = r.standard_normal(3).astype(np.float32), r.standard_normal(3).astype(np.float32)
    if lib == NUMPY:
        return Case(Stmt("a + b", {"a": an, "b": bn}), check=lambda: [an + bn])
    a, b = _leaf(T, an, requires_grad), _leaf(T, bn, requires_grad)
    return Case(Stmt("a + b", {"a": a, "b": b}), check=lambda: [a + b])


@workload("add3_grad", "a + b, (3,), requires_grad", "overhead", target=0.25)
def add3_grad(lib, T, opts):
    """`a + b` on two (3,) float32 leaves with requires_grad=True: result tensor + AddBackward0 node,
    created and freed per call."""
    return _add3(lib, T, True)


@workload("add3_nograd", "a + b, (3,), no grad", "overhead", target=0.30, libs=(FG, TORCH, NUMPY))
def add3_nograd(lib, T, opts):
    """`a + b` on two (3,) float32 tensors without requires_grad (NumPy: two (3,) arrays)."""
    return _add3(lib, T, False)


def _two_op_leaves(T):
    r = _rng(1)
    a = _leaf(T, r.standard_normal(3).astype(np.float32))
    b = _leaf(T, r.standard_normal(3).astype(np.float32))
    return a, b


def _two_op_check(T):
    a, b = _two_op_leaves(T)
    (a * b).sum().backward()
    return [a.grad, b.grad]


@workload("bwd_2op", "backward() on a 2-op graph", "overhead", target=0.10)
def bwd_2op(lib, T, opts):
    """backward() alone on `(a * b).sum()` (two ops: MulBackward0, SumBackward0, and two AccumulateGrad for
    the (3,) leaves). `number` graphs are built before the clock starts; the clock covers one backward()
    per graph; the graphs are dropped after it stops. So the row is backward's cost including releasing
    saved tensors and accumulating into the leaves' existing .grad, excluding graph construction and the
    final deallocation of the nodes. (Re-running one graph with retain_graph=True would skip the release
    and hit ever-warm caches: not what a training loop does.)"""
    a, b = _two_op_leaves(T)

    def prepare(n):
        return [(a * b).sum() for _ in range(n)]

    def run(losses):
        for loss in losses:
            loss.backward()

    return Case(Prepared(prepare, run, group=16), check=lambda: _two_op_check(T))


@workload("fwdbwd_2op", "2-op graph, forward + backward", "overhead")
def fwdbwd_2op(lib, T, opts):
    """`(a * b).sum().backward()` per call: build the 2-op graph, run backward, free the graph."""
    a, b = _two_op_leaves(T)
    return Case(Stmt("(a * b).sum().backward()", {"a": a, "b": b}), check=lambda: _two_op_check(T))


CHAIN = 1000


def _chain(T, x, n=CHAIN):
    y = x
    for _ in range(n):
        y = y * 1.001
    return y


def _chain_check(T):
    x = T.tensor(1.0, requires_grad=True)
    _chain(T, x).backward()
    return [x.grad]


@workload("chain_bwd", "1000-node chain backward", "overhead", target=0.30)
def chain_bwd(lib, T, opts):
    """backward() alone on a chain of 1000 MulBackward0 nodes (`y = y * 1.001` from a 0-d leaf), the
    chain built right before the clock starts and dropped after it stops (as in the 2-op row)."""
    x = T.tensor(1.0, requires_grad=True)

    def prepare(n):
        return [_chain(T, x) for _ in range(n)]

    def run(ys):
        for y in ys:
            y.backward()

    return Case(Prepared(prepare, run, group=1), check=lambda: _chain_check(T))


@workload("chain_fwdbwd", "1000-node chain, forward + backward", "overhead")
def chain_fwdbwd(lib, T, opts):
    """Build the 1000-node chain, backward(), free it: per call."""
    x = T.tensor(1.0, requires_grad=True)

    def step():
        _chain(T, x).backward()

    return Case(Call(step), check=lambda: _chain_check(T))


# ---------------------------------------------------------------------------------------------------------
# Tutorial-sized training loops


def _linreg_state(T):
    r = _rng(42)
    xn = r.random((100, 1)).astype(np.float32)
    yn = (1 + 2 * xn + 0.1 * r.standard_normal((100, 1))).astype(np.float32)
    x, y = T.tensor(xn), T.tensor(yn)
    b = _leaf(T, r.standard_normal(1).astype(np.float32))
    w = _leaf(T, r.standard_normal(1).astype(np.float32))
    lr = 0.1

    def epoch():
        nonlocal b, w  # the tutorial's `b -= ...` rebinds the name (to the same tensor: in-place)
        yhat = b + w * x
        error = y - yhat
        loss = (error**2).mean()
        loss.backward()
        with T.no_grad():
            b -= lr * b.grad
            w -= lr * w.grad
        b.grad.zero_()
        w.grad.zero_()
        return loss

    return epoch, b, w


@workload("linreg_epoch", "linear-regression epoch (100 points)", "tutorial", target=0.20)
def linreg_epoch(lib, T, opts):
    """One epoch of the autograd tutorial's linear regression on 100 points, x of shape (100, 1):
    `yhat = b + w * x; loss = ((y - yhat) ** 2).mean(); loss.backward()`, the update under no_grad
    (`b -= lr * b.grad`, same for w), then `b.grad.zero_(); w.grad.zero_()`."""
    epoch, _, _ = _linreg_state(T)

    def check():
        ep, b, w = _linreg_state(T)
        losses = [ep() for _ in range(3)]
        return losses + [b, w]

    return Case(Call(epoch), check=check)


MICRO_SIZES = (3, 4, 4, 1)
MICRO_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
MICRO_YS = [1.0, -1.0, -1.0, 1.0]


def _micro_state(T):
    r = _rng(7)
    layers = []
    for nin, nout in zip(MICRO_SIZES[:-1], MICRO_SIZES[1:]):
        layer = []
        for _ in range(nout):
            w = [T.tensor(float(v), requires_grad=True) for v in r.uniform(-1, 1, nin)]
            b = T.tensor(float(r.uniform(-1, 1)), requires_grad=True)
            layer.append((w, b))
        layers.append(layer)
    params = [p for layer in layers for (w, b) in layer for p in (*w, b)]
    lr = 0.05

    def forward(x):
        for layer in layers:
            out = []
            for w, b in layer:
                act = b
                for wi, xi in zip(w, x):
                    act = act + wi * xi
                out.append(act.tanh())
            x = out
        return x[0]

    def step():
        loss = None
        for x, y in zip(MICRO_XS, MICRO_YS):
            d = forward(x) - y
            loss = d * d if loss is None else loss + d * d
        loss.backward()
        with T.no_grad():
            for p in params:
                p -= lr * p.grad
        for p in params:
            p.grad = None
        return loss

    return step, params


@workload("micro_mlp", "scalar MLP of 0-d tensors (3-4-4-1)", "tutorial", target=0.25)
def micro_mlp(lib, T, opts):
    """A micrograd-style MLP built from 0-d tensors: 3-4-4-1 tanh neurons (41 parameters), one training
    step over micrograd's 4 samples: forward (`act = b + sum(w_i * x_i)`, `tanh`; the first layer's inputs
    are Python floats), loss = sum of squared errors, backward, SGD update under no_grad, `p.grad = None`.
    About 300 op nodes (+ 41 AccumulateGrad) per step."""
    step, _ = _micro_state(T)

    def check():
        st, params = _micro_state(T)
        losses = [st() for _ in range(3)]
        return losses + params

    return Case(Call(step), check=check)


# ---------------------------------------------------------------------------------------------------------
# Big tensors


def _sgemm(lib, T, n):
    r = _rng(5)
    an = r.standard_normal((n, n)).astype(np.float32)
    bn = r.standard_normal((n, n)).astype(np.float32)
    if lib == NUMPY:
        return Case(Stmt("a @ b", {"a": an, "b": bn}), check=lambda: [an @ bn])
    a, b = T.tensor(an), T.tensor(bn)
    return Case(Stmt("mm(a, b)", {"mm": T.mm, "a": a, "b": b}), check=lambda: [T.mm(a, b)])


for _n, _target in ((1024, None), (2048, 1.10)):

    def _fn(lib, T, opts, n=_n):
        return _sgemm(lib, T, n)

    _fn.__doc__ = f"""C = A @ B, float32 ({_n}, {_n}) operands, fresh output, no grad: `fastgrad.mm` vs
    `torch.mm` vs NumPy's `@`. GFLOP/s = 2 n^3 / time."""
    workload(
        f"sgemm{_n}",
        f"sgemm {_n}",
        "throughput",
        target=_target,
        libs=(FG, TORCH, NUMPY),
        flops=2.0 * _n**3,
        rtol=1e-3,
        atol=1e-3,
    )(_fn)

BIG = 16 * 1024 * 1024


@workload("add16m", "add 16M floats, fresh output", "throughput", target=0.55, libs=(FG, TORCH, NUMPY))
def add16m(lib, T, opts):
    """`a + b` on two contiguous float32 tensors of 16M elements (64 MB each), each call allocating a
    fresh 64 MB output (and freeing the previous one)."""
    r = _rng(6)
    an = r.standard_normal(BIG, dtype=np.float32)
    bn = r.standard_normal(BIG, dtype=np.float32)
    if lib == NUMPY:
        return Case(Stmt("a + b", {"a": an, "b": bn}), check=lambda: [(an + bn)[::4099]])
    a, b = T.tensor(an), T.tensor(bn)
    return Case(Stmt("a + b", {"a": a, "b": b}), check=lambda: [_np(a + b)[::4099]])


@workload(
    "sum16m", "sum 16M floats", "throughput", target=1.10, libs=(FG, TORCH, NUMPY), rtol=1e-4, atol=0.1
)
def sum16m(lib, T, opts):
    """`a.sum()` over a contiguous float32 tensor of 16M elements. The check compares the sum of the
    random data, and requires the sum of 16M ones to be exactly 16777216."""
    r = _rng(8)
    an = r.standard_normal(BIG, dtype=np.float32)
    if lib == NUMPY:
        return Case(Stmt("a.sum()", {"a": an}), check=lambda: [an.sum(), (np.ones(BIG, np.float32).sum(), 0, 0)])
    a = T.tensor(an)
    return Case(Stmt("a.sum()", {"a": a}), check=lambda: [a.sum(), (T.ones(BIG).sum(), 0, 0)])


# ---------------------------------------------------------------------------------------------------------
# Fused kernels: the normalisation layers (cpp/src/cpu/norm.cpp)


def _norm_case(T, op, shape, backward):
    """One call of a normalisation layer on float32 `shape` (forward, or forward + backward with the grads
    reset to None); the check returns the output and every gradient of a fresh call."""
    F = T.nn.functional
    r = _rng(9)
    c = shape[-1] if op in ("layer_norm", "rms_norm") else shape[1]
    x = _leaf(T, r.standard_normal(shape).astype(np.float32), backward)
    w = _leaf(T, (1 + 0.1 * r.standard_normal(c)).astype(np.float32), backward)
    b = _leaf(T, (0.1 * r.standard_normal(c)).astype(np.float32), backward)
    g = T.tensor(r.standard_normal(shape).astype(np.float32))
    rm, rv = T.zeros(c), T.ones(c)
    calls = {
        "layer_norm": lambda: F.layer_norm(x, (c,), w, b),
        "rms_norm": lambda: F.rms_norm(x, (c,), w, 1e-6),
        "batch_norm": lambda: F.batch_norm(x, rm, rv, w, b, training=True),
        "group_norm": lambda: F.group_norm(x, 32, w, b),
    }
    fwd = calls[op]
    leaves = [x, w] if op == "rms_norm" else [x, w, b]

    def step():
        y = fwd()
        if backward:
            y.backward(g)
            for p in leaves:
                p.grad = None
        return y

    def check():
        y = fwd()
        if not backward:
            return [y]
        y.backward(g)
        out = [y] + [p.grad for p in leaves]
        for p in leaves:
            p.grad = None
        return out

    return Case(Call(step), check=check)


_NORM_ROWS = [
    # id, op, shape, backward, threads, target
    ("layer_norm_fwd_t1", "layer_norm", (4096, 1024), False, 1, 1.0),
    ("layer_norm_fwd_t2", "layer_norm", (4096, 1024), False, 2, None),
    ("layer_norm_fwdbwd_t1", "layer_norm", (4096, 1024), True, 1, 1.0),
    ("layer_norm_fwdbwd_t2", "layer_norm", (4096, 1024), True, 2, None),
    ("rms_norm_fwdbwd_t1", "rms_norm", (4096, 1024), True, 1, 1.0),
    ("batch_norm_fwdbwd_t1", "batch_norm", (64, 256, 14, 14), True, 1, 1.0),
    ("group_norm_fwdbwd_t1", "group_norm", (64, 256, 14, 14), True, 1, 1.0),
]

for _id, _op, _shape, _bwd, _threads, _target in _NORM_ROWS:

    def _fn(lib, T, opts, op=_op, shape=_shape, bwd=_bwd):
        return _norm_case(T, op, shape, bwd)

    _what = "forward + backward" if _bwd else "forward"
    _fn.__doc__ = f"""`F.{_op}` on float32 {"x".join(map(str, _shape))} with weight and bias{
        " (training, running statistics updated)" if _op == "batch_norm" else ""}{
        " (32 groups)" if _op == "group_norm" else ""}, {_what}{
        "; the gradients are reset to None after each call" if _bwd else ""}."""
    workload(
        _id,
        f"{_op} {'x'.join(map(str, _shape))} f32 {_what}, {_threads} thread{'s' if _threads > 1 else ''}",
        "kernels",
        target=_target,
        threads=_threads,
        rtol=1e-3,
        atol=1e-3,
    )(_fn)


# ---------------------------------------------------------------------------------------------------------
# Process-level probes (each measurement is a fresh interpreter)

_RSS_SRC = """
def _rss():
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource, sys
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r if sys.platform == 'darwin' else r * 1024
"""


def _probe(src):
    """Run `src` in a fresh interpreter (same executable, same environment, neutral cwd) and return the
    float it prints last."""
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run(
            [sys.executable, "-c", _RSS_SRC + src],
            check=False,
            cwd=cwd,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            timeout=300,
        )
    if out.returncode != 0:
        raise RuntimeError(f"probe failed (exit {out.returncode}): {out.stderr.strip()[-500:]}")
    return float(out.stdout.split()[-1])


@workload("import_time", "import time", "process", target=0.15, libs=(FG, TORCH, NUMPY), unit="s", repeats=11)
def import_time(lib, T, opts):
    """`import <lib>` timed inside a fresh interpreter (perf_counter around the import statement;
    interpreter start-up, the same for all, is left out). fastgrad's figure includes importing NumPy,
    which it needs."""
    src = f"\nimport time\nt0 = time.perf_counter()\nimport {lib}\nprint(time.perf_counter() - t0)\n"
    return Case(Metric(lambda: _probe(src), "s"))


@workload("rss_import", "RSS after import", "process", libs=(FG, TORCH, NUMPY), unit="B", repeats=7)
def rss_import(lib, T, opts):
    """Resident set size of a fresh interpreter right after `import <lib>` (VmRSS; a bare interpreter is
    ~10 MB of it)."""
    src = f"\nimport {lib}\nprint(_rss())\n"
    return Case(Metric(lambda: _probe(src), "B"))


@workload("bytes_per_node", "bytes per live graph node", "process", target=0.40, unit="B", repeats=7)
def bytes_per_node(lib, T, opts):
    """RSS growth per node while a chain of N nodes (`y = y * 1.001` from a 0-d leaf, as in the chain rows)
    is alive, in a fresh interpreter, after a 1000-node warm-up chain was built and freed. Covers the
    node, its saved state and everything it keeps alive (only the chain's last output tensor is
    referenced from Python). N = 200000 (20000 with --quick)."""
    n = 20_000 if opts.quick else 200_000
    src = f"""
import {lib} as T
def build(n):
    x = T.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.001
    return y
keep = build(1000)
del keep
r0 = _rss()
keep = build({n})
r1 = _rss()
print((r1 - r0) / {n})
"""
    return Case(Metric(lambda: _probe(src), "B"))


@workload("ddp_mlp_r1", "MLP 784-256-10 step, global batch 512, 1 rank (DDP rows' baseline)", "distributed",
          repeats=5)
def ddp_mlp_r1(lib, T, opts):
    """The model rows' MLP step on the whole batch of 512 in one process (no DDP): the baseline of the 2-rank
    row below. Each repeat is a fresh process timing 40 steps (10 with --quick); see bench/distributed.py."""
    return _ddp_case(lib, 1, opts)


@workload("ddp_mlp_r2", "DDP MLP 784-256-10 step, global batch 512, 2 ranks x 1 thread", "distributed",
          repeats=5)
def ddp_mlp_r2(lib, T, opts):
    """The same step data-parallel: DistributedDataParallel on `mpirun -n 2`, 256 rows per process (fastgrad
    over MPI, PyTorch over Gloo). Speed-up = the 1-rank row / this row (ideal 2); `python -m
    bench.distributed` prints it with the share of the all-reduce not hidden behind backward."""
    return _ddp_case(lib, 2, opts)


def _ddp_case(lib, ranks, opts):
    from . import distributed

    if not distributed.available(lib):
        raise Unsupported("mpi4py and mpirun (pip install 'fastgrad[distributed]')")
    steps = 10 if opts.quick else 40
    return Case(Metric(lambda: distributed.probe(lib, ranks, steps)["step"], "s"))


# ---------------------------------------------------------------------------------------------------------
# Small graphs against the other eager engines (bench/peers.py): each library in its own process

PEERS = ("dynet", "jax", "jax_jit")  # listed when installed (bench.peers.available); notes give time / fastgrad's


def _peer_case(lib, row, opts):
    from . import peers

    if not peers.available(lib):
        raise Unsupported(f"{lib} is not installed")
    return Case(Metric(lambda: peers.probe(lib, row, opts.quick), "s"))


def _peer_row(row, target=None):
    from .peers import ROWS

    def fn(lib, T, opts):
        return _peer_case(lib, row, opts)

    fn.__doc__ = ("Each repeat is a fresh process per library (bench/peers.py: the row built, warmed up, then the "
                  "median of calibrated chunks); DyNet and JAX (eager and jit) too when installed, in the notes as "
                  "time / fastgrad's time.")
    workload(f"peers_{row}", ROWS[row] + " (peers)", "peers", libs=(FG, TORCH) + PEERS, repeats=5,
             target=target)(fn)


for _row in ("abxa", "mlp", "linreg", "chain"):
    _peer_row(_row)


def select(pattern):
    """Workloads whose name or id contains `pattern` (case-insensitive), or that match it as a glob;
    several patterns may be given separated by '|'."""
    import fnmatch

    if not pattern:
        return list(WORKLOADS)
    pats = [p.strip().lower() for p in pattern.split("|") if p.strip()]
    out = []
    for w in WORKLOADS:
        keys = (w.name.lower(), w.id.lower())
        if any(p in k or fnmatch.fnmatch(k, p) for p in pats for k in keys):
            out.append(w)
    return out


from . import kernel_workloads  # noqa: E402,F401  (registers the `kernels` group)
from . import reduction_workloads  # noqa: E402,F401  (the `kernels` group: norms, scans, reductions, index ops)
from . import pool_workloads  # noqa: E402,F401  (the `kernels` group: pooling)
from . import model_workloads  # noqa: E402,F401  (registers the `models` group: MLP, transformer block, embedding)
from . import linalg_workloads  # noqa: E402,F401  (registers the `linalg` group: matrix_exp, pinv, lstsq, cross)
from . import sequence_workloads  # noqa: E402,F401  (the `sequence` group: a loop over x[:, t], T = 50, 200, 800)

__all__ = ["FG", "NUMPY", "TORCH", "WORKLOADS", "Case", "Unsupported", "Workload", "_np", "select"]
