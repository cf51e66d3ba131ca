"""Pooling (cpp/src/ops/pooling.cpp): max pooling and its indices, max_unpool, average, adaptive average and
adaptive max pooling over 1, 2 and 3 spatial dims, and lp_pool (composed over average pooling, as PyTorch's).

Every entry is checked against torch (values, float32/float64 gradients, grad_fn names: MaxPool2DWithIndicesBackward0,
AvgPool3DBackward0, SqueezeBackward1 for the 1-d ops, ...), by float64 gradcheck and gradgradcheck, over stride,
padding, dilation, ceil_mode, count_include_pad and divisor_override combinations. The `*_with_indices` entries
return the indices, compared with torch's exactly. Max-pooling inputs hold distinct values ("distinct"), so a
finite-difference step never changes which element is the maximum.
"""

from __future__ import annotations

from .common import ErrorSample, F, Gen, Sample, adder

OPS: list = []
_add = adder(OPS)

NO_KIND: set = set()


def _entry(name, op, sample_fn, errors=None, differentiable=True, api=None):
    _add(
        name,
        op=op,
        ref=None,
        differentiable=differentiable,
        sample_fn=sample_fn,
        api=(F + (api or name),),
        error_fn=errors,
    )
    NO_KIND.add((name, "0d"))  # pooling needs (C, *spatial) at least


_SHAPES = {1: (2, 3, 10), 2: (2, 3, 7, 6), 3: (2, 2, 5, 6, 4)}


def _pool_samples(nd, variants, domain="real"):
    """plain, unbatched, transposed, empty batch, then one sample per keyword variant."""

    def make(g: Gen):
        x = _SHAPES[nd]
        out = [
            Sample((g.t(x, domain), 3), id="plain"),
            Sample((g.t(x[1:], domain), 2), id="unbatched"),
            Sample((g.T(x, domain), 2), id="noncontig"),
            Sample((g.strided(x, domain, dim=1), 2), id="strided_channels"),
            Sample((g.t((0,) + x[1:], domain), 2), id="0size"),
            Sample((g.t((1, 1) + x[2:], domain), 2), id="one_channel"),
        ]
        for i, (k, kw) in enumerate(variants(nd)):
            out.append(Sample((g.t(x, domain), k), dict(kw), id=f"kw{i}"))
        return out

    return make


def _max_variants(nd):
    k3 = (3, 2, 2)[:nd] if nd > 1 else 3
    return [
        (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
        (2, {"stride": 1, "dilation": 2}),
        (3, {"stride": 1, "padding": 1}),  # overlapping windows: gradients accumulate
        (k3, {"stride": 2, "ceil_mode": True}),
        (2, {"stride": 3, "padding": 1, "dilation": 2, "ceil_mode": True}),
        (4, {"stride": 2, "padding": 2}),
        (1, {}),
    ]


def _avg_variants(nd):
    k3 = (3, 2, 2)[:nd] if nd > 1 else 3
    out = [
        (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
        (3, {"stride": 2, "padding": 1, "count_include_pad": False}),
        (3, {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
        (k3, {"stride": 1}),
        (2, {"stride": 3, "ceil_mode": True}),
        (4, {"stride": 2, "padding": 2}),
    ]
    if nd > 1:
        out += [(2, {"divisor_override": 3}), (3, {"stride": 2, "padding": 1, "divisor_override": 2})]
    return out


def _max_errors(nd):
    def make(g: Gen):
        x = (1, 2) + (5,) * nd
        return [
            ErrorSample((g.t(x), 1), {"padding": 1}, match="should be at most half", id="pad"),
            ErrorSample((g.t((5,) * nd), 2), match="3D" if nd == 1 else f"{nd + 1}D", id="dims"),
            ErrorSample((g.t(x), 7), match="output size", id="too_small"),
            ErrorSample((g.t(x), 2), {"stride": 0}, match="stride", id="zero_stride"),
        ] + ([
            ErrorSample((g.t(x), 3), {"padding": 2, "dilation": 2},
                        match="pad should be smaller than or equal to half of kernel size", id="pad_kernel"),
        ] if nd > 1 else [])

    return make


def _avg_errors(nd):
    def make(g: Gen):
        x = (1, 2) + (5,) * nd
        out = [
            ErrorSample((g.t(x), 2), {"padding": 2}, match="pad should be at most half", id="pad"),
            ErrorSample((g.t(x), 7), match="Output size is too small" if nd < 3 else "smaller than kernel size",
                        id="too_small"),
        ]
        if nd == 1:
            out.append(ErrorSample((g.t((5,)), 2), match="Expected 2 to 3 dimensions", id="dims"))
        if nd == 3:
            out.append(ErrorSample((g.t((5, 5, 5)), 2), match="4D or 5D", id="dims"))
        if nd > 1:
            out.append(ErrorSample((g.t(x), 2), {"divisor_override": 0}, match="divisor must be not zero", id="div0"))
        return out

    return make


for _nd in (1, 2, 3):
    _entry(
        f"max_pool{_nd}d",
        (lambda m, x, k, _n=_nd, **kw: getattr(m.nn.functional, f"max_pool{_n}d")(x, k, **kw)),
        _pool_samples(_nd, _max_variants, "distinct"),
        errors=_max_errors(_nd),
    )
    _entry(
        f"max_pool{_nd}d_with_indices",
        (lambda m, x, k, _n=_nd, **kw: getattr(m.nn.functional, f"max_pool{_n}d_with_indices")(x, k, **kw)[1]),
        _pool_samples(_nd, _max_variants, "distinct"),
        differentiable=False,
    )
    _entry(
        f"avg_pool{_nd}d",
        (lambda m, x, k, _n=_nd, **kw: getattr(m.nn.functional, f"avg_pool{_n}d")(x, k, **kw)),
        _pool_samples(_nd, _avg_variants),
        errors=_avg_errors(_nd),
    )
    _entry(
        f"max_unpool{_nd}d",
        (
            lambda m, x, k, stride=None, _n=_nd, **kw: getattr(m.nn.functional, f"max_unpool{_n}d")(
                *getattr(m.nn.functional, f"max_pool{_n}d")(x, k, stride, return_indices=True), k, stride, **kw
            )
        ),
        lambda g, _n=_nd: [
            Sample((g.t(_SHAPES[_n], "distinct"), 2), id="plain"),
            Sample((g.t(_SHAPES[_n][1:], "distinct"), 3), id="unbatched"),
            Sample((g.T(_SHAPES[_n], "distinct"), 2), id="noncontig"),
            Sample((g.t((0,) + _SHAPES[_n][1:]), 2), id="0size"),
            Sample(
                (g.t(_SHAPES[_n], "distinct"), 2),
                {"output_size": _SHAPES[_n][2:][:-1] + (_SHAPES[_n][-1] + 1,)},
                id="output_size",
            ),
            # Repeated indices: max_unpool writes one of the equal values, its gradient reads every one (as
            # PyTorch's), so the composition's gradient is not its derivative: compared with torch only.
            Sample((g.t(_SHAPES[_n], "distinct"), 2), {"stride": 1}, id="overlapping", grad=False),
        ],
        errors=lambda g, _n=_nd: [
            ErrorSample((g.t(_SHAPES[_n], "distinct"), 2), {"output_size": (50,) * _n}, exc=ValueError,
                        match="invalid output_size", id="output_size"),
        ],
    )


def _adaptive_samples(nd):
    def make(g: Gen):
        x = _SHAPES[nd]
        sizes = {1: (4, 3, 13, 1), 2: ((3, 4), (None, 2), (5, 9), 1), 3: ((2, 3, 3), (None, 2, 1), (3, 7, 5), 1)}[nd]
        out = [
            Sample((g.t(x, "distinct"), sizes[0]), id="plain"),
            Sample((g.t(x[1:], "distinct"), sizes[1]), id="unbatched"),
            Sample((g.T(x, "distinct"), sizes[0]), id="noncontig"),
            Sample((g.t((0,) + x[1:]), sizes[0]), id="0size"),
            Sample((g.t(x, "distinct"), sizes[2]), id="larger"),  # windows overlap
            Sample((g.t(x, "distinct"), sizes[3]), id="one"),
            Sample((g.strided(x, "distinct", dim=1), sizes[1]), id="strided_channels"),
        ]
        return out

    return make


for _nd in (1, 2, 3):
    _entry(
        f"adaptive_avg_pool{_nd}d",
        (lambda m, x, size, _n=_nd: getattr(m.nn.functional, f"adaptive_avg_pool{_n}d")(x, size)),
        _adaptive_samples(_nd),
        errors=lambda g, _n=_nd: [
            ErrorSample((g.t((1,) + (0,) * _n), 2), match="non-zero size", id="empty"),
        ],
    )
    _entry(
        f"adaptive_max_pool{_nd}d",
        (lambda m, x, size, _n=_nd: getattr(m.nn.functional, f"adaptive_max_pool{_n}d")(x, size)),
        _adaptive_samples(_nd),
        errors=lambda g, _n=_nd: [
            ErrorSample((g.t((1, 2) + (0,) * _n), 2), match="non-zero size", id="empty"),
        ],
    )
    _entry(
        f"adaptive_max_pool{_nd}d_with_indices",
        (lambda m, x, size, _n=_nd: getattr(m.nn.functional, f"adaptive_max_pool{_n}d")(x, size, True)[1]),
        _adaptive_samples(_nd),
        differentiable=False,
    )


def _lp_samples(nd):
    def make(g: Gen):
        x = _SHAPES[nd]
        return [
            Sample((g.t(x, "pos"), 2, 3), id="plain"),
            Sample((g.t(x[1:], "pos"), 1.5, 2), id="unbatched"),
            Sample((g.T(x, "pos"), 3, 2), {"stride": 1}, id="noncontig"),
            Sample((g.t((0,) + x[1:], "pos"), 2, 2), id="0size"),
            Sample((g.t(x, "pos"), 2, 3), {"stride": 2, "ceil_mode": True}, id="ceil"),
            Sample((g.t(x, "distinct"), float("inf"), 2), id="inf"),
        ]

    return make


for _nd in (1, 2, 3):
    _entry(
        f"lp_pool{_nd}d",
        (lambda m, x, p, k, _n=_nd, **kw: getattr(m.nn.functional, f"lp_pool{_n}d")(x, p, k, **kw)),
        _lp_samples(_nd),
    )
