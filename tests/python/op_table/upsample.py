"""Upsampling (cpp/src/ops/upsample.cpp): F.interpolate's modes nearest, nearest-exact (1, 2 and 3 spatial dims),
linear, bilinear, bicubic, trilinear and area (adaptive average pooling), and the deprecated F.upsample,
F.upsample_nearest and F.upsample_bilinear.

Every entry is checked against torch (values, float32/float64 gradients, grad_fn names: UpsampleNearest2DBackward0,
UpsampleNearestExact3DBackward0, UpsampleBicubic2DBackward0, ...) and by float64 gradcheck and gradgradcheck, over
size (an int, one per dim, the input's own size, 1), scale_factor (integer, non-integer, below 1, one per dim) with
recompute_scale_factor None, False and True, align_corners False and True, and inputs of size 1 along a dim.
"""

from __future__ import annotations

from .common import ErrorSample, F, Gen, Sample, adder

OPS: list = []
_add = adder(OPS)

NO_KIND: set = set()

_SHAPES = {1: (2, 3, 5), 2: (2, 2, 4, 5), 3: (1, 2, 3, 4, 3)}
_MODES = {
    "nearest": (1, 2, 3),
    "nearest-exact": (1, 2, 3),
    "linear": (1,),
    "bilinear": (2,),
    "bicubic": (2,),
    "trilinear": (3,),
    "area": (1, 2, 3),
}
_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")


def _per_dim(nd, values):
    return tuple(values[:nd]) if nd > 1 else values[0]


def _samples(mode, nd):
    def make(g: Gen):
        x = _SHAPES[nd]
        spatial = x[2:]
        out = [
            Sample((g.t(x),), {"size": _per_dim(nd, (7, 3, 4))}, id="size"),
            Sample((g.t(x),), {"size": 6}, id="size_int"),
            Sample((g.t(x),), {"size": spatial if nd > 1 else spatial[0]}, id="same_size"),
            Sample((g.t(x),), {"size": 1}, id="size_1"),
            Sample((g.t(x[:2] + (1,) * nd),), {"size": _per_dim(nd, (3, 4, 2))}, id="from_1"),
            Sample((g.T(x),), {"size": _per_dim(nd, (6, 7, 5))}, id="noncontig"),
            Sample((g.strided(x, dim=1),), {"scale_factor": 2}, id="strided_channels"),
            Sample((g.t((0,) + x[1:]),), {"size": 3}, id="0size"),
            Sample((g.t(x),), {"scale_factor": 2}, id="scale_2"),
            Sample((g.t(x),), {"scale_factor": 1.7}, id="scale_1.7"),
            Sample((g.t(x),), {"scale_factor": 1.7, "recompute_scale_factor": True}, id="scale_1.7_recompute"),
            Sample((g.t(x),), {"scale_factor": 1.7, "recompute_scale_factor": False}, id="scale_1.7_no_recompute"),
            Sample((g.t(x),), {"scale_factor": 0.6}, id="scale_0.6"),
            Sample((g.t(x),), {"scale_factor": 0.45, "recompute_scale_factor": True}, id="scale_0.45_recompute"),
            Sample((g.t(x),), {"scale_factor": _per_dim(nd, (2.5, 0.75, 1.7))}, id="scale_per_dim"),
            # Every size kept (floor(size * 1.1) == size): nearest's backward (and its 2-d forward), linear, and
            # bicubic's backward copy, whatever the factor; nearest's 1-d and 3-d forward and bicubic's forward use
            # the factor. There the backward is not the forward's transpose (as in PyTorch): compared with torch only.
            Sample((g.t(x),), {"scale_factor": 1.1}, id="scale_1.1",
                   grad=not ((mode == "nearest" and nd != 2) or mode == "bicubic")),
        ]
        if mode in _INTERPOLATING:
            out += [
                Sample((g.t(x),), {"size": _per_dim(nd, (7, 3, 4)), "align_corners": True}, id="size_corners"),
                Sample((g.t(x),), {"scale_factor": 1.7, "align_corners": True}, id="scale_corners"),
                Sample((g.t(x),), {"size": 1, "align_corners": True}, id="size_1_corners"),
                Sample((g.t(x[:2] + (1,) * nd),), {"size": 3, "align_corners": True}, id="from_1_corners"),
                Sample((g.t(x),), {"scale_factor": 0.6, "align_corners": False}, id="scale_0.6_no_corners"),
            ]
        return out

    return make


def _errors(mode, nd):
    def make(g: Gen):
        x = _SHAPES[nd]
        out = [
            ErrorSample((g.t(x),), {"size": (2,) * (nd + 1)}, exc=ValueError, match="same number of spatial",
                        id="size_len"),
            ErrorSample((g.t(x),), {"scale_factor": (2.0,) * (nd + 1)}, exc=ValueError,
                        match="same number of spatial", id="scale_len"),
            ErrorSample((g.t(x),), {}, exc=ValueError, match="either size or scale_factor", id="neither"),
            ErrorSample((g.t(x),), {"size": 2, "scale_factor": 2.0}, exc=ValueError, match="only one of size",
                        id="both"),
            ErrorSample((g.t(x),), {"size": 2, "recompute_scale_factor": True}, exc=ValueError,
                        match="not meaningful with an explicit size", id="recompute_size"),
            ErrorSample((g.t(x),), {"size": (2,) * (nd - 1) + (2.0,)}, exc=TypeError,
                        match="expected size to be one of int", id="float_size"),
        ]
        if mode not in ("bilinear", "bicubic"):
            out.append(ErrorSample((g.t(x),), {"size": 2, "antialias": True}, exc=ValueError,
                                   match="Anti-alias option is restricted", id="antialias"))
        if mode != "area":
            out += [
                ErrorSample((g.t(x),), {"size": 0}, match="Input and output sizes should be greater than 0",
                            id="size_0"),
                ErrorSample((g.t(x),), {"scale_factor": 0.1}, match="Input and output sizes should be greater than 0",
                            id="scale_too_small"),
                ErrorSample((g.t((1, 0) + x[2:]),), {"size": 2}, match="Non-empty", id="no_channels"),
                ErrorSample((g.t((1, 2) + (0,) + x[3:]),), {"size": 2}, match="Input and output sizes", id="empty"),
            ]
        if mode not in _INTERPOLATING:
            out.append(ErrorSample((g.t(x),), {"size": 2, "align_corners": False}, exc=ValueError,
                                   match="align_corners option can only be set", id="corners"))
        if nd == 1 or mode in _INTERPOLATING:  # an input of one dim less (for nearest and area: of the 1-d op)
            match = "needs" if mode in ("bilinear", "trilinear") else "Input Error: Only 3D, 4D and 5D"
            out.append(ErrorSample((g.t(x[1:]),), {"size": 2}, exc=NotImplementedError, match=match, id="rank"))
        return out

    return make


def _interp(mode):
    return lambda m, x, **kw: m.nn.functional.interpolate(x, mode=mode, **kw)


for _mode, _nds in _MODES.items():
    for _nd in _nds:
        _name = f"interpolate_{_mode.replace('-', '_')}_{_nd}d"
        _add(
            _name,
            op=_interp(_mode),
            ref=None,
            differentiable=True,
            sample_fn=_samples(_mode, _nd),
            api=(F + "interpolate",),
            error_fn=_errors(_mode, _nd),
        )
        NO_KIND.add((_name, "0d"))  # interpolate needs (N, C, *spatial)


# The deprecated aliases (they warn, as PyTorch's).
def _alias_samples(nd):
    def make(g: Gen):
        x = _SHAPES[nd]
        return [
            Sample((g.t(x),), {"scale_factor": 2}, id="scale_2"),
            Sample((g.t(x),), {"size": _per_dim(nd, (7, 3, 4))}, id="size"),
            Sample((g.T(x),), {"size": 3}, id="noncontig"),
            Sample((g.t((0,) + x[1:]),), {"scale_factor": 1.5}, id="0size"),
        ]

    return make


for _name, _fn, _nd, _kw in (
    ("upsample", "upsample", 2, {"mode": "bilinear"}),
    ("upsample_nearest_1d", "upsample", 1, {}),
    ("upsample_trilinear", "upsample", 3, {"mode": "trilinear", "align_corners": True}),
    ("upsample_nearest", "upsample_nearest", 2, {}),
    ("upsample_bilinear", "upsample_bilinear", 2, {}),
):
    _add(
        _name,
        op=(lambda m, x, _f=_fn, _k=_kw, **kw: getattr(m.nn.functional, _f)(x, **_k, **kw)),
        ref=None,
        differentiable=True,
        sample_fn=_alias_samples(_nd),
        api=(F + _fn,),
    )
    NO_KIND.add((_name, "0d"))
