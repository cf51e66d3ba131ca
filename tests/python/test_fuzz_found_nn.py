"""Regression tests for the nn.functional classes the differential fuzzer (tests/python/fuzz/) found: each snippet
runs on fastgrad and on torch, and the outcomes must agree (exception class, or result dtype, shape, values and
the gradients of the leaves `a*`)."""

import warnings

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
