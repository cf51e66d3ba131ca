"""out= on the functions that take it (Note [Out arguments] in python/fastgrad/_out.py), compared with PyTorch op by
op: the values written, the same object returned, resizing (and PyTorch's warning), the dtype rules and their
errors, the autograd refusal, views written through."""
import warnings

import numpy as np
import pytest

import fastgrad
from fastgrad._out import OUT_OPS

torch = pytest.importorskip("torch")


def arr(shape, seed, dtype="float32", low=0.5, high=2.0):
    a = np.random.default_rng(seed).uniform(low, high, shape)
    return a.astype(dtype)


# name -> function of (lib, tensor maker) returning (function, positional args, keyword args)
CALLS = {
    "add": lambda m, t: (m.add, (t(arr((2, 3), 0)), t(arr((3,), 1))), {"alpha": 2}),
    "add_int": lambda m, t: (m.add, (t(np.arange(6).reshape(2, 3)), 1), {}),
    "sub": lambda m, t: (m.sub, (t(arr((2, 3), 0)), t(arr((2, 3), 1))), {}),
    "mul": lambda m, t: (m.mul, (t(arr((2, 3), 0)), 3), {}),
    "div": lambda m, t: (m.div, (t(arr((2, 3), 0)), t(arr((2, 3), 1))), {}),
    "div_floor_int": lambda m, t: (m.div, (t(np.arange(6)), 4), {"rounding_mode": "floor"}),
    "pow": lambda m, t: (m.pow, (t(arr((2, 3), 0)), 2), {}),
    "maximum": lambda m, t: (m.maximum, (t(arr((2, 3), 0)), t(arr((2, 3), 1))), {}),
    "minimum": lambda m, t: (m.minimum, (t(arr((2, 3), 0)), t(arr((2, 3), 1))), {}),
    "exp": lambda m, t: (m.exp, (t(arr((2, 3), 0)),), {}),
    "exp_int": lambda m, t: (m.exp, (t(np.arange(4)),), {}),
    "log": lambda m, t: (m.log, (t(arr((2, 3), 0)),), {}),
    "sqrt": lambda m, t: (m.sqrt, (t(arr((2, 3), 0)),), {}),
    "tanh": lambda m, t: (m.tanh, (t(arr((2, 3), 0)),), {}),
    "sigmoid": lambda m, t: (m.sigmoid, (t(arr((2, 3), 0)),), {}),
    "sin": lambda m, t: (m.sin, (t(arr((2, 3), 0)),), {}),
    "cos": lambda m, t: (m.cos, (t(arr((2, 3), 0)),), {}),
    "abs": lambda m, t: (m.abs, (t(arr((2, 3), 0, low=-1)),), {}),
    "abs_int": lambda m, t: (m.abs, (t(np.arange(-2, 3)),), {}),
    "neg": lambda m, t: (m.neg, (t(arr((2, 3), 0)),), {}),
    "clamp": lambda m, t: (m.clamp, (t(arr((2, 3), 0)),), {"min": 0.8, "max": 1.5}),
    "matmul": lambda m, t: (m.matmul, (t(arr((2, 3), 0)), t(arr((3, 4), 1))), {}),
    "matmul_batched": lambda m, t: (m.matmul, (t(arr((2, 2, 3), 0)), t(arr((3, 4), 1))), {}),
    "mm": lambda m, t: (m.mm, (t(arr((2, 3), 0)), t(arr((3, 4), 1))), {}),
    "bmm": lambda m, t: (m.bmm, (t(arr((2, 2, 3), 0)), t(arr((2, 3, 4), 1))), {}),
    "sum": lambda m, t: (m.sum, (t(arr((2, 3), 0)), 1), {}),
    "sum_keepdim": lambda m, t: (m.sum, (t(arr((2, 3), 0)), (0, 1)), {"keepdim": True}),
    "sum_int": lambda m, t: (m.sum, (t(np.arange(6).reshape(2, 3)), 0), {}),
    "sum_dtype": lambda m, t: (m.sum, (t(arr((2, 3), 0)), 1), {"dtype": m.float64}),
    "mean": lambda m, t: (m.mean, (t(arr((2, 3), 0)), 0), {}),
    "mean_dtype": lambda m, t: (m.mean, (t(arr((2, 3), 0)), 0), {"dtype": m.float64}),
    "cat": lambda m, t: (m.cat, ([t(arr((2, 3), 0)), t(arr((1, 3), 1))],), {}),
    "cat_dim": lambda m, t: (m.cat, ([t(arr((2, 3), 0)), t(arr((2, 1), 1))],), {"dim": 1}),
    "stack": lambda m, t: (m.stack, ([t(arr((2, 3), 0)), t(arr((2, 3), 1))],), {"dim": 1}),
    "where": lambda m, t: (m.where, (t(np.array([True, False, True])), t(arr((3,), 0)), t(arr((3,), 1))), {}),
    "max_dim": lambda m, t: (m.max, (t(arr((3, 4), 0)), 1), {}),
    "min_dim": lambda m, t: (m.min, (t(arr((3, 4), 0)), 0), {"keepdim": True}),
    "max_all": lambda m, t: (m.max, (t(arr((3, 4), 0)),), {}),
    "max_binary": lambda m, t: (m.max, (t(arr((3,), 0)), t(arr((3,), 1))), {}),
    "cumsum": lambda m, t: (m.cumsum, (t(arr((2, 3), 0)), 1), {}),
    "prod": lambda m, t: (m.prod, (t(arr((2, 3), 0)), 1), {}),
    "addmm": lambda m, t: (m.addmm, (t(arr((2, 4), 2)), t(arr((2, 3), 0)), t(arr((3, 4), 1))), {}),
    "gather": lambda m, t: (m.gather, (t(arr((3, 4), 0)), 1, t(np.array([[0], [3], [1]]))), {}),
    "floor": lambda m, t: (m.floor, (t(arr((2, 3), 0)),), {}),
    "round": lambda m, t: (m.round, (t(arr((2, 3), 0)),), {}),
    "eq": lambda m, t: (m.eq, (t(arr((2, 3), 0)), 1.0), {}),
    "gt": lambda m, t: (m.gt, (t(arr((2, 3), 0)), t(arr((2, 3), 1))), {}),
    "lt": lambda m, t: (m.lt, (t(arr((2, 3), 0)), 1.2), {}),
    "sign": lambda m, t: (m.sign, (t(arr((2, 3), 0, low=-1)),), {}),
    "reciprocal": lambda m, t: (m.reciprocal, (t(arr((2, 3), 0)),), {}),
    "remainder": lambda m, t: (m.remainder, (t(arr((2, 3), 0)), 0.7), {}),
    "rsqrt": lambda m, t: (m.rsqrt, (t(arr((2, 3), 0)),), {}),
    "argmax": lambda m, t: (m.argmax, (t(arr((2, 3), 0)), 1), {}),
    "eye": lambda m, t: (m.eye, (3,), {}),
    "randint": lambda m, t: (m.randint, (0, 10, (2, 3)), {}),
    "arange": lambda m, t: (m.arange, (5,), {}),
    "arange_float": lambda m, t: (m.arange, (0.5, 3.0, 0.5), {}),
    "zeros": lambda m, t: (m.zeros, (2, 3), {}),
    "empty": lambda m, t: (m.empty, (2, 3), {}),
    "ones": lambda m, t: (m.ones, ((2, 3),), {}),
    "full": lambda m, t: (m.full, ((2, 3), 7), {}),
    "linspace": lambda m, t: (m.linspace, (0, 1, 5), {}),
    "randn": lambda m, t: (m.randn, (2, 3), {}),
    "rand": lambda m, t: (m.rand, (4,), {}),
}
RANDOM = {"randn", "rand", "randint"}
EXTREME_DIM = {"max_dim", "min_dim"}


def call(lib, case, out, requires_grad=False, **extra):
    maker = lib.tensor if lib is torch else fastgrad.tensor

    def t(a):
        x = maker(a)
        if requires_grad and x.is_floating_point():
            x.requires_grad_(True)
        return x

    fn, args, kwargs = CALLS[case](lib, t)
    if case in RANDOM:
        lib.manual_seed(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(*args, **kwargs, **extra, out=out)
        except Exception as e:  # noqa: BLE001  (compared with PyTorch's)
            return ("error", type(e), str(e).split(" (Triggered internally")[0]), []
    messages = [str(w.message).split(" (Triggered internally")[0] for w in caught]
    return result, messages


def outs(lib, dtype, shape):
    d = getattr(lib, dtype)
    return lib.zeros(shape, dtype=d)


def expected_shape(case):
    fn, args, kwargs = CALLS[case](torch, torch.tensor)
    if case in RANDOM:
        torch.manual_seed(0)
    r = fn(*args, **kwargs)
    return r, tuple((r[0] if isinstance(r, tuple) else r).shape)


def make_out(lib, case, dtype, shape):
    if case in EXTREME_DIM:
        return (outs(lib, dtype, shape), outs(lib, "int64", shape))
    return outs(lib, dtype, shape)


def compare(case, dtype, shape_of):
    _, shape = expected_shape(case)
    shape = shape_of(shape)
    got = {}
    for lib in (torch, fastgrad):
        out = make_out(lib, case, dtype, shape)
        result, messages = call(lib, case, out)
        got[lib] = (out, result, messages)
    (t_out, t_res, t_msgs), (f_out, f_res, f_msgs) = got[torch], got[fastgrad]
    if isinstance(t_res, tuple) and t_res[0] == "error":
        assert isinstance(f_res, tuple) and f_res[0] == "error", f"fastgrad accepted what PyTorch refused: {t_res}"
        assert f_res[1] is t_res[1]
        if t_res[2].startswith("Expected canCast("):  # PyTorch's internal check (max of all elements): worded
            assert f_res[2].startswith("result type ")  # as the other ops' (docs/differences.md)
        else:
            assert f_res[2] == t_res[2]
        return
    assert not (isinstance(f_res, tuple) and f_res and f_res[0] == "error"), f_res
    assert f_msgs == t_msgs
    if case in EXTREME_DIM:
        assert type(f_res).__name__ == type(t_res).__name__
        assert f_res[0] is f_out[0] and f_res[1] is f_out[1]
        pairs = zip(t_out, f_out)
    else:
        assert f_res is f_out
        pairs = [(t_out, f_out)]
    for t, f in pairs:
        assert str(f.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        assert tuple(f.shape) == tuple(t.shape)
        if case != "empty":  # uninitialised
            np.testing.assert_allclose(f.numpy().astype(np.float64), t.numpy().astype(np.float64), rtol=1e-6,
                                       atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool", "float16", "int32"])
@pytest.mark.parametrize("case", sorted(CALLS))
def test_out_of_the_result_shape(case, dtype):
    compare(case, dtype, lambda s: s)


@pytest.mark.parametrize("case", sorted(CALLS))
@pytest.mark.parametrize("shape", ["empty", "other"])
def test_out_is_resized(case, shape):
    compare(case, "float32" if "int" not in case else "int64", (lambda s: (0,)) if shape == "empty" else
            (lambda s: (7,)))


@pytest.mark.parametrize("case", sorted(set(CALLS) - {"arange", "arange_float", "zeros", "ones", "full", "linspace",
                                                      "randn", "rand", "empty", "eye", "randint", "argmax", "eq", "gt", "lt", "add_int", "abs_int", "exp_int", "sum_int",
                                                      "div_floor_int", "where"}))
@pytest.mark.parametrize("who", ["input", "out"])
def test_out_with_grad_raises_like_torch(case, who):
    got = []
    for lib in (torch, fastgrad):
        r, shape = expected_shape(case)
        out = make_out(lib, case, str(r[0].dtype if isinstance(r, tuple) else r.dtype).split(".")[-1], shape)
        if who == "out":
            (out[0] if isinstance(out, tuple) else out).requires_grad_(True)
        res, _ = call(lib, case, out, requires_grad=who == "input")
        got.append(res)
        with lib.no_grad():  # allowed without grad mode
            res2, _ = call(lib, case, out, requires_grad=who == "input")
        assert not (isinstance(res2, tuple) and res2 and res2[0] == "error"), res2
    assert got[0][0] == "error" and got[1][0] == "error"
    assert got[1][1] is got[0][1] and got[1][2] == got[0][2]


@pytest.mark.parametrize("case", ["zeros", "randn", "arange", "full", "linspace"])
def test_factory_dtype_must_be_outs(case):
    t = call(torch, case, torch.zeros(0), dtype=torch.float64)[0]
    f = call(fastgrad, case, fastgrad.zeros(0), dtype=fastgrad.float64)[0]
    assert t[0] == f[0] == "error" and t[1] is f[1] and f[2] == t[2]
    t, f = call(torch, case, torch.zeros(0), dtype=torch.float32)[0], call(fastgrad, case, fastgrad.zeros(0),
                                                                            dtype=fastgrad.float32)[0]
    assert f.dtype == fastgrad.float32 and tuple(f.shape) == tuple(t.shape)


def test_factory_grad_error_names_the_aten_op():
    for lib in (torch, fastgrad):
        res, _ = call(lib, "zeros", lib.zeros(0, requires_grad=True))
        assert res[0] == "error" and res[2].startswith("aten::zeros(): functions with out=")


def test_views_are_written_through():
    for lib in (torch, fastgrad):
        base = lib.zeros(3, 4)
        lib.add(lib.ones(3), 1, out=base[:, 1])
        lib.mul(lib.ones(4), 3, out=base[0])
        expected = np.zeros((3, 4), dtype=np.float32)
        expected[:, 1] = 2
        expected[0] = 3
        np.testing.assert_array_equal(base.numpy(), expected)


def test_out_aliasing_an_input():
    for lib in (torch, fastgrad):
        a = lib.tensor([1.0, 2.0, 3.0])
        assert lib.add(a, a, out=a) is a
        assert a.tolist() == [2.0, 4.0, 6.0]


def test_out_must_be_a_tensor():
    for value in (3, [fastgrad.zeros(2)]):
        with pytest.raises(TypeError) as expected:
            torch.exp(torch.ones(2), out=[torch.zeros(2)] if isinstance(value, list) else value)
        with pytest.raises(TypeError) as got:
            fastgrad.exp(fastgrad.ones(2), out=value)
        assert str(got.value) == str(expected.value)


def test_every_out_op_is_tested_and_documented():
    tested = {CALLS[c](fastgrad, fastgrad.tensor)[0].__name__ for c in CALLS}
    assert set(OUT_OPS) <= tested
    for name in OUT_OPS:
        fn = getattr(fastgrad, name)
        assert "out (Tensor, optional)" in fn.__doc__
        if name not in ("where", "randint"):  # no signature (test_signatures.py, NO_SIGNATURE)
            import inspect

            assert inspect.signature(fn).parameters["out"].default is None
