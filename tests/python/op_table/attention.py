"""nn.functional.scaled_dot_product_attention (cpp/src/ops/attention.cpp; dropout and a mask that requires grad
take the composition in nn/functional.py)."""

from __future__ import annotations

import numpy as np

from .common import ErrorSample, F, Gen, Sample, TIn, adder

OPS: list = []
_add = adder(OPS)


def _np_sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    """softmax(q k^T scale + bias) v in float64; rows that admit no key give 0 (PyTorch's CPU kernels)."""
    if enable_gqa and q.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        k = np.repeat(k, q.shape[-3] // k.shape[-3], axis=-3)
        v = np.repeat(v, q.shape[-3] // v.shape[-3], axis=-3)
    factor = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    z = q @ np.swapaxes(k, -1, -2) * factor
    L, S = z.shape[-2:]
    if is_causal:
        z = z + np.where(np.tril(np.ones((L, S), dtype=bool)), 0.0, -np.inf)
    if attn_mask is not None:
        z = z + (np.where(attn_mask, 0.0, -np.inf) if attn_mask.dtype == bool else attn_mask)
    m = z.max(-1, keepdims=True)
    empty = ~np.isfinite(m)
    e = np.exp(z - np.where(empty, 0.0, m))
    p = np.where(empty, 0.0, e / np.where(empty, 1.0, e.sum(-1, keepdims=True)))
    return p @ v


def _sdpa_samples(g: Gen):
    def mask(shape, p=0.6, empty_row=None):
        m = g.rng.random(shape) < p
        if empty_row is not None:
            m[..., empty_row, :] = False
        return TIn(m, None, False)

    return [
        Sample((g.t((2, 3, 4, 5)), g.t((2, 3, 6, 5)), g.t((2, 3, 6, 5))), id="4d"),
        Sample((g.t((2, 3, 4, 5)), g.t((2, 3, 6, 5)), g.t((2, 3, 6, 5))), {"is_causal": True}, id="causal"),
        Sample((g.t((2, 3, 6, 5)), g.t((2, 3, 4, 5)), g.t((2, 3, 4, 5))), {"is_causal": True}, id="causal_L_gt_S"),
        Sample((g.t((2, 2, 4, 3)), g.t((2, 2, 5, 3)), g.t((2, 2, 5, 3)), mask((4, 5), empty_row=1)), id="bool_mask"),
        Sample((g.t((2, 2, 4, 3)), g.t((2, 2, 5, 3)), g.t((2, 2, 5, 3)), mask((4, 5))), {"is_causal": True},
               id="bool_mask_and_causal"),
        Sample((g.t((2, 2, 4, 3)), g.t((2, 2, 5, 3)), g.t((2, 2, 5, 3)), g.t((2, 1, 5), requires_grad=False)),
               id="float_mask_broadcast"),
        Sample((g.t((3, 4, 5)), g.t((3, 6, 5)), g.t((3, 6, 2))), {"scale": 0.25}, id="3d_scale_value_dim"),
        Sample((g.t((4, 5)), g.t((6, 5)), g.t((6, 5))), id="2d"),
        Sample((g.T((2, 2, 4, 3)), g.t((2, 2, 5, 3)), g.T((2, 2, 5, 3))), id="transposed"),
        Sample((g.t((1, 4, 3, 2)), g.t((1, 2, 5, 2)), g.t((1, 2, 5, 2))), {"enable_gqa": True}, id="gqa"),
    ]


_add(
    "scaled_dot_product_attention",
    op=lambda m, *a, **kw: m.nn.functional.scaled_dot_product_attention(*a, **kw),
    ref=_np_sdpa,
    differentiable=True,
    sample_fn=_sdpa_samples,
    api=(F + "scaled_dot_product_attention",),
    error_fn=lambda g: [
        ErrorSample((g.t((2, 3, 4)), TIn(g.rng.integers(0, 3, (2, 3, 4)), None, False),
                     g.t((2, 3, 4))), match="Expected query, key, and value to have the same dtype", id="dtype"),
        ErrorSample((g.t((2, 3, 4)), g.t((2, 5, 4)), g.t((2, 5, 4)),
                     TIn(g.rng.integers(0, 2, (3, 5)), None, False)),
                    match="Expected attn_mask dtype to be bool or float", id="mask_dtype"),
        ErrorSample((g.t((2, 3, 4)), g.t((2, 5, 4)), g.t((2, 5, 4)), TIn(np.ones((3, 5), dtype=bool), None, False)),
                    {"is_causal": True}, match="Explicit attn_mask should not be set when is_causal=True",
                    id="mask_and_causal_3d"),
    ],
)


def _mha_samples(g: Gen):
    E, H, L, S, N = 6, 2, 3, 4, 2

    def args(q, k, v, transposed=False):
        w = g.T((3 * E, E)) if transposed else g.t((3 * E, E))
        return (q, k, v, E, H, w, g.t((3 * E,)), None, None, False, 0.0, g.t((E, E)), g.t((E,)))

    kpm = TIn(g.rng.random((N, S)) < 0.3, None, False)
    return [
        Sample(args(g.t((L, N, E)), g.t((S, N, E)), g.t((S, N, E))), {"training": False}, id="weights"),
        Sample(args(g.t((L, N, E)), g.t((S, N, E)), g.t((S, N, E))), {"need_weights": False}, id="no_weights"),
        Sample(args(g.t((L, N, E)), g.t((S, N, E)), g.t((S, N, E))),
               {"key_padding_mask": kpm, "average_attn_weights": False}, id="key_padding_per_head"),
        Sample(args(g.t((L, E)), g.t((S, E)), g.t((S, E))), {"attn_mask": g.t((L, S), requires_grad=False)},
               id="unbatched_float_mask"),
        Sample(args(g.t((L, N, E)), g.t((S, N, E)), g.t((S, N, E)), transposed=True), {"training": False},
               id="transposed_in_proj"),
    ]


_add(
    "multi_head_attention_forward",
    op=lambda m, *a, **kw: m.nn.functional.multi_head_attention_forward(*a, **kw)[0],  # the attention output
    ref=None,
    differentiable=True,
    sample_fn=_mha_samples,
    api=(F + "multi_head_attention_forward",),
    gradgrad=False,
)


_add(
    "multi_head_attention_forward_weights",
    op=lambda m, *a, **kw: m.nn.functional.multi_head_attention_forward(*a, **kw)[1],  # the attention weights
    ref=None,
    differentiable=True,
    sample_fn=lambda g: [s for s in _mha_samples(g) if s.id != "no_weights"],
    api=(F + "multi_head_attention_forward",),
    gradgrad=False,
)
