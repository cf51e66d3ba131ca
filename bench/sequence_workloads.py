"""The `sequence` group: a recurrent loop written by hand over the time steps of one input tensor,
`for t in range(T): h = tanh(x[:, t] + h @ w)`, forward + backward, at T = 50, 200 and 800 (batch 16, hidden
64, float32, 1 thread). Each x[:, t] is a view of x, so backward receives T gradients of parts of x: fastgrad adds
each into one buffer (Note [Gradients of parts] in cpp/src/autograd/engine.cpp), so the time per step stays flat
as T grows; summed as full-size tensors (PyTorch) it grows with T. Registered into `bench.workloads.WORKLOADS`
when `bench.workloads` is imported.
"""
from __future__ import annotations

import numpy as np

from .harness import Call
from .workloads import Case, _leaf, _rng, workload

BATCH, HIDDEN = 16, 64


def _loop_state(T, steps):
    r = _rng(11)
    x = _leaf(T, r.standard_normal((BATCH, steps, HIDDEN)).astype(np.float32))
    w = _leaf(T, (r.standard_normal((HIDDEN, HIDDEN)) * 0.1).astype(np.float32))

    def step():
        h = T.zeros(BATCH, HIDDEN)
        for t in range(steps):
            h = T.tanh(x[:, t] + h @ w)
        h.sum().backward()
        out = [h, x.grad, w.grad]
        x.grad = None
        w.grad = None
        return out

    return step, step


def _loop_workload(steps):
    def fn(lib, T, opts):
        step, check = _loop_state(T, steps)
        return Case(Call(step), check=check)

    fn.__doc__ = (f"`h = tanh(x[:, t] + h @ w)` for t < {steps} over x of shape ({BATCH}, {steps}, {HIDDEN}), "
                  "`h.sum().backward()`; per call (divide by T for the time per step).")
    workload(f"loop_rnn_T{steps}", f"looped RNN over x[:, t], T={steps}, fwd+bwd", "sequence",
             rtol=1e-4, atol=1e-5)(fn)


for _steps in (50, 200, 800):
    _loop_workload(_steps)
