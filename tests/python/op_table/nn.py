"""nn.functional linear, dropout, normalize, one_hot (cpp/src/ops/nn.cpp)."""

from __future__ import annotations

import numpy as np

from .common import ErrorSample, F, Form, Gen, Sample, TIn, _swap, adder

OPS: list = []
_add = adder(OPS)


def linear_samples(g: Gen):
    return [
        Sample((g.t((4, 5)), g.t((3, 5)), g.t((3,))), id="2d_bias"),
        Sample((g.t((4, 5)), g.t((3, 5))), id="2d_nobias"),
        Sample((g.t((2, 4, 5)), g.t((3, 5)), g.t((3,))), id="3d_bias"),
        Sample((g.t((5,)), g.t((3, 5)), g.t((3,))), id="1d_bias"),
        Sample((g.t((5,)), g.t((5,)), g.t(())), id="1d_weight_0d_bias"),
        Sample((g.T((4, 5)), g.T((3, 5)), g.t((3,))), id="transposed"),
        Sample((g.t((0, 5)), g.t((3, 5)), g.t((3,))), id="0size"),
        # The ranks and layouts PyTorch sends down different paths (addmm viewed back, or matmul + add).
        Sample((g.t((2, 2, 4, 5)), g.t((3, 5)), g.t((3,))), id="4d_bias"),
        Sample((TIn(g.values((2, 5, 4)), _swap(1, 2)), g.t((3, 5)), g.t((3,))), id="3d_noncontig_bias"),
        Sample((g.t((2, 0, 5)), g.t((3, 5)), g.t((3,))), id="3d_0size_bias"),
        Sample((g.t((2, 4, 5)), g.t((3, 5))), id="3d_nobias"),
        Sample((g.t((5,)), g.t((3, 5))), id="1d_nobias"),
        Sample((g.t((2, 4, 5)), g.t((3, 5)), g.t(())), id="3d_0d_bias"),
        Sample((g.t((2, 2, 4, 5)), g.t((3, 5)), g.t((4, 3))), id="4d_2d_bias"),
        Sample((g.t((2, 4, 5)), g.t((3, 5)), g.t((1, 3))), id="3d_row_bias"),
        Sample((g.t((5,)), g.t((3, 5)), g.t((1,))), id="1d_bias_size1"),
    ]


def _np_linear(x, w, b=None):
    out = x @ w.T
    return np.asarray(out if b is None else out + b)


_add(
    "linear",
    op=lambda m, x, w, b=None: m.nn.functional.linear(x, w, b),
    ref=_np_linear,
    differentiable=True,
    sample_fn=linear_samples,
    api=(F + "linear",),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), g.t((5, 3))), match="cannot be multiplied", id="shapes"),
    ],
)


def dropout_samples(g: Gen):
    # Deterministic cases only (eval mode, p = 0, p = 1); the random stream is tested against torch in
    # test_ops_nn_random.py.
    return [
        Sample((g.t((3, 4)),), {"p": 0.5, "training": False}, id="eval"),
        Sample((g.t((3, 4)),), {"p": 0.0}, id="p0"),
        Sample((g.t((3, 4)),), {"p": 1.0}, id="p1"),
        Sample((g.t(()),), {"p": 1.0}, id="0d"),
        Sample((g.T((3, 4)),), {"p": 1.0}, id="transposed"),
        Sample((g.t((0, 3)),), {"p": 0.5}, id="0size"),
    ]


def _np_dropout(x, p=0.5, training=True):
    return np.asarray(x * 0.0 if (training and p == 1.0) else x)


_add(
    "dropout",
    op=lambda m, x, **kw: m.nn.functional.dropout(x * 1, **kw),
    ref=_np_dropout,
    differentiable=True,
    sample_fn=dropout_samples,
    api=(F + "dropout",),
    forms=(
        Form("fastgrad.dropout", lambda m, x, p=0.5, training=True: m.dropout(x, p, training)),
        Form("fastgrad.dropout_", lambda m, x, p=0.5, training=True: m.dropout_(x.clone(), p, training)),
    ),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)),), {"p": 1.5}, exc=ValueError, match="dropout probability has to be", id="p"),
    ],
)
_add(
    "dropout_",
    op=lambda m, x, p, train: m.dropout_(x * 1, p, train),
    ref=lambda x, p, train: _np_dropout(x, p, train),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), 1.0, True), id="p1"),
        Sample((g.t(()), 0.5, False), id="0d_eval"),
        Sample((g.T((3, 4)), 0.0, True), id="transposed_p0"),
        Sample((g.t((0, 3)), 0.5, True), id="0size"),
    ],
    api=("fastgrad.dropout_", "fastgrad.dropout"),
)


def _np_normalize(x, p=2.0, dim=1, eps=1e-12):
    n = np.sum(np.abs(x) ** p, axis=dim, keepdims=True) ** (1.0 / p)
    return np.asarray(x / np.maximum(n, eps))


_add(
    "normalize",
    op=lambda m, x, **kw: m.nn.functional.normalize(x, **kw),
    ref=_np_normalize,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)),), id="default"),
        Sample((g.t((3, 4)),), {"dim": 0}, id="dim0"),
        Sample((g.t((2, 3, 4), "nonzero"),), {"p": 1.0, "dim": -1}, id="p1"),
        Sample((g.t((5,)),), {"dim": 0}, id="1d"),
        Sample((g.t(()),), {"dim": 0}, id="0d"),
        Sample((g.T((3, 4)),), id="transposed"),
        Sample((g.t((0, 3)),), id="0size"),
    ],
    api=(F + "normalize",),
)


def _np_one_hot(x, num_classes=-1):
    n = int(x.max()) + 1 if num_classes == -1 else num_classes
    return np.asarray((x[..., None] == np.arange(n)).astype(np.int64))


_add(
    "one_hot",
    op=lambda m, x, *a: m.nn.functional.one_hot(x, *a),
    ref=_np_one_hot,
    differentiable=False,
    sample_fn=lambda g: [
        Sample((g.ints((5,), np.int64, 0, 4),), id="1d"),
        Sample((g.ints((2, 3), np.int64, 0, 4), 6), id="2d_classes"),
        Sample((TIn(np.array(2, dtype=np.int64)), 3), id="0d"),
        Sample((TIn(np.arange(8, dtype=np.int64).reshape(2, 4), _swap(0, 1)),), id="transposed"),
        Sample((TIn(np.zeros((0,), dtype=np.int64)), 3), id="0size"),
    ],
    api=(F + "one_hot",),
    error_fn=lambda g: [
        ErrorSample((TIn(np.array([0, 2])), 2), match="Class values must be smaller than num_classes", id="big"),
        ErrorSample((TIn(np.array([0, -1])),), match="Class values must be non-negative", id="negative"),
    ],
)
