"""The `linalg` group: the native linalg ops of cpp/src/ops/linalg_extra.cpp (matrix_exp, pinv, lstsq, cross), forward
and forward + backward, one thread, float64 (`--only "linalg_*"`)."""
from __future__ import annotations

from .harness import Call
from .workloads import Case, _np, _rng, workload

_SHAPES = {"matrix_exp": [(64, 64)], "pinv": [(128, 64)], "lstsq": [(256, 64), (256, 8)], "cross": [(100_000, 3), (100_000, 3)]}


def _op(T, name):
    if name == "matrix_exp":
        return lambda a: T.linalg.matrix_exp(a)
    if name == "pinv":
        return lambda a: T.linalg.pinv(a)
    if name == "lstsq":
        return lambda a, b: T.linalg.lstsq(a, b).solution
    return lambda a, b: T.linalg.cross(a, b, dim=-1)


def _linalg_row(name, backward):
    def fn(lib, T, opts):
        r = _rng(23)
        arrays = [r.standard_normal(s) * (0.1 if name == "matrix_exp" else 1.0) for s in _SHAPES[name]]
        xs = [T.tensor(a, requires_grad=backward) for a in arrays]
        op = _op(T, name)

        def call():
            y = op(*xs)
            if backward:
                y.sum().backward()
            return y

        def check():
            ys = [T.tensor(a, requires_grad=backward) for a in arrays]
            y = op(*ys)
            if not backward:
                return [_np(y)]
            y.sum().backward()
            return [_np(y)] + [_np(t.grad) for t in ys]

        return Case(Call(call), check=check)

    what = "fwd+bwd" if backward else "fwd"
    shapes = " / ".join("x".join(map(str, s)) for s in _SHAPES[name])
    workload(f"linalg_{name}_{'fb' if backward else 'f'}", f"linalg.{name} {shapes} f64 {what}, 1 thread", "linalg",
             target=1.0, rtol=1e-6, atol=1e-8)(fn)


for _name in _SHAPES:
    _linalg_row(_name, False)
    _linalg_row(_name, True)
