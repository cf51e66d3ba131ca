"""Splitting and joining (cpp/src/ops/join.cpp): unbind, split, chunk, tensor_split, cat, stack, hstack/vstack/
dstack, row_stack, column_stack, atleast_Nd."""

from __future__ import annotations

import numpy as np

from .common import ErrorSample, Form, Gen, Sample, TIn, _np_piece, adder

OPS: list = []
_add = adder(OPS)


def _np_split_points(n, spec):
    """Start offsets of the pieces of a length-n dim split by `spec` (a piece length or a list of lengths)."""
    sizes = list(spec) if isinstance(spec, (list, tuple)) else [spec] * max(1, -(-n // spec) if spec else 1)
    if not isinstance(spec, (list, tuple)):
        sizes[-1] = n - spec * (len(sizes) - 1)
    return np.cumsum([0] + sizes)


def _np_split(x, spec, dim, i):
    points = _np_split_points(x.shape[dim], spec)
    return _np_piece(x, dim, points[i], points[i + 1])


def _np_chunk(x, chunks, dim, i):
    n = x.shape[dim]
    return _np_split(x, -(-n // chunks) if n else [0] * chunks, dim, i)


def _np_tensor_split(x, spec, dim, i):
    n = x.shape[dim]
    if isinstance(spec, int):
        base, extra = divmod(n, spec)
        sizes = [base + (k < extra) for k in range(spec)]
        return _np_split(x, sizes, dim, i)
    bounds = [0] + list(spec) + [None]
    return _np_piece(x, dim, bounds[i], bounds[i + 1])


def _np_hstack(a, b):
    return np.hstack([np.atleast_1d(a), np.atleast_1d(b)])


def unbind_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 0, 1), id="dim0"),
        Sample((t((2, 3, 4)), -1, 3), id="dim_neg_last"),
        Sample((g.T((3, 4)), 1, 0), id="transposed"),
        Sample((g.strided((2, 3)), 1, 2), id="strided"),
        Sample((t((3, 0)), 0, 1), id="0size"),
    ]


def split_samples(g: Gen):
    t = g.t
    return [
        Sample((t((5, 2)), 2, 0, 1), id="size_middle"),
        Sample((t((5, 2)), 2, 0, 2), id="size_last_short"),
        Sample((t((3, 4)), [1, 0, 3], 1, 2), id="sizes"),
        Sample((t((3, 4)), [1, 0, 3], -1, 1), id="sizes_empty_piece"),
        Sample((g.T((5, 2)), 3, 0, 1), id="transposed"),
        Sample((g.strided((2, 5)), 2, 1, 0), id="strided"),
        Sample((t((0, 2)), 2, 0, 0), id="0size"),
    ]


def chunk_samples(g: Gen):
    t = g.t
    return [
        Sample((t((5, 2)), 3, 0, 2), id="uneven"),
        Sample((t((3, 4)), 2, 1, 1), id="even"),
        Sample((t((3, 4)), 5, 0, 2), id="more_chunks_than_rows"),
        Sample((g.T((5, 2)), 2, 0, 0), id="transposed"),
        Sample((g.strided((2, 5)), 2, 1, 1), id="strided"),
        Sample((t((0, 2)), 3, 0, 1), id="0size"),
    ]


def tensor_split_samples(g: Gen):
    t = g.t
    return [
        Sample((t((5, 2)), 3, 0, 0), id="sections"),
        Sample((t((5, 2)), 3, 0, 2), id="sections_last"),
        Sample((t((5, 2)), [1, 4, 2], 0, 2), id="indices_backwards"),
        Sample((t((2, 5)), [1, 3], 1, 1), id="indices_dim1"),
        Sample((g.T((5, 2)), 2, 0, 1), id="transposed"),
        Sample((g.strided((2, 5)), [2], 1, 1), id="strided"),
        Sample((t((0, 2)), 2, 0, 1), id="0size"),
    ]


def split_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 4)), 0, 0, 0), exc=RuntimeError, match="split_size can only be 0", id="zero_size"),
        ErrorSample((g.t((3, 4)), [1, 1], 0, 0), exc=RuntimeError, match="sum exactly", id="bad_sum"),
        ErrorSample((g.t((3, 4)), -1, 0, 0), exc=RuntimeError, match="non-negative", id="negative"),
    ]


def cat_samples(g: Gen):
    t = g.t
    return [
        Sample((t((2, 3)), t((1, 3))), id="dim0"),
        Sample((t((2, 3)), t((2, 1))), {"dim": 1}, id="dim1"),
        Sample((t((2, 3, 2)), t((2, 3, 1))), {"dim": -1}, id="dim_neg"),
        Sample((g.T((3, 4)), g.strided((2, 4))), id="noncontig"),
        Sample((t((0, 3)), t((2, 3))), id="0size_piece"),
        Sample((t((2, 3)), TIn(np.zeros(0))), id="legacy_empty_1d"),
        Sample((g.ints((2, 3)), t((1, 3))), id="promote_int_float"),
    ]


def cat_errors(g: Gen):
    return [
        ErrorSample((g.t((2, 3)), g.t((2, 4))), exc=RuntimeError, match="Sizes of tensors must match", id="sizes"),
        ErrorSample((g.t((2, 3)), g.t((3,))), exc=RuntimeError, match="same number of dimensions", id="ndim"),
        ErrorSample((g.t(()), g.t(())), exc=RuntimeError, match="zero-dimensional", id="0d"),
        ErrorSample((g.t((2, 3)), g.t((2, 3))), {"dim": 2}, exc=IndexError, match="Dimension out of range", id="dim"),
    ]


def stack_samples(g: Gen):
    t = g.t
    return [
        Sample((t((2, 3)), t((2, 3))), id="dim0"),
        Sample((t((2, 3)), t((2, 3))), {"dim": -1}, id="dim_last"),
        Sample((t(()), t(())), id="0d"),
        Sample((g.T((2, 3)), g.strided((2, 3))), {"dim": 1}, id="noncontig"),
        Sample((t((0, 3)), t((0, 3))), id="0size"),
        Sample((g.ints((2, 3)), t((2, 3))), id="promote_int_float"),
    ]


def stacks_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3,)), t((3,))), id="1d"),
        Sample((t((2, 3)), t((2, 3))), id="2d"),
        Sample((t(()), t(())), id="0d"),
        Sample((g.T((2, 3)), g.strided((2, 3))), id="noncontig"),
        Sample((t((0, 3)), t((0, 3))), id="0size"),
    ]


# ---- splitting: one output per entry (the i-th piece); the others share its Node ----
_add(
    "unbind",
    op=lambda m, x, d, i: m.unbind(x, d)[i],
    ref=lambda x, d, i: np.asarray(np.take(x, i, axis=d)),
    differentiable=True,
    sample_fn=unbind_samples,
    api=("fastgrad.unbind", "Tensor.unbind"),
    forms=(Form("x.unbind(d)[i]", lambda m, x, d, i: x.unbind(d)[i]),),
    view_op=True,
    error_fn=lambda g: [ErrorSample((g.t(()), 0, 0), exc=IndexError, match="no dimensions", id="0d")],
)
_add(
    "split",
    op=lambda m, x, s, d, i: m.split(x, s, d)[i],
    ref=_np_split,
    differentiable=True,
    sample_fn=split_samples,
    api=("fastgrad.split", "Tensor.split", "Tensor.split_with_sizes"),
    forms=(
        Form("x.split(s, d)[i]", lambda m, x, s, d, i: x.split(s, d)[i]),
        Form("x.split_with_sizes(s, d)[i]", lambda m, x, s, d, i: x.split_with_sizes(s, d)[i],
             lambda s: isinstance(s.args[1], list)),
    ),
    view_op=True,
    error_fn=split_errors,
)
_add(
    "chunk",
    op=lambda m, x, n, d, i: m.chunk(x, n, d)[i],
    ref=_np_chunk,
    differentiable=True,
    sample_fn=chunk_samples,
    api=("fastgrad.chunk", "Tensor.chunk"),
    forms=(Form("x.chunk(n, d)[i]", lambda m, x, n, d, i: x.chunk(n, d)[i]),),
    view_op=True,
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), 0, 0, 0), exc=RuntimeError, match="greater than 0", id="zero")],
)
_add(
    "tensor_split",
    op=lambda m, x, s, d, i: m.tensor_split(x, s, d)[i],
    ref=_np_tensor_split,
    differentiable=True,
    sample_fn=tensor_split_samples,
    api=("fastgrad.tensor_split", "Tensor.tensor_split"),
    forms=(Form("x.tensor_split(s, d)[i]", lambda m, x, s, d, i: x.tensor_split(s, d)[i]),),
    view_op=True,
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), 0, 0, 0), exc=RuntimeError, match="larger than 0", id="zero")],
)

# ---- joining ----
for _name in ("cat", "concat", "concatenate"):
    _add(
        _name,
        op=(lambda n: lambda m, a, b, **kw: getattr(m, n)([a, b], **kw))(_name),
        ref=lambda a, b, dim=0: np.concatenate([x for x in (a, b) if not (x.ndim == 1 and x.size == 0)]
                                               if a.ndim > 1 or b.ndim > 1 else [a, b], axis=dim)
        .astype(np.result_type(a, b)),
        differentiable=True,
        sample_fn=cat_samples,
        api=(f"fastgrad.{_name}",),
        error_fn=cat_errors,
    )
_add(
    "stack",
    op=lambda m, a, b, **kw: m.stack((a, b), **kw),
    ref=lambda a, b, dim=0: np.stack([a, b], axis=dim).astype(np.result_type(a, b)),
    differentiable=True,
    sample_fn=stack_samples,
    api=("fastgrad.stack",),
    error_fn=lambda g: [
        ErrorSample((g.t((2, 3)), g.t((3, 2))), exc=RuntimeError, match="equal size", id="sizes"),
        ErrorSample((g.t((2, 3)), g.t((2, 3))), {"dim": 3}, exc=IndexError, id="dim"),
    ],
)
for _name, _np_fn in (("hstack", _np_hstack), ("vstack", lambda a, b: np.vstack([a, b])),
                      ("dstack", lambda a, b: np.dstack([a, b]))):
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)([a, b]))(_name),
        ref=_np_fn,
        differentiable=True,
        sample_fn=stacks_samples,
        api=(f"fastgrad.{_name}",),
    )

_add(
    "row_stack",
    op=lambda m, a, b: m.row_stack([a, b]),
    ref=lambda a, b: np.vstack([a, b]),
    differentiable=True,
    sample_fn=stacks_samples,
    api=("fastgrad.row_stack",),
    error_fn=lambda g: [ErrorSample((g.t((3,)), g.t((3, 2))), match="Sizes of tensors must match", id="sizes")],
)


def column_stack_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3,)), t((3,))), id="1d"),
        Sample((t(()), t(())), id="0d"),
        Sample((t((3,)), t((3, 2))), id="1d_2d"),
        Sample((t((2, 3)), t((2,))), id="2d_1d"),
        Sample((t((2, 3, 2)), t((2, 1, 2))), id="3d"),
        Sample((g.T((3, 2)), g.strided((3,))), id="noncontig"),
        Sample((t((0,)), t((0, 2))), id="0size"),
    ]


_add(
    "column_stack",
    op=lambda m, a, b: m.column_stack((a, b)),
    ref=lambda a, b: np.column_stack([a, b]),
    differentiable=True,
    sample_fn=column_stack_samples,
    api=("fastgrad.column_stack",),
    error_fn=lambda g: [
        ErrorSample((g.t((2,)), g.t((3,))), match="Sizes of tensors must match except in dimension 1", id="sizes"),
    ],
)


def atleast_samples(g: Gen):
    t = g.t
    return [
        Sample((t(()),), id="0d"),
        Sample((t((3,)),), id="1d"),
        Sample((t((2, 3)),), id="2d"),
        Sample((t((2, 3, 2)),), id="3d"),
        Sample((t((1, 2, 1, 2)),), id="4d"),
        Sample((g.T((3, 2)),), id="transposed"),
        Sample((g.strided((3,)),), id="strided"),
        Sample((t((0,)),), id="0size"),
        Sample((t((2, 0)),), id="0size_2d"),
    ]


for _n in (1, 2, 3):
    _name = f"atleast_{_n}d"
    _add(
        _name,
        op=(lambda n: lambda m, x: getattr(m, n)(x))(_name),
        ref=getattr(np, _name),
        differentiable=True,
        sample_fn=atleast_samples,
        api=(f"fastgrad.{_name}",),
        forms=(  # several tensors, or one sequence of them: a tuple back
            Form("atleast(x, x)[1]", (lambda n: lambda m, x: getattr(m, n)(x, x)[1])(_name)),
            Form("atleast([x])[0]", (lambda n: lambda m, x: getattr(m, n)([x])[0])(_name)),
            Form("atleast((x,))[0]", (lambda n: lambda m, x: getattr(m, n)((x,))[0])(_name)),
        ),
        view_op=True,
        error_fn=(lambda n: lambda g: [
            ErrorSample((1.5,), exc=TypeError, match=f"{n}\\(\\) received an invalid combination", id="number"),
        ])(_name),
    )
