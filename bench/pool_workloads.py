"""The pooling rows of the `kernels` group (the native ops of cpp/src/ops/pooling.cpp): CNN-sized activations,
forward and forward + backward, at 1 and 2 threads; and an upsampling row (cpp/src/ops/upsample.cpp) at 1
thread. Registered into `bench.workloads.WORKLOADS` when `bench.workloads` is imported.

Each forward + backward row times `f(x).backward(g)` with `x` requiring grad and a fresh graph per call (the
forward kernel, the backward kernel and the gradient's accumulation into a fresh `x.grad`, reset to None before
each call), as the other kernel rows do."""
from __future__ import annotations

import numpy as np

from .harness import Stmt
from .kernel_workloads import _backward_case
from .workloads import Case, _np, _rng, workload

# (id, name, input shape, f(F, x), doc)
POOLS = [
    ("max_pool2d", "max_pool2d 32x16x28x28 k2", (32, 16, 28, 28), lambda F, x: F.max_pool2d(x, 2),
     "`F.max_pool2d(x, 2)` on a (32, 16, 28, 28) float32 activation (a small CNN's first pooling)"),
    ("max_pool2d_k3s2", "max_pool2d 32x64x56x56 k3 s2 p1", (32, 64, 56, 56), lambda F, x: F.max_pool2d(x, 3, 2, 1),
     "`F.max_pool2d(x, 3, 2, 1)` on a (32, 64, 56, 56) float32 activation (a ResNet stem's pooling)"),
    ("avg_pool2d", "avg_pool2d 32x16x28x28 k2", (32, 16, 28, 28), lambda F, x: F.avg_pool2d(x, 2),
     "`F.avg_pool2d(x, 2)` on a (32, 16, 28, 28) float32 activation"),
    ("adaptive_avg_pool2d", "adaptive_avg_pool2d 32x64x14x14 -> 5x5", (32, 64, 14, 14),
     lambda F, x: F.adaptive_avg_pool2d(x, 5),
     "`F.adaptive_avg_pool2d(x, 5)` on a (32, 64, 14, 14) float32 activation (overlapping windows)"),
]


def _pool_workload(id, name, shape, f, doc, backward, threads):
    def fn(lib, T, opts):
        xn = _rng(21).standard_normal(shape, dtype=np.float32)
        F = T.nn.functional
        if not backward:
            x = T.tensor(xn)
            return Case(Stmt("f(F, x)", {"f": f, "F": F, "x": x}), check=lambda: [_np(f(F, x)).reshape(-1)[::97]])
        out_shape = f(T.nn.functional, T.tensor(xn)).shape
        return _backward_case(T, lambda x: f(F, x), xn, 22, 97, tuple(out_shape))

    fn.__doc__ = f"{doc}, {'forward + backward' if backward else 'forward'}."
    kind = "fwd+bwd" if backward else "fwd"
    workload(
        f"k_{id}_{'fb' if backward else 'f'}_t{threads}",
        f"{name} {kind}, {threads} thread{'s' if threads > 1 else ''}",
        "kernels",
        target=1.0,
        threads=threads,
        rtol=1e-5,
        atol=1e-6,
    )(fn)


# Upsampling (cpp/src/ops/upsample.cpp), at 1 thread.
UPSAMPLES = [
    ("upsample_bilinear2d", "interpolate bilinear 2x 8x32x64x64", (8, 32, 64, 64),
     lambda F, x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False),
     "`F.interpolate(x, scale_factor=2, mode='bilinear')` on a (8, 32, 64, 64) float32 activation (a decoder's "
     "upsampling)"),
]

for _row in POOLS:
    for _bwd in (False, True):
        for _threads in (1, 2):
            _pool_workload(*_row, _bwd, _threads)
for _row in UPSAMPLES:
    for _bwd in (False, True):
        _pool_workload(*_row, _bwd, 1)
