"""Regression tests for in-place classes the differential fuzzer (tests/python/fuzz/) found, compared with torch:
the logical ops on leaves that require grad, writes into expanded (stride-0) tensors, and the argument forms
of in-place and deprecated overloads. Each snippet runs on both libraries; the outcome (exception class, or
values, dtype, requires_grad, is_leaf, grad_fn name, version bump and gradients) must agree."""

import warnings

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")


def _state(t):
    fn = t.grad_fn
    return dict(dtype=str(t.dtype).split(".")[-1], shape=tuple(t.shape), requires_grad=t.requires_grad,
                is_leaf=t.is_leaf, grad_fn=None if fn is None else type(fn).__name__,
                value=t.detach().numpy().astype(float))


def _run(lib, code):
    ns = {"T": lib, "F": lib.nn.functional, "np": np}
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            exec(code, ns)
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            return ("raises", type(e).__name__), [], []
    out = {k: _state(v) for k, v in ns.items() if isinstance(v, lib.Tensor)}
    grads = {k: None if v.grad is None else v.grad.numpy().astype(float)
             for k, v in ns.items() if isinstance(v, lib.Tensor) and v.is_leaf and v.requires_grad}
    versions = {k: v._version for k, v in ns.items() if isinstance(v, lib.Tensor)}
    return ("ok", out, grads, versions), [str(x.category.__name__) for x in w], []


def check(code, warns=True):
    (f, fw, _), (t, tw, _) = _run(fastgrad, code), _run(torch, code)
    assert f[0] == t[0], (f, t)
    assert f[1:] and t[1:]
    if f[0] == "raises":
        assert f[1] == t[1]
        return
    fo, to = f[1], t[1]
    assert sorted(fo) == sorted(to)
    for k in fo:
        a, b = fo[k], to[k]
        np.testing.assert_allclose(a.pop("value"), b.pop("value"), rtol=1e-6, atol=1e-6, equal_nan=True, err_msg=k)
        assert a == b, k
    assert sorted(f[2]) == sorted(t[2])
    for k in f[2]:
        assert (f[2][k] is None) == (t[2][k] is None), k
        if f[2][k] is not None:
            np.testing.assert_allclose(f[2][k], t[2][k], rtol=1e-6, atol=1e-6, equal_nan=True, err_msg=k)
    assert f[3] == t[3]
    if warns:
        assert bool(fw) == bool(tw), (fw, tw)


# ---- logical_and_/or_/xor_/not_ are not differentiable: torch writes a leaf that requires grad (or a view of
# one) without recording anything; the leaf stays a leaf that requires grad, only its version moves


@pytest.mark.parametrize("op", ["x.logical_and_(T.tensor([1.0, 1.0, 0.0]))", "x.logical_or_(T.tensor([0.0, 0.0, 1.0]))",
                                "x.logical_xor_(T.tensor([1.0, 1.0, 0.0]))", "x.logical_not_()",
                                "x.logical_and_(T.tensor(True))", "x[:2].logical_not_()",
                                "x.logical_and_(T.tensor([1.0, 0.0, 1.0], requires_grad=True))"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logical_inplace_on_leaf_requiring_grad(op, dtype):
    check(f"x = T.tensor([1.0, 0.0, 2.0], dtype=T.{dtype}, requires_grad=True)\nr = {op}")


@pytest.mark.parametrize("code", [
    # a non-leaf keeps its history: backward goes through the product as if nothing was written
    "a = T.tensor([1.0, 0.0, 2.0], requires_grad=True)\nz = a * 2\nz.logical_or_(T.tensor([0.0, 0.0, 1.0]))\n"
    "z.sum().backward()",
    # the write still counts for saved tensors: the product saved x, whose version moved
    "a = T.tensor([1.0, 0.0, 2.0], requires_grad=True)\nout = (a * a).sum()\na.logical_not_()\nout.backward()",
    # a later differentiable use of the leaf sees the new values
    "a = T.tensor([1.0, 0.0, 2.0], requires_grad=True)\na.logical_not_()\n(a * 3).sum().backward()",
    # still refused: expanded memory, a result shape that does not fit
    "a = T.zeros(1).expand(3)\na.logical_not_()",
    "a = T.zeros(1).expand(3)\na.logical_and_(T.ones(3))",
    "a = T.zeros(1, requires_grad=True)\na.logical_and_(T.ones(3))",
    # an integer self keeps its dtype
    "a = T.tensor([3, 0])\na.logical_and_(T.tensor([2.0, 1.0]))",
])
def test_logical_inplace_history(code):
    check(code)


def test_logical_inplace_in_no_grad_and_inference():
    check("a = T.tensor([1.0, 0.0], requires_grad=True)\nwith T.no_grad():\n    a.logical_not_()")
    check("with T.inference_mode():\n    b = T.ones(3)\nb.logical_not_()")
