"""The `peers` group: fastgrad against the other eager engines on small graphs (issue 19), each library in its
own process.

    python -m bench.peers              # the four rows on every installed peer; prints times and ratios
    python -m bench.peers --quick      # fewer repeats
    python -m bench --only peers       # the same rows inside the main table (fastgrad/torch ratio + notes)

Libraries: fastgrad, torch, DyNet (`pip install dynet38`: C++ dynamic graphs, built for per-example NLP
models), JAX eager (`jax.grad` per call, no jit) and JAX jit (`jax.jit(jax.grad(...))`, compiled once before
timing). A peer that is not installed is left out. Every library runs one thread (OMP/BLAS/XLA variables,
`set_num_threads(1)`).

Rows (one call = forward + backward, the same numbers in every library):
- `abxa`: `(a * b + a).sum()` on two 3-element float32 leaves, backward.
- `mlp`: a 3 -> 16 -> 16 -> 1 tanh MLP on one example, squared error, backward.
- `linreg`: one epoch of the autograd tutorial's linear regression (100 points; forward, backward, SGD update of
  b and w, gradients cleared) -- bench/workloads.py's `linreg_epoch` for fastgrad and torch.
- `chain`: `x = x * 1.0001 + 0.5` 1000 times from a 0-d leaf (2000 op nodes), backward.

Each measurement is a fresh process (`--worker LIB ROW`) that builds the row, warms it up (and compiles, for
jit), calibrates a chunk of calls to >= 20 ms and prints the median per-call time of 7 chunks; the parent runs
those processes interleaved across libraries (order rotated per repeat) and reports the median over repeats.
Ratios are the peer's time over fastgrad's (above 1: fastgrad is faster).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import timeit

import numpy as np

ROWS = {
    "abxa": "a*b + a on 3-element vectors, fwd+bwd",
    "mlp": "MLP 3->16->16->1 tanh, one example, fwd+bwd",
    "linreg": "linear-regression epoch (100 points)",
    "chain": "1000-step chain x = x*1.0001 + 0.5, fwd+bwd",
}
LIBS = ("fastgrad", "torch", "dynet", "jax", "jax_jit")
_MODULE = {"fastgrad": "fastgrad", "torch": "torch", "dynet": "dynet", "jax": "jax", "jax_jit": "jax"}
ONE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3",
}


def available(lib):
    return importlib.util.find_spec(_MODULE[lib]) is not None


def _data():
    """The numbers every library starts from."""
    r = np.random.default_rng(19)
    f = np.float32
    return {
        "a": r.standard_normal(3).astype(f), "b": r.standard_normal(3).astype(f),
        "W1": (r.standard_normal((16, 3)) * 0.5).astype(f), "b1": (r.standard_normal(16) * 0.1).astype(f),
        "W2": (r.standard_normal((16, 16)) * 0.25).astype(f), "b2": (r.standard_normal(16) * 0.1).astype(f),
        "W3": (r.standard_normal((1, 16)) * 0.25).astype(f), "b3": (r.standard_normal(1) * 0.1).astype(f),
        "x": r.standard_normal(3).astype(f), "y": r.standard_normal(1).astype(f),
        "x0": np.float32(0.3),
    }


# ---- one call per row, per library (built inside the worker process) ----

def _torchlike(T, row):
    d = _data()

    def leaf(v):
        return T.tensor(v, requires_grad=True)

    if row == "abxa":
        a, b = leaf(d["a"]), leaf(d["b"])
        return (lambda: (a * b + a).sum().backward()), lambda: a.grad.numpy()
    if row == "mlp":
        W1, b1, W2, b2, W3, b3 = (leaf(d[k]) for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
        x, y = T.tensor(d["x"]), T.tensor(d["y"])

        def mlp():
            h = T.tanh(W1 @ x + b1)
            h = T.tanh(W2 @ h + b2)
            ((W3 @ h + b3 - y) ** 2).sum().backward()

        return mlp, lambda: W1.grad.numpy()
    if row == "linreg":
        from bench.workloads import _linreg_state

        epoch, b, w = _linreg_state(T)
        return epoch, lambda: np.concatenate([b.detach().numpy(), w.detach().numpy().ravel()])
    if row == "chain":
        x0 = leaf(d["x0"])

        def chain():
            x = x0
            for _ in range(1000):
                x = x * 1.0001 + 0.5
            x.backward()

        return chain, lambda: x0.grad.numpy()
    raise KeyError(row)


def _dynet(row):
    import dynet as dy

    d = _data()
    m = dy.ParameterCollection()

    def param(v):
        v = np.asarray(v, dtype=np.float64)
        return m.add_parameters(v.shape, init=dy.NumpyInitializer(v))

    if row == "abxa":
        a, b = param(d["a"]), param(d["b"])

        def abxa(model=m):  # the closures keep the model (which owns the parameters) alive
            dy.renew_cg()
            loss = dy.sum_elems(dy.cmult(a, b) + a)
            loss.forward()
            loss.backward()

        return abxa, a.grad_as_array
    if row == "mlp":
        W1, b1, W2, b2, W3, b3 = (param(d[k]) for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
        x, y = list(map(float, d["x"])), float(d["y"][0])

        def mlp(model=m):
            dy.renew_cg()
            h = dy.tanh(W1 * dy.inputVector(x) + b1)
            h = dy.tanh(W2 * h + b2)
            loss = dy.square(dy.sum_elems(W3 * h + b3) - y)
            loss.forward()
            loss.backward()

        return mlp, W1.grad_as_array
    if row == "linreg":
        r = np.random.default_rng(42)  # bench/workloads.py's _linreg_state numbers
        xn = r.random((100, 1)).astype(np.float32)
        yn = (1 + 2 * xn + 0.1 * r.standard_normal((100, 1))).astype(np.float32)
        b = param(r.standard_normal(1).astype(np.float32))
        w = param(r.standard_normal((1, 1)).astype(np.float32))
        trainer = dy.SimpleSGDTrainer(m, learning_rate=0.1)
        trainer.set_clip_threshold(-1)  # the tutorial's plain update (no gradient clipping)
        xr, yr = xn.reshape(1, 100).astype(np.float64), yn.reshape(1, 100).astype(np.float64)

        def epoch(model=m):  # the trainer does not keep the model alive: the closure does
            dy.renew_cg()
            yhat = dy.colwise_add(w * dy.inputTensor(xr), b)
            loss = dy.mean_elems(dy.square(dy.inputTensor(yr) - yhat))
            loss.forward()
            loss.backward()
            trainer.update()  # b -= lr * grad (and w); clears the gradients

        return epoch, lambda: np.concatenate([b.as_array(), w.as_array().ravel()])
    if row == "chain":
        x0 = param(np.array([d["x0"]]))

        def chain(model=m):
            dy.renew_cg()
            x = x0 * 1.0  # the parameter as an expression of this graph
            for _ in range(1000):
                x = x * 1.0001 + 0.5
            x.forward()
            x.backward()

        return chain, x0.grad_as_array
    raise KeyError(row)


def _jax(row, jit):
    import warnings

    warnings.filterwarnings("ignore")
    import jax
    import jax.numpy as jnp

    d = _data()
    wrap = jax.jit if jit else (lambda f: f)

    def block(tree):
        jax.tree_util.tree_map(lambda v: v.block_until_ready(), tree)

    if row == "abxa":
        g = wrap(jax.grad(lambda a, b: jnp.sum(a * b + a), argnums=(0, 1)))
        a, b = jnp.asarray(d["a"]), jnp.asarray(d["b"])
        return (lambda: block(g(a, b))), lambda: np.asarray(g(a, b)[0])
    if row == "mlp":
        params = tuple(jnp.asarray(d[k]) for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
        x, y = jnp.asarray(d["x"]), jnp.asarray(d["y"])

        def loss(p, x, y):
            W1, b1, W2, b2, W3, b3 = p
            h = jnp.tanh(W1 @ x + b1)
            h = jnp.tanh(W2 @ h + b2)
            return jnp.sum((W3 @ h + b3 - y) ** 2)

        g = wrap(jax.grad(loss))
        return (lambda: block(g(params, x, y))), lambda: np.asarray(g(params, x, y)[0])
    if row == "linreg":
        r = np.random.default_rng(42)
        xn = r.random((100, 1)).astype(np.float32)
        yn = (1 + 2 * xn + 0.1 * r.standard_normal((100, 1))).astype(np.float32)
        state = [(jnp.asarray(r.standard_normal(1).astype(np.float32)),
                  jnp.asarray(r.standard_normal(1).astype(np.float32)))]
        x, y = jnp.asarray(xn), jnp.asarray(yn)

        def step(p, x, y):
            def loss(p):
                b, w = p
                return jnp.mean((y - (b + w * x)) ** 2)

            gb, gw = jax.grad(loss)(p)
            return (p[0] - 0.1 * gb, p[1] - 0.1 * gw)

        s = wrap(step)

        def epoch():
            state[0] = s(state[0], x, y)
            block(state[0])

        return epoch, lambda: np.concatenate([np.asarray(v).ravel() for v in state[0]])
    if row == "chain":
        def f(x):
            for _ in range(1000):
                x = x * 1.0001 + 0.5
            return x

        g = wrap(jax.grad(f))
        x0 = jnp.asarray(d["x0"])
        return (lambda: block(g(x0))), lambda: np.asarray(g(x0))
    raise KeyError(row)


def _build(lib, row):
    """(call, probe): one forward + backward (+ update) call, and what it computed as a NumPy array (the first
    parameter's gradient; b and w after the update for linreg), read after one call on fresh state."""
    if lib in ("fastgrad", "torch"):
        T = __import__(lib)
        T.set_num_threads(1)
        return _torchlike(T, row)
    if lib == "dynet":
        return _dynet(row)
    return _jax(row, jit=lib == "jax_jit")


def worker(lib, row, quick):
    """Runs in a fresh process: the median per-call time of a few calibrated chunks."""
    fn = _build(lib, row)[0]
    for _ in range(3):  # warm-up (and jit compilation)
        fn()
    timer = timeit.Timer(fn)
    target = 0.005 if quick else 0.02
    number = 1
    while True:
        t = timer.timeit(number)
        if t >= target or number >= 1_000_000:
            break
        number = max(number * 2, int(number * target / max(t, 1e-9) * 1.2))
    times = [timer.timeit(number) / number for _ in range(3 if quick else 7)]
    return statistics.median(times)


def result(lib, row):
    """What one call computes from fresh state (the bench's correctness check: every library the same)."""
    call, probe_ = _build(lib, row)
    call()
    return np.asarray(probe_(), dtype=np.float64).ravel()


def probe(lib, row, quick=False):
    """One fresh process measuring `lib` on `row`: seconds per call."""
    env = {**os.environ, **ONE_THREAD_ENV}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    args = [sys.executable, "-m", "bench.peers", "--worker", lib, row] + (["--quick"] if quick else [])
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{lib} {row}: exit {out.returncode}: {out.stderr.strip()[-400:]}")
    return float(out.stdout.split()[-1])


def measure(libs, rows, repeats, quick=False):
    """{row: {lib: [seconds per call, one per repeat]}}: processes interleaved across libraries."""
    res = {row: {lib: [] for lib in libs} for row in rows}
    for row in rows:
        for i in range(repeats):
            order = libs[i % len(libs):] + libs[:i % len(libs)]
            for lib in order:
                res[row][lib].append(probe(lib, row, quick))
    return res


def _fmt(s):
    return f"{s * 1e6:9.1f} us" if s < 1e-3 else f"{s * 1e3:9.2f} ms"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worker", nargs=2, metavar=("LIB", "ROW"), help=argparse.SUPPRESS)
    ap.add_argument("--result", nargs=2, metavar=("LIB", "ROW"), help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--only", default=None, help="rows, comma-separated (abxa, mlp, linreg, chain)")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    if a.result:  # what one call computes, as JSON (the tests' check, in a process of its own)
        print(json.dumps(result(*a.result).tolist()))
        return 0
    if a.worker:
        print(worker(a.worker[0], a.worker[1], a.quick))
        return 0
    libs = [lib for lib in LIBS if available(lib)]
    rows = a.only.split(",") if a.only else list(ROWS)
    repeats = a.repeats or (3 if a.quick else 5)
    load = os.getloadavg()[0]
    res = measure(libs, rows, repeats, a.quick)
    print(f"peers, 1 thread each, one process per measurement, median of {repeats}; load {load:.2f} at the start, "
          f"{os.getloadavg()[0]:.2f} at the end")
    print(f"{'row':46s}" + "".join(f"{lib:>14s}" for lib in libs))
    for row in rows:
        med = {lib: statistics.median(v) for lib, v in res[row].items()}
        print(f"{ROWS[row]:46s}" + "".join(f"{_fmt(med[lib]):>14s}" for lib in libs))
        fg = med.get("fastgrad")
        if fg:
            print(f"{'  time / fastgrad':46s}" + "".join(f"{med[lib] / fg:14.2f}" for lib in libs))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"load": load, "results": res}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
