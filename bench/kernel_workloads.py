"""The `kernels` group: elementwise math over 4M float32 elements and softmax / log_softmax over the last dim of
4096x1024, forward and forward + backward, at 1 and 2 threads (the normalisation rows are in workloads.py). Registered into `bench.workloads.WORKLOADS` when `bench.workloads` is imported.

Each row times `f(x)` on a contiguous (4M,) float32 tensor (forward), or `f(x).backward(g)` with `x`
requiring grad and a fresh graph per call (forward + backward: the forward kernel, the backward kernel and
the gradient's accumulation into a fresh `x.grad`, which is reset to None before each call)."""
from __future__ import annotations

import numpy as np

from .harness import Call, Stmt
from .workloads import Case, _np, _rng, workload

N4M = 4 * 1024 * 1024


def _f(T, name):
    if name in ("gelu", "silu", "softplus", "mish"):
        return getattr(T.nn.functional, name)
    return getattr(T, name)


# name -> the input transform that keeps the data in the function's domain
KERNELS = {
    "exp": lambda a: a,
    "log": lambda a: np.abs(a) + np.float32(1e-3),
    "tanh": lambda a: a,
    "sigmoid": lambda a: a,
    "gelu": lambda a: a,
    "silu": lambda a: a,
    "softplus": lambda a: a,
    "mish": lambda a: a,
    "sin": lambda a: a,
    "cos": lambda a: a,
    "rsqrt": lambda a: np.abs(a) + np.float32(1e-3),
}


def _backward_case(T, fn, xn, seed, every, g_shape=None):
    """`fn(x).backward(g)` on a fresh graph per call, x.grad reset to None first; the check compares x.grad.
    g (standard normal from `seed`) has x's shape unless `g_shape` (the output's) is given."""
    x = T.tensor(xn, requires_grad=True)
    g = T.tensor(_rng(seed).standard_normal(xn.shape if g_shape is None else g_shape, dtype=np.float32))

    def step():
        x.grad = None
        fn(x).backward(g)

    def check():
        step()
        return [_np(x.grad).reshape(-1)[::every]]

    return Case(Call(step), check=check)


def _kernel_workload(name, backward, threads):
    transform = KERNELS[name]

    def fn(lib, T, opts):
        xn = transform(_rng(11).standard_normal(N4M, dtype=np.float32) * np.float32(3))
        f = _f(T, name)
        if not backward:
            x = T.tensor(xn)
            return Case(Stmt("f(x)", {"f": f, "x": x}), check=lambda: [_np(f(x))[::1021]])
        return _backward_case(T, lambda x: f(x), xn, 12, 1021)

    fn.__doc__ = f"`{name}` over (4M,) float32, {'forward + backward' if backward else 'forward'}."
    kind = "fwd+bwd" if backward else "fwd"
    workload(
        f"k_{name}_{'fb' if backward else 'f'}_t{threads}",
        f"{name} 4M {kind}, {threads} thread{'s' if threads > 1 else ''}",
        "kernels",
        target=1.0,
        threads=threads,
        rtol=1e-5,
        atol=1e-6,
    )(fn)


def _softmax_workload(log, backward, threads):
    name = "log_softmax" if log else "softmax"

    def fn(lib, T, opts):
        xn = _rng(13).standard_normal((4096, 1024), dtype=np.float32) * np.float32(3)
        f = getattr(T, name)
        if not backward:
            x = T.tensor(xn)
            return Case(Stmt("f(x, -1)", {"f": f, "x": x}), check=lambda: [_np(f(x, -1))[::97]])
        return _backward_case(T, lambda x: f(x, -1), xn, 14, 97)

    fn.__doc__ = f"`{name}(x, -1)` over a (4096, 1024) float32 tensor, {'forward + backward' if backward else 'forward'}."
    workload(
        f"k_{name}_{'fb' if backward else 'f'}_t{threads}",
        f"{name} 4096x1024 {'fwd+bwd' if backward else 'fwd'}, {threads} thread{'s' if threads > 1 else ''}",
        "kernels",
        target=1.0,
        threads=threads,
        rtol=1e-4,
        atol=1e-6,
    )(fn)


for _log in (False, True):
    for _bwd in (False, True):
        for _threads in (1, 2):
            _softmax_workload(_log, _bwd, _threads)

for _name in KERNELS:
    for _bwd in (False, True):
        for _threads in (1, 2):
            _kernel_workload(_name, _bwd, _threads)
