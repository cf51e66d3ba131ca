"""The storage dtypes float16, bfloat16, uint8, int8 and int16 (Note [Storage dtypes] in dtype.h), compared with
PyTorch: names, promotion, conversions bit for bit, arithmetic, reductions, matmul, autograd, printing, NumPy,
DLPack and checkpoints."""
import io
import itertools
import math

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

NEW = ["float16", "bfloat16", "uint8", "int8", "int16"]
ALL = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


def fg_dtype(name):
    return getattr(fastgrad, name)


def th_dtype(name):
    return getattr(torch, name)


def to_torch(t):
    """A fastgrad tensor as a torch tensor of the same dtype and bits (through int16 for bfloat16)."""
    if t.dtype == fastgrad.bfloat16:
        return torch.from_numpy(t.detach().view(fastgrad.int16).numpy().copy()).view(torch.bfloat16)
    return torch.from_numpy(t.detach().numpy().copy())


def bits(t):
    """The raw 16-bit patterns of a half-precision tensor (fastgrad or torch) as a NumPy int16 array."""
    if isinstance(t, torch.Tensor):
        return t.view(torch.int16).numpy()
    return t.view(fastgrad.int16).numpy()


# ---- names, sizes, info ----


@pytest.mark.parametrize("name", NEW)
def test_dtype_attributes(name):
    d, td = fg_dtype(name), th_dtype(name)
    assert repr(d) == "fastgrad." + name and repr(td) == "torch." + name
    assert d.is_floating_point == td.is_floating_point
    assert d.is_signed == td.is_signed
    assert d.itemsize == td.itemsize
    t = fastgrad.zeros(3, dtype=d)
    assert t.dtype == d and t.element_size() == torch.zeros(3, dtype=td).element_size()
    assert t.is_floating_point() == td.is_floating_point


def test_aliases():
    assert fastgrad.half == fastgrad.float16 and fastgrad.short == fastgrad.int16
    assert torch.half == torch.float16 and torch.short == torch.int16


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_finfo(name):
    a, b = fastgrad.finfo(fg_dtype(name)), torch.finfo(th_dtype(name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(a, attr) == getattr(b, attr), attr
    assert a.dtype == b.dtype


@pytest.mark.parametrize("name", ["uint8", "int8", "int16"])
def test_iinfo(name):
    a, b = fastgrad.iinfo(fg_dtype(name)), torch.iinfo(th_dtype(name))
    assert (a.bits, a.min, a.max, a.dtype) == (b.bits, b.min, b.max, b.dtype)


# ---- promotion ----


@pytest.mark.parametrize("a,b", list(itertools.product(ALL, ALL)))
def test_promote_types(a, b):
    assert str(fastgrad.promote_types(fg_dtype(a), fg_dtype(b))).split(".")[-1] == \
        str(torch.promote_types(th_dtype(a), th_dtype(b))).split(".")[-1]


def _operand(mod, name, shape):
    dt = getattr(mod, name)
    return mod.ones(shape, dtype=dt)


@pytest.mark.parametrize("a", ALL)
@pytest.mark.parametrize("b", ALL)
@pytest.mark.parametrize("shapes", [((2,), (2,)), ((2,), ()), ((), (2,)), ((), ())])
def test_result_type_tensors(a, b, shapes):
    """The dtype of a * b for every pair of dtypes, dimensioned and 0-d, as torch.result_type says."""
    expected = torch.result_type(_operand(torch, a, shapes[0]), _operand(torch, b, shapes[1]))
    x, y = _operand(fastgrad, a, shapes[0]), _operand(fastgrad, b, shapes[1])
    if a == b == "bool":
        out = x.logical_and(y)
    else:
        out = x * y
    assert str(out.dtype).split(".")[-1] == str(expected).split(".")[-1]


@pytest.mark.parametrize("a", ALL)
@pytest.mark.parametrize("scalar", [True, 3, 2.5])
@pytest.mark.parametrize("shape", [(2,), ()])
def test_result_type_scalars(a, scalar, shape):
    expected = torch.result_type(_operand(torch, a, shape), scalar)
    x = _operand(fastgrad, a, shape)
    out = x * scalar if not (a == "bool" and scalar is True) else x.logical_and(fastgrad.tensor(True))
    assert str(out.dtype).split(".")[-1] == str(expected).split(".")[-1]


# ---- conversions ----


def _edge_floats():
    f32 = np.float32
    vals = [0.0, -0.0, 1.0, -1.0, 0.1, 1 / 3, 65504.0, 65519.99, 65520.0, 65536.0, 1e5, -1e5, 6.1e-5, 6.0e-5,
            5.96e-8, 2.98e-8, 2.99e-8, 1e-8, 1e-30, 3.4e38, -3.4e38, 3.3895e38, 3.39e38, 1.17549435e-38, 1e-40,
            float("inf"), float("-inf"), float("nan"), 1.0009765625, 1.00048828125, 1.000732421875, 2049.0, 2051.0,
            1.00390625, 1.005859375, 255.5, 257.0, 259.0]
    rng = np.random.default_rng(0)
    vals += list(rng.standard_normal(300) * 10.0 ** rng.integers(-9, 9, 300))
    # every float32 near the half and bfloat16 rounding boundaries: random bit patterns
    vals += list(rng.integers(0, 2**32, 2000, dtype=np.uint64).astype(np.uint32).view(f32))
    return np.array(vals, dtype=f32)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
@pytest.mark.parametrize("src", ["float32", "float64"])
def test_float_to_half_bits(name, src):
    vals = _edge_floats().astype(src)
    a = fastgrad.tensor(vals).to(fg_dtype(name))
    b = torch.tensor(vals).to(th_dtype(name))
    fa, fb = bits(a), bits(b)
    nan = np.isnan(vals)
    assert np.array_equal(fa[~nan], fb[~nan])
    # NaN stays NaN (its payload bits are not compared)
    assert np.isnan(a.float().numpy()[nan]).all()


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_half_to_float_all_patterns(name):
    """Every 16-bit pattern converts to float32 and float64 exactly as in PyTorch."""
    pats = np.arange(-(2**15), 2**15, dtype=np.int16)
    a = fastgrad.from_numpy(pats.copy()).view(fg_dtype(name))
    b = torch.from_numpy(pats.copy()).view(th_dtype(name))
    for target in ("float32", "float64"):
        x, y = a.to(fg_dtype(target)).numpy(), b.to(th_dtype(target)).numpy()
        assert np.array_equal(x, y, equal_nan=True)


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("target", ALL)
def test_conversions_between_all(name, target):
    vals = [0, 1, 2, 3, 7, 100, 127]
    a = fastgrad.tensor(vals, dtype=fg_dtype(name)).to(fg_dtype(target))
    b = torch.tensor(vals, dtype=th_dtype(name)).to(th_dtype(target))
    assert np.array_equal(a.float().numpy(), b.float().numpy())


@pytest.mark.parametrize("name", ["uint8", "int8", "int16"])
def test_float_to_small_int_in_range(name):
    info = np.iinfo(name)
    vals = np.array([info.min, info.min + 0.5, -1.5, -0.7, 0.0, 0.3, 0.999, 1.5, 99.9, info.max - 0.25, info.max],
                    np.float64)
    vals = vals[(vals >= info.min) & (vals <= info.max)]
    for src in ("float32", "float64", "float16"):
        v = vals.astype(src)
        v = v[(v >= info.min) & (v <= info.max)]
        a = fastgrad.tensor(v).to(fg_dtype(name))
        b = torch.tensor(v).to(th_dtype(name))
        assert np.array_equal(a.numpy(), b.numpy()), src


@pytest.mark.parametrize("name", ["uint8", "int8", "int16"])
def test_int_narrowing_wraps(name):
    vals = [-70000, -300, -129, -1, 0, 1, 127, 128, 255, 256, 300, 40000, 70000]
    a = fastgrad.tensor(vals).to(fg_dtype(name))
    b = torch.tensor(vals).to(th_dtype(name))
    assert np.array_equal(a.numpy(), b.numpy())


def test_conversion_methods():
    x = fastgrad.tensor([1.5, -2.25, 300.0])
    y = torch.tensor([1.5, -2.25, 300.0])
    for m in ("half", "bfloat16", "byte", "char", "short"):
        a, b = getattr(x, m)(), getattr(y, m)()
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        assert np.array_equal(a.float().numpy(), b.float().numpy())
    assert x.half().type() == "fastgrad.HalfTensor" and y.half().type() == "torch.HalfTensor"
    assert x.bfloat16().type() == "fastgrad.BFloat16Tensor"
    assert x.byte().type() == "fastgrad.ByteTensor" and x.char().type() == "fastgrad.CharTensor"
    assert x.short().type() == "fastgrad.ShortTensor"
    assert x.type(fastgrad.float16).dtype == fastgrad.float16
    assert x.type_as(fastgrad.zeros(1, dtype=fastgrad.int8)).dtype == fastgrad.int8


@pytest.mark.parametrize("name", NEW)
def test_factories(name):
    d, td = fg_dtype(name), th_dtype(name)
    for f in ("zeros", "ones", "empty"):
        assert getattr(fastgrad, f)(2, 3, dtype=d).dtype == d
    assert np.array_equal(fastgrad.full((2,), 7, dtype=d).float().numpy(),
                          torch.full((2,), 7, dtype=td).float().numpy())
    assert np.array_equal(fastgrad.arange(0, 10, 3, dtype=d).float().numpy(),
                          torch.arange(0, 10, 3, dtype=td).float().numpy())
    assert np.array_equal(fastgrad.tensor([[1, 2], [3, 4]], dtype=d).float().numpy(),
                          torch.tensor([[1, 2], [3, 4]], dtype=td).float().numpy())
    if d.is_floating_point:
        r = fastgrad.rand(5, dtype=d)
        assert r.dtype == d and ((r.float() >= 0) & (r.float() < 1)).all().item()
        a = fastgrad.arange(0.0, 3.0, 0.1, dtype=d)
        b = torch.arange(0.0, 3.0, 0.1, dtype=td)
        assert np.array_equal(bits(a), bits(b))


@pytest.mark.parametrize("name,value", [("uint8", 256), ("uint8", -256), ("int8", 128), ("int16", 40000),
                                        ("float16", 1e5)])
def test_full_overflow_is_refused(name, value):
    with pytest.raises(RuntimeError) as theirs:
        torch.full((2,), value, dtype=th_dtype(name))
    with pytest.raises(RuntimeError) as ours:
        fastgrad.full((2,), value, dtype=fg_dtype(name))
    assert "cannot be converted" in str(ours.value) and "cannot be converted" in str(theirs.value)


# ---- arithmetic ----


def test_uint8_wraps():
    a = fastgrad.tensor([200, 250, 3], dtype=fastgrad.uint8)
    b = fastgrad.tensor([100, 10, 5], dtype=fastgrad.uint8)
    assert (a + b).tolist() == [44, 4, 8]
    assert (b - a).tolist() == (torch.tensor([100, 10, 5], dtype=torch.uint8) -
                                torch.tensor([200, 250, 3], dtype=torch.uint8)).tolist() == [156, 16, 2]
    assert (a * b).tolist() == (torch.tensor([200, 250, 3], dtype=torch.uint8) *
                                torch.tensor([100, 10, 5], dtype=torch.uint8)).tolist()


def _pair(name, vals, seed=0):
    x = np.array(vals)
    return fastgrad.tensor(x, dtype=fg_dtype(name)), torch.tensor(x, dtype=th_dtype(name))


INT_VALUES = [0, 1, 5, 100, 127, -3, -128, 77]
UINT_VALUES = [0, 1, 5, 100, 127, 200, 255, 77]


@pytest.mark.parametrize("name", ["uint8", "int8", "int16"])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "floor_divide", "remainder", "bitwise_and", "bitwise_or",
                                "bitwise_xor", "maximum", "minimum", "eq", "lt", "ge", "true_divide"])
def test_small_int_binary(name, op):
    vals = UINT_VALUES if name == "uint8" else INT_VALUES
    a, ta = _pair(name, vals)
    b, tb = _pair(name, list(reversed([v or 3 for v in vals])))
    x, y = getattr(fastgrad, op)(a, b), getattr(torch, op)(ta, tb)
    assert str(x.dtype).split(".")[-1] == str(y.dtype).split(".")[-1]
    np.testing.assert_allclose(x.double().numpy(), y.double().numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16"])
@pytest.mark.parametrize("op", ["neg", "abs", "bitwise_not", "sign", "square", "exp", "sqrt"])
def test_small_int_unary(name, op):
    vals = UINT_VALUES if name == "uint8" else INT_VALUES
    a, ta = _pair(name, vals)
    if op == "neg" and name == "uint8":
        pass
    x, y = getattr(fastgrad, op)(a), getattr(torch, op)(ta)
    assert str(x.dtype).split(".")[-1] == str(y.dtype).split(".")[-1]
    np.testing.assert_allclose(x.double().numpy(), y.double().numpy(), rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("a,b", [("uint8", "int8"), ("uint8", "int16"), ("int8", "int16"), ("uint8", "int32"),
                                 ("bool", "uint8"), ("int8", "float16"), ("uint8", "bfloat16"),
                                 ("float16", "bfloat16"), ("float16", "float32"), ("bfloat16", "float64")])
def test_mixed_arithmetic(a, b):
    va, vb = [1, 2, 3, 100], [3, 0, 1, 1]
    x, tx = _pair(a, va)
    y, ty = _pair(b, vb)
    for op in ("add", "mul", "sub") if "bool" not in (a, b) else ("add", "mul"):
        r, tr = getattr(fastgrad, op)(x, y), getattr(torch, op)(tx, ty)
        assert str(r.dtype).split(".")[-1] == str(tr.dtype).split(".")[-1]
        assert np.array_equal(r.double().numpy(), tr.double().numpy())


def _half_inputs(name, shape=(5, 7), seed=0, positive=False):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    if positive:
        x = np.abs(x) + 0.1
    return fastgrad.tensor(x).to(fg_dtype(name)), torch.tensor(x).to(th_dtype(name))


UNARY_HALF = ["neg", "abs", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "reciprocal", "floor",
              "ceil", "round", "trunc", "rsqrt", "expm1", "log1p", "erf", "square", "sign"]


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
@pytest.mark.parametrize("op", UNARY_HALF)
def test_half_unary(name, op):
    """Computed in float32 and rounded once: PyTorch's results to the bit, or within one unit of the dtype where
    the float32 functions differ in their last bit."""
    positive = op in ("log", "sqrt", "rsqrt", "log1p")
    a, ta = _half_inputs(name, positive=positive)
    x, y = getattr(fastgrad, op)(a), getattr(torch, op)(ta)
    assert x.dtype == fg_dtype(name)
    tol = torch.testing._comparison.default_tolerances(y)
    torch.testing.assert_close(to_torch(x), y, rtol=tol[0], atol=tol[1])


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum", "atan2", "pow"])
def test_half_binary_exact(name, op):
    a, ta = _half_inputs(name, seed=1, positive=op == "pow")
    b, tb = _half_inputs(name, seed=2)
    x, y = getattr(fastgrad, op)(a, b), getattr(torch, op)(ta, tb)
    assert x.dtype == fg_dtype(name)
    if op in ("add", "sub", "mul", "div", "maximum", "minimum"):
        # one correctly rounded float32 result rounded to the dtype: the same bits as PyTorch
        assert np.array_equal(bits(x), bits(y))
    else:
        torch.testing.assert_close(to_torch(x), y)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_half_with_scalars_and_zero_dim(name):
    a, ta = _half_inputs(name)
    for s in (2, 0.1, True):
        assert np.array_equal(bits(a * s), bits(ta * s))
        assert np.array_equal(bits(a + s), bits(ta + s))
    z, tz = fastgrad.tensor(0.3, dtype=fastgrad.float32), torch.tensor(0.3, dtype=torch.float32)
    assert (a + z).dtype == fg_dtype(name)
    assert np.array_equal(bits(a + z), bits(ta + tz))
    i = fastgrad.tensor([1, 2, 3, 4, 5, 6, 7], dtype=fastgrad.int64)
    assert (a * i).dtype == fg_dtype(name)
    assert np.array_equal(bits(a * i), bits(ta * torch.tensor([1, 2, 3, 4, 5, 6, 7])))
    u = fastgrad.tensor([1, 2, 3], dtype=fastgrad.uint8)
    assert (u * 1.5).dtype == fastgrad.float32 and (u + 1).dtype == fastgrad.uint8


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_half_inplace(name):
    a, ta = _half_inputs(name)
    b, tb = _half_inputs(name, seed=3)
    a.mul_(b).add_(1.5)
    ta.mul_(tb).add_(1.5)
    assert a.dtype == fg_dtype(name)
    assert np.array_equal(bits(a), bits(ta))
    f = fastgrad.ones(5, 7)
    f.add_(b)  # float32 += half
    tf = torch.ones(5, 7)
    tf.add_(tb)
    assert np.array_equal(f.numpy(), tf.numpy())


# ---- reductions and matmul ----


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_half_reductions(name):
    a, ta = _half_inputs(name, shape=(6, 50))
    for op, kw in [("sum", {}), ("mean", {}), ("sum", {"dim": 1}), ("mean", {"dim": 0}), ("amax", {"dim": 1}),
                   ("amin", {}), ("prod", {"dim": 0})]:
        x, y = getattr(a, op)(**kw), getattr(ta, op)(**kw)
        assert x.dtype == fg_dtype(name), op
        tol = torch.testing._comparison.default_tolerances(y)
        torch.testing.assert_close(to_torch(x), y, rtol=tol[0], atol=tol[1])
    v, i = a.max(dim=1)
    tv, ti = ta.max(dim=1)
    assert np.array_equal(bits(v), bits(tv)) and np.array_equal(i.numpy(), ti.numpy())
    assert np.array_equal(a.argmax().numpy(), ta.argmax().numpy())


@pytest.mark.parametrize("name", ["uint8", "int8", "int16"])
def test_small_int_reductions(name):
    vals = np.array([UINT_VALUES if name == "uint8" else INT_VALUES] * 3)
    a, ta = fastgrad.tensor(vals, dtype=fg_dtype(name)), torch.tensor(vals, dtype=th_dtype(name))
    for op, kw in [("sum", {}), ("sum", {"dim": 1}), ("prod", {}), ("amax", {"dim": 0}), ("amin", {}),
                   ("cumsum", {"dim": 1}), ("max", {}), ("argmax", {})]:
        x, y = getattr(a, op)(**kw), getattr(ta, op)(**kw)
        assert str(x.dtype).split(".")[-1] == str(y.dtype).split(".")[-1], op
        assert np.array_equal(x.numpy(), y.numpy()), op
    with pytest.raises(RuntimeError):
        ta.mean()
    with pytest.raises(RuntimeError):
        a.mean()


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_half_matmul(name):
    a, ta = _half_inputs(name, shape=(4, 9), seed=4)
    b, tb = _half_inputs(name, shape=(9, 3), seed=5)
    x, y = a @ b, ta @ tb
    assert x.dtype == fg_dtype(name)
    torch.testing.assert_close(to_torch(x), y)
    c, tc = _half_inputs(name, shape=(2, 4, 9), seed=6)
    torch.testing.assert_close(to_torch(c @ b), tc @ tb)


@pytest.mark.parametrize("name", NEW)
def test_shape_and_index_ops(name):
    vals = np.arange(24).reshape(2, 3, 4) % 100
    a, ta = fastgrad.tensor(vals, dtype=fg_dtype(name)), torch.tensor(vals, dtype=th_dtype(name))
    idx, tidx = fastgrad.tensor([2, 0]), torch.tensor([2, 0])
    cases = [
        (lambda t: t.permute(2, 0, 1).contiguous(), None),
        (lambda t: t.reshape(6, 4)[1:5:2], None),
        (lambda t: t.transpose(0, 1).flatten(), None),
        (lambda t: t[:, 1], None),
        (lambda t: t.unsqueeze(0).expand(2, 2, 3, 4).clone(), None),
        (lambda t: t.flip(0) if isinstance(t, torch.Tensor) else t.flip(0), None),
    ]
    for f, _ in cases:
        x, y = f(a), f(ta)
        assert x.dtype == a.dtype and list(x.shape) == list(y.shape)
        assert np.array_equal(x.float().numpy(), y.float().numpy())
    for mod, t, i in ((fastgrad, a, idx), (torch, ta, tidx)):
        pass
    assert np.array_equal(a.index_select(2, idx).float().numpy(), ta.index_select(2, tidx).float().numpy())
    assert np.array_equal(fastgrad.cat([a, a], 1).float().numpy(), torch.cat([ta, ta], 1).float().numpy())
    assert np.array_equal(fastgrad.stack([a, a]).float().numpy(), torch.stack([ta, ta]).float().numpy())
    g = fastgrad.tensor([[[0, 1, 0, 3]] * 3] * 2)
    assert np.array_equal(a.gather(2, g).float().numpy(), ta.gather(2, torch.tensor(g.numpy())).float().numpy())
    m = a.float() > 5
    assert np.array_equal(a[m].float().numpy(), ta[torch.tensor(m.numpy())].float().numpy())
    b, tb = a.clone(), ta.clone()
    b[0, 1] = 3
    tb[0, 1] = 3
    assert np.array_equal(b.float().numpy(), tb.float().numpy())
    b.masked_fill_(m, 1)
    tb.masked_fill_(torch.tensor(m.numpy()), 1)
    assert np.array_equal(b.float().numpy(), tb.float().numpy())
    w, tw = fastgrad.where(m, a, b), torch.where(torch.tensor(m.numpy()), ta, tb)
    assert w.dtype == a.dtype and np.array_equal(w.float().numpy(), tw.float().numpy())


# ---- autograd ----

AUTOGRAD_OPS = {
    "mul_add": lambda m, x, y: (x * y + x).sum(),
    "div": lambda m, x, y: (x / (y.abs() + 1)).sum(),
    "exp_tanh": lambda m, x, y: (x.exp() * y.tanh()).mean(),
    "matmul": lambda m, x, y: (x @ y.t()).sum(),
    "sigmoid_pow": lambda m, x, y: (x.sigmoid() ** 2 - y).sum(),
    "max_amax": lambda m, x, y: x.amax(dim=1).sum() + y.max(),
    "index_cat": lambda m, x, y: m.cat([x[:, 1:3], y[1:, :2]], 0).sum(),
    "sum_dim": lambda m, x, y: (x.sum(dim=0) * y.mean(dim=0)).sum(),
}


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
@pytest.mark.parametrize("op", list(AUTOGRAD_OPS))
def test_half_autograd(name, op):
    f = AUTOGRAD_OPS[op]
    x0, y0 = np.random.default_rng(7).standard_normal((2, 4, 5)).astype(np.float32)
    x = fastgrad.tensor(x0).to(fg_dtype(name)).requires_grad_()
    y = fastgrad.tensor(y0).to(fg_dtype(name)).requires_grad_()
    tx = torch.tensor(x0).to(th_dtype(name)).requires_grad_()
    ty = torch.tensor(y0).to(th_dtype(name)).requires_grad_()
    out, tout = f(fastgrad, x, y), f(torch, tx, ty)
    assert out.dtype == fg_dtype(name)
    out.backward()
    tout.backward()
    assert x.grad.dtype == fg_dtype(name) and y.grad.dtype == fg_dtype(name)
    torch.testing.assert_close(to_torch(out), tout.detach())
    torch.testing.assert_close(to_torch(x.grad), tx.grad)
    torch.testing.assert_close(to_torch(y.grad), ty.grad)


def test_half_grad_fn_names():
    x = fastgrad.ones(3, dtype=fastgrad.float16, requires_grad=True)
    tx = torch.ones(3, dtype=torch.float16, requires_grad=True)
    for f in (lambda t: t * 2, lambda t: t + t, lambda t: t.exp(), lambda t: t.sum(), lambda t: t.float()):
        assert f(x).grad_fn.name() == f(tx).grad_fn.name()


def test_int_requires_grad_refused():
    with pytest.raises(RuntimeError, match="floating point"):
        torch.ones(2, dtype=torch.uint8).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        fastgrad.ones(2, dtype=fastgrad.uint8).requires_grad_()


# ---- printing ----


@pytest.mark.parametrize("name", NEW)
def test_repr(name):
    cases = [[1, 2, 3], [0.5, -1.25, 100.0], [1e-3, 2.0, 3e4], [[1.5, 2.5], [3.25, -4.0]], [], [0.1, 1e-5]]
    for vals in cases:
        if not th_dtype(name).is_floating_point:
            vals = (np.trunc(np.array(vals, dtype=np.float64)).astype(np.int64) % 100).tolist() if vals else []
        t = torch.tensor(vals, dtype=th_dtype(name))
        a = fastgrad.tensor(vals, dtype=fg_dtype(name))
        assert repr(a) == repr(t).replace("torch.", "fastgrad."), vals
    s = fastgrad.tensor(2.5, dtype=fg_dtype(name))
    assert repr(s) == repr(torch.tensor(2.5, dtype=th_dtype(name))).replace("torch.", "fastgrad.")


def test_repr_requires_grad_half():
    a = fastgrad.tensor([1.0, 2.0], dtype=fastgrad.float16, requires_grad=True)
    t = torch.tensor([1.0, 2.0], dtype=torch.float16, requires_grad=True)
    assert repr(a) == repr(t).replace("torch.", "fastgrad.")
    assert repr(a * 2) == repr(t * 2).replace("torch.", "fastgrad.")


# ---- NumPy, DLPack, checkpoints ----


@pytest.mark.parametrize("np_dtype", [np.float16, np.uint8, np.int8, np.int16])
def test_numpy_round_trip(np_dtype):
    arr = np.array([[1, 2, 3], [4, 5, 100]], dtype=np_dtype)
    t = fastgrad.from_numpy(arr)
    assert str(t.dtype) == "fastgrad." + np.dtype(np_dtype).name
    assert t.numpy().dtype == np_dtype and np.array_equal(t.numpy(), arr)
    arr[0, 0] = 9  # shares memory
    assert t[0, 0].item() == 9
    assert fastgrad.tensor(arr).dtype == t.dtype
    assert fastgrad.as_tensor(arr).dtype == t.dtype
    assert np.asarray(t).dtype == np_dtype
    assert str(torch.tensor(arr).dtype).split(".")[-1] == str(t.dtype).split(".")[-1]


def test_numpy_bfloat16_refused():
    t = fastgrad.ones(2, dtype=fastgrad.bfloat16)
    with pytest.raises(TypeError) as ours:
        t.numpy()
    with pytest.raises(TypeError) as theirs:
        torch.ones(2, dtype=torch.bfloat16).numpy()
    assert str(ours.value) == str(theirs.value)


def test_numpy_scalars_infer_dtype():
    for v in (np.uint8(7), np.int16(-3), np.float16(1.5), np.int8(-2)):
        assert str(fastgrad.tensor([v, v]).dtype).split(".")[-1] == str(torch.tensor([v, v]).dtype).split(".")[-1]
        assert str(fastgrad.tensor(v).dtype).split(".")[-1] == str(torch.tensor(v).dtype).split(".")[-1]


@pytest.mark.parametrize("name", NEW)
def test_dlpack_both_ways(name):
    a = fastgrad.tensor([1, 2, 3, 4], dtype=fg_dtype(name))
    t = torch.from_dlpack(a)
    assert t.dtype == th_dtype(name) and t.float().tolist() == [1, 2, 3, 4]
    back = fastgrad.from_dlpack(torch.tensor([5, 6], dtype=th_dtype(name)))
    assert back.dtype == fg_dtype(name) and back.float().tolist() == [5, 6]


@pytest.mark.parametrize("name", NEW)
def test_checkpoint_round_trip(name):
    vals = [[1, 2, 3], [4, 5, 100]]
    buf = io.BytesIO()
    fastgrad.save({"t": fastgrad.tensor(vals, dtype=fg_dtype(name)), "d": fg_dtype(name)}, buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=True)
    assert loaded["t"].dtype == th_dtype(name) and loaded["d"] == th_dtype(name)
    assert loaded["t"].float().tolist() == [[float(v) for v in r] for r in vals]
    buf = io.BytesIO()
    torch.save({"t": torch.tensor(vals, dtype=th_dtype(name))[:, 1:], "d": th_dtype(name)}, buf)
    buf.seek(0)
    back = fastgrad.load(buf, weights_only=True)
    assert back["t"].dtype == fg_dtype(name) and back["d"] == fg_dtype(name)
    assert back["t"].float().tolist() == [[2.0, 3.0], [5.0, 100.0]]


# ---- default dtype ----


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_set_default_dtype_half(name):
    old = fastgrad.get_default_dtype()
    told = torch.get_default_dtype()
    try:
        fastgrad.set_default_dtype(fg_dtype(name))
        torch.set_default_dtype(th_dtype(name))
        assert fastgrad.tensor([1.5]).dtype == fg_dtype(name) == fastgrad.get_default_dtype()
        assert torch.tensor([1.5]).dtype == th_dtype(name)
        assert (fastgrad.tensor([1, 2]) * 0.5).dtype == fg_dtype(name)
    finally:
        fastgrad.set_default_dtype(old)
        torch.set_default_dtype(told)


def test_unsupported_op_is_a_clean_error():
    """An op with no half-precision path raises NotImplementedError naming the dtype (as PyTorch's missing
    kernels do), never reads the memory as another type."""
    t = fastgrad.ones(1, 1, 2, 2, 2, dtype=fastgrad.float16)
    with pytest.raises(NotImplementedError, match="'Half'"):
        fastgrad.nn.functional.avg_pool3d(t, 2)  # PyTorch has no such kernel either
    with pytest.raises(NotImplementedError, match="'Half'"):
        torch.nn.functional.avg_pool3d(torch.ones(1, 1, 2, 2, 2, dtype=torch.float16), 2)


def test_uint8_negative_fill_wraps():
    """PyTorch lets an integer down to -255 into uint8 (it wraps), and refuses -256."""
    assert fastgrad.full((2,), -1, dtype=fastgrad.uint8).tolist() == torch.full((2,), -1, dtype=torch.uint8).tolist()
    assert math.isfinite(fastgrad.finfo(fastgrad.float16).max)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16"])
@pytest.mark.parametrize("op", ["max_pool1d", "avg_pool1d"])
def test_pooling_small_ints_refused_like_torch(name, op):
    errors = []
    for mod, lib in ((fastgrad.nn.functional, fastgrad), (torch.nn.functional, torch)):
        with pytest.raises(NotImplementedError) as info:
            getattr(mod, op)(lib.ones(1, 2, 4, dtype=getattr(lib, name)), 2)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_module_half_precision(name):
    m, tm = fastgrad.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    tm.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in m.state_dict().items()})
    method = "half" if name == "float16" else "bfloat16"
    getattr(m, method)()
    getattr(tm, method)()
    assert m.weight.dtype == fg_dtype(name) and m.bias.dtype == fg_dtype(name)
    x = np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32)
    y = m(fastgrad.tensor(x).to(fg_dtype(name)))
    ty = tm(torch.tensor(x).to(th_dtype(name)))
    assert y.dtype == fg_dtype(name)
    torch.testing.assert_close(to_torch(y), ty.detach())
    y.sum().backward()
    ty.sum().backward()
    assert m.weight.grad.dtype == fg_dtype(name)
    torch.testing.assert_close(to_torch(m.weight.grad), tm.weight.grad)


def test_uint8_index_is_a_mask_as_in_torch():
    # PyTorch reads a uint8 index as a bool mask (deprecated, with a UserWarning), not as positions
    import warnings

    torch = pytest.importorskip("torch")
    out = []
    for T in (fastgrad, torch):
        x = T.arange(5.)
        m = T.tensor([1, 0, 2, 0, 1], dtype=T.uint8)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = x.clone()
            y[m] = T.tensor([7., 8., 9.])
            z = T.zeros(5)
            z.index_put_((m,), T.tensor([3., 4., 5.]))
            got = [x[m].tolist(), y.tolist(), z.tolist(), x[np.array([1, 0, 1, 0, 0], dtype=np.uint8)].tolist(),
                   tuple(x[m, None].shape)]
        assert any("uint8 is now deprecated" in str(i.message) for i in w)
        out.append(got)
    assert out[0] == out[1]
