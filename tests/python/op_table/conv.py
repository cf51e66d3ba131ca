"""Convolution (cpp/src/ops/conv.cpp): conv1d/2d/3d, conv_transpose1d/2d/3d, unfold (im2col), fold (col2im).

No NumPy reference: values, gradients and grad_fn names (ConvolutionBackward0, SqueezeBackward1 for an unbatched
input, Im2ColBackward0, Col2ImBackward0) are compared with torch, and every float64 sample is gradchecked and
gradgradchecked (the Node's create_graph path composes the products of public ops). The samples cover stride,
padding (numbers, per-dim tuples, 'valid', 'same' with odd and even kernels), dilation, groups (depthwise too),
bias None, 1x1 kernels (the direct product), unbatched, non-contiguous and empty-batch inputs.
"""

from __future__ import annotations

from .common import ErrorSample, F, Gen, Sample, TIn, _swap, adder

OPS: list = []
_add = adder(OPS)

# Convolutions take (N, C, *spatial) or (C, *spatial) inputs: none of them takes a 0-d tensor.
NO_KIND = {
    (name, "0d")
    for name in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                 "nn_unfold", "nn_fold", "convolution")
}

_SPATIAL = {1: (9,), 2: (6, 5), 3: (4, 5, 3)}
_KERNEL = {1: (3,), 2: (3, 2), 3: (2, 3, 2)}


def _conv_samples(nd):
    x, k = (2, 4) + _SPATIAL[nd], _KERNEL[nd]

    def make(g: Gen):
        out = [
            Sample((g.t(x), g.t((6, 4) + k)), id="plain"),
            Sample((g.t(x), g.t((6, 4) + k), g.t((6,))), {"stride": 2, "padding": 1}, id="bias_stride_padding"),
            Sample((g.t(x), g.t((6, 2) + k), g.t((6,))), {"groups": 2, "dilation": 2}, id="groups_dilation"),
            Sample((g.t(x), g.t((8, 1) + k)), {"groups": 4, "padding": 1}, id="depthwise"),
            Sample((g.t(x), g.t((4, 1) + k), g.t((4,))), {"groups": 4, "padding": 1, "stride": 2},
                   id="depthwise_one_per_group"),  # (the direct kernel, no column matrix)
            Sample((g.t(x), g.t((6, 4) + (1,) * nd), g.t((6,))), id="pointwise"),
            Sample((g.t(x), g.t((6, 4) + (1,) * nd)), {"stride": 2, "dilation": 3}, id="pointwise_strided"),
            Sample((g.t(x), g.t((6, 4) + (3,) * nd), g.t((6,))), {"padding": "same"}, id="same"),
            Sample((g.t(x), g.t((6, 4) + (2,) * nd)), {"padding": "same"}, id="same_even_kernel"),
            Sample((g.t(x), g.t((6, 4) + (2,) * nd)), {"padding": "same", "dilation": 2}, id="same_dilated"),
            Sample((g.t(x[1:]), g.t((6, 4) + k), g.t((6,))), {"padding": "valid"}, id="unbatched"),
            Sample((g.t(x), g.t((6, 4) + k)), {"padding": tuple(range(1, nd + 1)), "stride": (1,) * (nd - 1) + (2,)},
                   id="per_dim_padding_stride"),
            Sample((g.T(x), g.t((6, 4) + k), g.t((6,))), id="noncontig_input"),
            Sample((g.t(x), TIn(g.values((4, 6) + k), _swap(0, 1))), {"padding": 1}, id="noncontig_weight"),
            Sample((g.t((0,) + x[1:]), g.t((6, 4) + k), g.t((6,))), id="0size"),
        ]
        if nd == 3:  # (gradgradcheck is slow in 3-d: fewer samples)
            keep = {"plain", "bias_stride_padding", "groups_dilation", "depthwise_one_per_group", "pointwise",
                    "same_even_kernel", "unbatched", "noncontig_input", "0size"}
            out = [s for s in out if s.id in keep]
        return out

    return make


def _conv_errors(nd):
    def make(g: Gen):
        x = (1, 2) + (5,) * nd
        return [
            ErrorSample((g.t(x), g.t((3, 3) + (3,) * nd)), match="to have 3 channels, but got 2 channels instead",
                        id="channels"),
            ErrorSample((g.t(x), g.t((3, 2) + (7,) * nd)), match="Kernel size can't be greater than actual input size",
                        id="kernel"),
            ErrorSample((g.t(x), g.t((3, 2) + (3,) * nd)), {"padding": "same", "stride": 2},
                        match="padding='same' is not supported for strided convolutions", id="same_strided"),
            ErrorSample((g.t(x), g.t((3, 2) + (3,) * nd)), {"padding": "full"}, match="Invalid padding string: 'full'",
                        id="padding_string"),
            ErrorSample((g.t((1, 4) + (5,) * nd), g.t((3, 2) + (3,) * nd)), {"groups": 2},
                        match="expected weight to be divisible by 2 at dimension 0", id="groups"),
            ErrorSample((g.t(x), g.t((3, 2) + (3,) * nd), g.t((4,))), match="expected bias to be 1-dimensional with 3",
                        id="bias_size"),
            ErrorSample((g.t((5,) * nd), g.t((3, 2) + (3,) * nd)),
                        match=f"Expected {nd + 1}D \\(unbatched\\) or {nd + 2}D \\(batched\\) input to conv{nd}d",
                        id="rank"),
            ErrorSample((g.t(x), g.t((3, 2) + (3,) * nd)), {"stride": 0}, match="non-positive stride is not supported",
                        id="stride"),
            ErrorSample((g.t(x), g.t((3, 2) + (3,) * nd)), {"padding": -1}, match="negative padding is not supported",
                        id="negative_padding"),
            ErrorSample((g.t(x), g.t((3, 2) + (3,) * nd)), {"groups": 0}, match="non-positive groups is not supported",
                        id="zero_groups"),
            ErrorSample((g.t(x), g.t((3, 2) + (3,) * nd)), {"stride": (1,) * (nd + 1)},
                        match=f"expected stride to be a single integer value or a list of {nd} values", id="stride_len"),
        ]

    return make


def _conv_transpose_samples(nd):
    x, k = (2, 4) + _SPATIAL[nd], _KERNEL[nd]

    def make(g: Gen):
        out = [
            Sample((g.t(x), g.t((4, 3) + k)), id="plain"),
            Sample((g.t(x), g.t((4, 3) + k), g.t((3,))), {"stride": 2, "padding": 1, "output_padding": 1},
                   id="bias_stride_padding_output_padding"),
            Sample((g.t(x), g.t((4, 3) + k), g.t((6,))), {"groups": 2, "dilation": 2, "output_padding": 1},
                   id="groups_dilation"),
            Sample((g.t(x), g.t((4, 1) + k)), {"groups": 4, "stride": 2}, id="depthwise"),
            Sample((g.t(x), g.t((4, 5) + (1,) * nd), g.t((5,))), id="pointwise"),
            Sample((g.t(x[1:]), g.t((4, 3) + k), g.t((3,))), {"stride": 2}, id="unbatched"),
            Sample((g.T(x), TIn(g.values((3, 4) + k), _swap(0, 1))), {"padding": 1}, id="noncontig"),
            Sample((g.t((0,) + x[1:]), g.t((4, 3) + k), g.t((3,))), id="0size"),
        ]
        if nd == 3:
            out = [s for s in out if s.id in {"plain", "bias_stride_padding_output_padding", "groups_dilation",
                                              "unbatched", "noncontig", "0size"}]
        return out

    return make


def _conv_transpose_errors(nd):
    def make(g: Gen):
        x = (1, 2) + (4,) * nd
        return [
            ErrorSample((g.t(x), g.t((3, 2) + (3,) * nd)), match="to have 3 channels, but got 2 channels instead",
                        id="channels"),
            ErrorSample((g.t(x), g.t((2, 3) + (3,) * nd)), {"output_padding": 1},
                        match="output padding must be smaller than either stride or dilation", id="output_padding"),
            ErrorSample((g.t(x), g.t((2, 3) + (3,) * nd)), {"padding": 5}, match="Output size is too small",
                        id="too_small"),
            ErrorSample((g.t(x), g.t((2, 3) + (3,) * nd), g.t((4,))),
                        match="expected bias to be 1-dimensional with 3 elements", id="bias_size"),
            ErrorSample((g.t(x), g.t((2, 3) + (3,) * nd)), {"padding": "same"}, exc=TypeError,
                        match="argument 'padding' must be tuple of ints, not str", id="padding_string"),
        ]

    return make


for _nd in (1, 2, 3):
    _add(
        f"conv{_nd}d",
        op=(lambda m, x, w, b=None, _n=_nd, **kw: getattr(m.nn.functional, f"conv{_n}d")(x, w, b, **kw)),
        ref=None,
        differentiable=True,
        sample_fn=_conv_samples(_nd),
        api=(F + f"conv{_nd}d", f"fastgrad.conv{_nd}d"),
        error_fn=_conv_errors(_nd),
    )
    _add(
        f"conv_transpose{_nd}d",
        op=(lambda m, x, w, b=None, _n=_nd, **kw: getattr(m.nn.functional, f"conv_transpose{_n}d")(x, w, b, **kw)),
        ref=None,
        differentiable=True,
        sample_fn=_conv_transpose_samples(_nd),
        api=(F + f"conv_transpose{_nd}d", f"fastgrad.conv_transpose{_nd}d"),
        error_fn=_conv_transpose_errors(_nd),
    )


# ---- torch.convolution: both kinds, every argument given, batched input ----


def _convolution_samples(g: Gen):
    return [
        Sample((g.t((2, 4, 6, 5)), g.t((6, 2, 3, 2)), g.t((6,)), (2, 1), (1, 0), (1, 2), False, (0, 0), 2), id="conv"),
        Sample((g.t((2, 4, 6)), g.t((4, 3, 3)), None, (2,), (1,), (1,), True, (1,), 1), id="transposed"),
        Sample((g.T((2, 4, 6, 5)), g.t((6, 4, 1, 1)), None, (1, 1), (0, 0), (1, 1), False, (0, 0), 1),
               id="noncontig_pointwise"),
        Sample((g.t((0, 2, 3, 3, 3)), g.t((2, 1, 2, 2, 2)), g.t((2,)), (1,), (0,), (1,), False, (0,), 2), id="0size"),
    ]


_add(
    "convolution",
    op=lambda m, *a: m.convolution(*a),
    ref=None,
    differentiable=True,
    sample_fn=_convolution_samples,
    api=("fastgrad.convolution",),
    error_fn=lambda g: [
        ErrorSample((g.t((1, 2, 4, 4)), g.t((3, 2, 3, 3)), None, (1, 1), (0, 0), (1, 1), False, (0, 0), 0),
                    match="non-positive groups is not supported", id="groups"),
        ErrorSample((g.t((2, 4, 4)), g.t((3, 2, 3, 3)), None, (1, 1), (0, 0), (1, 1), False, (0, 0), 1),
                    match="Expected 4-dimensional input for 4-dimensional weight", id="unbatched"),
    ],
)


# ---- unfold / fold ----


def _unfold_samples(g: Gen):
    return [
        Sample((g.t((2, 3, 6, 5)), 2), id="plain"),
        Sample((g.t((2, 3, 6, 5)), (2, 3)), {"dilation": (2, 1), "padding": (1, 2), "stride": (2, 3)}, id="params"),
        Sample((g.t((3, 6, 5)), 3), {"padding": 1}, id="unbatched"),
        Sample((g.T((2, 3, 6, 5)), 2), {"stride": 2}, id="noncontig"),
        Sample((g.t((0, 3, 6, 5)), 2), id="0size"),
    ]


def _fold_samples(g: Gen):
    return [
        Sample((g.t((2, 12, 20)), (5, 6), 2), id="plain"),
        Sample((g.t((2, 18, 9)), (5, 6), (2, 3)), {"dilation": (2, 1), "padding": (1, 2), "stride": (2, 3)},
               id="params"),
        Sample((g.t((12, 20)), (5, 6), 2), id="unbatched"),
        Sample((g.T((2, 12, 20)), (5, 6), 2), id="noncontig"),
        Sample((g.t((0, 12, 20)), (5, 6), 2), id="0size"),
    ]


_add(
    "nn_unfold",  # (Tensor.unfold is "unfold" in shape.py)
    op=lambda m, x, k, **kw: m.nn.functional.unfold(x, k, **kw),
    ref=None,
    differentiable=True,
    sample_fn=_unfold_samples,
    api=(F + "unfold",),
    error_fn=lambda g: [
        ErrorSample((g.t((1, 2, 4, 4)), 5), match="calculated shape of the array of sliding blocks as \\(0, 0\\)",
                    id="too_small"),
        ErrorSample((g.t((1, 2, 4, 4, 4)), 2), match="Expected 3D or 4D \\(batch mode\\) tensor", id="rank"),
        ErrorSample((g.t((1, 2, 4, 4)), (2,)), match="It is expected kernel_size equals to 2, but got size 1",
                    id="kernel_len"),
        ErrorSample((g.t((1, 2, 4, 4)), 2), {"stride": 0}, match="stride should be greater than zero", id="stride"),
        ErrorSample((g.t((1, 2, 4, 4)), 2), {"padding": -1}, match="padding should be non-negative", id="padding"),
    ],
)
_add(
    "nn_fold",
    op=lambda m, x, size, k, **kw: m.nn.functional.fold(x, size, k, **kw),
    ref=None,
    differentiable=True,
    sample_fn=_fold_samples,
    api=(F + "fold",),
    error_fn=lambda g: [
        ErrorSample((g.t((1, 7, 9)), (4, 4), 2), match="to be divisible by the product of kernel_size", id="divisible"),
        ErrorSample((g.t((1, 8, 10)), (4, 4), 2),
                    match="to match the calculated number of sliding blocks 3 \\* 3 = 9, but got input.size\\(2\\)=10",
                    id="blocks"),
        ErrorSample((g.t((9,)), (4, 4), 2), match="Expected 2D or 3D \\(batch mode\\) tensor", id="rank"),
        ErrorSample((g.t((1, 8, 9)), (4, 4, 4), 2), match="It is expected output_size equals to 2, but got size 3",
                    id="output_size_len"),
    ],
)
