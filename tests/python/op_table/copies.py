"""Copies (cpp/src/ops/copy.cpp, rearrange.cpp): clone, contiguous, dtype conversions, and the ops that copy
elements into a new arrangement (repeat, tile, flip, roll, tril/triu, diag, repeat_interleave)."""

from __future__ import annotations

import numpy as np

from .common import _NP_DTYPES, ErrorSample, Form, Gen, Sample, TIn, _dt, _method, adder, unary_samples

CORE: list = []  # this area's entries among the core ops the table starts with (see __init__.py)
OPS: list = []  # the area's other entries
_add_core = adder(CORE)
_add = adder(OPS)


def to_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), "float64"), id="float64"),
        Sample((t((3, 4)), "float32"), id="float32", grad=False),  # float32 output: no float64 gradcheck
        Sample((t((3, 4)), "int64"), id="int64", grad=False),
        Sample((t((3, 4)), "int32"), id="int32", grad=False),
        Sample((TIn(np.array([0.0, 1.5, -0.0, -2.0])), "bool"), id="bool", grad=False),
        Sample((t(()), "float64"), id="0d"),
        Sample((g.T((3, 4)), "float64"), id="transposed"),
        Sample((g.strided((2, 3)), "int64"), id="strided_int", grad=False),
        Sample((t((0, 3)), "float64"), id="0size"),
        Sample((g.ints((3, 4)), "float64"), id="int32_to_float64"),
        Sample((g.bools((3,)), "int64"), id="bool_to_int64"),
    ]


# ---- copies and conversions ----


_add_core(
    "clone",
    op=lambda m, x: m.clone(x),
    ref=lambda x: x.copy(),
    differentiable=True,
    sample_fn=unary_samples(),
    api=("fastgrad.clone", "Tensor.clone"),
    forms=(Form("x.clone()", lambda m, x: x.clone()),),
)
_add_core(
    "contiguous",
    op=lambda m, x: x.contiguous(),
    ref=lambda x: x.copy(),
    differentiable=True,
    sample_fn=unary_samples(),
    api=("Tensor.contiguous",),
)
_add_core(
    "to",
    op=lambda m, x, dtype: x.to(_dt(m, dtype)),
    ref=lambda x, dtype: x.astype(_NP_DTYPES[dtype]),
    differentiable=True,
    sample_fn=to_samples,
    api=("Tensor.to",),
    forms=(
        Form("x.to(dtype=...)", lambda m, x, dtype: x.to(dtype=_dt(m, dtype))),
        Form(
            "x.double()/float()/long()/int()/bool()",
            lambda m, x, dtype: getattr(
                x,
                {"float64": "double", "float32": "float", "int64": "long", "int32": "int", "bool": "bool"}[
                    dtype
                ],
            )(),
        ),
    ),
)


# ---- copies into a new arrangement ----


def _np_roll(x, shifts, dims=None):
    if dims is None:
        return np.roll(x.reshape(-1), shifts).reshape(x.shape)
    return np.roll(x, shifts, axis=dims)


def _np_diag(x, diagonal=0):
    return np.asarray(np.diag(x, diagonal))


def repeat_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 2)), (2, 3)), id="2d"),
        Sample((t((3, 2)), (2, 1, 3)), id="new_dim"),
        Sample((t((2,)), (3,)), id="1d"),
        Sample((t(()), (2, 2)), id="0d"),
        Sample((t((3, 2)), (0, 2)), id="zero_times"),
        Sample((g.T((3, 2)), (1, 2)), id="transposed"),
        Sample((g.strided((2, 3)), (2, 1)), id="strided"),
        Sample((t((0, 2)), (2, 2)), id="0size"),
    ]


def tile_samples(g: Gen):
    return repeat_samples(g) + [Sample((g.t((3, 2)), (2,)), id="fewer_dims")]


def flip_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), (0,)), id="dim0"),
        Sample((t((2, 3, 4)), (0, -1)), id="two_dims"),
        Sample((t((3, 4)), ()), id="no_dims"),
        Sample((t(()), (0,)), id="0d"),
        Sample((g.T((3, 4)), (1,)), id="transposed"),
        Sample((g.strided((2, 3)), (1,)), id="strided"),
        Sample((t((0, 3)), (0, 1)), id="0size"),
    ]


def roll_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 1), id="flat"),
        Sample((t((3, 4)), -5), id="flat_neg"),
        Sample((t((3, 4)), 1, 0), id="dim0"),
        Sample((t((2, 3, 4)), (1, -7), (0, 2)), id="two_dims"),
        Sample((t(()), 1), id="0d"),
        Sample((g.T((3, 4)), 2, 1), id="transposed"),
        Sample((g.strided((2, 3)), (1,), (1,)), id="strided"),
        Sample((t((0, 3)), 1, 1), id="0size"),
    ]


def triangle_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)),), id="2d"),
        Sample((t((3, 4)), 1), id="above"),
        Sample((t((3, 4)), -1), id="below"),
        Sample((t((2, 3, 3)), 5), id="batched_all"),
        Sample((g.T((3, 4)), -2), id="transposed"),
        Sample((g.strided((3, 3)),), id="strided"),
        Sample((t((0, 3)),), id="0size"),
        Sample((g.ints((3, 3)),), id="int32"),
    ]


def diag_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3,)),), id="vector"),
        Sample((t((3,)), -1), id="vector_below"),
        Sample((t((3, 4)),), id="matrix"),
        Sample((t((3, 4)), 2), id="matrix_above"),
        Sample((g.T((3, 4)), -1), id="transposed"),
        Sample((g.strided((3,)), 1), id="strided"),
        Sample((t((0,)),), id="0size"),
    ]


def _np_tril(x, k=0):
    return np.asarray(np.tril(x, k))


def _np_triu(x, k=0):
    return np.asarray(np.triu(x, k))


_add(
    "repeat",
    op=lambda m, x, r: x.repeat(*r),
    ref=lambda x, r: np.tile(x, r),
    differentiable=True,
    sample_fn=repeat_samples,
    api=("Tensor.repeat",),
    forms=(Form("x.repeat(tuple)", lambda m, x, r: x.repeat(r)),),
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), (2,)), exc=RuntimeError, match="can not be smaller", id="fewer")],
)
_add(
    "tile",
    op=lambda m, x, r: m.tile(x, r),
    ref=lambda x, r: np.tile(x, r),
    differentiable=True,
    sample_fn=tile_samples,
    api=("fastgrad.tile", "Tensor.tile"),
    forms=(Form("x.tile(*dims)", lambda m, x, r: x.tile(*r)),),
)
_add(
    "flip",
    op=lambda m, x, dims: m.flip(x, dims),
    ref=lambda x, dims: np.flip(x, dims) if x.ndim else x,
    differentiable=True,
    sample_fn=flip_samples,
    api=("fastgrad.flip", "Tensor.flip"),
    forms=(Form("x.flip(*dims)", lambda m, x, dims: x.flip(*dims), lambda s: len(s.args[1]) > 0),),
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), (0, 0)), exc=RuntimeError, match="multiple times", id="dup")],
)
_add(
    "roll",
    op=lambda m, x, *a: m.roll(x, *a),
    ref=_np_roll,
    differentiable=True,
    sample_fn=roll_samples,
    api=("fastgrad.roll", "Tensor.roll"),
    forms=(Form("x.roll(...)", _method("roll")),),
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), 1, (0, 1)), exc=RuntimeError, match="must align", id="align")],
)
for _name, _np_fn in (("tril", _np_tril), ("triu", _np_triu)):
    _add(
        _name,
        op=(lambda n: lambda m, x, *a: getattr(m, n)(x, *a))(_name),
        ref=_np_fn,
        differentiable=True,
        sample_fn=triangle_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(...)", _method(_name)),),
        error_fn=lambda g: [ErrorSample((g.t((3,)),), exc=RuntimeError, match="at least 2 dimensions", id="1d")],
    )
_add(
    "diag",
    op=lambda m, x, *a: m.diag(x, *a),
    ref=_np_diag,
    differentiable=True,
    sample_fn=diag_samples,
    api=("fastgrad.diag", "Tensor.diag"),
    forms=(Form("x.diag(...)", _method("diag")),),
    error_fn=lambda g: [ErrorSample((g.t((2, 3, 4)),), exc=RuntimeError, match="1D or 2D", id="3d")],
)


# ---- repeat_interleave ----


def _np_repeat_interleave(x, repeats=None, dim=None, output_size=None):
    if repeats is None:  # repeat_interleave(counts): i repeated counts[i] times
        return np.repeat(np.arange(x.shape[0], dtype=x.dtype), x)
    if isinstance(repeats, np.ndarray) and repeats.size == 1:
        repeats = int(repeats.reshape(()))
    if dim is None:
        return np.repeat(x.reshape(-1), repeats)
    return np.repeat(x, repeats, axis=dim)


def repeat_interleave_samples(g: Gen):
    t = g.t

    def counts(values, dtype=np.int64):
        return TIn(np.asarray(values, dtype=dtype), None, False)

    return [
        Sample((t((2, 3)), 2), id="int_flat"),
        Sample((t((2, 3)), 3, 1), id="int_dim1"),
        Sample((t((2, 3)), 2), {"dim": -2, "output_size": 4}, id="int_dim_neg_output_size"),
        Sample((t((2, 3)), 0, 0), id="int_zero"),
        Sample((t((2, 3)), counts([1, 0, 2])), {"dim": 1}, id="tensor_dim1"),
        Sample((t((2, 3)), counts([2, 1], np.int32)), {"dim": 0, "output_size": 3}, id="tensor_int32_output_size"),
        Sample((t((2, 3)), counts([3, 1, 0, 2, 1, 1])), id="tensor_flat"),
        Sample((t((3, 2)), counts([2])), {"dim": 0}, id="tensor_one_count"),
        Sample((t((3, 2)), counts(2)), {"dim": 1}, id="tensor_0d_count"),
        Sample((t(()), 3), id="0d"),
        Sample((g.T((3, 4)), 2, 0), id="transposed_dim0"),
        Sample((g.strided((2, 3)), counts([1, 2, 3])), {"dim": 1}, id="strided_tensor"),
        Sample((t((0, 3)), 2, 0), id="0size"),
        Sample((t((0, 3)), counts([1, 1, 2])), {"dim": 1}, id="0size_tensor"),
        Sample((g.ints((2, 3)), 2, 1), id="int32_input"),
        Sample((g.bools((3,)), counts([1, 2, 0])), id="bool_input"),
        Sample((counts([1, 0, 3, 2]),), id="counts_only"),
        Sample((counts([2, 1], np.int32),), {"output_size": 3}, id="counts_only_int32"),
        Sample((counts(np.zeros(0, np.int64)),), id="counts_only_empty"),
    ]


def repeat_interleave_errors(g: Gen):
    def counts(values, dtype=np.int64):
        return TIn(np.asarray(values, dtype=dtype), None, False)

    return [
        ErrorSample((g.t((2, 3)), -1), exc=RuntimeError, match="non-negative", id="negative"),
        ErrorSample((g.t((2, 3)), counts([1, -1, 1])), {"dim": 1}, exc=RuntimeError, match="negative",
                    id="negative_tensor"),
        ErrorSample((g.t((2, 3)), counts([1, 2])), {"dim": 1}, exc=RuntimeError, match="same size", id="size"),
        ErrorSample((g.t((2, 3)), 2), {"dim": 1, "output_size": 5}, exc=RuntimeError, match="output_size",
                    id="output_size"),
        ErrorSample((g.t((2, 3)), counts([1, 1, 1])), {"dim": 1, "output_size": 4}, exc=RuntimeError,
                    match="does not match", id="output_size_tensor"),
        ErrorSample((g.t((2, 3)), TIn(np.ones(3), None, False)), {"dim": 1}, exc=NotImplementedError,
                    match="repeat_interleave_cpu", id="float_counts"),
        ErrorSample((counts([[1, 2]]),), exc=RuntimeError, match="1D vector", id="counts_2d"),
        ErrorSample((g.t((2, 3)), 2, 2), exc=IndexError, match="Dimension out of range", id="dim_out_of_range"),
        ErrorSample((g.t(()), 2, 0), exc=IndexError, match="Dimension out of range", id="0d_dim"),
        ErrorSample((g.t((2, 3)), 2.0), exc=TypeError, id="float_repeats"),
    ]


_add(
    "repeat_interleave",
    op=lambda m, x, *a, **kw: m.repeat_interleave(x, *a, **kw),
    ref=_np_repeat_interleave,
    differentiable=True,
    sample_fn=repeat_interleave_samples,
    api=("fastgrad.repeat_interleave", "Tensor.repeat_interleave"),
    forms=(Form("x.repeat_interleave(...)", lambda m, x, *a, **kw: x.repeat_interleave(*a, **kw),
                lambda s: len(s.args) > 1),),
    error_fn=repeat_interleave_errors,
)
