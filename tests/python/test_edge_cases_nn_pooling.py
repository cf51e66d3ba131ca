"""Edges of the native pooling ops against PyTorch 2.13 (cpp/src/ops/pooling.cpp): the 3-d ops, adaptive max
pooling, max_unpool3d and lp_pool; argument checks in PyTorch's order and words; NaN, infinities, ties and
padding-only windows with their indices; integer dtypes; empty batches; double backward. Each snippet runs on
fastgrad and on torch and must agree (message, or dtype, shape, values and the gradients of the leaves `a*`)."""

from math import inf, nan

import numpy as np
import pytest

import fastgrad
from test_fuzz_found_nn import check, t

torch = pytest.importorskip("torch")

R = np.random.default_rng(15)


def _lit(shape, dtype="float32", grad=False, values=None):
    v = R.standard_normal(shape).round(3) if values is None else np.asarray(values)
    return t(v.tolist(), dtype, grad)


# ---- argument and shape checks: PyTorch's messages ----

MESSAGES = [
    # argument lengths, per op
    "out = F.max_pool1d(T.ones(1, 1, 5), (1, 1))",
    "out = F.max_pool1d(T.ones(1, 1, 5), 1, (1, 1))",
    "out = F.max_pool1d(T.ones(1, 1, 5), 1, 1, (0, 0))",
    "out = F.max_pool1d(T.ones(1, 1, 5), 1, 1, 0, (1, 1))",
    "out = F.max_pool1d(T.ones(1, 1, 5), ())",
    "out = F.max_pool1d(T.ones(1, 1, 5), (1, 1), return_indices=True)",
    "out = F.max_pool1d(T.ones(5), 2, return_indices=True)",
    "out = F.max_pool1d(T.ones(1, 1, 5), 0, return_indices=True)",
    "out = F.max_pool1d(T.ones(1, 1, 5), 2, stride=-1, return_indices=True)",
    "out = F.max_pool1d(T.ones(1, 1, 5), 7, return_indices=True)",
    "out = F.avg_pool1d(T.ones(1, 1, 5), 7)",
    "out = F.avg_pool1d(T.ones(2, 5), 3, stride=4, padding=1)",
    "out = F.max_pool1d(T.ones(1, 1, 5), 7)",
    "out = F.avg_pool1d(T.ones(1, 1, 5), (1, 1))",
    "out = F.avg_pool1d(T.ones(1, 1, 5), 1, (1, 1))",
    "out = F.avg_pool1d(T.ones(1, 1, 5), 1, 1, (0, 0))",
    "out = F.max_pool2d(T.ones(1, 1, 5, 5), ())",
    "out = F.max_pool2d(T.ones(1, 1, 5, 5), 1, (1, 1, 1))",
    "out = F.max_pool2d(T.ones(1, 1, 5, 5), 1, 1, (0, 0, 0))",
    "out = F.max_pool2d(T.ones(1, 1, 5, 5), 1, 1, 0, (1, 1, 1))",
    "out = F.max_pool2d(T.ones(5, 5), (1, 1, 1))",
    "out = F.avg_pool2d(T.ones(1, 1, 5, 5), (1, 1, 1))",
    "out = F.avg_pool2d(T.ones(1, 1, 5, 5), 1, (1, 1, 1))",
    "out = F.avg_pool2d(T.ones(1, 1, 5, 5), 1, 1, (0, 0, 0))",
    "out = F.max_pool3d(T.ones(1, 1, 3, 3, 3), (1, 1, 1, 1))",
    "out = F.max_pool3d(T.ones(1, 1, 3, 3, 3), 1, (1, 1))",
    "out = F.max_pool3d(T.ones(1, 1, 3, 3, 3), 1, 1, (0, 0))",
    "out = F.max_pool3d(T.ones(1, 1, 3, 3, 3), 1, 1, 0, (1, 1))",
    "out = F.avg_pool3d(T.ones(1, 1, 3, 3, 3), (1, 1))",
    "out = F.avg_pool3d(T.ones(1, 1, 3, 3, 3), 1, (1, 1))",
    "out = F.avg_pool3d(T.ones(1, 1, 3, 3, 3), 1, 1, (0, 0))",
    # values of the arguments
    "out = F.max_pool3d(T.ones(1, 2, 5, 5, 5), 0)",
    "out = F.max_pool3d(T.ones(1, 2, 5, 5, 5), 2, stride=0)",
    "out = F.max_pool3d(T.ones(1, 2, 5, 5, 5), 2, stride=-1)",
    "out = F.max_pool3d(T.ones(1, 2, 5, 5, 5), 2, padding=-1)",
    "out = F.max_pool3d(T.ones(1, 2, 5, 5, 5), 2, dilation=0)",
    "out = F.max_pool3d(T.ones(1, 2, 5, 5, 5), 2, padding=2)",
    "out = F.avg_pool3d(T.ones(1, 2, 5, 5, 5), 0)",
    "out = F.avg_pool3d(T.ones(1, 2, 5, 5, 5), 2, stride=-1)",
    "out = F.avg_pool3d(T.ones(1, 2, 5, 5, 5), 2, padding=-1)",
    "out = F.avg_pool3d(T.ones(1, 2, 5, 5, 5), 2, padding=2)",
    "out = F.avg_pool3d(T.ones(1, 2, 5, 5, 5), 2, divisor_override=0)",
    "out = F.avg_pool2d(T.ones(1, 2, 5, 5), 2, divisor_override=0)",
    # padding beyond half the kernel itself (max pooling's second bound, the dilation aside)
    "out = F.max_pool2d(T.ones(1, 1, 5, 5), 3, padding=2, dilation=2)",
    "out = F.max_pool2d(T.ones(1, 1, 5, 5), 3, padding=2, dilation=2, return_indices=True)",
    "out = F.max_pool2d(T.ones(1, 1, 1, 1), (1, 2), dilation=(1, 3), padding=(0, 2))",
    "out = F.max_pool1d(T.ones(1, 1, 5), 3, padding=2, dilation=2, return_indices=True)",
    "out = F.max_pool3d(T.ones(1, 1, 5, 5, 5), 3, padding=2, dilation=2)",
    # ranks, empty dims, output sizes
    "out = F.max_pool3d(T.ones(2, 3, 4), 2)",
    "out = F.avg_pool3d(T.ones(2, 3, 4), 2)",
    "out = F.max_pool3d(T.ones(1, 0, 3, 3, 3), 2)",
    "out = F.max_pool3d(T.ones(1, 2, 3, 0, 3), 1)",
    "out = F.max_pool3d(T.ones(0, 3, 3, 3), 1)",
    "out = F.avg_pool3d(T.ones(1, 0, 3, 3, 3), 2)",
    "out = F.avg_pool3d(T.ones(2, 3, 0, 3), 1)",
    "out = F.max_pool3d(T.ones(1, 2, 3, 3, 3), 4)",
    "out = F.avg_pool3d(T.ones(1, 2, 3, 3, 3), 4)",
    "out = F.avg_pool3d(T.ones(1, 1, 3, 3, 3), 4, padding=2)",
    "out = F.avg_pool3d(T.ones(1, 1, 1, 1, 1), 2, padding=1)",
    "out = F.max_pool3d(T.ones(1, 1, 3, 3, 3), 4, padding=2)",
    # dtypes (after the shape checks)
    "out = F.max_pool3d(T.ones(1, 2, 5, 5, 5, dtype=T.bool), 2)",
    "out = F.max_pool3d(T.ones(1, 0, 3, 3, 3, dtype=T.bool), 1)",
    "out = F.avg_pool3d(T.ones(1, 2, 5, 5, 5, dtype=T.int32), 2)",
    "out = F.adaptive_avg_pool3d(T.ones(1, 2, 5, 5, 5, dtype=T.int64), 2)",
    "out = F.adaptive_max_pool3d(T.ones(1, 2, 3, 3, 3, dtype=T.int64), 2)",
    "out = F.adaptive_max_pool2d(T.ones(1, 2, 3, 3, dtype=T.int32), 2)",
    "out = F.adaptive_max_pool1d(T.ones(1, 2, 3, dtype=T.bool), 2)",
    "out = F.max_unpool2d(T.ones(1, 1, 2, 2, dtype=T.int64), T.zeros(1, 1, 2, 2, dtype=T.int64), 2)",
    # adaptive pooling
    "out = F.adaptive_avg_pool3d(T.ones(2, 3, 4), 2)",
    "out = F.adaptive_avg_pool3d(T.ones(1, 0, 3, 3, 3), 2)",
    "out = F.adaptive_avg_pool3d(T.ones(1, 2, 0, 3, 3), 2)",
    "out = F.adaptive_avg_pool3d(T.ones(1, 2, 3, 3, 3), -1)",
    "out = F.adaptive_avg_pool3d(T.ones(1, 2, 3, 3, 3), (2, 2))",
    "out = F.adaptive_avg_pool3d(3.0, 2)",
    "out = F.adaptive_avg_pool2d(T.ones(1, 1, 5, 5), (-2, 2))",
    "out = F.adaptive_avg_pool1d(T.ones(1, 1, 5), -2)",
    "out = F.adaptive_avg_pool1d(T.ones(1, 1, 5), (2, 2))",
    "out = F.adaptive_max_pool1d(T.ones(4), 2)",
    "out = F.adaptive_max_pool1d(T.ones(1, 2, 0), 2)",
    "out = F.adaptive_max_pool1d(T.ones(1, 2, 3), 2.0)",
    "out = F.adaptive_max_pool1d(T.ones(1, 2, 3), None)",
    "out = F.adaptive_max_pool1d(T.ones(1, 1, 5), (2, 2))",
    "out = F.adaptive_max_pool1d(T.ones(1, 1, 5), -2)",
    "out = F.adaptive_max_pool1d(3.0, 2)",
    "out = F.adaptive_max_pool2d(T.ones(4, 4), 2)",
    "out = F.adaptive_max_pool2d(T.ones(1, 0, 3, 3), 2)",
    "out = F.adaptive_max_pool2d(T.ones(1, 2, 0, 3), 2)",
    "out = F.adaptive_max_pool2d(T.ones(1, 2, 3, 3), -1)",
    "out = F.adaptive_max_pool2d(T.ones(1, 2, 3, 3), (2, 2, 2))",
    "out = F.adaptive_max_pool2d(T.ones(1, 2, 3, 3), True)",
    "out = F.adaptive_max_pool2d(T.ones(1, 2, 3, 3), 2.5)",
    "out = F.adaptive_max_pool2d(T.ones(1, 2, 3, 3), 'a')",
    "out = F.adaptive_avg_pool2d(T.ones(1, 2, 3, 3), (None, 2, 2))",
    "out = F.adaptive_avg_pool2d(T.ones(3, 3), (None, 2, 2))",
    "out = F.adaptive_max_pool3d(T.ones(2, 3, 3, 3), (None, 2, 2))",
    "out = F.adaptive_max_pool2d(3.0, 2)",
    "out = F.adaptive_max_pool3d(T.ones(4, 4, 4), 2)",
    "out = F.adaptive_max_pool3d(T.ones(1, 0, 3, 3, 3), 2)",
    "out = F.adaptive_max_pool3d(T.ones(1, 2, 3, 3, 3), -1)",
    "out = F.adaptive_max_pool3d(T.ones(1, 2, 3, 3, 3), (2, 2, 2, 2))",
    # max_unpool
    "out = F.max_unpool3d(T.ones(1, 1, 2, 2, 2), T.zeros(1, 1, 2, 2, 2, dtype=T.int32), 2)",
    "out = F.max_unpool2d(T.ones(1, 1, 2, 2), T.zeros(1, 1, 2, 2, dtype=T.int32), 2)",
    "out = F.max_unpool3d(T.ones(1, 1, 2, 2, 2), T.zeros(1, 1, 2, 2, 1, dtype=T.int64), 2)",
    "out = F.max_unpool3d(T.ones(2, 2, 2), T.zeros(2, 2, 2, dtype=T.int64), 2)",
    "out = F.max_unpool3d(T.ones(1, 1, 2, 2, 2), T.full((1, 1, 2, 2, 2), 64, dtype=T.int64), 2)",
    "out = F.max_unpool3d(T.ones(1, 1, 2, 2, 2), T.full((1, 1, 2, 2, 2), -1, dtype=T.int64), 2)",
    "out = F.max_unpool2d(T.ones(1, 1, 2, 2), T.full((1, 1, 2, 2), 64, dtype=T.int64), 2)",
    "out = F.max_unpool3d(T.ones(1, 1, 2, 2, 2), T.zeros(1, 1, 2, 2, 2, dtype=T.int64), 2, output_size=(9, 9, 9))",
    "out = F.max_unpool3d(T.ones(1, 1, 2, 2, 2), T.zeros(1, 1, 2, 2, 2, dtype=T.int64), 2, output_size=(4, 4))",
    "out = F.max_unpool3d(T.ones(1, 0, 2, 2, 2), T.zeros(1, 0, 2, 2, 2, dtype=T.int64), 2)",
    "out = F.max_unpool2d(T.ones(1, 0, 2, 2), T.zeros(1, 0, 2, 2, dtype=T.int64), 2)",
    "out = F.max_unpool3d(3.0, 2, 2)",
    "v, i = F.max_pool3d(T.ones(2, 4, 4, 5), 2, return_indices=True)\n"
    "out = F.max_unpool3d(v, i, 2, output_size=(2, 5, 4, 5))",
    "out = F.max_pool3d(3.0, 2)",
    "out = F.avg_pool3d(3.0, 2)",
]


@pytest.mark.parametrize("code", MESSAGES)
def test_pooling_messages_as_torch(code):
    check(code, message=True)


# ---- values, indices and gradients ----

NAN_VOLUME = [[[[[1.0, 3, nan], [3, 2, -1]], [[nan, 1, 4], [2, 2, 0]]],
               [[[-inf, -inf, -inf], [-inf, -inf, -inf]], [[0.0, 0, 0], [0, 0, 0]]]]]
NAN_IMAGE = [[[[1.0, nan, 3], [nan, 0, 1], [2, 2, 2]]], [[[-inf, -inf, 5], [-inf, -inf, -inf], [1, 1, 1]]]]

VALUES = [
    # NaN wins (the last NaN of a window), ties give the first maximum, windows of -inf or padding only give the
    # first position inside the input
    f"a0 = {t(NAN_VOLUME, grad=True)}\nout, i = F.max_pool3d(a0, 2, stride=1, padding=1, return_indices=True)",
    f"a0 = {t(NAN_VOLUME, grad=True)}\nout = F.max_pool3d(a0, 2, stride=1, padding=1, return_indices=True)[1]",
    f"a0 = {t(NAN_IMAGE, grad=True)}\nout = F.max_pool2d(a0, 2, stride=1, padding=1)",
    f"a0 = {t(NAN_IMAGE, grad=True)}\nout = F.max_pool2d(a0, 2, stride=1, padding=1, return_indices=True)[1]",
    f"a0 = {t(NAN_IMAGE, grad=True)}\nout = F.adaptive_max_pool2d(a0, 2, return_indices=True)[1]",
    f"a0 = {t(NAN_IMAGE, grad=True)}\nout = F.adaptive_max_pool2d(a0, (2, 3))",
    f"a0 = {t(NAN_VOLUME, grad=True)}\nout = F.adaptive_max_pool3d(a0, (1, 2, 2), return_indices=True)[1]",
    f"a0 = {t(NAN_VOLUME, grad=True)}\nout = F.adaptive_max_pool3d(a0, (2, 1, 2))",
    f"a0 = {t(NAN_IMAGE, grad=True)}\nout = F.avg_pool2d(a0, 2, stride=1, padding=1, count_include_pad=False)",
    f"a0 = {t(NAN_VOLUME, grad=True)}\nout = F.avg_pool3d(a0, (1, 2, 2), ceil_mode=True, divisor_override=3)",
    f"a0 = {t(NAN_VOLUME, grad=True)}\nout = F.adaptive_avg_pool3d(a0, (2, 3, 2))",
    # integer dtypes
    f"out = F.max_pool3d({_lit((1, 2, 3, 4, 4), 'int64', values=R.integers(-9, 9, (1, 2, 3, 4, 4)))}, 2, padding=1)",
    f"out = F.max_pool3d({_lit((2, 3, 4, 4), 'int32', values=R.integers(-9, 9, (2, 3, 4, 4)))}, 2, "
    f"return_indices=True)[1]",
    f"out = F.max_pool2d(T.full((1, 1, 3, 3), -2 ** 63, dtype=T.int64), 2, padding=1, return_indices=True)[1]",
    f"out = F.avg_pool3d({_lit((1, 2, 3, 4, 4), 'int64', values=R.integers(-9, 9, (1, 2, 3, 4, 4)))}, 2, "
    f"padding=1, count_include_pad=False)",
    f"out = F.avg_pool3d({_lit((1, 2, 3, 4, 4), 'int64', values=R.integers(-9, 9, (1, 2, 3, 4, 4)))}, 2, "
    f"divisor_override=-3)",
    # empty batches
    "a0 = T.ones(0, 2, 3, 3, 3, requires_grad=True)\nout = F.max_pool3d(a0, 2)",
    "a0 = T.ones(0, 2, 3, 3, 3, requires_grad=True)\nout = F.avg_pool3d(a0, 2)",
    "a0 = T.ones(0, 2, 3, 3, requires_grad=True)\nout = F.adaptive_max_pool2d(a0, 2)",
    "a0 = T.ones(0, 2, 3, 3, 3, requires_grad=True)\nout = F.adaptive_avg_pool3d(a0, 2)",
    "a0 = T.ones(1, 2, 3, 3, 3, requires_grad=True)\nout = F.adaptive_avg_pool3d(a0, 0)",
    "a0 = T.ones(1, 2, 3, requires_grad=True)\nout = F.adaptive_max_pool1d(a0, 0)",
    "a0 = T.ones(2, 3, requires_grad=True)\nout = F.adaptive_max_pool1d(a0, 0)",
    "a0 = T.ones(2, 3, 3, requires_grad=True)\nout = F.adaptive_max_pool2d(a0, (0, 2))",
    "a0 = T.ones(1, 2, 3, 3, 3, requires_grad=True)\nout = F.adaptive_max_pool3d(a0, 0)",
    "out = F.max_unpool2d(T.ones(0, 2, 2, 2), T.zeros(0, 2, 2, 2, dtype=T.int64), 2)",
    # max_unpool3d round trip, its gradient, output_size with the leading dims
    f"a0 = {_lit((2, 2, 4, 4, 4), grad=True)}\nv, i = F.max_pool3d(a0, 2, return_indices=True)\n"
    "out = F.max_unpool3d(v, i, 2)",
    f"a0 = {_lit((2, 4, 4, 5), grad=True)}\nv, i = F.max_pool3d(a0, 2, return_indices=True)\n"
    "out = F.max_unpool3d(v, i, 2, output_size=(2, 2, 5, 4, 5))",
    # lp_pool
    f"a0 = {_lit((2, 2, 4, 4, 4), grad=True)}\nout = F.lp_pool3d(a0, 2, 2)",
    f"a0 = {_lit((2, 2, 5, 4), grad=True)}\nout = F.lp_pool2d(a0, 3, (2, 3), stride=1, ceil_mode=True)",
    f"a0 = {_lit((2, 7), grad=True)}\nout = F.lp_pool1d(a0, float('-inf'), 2)",
]


@pytest.mark.parametrize("code", VALUES)
def test_pooling_values_as_torch(code):
    check(code, message=True)


# ---- graphs ----


def _chain(out):
    names, fn = [], out.grad_fn
    while fn is not None:
        names.append(type(fn).__name__)
        nxt = [f for f, _ in fn.next_functions if f is not None]
        fn = nxt[0] if nxt else None
    return names


GRAPHS = [
    lambda m, x: m.nn.functional.max_pool1d(x[0], 2),
    lambda m, x: m.nn.functional.avg_pool1d(x[0], 2),
    lambda m, x: m.nn.functional.adaptive_max_pool1d(x[0], 3),
    lambda m, x: m.nn.functional.adaptive_avg_pool1d(x[0], 3),
    lambda m, x: m.nn.functional.adaptive_avg_pool1d(x[0], 1),
    lambda m, x: m.nn.functional.max_unpool1d(*m.nn.functional.max_pool1d(x[0], 2, return_indices=True), 2),
    lambda m, x: m.nn.functional.max_pool2d(x, 2),
    lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, 1),
    lambda m, x: m.nn.functional.max_unpool2d(*m.nn.functional.max_pool2d(x, 2, return_indices=True), 2),
    lambda m, x: m.nn.functional.max_pool3d(x.unsqueeze(0), 2),
    lambda m, x: m.nn.functional.avg_pool3d(x.unsqueeze(0), 2),
    lambda m, x: m.nn.functional.adaptive_avg_pool3d(x.unsqueeze(0), 2),
    lambda m, x: m.nn.functional.adaptive_avg_pool3d(x.unsqueeze(0), 1),
    lambda m, x: m.nn.functional.adaptive_max_pool3d(x.unsqueeze(0), 2),
    lambda m, x: m.nn.functional.max_unpool3d(*m.nn.functional.max_pool3d(x.unsqueeze(0), 2, return_indices=True), 2),
    lambda m, x: m.nn.functional.lp_pool2d(x, 2, 2),
]


@pytest.mark.parametrize("i", range(len(GRAPHS)))
def test_pooling_graphs_as_torch(i):
    x = R.standard_normal((2, 3, 4, 6))
    fx = fastgrad.from_numpy(x).requires_grad_()
    tx = torch.from_numpy(x).requires_grad_()
    assert _chain(GRAPHS[i](fastgrad, fx)) == _chain(GRAPHS[i](torch, tx))


@pytest.mark.parametrize("name,kwargs", [
    ("max_pool2d", dict(kernel_size=3, stride=1, padding=1)),
    ("max_pool3d", dict(kernel_size=2, stride=1, dilation=(1, 2, 1))),
    ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("avg_pool3d", dict(kernel_size=2, stride=1, divisor_override=3)),
    ("adaptive_avg_pool2d", dict(output_size=(3, 5))),
    ("adaptive_max_pool3d", dict(output_size=(2, 3, 2))),
], ids=str)
def test_double_backward_as_torch(name, kwargs):
    """The gradient of the gradient (create_graph=True) through the pooling Nodes, with the input entering the
    backward through a product, equals torch's."""
    shape = (2, 2, 5, 6, 4) if name.endswith("3d") else (2, 2, 7, 6)
    x = R.permutation(np.arange(np.prod(shape), dtype=np.float64)).reshape(shape) / 10
    g = R.standard_normal(getattr(torch.nn.functional, name)(torch.from_numpy(x), **kwargs).shape)
    results = []
    for lib in (fastgrad, torch):
        a = lib.from_numpy(x.copy()).requires_grad_()
        out = getattr(lib.nn.functional, name)(a * a, **kwargs)
        (gx,) = lib.autograd.grad(out, (a,), lib.from_numpy(g.copy()), create_graph=True)
        (ggx,) = lib.autograd.grad((gx * gx).sum(), (a,))
        results.append((gx.detach().numpy(), ggx.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-12)


def test_saved_indices_modified_in_place_are_refused():
    x = fastgrad.ones(1, 1, 4, 4, requires_grad=True)
    out, indices = fastgrad.nn.functional.max_pool2d(x, 2, return_indices=True)
    indices.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_float32_values_bitwise_as_torch():
    """float32 averages sum in float32 in PyTorch's order and divide as PyTorch's kernels do (adaptive windows by
    each extent in turn), so the results are PyTorch's to the bit."""
    x = R.standard_normal((4, 3, 13, 11)).astype(np.float32)
    x3 = R.standard_normal((2, 3, 7, 6, 9)).astype(np.float32)
    for name, a, kw in [("avg_pool2d", x, dict(kernel_size=3, stride=2, padding=1)),
                        ("avg_pool2d", x, dict(kernel_size=(3, 2), ceil_mode=True, count_include_pad=False)),
                        ("avg_pool3d", x3, dict(kernel_size=3, stride=2, padding=1)),
                        ("adaptive_avg_pool2d", x, dict(output_size=(5, 4))),
                        ("adaptive_avg_pool3d", x3, dict(output_size=(3, 4, 5))),
                        ("max_pool2d", x, dict(kernel_size=3, stride=2, padding=1))]:
        f = getattr(fastgrad.nn.functional, name)(fastgrad.from_numpy(a), **kw).numpy()
        tt = getattr(torch.nn.functional, name)(torch.from_numpy(a), **kw).numpy()
        np.testing.assert_array_equal(f, tt, err_msg=f"{name} {kw}")


def test_modules_as_torch():
    x = R.standard_normal((2, 3, 4, 6, 5))
    for cls, args, kw in [("MaxPool3d", (2,), dict(stride=1, return_indices=True)), ("AvgPool3d", (2,), {}),
                          ("AdaptiveAvgPool3d", ((2, None, 3),), {}), ("AdaptiveMaxPool3d", (2,), {}),
                          ("LPPool3d", (2, 2), {}), ("AdaptiveMaxPool2d", (3,), dict(return_indices=True)),
                          ("AdaptiveMaxPool1d", (3,), {}), ("LPPool1d", (1, 2), dict(stride=1))]:
        inp = x if cls.endswith("3d") else x[0] if cls.endswith("2d") else x[0, 0]
        f = getattr(fastgrad.nn, cls)(*args, **kw)
        tm = getattr(torch.nn, cls)(*args, **kw)
        assert repr(f) == repr(tm)
        fo, to = f(fastgrad.from_numpy(inp)), tm(torch.from_numpy(inp))
        fo, to = (fo, to) if isinstance(fo, tuple) else ((fo,), (to,))
        for a, b in zip(fo, to):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    for nd in (1, 2, 3):
        shape = (2, 3) + (4,) * nd
        v, i = getattr(torch.nn, f"MaxPool{nd}d")(2, return_indices=True)(torch.from_numpy(x.ravel()[:np.prod(shape)]
                                                                                      .reshape(shape)))
        f = getattr(fastgrad.nn, f"MaxUnpool{nd}d")(2)
        tm = getattr(torch.nn, f"MaxUnpool{nd}d")(2)
        assert repr(f) == repr(tm)
        np.testing.assert_array_equal(f(fastgrad.from_numpy(v.numpy()), fastgrad.from_numpy(i.numpy())).numpy(),
                                      tm(v, i).numpy())


def test_results_do_not_depend_on_the_thread_count():
    """The kernels split planes among the threads, each plane computed whole by one thread: the same bits at 1 and
    2 threads (the inputs are large enough to be split)."""
    x = R.standard_normal((8, 16, 30, 30)).astype(np.float32)
    g = R.standard_normal((8, 16, 15, 15)).astype(np.float32)
    F = fastgrad.nn.functional
    results = []
    saved = fastgrad.get_num_threads()
    try:
        for threads in (1, 2):
            fastgrad.set_num_threads(threads)
            row = []
            for f in (lambda a: F.max_pool2d(a, 3, 2, 1), lambda a: F.avg_pool2d(a, 3, 2, 1),
                      lambda a: F.adaptive_avg_pool2d(a, 15), lambda a: F.adaptive_max_pool2d(a, 15)):
                a = fastgrad.from_numpy(x.copy()).requires_grad_()
                out = f(a)
                out.backward(fastgrad.from_numpy(g.copy()))
                row += [out.detach().numpy(), a.grad.numpy()]
            results.append(row)
    finally:
        fastgrad.set_num_threads(saved)
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)
