"""In-place elementwise ops (unary and binary) against PyTorch 2.13 as the oracle: values and dtypes, the
exception type and wording where PyTorch refuses (results that cannot be cast to an integer or bool
tensor, a leaf that requires grad), gradients through the in-place forms.
"""

import numpy as np
import pytest

import fastgrad as fg
from elementwise_helpers import assert_same, assert_same_error, both, grad_fn_name, noncontiguous, run_both

torch = pytest.importorskip("torch")


# ---- in place ----

INPLACE_UNARY = ["neg_", "abs_", "sign_", "square_", "relu_", "floor_", "ceil_", "round_", "trunc_", "frac_", "exp_",
                 "exp2_", "expm1_", "log_", "log1p_", "log2_", "log10_", "sqrt_", "rsqrt_", "reciprocal_", "sin_",
                 "cos_", "tan_", "asin_", "acos_", "atan_", "sinh_", "cosh_", "tanh_", "asinh_", "acosh_", "atanh_",
                 "sigmoid_", "logit_", "erf_", "erfc_", "nan_to_num_", "fix_", "negative_", "arcsin_", "clamp_"]


@pytest.mark.parametrize("name", INPLACE_UNARY)
def test_unary_inplace_matches_torch(name):
    args = (0.0, 0.5) if name == "clamp_" else ()
    values = [0.2, 0.7, 0.4, 0.9, 0.1, 0.5] if name in ("acosh_",) else [0.2, -0.7, 0.4, -0.9, 0.1, 0.5]
    if name == "acosh_":
        values = [v + 1.5 for v in values]
    # On a non-leaf that requires grad: same values, the same Node, and the right gradient.
    fl, tl = noncontiguous(values, np.float64)
    fl.requires_grad_()
    tl.requires_grad_()
    fx, tx = fl * 1, tl * 1
    v0 = fx._version
    fr, tr = getattr(fx, name)(*args), getattr(tx, name)(*args)
    assert fr is fx
    assert fx._version > v0
    assert_same(fx, tx)
    assert grad_fn_name(fx) == grad_fn_name(tx)
    fr, tr = run_both(lambda: fx.sum().backward(), lambda: tx.sum().backward())
    if tr is not None and isinstance(tr, tuple):  # no derivative in place (asinh_, acosh_, atanh_): both raise
        assert_same_error(*tr)
    else:
        assert_same(fl.grad, tl.grad)
    # Integer tensors: as PyTorch (float results cannot be written into them).
    fi, ti = both(np.array([1, -2, 3]))
    fr, tr = run_both(lambda: getattr(fi, name)(*args), lambda: getattr(ti, name)(*args))
    if fr is None:
        assert_same_error(*tr)
    else:
        assert_same(fi, ti)
    # The function form where PyTorch has one.
    if hasattr(torch, name):
        f, t = both(np.array(values))
        getattr(fg, name)(f, *args)
        getattr(torch, name)(t, *args)
        assert_same(f, t)


INPLACE_BINARY = {
    "mul_": lambda x, y: x.mul_(y), "div_": lambda x, y: x.div_(y), "div_floor": lambda x, y: x.div_(y, rounding_mode="floor"),
    "floor_divide_": lambda x, y: x.floor_divide_(y), "remainder_": lambda x, y: x.remainder_(y),
    "fmod_": lambda x, y: x.fmod_(y), "pow_": lambda x, y: x.abs_().pow_(y), "pow_scalar": lambda x, y: x.pow_(2),
    "atan2_": lambda x, y: x.atan2_(y), "hypot_": lambda x, y: x.hypot_(y), "lerp_": lambda x, y: x.lerp_(y, 0.25),
    "lerp_tensor": lambda x, y: x.lerp_(y, y), "addcmul_": lambda x, y: x.addcmul_(y, y, value=2),
    "addcdiv_": lambda x, y: x.addcdiv_(y, y + 3, value=2), "clamp_tensor": lambda x, y: x.clamp_(y, y + 1),
    "clamp_min_": lambda x, y: x.clamp_min_(y), "clamp_max_": lambda x, y: x.clamp_max_(0.5),
    "lt_": lambda x, y: x.lt_(y), "ge_scalar": lambda x, y: x.ge_(0.5), "eq_": lambda x, y: x.eq_(y),
    "floordiv_op": lambda x, y: x.__ifloordiv__(y), "mod_op": lambda x, y: x.__imod__(2),
    "ipow": lambda x, y: x.__ipow__(2), "sub_alpha": lambda x, y: x.sub_(y, alpha=2),
    "logical_and_": lambda x, y: x.logical_and_(y), "logical_xor_": lambda x, y: x.logical_xor_(y),
    "logical_not_": lambda x, y: x.logical_not_(), "ne_": lambda x, y: x.ne_(y),
}


@pytest.mark.parametrize("name", sorted(INPLACE_BINARY))
def test_binary_inplace_matches_torch(name):
    call = INPLACE_BINARY[name]
    fl, tl = noncontiguous([0.2, -0.7, 0.4, -0.9, 0.1, 0.5], np.float64)
    fo, to = both(np.array([0.3, -0.6, 1.2]))
    for x in (fl, tl, fo, to):
        x.requires_grad_()
    fx, tx = fl * 1, tl * 1
    fr, tr = call(fx, fo), call(tx, to)
    assert fr is fx
    assert_same(fx, tx)
    assert grad_fn_name(fx) == grad_fn_name(tx)
    g = np.arange(1.0, 7.0).reshape(2, 3)
    fgs, tgs = run_both(lambda: fg.autograd.grad(fx, (fl, fo), fg.tensor(g), allow_unused=True),
                        lambda: torch.autograd.grad(tx, (tl, to), torch.tensor(g), allow_unused=True))
    if fgs is None:  # no derivative (floor_divide_): both raise
        assert_same_error(*tgs)
        return
    for a, b in zip(fgs, tgs):
        if b is None:
            assert a is None or not a.any()
        else:
            assert_same(a, b, rtol=1e-10)


def test_inplace_on_integer_and_bool_tensors_matches_torch():
    cases = [
        lambda m: m.tensor([1, 0]).lt_(0.5), lambda m: m.tensor([1.0, 0.0]).logical_and_(m.tensor([1.0, 1.0])),
        lambda m: m.tensor([1.0, 0.0]).logical_not_(), lambda m: m.tensor([3]).bitwise_and_(m.tensor([True])),
        lambda m: m.tensor([True]).bitwise_and_(m.tensor([3])), lambda m: m.tensor([5, 6]).__iand__(3),
        lambda m: m.tensor([5, 6]).__ixor__(m.tensor([1, 1])), lambda m: m.tensor([1, -1]).relu_(),
        lambda m: m.tensor([True]).abs_(), lambda m: m.tensor([1, -2]).neg_(), lambda m: m.tensor([7]).floor_divide_(2),
        lambda m: m.tensor([7]).remainder_(-2), lambda m: m.tensor([1.5]).floor_divide_(m.tensor([[1.0, 2.0]])),
        lambda m: m.tensor([7]).pow_(2), lambda m: m.tensor([True]).mul_(m.tensor([True])),
        lambda m: m.tensor([7]).div_(2), lambda m: m.tensor([7]).div_(2, rounding_mode="floor"),
    ]
    for call in cases:
        fr, tr = run_both(lambda: call(fg), lambda: call(torch))
        if fr is None:
            assert_same_error(*tr)
        else:
            assert_same(fr, tr)


def test_inplace_refuses_leaf_that_requires_grad():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    for call in (lambda: x.exp_(), lambda: x.clamp_(0, 1), lambda: x.lerp_(x.detach(), 0.5), lambda: x.lt_(1)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            call()
