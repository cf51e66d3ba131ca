"""Regression tests for the nn.functional classes the differential fuzzer (tests/python/fuzz/) found: each snippet
runs on fastgrad and on torch, and the outcomes must agree (exception class, or result dtype, shape, values and
the gradients of the leaves `a*`)."""

import warnings
from math import inf, nan  # noqa: F401 - they appear in tensor literals

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")


def _run(lib, code):
    ns = {"T": lib, "F": lib.nn.functional, "np": np, "inf": float("inf"), "nan": float("nan")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(code, ns)
        except Exception as e:  # noqa: BLE001 - the exception class is what is compared
            return ("raises", type(e).__name__, str(e).split("\n")[0]), None
        out = ns["out"]
        result = ("ok", str(out.dtype).split(".")[-1], tuple(out.shape), out.detach().numpy().astype(float))
        leaves = [ns[k] for k in sorted(ns) if k.startswith("a") and k[1:].isdigit()]
        grads = None
        if out.requires_grad:
            try:
                out.backward(lib.ones_like(out))
            except Exception as e:  # noqa: BLE001
                grads = ("raises", type(e).__name__)
            else:
                grads = [None if a.grad is None else a.grad.numpy().astype(float) for a in leaves]
    return result, grads


def check(code, message=False):
    f, fg = _run(fastgrad, code)
    t, tg = _run(torch, code)
    assert f[0] == t[0], (f, t)
    if f[0] == "raises":
        assert f[1] == t[1], (f, t)
        if message:
            assert f[2] == t[2], (f, t)
        return
    assert f[1:3] == t[1:3], (f[1:3], t[1:3])
    np.testing.assert_allclose(f[3], t[3], rtol=1e-5, atol=1e-6, equal_nan=True)
    if isinstance(tg, tuple) or isinstance(fg, tuple):
        assert fg == tg, (fg, tg)
    elif tg is not None:
        assert fg is not None and len(fg) == len(tg)
        for x, y in zip(fg, tg):
            assert (x is None) == (y is None)
            if x is not None:
                np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6, equal_nan=True)


def t(values, dtype="float32", grad=False):
    """Source for a tensor literal (shape from a nested list)."""
    return f"T.tensor(np.array({values!r}, dtype='{dtype}'), requires_grad={grad})"


# ---- binary_cross_entropy_with_logits: F checks the reduction and sizes (ValueError) first; the top-level op
# broadcasts the input to the target (result: the target's shape and dtype), refuses the reverse


BCE_LOGITS = [
    f"out = F.binary_cross_entropy_with_logits({t([1, 2], 'int64')}, {t([[1., 0.]])})",
    f"out = F.binary_cross_entropy_with_logits({t([1., 2])}, {t([1, 0], 'int64')}, reduction='max')",
    f"out = F.binary_cross_entropy_with_logits({t([True, False], 'bool')}, {t([1., 0.])})",
    f"out = F.binary_cross_entropy_with_logits({t([1., 2])}, {t([1, 0], 'int32')})",
    f"a0 = {t([1., -2], grad=True)}\nout = F.binary_cross_entropy_with_logits(a0, {t([0.3, 1.], 'float64')})",
    f"a0 = {t([1., -2], grad=True)}\nout = T.binary_cross_entropy_with_logits(a0, {t([[0.3, 1.], [0, 1]])})",
    f"a0 = {t([1., -2])}\na1 = {t([[0.3, 1.], [0, 1]], grad=True)}\n"
    "out = T.binary_cross_entropy_with_logits(a0, a1)",
    f"a0 = {t([[1., -2], [3, 4]], grad=True)}\nout = T.binary_cross_entropy_with_logits(a0, {t([0.3, 1.])})",
    f"out = T.binary_cross_entropy_with_logits({t([1., 2, 3])}, {t([0.3, 1.])})",
    f"out = T.binary_cross_entropy_with_logits({t([1., 2])}, {t([True, False], 'bool')})",
    f"out = T.binary_cross_entropy_with_logits({t([1., 2])}, {t([1, 0], 'int64')}, reduction=1)",
    f"out = T.binary_cross_entropy_with_logits({t([1., 2])}, {t([1., 0], 'float64')}, reduction=2)",
    f"out = T.binary_cross_entropy_with_logits({t([1., 2])}, 3)",
    f"out = T.binary_cross_entropy_with_logits(True, {t([1., 2])})",
]


@pytest.mark.parametrize("code", BCE_LOGITS)
def test_bce_with_logits(code):
    check(code)


# ---- cosine_embedding_loss: the target's rank (0 or 1) decides the inputs' (1 or 2); integer inputs work


COSINE_EMBEDDING = [
    f"out = F.cosine_embedding_loss({t([3, -2], 'int64')}, {t([4, 1], 'int64')}, {t(1., 'float32')})",
    f"out = F.cosine_embedding_loss({t([[3, -2]], 'int64')}, {t([[4, 1]], 'int32')}, {t([1], 'int64')})",
    f"out = F.cosine_embedding_loss({t([3., -2])}, {t([4., 1])}, {t([1.])})",
    f"out = F.cosine_embedding_loss({t([[3., -2]])}, {t([[4., 1]])}, {t(1.)})",
    f"out = F.cosine_embedding_loss({t([3., -2])}, {t([4., 1])}, {t([[1.]])})",
    f"out = F.cosine_embedding_loss({t([3., -2])}, {t([4., 1])}, {t([[1.]])}, reduction='max')",
    f"out = F.cosine_embedding_loss({t([3., -2])}, None, {t([[1.]])})",
    f"a0 = {t([[3., -2], [1, 1]], grad=True)}\n"
    f"out = F.cosine_embedding_loss(a0, {t([[4., 1], [2, 1]], 'float64')}, {t([1, -1], 'int64')}, margin=-0.5)",
]


@pytest.mark.parametrize("code", COSINE_EMBEDDING)
def test_cosine_embedding_loss(code):
    check(code)


# ---- soft_margin_loss: torch's kernel writes -input * target into the input's shape and dtype; the target is
# not differentiable; a bool target fails in backward


SOFT_MARGIN = [
    f"a0 = {t(0.9, grad=True)}\na1 = {t(-1.4, grad=True)}\nout = F.soft_margin_loss(a0, a1)",
    f"a0 = {t([0.9, 1], grad=True)}\na1 = {t(-1.4, grad=True)}\nwith T.no_grad():\n"
    "    out = F.soft_margin_loss(a0, a1)",
    f"out = F.soft_margin_loss({t([1, 2], 'int64')}, {t([1., -1])}, reduction='none')",
    f"out = F.soft_margin_loss({t([1, 2], 'int64')}, {t([1, -1], 'int64')}, reduction='none')",
    f"out = F.soft_margin_loss({t([True], 'bool')}, {t([1., -1])})",
    f"out = F.soft_margin_loss({t([1., 2])}, {t([[1.], [-1]])})",
    f"out = F.soft_margin_loss({t([1., 2])}, {t([1., -1, 1])})",
    f"out = F.soft_margin_loss({t([1., 2])}, {t([1., -1])}, reduction='max')",
    f"a0 = {t([[1.], [2]], grad=True)}\nout = F.soft_margin_loss(a0, {t([1., -1], 'float64')[:-1]})",
    f"a0 = {t([1., 2], grad=True)}\nout = F.soft_margin_loss(a0, {t([1., -1], 'float64')}, reduction='sum')",
    f"a0 = {t([1., 2], grad=True)}\nout = F.soft_margin_loss(a0, {t([True, False], 'bool')})",
    f"out = F.soft_margin_loss({t([1., 2])}, {t([True, False], 'bool')}, reduction='none')",
]


@pytest.mark.parametrize("code", SOFT_MARGIN)
def test_soft_margin_loss(code):
    check(code, message=True)


# ---- hinge_embedding_loss: the result keeps the input's dtype (integer inputs truncate the margin)


HINGE = [
    f"out = F.hinge_embedding_loss({t([-2, 1, -2, 3], 'int64')}, {t([1., -1, -1, 0])}, margin=-0.5, "
    "reduction='none')",
    f"out = F.hinge_embedding_loss({t([-2, 1, -2, 3], 'int32')}, {t([[1.], [-1]])}, margin=2.7, reduction='sum')",
    f"out = F.hinge_embedding_loss({t([-2, 1], 'int64')}, {t([1., -1])})",
    f"out = F.hinge_embedding_loss({t([True], 'bool')}, {t([1., -1])})",
    f"a0 = {t([-2., 1, 0.5], grad=True)}\nout = F.hinge_embedding_loss(a0, {t([[1.], [-1]], 'float64')}, margin=0.7)",
    f"out = F.hinge_embedding_loss({t([1., 2])}, {t([1., -1])}, reduction='max')",
]


@pytest.mark.parametrize("code", HINGE)
def test_hinge_embedding_loss(code):
    check(code)


# ---- batch_norm: eps and running-statistics checks (ValueError), weights of zero channels (IndexError)


BATCH_NORM = [
    f"out = F.batch_norm({t([[1., 2], [3, 4]])}, None, {t([1., 1])}, training=True)",
    f"out = F.batch_norm({t([[1., 2], [3, 4]])}, {t([0., 0])}, None, training=True)",
    f"out = F.batch_norm({t([[1., 2], [3, 4]])}, None, None, training=True, eps=0)",
    f"out = F.batch_norm({t([[1., 2], [3, 4]])}, {t([0., 0])}, {t([1., 1])}, eps=-1)",
    "out = F.batch_norm(T.zeros(1, 0, 4), None, None, T.zeros(0), T.zeros(0))",
    "out = F.batch_norm(T.zeros(1, 0, 4), None, None, bias=T.zeros(0), training=True)",
    "out = F.batch_norm(T.zeros(1, 0, 4), T.zeros(0), T.zeros(0))",
]


@pytest.mark.parametrize("code", BATCH_NORM)
def test_batch_norm_checks(code):
    check(code, message=True)


# ---- glu: floating only, checked after the halving check; dim must be an int


@pytest.mark.parametrize("code", [
    f"out = F.glu({t([1, 2], 'int64')})",
    f"out = F.glu({t([[True, False]], 'bool')})",
    f"out = F.glu({t([1, 2, 3], 'int32')})",
    f"out = F.glu({t([1., 2])}, True)",
    f"a0 = {t([[1., 2], [3, 4]], 'float64', grad=True)}\nout = F.glu(a0, 0)",
])
def test_glu(code):
    check(code, message=True)


# ---- cosine_similarity: integer/bool operands join a floating common dtype; an infinite norm gives 0 (not nan)


@pytest.mark.parametrize("code", [
    f"out = F.cosine_similarity({t([[1, 2]], 'int64')}, {t([[1, 3]], 'int64')})",
    f"out = F.cosine_similarity({t([[1, 2]], 'int32')}, {t([[1., 3]], 'float64')})",
    f"a0 = {t([[0.5, 1.]], grad=True)}\nout = F.cosine_similarity({t([[True, False]], 'bool')}, a0)",
    f"out = F.cosine_similarity({t([[True, False]], 'bool')}, {t([[1., 3]])}, 64)",
    f"out = F.cosine_similarity({t([[1., 2]])}, {t([[1., 3]])}, None)",
    f"a0 = {t([[0.6, 1e300, -0.2], [1., 2, 3]], 'float64', grad=True)}\n"
    f"out = F.cosine_similarity(a0, {t([[0.5, -2.5, 1], [2., 1, 0]], 'float64')}, 1)",
    f"a0 = {t([[0., 0, 0], [1., 2, 3]], 'float64', grad=True)}\n"
    f"out = F.cosine_similarity(a0, {t([[0.5, -2.5, 1], [2., 1, 0]], 'float64')}, 1)",
])
def test_cosine_similarity(code):
    check(code)


def test_clamp_min_value_only_gradcheck():
    from fastgrad.nn.functional import _clamp_min_value_only

    x = fastgrad.tensor([0.3, 1e-9, 2.0, 5e-7], dtype=fastgrad.float64, requires_grad=True)
    assert fastgrad.autograd.gradcheck(lambda v: _clamp_min_value_only(v, 1e-6) * v, (x,))
    v = _clamp_min_value_only(fastgrad.tensor([float("inf"), float("nan"), 0.0], dtype=fastgrad.float64), 1e-6)
    assert v[0].item() == float("inf")
    assert v[1].item() != v[1].item()
    assert v[2].item() == 1e-6


# ---- celu: x for x > 0 and alpha * expm1(x / alpha) otherwise, for any sign of alpha; NaN alpha leaves the
# positive side's gradient alone; the in-place form refuses a negative alpha in backward only


@pytest.mark.parametrize("code", [
    f"a0 = {t([-0.5, 1.9, -2.8, 0.0, 3.2], 'float64', grad=True)}\nout = F.celu(a0, alpha=-0.36)",
    f"out = F.celu({t(2.46)}, alpha=-2)",
    f"a0 = {t([-0.5, 1.1, 2.0], grad=True)}\nout = F.celu(a0, alpha=nan)",
    f"out = F.celu({t([1, 2], 'int64')}, alpha=0)",
    f"out = F.celu({t([1, 2], 'int64')})",
    f"out = F.celu({t([1., -2])}, alpha=1e-40)",
    f"out = F.celu_({t([1], 'int64')}.expand((2,)))",
    "out = F.celu_([1.0])",
    f"a0 = {t([1., -1, 0], grad=True)}\nout = F.celu_(a0 * 1, alpha=2.)",
    f"a0 = {t([1., -1, 0], grad=True)}\nout = F.celu_(a0 * 1, alpha=-1.)",
    f"a0 = {t([1., -1, 0], grad=True)}\nout = F.celu(a0, alpha=-1., inplace=True)",
])
def test_celu(code):
    check(code)


def test_celu_gradcheck():
    for alpha in (0.7, -1.3):
        x = fastgrad.tensor([-1.5, -0.2, 0.4, 2.0], dtype=fastgrad.float64, requires_grad=True)
        assert fastgrad.autograd.gradcheck(lambda v: fastgrad.nn.functional.celu(v, alpha=alpha), (x,))


# ---- huber_loss: broadcast first, then the reduction, then the dtypes; torch's backward refuses mixed dtypes


@pytest.mark.parametrize("code", [
    f"a0 = {t([1.3, 0.2, -4], grad=True)}\nout = F.huber_loss(a0, {t([3, -4, 3], 'int64')})",
    f"a0 = {t([1.3, 0.2, -4], grad=True)}\nout = F.huber_loss(a0, {t([3, -4, 3.], 'float64')})",
    f"a0 = {t([1.3, 0.2, -4], 'float64', grad=True)}\nout = F.huber_loss(a0, {t([True, False, True], 'bool')})",
    f"a0 = {t([1.3, 0.2, -4], 'float64', grad=True)}\nout = F.huber_loss(a0, {t([3, -4, 3.], 'float64')})",
    f"out = F.huber_loss({t([-2, 2, -4, 1], 'int64')}, {t([[1, 2], [3, 4]], 'int64')})",
    f"out = F.huber_loss({t([-2, 2], 'int32')}, {t([[1, 2], [3, 4]], 'int64')}, 'a')",
    f"out = F.huber_loss({t([-2., 2])}, {t([[1., 2], [3, 4]])}, 'none', weight={t([1., 2])})",
])
def test_huber_loss(code):
    check(code)


# ---- adaptive average pooling: output 1 is a mean (integer inputs refused by mean), empty non-batch dims are
# refused, empty outputs skip the dtype check and fail in backward


ADAPTIVE = [
    "out = F.adaptive_avg_pool1d(T.arange(12).reshape(1, 3, 4), 2)",
    "out = F.adaptive_avg_pool1d(T.arange(12).reshape(1, 3, 4), 1)",
    "out = F.adaptive_avg_pool1d(T.arange(12).reshape(1, 3, 4) > 3, 1)",
    "out = F.adaptive_avg_pool1d(T.zeros(1, 3, 0), 1)",
    "out = F.adaptive_avg_pool1d(T.zeros(1, 3, 0), 2)",
    "out = F.adaptive_avg_pool1d(T.zeros(3, 0), 2)",
    "out = F.adaptive_avg_pool1d(T.zeros(1, 0, 3, dtype=T.int64), 2)",
    "out = F.adaptive_avg_pool1d(T.zeros(2, 3) > 1, 0)",
    "out = F.adaptive_avg_pool1d(T.ones(2, 3), None)",
    "a0 = T.ones(1, 3, 4, requires_grad=True)\nout = F.adaptive_avg_pool1d(a0, 0)",
    "a0 = T.ones(1, 0, 4, requires_grad=True)\nout = F.adaptive_avg_pool1d(a0, 2)",
    "a0 = T.ones(2, 3, 3, requires_grad=True)\nout = F.adaptive_avg_pool2d(a0, (0, 2))",
    "out = F.adaptive_avg_pool2d(T.zeros(1, 2, 0), (1, 1))",
    "out = F.adaptive_avg_pool2d(T.zeros(1, 2, 0, dtype=T.int64), (1, 2))",
    "out = F.adaptive_avg_pool2d(T.arange(12).reshape(1, 3, 4), (None, 1))",
    "out = F.adaptive_avg_pool2d(T.tensor([[[0], [2]]]), 0)",
    "a0 = T.arange(12.).reshape(1, 3, 4).requires_grad_()\nout = F.adaptive_avg_pool2d(a0, (1, None))",
    "out = F.adaptive_avg_pool2d(3.0, 2)",
]


@pytest.mark.parametrize("code", ADAPTIVE)
def test_adaptive_avg_pool(code):
    check(code, message=True)


# ---- max/avg pooling: the shape checks (including empty non-batch dims) come before the dtype check


POOLS = [
    f"out = F.max_pool1d({t([[-3], [-3], [-1], [-5]], 'int32')}, 1, padding=2)",
    f"out = F.max_pool1d({t([[1, 2]], 'int64')}, 3)",
    f"out = F.max_pool1d({t([[True, False]], 'bool')}, 3)",
    "out = F.max_pool1d(T.zeros(1, 0, 2), 1)",
    "out = F.max_pool1d(T.zeros(0, 3), 1)",
    "out = F.max_pool1d(T.zeros(0, 3, 2), 1)",
    "out = F.max_pool1d(T.zeros(1, 0, 2), 1, return_indices=True)",
    "out = F.max_pool2d(T.zeros(0, 2, 1), 1)",
    "out = F.max_pool2d(T.zeros(1, 0, 3, 3), 1)",
    "out = F.max_pool2d(T.zeros(0, 1, 3, 3), 1)",
    "out = F.avg_pool1d(T.zeros(1, 1, 0), 1)",
    "out = F.avg_pool1d(T.zeros(0, 1, 3), 1)",
    "out = F.avg_pool2d(T.zeros(5, 2, 0), 1)",
    "out = F.avg_pool2d(T.zeros(3, 1, 0, 4) > 0, 1)",
    f"out = F.avg_pool2d({t([[[1, 2, 3]]], 'int32')}, 3, stride=1)",
    f"out = F.avg_pool2d({t([[[True, False, True]]], 'bool')}, 3, padding=2)",
    "out = F.avg_pool2d(None, 2)",
    "out = F.max_pool2d((1, 2), 2)",
]


@pytest.mark.parametrize("code", POOLS)
def test_pool_check_order(code):
    check(code, message=True)


# ---- margin_ranking_loss: a float margin (integer inputs give float32); triplet_margin_loss: torch's checks


@pytest.mark.parametrize("code", [
    f"out = F.margin_ranking_loss({t([-1], 'int64')}, {t([2], 'int64')}, {t([-3], 'int64')})",
    f"out = F.margin_ranking_loss({t([[-1, 3]], 'int32')}, {t([[2, 1]], 'int32')}, {t([[1, -1]], 'int32')}, "
    "reduction='sum')",
    f"out = F.margin_ranking_loss({t([True], 'bool')}, {t([2], 'int64')}, {t([True], 'bool')}, reduction='max')",
    f"out = F.margin_ranking_loss({t([1.], 'float32')}, {t([2.], 'float32')}, [1.])",
    f"out = F.triplet_margin_loss({t([[1., 2]])}, {t([[1., 3]])}, {t([2., 3])}, reduction='max')",
    f"out = F.triplet_margin_loss({t([[1., 2]])}, {t([[1., 3]])}, {t([2., 3])}, margin=0)",
    f"out = F.triplet_margin_loss([1.], {t([[1., 3]])}, {t([2., 3])})",
    f"out = F.triplet_margin_loss({t([[1., 2]])}, {t([[1., 3]])}, {t([2., 3])})",
])
def test_ranking_losses(code):
    check(code)


# ---- gaussian_nll_loss: torch's checks in its order; an integer var fails at the in-place clamp


@pytest.mark.parametrize("code", [
    f"out = F.gaussian_nll_loss({t([1., 2])}, {t([1., 3])}, {t([1, 2], 'int64')})",
    f"out = F.gaussian_nll_loss({t([1., 2])}, {t([1., 3])}, {t([True, True], 'bool')})",
    f"out = F.gaussian_nll_loss({t([[1., 2], [3, 4]])}, {t([1., 3])}, {t([[1.], [2]])})",
    f"out = F.gaussian_nll_loss({t([[1., 2], [3, 4]])}, {t([1., 3])}, {t([[1., 2, 3]])})",
    f"out = F.gaussian_nll_loss({t([[1., 2], [3, 4]])}, {t([1., 3])}, {t([1., 2])})",
    f"out = F.gaussian_nll_loss({t([1., 2])}, {t([1., 3])}, {t([1., -2])})",
    f"out = F.gaussian_nll_loss({t([1., 2])}, {t([1., 3])}, {t([1., 2])}, reduction='max')",
    f"a0 = {t([1e-9, 2., inf], 'float64', grad=True)}\n"
    f"out = F.gaussian_nll_loss({t([1., 2, 3], 'float64')}, {t([1., 3, 0], 'float64')}, a0, reduction='none')",
    f"out = F.gaussian_nll_loss({t([1., 2])}, {t([1., 3])}, 0.5)",
])
def test_gaussian_nll_loss(code):
    check(code)


# ---- normalisation layers: the dtype check after the shape checks; parser errors


@pytest.mark.parametrize("code", [
    f"out = F.group_norm({t([[[1, 2], [3, 4], [5, 6], [7, 8]]], 'int64')}, 3)",
    f"out = F.group_norm({t([[1., 2], [3, 4]])}, 3)",
    f"out = F.group_norm({t([[1., 2, 3, 4]])}, 2, [1., 2, 3, 4])",
    f"out = F.instance_norm({t([[[1, 2], [3, 4]]], 'int32')})",
    f"out = F.instance_norm({t([[[True, False]]], 'bool')})",
    f"out = F.instance_norm({t([[[1., 2], [3, 4]]])}, running_mean=2)",
    f"out = F.instance_norm({t([[[1., 2], [3, 4]]])}, use_input_stats=False)",
    f"out = F.rms_norm({t([[1, 2]], 'int64')}, (1,))",
    f"out = F.rms_norm({t([[True, False]], 'bool')}, (2,), {t([1., 2, 3])})",
    f"out = F.rms_norm({t([[1., 2]])}, (2,), [1., 2])",
    "out = F.rms_norm(object(), (2,))",
])
def test_norm_layer_check_order(code):
    check(code)


# ---- vector norms: float32 powers overflow as torch's do; one element per norm gives |x| for any p but 0


@pytest.mark.parametrize("code", [
    f"out = T.norm({t([1e30, 1.])})",
    f"out = T.norm({t([2e19, 3e19])}, 3)",
    f"out = T.norm({t([1e30, 1.])}, float('inf'))",
    f"a0 = {t([[1.5, 2.5], [1e30, 1e30]], grad=True)}\nout = a0.norm(dim=1)",
    f"out = T.norm({t([[2.5], [0.]])}, 2**62, dim=1)",
    f"out = T.norm({t([[2.5], [0.]])}, 0, dim=1)",
    f"out = T.norm({t([[-1.3, -2.92, 0.95]], 'float64')}, p=2**62, dim=(0,), keepdim=True)",
    f"out = T.norm({t([-1.8, -1.24], 'float64')}.reshape(2, 1), p=1e300, dim=[1], keepdim=True)",
    f"a0 = {t([[1.5], [-2.5]], 'float64', grad=True)}\nout = T.norm(a0, 3, dim=1)",
    f"out = F.pairwise_distance({t([[1e30, 0.5], [1., 2]])}, {t([[1., 2], [0., 1]])})",
])
def test_vector_norm_edges(code):
    check(code)


# ---- non-tensor arguments: AttributeError where torch's F op calls a method of its input, the parser's
# TypeError where it calls a builtin


@pytest.mark.parametrize("code", [
    "out = F.sigmoid([1.0])",
    "out = F.tanh((1.0,))",
    "out = F.softmax(1.5, 0)",
    "out = F.log_softmax(None, 0)",
    "out = F.hardswish([1.0])",
    "out = F.hardsigmoid(None)",
    "out = F.softshrink(3, 0.5)",
    f"out = F.softshrink({t([1., 2])}, None)",
    f"out = F.hardshrink({t([1., 2])}, (1,))",
    "out = F.hardshrink(True)",
    f"out = F.kl_div([1.], {t([1., 2])})",
    f"out = F.kl_div({t([1, 2], 'int64')}, {t([1., 2])}, reduction='max')",
    f"out = F.bilinear({t([[1., 2]])}, {t([[1., 2]])}, [1.])",
    f"out = F.pairwise_distance(None, {t([[1., 2]])})",
    f"out = F.prelu((1,), {t([1.])})",
    f"out = F.prelu({t([1., 2])}, 'a')",
    f"out = F.conv2d([1, 2], {t([[[[1.]]]])})",
    f"out = F.conv1d({t([[[1., 2]]])}, 1.5)",
    f"out = F.conv2d({t([[[[1., 2]]]])}, {t([[[[1.]]]])}, object())",
    "out = F.pad('a', (1, 1))",
    "out = F.logsigmoid((1.0,))",
])
def test_non_tensor_arguments(code):
    check(code)


# ---- prelu: one dtype, the weight's size, then floating only; x where x > 0 (even for an inf/NaN weight)


@pytest.mark.parametrize("code", [
    f"out = F.prelu({t([[-2, -4]], 'int64')}, {t([-5], 'int64')})",
    f"out = F.prelu({t([[True, False]], 'bool')}, {t([False], 'bool')})",
    f"out = F.prelu({t([1, 2], 'int64')}, {t([1., 2, 3])})",
    f"out = F.prelu({t([[1., 2]])}, {t([1., 2], 'float64')})",
    f"out = F.prelu({t([[1., 2]])}, {t([1., 2, 3])})",
    f"a0 = {t([[0.96, -0.5, 0.0, inf, -inf]], grad=True)}\na1 = {t([nan], grad=True)}\nout = F.prelu(a0, a1)",
    f"a0 = {t([[0.96, -0.5, 0.0, inf, -inf]], grad=True)}\na1 = {t([inf], grad=True)}\nout = F.prelu(a0, a1)",
    f"a0 = {t([[0.9, -0.5], [0.0, -2.0], [1.5, 0.25]], 'float64', grad=True)}\na1 = {t([0.25, -1.5], 'float64', grad=True)}"
    "\nout = F.prelu(a0, a1)",
])
def test_prelu(code):
    check(code, message=True)


def test_prelu_and_logsigmoid_gradcheck():
    x = fastgrad.tensor([[0.9, -0.5], [-1.2, -2.0], [1.5, 0.25]], dtype=fastgrad.float64, requires_grad=True)
    w = fastgrad.tensor([0.25, -1.5], dtype=fastgrad.float64, requires_grad=True)
    assert fastgrad.autograd.gradcheck(fastgrad.nn.functional.prelu, (x, w))
    y = fastgrad.tensor([-30.0, -2.0, -0.3, 0.4, 25.0], dtype=fastgrad.float64, requires_grad=True)
    assert fastgrad.autograd.gradcheck(fastgrad.nn.functional.logsigmoid, (y,))


# ---- logsigmoid: gradient sigmoid(-x) everywhere (0.5 at 0; an infinite incoming gradient stays infinite)


@pytest.mark.parametrize("code", [
    f"a0 = {t([0.31, -0.0, 0.0, -25., 30.], 'float64', grad=True)}\nout = F.logsigmoid(a0)",
    f"a0 = {t([[0.7, -1.45, -0.66]], grad=True)}\n"
    f"out = F.multilabel_soft_margin_loss(a0, {t([[-inf, 1.84, 3.64]])}, reduction='sum')",
])
def test_logsigmoid(code):
    check(code)


# ---- mse_loss / smooth_l1_loss: broadcast, then the reduction, then the dtype check


@pytest.mark.parametrize("name", ["mse_loss", "smooth_l1_loss"])
@pytest.mark.parametrize("args", [
    f"{t([1, 2, 3], 'int64')}, {t([1, 2], 'int64')}",
    f"{t([1, 2], 'int64')}, {t([1, 2], 'int64')}, reduction='max'",
    f"{t([True, False], 'bool')}, {t([[1], [2]], 'int64')}",
    f"{t([1, 2], 'int64')}, {t([1, 2], 'int64')}",
    f"{t([1., 2], grad=True)}, {t([[1.5], [2]], 'float64')}",
])
def test_pointwise_loss_check_order(name, args):
    check(f"out = F.{name}({args})")


# ---- pad (reflect/replicate refuse empty non-batch dims), embedding from an empty weight, lrn's kernel size


@pytest.mark.parametrize("code", [
    "out = F.pad(T.zeros(1, 4, 0, 2, dtype=T.int64), (0, 2, 2, 1, 2, -1), mode='replicate')",
    "out = F.pad(T.zeros(1, 0, 3), (1, 1), mode='reflect')",
    "out = F.pad(T.zeros(0, 2, 3), (1, 1), mode='reflect')",
    "out = F.pad(T.zeros(2, 0, 3, 3), (1, 1, 1, 1), mode='replicate')",
    "out = F.pad(T.zeros(2, 0, 3, 3), (1, 1, 1, 1), mode='circular')",
    "out = F.embedding(T.tensor([0, 1]), T.zeros(1, 0), padding_idx=0)",
    "out = F.embedding(T.tensor([-1, 1]), T.zeros(3, 0))",
    "out = F.embedding(T.tensor([0, 2]), T.zeros(3, 0))",
    "out = F.local_response_norm(T.zeros(1, 2, 3) > 0, -1)",
    "out = F.local_response_norm(T.zeros(1, 2, 3, 2, dtype=T.int32), 0)",
])
def test_pad_embedding_lrn(code):
    check(code, message=True)


@pytest.mark.parametrize("lambd", ["np.int32(-2)", "np.float64(0.5)", "np.bool_(True)", "True", "2"])
@pytest.mark.parametrize("name", ["hardshrink", "softshrink"])
def test_shrink_takes_any_number(name, lambd):
    check(f"a0 = {t([[0.3, -1.5], [2., 0.]], grad=True)}\nout = F.{name}(a0, {lambd})")
    check(f"out = F.{name}(T.zeros(4, 0)[::2], {lambd})")


# ---- binary_cross_entropy: the reduction first; input then target values outside [0, 1], element by element


@pytest.mark.parametrize("code", [
    f"out = F.binary_cross_entropy({t([[-3, -4], [-5, 0]], 'int64')}, {t([[5, 1], [-2, 4]], 'int64')}, "
    "reduction='max')",
    f"a0 = {t(0.59, grad=True)}\na1 = {t(2.21, grad=True)}\nout = F.binary_cross_entropy(a0, a1)",
    f"out = F.binary_cross_entropy({t([0.5, 2.])}, {t([0.5, 3.])})",
    f"out = F.binary_cross_entropy({t([0.5, 0.2])}, {t([2., 0.5])})",
    f"out = F.binary_cross_entropy({t([0.5, nan])}, {t([0.5, 0.5])})",
    f"out = F.binary_cross_entropy({t([0.5, 0.2])}, {t([0.5, nan])})",
    f"out = F.binary_cross_entropy({t([0.5, 0.2])}, {t([0.5, 0.1])}, 3)",
    f"out = F.poisson_nll_loss({t([0.5, 0.2])}, {t([0.5, 0.1])}, T.tensor(1.5))",
    f"out = F.poisson_nll_loss({t([0.5, 0.2])}, 0.5)",
    f"out = F.poisson_nll_loss((2,), {t([0.5, 0.1])})",
])
def test_bce_and_poisson_checks(code):
    check(code)


# ---- leaky_relu: the gradient selects 1 or the slope (huge or infinite slopes included)


@pytest.mark.parametrize("code", [
    f"a0 = {t([0.42, -3.33, nan, inf, -inf, 0.], 'float64', grad=True)}\nout = F.leaky_relu(a0, -inf)",
    f"a0 = {t(2.71, grad=True)}\nout = F.leaky_relu(a0, 2**63)",
    f"a0 = {t([2.71, -1.0, 0.0], grad=True)}\nout = F.leaky_relu(a0, 0.2)",
    f"a0 = {t([2.71, -1.0, 0.0], grad=True)}\nout = F.leaky_relu_(a0 * 1, 0.2)",
])
def test_leaky_relu_grad(code):
    check(code)


# ---- kl_div is xlogy(target, target) - target * input (log_target=False), as torch composes it: the target's
# gradient at a zero target is xlogy's d/dy = input / target there (NaN), log(target) + 1 - input elsewhere


@pytest.mark.parametrize("code", [
    f"a0 = {t([0.3, -1.2, 0.5, 2.0], grad=True)}\na1 = {t([0.0, 0.4, -0.5, 1.5], grad=True)}\n"
    "out = F.kl_div(a0, a1, reduction='sum')",
    f"a0 = {t([[0.3, -1.2], [0.5, 2.0]], 'float64', grad=True)}\na1 = {t([[0.0, 0.0], [nan, inf]], 'float64', grad=True)}\n"
    "out = F.kl_div(a0, a1, reduction='none')",
    f"a0 = {t([0.3, -1.2], grad=True)}\na1 = {t([0.0, 0.7], 'float64', grad=True)}\nout = F.kl_div(a0, a1, reduction='batchmean')",
    f"a0 = {t([0.3, -1.2], grad=True)}\na1 = {t([0.0, -0.7], grad=True)}\n"
    "out = F.kl_div(a0, a1, reduction='sum', log_target=True)",
    f"a0 = {t([0.3, -1.2, 0.0], grad=True)}\na1 = {t([0.0, 0.5, 2.0], grad=True)}\nout = T.xlogy(a1, a1) - a0",
])
def test_kl_div_zero_target_grad(code):
    check(code)


def test_xlogy_gradcheck_float64():
    from fastgrad.autograd import gradcheck, gradgradcheck

    x = fastgrad.tensor([[0.0, 1.5, -0.7], [2.0, 0.0, 0.3]], dtype=fastgrad.float64, requires_grad=True)
    y = fastgrad.tensor([[0.4, 2.5, 1.2], [0.9, 3.0, 0.6]], dtype=fastgrad.float64, requires_grad=True)
    assert gradcheck(fastgrad.xlogy, (x, y))
    assert gradgradcheck(fastgrad.xlogy, (x, y))
    assert gradcheck(lambda b: fastgrad.xlogy(2.5, b), (y,))
    assert gradcheck(lambda a: fastgrad.xlogy(a, 0.75), (x,))


def _node_names(y):
    seen, stack = [], [y.grad_fn]
    while stack:
        f = stack.pop()
        if f is not None:
            seen.append(f.name().split("::")[-1])
            stack.extend(n for n, _ in f.next_functions)
    return sorted(seen)


@pytest.mark.parametrize("kind", ["affine_running", "strided_expanded", "eval"])
def test_instance_norm_is_a_batch_norm_over_instances(kind):
    # as torch: one NativeBatchNormBackward0 over the (1, N*C, ...) view, weight/bias/statistics repeated N times
    rng = np.random.default_rng(5)
    xn, wn, bn = rng.normal(size=(2, 3, 4)), rng.normal(size=3), rng.normal(size=3)
    rmn, rvn = rng.normal(size=3), rng.uniform(0.5, 2, size=3)
    res = {}
    for lib in (fastgrad, torch):
        x = lib.tensor(xn, requires_grad=True)
        w, b = lib.tensor(wn, requires_grad=True), lib.tensor(bn, requires_grad=True)
        rm, rv = lib.tensor(rmn), lib.tensor(rvn)
        F = lib.nn.functional
        if kind == "affine_running":
            y = F.instance_norm(x, rm, rv, w, b, momentum=0.3)
        elif kind == "strided_expanded":
            y = F.instance_norm(x[:, :1].expand(2, 3, 4)[:, :, ::2], weight=w)
        else:
            y = F.instance_norm(x, rm, rv, w, b, use_input_stats=False)
        y.backward(lib.ones_like(y) * lib.arange(y.numel(), dtype=y.dtype).reshape(y.shape))
        res[lib.__name__] = (_node_names(y), y.detach().numpy(), x.grad.numpy(), w.grad.numpy(), rm.numpy(),
                             rv.numpy())
    f, t = res["fastgrad"], res["torch"]
    assert f[0] == t[0]
    for a, b in zip(f[1:], t[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,shape", [("adaptive_avg_pool1d", (0, 2)), ("adaptive_avg_pool2d", (0, 2, 2)),
                                        ("adaptive_avg_pool3d", (0, 2, 2, 2)), ("adaptive_max_pool1d", (0, 2)),
                                        ("adaptive_max_pool2d", (0, 2, 2)), ("adaptive_max_pool3d", (0, 2, 2, 2))])
def test_adaptive_pooling_backward_of_unbatched_zero_channels(name, shape):
    # fuzzer seed 1: an unbatched input with 0 channels backpropagates in torch (dim 0 is exempt from the empty
    # gradient check); fastgrad raised "Expected grad_output to have non-zero size".
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (fastgrad, torch):
        x = lib.zeros(shape, dtype=lib.float64, requires_grad=True)
        out = getattr(lib.nn.functional, name)(x, 3)
        out.sum().backward()
        grads.append(tuple(x.grad.shape))
    assert grads[0] == grads[1] == shape
