"""nn.functional embedding, bilinear, layer_norm, batch_norm (cpp/src/ops/nn_norm.cpp)."""

from __future__ import annotations

import numpy as np

from .common import ErrorSample, F, Gen, Sample, TIn, adder

OPS: list = []
_add = adder(OPS)


def _np_embedding(idx, w, padding_idx=None):
    return w[idx]


def embedding_samples(g: Gen):
    def idx(shape, n):
        return TIn(g.rng.integers(0, n, shape).astype(np.int64), None, False)

    return [
        Sample((idx((5,), 6), g.t((6, 3))), id="1d"),
        Sample((idx((2, 3), 6), g.t((6, 4))), id="2d"),
        Sample((idx((2, 3), 6), g.T((6, 4))), id="transposed_weight"),
        Sample((idx((4,), 3), g.t((3, 2))), {"padding_idx": 1}, id="padding", grad=False),
        Sample((TIn(np.array(2, dtype=np.int64), None, False), g.t((4, 3))), id="0d_index"),
        Sample((TIn(np.zeros((0,), dtype=np.int64), None, False), g.t((4, 3))), id="0size"),
    ]


_add(
    "embedding",
    op=lambda m, i, w, **kw: m.nn.functional.embedding(i, w, **kw),
    ref=_np_embedding,
    differentiable=True,
    sample_fn=embedding_samples,
    api=(F + "embedding",),
    error_fn=lambda g: [
        ErrorSample((TIn(np.array([0, 4])), g.t((4, 2))), exc=IndexError, match="index out of range in self",
                    id="bounds"),
        ErrorSample((g.t((2,)), g.t((4, 2))), match="Expected tensor for argument #1 'indices'", id="float_index"),
    ],
)


def _np_bilinear(x1, x2, w, b=None):
    out = np.einsum("...i,oij,...j->...o", x1, w, x2)
    return out if b is None else out + b


_add(
    "bilinear",
    op=lambda m, *a, **kw: m.nn.functional.bilinear(*a, **kw),
    ref=_np_bilinear,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((4, 2)), g.t((4, 3)), g.t((5, 2, 3)), g.t((5,))), id="2d_bias"),
        Sample((g.t((2, 4, 2)), g.t((2, 4, 3)), g.t((5, 2, 3))), id="3d"),
        Sample((g.T((4, 2)), g.t((4, 3)), g.t((1, 2, 3)), g.t((1,))), id="transposed"),
        Sample((g.t((0, 2)), g.t((0, 3)), g.t((5, 2, 3)), g.t((5,))), id="0size"),
    ],
    api=(F + "bilinear",),
)


def _np_norm(x, dims, eps):
    mean = x.mean(axis=dims, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=dims, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


def _np_layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    k = len(normalized_shape)
    out = _np_norm(x, tuple(range(x.ndim - k, x.ndim)), eps)
    out = out if weight is None else out * weight
    return out if bias is None else out + bias


_add(
    "layer_norm",
    op=lambda m, *a, **kw: m.nn.functional.layer_norm(*a, **kw),
    ref=_np_layer_norm,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), (4,), g.t((4,)), g.t((4,))), id="2d_affine"),
        Sample((g.t((2, 3, 4)), (3, 4)), id="two_dims_plain"),
        Sample((g.T((3, 5)), (5,), g.t((5,))), {"eps": 1e-3}, id="transposed_weight_only"),
        Sample((g.t((0, 3)), (3,), g.t((3,)), g.t((3,))), id="0size"),
    ],
    api=(F + "layer_norm",),
    error_fn=lambda g: [
        ErrorSample((g.t((4, 3)), (4,)), match=r"Given normalized_shape=\[4\], expected input with shape", id="shape"),
    ],
)


def _np_batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    view = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        out = _np_norm(x, (0,) + tuple(range(2, x.ndim)), eps)
    else:
        out = (x - running_mean.reshape(view)) / np.sqrt(running_var.reshape(view) + eps)
    out = out if weight is None else out * weight.reshape(view)
    return out if bias is None else out + bias.reshape(view)


def batch_norm_samples(g: Gen):
    def stats():
        return (g.t((3,), requires_grad=False), g.t((3,), "pos", requires_grad=False))

    return [
        Sample((g.t((5, 3)), *stats(), g.t((3,)), g.t((3,))), {"training": True}, id="2d_train"),
        Sample((g.t((4, 3, 2)), *stats(), g.t((3,)), g.t((3,))), {"training": False}, id="3d_eval"),
        Sample((g.t((2, 3, 2, 2)), None, None), {"training": True, "eps": 1e-3}, id="4d_no_stats"),
        Sample((g.T((4, 3)), *stats()), {"training": False}, id="eval_transposed"),
        Sample((g.t((0, 3)), *stats(), g.t((3,)), g.t((3,))), {"training": False}, id="0size_eval"),
    ]


_add(
    "batch_norm",
    op=lambda m, *a, **kw: m.nn.functional.batch_norm(*a, **kw),
    ref=_np_batch_norm,
    differentiable=True,
    sample_fn=batch_norm_samples,
    api=(F + "batch_norm",),
    error_fn=lambda g: [
        ErrorSample((g.t((1, 3)), None, None), {"training": True}, exc=ValueError,
                    match="Expected more than 1 value per channel when training", id="one_per_channel"),
    ],
)
