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


# ---- writes into expanded (stride-0) tensors that torch performs: each selected element is written through its
# memory, so a shared location takes the write of any element sharing it; masked_fill_ and index_put_ (and
# t[index] = v) warn that this is deprecated, triu_/tril_ do not; nan_to_num_ of an integer or bool tensor
# writes nothing. Under autograd fastgrad refuses at the write (torch raises the same error in backward).

ROWS = "T.tensor([1.0, 2.0, 3.0]).unsqueeze(0).expand(2, 3)"


@pytest.mark.parametrize("code", [
    f"x = {ROWS}\nx.masked_fill_(T.tensor([[True, False, True], [False, False, False]]), 9.0)",
    f"x = {ROWS}\nx.masked_fill_(T.tensor([False, True, False]), T.tensor(-4.5))",
    f"x = {ROWS}\nx.masked_fill_(T.tensor([[False, False, False], [True, False, False]]), 9)",
    "x = T.tensor([4, 5]).reshape(2, 1).expand(2, 3)\nx.masked_fill_(T.tensor([[True, False, False], [False] * 3]), 7)",
    f"x = {ROWS}\nx.index_put_((T.tensor([0]), T.tensor([1])), T.tensor(7.0))",
    f"x = {ROWS}\nx.index_put_((T.tensor([0, 1]), T.tensor([1, 1])), T.tensor(7.0), accumulate=True)",
    f"x = {ROWS}\nx.index_put_((T.tensor([1]),), T.tensor([4.0, 5.0, 6.0]))",
    f"x = {ROWS}\nx[T.tensor([0])] = 5.0",
    f"x = {ROWS}\nx[T.tensor([[True, False, False], [False, False, False]])] = 5.0",
    f"x = {ROWS}\nx[T.tensor([0, 1]), T.tensor([1, 2])] = T.tensor([8.0, 9.0])",
    f"x = {ROWS}\nx[0, 1] = 5.0",
    f"x = {ROWS}\nx[:, 1] = 5.0",
])
def test_index_writes_into_expanded(code):
    check(code)


@pytest.mark.parametrize("op", ["triu_()", "tril_()", "triu_(1)", "tril_(-1)", "triu_(-5)", "tril_(-5)", "triu_(5)"])
@pytest.mark.parametrize("make", ["T.tensor([[1.0, 2.0, 3.0]]).expand(3, 3)", "T.tensor([[1.0], [2.0], [3.0]]).expand(3, 3)",
                                  "T.tensor([[1, 2], [3, 4]]).expand(2, 2, 2)", "T.tensor([[1.77]]).expand(5, 2, 1)",
                                  "T.tensor([True, False]).reshape(2, 1).expand(2, 3)",
                                  # 4-d: torch writes in place only when the inner batch dims are dense
                                  "T.arange(18.0).reshape(1, 2, 3, 3).expand(2, 2, 3, 3)",
                                  "T.arange(18.0).reshape(2, 1, 3, 3).expand(2, 2, 3, 3)",
                                  "T.arange(6.0).reshape(1, 2, 3, 1).expand(2, 2, 3, 3)",
                                  "T.arange(12.0).reshape(2, 2, 3, 1).expand(2, 2, 3, 3)"])
def test_triangle_into_expanded(op, make):
    check(f"x = {make}\nx.{op}")


@pytest.mark.parametrize("code", [
    "x = T.tensor([3, 0]).reshape(2, 1).expand(2, 2)\nx.nan_to_num_()",
    "x = T.tensor([True]).expand(3)\nT.nan_to_num_(x, nan=-3, posinf=False, neginf=-1.95)",
    "x = T.tensor([-5, -4, 0], dtype=T.int32).reshape(3, 1, 1).expand(3, 1, 2)\nx.nan_to_num_(nan=-3)",
    "x = T.tensor([float('nan'), 1.0]).expand(2, 2)\nx.nan_to_num_()",  # floating: refused by both
])
def test_nan_to_num_into_expanded(code):
    check(code)


@pytest.mark.parametrize("write", ["x.masked_fill_(T.tensor([True, False, True]), 9.0)", "x.triu_()",
                                   "x.index_put_((T.tensor([0]), T.tensor([1])), T.tensor(7.0))",
                                   "x[T.tensor([0])] = 5.0"])
def test_expanded_write_under_autograd(write):
    # torch writes and raises the overlap error in backward; fastgrad raises it at the write
    for lib in (fastgrad, torch):
        ns = {"T": lib}
        exec("a = T.tensor([1.0, 2.0, 3.0], requires_grad=True)\nx = (a * 1).unsqueeze(0).expand(2, 3)", ns)
        with warnings.catch_warnings(), pytest.raises(RuntimeError, match="more than one element of the written-to"):
            warnings.simplefilter("ignore")
            exec(write + "\nx.sum().backward()", ns)


# ---- Tensor.to's positional forms: a Python bool or float where the dtype goes names its own dtype (torch's
# parser reads to(True) as to(bool) and to(0.5) as to(float64)); after the dtype, non_blocking then copy


@pytest.mark.parametrize("call", ["to(True)", "to(False)", "to(True, True)", "to(0.5)", "to(T.float32, False, True)",
                                  "to(T.float32, False, False)", "to(T.float64, True)", "to('cpu', T.float64, False, True)",
                                  "to(T.ones(1, dtype=T.int64), True)"])
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_to_positional_forms(call, dtype):
    check(f"x = T.tensor([2, 0], dtype=T.{dtype})\ny = x.{call}\nsame = T.tensor(y is x)")


# ---- the count_nonzero method takes its dims spread out (bools read as 0 and 1); the function does not


@pytest.mark.parametrize("call", ["x.count_nonzero(0, True)", "x.count_nonzero(-1, False)", "x.count_nonzero(-1, -2)",
                                  "x.count_nonzero(True)", "x.count_nonzero(0, 1.5)", "x.count_nonzero(0, 0)",
                                  "x.count_nonzero(0, dim=1)", "x.count_nonzero(None)", "x.count_nonzero(-1)",
                                  "x.count_nonzero(dim=(0, 1))", "x.count_nonzero(0, 5)", "T.count_nonzero(x, -1, False)",
                                  "T.count_nonzero(x, 1)", "x.count_nonzero(axis=1)"])
def test_count_nonzero_spread_dims(call):
    check(f"x = T.tensor([[1.0, 0.0], [2.0, 3.0]])\nout = {call}")
