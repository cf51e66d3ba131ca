"""Tests generated from the op table (the package tests/python/op_table/).

1. forward vs the NumPy reference in float64, for the op and each of its other forms (method, operator, ...);
2. fastgrad.autograd.gradcheck in float64 for every differentiable op and sample, and a second-order check
   (autograd.grad with create_graph=True, then gradcheck of that first derivative, with the grad_output as an
   input too, as torch.autograd.gradgradcheck does);
3. with torch installed: values, dtype, shape, requires_grad and input gradients vs torch in float32 and
   float64 (same NumPy inputs on both sides), grad_fn names, and for view ops the strides/offset/_is_view;
4. type promotion of the binary ops vs torch for every pair of {bool, int32, int64, float32, float64}:
   tensor (+) tensor, tensor (+) 0-d tensor, tensor (+) Python scalar (both sides);
5. meta-tests: every table name exists on fastgrad, every public op of fastgrad has a table entry, and each
   entry's samples cover 0-d, non-contiguous, 0-size and broadcast inputs.

Known fastgrad bugs are listed in KNOWN_BUGS below and marked xfail(strict=True) with the exact bug; fix the
bug, and the test turns into an XPASS failure that asks for the entry to be removed.
"""

import warnings

import numpy as np
import pytest

import fastgrad
from op_table import COMPOSITE_GRAD_FN, NO_KIND, NOT_OPS, OPS, TORCH_BACKWARD_DIFFERS, TORCH_LESS_PRECISE, TIn

F = fastgrad.nn.functional

# --------------------------------------------------------------------------------------------------------
# Known bugs: (test, op, case) -> reason. `case` is a sample id, a "form:sample" id, or "*" for all cases.
# --------------------------------------------------------------------------------------------------------

KNOWN_BUGS = {}


def _bug(reason, tests, op, cases):
    for test in tests:
        for case in cases:
            KNOWN_BUGS[(test, op, case)] = reason


_FWD = ("numpy", "gradcheck", "gradgrad", "torch_forward", "torch_backward", "grad_fn")

for (_name, _case), _reason in TORCH_BACKWARD_DIFFERS.items():
    _bug(_reason, ("torch_backward",), _name, (_case,))
for (_test, _name, _case), _reason in TORCH_LESS_PRECISE.items():
    _bug(_reason, (_test,), _name, (_case,))


def _known(test, op, case):
    """The reason `case` of `test` on `op` is expected to fail, or None. A dtype-qualified case such as
    "float32-2d" also matches its plain sample id "2d"."""
    for c in (case, case.split("-", 1)[-1]):
        for key in ((test, op, c), (test, op, "*"), (test, "*", c)):
            if key in KNOWN_BUGS:
                return KNOWN_BUGS[key]
    return None


def _param(test, op, case, *values):
    reason = _known(test, op, case)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(*values, id=f"{op}-{case}", marks=marks)


# --------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------

NP_DTYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "int32": np.int32,
    "int64": np.int64,
    "bool": np.bool_,
}
# (rtol, atol): atol is scaled by the magnitude of the expected values.
TOL = {"float64": (1e-10, 1e-12), "float32": (1e-5, 1e-6)}


def _dtype_name(t):
    return str(t.dtype).split(".")[-1]


def _to_numpy(t):
    return t.detach().numpy()


def _assert_close(actual, expected, dtype_name, what=""):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}shape {actual.shape} != {expected.shape}"
    if expected.dtype.kind in "biu" or actual.dtype.kind in "biu":
        np.testing.assert_array_equal(actual, expected, err_msg=what)
        return
    rtol, atol = TOL[dtype_name]
    finite = expected[np.isfinite(expected)]
    scale = max(1.0, float(np.max(np.abs(finite)))) if finite.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale, equal_nan=True, err_msg=what)


def _build(m, sample, dtype_name="float64", requires_grad=True):
    """The sample's arguments as tensors of module m. Tensor inputs are made from the NumPy value (a
    non-contiguous NumPy view gives a non-contiguous leaf). Returns (args, kwargs, leaves)."""
    leaves = []
    np_dtype = NP_DTYPES[dtype_name]

    def conv(a):
        if not isinstance(a, TIn):
            return a
        t = m.from_numpy(a.value(np_dtype))
        if requires_grad and a.requires_grad and a.is_float:
            t.requires_grad_(True)
            leaves.append(t)
        return t

    args = tuple(conv(a) for a in sample.args)
    kwargs = {k: conv(v) for k, v in sample.kwargs.items()}
    return args, kwargs, leaves


def _outputs(out):
    return out if isinstance(out, tuple) else (out,)


def _call(fn, m, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. torch's deprecation warnings; not what these tests check
        return fn(m, *args, **kwargs)


# --------------------------------------------------------------------------------------------------------
# Parameter lists
# --------------------------------------------------------------------------------------------------------


def _forward_params():
    out = []
    for op in OPS:
        if op.ref is None:
            continue
        forms = [("op", op.op, None)] + [(f.name, f.fn, f.when) for f in op.forms]
        for s in op.samples():
            for form_name, fn, when in forms:
                if when is not None and not when(s):
                    continue
                case = s.id if form_name == "op" else f"{form_name}:{s.id}"
                out.append(_param("numpy", op.name, case, op, fn, s))
    return out


def _grad_samples(op):
    if not op.differentiable:
        return []
    return [s for s in op.samples() if s.grad and any(t.requires_grad and t.is_float for t in s.tensors())]


def _gradcheck_params():
    return [_param("gradcheck", op.name, s.id, op, s) for op in OPS for s in _grad_samples(op)]


def _gradgrad_params():
    out = []
    for op in OPS:
        if not op.gradgrad:
            continue
        for s in _grad_samples(op):
            if not s.gradgrad or "0size" in s.kinds:  # nothing to check on empty tensors
                continue
            out.append(_param("gradgrad", op.name, s.id, op, s))
    return out


def _torch_params(test):
    out = []
    for dtype in ("float32", "float64"):
        for op in OPS:
            for s in op.samples():
                out.append(_param(test, op.name, f"{dtype}-{s.id}", op, s, dtype))
    return out


def _error_params():
    return [_param("errors", op.name, e.id, op, e) for op in OPS for e in op.errors()]


# --------------------------------------------------------------------------------------------------------
# 1. forward vs NumPy (float64)
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op,fn,sample", _forward_params())
def test_forward_numpy(op, fn, sample):
    args, kwargs, _ = _build(fastgrad, sample, "float64")
    out = _call(fn, fastgrad, args, kwargs)
    np_args, np_kwargs = sample.numpy_args(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.asarray(op.ref(*np_args, **np_kwargs))
    assert isinstance(out, fastgrad.Tensor)
    assert tuple(out.shape) == expected.shape
    assert _dtype_name(out) == expected.dtype.name
    _assert_close(_to_numpy(out), expected, "float64")


# --------------------------------------------------------------------------------------------------------
# 2. gradcheck (float64) and second order
# --------------------------------------------------------------------------------------------------------


def _gradcheck_setup(op, sample):
    """(func, leaves): func(*leaves) runs the op on the sample.

    Note [gradcheck harness]: each tensor input that needs grad becomes a contiguous float64 leaf (its base),
    and func applies the sample's view (transpose / strided slice) to it. So the op sees exactly the sample's
    non-contiguous input, while gradcheck perturbs a contiguous leaf: fastgrad's gradcheck cannot perturb a
    non-contiguous leaf yet (test_gradcheck_accepts_noncontiguous_leaves); the torch comparison tests cover
    non-contiguous leaves directly.
    """
    leaves = []

    def make(a):
        if not isinstance(a, TIn):
            return ("const", a)
        base = fastgrad.from_numpy(a.base.copy())
        if not (a.requires_grad and a.is_float):
            return ("const", a.view(base) if a.view is not None else base)
        leaves.append(base.requires_grad_(True))
        return ("leaf", len(leaves) - 1, a.view)

    arg_slots = [make(a) for a in sample.args]
    kw_slots = {k: make(v) for k, v in sample.kwargs.items()}

    def resolve(slot, ins):
        if slot[0] == "const":
            return slot[1]
        _, i, view = slot
        return view(ins[i]) if view is not None else ins[i]

    def func(*ins):
        args = tuple(resolve(s, ins) for s in arg_slots)
        kwargs = {k: resolve(s, ins) for k, s in kw_slots.items()}
        return _call(op.op, fastgrad, args, kwargs)

    return func, leaves


@pytest.mark.parametrize("op,sample", _gradcheck_params())
def test_gradcheck(op, sample):
    func, leaves = _gradcheck_setup(op, sample)
    assert fastgrad.autograd.gradcheck(func, tuple(leaves))


@pytest.mark.parametrize("op,sample", _gradgrad_params())
def test_gradgradcheck(op, sample):
    # Second order, spelled out: the first derivative (autograd.grad with create_graph=True, for a fixed
    # random grad_output that is itself an input, as in torch's gradgradcheck) must pass gradcheck.
    func, leaves = _gradcheck_setup(op, sample)
    out = func(*leaves)
    assert out.requires_grad
    rng = np.random.default_rng(1234)
    v = fastgrad.from_numpy(rng.uniform(-1.0, 1.0, tuple(out.shape))).requires_grad_(True)
    n = len(leaves)

    def first_derivative(*ins):
        xs, gout = ins[:n], ins[n]
        grads = fastgrad.autograd.grad(func(*xs), xs, gout, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    assert fastgrad.autograd.gradcheck(first_derivative, tuple(leaves) + (v,))


def test_gradcheck_catches_a_wrong_gradient():
    # x * x.detach() has analytical gradient x but numerical gradient 2x: gradcheck must notice,
    # otherwise every gradcheck above proves nothing.
    x = fastgrad.from_numpy(np.array([0.5, -1.5, 2.0])).requires_grad_(True)

    def wrong(t):
        return t * t.detach()

    assert not fastgrad.autograd.gradcheck(wrong, (x,), raise_exception=False)
    with pytest.raises(fastgrad.autograd.GradcheckError):
        fastgrad.autograd.gradcheck(wrong, (x,))


def test_gradcheck_perturbs_saved_leaves():
    # sin saves its input: perturbing the input in place must not break the analytical pass (torch's
    # gradcheck perturbs through `.data`, which has its own version counter).
    x = fastgrad.from_numpy(np.array([0.5, -1.5, 2.0])).requires_grad_(True)
    assert fastgrad.autograd.gradcheck(lambda t: t.sin(), (x,), raise_exception=False)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda b: b.T, id="transposed"),
        pytest.param(lambda b: b[:, :3], id="sliced"),
    ],
)
def test_gradcheck_accepts_noncontiguous_leaves(make):
    # torch.autograd.gradcheck perturbs non-contiguous inputs element by element in place; so must ours.
    x = fastgrad.from_numpy(make(np.arange(1.0, 13.0).reshape(3, 4) / 7.0)).requires_grad_(True)
    assert not x.is_contiguous()
    assert fastgrad.autograd.gradcheck(lambda t: t.exp(), (x,), raise_exception=False)


def test_gradcheck_accepts_0d_leaves():
    x = fastgrad.from_numpy(np.array(0.5)).requires_grad_(True)
    assert fastgrad.autograd.gradcheck(lambda t: t.exp(), (x,), raise_exception=False)


def test_gradcheck_accepts_0d_outputs():
    x = fastgrad.from_numpy(np.array([0.5, 1.5])).requires_grad_(True)
    assert fastgrad.autograd.gradcheck(lambda t: t.exp().sum(), (x,), raise_exception=False)


def test_gradcheck_allows_grad_inside():
    # gradgradcheck's pattern: the checked function itself calls autograd.grad(create_graph=True).
    x = fastgrad.from_numpy(np.array([0.5, -1.5, 2.0])).requires_grad_(True)

    def first_derivative(t):
        return fastgrad.autograd.grad((t * t * t).sum(), t, create_graph=True)[0]

    assert fastgrad.autograd.gradcheck(first_derivative, (x,), raise_exception=False)


def test_gradcheck_accepts_outputs_without_grad():
    # An output that does not depend differentiably on the input: torch checks the numerical gradient is 0.
    x = fastgrad.from_numpy(np.array([0.5, -1.5, 2.0])).requires_grad_(True)
    assert fastgrad.autograd.gradcheck(lambda t: t.detach() * 0.0 + 1.0, (x,), raise_exception=False)


# --------------------------------------------------------------------------------------------------------
# 3. vs torch: values, dtype, shape, gradients, grad_fn names, view metadata
# --------------------------------------------------------------------------------------------------------


def _run_both(op, sample, dtype):
    torch = pytest.importorskip("torch")
    targs, tkw, tleaves = _build(torch, sample, dtype)
    fargs, fkw, fleaves = _build(fastgrad, sample, dtype)
    tout = _call(op.op, torch, targs, tkw)
    fout = _call(op.op, fastgrad, fargs, fkw)
    return torch, (targs, tout, tleaves), (fargs, fout, fleaves)


@pytest.mark.parametrize("op,sample,dtype", _torch_params("torch_forward"))
def test_vs_torch_forward(op, sample, dtype):
    torch, (_, tout, _), (_, fout, _) = _run_both(op, sample, dtype)
    assert isinstance(fout, fastgrad.Tensor)
    assert tuple(fout.shape) == tuple(tout.shape), "shape"
    assert _dtype_name(fout) == _dtype_name(tout), "dtype"
    assert fout.requires_grad == tout.requires_grad, "requires_grad"
    _assert_close(_to_numpy(fout), tout.detach().numpy(), dtype)


@pytest.mark.parametrize("op,sample,dtype", _torch_params("torch_backward"))
def test_vs_torch_backward(op, sample, dtype):
    torch, (_, tout, tleaves), (_, fout, fleaves) = _run_both(op, sample, dtype)
    if not tout.requires_grad:
        assert not fout.requires_grad
        return
    rng = np.random.default_rng(99)
    g = rng.uniform(-1.0, 1.0, tuple(tout.shape)).astype(NP_DTYPES[_dtype_name(tout)])
    tout.backward(torch.from_numpy(g.copy()))
    fout.backward(fastgrad.from_numpy(g.copy()))
    for i, (tl, fl) in enumerate(zip(tleaves, fleaves)):
        if tl.grad is None:
            assert fl.grad is None, f"input {i}: torch has no gradient"
            continue
        assert fl.grad is not None, f"input {i}: no gradient"
        assert _dtype_name(fl.grad) == _dtype_name(tl.grad)
        _assert_close(_to_numpy(fl.grad), tl.grad.numpy(), dtype, what=f"grad of input {i}: ")


def _node_name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


# (ops composed of core ops in fastgrad end in their last core op's node: no name to compare)
@pytest.mark.parametrize(
    "op,sample,dtype", [p for p in _torch_params("grad_fn") if p.values[0].name not in COMPOSITE_GRAD_FN]
)
def test_grad_fn_name(op, sample, dtype):
    torch, (_, tout, _), (_, fout, _) = _run_both(op, sample, dtype)
    assert _node_name(fout) == _node_name(tout)


def _view_params():
    return [p for p in _torch_params("view_meta") if p.values[0].view_op]


@pytest.mark.parametrize("op,sample,dtype", _view_params())
def test_view_metadata(op, sample, dtype):
    torch, (targs, tout, _), (fargs, fout, _) = _run_both(op, sample, dtype)
    assert tuple(fout.stride()) == tuple(tout.stride()), "strides"
    assert fout.storage_offset() == tout.storage_offset(), "storage offset"
    assert fout._is_view() == tout._is_view(), "_is_view()"
    if tout.numel() and tout._is_view():  # shares the input's memory
        assert fout.data_ptr() - fargs[0].data_ptr() == tout.data_ptr() - targs[0].data_ptr()


# --------------------------------------------------------------------------------------------------------
# Error samples: fastgrad raises what torch raises
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op,err", _error_params())
def test_errors(op, err):
    args, kwargs, _ = _build(fastgrad, err, "float64")
    with pytest.raises(err.exc, match=err.match):
        _call(op.op, fastgrad, args, kwargs)


@pytest.mark.parametrize(
    "op,err", [pytest.param(op, e, id=f"{op.name}-{e.id}") for op in OPS for e in op.errors()]
)
def test_error_table_matches_torch(op, err):
    # The table's expected exceptions are facts about torch: check them against the oracle.
    torch = pytest.importorskip("torch")
    args, kwargs, _ = _build(torch, err, "float64")
    with pytest.raises(err.exc, match=err.match):
        _call(op.op, torch, args, kwargs)


# --------------------------------------------------------------------------------------------------------
# 4. type promotion vs torch
# --------------------------------------------------------------------------------------------------------

PROMO_DTYPES = ("bool", "int32", "int64", "float32", "float64")
PROMO_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}
PROMO_VALUES = {
    "bool": [True, False, True],
    "int32": [1, 2, 3],
    "int64": [3, 1, 2],
    "float32": [0.5, 1.5, 2.5],
    "float64": [2.5, 0.5, 1.25],
}
PROMO_0D = {"bool": True, "int32": 2, "int64": 3, "float32": 1.5, "float64": 0.75}
PROMO_SCALARS = {"bool": True, "int": 2, "float": 1.5}


def _promo_operand(m, spec):
    kind, name = spec
    if kind == "scalar":
        return PROMO_SCALARS[name]
    value = PROMO_VALUES[name] if kind == "tensor" else PROMO_0D[name]
    return m.from_numpy(np.array(value, dtype=NP_DTYPES[name]))


def _promotion_params():
    out = []
    for opname in PROMO_OPS:
        pairs = []
        for da in PROMO_DTYPES:
            for db in PROMO_DTYPES:
                pairs.append((f"t{da}-t{db}", ("tensor", da), ("tensor", db)))
                pairs.append((f"t{da}-0d{db}", ("tensor", da), ("0d", db)))
                pairs.append((f"0d{da}-t{db}", ("0d", da), ("tensor", db)))
            for s in PROMO_SCALARS:
                pairs.append((f"t{da}-{s}", ("tensor", da), ("scalar", s)))
                pairs.append((f"{s}-t{da}", ("scalar", s), ("tensor", da)))
        for case, a, b in pairs:
            out.append(_param("promotion", opname, case, opname, a, b))
    return out


@pytest.mark.parametrize("opname,a,b", _promotion_params())
def test_type_promotion(opname, a, b):
    torch = pytest.importorskip("torch")
    fn = PROMO_OPS[opname]
    try:
        expected = fn(_promo_operand(torch, a), _promo_operand(torch, b))
    except Exception as e:  # torch refuses this pair: we must refuse it with the same exception type
        with pytest.raises(type(e)):
            fn(_promo_operand(fastgrad, a), _promo_operand(fastgrad, b))
        return
    got = fn(_promo_operand(fastgrad, a), _promo_operand(fastgrad, b))
    assert isinstance(got, fastgrad.Tensor)
    assert _dtype_name(got) == _dtype_name(expected), "result dtype"
    assert tuple(got.shape) == tuple(expected.shape)
    exp_np = expected.numpy()
    if exp_np.dtype.kind == "f":
        np.testing.assert_allclose(got.numpy(), exp_np, rtol=1e-6)
    else:
        np.testing.assert_array_equal(got.numpy(), exp_np)


@pytest.mark.parametrize("da", PROMO_DTYPES)
@pytest.mark.parametrize("db", PROMO_DTYPES)
def test_promote_types(da, db):
    torch = pytest.importorskip("torch")
    got = fastgrad.promote_types(getattr(fastgrad, da), getattr(fastgrad, db))
    assert (
        str(got).split(".")[-1]
        == str(torch.promote_types(getattr(torch, da), getattr(torch, db))).split(".")[-1]
    )


# --------------------------------------------------------------------------------------------------------
# 5. meta-tests on the table
# --------------------------------------------------------------------------------------------------------


def _resolve(location):
    if location.startswith("F."):
        return F, location[2:]
    owner, name = location.split(".", 1)
    obj = {"fastgrad": fastgrad, "Tensor": fastgrad.Tensor, "special": fastgrad.special}[owner]
    while "." in name:  # a submodule: fastgrad.linalg.inv
        head, name = name.split(".", 1)
        obj = getattr(obj, head)
    return obj, name


@pytest.mark.parametrize(
    "location", [pytest.param(loc, id=f"{op.name}-{loc}") for op in OPS for loc in op.api]
)
def test_api_exists(location):
    owner, name = _resolve(location)
    assert hasattr(owner, name), f"{location} is missing"


def test_every_op_has_an_api_location():
    assert all(op.api for op in OPS)


def _public_callables(module):
    out = set()
    for name in dir(module):
        if name.startswith("_"):
            continue
        obj = getattr(module, name)
        if callable(obj) and not isinstance(obj, type) and type(obj).__name__ != "module":
            out.add(name)
    return out


def test_every_public_op_has_a_table_entry():
    covered = {loc for op in OPS for loc in op.api}
    missing = sorted(
        f"fastgrad.{n}" for n in _public_callables(fastgrad) - NOT_OPS if f"fastgrad.{n}" not in covered
    )
    missing += sorted(f"F.{n}" for n in _public_callables(F) - NOT_OPS if f"F.{n}" not in covered)
    assert not missing, f"public ops without an op-table entry: {missing}"


# Entries that cannot have a sample of some kind (the op does not allow it).
_NO_KIND = {
    ("dot", "0d"),
    ("mm", "0d"),
    ("mv", "0d"),
    ("matmul", "0d"),
    ("view", "broadcast"),
    ("expand", "broadcast"),
    ("select", "0d"),
    # the other ops that refuse 0-d inputs (as torch does), or that are not broadcasts
    ("adjoint", "0d"),
    ("unflatten", "0d"),
    ("diagonal", "0d"),
    ("unbind", "0d"),
    ("split", "0d"),
    ("chunk", "0d"),
    ("tensor_split", "0d"),
    ("cat", "0d"),
    ("concat", "0d"),
    ("concatenate", "0d"),
    ("tril", "0d"),
    ("triu", "0d"),
    ("diag", "0d"),
    ("narrow", "0d"),
    ("bmm", "0d"),
    ("embedding", "noncontig"),  # (the weight is transposed in one sample; indices are contiguous)
    ("bilinear", "0d"),
    ("layer_norm", "0d"),
    ("batch_norm", "0d"),
    ("outer", "0d"),
    ("ger", "0d"),
    ("trace", "0d"),
    # as_strided reads the storage, which a NumPy reference of the values does not see: views of one storage
    # are compared with torch in test_api_additions.py
    ("as_strided", "noncontig"),
    # attention needs (..., L, E) operands; PyTorch answers an empty one with an unrelated graph (AddBackward0)
    ("scaled_dot_product_attention", "0d"),
    ("scaled_dot_product_attention", "0size"),
    ("multi_head_attention_forward", "0d"),
    ("multi_head_attention_forward", "0size"),
    ("multi_head_attention_forward_weights", "0d"),
    ("multi_head_attention_forward_weights", "0size"),
}
_NO_KIND |= NO_KIND
_BINARY = {"add", "sub", "mul", "div", "pow", "eq", "ne", "lt", "le", "gt", "ge", "matmul"}


@pytest.mark.parametrize("op", [pytest.param(op, id=op.name) for op in OPS])
def test_samples_cover_the_kinds(op):
    kinds = set().union(*(s.kinds for s in op.samples()))
    needed = {"0d", "noncontig", "0size"} | (
        {"broadcast", "scalar"} if op.name in _BINARY - {"matmul"} else set()
    )
    if op.name == "matmul":
        needed.add("broadcast")
    missing = {k for k in needed - kinds if (op.name, k) not in _NO_KIND}
    assert not missing, f"{op.name}: no sample with {sorted(missing)}"
