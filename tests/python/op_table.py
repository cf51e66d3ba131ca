"""The op table: one entry per public op, with deterministic sample inputs; it drives test_ops.py.

Each `OpInfo` names an op and gives
  - `op(m, *args, **kwargs)`: calls the op on the module `m` (`fastgrad` or `torch`), so the same callable
    runs on both libraries; `forms`: the other spellings of the same op (method, operator, nn.functional),
    each checked against the NumPy reference too;
  - `ref(*args, **kwargs)`: a NumPy (float64) reference, or None when NumPy has nothing sensible;
  - `differentiable`: whether gradients flow to floating inputs (then gradcheck runs on every sample that
    allows it, and a second-order check where `gradgrad` is True);
  - `samples()`: a list of `Sample`s, built from seeded NumPy generators (deterministic across runs). A tensor
    argument is a `TIn`: a contiguous float64 (or integer/bool) NumPy `base` plus an optional `view` recipe
    (a transpose or a strided slice, written so that it works on NumPy arrays, torch tensors and fastgrad
    tensors alike). Floating bases are converted to the dtype under test; integer and bool bases are kept.
  - `errors()`: misuse samples with the exception type PyTorch raises;
  - `api`: where the op must exist (`fastgrad.X`, `Tensor.X`, `F.X` for `fastgrad.nn.functional.X`);
  - `view_op`: the result is a view (strides, storage offset and `_is_view()` are compared with torch).

Nothing here imports fastgrad or torch: the table is data, the tests decide what to run it against.
"""

from __future__ import annotations

import math
import operator
import warnings
import zlib
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

# --------------------------------------------------------------------------------------------------------
# Sample building blocks
# --------------------------------------------------------------------------------------------------------


def _swap(a: int, b: int) -> Callable:
    """A transpose recipe that works on NumPy arrays and on torch/fastgrad tensors."""

    def view(x):
        if isinstance(x, np.ndarray):
            return np.swapaxes(x, a, b)
        return x.transpose(a, b)

    view.__name__ = f"swap{a}{b}"
    return view


def _every_other(dim: int) -> Callable:
    """A strided-slice recipe: x[..., ::2] along `dim` (non-negative)."""

    def view(x):
        return x[(slice(None),) * dim + (slice(None, None, 2),)]

    view.__name__ = f"step2@{dim}"
    return view


@dataclass
class TIn:
    """A tensor argument: `view(base)` (or `base` when there is no view)."""

    base: np.ndarray
    view: Optional[Callable] = None
    requires_grad: bool = True

    def value(self, dtype=None) -> np.ndarray:
        """The NumPy value, in `dtype` when the base is floating (a fresh copy: nothing aliases the base)."""
        base = self.base
        if dtype is not None and base.dtype.kind == "f":
            base = base.astype(dtype)
        else:
            base = base.copy()
        return self.view(base) if self.view is not None else base

    @property
    def shape(self):
        return self.value().shape

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def is_float(self):
        return self.base.dtype.kind == "f"


@dataclass
class Sample:
    args: tuple
    kwargs: dict = field(default_factory=dict)
    id: str = ""
    grad: bool = True  # gradcheck this sample (False e.g. when the output is float32 or integer)
    gradgrad: bool = True  # also run the second-order check
    # filled in by OpInfo.samples(): 0d, 0size, noncontig, broadcast, scalar
    kinds: set = field(default_factory=set)

    def tensors(self):
        return [a for a in list(self.args) + list(self.kwargs.values()) if isinstance(a, TIn)]

    def numpy_args(self, dtype=None):
        def conv(a):
            return a.value(dtype) if isinstance(a, TIn) else a

        return tuple(conv(a) for a in self.args), {k: conv(v) for k, v in self.kwargs.items()}


@dataclass
class ErrorSample:
    args: tuple
    kwargs: dict = field(default_factory=dict)
    exc: type = RuntimeError
    match: Optional[str] = None  # a regex the message must contain (checked on fastgrad and torch)
    id: str = ""


@dataclass
class Form:
    """Another spelling of the op (method, operator, functional alias); `when(sample)`: where it applies."""

    name: str
    fn: Callable
    when: Optional[Callable] = None


@dataclass
class OpInfo:
    name: str
    op: Callable
    ref: Optional[Callable]
    differentiable: bool
    sample_fn: Callable  # (Gen) -> list[Sample]
    api: tuple = ()
    forms: tuple = ()
    error_fn: Optional[Callable] = None
    gradgrad: bool = True
    view_op: bool = False

    def samples(self) -> list:
        out = self.sample_fn(Gen(self.name))
        seen = set()
        for s in out:
            assert s.id and s.id not in seen, f"{self.name}: sample ids must be unique ({s.id!r})"
            seen.add(s.id)
            s.kinds = set(s.kinds) | _infer_kinds(s)
        return out

    def errors(self) -> list:
        return self.error_fn(Gen(self.name + "/errors")) if self.error_fn else []


def _infer_kinds(s: Sample) -> set:
    kinds = set()
    tensors = s.tensors()
    for t in tensors:
        v = t.value()
        if v.ndim == 0:
            kinds.add("0d")
        if v.size == 0:
            kinds.add("0size")
        if v.ndim > 0 and not v.flags["C_CONTIGUOUS"] and v.size > 1:
            kinds.add("noncontig")
    if len({t.shape for t in tensors}) > 1:
        kinds.add("broadcast")
    if any(isinstance(a, (bool, int, float)) for a in s.args):
        kinds.add("scalar")
    return kinds


class Gen:
    """Seeded value generator: the same op name always gives the same samples."""

    def __init__(self, name: str):
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))

    def values(self, shape, domain="real") -> np.ndarray:
        r = self.rng
        if domain == "real":
            v = r.uniform(-2.0, 2.0, shape)
        elif domain == "pos":  # log, sqrt, pow with a fractional exponent
            v = r.uniform(0.5, 2.0, shape)
        elif domain == "nonzero":  # kinks and poles at 0 (relu, reciprocal, div, norm p=1): |x| >= 0.3
            v = r.uniform(0.3, 2.0, shape) * r.choice([-1.0, 1.0], shape)
        elif domain == "clamp":  # away from the bounds +-0.5 used by the clamp samples
            v = r.uniform(-2.0, 2.0, shape)
            v = np.where(np.abs(np.abs(v) - 0.5) < 0.1, v + 0.25, v)
        elif domain == "prob":  # BCE targets
            v = r.uniform(0.0, 1.0, shape)
        elif domain == "small_int":  # comparisons: many exact ties
            v = r.integers(-2, 3, shape).astype(np.float64)
        elif domain == "unit":  # asin, acos, atanh, tan: inside (-1, 1), away from the poles
            v = r.uniform(-0.9, 0.9, shape)
        elif domain == "above1":  # acosh: inside its domain (1, inf), away from the kink at 1
            v = r.uniform(1.2, 3.0, shape)
        elif domain == "distinct":  # norm p=inf: a unique maximum of |x|
            n = int(np.prod(shape))
            v = (r.permutation(n) + 1.0).reshape(shape) * 0.25 * r.choice([-1.0, 1.0], shape)
        else:
            raise ValueError(domain)
        return np.asarray(v, dtype=np.float64)

    def t(self, shape, domain="real", requires_grad=True) -> TIn:
        """A contiguous tensor."""
        return TIn(self.values(shape, domain), None, requires_grad)

    def T(self, shape, domain="real", requires_grad=True) -> TIn:
        """A tensor of `shape` that is a transpose of its (contiguous) base: the last two dims swapped."""
        assert len(shape) >= 2
        n = len(shape)
        base_shape = tuple(shape[:-2]) + (shape[-1], shape[-2])
        return TIn(self.values(base_shape, domain), _swap(n - 2, n - 1), requires_grad)

    def strided(self, shape, domain="real", requires_grad=True, dim=None) -> TIn:
        """A tensor of `shape` that is every other element of its base along `dim` (default: the last)."""
        assert len(shape) >= 1
        dim = len(shape) - 1 if dim is None else dim
        base_shape = list(shape)
        base_shape[dim] = 2 * shape[dim]
        return TIn(self.values(tuple(base_shape), domain), _every_other(dim), requires_grad)

    def ints(self, shape, dtype=np.int32, lo=-3, hi=4) -> TIn:
        return TIn(self.rng.integers(lo, hi, shape).astype(dtype), None, False)

    def bools(self, shape) -> TIn:
        return TIn(self.rng.integers(0, 2, shape).astype(np.bool_), None, False)


# --------------------------------------------------------------------------------------------------------
# Shared sample sets
# --------------------------------------------------------------------------------------------------------


def unary_samples(domain="real", extreme=None, extreme_grad=True):
    """The shared unary set; `extreme`: values far out in the op's domain (saturation, overflow to inf),
    gradchecked unless extreme_grad is False (finite differences with eps=1e-6 need |x| >> 1e-6)."""

    def make(g: Gen):
        out = (
            []
            if extreme is None
            else [Sample((TIn(np.array(extreme, dtype=np.float64)),), id="extreme", grad=extreme_grad)]
        )
        return out + [
            Sample((g.t((3, 4), domain),), id="2d"),
            Sample((g.t((5,), domain),), id="1d"),
            Sample((g.t((2, 3, 2), domain),), id="3d"),
            Sample((g.t((), domain),), id="0d"),
            Sample((g.T((3, 4), domain),), id="transposed"),
            Sample((g.strided((2, 3), domain),), id="strided"),
            Sample((g.t((0, 3), domain),), id="0size"),
        ]

    return make


def binary_samples(da="real", db="real", scalars=(2.5, 3)):
    """tensor (+) tensor under broadcasting, views, 0-d, 0-size, and tensor (+) Python scalar."""

    def make(g: Gen):
        out = [
            Sample((g.t((3, 4), da), g.t((3, 4), db)), id="same"),
            Sample((g.t((3, 1), da), g.t((1, 4), db)), id="bcast_both"),
            Sample((g.t((2, 3, 4), da), g.t((4,), db)), id="bcast_rank"),
            Sample((g.t((4,), da), g.t((2, 3, 1), db)), id="bcast_rank_left"),
            Sample((g.t((3, 4), da), g.t((), db)), id="tensor_0d"),
            Sample((g.t((), da), g.t((3,), db)), id="0d_tensor"),
            Sample((g.t((), da), g.t((), db)), id="0d_0d"),
            Sample((g.T((3, 4), da), g.strided((3, 4), db)), id="transposed_strided"),
            Sample((g.strided((2, 3), da, dim=0), g.T((2, 3), db)), id="strided0_transposed"),
            Sample((g.t((0, 3), da), g.t((3,), db)), id="0size"),
            Sample((g.t((2, 0), da), g.t((2, 1), db)), id="0size_bcast"),
        ]
        for s in scalars:
            out.append(Sample((g.t((3, 4), da), s), id=f"scalar_{type(s).__name__}"))
        out.append(Sample((g.T((3, 4), da), scalars[0]), id="transposed_scalar"))
        out.append(Sample((g.t((), da), scalars[0]), id="0d_scalar"))
        return out

    return make


def reflected_samples(domain="real", scalars=(2.5, 2)):
    """Python scalar (+) tensor, the reflected operator forms."""

    def make(g: Gen):
        out = []
        for s in scalars:
            out.append(Sample((s, g.t((3, 4), domain)), id=f"{type(s).__name__}_2d"))
        s = scalars[0]
        out += [
            Sample((s, g.t((), domain)), id="0d"),
            Sample((s, g.T((3, 4), domain)), id="transposed"),
            Sample((s, g.strided((2, 3), domain)), id="strided"),
            Sample((s, g.t((0, 3), domain)), id="0size"),
        ]
        return out

    return make


def compare_samples(g: Gen):
    d = "small_int"  # exact ties, so eq/le/ge see equal elements
    return [
        Sample((g.t((3, 4), d), g.t((3, 4), d)), id="same"),
        Sample((g.t((3, 1), d), g.t((1, 4), d)), id="bcast"),
        Sample((g.t((2, 3, 4), d), g.t((4,), d)), id="bcast_rank"),
        Sample((g.t((3,), d), g.t((), d)), id="tensor_0d"),
        Sample((g.t((), d), g.t((), d)), id="0d_0d"),
        Sample((g.T((3, 4), d), g.strided((3, 4), d)), id="noncontig"),
        Sample((g.t((0, 3), d), g.t((3,), d)), id="0size"),
        Sample((g.t((3, 4), d), 1.0), id="scalar_float"),
        Sample((g.t((3, 4), d), 0), id="scalar_int"),
        Sample((g.t((3, 4), d), 0.5), id="scalar_nontie"),
        Sample((g.ints((3, 4)), g.t((3, 4), d)), id="int32_float"),
        Sample((g.ints((3, 4), np.int64), 1), id="int64_scalar"),
        Sample((g.ints((3, 4)), 0.5), id="int32_scalar_float"),
        Sample((g.bools((5,)), g.bools((5,))), id="bool_bool"),
        Sample((g.bools((5,)), True), id="bool_scalar"),
    ]


def matmul_samples(g: Gen):
    t, T, st = g.t, g.T, g.strided
    return [
        Sample((t((4,)), t((4,))), id="1d_1d"),
        Sample((t((3, 4)), t((4, 2))), id="2d_2d"),
        Sample((t((4,)), t((4, 3))), id="1d_2d"),
        Sample((t((3, 4)), t((4,))), id="2d_1d"),
        Sample((t((2, 3, 4)), t((2, 4, 2))), id="3d_3d"),
        Sample((t((2, 3, 4)), t((4, 2))), id="3d_2d"),
        Sample((t((3, 4)), t((2, 4, 2))), id="2d_3d"),
        Sample((t((2, 3, 4)), t((4,))), id="3d_1d"),
        Sample((t((4,)), t((2, 4, 3))), id="1d_3d"),
        Sample((t((2, 1, 3, 4)), t((3, 4, 2))), id="4d_3d_bcast"),
        Sample((t((1, 2, 4)), t((3, 1, 4, 2))), id="3d_4d_bcast"),
        Sample((T((3, 4)), T((4, 2))), id="2d_transposed"),
        Sample((st((3, 4)), st((4, 2), dim=0)), id="2d_strided"),
        Sample((T((2, 3, 4)), st((2, 4, 2))), id="3d_noncontig"),
        Sample((st((4,)), T((4, 3))), id="1d_2d_noncontig"),
        Sample((t((3, 0)), t((0, 2))), id="0size_inner"),
        Sample((t((0, 4)), t((4, 2))), id="0size_rows"),
        Sample((t((0, 3, 4)), t((4, 2))), id="0size_batch"),
        Sample((t((0,)), t((0,))), id="0size_1d"),
    ]


def matmul_errors(g: Gen):
    t = g.t
    return [
        ErrorSample((t((3, 4)), t((3, 4))), exc=RuntimeError, id="2d_mismatch"),
        ErrorSample((t((3,)), t((4,))), exc=RuntimeError, id="1d_mismatch"),
        ErrorSample((t((2, 3, 4)), t((3, 5, 2))), exc=RuntimeError, id="batch_not_broadcastable"),
        ErrorSample((t(()), t((3,))), exc=RuntimeError, id="0d"),
    ]


def reduce_samples(with_int=False):
    def make(g: Gen):
        t = g.t
        out = [
            Sample((t((3, 4)),), id="all"),
            Sample((t((2, 3, 4)),), {"dim": 1}, id="dim1"),
            Sample((t((2, 3, 4)),), {"dim": -1}, id="dim_neg"),
            Sample((t((2, 3, 4)),), {"dim": (0, 2)}, id="dim_tuple"),
            Sample((t((2, 3, 4)),), {"dim": (-1, -3)}, id="dim_tuple_neg"),
            Sample((t((2, 3, 4)),), {"dim": 1, "keepdim": True}, id="dim_keepdim"),
            Sample((t((2, 3, 4)),), {"dim": (0, 2), "keepdim": True}, id="tuple_keepdim"),
            Sample((t((3, 4)),), {"dim": [0, 1]}, id="dim_list_all"),
            Sample((t(()),), id="0d"),
            Sample((t(()),), {"dim": 0}, id="0d_dim0"),
            Sample((t(()),), {"dim": -1, "keepdim": True}, id="0d_dim_neg_keepdim"),
            Sample((g.T((3, 4)),), {"dim": 0}, id="transposed_dim0"),
            Sample((g.strided((2, 3)),), id="strided_all"),
            Sample((g.strided((2, 3), dim=0),), {"dim": 1, "keepdim": True}, id="strided_dim1"),
            Sample((t((0, 3)),), id="0size_all"),
            Sample((t((0, 3)),), {"dim": 0}, id="0size_dim0"),
            Sample((t((0, 3)),), {"dim": 1}, id="0size_dim1"),
        ]
        if with_int:
            out += [
                Sample((g.ints((3, 4)),), id="int32_all"),
                Sample((g.ints((3, 4), np.int64),), {"dim": 0}, id="int64_dim0"),
                Sample((g.bools((3, 4)),), {"dim": 1}, id="bool_dim1"),
            ]
        return out

    return make


def reduce_errors(g: Gen):
    return [
        ErrorSample(
            (g.t((2, 3)),), {"dim": 2}, exc=IndexError, match="Dimension out of range", id="dim_out_of_range"
        ),
        ErrorSample((g.t((2, 3)),), {"dim": (0, 0)}, exc=RuntimeError, id="dim_repeated"),
    ]


def _axis(dim):
    return tuple(dim) if isinstance(dim, (list, tuple)) else dim


def _np_sum(x, dim=None, keepdim=False):
    if x.ndim == 0:  # torch wraps dims of a 0-d tensor as if it were 1-d
        return np.asarray(x.sum())
    if x.dtype.kind in "bi":
        x = x.astype(np.int64)  # torch sums integers and bools in int64
    return np.asarray(np.sum(x, axis=_axis(dim), keepdims=keepdim))


def _np_mean(x, dim=None, keepdim=False):
    if x.ndim == 0:
        return np.asarray(x.mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # mean of nothing is nan, as in torch
        return np.asarray(np.mean(x, axis=_axis(dim), keepdims=keepdim))


def _np_norm(x, p="fro", dim=None, keepdim=False):
    p = 2.0 if p == "fro" else float(p)
    axis = _axis(dim) if x.ndim > 0 else None
    a = np.abs(x)
    if p == 0:
        return np.asarray(np.sum(a != 0, axis=axis, keepdims=keepdim).astype(x.dtype))
    if math.isinf(p):
        if a.size == 0:
            return np.asarray(
                np.zeros(()) if axis is None else np.max(a, axis=axis, keepdims=keepdim, initial=0.0)
            )
        r = np.max(a, axis=axis, keepdims=keepdim) if p > 0 else np.min(a, axis=axis, keepdims=keepdim)
    else:
        r = np.sum(a**p, axis=axis, keepdims=keepdim) ** (1.0 / p)
    return np.asarray(r)


def norm_samples(g: Gen):
    t = g.t
    nz = "nonzero"
    return [
        Sample((t((3, 4)),), id="default"),
        Sample((t((3, 4)),), {"p": 2}, id="p2"),
        Sample((t((3, 4), nz),), {"p": 1}, id="p1"),
        Sample((t((3, 4)),), {"p": 3}, id="p3"),
        Sample((t((3, 4)),), {"p": 0.5}, id="p0.5"),
        Sample((t((3, 4), "distinct"),), {"p": float("inf")}, id="pinf"),
        Sample((t((2, 3, 4), "distinct"),), {"p": float("-inf"), "dim": 1}, id="pneginf_dim"),
        Sample((t((3, 4), "distinct"),), {"p": float("inf"), "dim": (0, 1), "keepdim": True}, id="pinf_keepdim"),
        Sample((t((3, 4)),), {"p": 0}, id="p0"),
        Sample((t((3, 4), nz),), {"p": -1, "dim": 0}, id="pneg1"),
        Sample((t((3, 4)),), {"p": "fro"}, id="fro"),
        Sample((t((2, 3, 4)),), {"dim": 1}, id="dim1"),
        Sample((t((2, 3, 4)),), {"p": 2, "dim": -1, "keepdim": True}, id="dim_neg_keepdim"),
        Sample((t((2, 3, 4)),), {"p": 2, "dim": (0, 2)}, id="dim_tuple"),
        Sample((t((2, 3, 4), nz),), {"p": 1, "dim": 0, "keepdim": True}, id="p1_dim_keepdim"),
        Sample((t((), nz),), id="0d"),
        Sample((g.T((3, 4)),), {"dim": 0}, id="transposed_dim0"),
        Sample((g.strided((2, 3)),), id="strided"),
        Sample((t((0, 3)),), id="0size", grad=True),
        Sample((t((0, 3)),), {"dim": 0}, id="0size_dim0"),
    ]


# --------------------------------------------------------------------------------------------------------
# Helpers for the shape ops' references
# --------------------------------------------------------------------------------------------------------


def _np_expand(x, *shape):
    shape = list(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else list(shape)
    lead = len(shape) - x.ndim
    full = [x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape)]
    return np.broadcast_to(x, full)


def _np_squeeze(x, dim=None):
    if dim is None:
        return np.squeeze(x)
    if x.ndim == 0:
        return x
    if isinstance(dim, tuple):  # the listed dims of size 1 (others are kept, as in PyTorch)
        return np.squeeze(x, axis=tuple(d for d in dim if x.shape[d] == 1))
    return np.squeeze(x, axis=dim) if x.shape[dim] == 1 else x


def _np_select(x, dim, index):
    if x.ndim == 0:
        raise IndexError
    return np.take(x, index, axis=dim)


def _np_t(x):
    return x.T if x.ndim == 2 else x


def _ndim_is(n):
    return lambda s: s.args[0].ndim == n


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.asarray(loss.sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(loss.mean())


def _np_mse(a, b, reduction="mean"):
    return _reduce((a - b) ** 2, reduction)


def _np_bce_logits(x, y, weight=None, reduction="mean", pos_weight=None):
    # The definition: -w [pw * y * log sigmoid(x) + (1 - y) * log(1 - sigmoid(x))], computed stably.
    log_sig = -np.logaddexp(0.0, -x)  # log sigmoid(x)
    log_one_minus = -np.logaddexp(0.0, x)  # log(1 - sigmoid(x))
    pw = 1.0 if pos_weight is None else pos_weight
    loss = -(pw * y * log_sig + (1.0 - y) * log_one_minus)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


_NP_DTYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "int64": np.int64,
    "int32": np.int32,
    "bool": np.bool_,
}


def _dt(m, name):
    """The dtype object called `name` in module m."""
    return getattr(m, name)


# --------------------------------------------------------------------------------------------------------
# Per-op sample sets that are not shared
# --------------------------------------------------------------------------------------------------------


def pow_samples(g: Gen):
    t, pos = g.t, "pos"
    return [
        Sample((t((3, 4)), 2), id="tensor_int2"),
        Sample((t((3, 4)), 3), id="tensor_int3"),
        Sample((t((3, 4), pos), 2.5), id="tensor_float"),
        Sample((t((3, 4), pos), 0.5), id="tensor_sqrt"),
        Sample((t((3, 4), pos), -1.5), id="tensor_negfloat"),
        Sample((t((3, 4), "nonzero"), -2), id="tensor_negint"),
        Sample((t((3, 4)), 0), id="tensor_zero"),
        Sample((t((3, 4)), 1), id="tensor_one"),
        Sample((t((), pos), 2.5), id="0d_scalar"),
        Sample((g.T((3, 4), pos), 1.5), id="transposed_scalar"),
        Sample((t((0, 3), pos), 2.5), id="0size_scalar"),
        Sample((t((3, 4), pos), t((3, 4))), id="tensor_tensor"),
        Sample((t((3, 1), pos), t((1, 4))), id="tensor_tensor_bcast"),
        Sample((t((2, 3, 4), pos), t((4,))), id="tensor_tensor_bcast_rank"),
        Sample((t((3, 4), pos), t(())), id="tensor_0d"),
        Sample((t((), pos), t((3,))), id="0d_tensor"),
        Sample((g.T((3, 4), pos), g.strided((3, 4))), id="tensor_tensor_noncontig"),
        Sample((t((0, 3), pos), t((3,))), id="tensor_tensor_0size"),
        Sample((2.0, t((3, 4))), id="scalar_tensor"),
        Sample((2, t((3, 4))), id="intscalar_tensor"),
        Sample((0.5, g.T((3, 4))), id="scalar_transposed"),
    ]


def clamp_samples(g: Gen):
    c = "clamp"
    return [
        Sample((g.t((3, 4), c),), {"min": -0.5}, id="min"),
        Sample((g.t((3, 4), c),), {"max": 0.5}, id="max"),
        Sample((g.t((3, 4), c),), {"min": -0.5, "max": 0.5}, id="both"),
        Sample((g.t((3, 4), c),), {"min": 0.5, "max": -0.5}, id="min_gt_max"),
        Sample((g.t((3, 4), "nonzero"),), {"min": 0}, id="int_bound"),
        Sample((g.t((), c),), {"min": -0.5, "max": 0.5}, id="0d"),
        Sample((g.T((3, 4), c),), {"min": -0.5, "max": 0.5}, id="transposed"),
        Sample((g.strided((2, 3), c),), {"max": 0.5}, id="strided"),
        Sample((g.t((0, 3), c),), {"min": -0.5}, id="0size"),
        Sample((g.ints((3, 4)),), {"min": -1, "max": 2}, id="int32"),
    ]


def _np_clamp(x, min=None, max=None):
    r = x
    if min is not None:
        r = np.maximum(r, min)
    if max is not None:
        r = np.minimum(r, max)
    return np.asarray(r)


def view_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), (12,)), id="flatten"),
        Sample((t((3, 4)), (2, -1)), id="infer"),
        Sample((t((2, 3, 2)), (6, 2)), id="merge"),
        Sample((t((3, 4)), (3, 1, 4)), id="insert1"),
        Sample((t(()), (1,)), id="0d_to_1"),
        Sample((t((1,)), ()), id="1_to_0d"),
        Sample((t((1, 1)), (-1,)), id="ones_infer"),
        Sample((g.T((6, 4)), (2, 3, 4)), id="noncontig_split_dim"),
        Sample((g.strided((3, 4), dim=0), (3, 2, 2)), id="strided_split_dim"),
        Sample((t((0, 3)), (3, 0)), id="0size"),
        Sample((t((0, 3)), (-1,)), id="0size_infer"),
    ]


def view_errors(g: Gen):
    return [
        ErrorSample((g.T((3, 4)), (12,)), exc=RuntimeError, id="noncontig_flatten"),
        ErrorSample((g.t((3, 4)), (5, -1)), exc=RuntimeError, id="bad_numel"),
        ErrorSample((g.t((3, 4)), (-1, -1)), exc=RuntimeError, id="two_infer"),
    ]


def reshape_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), (12,)), id="flatten"),
        Sample((t((3, 4)), (2, -1)), id="infer"),
        Sample((t((2, 3, 2)), (3, 4)), id="regroup"),
        Sample((t(()), (1, 1)), id="0d"),
        Sample((t((1,)), ()), id="to_0d"),
        Sample((g.T((3, 4)), (12,)), id="transposed_copy"),
        Sample((g.T((6, 4)), (2, 3, 4)), id="transposed_view"),
        Sample((g.strided((2, 3)), (-1,)), id="strided_view"),
        Sample((g.strided((3, 4), dim=0), (-1,)), id="strided_copy"),
        Sample((t((0, 3)), (3, 0, 1)), id="0size"),
    ]


def expand_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 1)), (3, 4)), id="2d"),
        Sample((t((3,)), (2, 3)), id="new_leading"),
        Sample((t((3, 1)), (2, -1, 4)), id="keep_minus1"),
        Sample((t(()), (2, 2)), id="0d"),
        Sample((t((1,)), (1,)), id="same"),
        Sample((g.T((1, 3)), (2, 4, 3)), id="transposed"),
        Sample((g.strided((1, 3)), (4, 3)), id="strided"),
        Sample((t((1, 3)), (0, 3)), id="to_0size"),
        Sample((t((0, 1)), (0, 2)), id="0size"),
    ]


def expand_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 2)), (3, 4)), exc=RuntimeError, id="non_singleton"),
        ErrorSample((g.t((3, 1)), (3,)), exc=RuntimeError, id="fewer_dims"),
    ]


def transpose_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 0, 1), id="2d"),
        Sample((t((2, 3, 4)), 0, 2), id="3d_outer"),
        Sample((t((2, 3, 4)), -1, -2), id="neg_dims"),
        Sample((t((2, 3, 4)), 1, 1), id="same_dim"),
        Sample((t((3,)), 0, -1), id="1d"),
        Sample((t(()), 0, -1), id="0d"),
        Sample((g.T((3, 4)), 0, 1), id="transposed"),
        Sample((g.strided((2, 3, 2), dim=1), 0, 1), id="strided"),
        Sample((t((0, 3)), 0, 1), id="0size"),
    ]


def t_samples(g: Gen):
    return [
        Sample((g.t((3, 4)),), id="2d"),
        Sample((g.t((4,)),), id="1d"),
        Sample((g.t(()),), id="0d"),
        Sample((g.T((3, 4)),), id="transposed"),
        Sample((g.strided((2, 3)),), id="strided"),
        Sample((g.t((0, 3)),), id="0size"),
    ]


def unsqueeze_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 0), id="front"),
        Sample((t((3, 4)), 1), id="middle"),
        Sample((t((3, 4)), 2), id="end"),
        Sample((t((3, 4)), -1), id="neg_end"),
        Sample((t((3, 4)), -3), id="neg_front"),
        Sample((t(()), 0), id="0d"),
        Sample((t(()), -1), id="0d_neg"),
        Sample((g.T((3, 4)), 1), id="transposed"),
        Sample((g.strided((2, 3)), 2), id="strided"),
        Sample((t((0, 3)), 1), id="0size"),
    ]


def squeeze_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 1, 4, 1)),), id="all"),
        Sample((t((3, 1, 4)), 1), id="dim"),
        Sample((t((3, 1, 4)), -2), id="neg_dim"),
        Sample((t((3, 1, 4)), 0), id="not_size1_noop"),
        Sample((t((1, 1)),), id="to_0d"),
        Sample((t(()),), id="0d"),
        Sample((t(()), 0), id="0d_dim0"),
        Sample((TIn(g.values((1, 4, 3)), _swap(1, 2)), 0), id="transposed"),
        Sample((TIn(g.values((3, 1, 4)), _every_other(2)),), id="strided"),
        Sample((t((0, 1, 3)),), id="0size"),
        Sample((t((1, 3, 1)), (0, 2)), id="dims_tuple"),
        Sample((t((1, 3, 1)), (0, -3 + 1)), id="dims_tuple_partial"),  # dim 1 has size 3: kept
        Sample((t((1, 3, 1)), ()), id="dims_empty"),
        Sample((TIn(g.values((1, 4, 3)), _swap(1, 2)), (0, 2)), id="dims_transposed"),
        Sample((t(()), (0,)), id="0d_dims"),
    ]


def select_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 0, 1), id="row"),
        Sample((t((3, 4)), 1, -1), id="col_neg_index"),
        Sample((t((2, 3, 4)), -2, 2), id="neg_dim"),
        Sample((t((4,)), 0, 3), id="1d_to_0d"),
        Sample((g.T((3, 4)), 1, 2), id="transposed"),
        Sample((g.strided((2, 3)), 1, 1), id="strided"),
        Sample((t((0, 3)), 1, 0), id="0size"),
    ]


def select_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 4)), 0, 3), exc=IndexError, id="index_out_of_range"),
        ErrorSample((g.t((3, 4)), 2, 0), exc=IndexError, id="dim_out_of_range"),
        ErrorSample((g.t(()), 0, 0), exc=IndexError, id="0d"),
    ]


def getitem_samples(g: Gen):
    t = g.t
    s = slice
    return [
        Sample((t((3, 4)), 1), id="int"),
        Sample((t((3, 4)), -1), id="neg_int"),
        Sample((t((3, 4)), (1, 2)), id="int_int_to_0d"),
        Sample((t((3, 4)), (s(None), s(1, 3))), id="slice"),
        Sample((t((5, 4)), s(None, None, 2)), id="step"),
        Sample((t((5, 4)), (s(1, None, 3), s(None, None, 2))), id="steps_2d"),
        Sample((t((3, 4)), s(1, 100)), id="slice_past_end"),
        Sample((t((3, 4)), s(-2, None)), id="neg_start"),
        Sample((t((3, 4)), s(2, 1)), id="empty_slice"),
        Sample((t((2, 3, 4)), (Ellipsis, 1)), id="ellipsis"),
        Sample((t((2, 3, 4)), (1, Ellipsis, s(0, 2))), id="int_ellipsis_slice"),
        Sample((t((3, 4)), None), id="none"),
        Sample((t((3, 4)), (None, s(None), None, 0)), id="none_mixed"),
        Sample((t(()), ()), id="0d_empty_tuple"),
        Sample((t(()), Ellipsis), id="0d_ellipsis"),
        Sample((t(()), None), id="0d_none"),
        Sample((g.T((3, 4)), (s(None), 1)), id="transposed_col"),
        Sample((g.strided((4, 3), dim=0), s(1, None, 2)), id="strided_step"),
        Sample((t((0, 3)), (s(None), 1)), id="0size"),
    ]


def getitem_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 4)), 3), exc=IndexError, id="index_out_of_range"),
        ErrorSample((g.t((3, 4)), (0, 0, 0)), exc=IndexError, id="too_many_indices"),
        ErrorSample((g.t((3, 4)), slice(None, None, -1)), exc=ValueError, id="negative_step"),
    ]


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


def mse_samples(g: Gen):
    out = []
    for r in ("mean", "sum", "none"):
        out.append(Sample((g.t((3, 4)), g.t((3, 4))), {"reduction": r}, id=f"{r}"))
    out += [
        Sample((g.t((3, 4)), g.t((3, 4))), id="default"),
        Sample((g.t(()), g.t(())), id="0d"),
        Sample((g.T((3, 4)), g.strided((3, 4))), {"reduction": "none"}, id="noncontig_none"),
        Sample((g.T((3, 4)), g.strided((3, 4))), {"reduction": "mean"}, id="noncontig_mean"),
        Sample((g.t((0, 3)), g.t((0, 3))), {"reduction": "mean"}, id="0size_mean"),
        Sample((g.t((0, 3)), g.t((0, 3))), {"reduction": "sum"}, id="0size_sum"),
        Sample((g.t((3, 4)), g.t((3, 4), requires_grad=False)), id="target_no_grad"),
    ]
    return out


def bce_samples(g: Gen):
    p = "prob"
    out = []
    for r in ("mean", "sum", "none"):
        out.append(Sample((g.t((3, 4)), g.t((3, 4), p)), {"reduction": r}, id=r))
    nog = dict(requires_grad=False)
    out += [
        Sample((g.t((3, 4)), g.t((3, 4), p)), {"weight": g.t((3, 4), "pos", **nog)}, id="weight"),
        Sample(
            (g.t((3, 4)), g.t((3, 4), p)),
            {"weight": g.t((4,), "pos", **nog), "reduction": "sum"},
            id="weight_bcast",
        ),
        Sample((g.t((3, 4)), g.t((3, 4), p)), {"pos_weight": g.t((4,), "pos", **nog)}, id="pos_weight"),
        Sample(
            (g.t((3, 4)), g.t((3, 4), p)),
            {"weight": g.t((3, 1), "pos", **nog), "pos_weight": g.t((4,), "pos", **nog), "reduction": "none"},
            id="weight_pos_weight_none",
        ),
        Sample((g.t(()), g.t((), p)), id="0d"),
        Sample((g.T((3, 4)), g.strided((3, 4), p)), {"reduction": "none"}, id="noncontig"),
        Sample(
            (TIn(np.array([-60.0, -20.0, 20.0, 60.0])), TIn(np.array([0.0, 1.0, 0.25, 1.0]))),
            {"reduction": "none"},
            id="large_logits",
        ),
        Sample((g.t((0, 3)), g.t((0, 3), p)), {"reduction": "sum"}, id="0size_sum"),
        Sample((g.t((3, 4)), g.t((3, 4), p, requires_grad=False)), id="target_no_grad"),
    ]
    return out


def bce_errors(g: Gen):
    return [
        ErrorSample(
            (g.t((3, 4)), g.t((3, 5))),
            exc=ValueError,
            match="must be the same as input size",
            id="target_size",
        ),
    ]


def binary_errors(g: Gen):
    return [
        ErrorSample(
            (g.t((3, 4)), g.t((3, 5))), exc=RuntimeError, match="must match the size", id="not_broadcastable"
        ),
    ]


# --------------------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------------------

F = "F."  # prefix for fastgrad.nn.functional names in `api`

OPS: list = []


def _add(*args, **kwargs):
    OPS.append(OpInfo(*args, **kwargs))


# ---- elementwise binary ----
_add(
    "add",
    op=lambda m, a, b, **kw: m.add(a, b, **kw),
    ref=lambda a, b, alpha=1: np.asarray(a + alpha * b),
    differentiable=True,
    sample_fn=lambda g: (
        binary_samples()(g)
        + [
            Sample((g.t((3, 4)), g.t((3, 1))), {"alpha": 2}, id="alpha"),
            Sample((g.t((3, 4)), 1.5), {"alpha": -0.5}, id="alpha_scalar"),
        ]
    ),
    api=("fastgrad.add", "Tensor.add", "Tensor.__add__"),
    forms=(
        Form("a + b", lambda m, a, b, **kw: a + b, lambda s: not s.kwargs),
        Form("a.add(b)", lambda m, a, b, **kw: a.add(b, **kw)),
    ),
    error_fn=binary_errors,
)
_add(
    "sub",
    op=lambda m, a, b, **kw: m.sub(a, b, **kw),
    ref=lambda a, b, alpha=1: np.asarray(a - alpha * b),
    differentiable=True,
    sample_fn=lambda g: binary_samples()(g) + [Sample((g.t((3, 4)), g.t((4,))), {"alpha": 3}, id="alpha")],
    api=("fastgrad.sub", "Tensor.sub", "Tensor.__sub__"),
    forms=(
        Form("a - b", lambda m, a, b, **kw: a - b, lambda s: not s.kwargs),
        Form("a.sub(b)", lambda m, a, b, **kw: a.sub(b, **kw)),
    ),
    error_fn=binary_errors,
)
_add(
    "mul",
    op=lambda m, a, b: m.mul(a, b),
    ref=lambda a, b: np.asarray(a * b),
    differentiable=True,
    sample_fn=binary_samples(),
    api=("fastgrad.mul", "Tensor.mul", "Tensor.__mul__"),
    forms=(Form("a * b", lambda m, a, b: a * b), Form("a.mul(b)", lambda m, a, b: a.mul(b))),
    error_fn=binary_errors,
)
_add(
    "div",
    op=lambda m, a, b: m.div(a, b),
    ref=lambda a, b: np.asarray(a / b),
    differentiable=True,
    sample_fn=binary_samples(db="nonzero", scalars=(2.5, 3)),
    api=("fastgrad.div", "Tensor.div", "Tensor.__truediv__"),
    forms=(Form("a / b", lambda m, a, b: a / b), Form("a.div(b)", lambda m, a, b: a.div(b))),
    error_fn=binary_errors,
)
_add(
    "pow",
    op=lambda m, a, b: m.pow(a, b),
    ref=lambda a, b: np.asarray(np.power(a, b)),
    differentiable=True,
    sample_fn=pow_samples,
    api=("fastgrad.pow", "Tensor.pow", "Tensor.__pow__", "Tensor.__rpow__"),
    forms=(
        Form("a ** b", lambda m, a, b: a**b),
        Form("a.pow(b)", lambda m, a, b: a.pow(b), lambda s: isinstance(s.args[0], TIn)),
    ),
)

# ---- reflected scalar forms: scalar (+) tensor ----
_add(
    "radd",
    op=lambda m, s, x: s + x,
    ref=lambda s, x: np.asarray(s + x),
    differentiable=True,
    sample_fn=reflected_samples(),
    api=("Tensor.__radd__",),
)
_add(
    "rsub",
    op=lambda m, s, x: s - x,
    ref=lambda s, x: np.asarray(s - x),
    differentiable=True,
    sample_fn=reflected_samples(),
    api=("Tensor.__rsub__",),
)
_add(
    "rmul",
    op=lambda m, s, x: s * x,
    ref=lambda s, x: np.asarray(s * x),
    differentiable=True,
    sample_fn=reflected_samples(),
    api=("Tensor.__rmul__",),
)
_add(
    "rdiv",
    op=lambda m, s, x: s / x,
    ref=lambda s, x: np.asarray(s / x),
    differentiable=True,
    sample_fn=reflected_samples("nonzero"),
    api=("Tensor.__rtruediv__",),
)
_add(
    "rpow",
    op=lambda m, s, x: s**x,
    ref=lambda s, x: np.asarray(np.power(s, x)),
    differentiable=True,
    sample_fn=reflected_samples(scalars=(2.5, 2)),
    api=("Tensor.__rpow__",),
)

# ---- elementwise unary ----
_add(
    "neg",
    op=lambda m, x: m.neg(x),
    ref=lambda x: np.asarray(-x),
    differentiable=True,
    sample_fn=unary_samples(),
    api=("fastgrad.neg", "Tensor.neg", "Tensor.__neg__"),
    forms=(Form("-x", lambda m, x: -x), Form("x.neg()", lambda m, x: x.neg())),
)


def _unary(name, ref, domain="real", extra_api=(), functional=False, extreme=None, extreme_grad=True):
    forms = [Form(f"x.{name}()", lambda m, x: getattr(x, name)())]
    if functional:
        forms.append(Form(f"F.{name}(x)", lambda m, x: getattr(m.nn.functional, name)(x)))
    _add(
        name,
        op=lambda m, x: getattr(m, name)(x),
        ref=ref,
        differentiable=True,
        sample_fn=unary_samples(domain, extreme, extreme_grad),
        api=(f"fastgrad.{name}", f"Tensor.{name}") + tuple(extra_api),
        forms=tuple(forms),
    )


_unary("exp", lambda x: np.asarray(np.exp(x)), extreme=[-80.0, -30.0, 30.0, 80.0])
_unary("log", lambda x: np.asarray(np.log(x)), "pos", extreme=[1e-30, 1e-5, 1e5, 1e30], extreme_grad=False)
_unary("sin", lambda x: np.asarray(np.sin(x)))
_unary("cos", lambda x: np.asarray(np.cos(x)))
_unary("sqrt", lambda x: np.asarray(np.sqrt(x)), "pos")
_unary("reciprocal", lambda x: np.asarray(1.0 / x), "nonzero")
_unary("relu", lambda x: np.asarray(np.maximum(x, 0.0)), "nonzero", (F + "relu",), functional=True)
_unary(
    "sigmoid",
    lambda x: np.asarray(_sigmoid(x)),
    "real",
    (F + "sigmoid",),
    functional=True,
    extreme=[-100.0, -30.0, 30.0, 100.0],
)
_unary(
    "tanh",
    lambda x: np.asarray(np.tanh(x)),
    "real",
    (F + "tanh",),
    functional=True,
    extreme=[-100.0, -20.0, 20.0, 100.0],
)

_add(
    "clamp",
    op=lambda m, x, **kw: m.clamp(x, **kw),
    ref=_np_clamp,
    differentiable=True,
    sample_fn=clamp_samples,
    api=("fastgrad.clamp", "Tensor.clamp"),
    forms=(Form("x.clamp(...)", lambda m, x, **kw: x.clamp(**kw)),),
)
_add(
    "clip",
    op=lambda m, x, **kw: m.clip(x, **kw),
    ref=_np_clamp,
    differentiable=True,
    sample_fn=lambda g: [s for s in clamp_samples(g) if s.id in ("both", "min", "0d", "transposed", "0size")],
    api=("fastgrad.clip", "Tensor.clip"),
    forms=(Form("x.clip(...)", lambda m, x, **kw: x.clip(**kw)),),
)

# ---- reductions ----
_add(
    "sum",
    op=lambda m, x, **kw: m.sum(x, **kw),
    ref=_np_sum,
    differentiable=True,
    sample_fn=reduce_samples(with_int=True),
    api=("fastgrad.sum", "Tensor.sum"),
    forms=(Form("x.sum(...)", lambda m, x, **kw: x.sum(**kw)),),
    error_fn=reduce_errors,
)
_add(
    "mean",
    op=lambda m, x, **kw: m.mean(x, **kw),
    ref=_np_mean,
    differentiable=True,
    sample_fn=reduce_samples(),
    api=("fastgrad.mean", "Tensor.mean"),
    forms=(Form("x.mean(...)", lambda m, x, **kw: x.mean(**kw)),),
    error_fn=lambda g: (
        reduce_errors(g) + [ErrorSample((g.ints((3, 4)),), exc=RuntimeError, match="mean", id="int_input")]
    ),
)
_add(
    "norm",
    op=lambda m, x, **kw: m.norm(x, **kw),
    ref=_np_norm,
    differentiable=True,
    sample_fn=norm_samples,
    api=("fastgrad.norm", "Tensor.norm"),
    forms=(Form("x.norm(...)", lambda m, x, **kw: x.norm(**kw)),),
)

# ---- comparisons ----
for _name, _np_fn, _py in (
    ("eq", np.equal, "=="),
    ("ne", np.not_equal, "!="),
    ("lt", np.less, "<"),
    ("le", np.less_equal, "<="),
    ("gt", np.greater, ">"),
    ("ge", np.greater_equal, ">="),
):
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=False,
        sample_fn=compare_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.__{_name}__"),
        forms=(
            Form(f"a {_py} b", (lambda n: lambda m, a, b: getattr(operator, n)(a, b))(_name)),
            Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name)),
        ),
        error_fn=binary_errors,
    )

# ---- linear algebra ----
_add(
    "matmul",
    op=lambda m, a, b: m.matmul(a, b),
    ref=lambda a, b: np.asarray(np.matmul(a, b)),
    differentiable=True,
    sample_fn=matmul_samples,
    api=("fastgrad.matmul", "Tensor.matmul", "Tensor.__matmul__"),
    forms=(Form("a @ b", lambda m, a, b: a @ b), Form("a.matmul(b)", lambda m, a, b: a.matmul(b))),
    error_fn=matmul_errors,
)
_add(
    "mm",
    op=lambda m, a, b: m.mm(a, b),
    ref=lambda a, b: np.asarray(a @ b),
    differentiable=True,
    sample_fn=lambda g: [s for s in matmul_samples(g) if s.args[0].ndim == 2 and s.args[1].ndim == 2],
    api=("fastgrad.mm", "Tensor.mm"),
    forms=(Form("a.mm(b)", lambda m, a, b: a.mm(b)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), g.t((3, 4))), exc=RuntimeError, id="mismatch"),
        ErrorSample((g.t((3, 4)), g.t((4,))), exc=RuntimeError, id="1d"),
    ],
)
_add(
    "mv",
    op=lambda m, a, b: m.mv(a, b),
    ref=lambda a, b: np.asarray(a @ b),
    differentiable=True,
    sample_fn=lambda g: (
        [s for s in matmul_samples(g) if s.args[0].ndim == 2 and s.args[1].ndim == 1]
        + [
            Sample((g.T((3, 4)), g.strided((4,))), id="noncontig"),
            Sample((g.t((0, 4)), g.t((4,))), id="0size_rows"),
            Sample((g.t((3, 0)), g.t((0,))), id="0size_inner"),
        ]
    ),
    api=("fastgrad.mv", "Tensor.mv"),
    forms=(Form("a.mv(b)", lambda m, a, b: a.mv(b)),),
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), g.t((3,))), exc=RuntimeError, id="mismatch")],
)
_add(
    "dot",
    op=lambda m, a, b: m.dot(a, b),
    ref=lambda a, b: np.asarray(np.dot(a, b)),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((5,)), g.t((5,))), id="1d"),
        Sample((g.strided((4,)), g.t((4,))), id="strided"),
        Sample((g.t((1,)), g.t((1,))), id="single"),
        Sample((g.t((0,)), g.t((0,))), id="0size"),
    ],
    api=("fastgrad.dot", "Tensor.dot"),
    forms=(Form("a.dot(b)", lambda m, a, b: a.dot(b)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)), g.t((4,))), exc=RuntimeError, id="mismatch"),
        ErrorSample((g.t((3, 1)), g.t((3,))), exc=RuntimeError, id="2d"),
    ],
)
_add(
    "t",
    op=lambda m, x: m.t(x),
    ref=_np_t,
    differentiable=True,
    sample_fn=t_samples,
    api=("fastgrad.t", "Tensor.t", "Tensor.T"),
    forms=(Form("x.t()", lambda m, x: x.t()), Form("x.T", lambda m, x: x.T, _ndim_is(2))),
    view_op=True,
    error_fn=lambda g: [ErrorSample((g.t((2, 3, 4)),), exc=RuntimeError, id="3d")],
)

# ---- shape and views ----
_add(
    "view",
    op=lambda m, x, shape: x.view(shape),
    ref=lambda x, shape: x.reshape(shape),
    differentiable=True,
    sample_fn=view_samples,
    api=("Tensor.view",),
    forms=(Form("x.view(*shape)", lambda m, x, shape: x.view(*shape), lambda s: s.args[1]),),
    view_op=True,
    error_fn=view_errors,
)
_add(
    "reshape",
    op=lambda m, x, shape: m.reshape(x, shape),
    ref=lambda x, shape: x.reshape(shape),
    differentiable=True,
    sample_fn=reshape_samples,
    api=("fastgrad.reshape", "Tensor.reshape"),
    forms=(
        # x.reshape() with no sizes is a TypeError in PyTorch: the spread form needs at least one size.
        Form("x.reshape(*shape)", lambda m, x, shape: x.reshape(*shape), lambda s: len(s.args[1]) > 0),
        Form("x.reshape(tuple)", lambda m, x, shape: x.reshape(shape)),
    ),
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), (5, -1)), exc=RuntimeError, id="bad_numel")],
)
_add(
    "expand",
    op=lambda m, x, shape: x.expand(*shape),
    ref=_np_expand,
    differentiable=True,
    sample_fn=expand_samples,
    api=("Tensor.expand",),
    forms=(Form("x.expand(tuple)", lambda m, x, shape: x.expand(shape)),),
    view_op=True,
    error_fn=expand_errors,
)
_add(
    "transpose",
    op=lambda m, x, a, b: m.transpose(x, a, b),
    ref=lambda x, a, b: np.swapaxes(x, a, b) if x.ndim else x,
    differentiable=True,
    sample_fn=transpose_samples,
    api=("fastgrad.transpose", "Tensor.transpose"),
    forms=(Form("x.transpose(a, b)", lambda m, x, a, b: x.transpose(a, b)),),
    view_op=True,
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), 0, 2), exc=IndexError, id="dim_out_of_range")],
)
_add(
    "unsqueeze",
    op=lambda m, x, d: m.unsqueeze(x, d),
    ref=lambda x, d: np.expand_dims(x, d),
    differentiable=True,
    sample_fn=unsqueeze_samples,
    api=("fastgrad.unsqueeze", "Tensor.unsqueeze"),
    forms=(Form("x.unsqueeze(d)", lambda m, x, d: x.unsqueeze(d)),),
    view_op=True,
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), 3), exc=IndexError, id="dim_out_of_range")],
)
_add(
    "squeeze",
    op=lambda m, x, *d: m.squeeze(x, *d),
    ref=_np_squeeze,
    differentiable=True,
    sample_fn=squeeze_samples,
    api=("fastgrad.squeeze", "Tensor.squeeze"),
    forms=(
        Form("x.squeeze(...)", lambda m, x, *d: x.squeeze(*d)),
        Form("squeeze(x, dim=...)", lambda m, x, *d: m.squeeze(x, dim=d[0]), lambda smp: len(smp.args) > 1),
    ),
    view_op=True,
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), 2), exc=IndexError, id="dim_out_of_range"),
        ErrorSample((g.t((1, 4)), (0, 0)), exc=RuntimeError, match="appears multiple times", id="dims_repeated"),
        ErrorSample((g.t((1, 4)), (0, 5)), exc=IndexError, match="Dimension out of range", id="dims_out_of_range"),
    ],
)
# In place on a non-leaf (x * 1): SqueezeBackward3/4/5 for no dim, one dim, a tuple of dims.
_add(
    "squeeze_",
    op=lambda m, x, *d: (x * 1).squeeze_(*d),
    ref=_np_squeeze,
    differentiable=True,
    sample_fn=squeeze_samples,
    api=("Tensor.squeeze_",),
    error_fn=lambda g: [
        ErrorSample((g.t((1, 4)), (0, 0)), exc=RuntimeError, match="appears multiple times", id="dims_repeated"),
    ],
)
_add(
    "select",
    op=lambda m, x, d, i: m.select(x, d, i),
    ref=_np_select,
    differentiable=True,
    sample_fn=select_samples,
    api=("fastgrad.select", "Tensor.select"),
    forms=(Form("x.select(d, i)", lambda m, x, d, i: x.select(d, i)),),
    view_op=True,
    error_fn=select_errors,
)
_add(
    "getitem",
    op=lambda m, x, idx: x[idx],
    ref=lambda x, idx: np.asarray(x[idx]),
    differentiable=True,
    sample_fn=getitem_samples,
    api=("Tensor.__getitem__",),
    view_op=True,
    error_fn=getitem_errors,
)

# ---- copies and conversions ----
_add(
    "clone",
    op=lambda m, x: m.clone(x),
    ref=lambda x: x.copy(),
    differentiable=True,
    sample_fn=unary_samples(),
    api=("fastgrad.clone", "Tensor.clone"),
    forms=(Form("x.clone()", lambda m, x: x.clone()),),
)
_add(
    "contiguous",
    op=lambda m, x: x.contiguous(),
    ref=lambda x: x.copy(),
    differentiable=True,
    sample_fn=unary_samples(),
    api=("Tensor.contiguous",),
)
_add(
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

# ---- nn.functional ----
_add(
    "mse_loss",
    op=lambda m, a, b, **kw: m.nn.functional.mse_loss(a, b, **kw),
    ref=_np_mse,
    differentiable=True,
    sample_fn=mse_samples,
    api=(F + "mse_loss",),
)
_add(
    "binary_cross_entropy_with_logits",
    op=lambda m, x, y, **kw: m.nn.functional.binary_cross_entropy_with_logits(x, y, **kw),
    ref=_np_bce_logits,
    differentiable=True,
    sample_fn=bce_samples,
    api=(F + "binary_cross_entropy_with_logits",),
    error_fn=bce_errors,
)

# ---- elementwise ops of issue 3 (unary, binary, ternary, comparisons, predicates) ----


def _vectorize(f):
    """A NumPy reference from a math function (NumPy has no erf)."""

    def ref(x):
        return np.asarray(np.vectorize(f, otypes=[np.float64])(x))

    return ref


def _tensor_pairs(da="real", db="real"):
    """binary_samples without the Python-scalar samples (for ops that take tensors only)."""

    def make(g: Gen):
        return [s for s in binary_samples(da, db)(g) if all(isinstance(a, TIn) for a in s.args)]

    return make


def _no_grad(make):
    """The same samples with inputs that do not require grad (ops without a derivative in PyTorch, whose
    NotImplemented Node would make backward raise)."""

    def wrapped(g: Gen):
        out = make(g)
        for smp in out:
            for t in smp.tensors():
                t.requires_grad = False
        return out

    return wrapped


def _int_samples(g: Gen, with_scalar=None):
    """Integer and bool tensors: 2-d, 0-d, transposed, 0-size, broadcast, and a Python scalar."""
    out = [
        Sample((g.ints((3, 4)), g.ints((3, 4))), id="int32"),
        Sample((g.ints((3, 1), np.int64), g.ints((4,), np.int64)), id="int64_bcast"),
        Sample((TIn(np.array(5, dtype=np.int32), None, False), g.ints((3,))), id="0d"),
        Sample((TIn(g.ints((4, 3)).base, _swap(0, 1), False), g.ints((3, 4))), id="transposed"),
        Sample((g.ints((0, 3)), g.ints((3,))), id="0size"),
        Sample((g.bools((5,)), g.bools((5,))), id="bool_bool"),
        Sample((g.ints((3, 4)), g.bools((3, 4))), id="int_bool"),
    ]
    if with_scalar is not None:
        out.append(Sample((g.ints((3, 4)), with_scalar), id="scalar"))
    return out


def _unary_int_samples(g: Gen):
    return [
        Sample((g.ints((3, 4)),), id="int32"),
        Sample((g.ints((5,), np.int64),), id="int64"),
        Sample((TIn(np.array(-3, dtype=np.int64), None, False),), id="int_0d"),
        Sample((TIn(g.ints((4, 3)).base, _swap(0, 1), False),), id="int_transposed"),
        Sample((g.ints((0, 3)),), id="int_0size"),
        Sample((g.bools((6,)),), id="bool"),
    ]


def _special_values():
    return TIn(np.array([0.5, -1.5, np.nan, np.inf, -np.inf, 0.0, -0.0]), None, False)


_INPLACE_FUNCTIONS = {  # the `_` forms that PyTorch also has as torch.X_ functions (sign_ is a method only)
    "neg", "abs", "exp", "exp2", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "square",
    "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
    "atanh", "sigmoid", "logit", "relu", "erf", "erfc", "floor", "ceil", "round", "trunc", "frac",
    "nan_to_num", "fix", "negative", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh",
}


def _inplace_forms(name, aliases=()):
    """The in-place spellings of a unary op, run on a copy of the input (a leaf cannot be written in place)."""
    forms, api = [], [f"Tensor.{name}_"]
    for n in (name,) + tuple(aliases):
        forms.append(Form(f"x.{n}_()", (lambda k: lambda m, x, **kw: getattr(x.clone(), k + "_")(**kw))(n)))
        if n in _INPLACE_FUNCTIONS:
            forms.append(Form(f"{n}_(x)", (lambda k: lambda m, x, **kw: getattr(m, k + "_")(x.clone(), **kw))(n)))
            api.append(f"fastgrad.{n}_")
    return forms, api


def _unary_op(name, ref, domain="real", aliases=(), extreme=None, extreme_grad=True, gradgrad=True,
              differentiable=True, inplace=True, extra_samples=None):
    """A unary op with its method form, its aliases (fastgrad.X and Tensor.X) and its in-place forms."""
    forms = [Form(f"x.{name}()", lambda m, x, **kw: getattr(x, name)(**kw))]
    api = [f"fastgrad.{name}", f"Tensor.{name}"]
    for a in aliases:
        forms.append(Form(f"{a}(x)", (lambda k: lambda m, x, **kw: getattr(m, k)(x, **kw))(a)))
        api += [f"fastgrad.{a}", f"Tensor.{a}"]
    if inplace:
        f_forms, f_api = _inplace_forms(name, aliases)
        forms += f_forms
        api += f_api
    base = unary_samples(domain, extreme, extreme_grad)
    _add(
        name,
        op=lambda m, x, **kw: getattr(m, name)(x, **kw),
        ref=ref,
        differentiable=differentiable,
        sample_fn=base if extra_samples is None else (lambda g: base(g) + extra_samples(g)),
        api=tuple(api),
        forms=tuple(forms),
        gradgrad=gradgrad,
    )


_erf = _vectorize(math.erf)
_erfc = _vectorize(math.erfc)
_unary_op("exp2", lambda x: np.asarray(np.exp2(x)))
_unary_op("expm1", lambda x: np.asarray(np.expm1(x)), extreme=[-50.0, -1e-8, 1e-8, 50.0])
_unary_op("log1p", lambda x: np.asarray(np.log1p(x)), "unit")
_unary_op("log2", lambda x: np.asarray(np.log2(x)), "pos")
_unary_op("log10", lambda x: np.asarray(np.log10(x)), "pos")
_unary_op("rsqrt", lambda x: np.asarray(1.0 / np.sqrt(x)), "pos")
_unary_op("tan", lambda x: np.asarray(np.tan(x)), "unit")
_unary_op("asin", lambda x: np.asarray(np.arcsin(x)), "unit", aliases=("arcsin",))
_unary_op("acos", lambda x: np.asarray(np.arccos(x)), "unit", aliases=("arccos",))
_unary_op("atan", lambda x: np.asarray(np.arctan(x)), aliases=("arctan",))
_unary_op("sinh", lambda x: np.asarray(np.sinh(x)))
_unary_op("cosh", lambda x: np.asarray(np.cosh(x)))
_unary_op("asinh", lambda x: np.asarray(np.arcsinh(x)), aliases=("arcsinh",))
_unary_op("acosh", lambda x: np.asarray(np.arccosh(x)), "above1", aliases=("arccosh",))
_unary_op("atanh", lambda x: np.asarray(np.arctanh(x)), "unit", aliases=("arctanh",))
_unary_op("erf", _erf, extreme=[-10.0, -5.0, 5.0, 10.0])
_unary_op("erfc", _erfc, extreme=[-10.0, -5.0, 5.0, 10.0])
_unary_op("abs", lambda x: np.asarray(np.abs(x)), "nonzero", aliases=("absolute",),
          extra_samples=lambda g: [Sample((g.ints((3, 4)),), id="int32")])
_unary_op("sign", lambda x: np.asarray(x if x.dtype == np.bool_ else np.sign(x)), "nonzero", gradgrad=False,
          extra_samples=lambda g: [Sample((g.ints((3, 4)),), id="int32"), Sample((g.bools((5,)),), id="bool")])
_unary_op("square", lambda x: np.asarray(x * x),
          extra_samples=lambda g: [Sample((g.ints((3, 4)),), id="int32")])
_unary_op("floor", lambda x: np.asarray(np.floor(x)), gradgrad=False,
          extra_samples=lambda g: [Sample((g.ints((3, 4)),), id="int32")])
_unary_op("ceil", lambda x: np.asarray(np.ceil(x)), gradgrad=False)
_unary_op("trunc", lambda x: np.asarray(np.trunc(x)), aliases=("fix",), gradgrad=False)
_unary_op("frac", lambda x: np.asarray(x - np.trunc(x)), gradgrad=False)
_unary_op(
    "round",
    lambda x, decimals=0: np.asarray(np.round(x, decimals)),
    gradgrad=False,
    extra_samples=lambda g: [
        Sample((TIn(np.array([0.5, 1.5, 2.5, -0.5, -2.5, 3.25])),), id="half_even", grad=False),
        Sample((g.t((3, 4)),), {"decimals": 2}, id="decimals"),
        Sample((g.T((3, 4)),), {"decimals": -1}, id="neg_decimals"),
        Sample((g.ints((3, 4)),), id="int32"),
    ],
)
_unary_op(
    "logit",
    lambda x, eps=None: np.asarray(np.log(np.clip(x, eps, 1 - eps) / (1 - np.clip(x, eps, 1 - eps)))
                                   if eps is not None else np.log(x / (1 - x))),
    "prob",
    extra_samples=lambda g: [Sample((g.t((3, 4), "prob"),), {"eps": 0.2}, id="eps")],
)
_unary_op(
    "nan_to_num",
    lambda x, nan=0.0, posinf=None, neginf=None: np.asarray(np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)),
    extra_samples=lambda g: [
        Sample((_special_values(),), id="special"),
        Sample((_special_values(),), {"nan": 1.5, "posinf": 9.0, "neginf": -9.0}, id="replacements"),
        Sample((g.ints((3, 4)),), id="int32"),
    ],
)

def _fits_first_input(smp):
    """An in-place form applies when the result has the shape of the tensor written to."""
    return np.broadcast_shapes(*(t.shape for t in smp.tensors())) == smp.args[0].shape


# The in-place forms and aliases of the unary ops already in the table.
for _op in OPS:
    if _op.name in ("exp", "log", "sin", "cos", "sqrt", "reciprocal", "relu", "sigmoid", "tanh", "neg"):
        _f, _a = _inplace_forms(_op.name, ("negative",) if _op.name == "neg" else ())
        if _op.name == "neg":
            _f.append(Form("negative(x)", lambda m, x: m.negative(x)))
            _a += ["fastgrad.negative", "Tensor.negative"]
        _op.forms = tuple(_op.forms) + tuple(_f)
        _op.api = tuple(_op.api) + tuple(_a)
    if _op.name in ("clamp", "clip"):
        _n = _op.name
        _op.forms = tuple(_op.forms) + (
            Form(f"{_n}_(x, ...)", (lambda k: lambda m, x, **kw: getattr(m, k + "_")(x.clone(), **kw))(_n),
                 _fits_first_input),
            Form(f"x.{_n}_(...)", (lambda k: lambda m, x, **kw: getattr(x.clone(), k + "_")(**kw))(_n),
                 _fits_first_input),
        )
        _op.api = tuple(_op.api) + (f"fastgrad.{_n}_", f"Tensor.{_n}_")


def _clamp_tensor_samples(g: Gen):
    c = "clamp"
    return [
        Sample((g.t((3, 4), c),), {"min": g.t((3, 4), c)}, id="tensor_min"),
        Sample((g.t((3, 4), c),), {"max": g.t((4,), c)}, id="tensor_max_bcast"),
        Sample((g.t((3, 4), c),), {"min": g.t((3, 1), c), "max": g.t((3, 1), c)}, id="tensor_both"),
        Sample((g.t((), c),), {"min": g.t((3,), c)}, id="0d_tensor_min"),
        Sample((g.T((3, 4), c),), {"max": g.strided((3, 4), c)}, id="tensor_noncontig"),
        Sample((g.t((0, 3), c),), {"min": g.t((3,), c)}, id="tensor_0size"),
    ]


_clamp_op = next(op for op in OPS if op.name == "clamp")
_clamp_op.sample_fn = (lambda f: lambda g: f(g) + _clamp_tensor_samples(g))(_clamp_op.sample_fn)


def _one_bound_samples(key):
    def make(g: Gen):
        c = "clamp"
        return [
            Sample((g.t((3, 4), c), 0.5 if key == "max" else -0.5), id="scalar"),
            Sample((g.t((3, 4), c), g.t((3, 4), c)), id="tensor"),
            Sample((g.t((3, 4), c), g.t((4,), c)), id="tensor_bcast"),
            Sample((g.t((), c), 0), id="0d"),
            Sample((g.T((3, 4), c), g.strided((3, 4), c)), id="noncontig"),
            Sample((g.t((0, 3), c), g.t((3,), c)), id="0size"),
            Sample((g.ints((3, 4)), 1), id="int32"),
        ]

    return make


for _name, _np_fn in (("clamp_min", np.maximum), ("clamp_max", np.minimum)):
    _add(
        _name,
        op=(lambda n: lambda m, x, b: getattr(m, n)(x, b))(_name),
        ref=(lambda f: lambda x, b: np.asarray(f(x, b)))(_np_fn),
        differentiable=True,
        sample_fn=_one_bound_samples(_name[-3:]),
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"fastgrad.{_name}_", f"Tensor.{_name}_"),
        forms=(
            Form(f"x.{_name}(b)", (lambda n: lambda m, x, b: getattr(x, n)(b))(_name)),
            Form(f"{_name}_(x, b)", (lambda n: lambda m, x, b: getattr(m, n + "_")(x.clone(), b))(_name)),
        ),
    )

def _int_divisions(g: Gen):
    """Integer division and remainder, with divisors of both signs (never 0: that raises)."""
    divisors = TIn(np.array([1, -2, 3, -3], dtype=np.int32), None, False)
    return [Sample((g.ints((3, 4), lo=-9, hi=10), divisors), id="int32"),
            Sample((g.ints((3, 4), np.int64, lo=-9, hi=10), -2), id="int64_scalar")]


# Binary arithmetic.
for _name, _np_fn, _py, _db, _diff in (
    ("floor_divide", np.floor_divide, "//", "nonzero", False),
    ("remainder", np.remainder, "%", "nonzero", True),
    ("fmod", np.fmod, None, "nonzero", True),
):
    _forms = [Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name))]
    if _py:
        _forms.append(Form(f"a {_py} b", (lambda o: lambda m, a, b: o(a, b))(
            operator.floordiv if _py == "//" else operator.mod)))
    _samples = binary_samples(db=_db) if _diff else _no_grad(binary_samples(db=_db))
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=_diff,
        sample_fn=(lambda base: lambda g: base(g) + _int_divisions(g))(_samples),
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.{_name}_")
        + ((f"Tensor.__{'floordiv' if _py == '//' else 'mod'}__",) if _py else ()),
        forms=tuple(_forms),
        error_fn=binary_errors,
    )
_add(
    "rfloordiv",
    op=lambda m, s, x: s // x,
    ref=lambda s, x: np.asarray(np.floor_divide(s, x)),
    differentiable=False,
    sample_fn=_no_grad(reflected_samples("nonzero")),
    api=("Tensor.__rfloordiv__",),
)
_add(
    "rmod",
    op=lambda m, s, x: s % x,
    ref=lambda s, x: np.asarray(np.remainder(s, x)),
    differentiable=False,
    sample_fn=_no_grad(reflected_samples("nonzero")),
    api=("Tensor.__rmod__",),
)
_add(
    "div_rounding",
    op=lambda m, a, b, **kw: m.div(a, b, **kw),
    ref=lambda a, b, rounding_mode: np.asarray(np.trunc(a / b) if rounding_mode == "trunc" else np.floor_divide(a, b)),
    differentiable=True,
    sample_fn=lambda g: [
        Sample(smp.args, {"rounding_mode": mode}, id=f"{smp.id}_{mode}")
        for smp in binary_samples(db="nonzero")(g)
        for mode in ("trunc", "floor")
    ],
    api=("fastgrad.div", "fastgrad.divide", "Tensor.divide"),
    forms=(
        Form("a.div(b, rounding_mode=...)", lambda m, a, b, **kw: a.div(b, **kw)),
        Form("divide(a, b, rounding_mode=...)", lambda m, a, b, **kw: m.divide(a, b, **kw)),
    ),
    gradgrad=False,
)
for _name, _np_fn, _db in (
    ("true_divide", np.true_divide, "nonzero"),
    ("divide", np.true_divide, "nonzero"),
    ("multiply", np.multiply, "real"),
    ("subtract", np.subtract, "real"),
):
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=True,
        sample_fn=binary_samples(db=_db),
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.{_name}_"),
        forms=(Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name)),),
    )

# Tensor-only binary ops with derivatives.
for _name, _np_fn, _alias in (
    ("maximum", np.maximum, None),
    ("minimum", np.minimum, None),
    ("fmax", np.fmax, None),
    ("fmin", np.fmin, None),
    ("atan2", np.arctan2, "arctan2"),
    ("hypot", np.hypot, None),
):
    _forms = [Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name))]
    _api = [f"fastgrad.{_name}", f"Tensor.{_name}"]
    if _alias:
        _forms.append(Form(f"{_alias}(a, b)", (lambda n: lambda m, a, b: getattr(m, n)(a, b))(_alias)))
        _api += [f"fastgrad.{_alias}", f"Tensor.{_alias}"]
    if _name in ("atan2", "hypot"):
        _forms.append(Form(f"a.{_name}_(b)", (lambda n: lambda m, a, b: getattr(a.clone(), n + "_")(b))(_name),
                           _fits_first_input))
        _api.append(f"Tensor.{_name}_")
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=True,
        sample_fn=_tensor_pairs(),
        api=tuple(_api),
        forms=tuple(_forms),
        error_fn=binary_errors,
    )


def lerp_samples(g: Gen):
    t, T = g.t, g.T
    return [
        Sample((t((3, 4)), t((3, 4)), 0.3), id="scalar_weight"),
        Sample((t((3, 4)), t((3, 4)), 0.8), id="scalar_weight_upper"),
        Sample((t((3, 4)), t((3, 4)), t((3, 4), "prob")), id="tensor_weight"),
        Sample((t((3, 1)), t((4,)), t((3, 4), "prob")), id="bcast"),
        Sample((t(()), t(()), 0.25), id="0d"),
        Sample((t((3, 4)), t((3, 4)), t((), "prob")), id="0d_weight"),
        Sample((T((3, 4)), g.strided((3, 4)), T((3, 4), "prob")), id="noncontig"),
        Sample((t((0, 3)), t((3,)), 0.5), id="0size"),
    ]


_add(
    "lerp",
    op=lambda m, a, b, w: m.lerp(a, b, w),
    ref=lambda a, b, w: np.asarray(a + w * (b - a)),
    differentiable=True,
    sample_fn=lerp_samples,
    api=("fastgrad.lerp", "Tensor.lerp", "Tensor.lerp_"),
    forms=(Form("a.lerp(b, w)", lambda m, a, b, w: a.lerp(b, w)),),
)


def addc_samples(divisor_domain):
    def make(g: Gen):
        t, d = g.t, divisor_domain
        return [
            Sample((t((3, 4)), t((3, 4)), t((3, 4), d)), id="same"),
            Sample((t((3, 4)), t((3, 4)), t((3, 4), d)), {"value": -0.5}, id="value"),
            Sample((t((3, 1)), t((4,)), t((3, 4), d)), {"value": 2}, id="bcast"),
            Sample((t(()), t(()), t((), d)), id="0d"),
            Sample((g.T((3, 4)), g.strided((3, 4)), g.T((3, 4), d)), id="noncontig"),
            Sample((t((0, 3)), t((3,)), t((3,), d)), id="0size"),
        ]

    return make


_add(
    "addcmul",
    op=lambda m, a, b, c, **kw: m.addcmul(a, b, c, **kw),
    ref=lambda a, b, c, value=1: np.asarray(a + value * b * c),
    differentiable=True,
    sample_fn=addc_samples("real"),
    api=("fastgrad.addcmul", "Tensor.addcmul", "Tensor.addcmul_"),
    forms=(Form("a.addcmul(b, c)", lambda m, a, b, c, **kw: a.addcmul(b, c, **kw)),),
)
_add(
    "addcdiv",
    op=lambda m, a, b, c, **kw: m.addcdiv(a, b, c, **kw),
    ref=lambda a, b, c, value=1: np.asarray(a + value * (b / c)),
    differentiable=True,
    sample_fn=addc_samples("nonzero"),
    api=("fastgrad.addcdiv", "Tensor.addcdiv", "Tensor.addcdiv_"),
    forms=(Form("a.addcdiv(b, c)", lambda m, a, b, c, **kw: a.addcdiv(b, c, **kw)),),
)


def where_samples(g: Gen):
    t, b = g.t, g.bools
    return [
        Sample((b((3, 4)), t((3, 4)), t((3, 4))), id="same"),
        Sample((b((3, 1)), t((4,)), t((3, 4))), id="bcast"),
        Sample((b((3, 4)), t((3, 4)), 0.0), id="scalar_other"),
        Sample((b((3, 4)), -1, t((3, 4))), id="scalar_input"),
        Sample((TIn(np.array(True), None, False), t(()), t((3,))), id="0d"),
        Sample((b((3, 4)), g.T((3, 4)), g.strided((3, 4))), id="noncontig"),
        Sample((b((0, 3)), t((3,)), t((0, 3))), id="0size"),
    ]


_add(
    "where",
    op=lambda m, c, a, b: m.where(c, a, b),
    ref=lambda c, a, b: np.asarray(np.where(c, a, b)),
    differentiable=True,
    sample_fn=where_samples,
    api=("fastgrad.where", "Tensor.where"),
    forms=(Form("a.where(c, b)", lambda m, c, a, b: a.where(c, b), lambda smp: isinstance(smp.args[1], TIn)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)), g.t((3,)), g.t((3,))), exc=RuntimeError, match="boolean tensor", id="float_cond")
    ],
)

# where(condition) alone is nonzero(condition, as_tuple=True); stacked here to compare one tensor.
_add(
    "where_condition",
    op=lambda m, c: m.stack(m.where(c)),
    ref=lambda c: np.stack(np.nonzero(np.atleast_1d(c))),
    differentiable=False,
    sample_fn=lambda g: [
        Sample((g.bools((3, 4)),), id="2d_bool"),
        Sample((g.t((4,), "small_int"),), id="1d_float"),
        Sample((g.ints((2, 3, 2), np.int64, -1, 2),), id="3d_int"),
        Sample((g.t((), "small_int"),), id="0d"),
        Sample((TIn(np.array(0.0)),), id="0d_zero"),
        Sample((g.T((3, 4), "small_int"),), id="transposed"),
        Sample((g.t((0, 3)),), id="0size"),
    ],
    api=("fastgrad.where",),
    forms=(
        Form("nonzero(as_tuple=True)", lambda m, c: m.stack(m.nonzero(c, as_tuple=True))),
        Form("x.nonzero(as_tuple=True)", lambda m, c: m.stack(c.nonzero(as_tuple=True))),
    ),
)

# Comparisons' aliases.
for _name, _np_fn in (
    ("greater", np.greater),
    ("greater_equal", np.greater_equal),
    ("less", np.less),
    ("less_equal", np.less_equal),
    ("not_equal", np.not_equal),
):
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=False,
        sample_fn=compare_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.{_name}_"),
        forms=(Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name)),),
    )


def isclose_samples(g: Gen):
    t = g.t
    a = g.values((3, 4))
    return [
        Sample((TIn(a.copy()), TIn(a + 1e-9)), id="close"),
        Sample((t((3, 4), "small_int"), t((3, 4), "small_int")), id="ties"),
        Sample((t((3, 4)), t((4,))), {"rtol": 0.5, "atol": 0.1}, id="tolerances"),
        Sample((_special_values(), _special_values()), id="special"),
        Sample((_special_values(), _special_values()), {"equal_nan": True}, id="equal_nan"),
        Sample((t(()), t(())), id="0d"),
        Sample((g.T((3, 4), "small_int"), g.strided((3, 4), "small_int")), id="noncontig"),
        Sample((t((0, 3)), t((3,))), id="0size"),
        Sample((g.ints((3, 4)), g.ints((3, 4))), id="int32"),
    ]


_add(
    "isclose",
    op=lambda m, a, b, **kw: m.isclose(a, b, **kw),
    ref=lambda a, b, **kw: np.asarray(np.isclose(a, b, **kw)),
    differentiable=False,
    sample_fn=isclose_samples,
    api=("fastgrad.isclose", "Tensor.isclose"),
    forms=(Form("a.isclose(b)", lambda m, a, b, **kw: a.isclose(b, **kw)),),
)
# allclose and equal return Python bools: wrapped in a tensor so that the harness can compare them.
_add(
    "allclose",
    op=lambda m, a, b, **kw: m.tensor(m.allclose(a, b, **kw)),
    ref=lambda a, b, **kw: np.asarray(np.allclose(a, b, **kw)),
    differentiable=False,
    sample_fn=isclose_samples,
    api=("fastgrad.allclose", "Tensor.allclose"),
    forms=(Form("a.allclose(b)", lambda m, a, b, **kw: m.tensor(a.allclose(b, **kw))),),
)
_add(
    "equal",
    op=lambda m, a, b: m.tensor(m.equal(a, b)),
    ref=lambda a, b: np.asarray(a.shape == b.shape and bool(np.array_equal(a, b))),
    differentiable=False,
    sample_fn=lambda g: [smp for smp in compare_samples(g) if all(isinstance(x, TIn) for x in smp.args)]
    + [Sample((TIn(np.arange(6.0)), TIn(np.arange(6.0))), id="equal")],
    api=("fastgrad.equal", "Tensor.equal"),
    forms=(Form("a.equal(b)", lambda m, a, b: m.tensor(a.equal(b))),),
)

# Logical and bitwise ops.
for _name, _np_fn in (
    ("logical_and", np.logical_and),
    ("logical_or", np.logical_or),
    ("logical_xor", np.logical_xor),
):
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=False,
        sample_fn=lambda g: [smp for smp in compare_samples(g) if all(isinstance(x, TIn) for x in smp.args)]
        + [Sample((g.t((3, 4)), g.ints((3, 4))), id="float_int")],
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.{_name}_"),
        forms=(Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name)),),
    )
_add(
    "logical_not",
    op=lambda m, x: m.logical_not(x),
    ref=lambda x: np.asarray(np.logical_not(x)),
    differentiable=False,
    sample_fn=lambda g: unary_samples("small_int")(g) + _unary_int_samples(g),
    api=("fastgrad.logical_not", "Tensor.logical_not", "Tensor.logical_not_"),
    forms=(Form("x.logical_not()", lambda m, x: x.logical_not()),),
)
for _name, _np_fn, _py in (
    ("bitwise_and", np.bitwise_and, operator.and_),
    ("bitwise_or", np.bitwise_or, operator.or_),
    ("bitwise_xor", np.bitwise_xor, operator.xor),
):
    _dunder = _py.__name__.strip("_")
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=False,
        sample_fn=lambda g: _int_samples(g, with_scalar=6),
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.{_name}_", f"Tensor.__{_dunder}__",
             f"Tensor.__r{_dunder}__", f"Tensor.__i{_dunder}__"),
        forms=(
            Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name)),
            Form(f"a {_dunder} b", (lambda o: lambda m, a, b: o(a, b))(_py)),
        ),
        error_fn=lambda g: [
            ErrorSample((g.t((3,)), g.t((3,))), exc=NotImplementedError, match="not implemented for 'Double'",
                        id="float")
        ],
    )
_add(
    "bitwise_not",
    op=lambda m, x: m.bitwise_not(x),
    ref=lambda x: np.asarray(np.invert(x)),
    differentiable=False,
    sample_fn=_unary_int_samples,
    api=("fastgrad.bitwise_not", "Tensor.bitwise_not", "Tensor.bitwise_not_", "Tensor.__invert__"),
    forms=(Form("~x", lambda m, x: ~x), Form("x.bitwise_not()", lambda m, x: x.bitwise_not())),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)),), exc=NotImplementedError, match="not implemented for 'Double'", id="float")
    ],
)

# Predicates.
for _name, _np_fn in (
    ("isnan", np.isnan),
    ("isinf", np.isinf),
    ("isfinite", np.isfinite),
    ("isposinf", np.isposinf),
    ("isneginf", np.isneginf),
):
    _add(
        _name,
        op=(lambda n: lambda m, x: getattr(m, n)(x))(_name),
        ref=(lambda f: lambda x: np.asarray(f(x)))(_np_fn),
        differentiable=False,
        sample_fn=lambda g: unary_samples()(g) + [Sample((_special_values(),), id="special")]
        + [smp for smp in _unary_int_samples(g) if smp.id in ("int32", "bool")],
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}()", (lambda n: lambda m, x: getattr(x, n)())(_name)),),
    )


# --------------------------------------------------------------------------------------------------------
# Reductions, shape ops and views (issue 3): samples and references
# --------------------------------------------------------------------------------------------------------


def _first(r):
    """The first tensor of a multi-output result ((values, indices), (var, mean), ...): the table compares one
    tensor per op; the other outputs have their own entries or forms."""
    return r[0] if isinstance(r, tuple) else r


def _np_int64_if_integral(x):
    return x.astype(np.int64) if x.dtype.kind in "biu" else x


def _np_fold(fn, promote_ints=False):
    """A NumPy reference for a reduction with torch's (dim=None|int|tuple, keepdim) arguments."""

    def ref(x, dim=None, keepdim=False):
        if promote_ints:
            x = _np_int64_if_integral(x)
        if x.ndim == 0:  # torch wraps the dims of a 0-d tensor as if it had one
            return np.asarray(fn(x, axis=None))
        return np.asarray(fn(x, axis=_axis(dim), keepdims=keepdim))

    return ref


def _np_extreme(fn):
    def ref(x, dim=None, keepdim=False):
        if dim is None or x.ndim == 0:
            return np.asarray(fn(x))
        return np.asarray(fn(x, axis=dim, keepdims=keepdim))

    return ref


def _np_arg(fn):
    def ref(x, dim=None, keepdim=False):
        if x.ndim == 0:
            return np.asarray(0, dtype=np.int64)
        if dim is None:
            r = np.asarray(fn(x), dtype=np.int64)
            return r.reshape((1,) * x.ndim) if keepdim else r
        r = np.asarray(fn(x, axis=dim), dtype=np.int64)
        return np.expand_dims(r, dim) if keepdim else r

    return ref


def _np_prod(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.astype(_NP_DTYPES[dtype])
    return _np_fold(np.prod, promote_ints=True)(x, dim, keepdim)


def _np_var(x, dim=None, unbiased=None, keepdim=False, correction=None, sqrt=False):
    ddof = 1 if unbiased is None and correction is None else (correction if correction is not None else int(unbiased))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no degrees of freedom: inf or nan, as in torch
        if x.ndim == 0:
            v = np.var(x, ddof=ddof)
        else:
            v = np.var(x, axis=_axis(dim), ddof=ddof, keepdims=keepdim)
    return np.asarray(np.sqrt(v) if sqrt else v)


def _np_logsumexp(x, dim, keepdim=False):
    if x.dtype.kind in "biu":
        x = x.astype(np.float32)  # the default float dtype
    if x.ndim == 0:
        return np.asarray(x)
    ax = _axis(dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = np.max(x, axis=ax, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0.0)
        r = np.log(np.sum(np.exp(x - m), axis=ax, keepdims=True)) + m
    return np.asarray(r if keepdim else np.squeeze(r, axis=ax)).astype(x.dtype)


def _np_scan(fn):
    def ref(x, dim, dtype=None):
        x = x.astype(_NP_DTYPES[dtype]) if dtype is not None else _np_int64_if_integral(x)
        return np.asarray(x.copy() if x.ndim == 0 else fn(x, axis=dim))

    return ref


def _np_count_nonzero(x, dim=None):
    if x.ndim == 0:
        return np.asarray(np.count_nonzero(x), dtype=np.int64)
    return np.asarray(np.count_nonzero(x, axis=_axis(dim)), dtype=np.int64)


def _np_flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return x.reshape(1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:s] + (-1 if x.size else int(np.prod(x.shape[s : e + 1])),) + x.shape[e + 1 :])


def _np_unflatten(x, dim, sizes):
    if x.ndim == 0:
        return x.reshape(sizes)
    d = dim % x.ndim
    return x.reshape(x.shape[:d] + tuple(sizes) + x.shape[d + 1 :])


def _np_split_points(n, spec):
    """Start offsets of the pieces of a length-n dim split by `spec` (a piece length or a list of lengths)."""
    sizes = list(spec) if isinstance(spec, (list, tuple)) else [spec] * max(1, -(-n // spec) if spec else 1)
    if not isinstance(spec, (list, tuple)):
        sizes[-1] = n - spec * (len(sizes) - 1)
    return np.cumsum([0] + sizes)


def _np_piece(x, dim, start, stop):
    return np.asarray(x[(slice(None),) * (dim % x.ndim) + (slice(start, stop),)])


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


def _np_roll(x, shifts, dims=None):
    if dims is None:
        return np.roll(x.reshape(-1), shifts).reshape(x.shape)
    return np.roll(x, shifts, axis=dims)


def _np_diag(x, diagonal=0):
    return np.asarray(np.diag(x, diagonal))


def _np_hstack(a, b):
    return np.hstack([np.atleast_1d(a), np.atleast_1d(b)])


def _zeros_sample(g: Gen, arr, **kw):
    """A sample with exact zeros (prod and cumprod differentiate through them)."""
    return TIn(np.asarray(arr, dtype=np.float64), **kw)


def minmax_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)),), id="all"),
        Sample((t((2, 3, 4)), 1), id="dim1"),
        Sample((t((2, 3, 4)),), {"dim": -1, "keepdim": True}, id="dim_neg_keepdim"),
        Sample((t(()),), id="0d"),
        Sample((t(()), 0), id="0d_dim0"),
        Sample((g.T((3, 4)), 0), id="transposed_dim0"),
        Sample((g.strided((2, 3)),), id="strided_all"),
        Sample((g.strided((2, 3), dim=0), 1, True), id="strided_dim1"),
        Sample((t((0, 3)), 1), id="0size_dim1"),
        Sample((g.ints((3, 4)), 0), id="int32_dim0"),
        Sample((g.ints((3, 4), np.int64),), id="int64_all"),
    ]


def minmax_errors(g: Gen):
    return [
        ErrorSample((g.t((0, 3)),), exc=RuntimeError, match="numel", id="empty_all"),
        ErrorSample((g.t((0, 3)), 0), exc=IndexError, match="non-zero size", id="empty_dim"),
        ErrorSample((g.t((2, 3)), 2), exc=IndexError, match="Dimension out of range", id="dim_out_of_range"),
    ]


def amax_samples(g: Gen):
    return [s for s in reduce_samples(with_int=True)(g) if s.id not in ("0size_all", "0size_dim0", "bool_dim1")]


def arg_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)),), id="all"),
        Sample((t((3, 4)),), {"keepdim": True}, id="all_keepdim"),
        Sample((t((2, 3, 4)),), {"dim": 1}, id="dim1"),
        Sample((t((2, 3, 4)),), {"dim": -1, "keepdim": True}, id="dim_neg_keepdim"),
        Sample((t(()),), id="0d"),
        Sample((t(()),), {"dim": 0}, id="0d_dim0"),
        Sample((g.T((3, 4)),), {"dim": 0}, id="transposed_dim0"),
        Sample((g.strided((2, 3)),), id="strided_all"),
        Sample((t((0, 3)),), {"dim": 1}, id="0size_dim1"),
        Sample((g.ints((3, 4)),), {"dim": 1}, id="int32_dim1"),
    ]


def prod_samples(g: Gen):
    t, z = g.t, _zeros_sample
    return [
        Sample((t((3, 4)),), id="all"),
        Sample((t((2, 3, 4)),), {"dim": 1}, id="dim1"),
        Sample((t((2, 3, 4)),), {"dim": -1, "keepdim": True}, id="dim_neg_keepdim"),
        Sample((t(()),), id="0d"),
        Sample((t(()),), {"dim": 0}, id="0d_dim0"),
        Sample((g.T((3, 4)),), {"dim": 0}, id="transposed_dim0"),
        Sample((g.strided((2, 3)),), id="strided_all"),
        Sample((t((0, 3)),), id="0size_all"),
        Sample((t((0, 3)),), {"dim": 0}, id="0size_dim0"),
        Sample((z(g, [[1.5, 0.0, 2.0], [0.5, -1.0, 3.0]]),), id="one_zero"),
        Sample((z(g, [[0.0, 2.0, 0.0], [1.5, 0.0, 0.0]]),), id="two_zeros"),
        Sample((z(g, [[1.5, 0.0, 2.0], [0.0, -1.0, 0.0]]),), {"dim": 1}, id="zeros_dim1"),
        Sample((z(g, [[1.5, 0.0], [0.0, 2.0]], view=_swap(0, 1)),), {"dim": 0}, id="zeros_transposed"),
        Sample((g.ints((3, 4)),), id="int32"),
        Sample((g.bools((3, 4)),), {"dim": 0}, id="bool_dim0"),
        Sample((g.ints((2, 3)),), {"dtype": "float64"}, id="int_dtype"),
    ]


def var_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)),), id="all"),
        Sample((t((2, 3, 4)),), {"dim": 1}, id="dim1"),
        Sample((t((2, 3, 4)),), {"dim": (0, 2), "keepdim": True}, id="tuple_keepdim"),
        Sample((t((3, 4)),), {"dim": 1, "unbiased": False}, id="unbiased_false"),
        Sample((t((3, 4)),), {"dim": 0, "correction": 0}, id="correction0"),
        Sample((t((3, 4)),), {"dim": -1, "correction": 2.5}, id="correction_float"),
        Sample((t((3, 4)),), {"dim": 0, "correction": 3}, id="no_dof", grad=False),
        Sample((t(()),), id="0d", grad=False),
        Sample((t(()),), {"correction": 0}, id="0d_correction0", gradgrad=False),
        Sample((g.T((3, 4)),), {"dim": 0}, id="transposed_dim0"),
        Sample((g.strided((2, 3)),), id="strided_all"),
        Sample((t((0, 3)),), {"dim": 0}, id="0size_dim0", grad=False),
        Sample((t((0, 3)),), {"dim": 1}, id="0size_dim1"),
    ]


def var_errors(g: Gen):
    return [
        ErrorSample((g.ints((3, 4)),), exc=RuntimeError, match="floating point", id="int_input"),
        ErrorSample((g.t((2, 3)),), {"dim": 2}, exc=IndexError, match="Dimension out of range", id="dim"),
    ]


def logsumexp_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 1), id="dim1"),
        Sample((t((2, 3, 4)), (0, 2)), id="dim_tuple"),
        Sample((t((2, 3, 4)), -1, True), id="dim_neg_keepdim"),
        Sample((t(()), 0), id="0d"),
        Sample((g.T((3, 4)), 0), id="transposed_dim0"),
        Sample((g.strided((2, 3)), 1), id="strided"),
        Sample((t((0, 3)), 0), id="0size_dim0"),
        Sample((t((0, 3)), 1), id="0size_dim1"),
        Sample((TIn(np.array([[-np.inf, -np.inf], [np.inf, 1.0], [-np.inf, 2.0]]), requires_grad=False), 1),
               id="infinities"),
        Sample((g.ints((3, 4)), 1), id="int32"),
    ]


def scan_samples(with_zeros=False):
    def make(g: Gen):
        t = g.t
        out = [
            Sample((t((3, 4)), 1), id="dim1"),
            Sample((t((2, 3, 4)), 0), id="dim0"),
            Sample((t((2, 3, 4)), -1), id="dim_neg"),
            Sample((t(()), 0), id="0d"),
            Sample((g.T((3, 4)), 0), id="transposed_dim0"),
            Sample((g.strided((2, 3)), 1), id="strided"),
            Sample((t((0, 3)), 0), id="0size"),
            Sample((g.ints((3, 4)), 1), id="int32"),
            Sample((g.bools((3, 4)), 0), id="bool"),
            Sample((g.ints((2, 3)), 1), {"dtype": "float64"}, id="int_dtype"),
        ]
        if with_zeros:
            z = _zeros_sample
            out += [
                Sample((z(g, [[1.5, 0.0, 2.0], [0.5, -1.0, 3.0]]), 1), id="one_zero"),
                Sample((z(g, [[0.0, 2.0, 0.0], [1.5, 0.0, 0.0]]), 1), id="two_zeros"),
                Sample((z(g, [[0.0, 2.0, 0.0], [1.5, 0.0, 0.5]], view=_swap(0, 1)), 0), id="zeros_transposed"),
            ]
        return out

    return make


def all_any_samples(g: Gen):
    b = g.bools
    return [
        Sample((b((3, 4)),), id="all"),
        Sample((b((2, 3, 4)),), {"dim": 1}, id="dim1"),
        Sample((b((2, 3, 4)),), {"dim": (0, 2), "keepdim": True}, id="tuple_keepdim"),
        Sample((TIn(np.array(True)),), id="0d"),
        Sample((TIn(np.array(False)),), {"dim": 0}, id="0d_dim0"),
        Sample((TIn(g.rng.integers(0, 2, (4, 3)).astype(np.bool_), _swap(0, 1)),), {"dim": 0}, id="transposed"),
        Sample((TIn(g.rng.integers(0, 2, (2, 6)).astype(np.bool_), _every_other(1)),), id="strided"),
        Sample((TIn(np.zeros((0, 3), np.bool_)),), id="0size_all"),
        Sample((TIn(np.zeros((0, 3), np.bool_)),), {"dim": 0}, id="0size_dim0"),
        Sample((g.ints((3, 4)),), {"dim": 1}, id="int32"),
        Sample((g.t((3, 4), "small_int"),), id="float"),
    ]


def count_nonzero_samples(g: Gen):
    s = "small_int"
    return [
        Sample((g.t((3, 4), s),), id="all"),
        Sample((g.t((2, 3, 4), s),), {"dim": 1}, id="dim1"),
        Sample((g.t((2, 3, 4), s),), {"dim": (0, 2)}, id="dim_tuple"),
        Sample((g.t((), s),), id="0d"),
        Sample((g.T((3, 4), s),), {"dim": 0}, id="transposed"),
        Sample((g.strided((2, 3), s),), id="strided"),
        Sample((g.t((0, 3), s),), {"dim": 0}, id="0size"),
        Sample((g.bools((3, 4)),), id="bool"),
        Sample((g.ints((3, 4)),), {"dim": -1}, id="int32"),
    ]


def flatten_samples(g: Gen):
    t = g.t
    return [
        Sample((t((2, 3, 4)),), id="all"),
        Sample((t((2, 3, 4)), 1), id="from1"),
        Sample((t((2, 3, 4)), 0, -2), id="to_neg2"),
        Sample((t((2, 3, 4)), 1, 1), id="same_dim"),
        Sample((t(()),), id="0d"),
        Sample((g.T((3, 4)),), id="transposed_copy"),
        Sample((g.strided((2, 3)), 0, 1), id="strided_copy"),
        Sample((g.strided((2, 3, 2), dim=0), 1), id="strided_view"),
        Sample((t((2, 0, 3)), 1), id="0size"),
    ]


def unflatten_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 1, (2, 2)), id="split_last"),
        Sample((t((6, 2)), 0, (2, -1)), id="infer"),
        Sample((t((3, 4)), -1, (1, 4, 1)), id="ones"),
        Sample((g.T((3, 4)), 1, (2, 2)), id="transposed"),
        Sample((g.strided((3, 4)), 1, (2, 2)), id="strided"),
        Sample((t((0, 4)), 1, (2, 2)), id="0size"),
    ]


def permute_samples(g: Gen):
    t = g.t
    return [
        Sample((t((2, 3, 4)), (2, 0, 1)), id="3d"),
        Sample((t((3, 4)), (-1, 0)), id="neg"),
        Sample((t(()), ()), id="0d"),
        Sample((g.T((3, 4)), (1, 0)), id="transposed"),
        Sample((g.strided((2, 3, 2)), (1, 2, 0)), id="strided"),
        Sample((t((0, 3)), (1, 0)), id="0size"),
    ]


def swap_samples(g: Gen):
    return [s for s in transpose_samples(g) if s.id != "0d"] + [Sample((g.t(()), 0, 0), id="0d")]


def matrix_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)),), id="2d"),
        Sample((t((2, 3, 4)),), id="batched"),
        Sample((g.T((3, 4)),), id="transposed"),
        Sample((g.strided((2, 3)),), id="strided"),
        Sample((t((0, 3)),), id="0size"),
    ]


def narrow_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 1, 1, 2), id="cols"),
        Sample((t((3, 4)), 0, -2, 2), id="neg_start"),
        Sample((t((3, 4)), 0, 3, 0), id="empty_at_end"),
        Sample((g.T((3, 4)), 0, 1, 2), id="transposed"),
        Sample((g.strided((2, 3)), 1, 1, 2), id="strided"),
        Sample((t((0, 3)), 1, 0, 2), id="0size"),
    ]


def narrow_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 4)), 0, 2, 2), exc=RuntimeError, match="exceeds dimension size", id="too_long"),
        ErrorSample((g.t((3, 4)), 0, 4, 0), exc=IndexError, match="start out of range", id="start"),
        ErrorSample((g.t((3, 4)), 0, 0, -1), exc=RuntimeError, match="non-negative", id="negative_length"),
    ]


def diagonal_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)),), id="main"),
        Sample((t((3, 4)), 1), id="above"),
        Sample((t((3, 4)), -2), id="below"),
        Sample((t((2, 3, 4)), -1, 0, 2), id="dims"),
        Sample((t((3, 4)), 10), id="outside"),
        Sample((g.T((3, 4)), 1), id="transposed"),
        Sample((g.strided((3, 3)),), id="strided"),
        Sample((t((0, 3)),), id="0size"),
    ]


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


def _method(name):
    return lambda m, x, *a, **kw: getattr(x, name)(*a, **kw)


def _kw_dtype(m, kw):
    if kw.get("dtype") is not None:
        kw = dict(kw, dtype=_dt(m, kw["dtype"]))
    return kw


# ---- reductions ----
_add(
    "prod",
    op=lambda m, x, **kw: m.prod(x, **_kw_dtype(m, kw)),
    ref=_np_prod,
    differentiable=True,
    sample_fn=prod_samples,
    api=("fastgrad.prod", "Tensor.prod"),
    forms=(Form("x.prod(...)", lambda m, x, **kw: x.prod(**_kw_dtype(m, kw))),),
    error_fn=lambda g: [ErrorSample((g.t((2, 3)),), {"dim": 2}, exc=IndexError, id="dim_out_of_range")],
)
for _name, _np_fn in (("max", np.max), ("min", np.min)):
    _add(
        _name,
        op=(lambda n: lambda m, x, *a, **kw: _first(getattr(m, n)(x, *a, **kw)))(_name),
        ref=_np_extreme(_np_fn),
        differentiable=True,
        sample_fn=minmax_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(
            Form(f"x.{_name}(...)", (lambda n: lambda m, x, *a, **kw: _first(getattr(x, n)(*a, **kw)))(_name)),
            Form(
                f"{_name}(...).values",
                (lambda n: lambda m, x, *a, **kw: getattr(m, n)(x, *a, **kw).values)(_name),
                lambda s: len(s.args) > 1 or "dim" in s.kwargs,
            ),
        ),
        error_fn=minmax_errors,
    )
    _add(
        f"{_name}_indices",
        op=(lambda n: lambda m, x, *a, **kw: getattr(m, n)(x, *a, **kw).indices)(_name),
        ref=(lambda f: lambda x, dim, keepdim=False: _np_arg(f)(x, dim, keepdim))(
            np.argmax if _name == "max" else np.argmin
        ),
        differentiable=False,
        sample_fn=lambda g: [s for s in minmax_samples(g) if len(s.args) > 1 or "dim" in s.kwargs],
        api=(f"fastgrad.{_name}",),
    )
for _name, _np_fn in (("amax", np.max), ("amin", np.min)):
    _add(
        _name,
        op=(lambda n: lambda m, x, **kw: getattr(m, n)(x, **kw))(_name),
        ref=_np_fold(_np_fn),
        differentiable=True,
        sample_fn=amax_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(...)", (lambda n: lambda m, x, **kw: getattr(x, n)(**kw))(_name)),),
        error_fn=lambda g: reduce_errors(g)
        + [ErrorSample((g.t((0, 3)),), {"dim": 0}, exc=IndexError, match="non-zero size", id="empty_dim")],
    )
for _name, _np_fn in (("argmax", np.argmax), ("argmin", np.argmin)):
    _add(
        _name,
        op=(lambda n: lambda m, x, **kw: getattr(m, n)(x, **kw))(_name),
        ref=_np_arg(_np_fn),
        differentiable=False,
        sample_fn=arg_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(...)", (lambda n: lambda m, x, **kw: getattr(x, n)(**kw))(_name)),),
        error_fn=lambda g: [
            ErrorSample((g.t((0, 3)),), exc=IndexError, match="numel", id="empty"),
            ErrorSample((g.bools((3,)),), exc=RuntimeError, match="bool", id="bool"),
        ],
    )
for _name, _sqrt in (("var", False), ("std", True)):
    _add(
        _name,
        op=(lambda n: lambda m, x, **kw: getattr(m, n)(x, **kw))(_name),
        ref=(lambda s: lambda x, **kw: _np_var(x, sqrt=s, **kw))(_sqrt),
        differentiable=True,
        sample_fn=var_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(...)", (lambda n: lambda m, x, **kw: getattr(x, n)(**kw))(_name)),),
        error_fn=var_errors,
    )
_add(
    "var_mean",  # the first output (var); std_mean checks the second (mean)
    op=lambda m, x, **kw: m.var_mean(x, **kw)[0],
    ref=lambda x, **kw: _np_var(x, **kw),
    differentiable=True,
    sample_fn=var_samples,
    api=("fastgrad.var_mean",),
    error_fn=var_errors,
)
_add(
    "std_mean",
    op=lambda m, x, **kw: m.std_mean(x, **kw)[1],
    ref=lambda x, dim=None, unbiased=None, keepdim=False, correction=None: _np_mean(x, dim, keepdim),
    differentiable=True,
    sample_fn=lambda g: [s for s in var_samples(g) if s.id != "0size_dim0"],
    api=("fastgrad.std_mean",),
    error_fn=var_errors,
)
_add(
    "logsumexp",
    op=lambda m, x, *a, **kw: m.logsumexp(x, *a, **kw),
    ref=_np_logsumexp,
    differentiable=True,
    sample_fn=logsumexp_samples,
    api=("fastgrad.logsumexp", "Tensor.logsumexp"),
    forms=(Form("x.logsumexp(...)", lambda m, x, *a, **kw: x.logsumexp(*a, **kw)),),
    error_fn=lambda g: [ErrorSample((g.t((2, 3)), 2), exc=IndexError, id="dim_out_of_range")],
)
for _name, _np_fn, _zeros in (("cumsum", np.cumsum, False), ("cumprod", np.cumprod, True)):
    _add(
        _name,
        op=(lambda n: lambda m, x, d, **kw: getattr(m, n)(x, d, **_kw_dtype(m, kw)))(_name),
        ref=_np_scan(_np_fn),
        differentiable=True,
        sample_fn=scan_samples(with_zeros=_zeros),
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(d)", (lambda n: lambda m, x, d, **kw: getattr(x, n)(d, **_kw_dtype(m, kw)))(_name)),),
        error_fn=lambda g: [ErrorSample((g.t((2, 3)), 2), exc=IndexError, id="dim_out_of_range")],
    )
for _name, _np_fn in (("all", np.all), ("any", np.any)):
    _add(
        _name,
        op=(lambda n: lambda m, x, **kw: getattr(m, n)(x, **kw))(_name),
        ref=_np_fold(_np_fn),
        differentiable=False,
        sample_fn=all_any_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(...)", (lambda n: lambda m, x, **kw: getattr(x, n)(**kw))(_name)),),
        error_fn=reduce_errors,
    )
_add(
    "count_nonzero",
    op=lambda m, x, **kw: m.count_nonzero(x, **kw),
    ref=_np_count_nonzero,
    differentiable=False,
    sample_fn=count_nonzero_samples,
    api=("fastgrad.count_nonzero", "Tensor.count_nonzero"),
    forms=(Form("x.count_nonzero(...)", lambda m, x, **kw: x.count_nonzero(**kw)),),
    error_fn=reduce_errors,
)

# ---- shape ops and views ----
_add(
    "flatten",
    op=lambda m, x, *a: m.flatten(x, *a),
    ref=_np_flatten,
    differentiable=True,
    sample_fn=flatten_samples,
    api=("fastgrad.flatten", "Tensor.flatten"),
    forms=(Form("x.flatten(...)", _method("flatten")),),
    view_op=True,
    error_fn=lambda g: [
        ErrorSample((g.t((2, 3)), 1, 0), exc=RuntimeError, match="start_dim cannot come after end_dim", id="order"),
        ErrorSample((g.t((2, 3)), 2), exc=IndexError, match="Dimension out of range", id="dim"),
    ],
)
_add(
    "unflatten",
    op=lambda m, x, d, sizes: m.unflatten(x, d, sizes),
    ref=_np_unflatten,
    differentiable=True,
    sample_fn=unflatten_samples,
    api=("fastgrad.unflatten", "Tensor.unflatten"),
    forms=(Form("x.unflatten(d, sizes)", _method("unflatten")),),
    view_op=True,
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), 1, (3,)), exc=RuntimeError, match="don't multiply up", id="product"),
        ErrorSample((g.t((3, 4)), 1, ()), exc=RuntimeError, match="non-empty", id="empty_sizes"),
        ErrorSample((g.t(()), 0, (1,)), exc=RuntimeError, match="no dimensions", id="0d"),
    ],
)
_add(
    "permute",
    op=lambda m, x, dims: m.permute(x, dims),
    ref=lambda x, dims: np.transpose(x, dims) if x.ndim else x,
    differentiable=True,
    sample_fn=permute_samples,
    api=("fastgrad.permute", "Tensor.permute"),
    forms=(
        Form("x.permute(*dims)", lambda m, x, dims: x.permute(*dims), lambda s: len(s.args[1]) > 0),
        Form("x.permute(dims)", lambda m, x, dims: x.permute(dims)),
    ),
    view_op=True,
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), (0, 0)), exc=RuntimeError, match="duplicate dims", id="duplicate"),
        ErrorSample((g.t((3, 4)), (0,)), exc=RuntimeError, match="number of dimensions", id="length"),
    ],
)
for _name in ("movedim", "moveaxis"):
    _add(
        _name,
        op=(lambda n: lambda m, x, s, d: getattr(m, n)(x, s, d))(_name),
        ref=lambda x, s, d: np.moveaxis(x, s, d) if x.ndim else x,
        differentiable=True,
        sample_fn=lambda g: [
            Sample((g.t((2, 3, 4)), 0, -1), id="one"),
            Sample((g.t((2, 3, 4)), (0, 1), (2, 0)), id="two"),
            Sample((g.t(()), 0, 0), id="0d"),
            Sample((g.T((2, 3, 4)), -1, 0), id="transposed"),
            Sample((g.strided((2, 3)), 1, 0), id="strided"),
            Sample((g.t((0, 3, 1)), (2,), (0,)), id="0size"),
        ],
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(s, d)", _method(_name)),),
        view_op=True,
        error_fn=lambda g: [
            ErrorSample((g.t((2, 3)), (0, 0), (0, 1)), exc=RuntimeError, match="repeated dim", id="repeated"),
            ErrorSample((g.t((2, 3)), (0, 1), (0,)), exc=RuntimeError, match="same number of dims", id="count"),
        ],
    )
for _name in ("swapaxes", "swapdims"):
    _add(
        _name,
        op=(lambda n: lambda m, x, a, b: getattr(m, n)(x, a, b))(_name),
        ref=lambda x, a, b: np.swapaxes(x, a, b) if x.ndim else x,
        differentiable=True,
        sample_fn=swap_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(a, b)", _method(_name)),),
        view_op=True,
    )
_add(
    "adjoint",
    op=lambda m, x: m.adjoint(x),
    ref=lambda x: np.swapaxes(x, -1, -2),
    differentiable=True,
    sample_fn=matrix_samples,
    api=("fastgrad.adjoint", "Tensor.adjoint", "Tensor.mT", "Tensor.mH"),
    forms=(
        Form("x.adjoint()", lambda m, x: x.adjoint()),
        Form("x.mT", lambda m, x: x.mT),
        Form("x.mH", lambda m, x: x.mH),
    ),
    view_op=True,
    error_fn=lambda g: [ErrorSample((g.t((3,)),), exc=RuntimeError, match="matrices", id="1d")],
)
_add(
    "numpy_T",
    op=lambda m, x: x.T,
    ref=lambda x: x.T,
    differentiable=True,
    sample_fn=lambda g: t_samples(g) + [Sample((g.t((2, 3, 4)),), id="3d")],
    api=("Tensor.T",),
    view_op=True,
)
_add(
    "broadcast_to",
    op=lambda m, x, shape: m.broadcast_to(x, shape),
    ref=lambda x, shape: _np_expand(x, shape),
    differentiable=True,
    sample_fn=expand_samples,
    api=("fastgrad.broadcast_to", "Tensor.broadcast_to"),
    forms=(
        Form("x.broadcast_to(shape)", lambda m, x, shape: x.broadcast_to(shape)),
    ),
    view_op=True,
    error_fn=expand_errors,
)
_add(
    "broadcast_tensors",
    op=lambda m, a, b, i=0: m.broadcast_tensors(a, b)[i],
    ref=lambda a, b, i=0: np.asarray(np.broadcast_arrays(a, b)[i]),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 1)), g.t((1, 4))), id="both"),
        Sample((g.t((3, 1)), g.t((1, 4))), {"i": 1}, id="both_second"),
        Sample((g.t(()), g.t((2, 3))), id="0d"),
        Sample((g.T((3, 4)), g.strided((4,))), {"i": 1}, id="noncontig"),
        Sample((g.t((0, 1)), g.t((3,))), {"i": 1}, id="0size"),
        Sample((g.t((2, 3)), g.t((2, 3))), id="same_shape"),
    ],
    api=("fastgrad.broadcast_tensors",),
)
_add(
    "narrow",
    op=lambda m, x, d, s, n: m.narrow(x, d, s, n),
    ref=lambda x, d, s, n: _np_piece(x, d, s % x.shape[d] if s < 0 else s, (s % x.shape[d] if s < 0 else s) + n),
    differentiable=True,
    sample_fn=narrow_samples,
    api=("fastgrad.narrow", "Tensor.narrow"),
    forms=(Form("x.narrow(d, s, n)", _method("narrow")),),
    view_op=True,
    error_fn=narrow_errors,
)
_add(
    "diagonal",
    op=lambda m, x, *a: m.diagonal(x, *a),
    ref=lambda x, offset=0, d1=0, d2=1: np.asarray(np.diagonal(x, offset, d1, d2)),
    differentiable=True,
    sample_fn=diagonal_samples,
    api=("fastgrad.diagonal", "Tensor.diagonal"),
    forms=(Form("x.diagonal(...)", _method("diagonal")),),
    view_op=True,
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), 0, 0, 0), exc=RuntimeError, match="cannot be identical", id="same")],
)

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

# ---- copies into a new arrangement ----
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

# ---- advanced indexing, index ops and more linear algebra (issue 3) ----


def _ix(m, idx):
    """A subscript with its NumPy arrays made tensors of module m (NumPy itself: unchanged)."""
    if m is None:
        return idx
    if isinstance(idx, tuple):
        return tuple(_ix(m, i) for i in idx)
    if isinstance(idx, np.ndarray):
        return m.from_numpy(idx.copy())
    return idx


_IDX = np.array([[0, 1], [2, 0], [1, 2]])  # no repeats along either dimension (scatter stays differentiable)
_REP = np.array([[0, 1], [2, 0], [1, 1]])  # repeats: accumulating ops


def _i64(a):
    return TIn(np.asarray(a, dtype=np.int64), None, False)


def _mask(g, shape):
    return TIn(g.rng.integers(0, 2, shape).astype(np.bool_), None, False)


def getitem_advanced_samples(g: Gen):
    t, s = g.t, slice
    a = np.array
    return [
        Sample((t((3, 4)), a([0, 2, 2])), id="int_tensor"),
        Sample((t((3, 4)), [2, -1]), id="list"),
        Sample((t((3, 4)), (s(None), a([[0, 1], [3, 3]]))), id="2d_index_dim1"),
        Sample((t((2, 3, 4)), (a([0, 1]), s(None), a([1, 3]))), id="separated"),
        Sample((t((2, 3, 4)), (a([[0], [1]]), a([0, 2]))), id="broadcast_indices"),
        Sample((t((3, 4)), g.rng.integers(0, 2, (3, 4)).astype(bool)), id="mask"),
        Sample((t((3, 4)), (s(None), a([True, False, True, True]))), id="mask_dim1"),
        Sample((t((3, 4)), (s(1, None), a([0, 0]))), id="slice_then_index"),
        Sample((g.T((3, 4)), a([1, 0])), id="transposed"),
        Sample((g.strided((3, 4)), (s(None), a([0, 3]))), id="strided"),
        Sample((t((0, 3)), (s(None), a([1]))), id="0size"),
        Sample((t((3,)), a([], dtype=np.int64)), id="empty_index"),
        Sample((t(()), a(True)), id="0d_mask"),
    ]


def getitem_advanced_errors(g: Gen):
    return [
        ErrorSample(
            (g.t((3, 4)), np.array([3])),
            exc=IndexError,
            match="index 3 is out of bounds for dimension 0 with size 3",
            id="out_of_bounds",
        ),
        ErrorSample(
            (g.t((3, 4)), np.array([True, False])), exc=IndexError, match="The shape of the mask", id="mask"
        ),
        ErrorSample(
            (g.t((3, 4)), (np.array([0, 1]), np.array([0, 1, 2]))),
            exc=IndexError,
            match="shape mismatch: indexing tensors could not be broadcast together",
            id="broadcast",
        ),
    ]


def _setitem(m, x, idx, v):
    y = x * 1.0  # a non-leaf: setitem under autograd
    y[_ix(m, idx)] = v
    return y


def _np_setitem(x, idx, v):
    y = x.copy()
    y[idx] = v
    return y


def setitem_samples(g: Gen):
    t, s = g.t, slice
    a = np.array
    return [
        Sample((t((3, 4)), 1, t((4,))), id="int"),
        Sample((t((3, 4)), (s(None), s(1, 3)), t((3, 1))), id="slice_broadcast"),
        Sample((t((3, 4)), a([2, 0]), t((2, 4))), id="int_tensor"),
        Sample((t((3, 4)), (s(None), a([1, 3])), t((2,))), id="dim1_broadcast"),
        Sample((t((3, 4)), g.rng.integers(0, 2, (3, 4)).astype(bool), 0.5), id="mask_scalar"),
        Sample((t((3, 4)), (s(1, None), a([0, 2])), t((2, 2))), id="slice_then_index"),
        Sample((t((2, 3, 4)), (Ellipsis, 1), t((1, 2, 3))), id="ellipsis_leading_ones"),
        Sample((g.T((3, 4)), (0, s(None, None, 2)), t((2,))), id="transposed"),
        Sample((t((0, 3)), (s(None), 1), t((0,))), id="0size"),
        Sample((t(()), (), t(())), id="0d"),
    ]


def _np_index_select(x, dim, idx):
    return np.take(x, np.atleast_1d(idx), axis=dim) if x.ndim else x.copy()


def _np_gather(x, dim, idx):
    if x.ndim == 0:
        return x.copy()
    part = x[tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(idx.shape))]
    return np.take_along_axis(part, idx, dim)


def _np_scatter(x, dim, idx, src, reduce=None):
    if x.ndim == 0:
        return np.asarray(x + src if reduce == "add" else src, dtype=x.dtype)
    out = x.copy()
    pos = list(np.indices(idx.shape))
    pos[dim] = idx
    vals = src if np.ndim(src) == 0 else src[tuple(slice(0, n) for n in idx.shape)]
    vals = np.broadcast_to(vals, idx.shape)
    if reduce == "add":
        np.add.at(out, tuple(pos), vals)
    else:
        out[tuple(pos)] = vals
    return out


def _np_index_add(x, dim, idx, src, alpha=1):
    if x.ndim == 0:
        return np.asarray(x + alpha * src * np.size(idx))
    out = np.moveaxis(x.copy(), dim, 0)
    np.add.at(out, idx, alpha * np.moveaxis(src, dim, 0))
    return np.moveaxis(out, 0, dim)


def _np_masked_select(x, mask):
    xb, mb = np.broadcast_arrays(x, mask)
    return xb[mb]


def _np_index_put(x, indices, v, accumulate=False):
    out = x.copy()
    if accumulate:
        np.add.at(out, indices, v)
    else:
        out[indices] = v
    return out


def _np_take_along_dim(x, idx, dim=None):
    if dim is None:
        return np.take_along_axis(x.reshape(-1), idx.reshape(-1), 0)
    shape = list(
        np.broadcast_shapes(
            x.shape[:dim] + (1,) + x.shape[dim + 1 :], idx.shape[:dim] + (1,) + idx.shape[dim + 1 :]
        )
    )
    xs, ixs = list(shape), list(shape)
    xs[dim], ixs[dim] = x.shape[dim], idx.shape[dim]
    return np.take_along_axis(np.broadcast_to(x, xs), np.broadcast_to(idx, ixs), dim)


_add(
    "getitem_advanced",
    op=lambda m, x, idx: x[_ix(m, idx)],
    ref=lambda x, idx: np.asarray(x[idx]),
    differentiable=True,
    sample_fn=getitem_advanced_samples,
    api=("Tensor.__getitem__",),
    error_fn=getitem_advanced_errors,
)
_add(
    "setitem",
    op=_setitem,
    ref=_np_setitem,
    differentiable=True,
    sample_fn=setitem_samples,
    api=("Tensor.__setitem__",),
)
_add(
    "index_put",
    op=lambda m, x, i, v, **kw: m.index_put(x, (i,), v, **kw),
    ref=lambda x, i, v, **kw: _np_index_put(x, (i,), v, **kw),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), _i64([2, 0]), g.t((2, 4))), id="rows"),
        Sample((g.t((3, 4)), _i64([0, 0, 1]), g.t((4,))), {"accumulate": True}, id="accumulate_repeats"),
        Sample((g.t((3, 4)), _mask(g, (3, 4)), g.t(())), id="mask_0d_value"),
        Sample((g.T((3, 4)), _i64([1]), g.t((1, 4))), id="transposed"),
        Sample((g.t((0, 3)), _i64(np.zeros(0)), g.t((0, 3))), id="0size"),
    ],
    api=("fastgrad.index_put", "Tensor.index_put", "Tensor.index_put_"),
    forms=(Form("x.index_put((i,), v)", lambda m, x, i, v, **kw: x.index_put((i,), v, **kw)),),
    error_fn=lambda g: [
        ErrorSample(
            (g.t((3,)), _i64([5]), g.t((1,))), exc=IndexError, match="index 5 is out of bounds", id="oob"
        ),
        ErrorSample(
            (g.t((3,)), _i64([0, 1]), g.t((3,))), exc=RuntimeError, match="shape mismatch", id="shape"
        ),
    ],
)
_add(
    "index_select",
    op=lambda m, x, d, i: m.index_select(x, d, i),
    ref=_np_index_select,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), 0, _i64([2, 0, 2])), id="dim0_repeats"),
        Sample((g.t((3, 4)), -1, _i64([3])), id="dim_neg"),
        Sample((g.T((3, 4)), 1, TIn(np.array([1, 0], dtype=np.int32), None, False)), id="transposed_int32"),
        Sample((g.t((3, 4)), 0, _i64(1)), id="0d_index"),
        Sample((g.t(()), 0, _i64([0])), id="0d_input"),
        Sample((g.t((3, 4)), 0, _i64(np.zeros(0))), id="empty_index"),
    ],
    api=("fastgrad.index_select", "Tensor.index_select"),
    forms=(Form("x.index_select(d, i)", lambda m, x, d, i: x.index_select(d, i)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), 1, _i64([4])), match="out of DATA bounds", id="oob"),
        ErrorSample(
            (g.t((3, 4)), 1, _i64([[0]])),
            exc=IndexError,
            match="Index is supposed to be a vector",
            id="2d_index",
        ),
    ],
)
_add(
    "gather",
    op=lambda m, x, d, i: m.gather(x, d, i),
    ref=_np_gather,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), 1, _i64(_REP)), id="dim1"),
        Sample((g.T((3, 4)), 0, _i64(_REP)), id="transposed_dim0"),
        Sample((g.t((2, 3, 4)), -1, _i64(np.zeros((2, 1, 2)))), id="smaller_index"),
        Sample((g.t(()), 0, _i64(0)), id="0d"),
        Sample((g.t((3, 4)), 1, _i64(np.zeros((3, 0)))), id="0size"),
    ],
    api=("fastgrad.gather", "Tensor.gather"),
    forms=(Form("x.gather(d, i)", lambda m, x, d, i: x.gather(d, i)),),
    error_fn=lambda g: [
        ErrorSample(
            (g.t((3, 4)), 1, _i64([[4]])),
            match="index 4 is out of bounds for dimension 1 with size 4",
            id="oob",
        ),
        ErrorSample((g.t((3, 4)), 1, _i64([0])), match="same number of dimensions", id="ndim"),
    ],
)
_add(
    "scatter",
    op=lambda m, x, d, i, src, **kw: m.scatter(x, d, i, src, **kw),
    ref=_np_scatter,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), 1, _i64(_IDX), g.t((3, 2))), id="src"),
        Sample((g.T((3, 4)), 0, _i64(_IDX), g.t((3, 3), requires_grad=False)), id="transposed_larger_src"),
        Sample((g.t((3, 4)), 1, _i64(_IDX), 2.5), id="value"),
        Sample(
            (g.t((3, 4), requires_grad=False), 1, _i64(_REP), g.t((3, 2), requires_grad=False)),
            {"reduce": "add"},
            id="reduce_add",
        ),  # no derivative with reduce= (torch neither)
        Sample((g.t(()), 0, _i64(0), g.t(())), id="0d"),
        Sample((g.t((3, 4)), 1, _i64(np.zeros((3, 0))), g.t((3, 0))), id="0size"),
    ],
    api=("fastgrad.scatter", "Tensor.scatter", "Tensor.scatter_"),
    forms=(Form("x.scatter(d, i, src)", lambda m, x, d, i, src, **kw: x.scatter(d, i, src, **kw)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), 1, _i64([[4]]), g.t((1, 1))), match="index 4 is out of bounds", id="oob"),
        ErrorSample(
            (g.t((3, 4)), 1, _i64(np.zeros((4, 1))), g.t((4, 1))),
            match="to be no larger than self",
            id="index_too_large",
        ),
    ],
)
_add(
    "scatter_add",
    op=lambda m, x, d, i, src: m.scatter_add(x, d, i, src),
    ref=lambda x, d, i, src: _np_scatter(x, d, i, src, "add"),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), 1, _i64(_REP), g.t((3, 2))), id="repeats"),
        Sample((g.t((3, 4)), 0, _i64(_REP), g.strided((3, 2))), id="strided_src"),
        Sample((g.t((3, 4)), 1, _i64(np.zeros((3, 0))), g.t((3, 0))), id="0size"),
        Sample((g.t(()), 0, _i64(0), g.t(())), id="0d"),
    ],
    api=("fastgrad.scatter_add", "Tensor.scatter_add", "Tensor.scatter_add_"),
    forms=(Form("x.scatter_add(d, i, src)", lambda m, x, d, i, src: x.scatter_add(d, i, src)),),
)
_add(
    "index_add",
    op=lambda m, x, d, i, src, **kw: m.index_add(x, d, i, src, **kw),
    ref=_np_index_add,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), 0, _i64([0, 2, 0]), g.t((3, 4))), id="repeats"),
        Sample((g.t((3, 4)), 1, _i64([3, 3]), g.T((3, 2))), {"alpha": 2.5}, id="alpha_transposed"),
        Sample((g.t((3, 4)), 0, _i64(np.zeros(0)), g.t((0, 4))), id="empty"),
        Sample((g.t(()), 0, _i64([0]), g.t(())), id="0d"),
    ],
    api=("fastgrad.index_add", "Tensor.index_add", "Tensor.index_add_"),
    forms=(Form("x.index_add(d, i, src)", lambda m, x, d, i, src, **kw: x.index_add(d, i, src, **kw)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), 0, _i64([0, 1]), g.t((3, 4))), match="Number of indices", id="count"),
    ],
)
_add(
    "masked_fill",
    op=lambda m, x, mask, v: m.masked_fill(x, mask, v),
    ref=lambda x, mask, v: np.where(mask, v, x),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), _mask(g, (3, 4)), 1.5), id="scalar"),
        Sample((g.T((3, 4)), _mask(g, (4,)), -2), id="broadcast_mask"),
        Sample((g.t((3, 4)), _mask(g, (3, 4)), g.t(())), id="0d_tensor_value"),
        Sample((g.t((4,)), _mask(g, (3, 4)), 0.0), id="broadcast_self"),
        Sample((g.t((0, 4)), _mask(g, (0, 4)), 0.0), id="0size"),
    ],
    api=("fastgrad.masked_fill", "Tensor.masked_fill", "Tensor.masked_fill_"),
    forms=(Form("x.masked_fill(mask, v)", lambda m, x, mask, v: x.masked_fill(mask, v)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)), _i64([1, 0, 1]), 1.0), match="only supports boolean masks", id="int_mask"),
        ErrorSample(
            (g.t((3,)), _mask(g, (3,)), g.t((1,))), match="0-dimensional value tensor", id="1d_value"
        ),
    ],
)
_add(
    "masked_select",
    op=lambda m, x, mask: m.masked_select(x, mask),
    ref=_np_masked_select,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), _mask(g, (3, 4))), id="same_shape"),
        Sample((g.T((3, 4)), _mask(g, (3, 1))), id="broadcast_mask"),
        Sample((g.t((4,)), _mask(g, (3, 4))), id="broadcast_self"),
        Sample((g.t(()), TIn(np.array(True), None, False)), id="0d"),
        Sample((g.t((0, 3)), _mask(g, (0, 3))), id="0size"),
    ],
    api=("fastgrad.masked_select", "Tensor.masked_select"),
    forms=(Form("x.masked_select(mask)", lambda m, x, mask: x.masked_select(mask)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)), _i64([1, 0, 1])), match="expected BoolTensor", id="int_mask")
    ],
)
_add(
    "take",
    op=lambda m, x, i: m.take(x, i),
    ref=lambda x, i: np.take(x.reshape(-1), i),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), _i64([[0, 5], [-1, 5]])), id="2d_index_repeats"),
        Sample((g.T((3, 4)), _i64([1, 2, 3])), id="transposed"),
        Sample((g.t(()), _i64(0)), id="0d"),
        Sample((g.t((0, 3)), _i64(np.zeros(0))), id="0size"),
    ],
    api=("fastgrad.take", "Tensor.take"),
    forms=(Form("x.take(i)", lambda m, x, i: x.take(i)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), _i64([12])), exc=IndexError, match="out of range", id="oob")
    ],
)
_add(
    "take_along_dim",
    op=lambda m, x, i, *d: m.take_along_dim(x, i, *d),
    ref=_np_take_along_dim,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), _i64(_REP), 1), id="dim1"),
        Sample((g.t((3, 4)), _i64([0, 5, 11])), id="flat"),
        Sample((g.t((3, 4)), _i64([[0]]), 1), id="broadcast_index"),
        Sample((g.strided((3, 1, 4)), _i64(np.zeros((1, 5, 1))), 0), id="broadcast_both"),
        Sample((g.t(()), _i64(0)), id="0d_flat"),
        Sample((g.t((0, 3)), _i64(np.zeros((0, 1))), 1), id="0size"),
    ],
    api=("fastgrad.take_along_dim", "Tensor.take_along_dim"),
    forms=(Form("x.take_along_dim(i, ...)", lambda m, x, i, *d: x.take_along_dim(i, *d)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), _i64([0]), 1), match="same number of dimensions", id="ndim")
    ],
)
for _name in ("nonzero", "argwhere"):
    _add(
        _name,
        op=(lambda n: lambda m, x: getattr(m, n)(x))(_name),
        ref=lambda x: np.argwhere(x),
        differentiable=False,
        sample_fn=lambda g: [
            Sample((g.ints((3, 4), np.int64, -1, 2),), id="2d"),
            Sample((g.bools((5,)),), id="1d_bool"),
            Sample((g.t(()),), id="0d"),
            Sample((g.t((0, 3)),), id="0size"),
            Sample((g.T((3, 4)),), id="transposed"),
        ],
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}()", (lambda n: lambda m, x: getattr(x, n)())(_name)),),
    )
_add(
    "bmm",
    op=lambda m, a, b: m.bmm(a, b),
    ref=lambda a, b: np.asarray(a @ b),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((2, 3, 4)), g.t((2, 4, 2))), id="3d"),
        Sample((g.T((2, 3, 4)), g.strided((2, 4, 2))), id="noncontig"),
        Sample((g.t((300, 2, 2)), g.t((300, 2, 2))), id="many_small", gradgrad=False),
        Sample((g.t((0, 3, 4)), g.t((0, 4, 2))), id="0size_batch"),
        Sample((g.t((2, 3, 0)), g.t((2, 0, 2))), id="0size_inner"),
    ],
    api=("fastgrad.bmm", "Tensor.bmm"),
    forms=(Form("a.bmm(b)", lambda m, a, b: a.bmm(b)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), g.t((2, 4, 2))), match="batch1 must be a 3D tensor", id="2d"),
        ErrorSample(
            (g.t((2, 3, 4)), g.t((3, 4, 2))), match="Expected size for first two dimensions", id="batch"
        ),
    ],
)
for _name in ("outer", "ger"):
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=lambda a, b: np.outer(a, b),
        differentiable=True,
        sample_fn=lambda g: [
            Sample((g.t((3,)), g.t((4,))), id="1d"),
            Sample((g.strided((3,)), g.t((2,))), id="strided"),
            Sample((g.t((0,)), g.t((2,))), id="0size"),
        ],
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name)),),
        error_fn=lambda g: [ErrorSample((g.t((3, 1)), g.t((4,))), match="Expected 1-D argument", id="2d")],
    )
for _name, _shapes in (
    ("addmm", ((2, 4), (2, 3), (3, 4), (2, 0), (0, 4))),
    ("addmv", ((2,), (2, 3), (3,), (2, 0), (0,))),
    ("baddbmm", ((2, 2, 4), (2, 2, 3), (2, 3, 4), (2, 2, 0), (2, 0, 4))),
):
    _add(
        _name,
        op=(lambda n: lambda m, s, a, b, **kw: getattr(m, n)(s, a, b, **kw))(_name),
        ref=lambda s, a, b, beta=1, alpha=1: np.asarray(beta * s + alpha * (a @ b)),
        differentiable=True,
        sample_fn=(
            lambda sh: (
                lambda g: [
                    Sample((g.t(sh[0]), g.t(sh[1]), g.t(sh[2])), id="plain"),
                    Sample(
                        (g.t(sh[0][-1:]), g.t(sh[1]), g.t(sh[2])),
                        {"beta": 0.5, "alpha": -2},
                        id="broadcast_beta_alpha",
                    ),
                    Sample((g.t(()), g.t(sh[1]), g.t(sh[2])), {"beta": 0}, id="beta0_0d"),
                    Sample((g.t(sh[0]), g.T(sh[1]), g.strided(sh[2])), id="noncontig"),
                    Sample((g.t(sh[0]), g.t(sh[3]), g.t(sh[4])), id="0size_inner"),
                ]
            )
        )(_shapes),
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.{_name}_"),
        forms=(
            Form(f"s.{_name}(a, b)", (lambda n: lambda m, s, a, b, **kw: getattr(s, n)(a, b, **kw))(_name)),
        ),
    )
_add(
    "trace",
    op=lambda m, x: m.trace(x),
    ref=lambda x: np.asarray(np.trace(x)),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 3)),), id="square"),
        Sample((g.T((3, 5)),), id="transposed_wide"),
        Sample((g.t((0, 2)),), id="0size"),
        Sample((g.ints((3, 3), np.int64),), id="int64"),
    ],
    api=("fastgrad.trace", "Tensor.trace"),
    forms=(Form("x.trace()", lambda m, x: x.trace()),),
    error_fn=lambda g: [ErrorSample((g.t((3,)),), match="expected a matrix", id="1d")],
)
_add(
    "einsum",
    op=lambda m, eq, *ops: m.einsum(eq, *ops),
    ref=lambda eq, *ops: np.asarray(np.einsum(eq, *ops)),
    differentiable=True,
    sample_fn=lambda g: [
        Sample(("ij,jk->ik", g.t((2, 3)), g.t((3, 4))), id="mm"),
        Sample(("bij,bjk->bik", g.t((2, 2, 3)), g.T((2, 3, 4))), id="bmm_noncontig"),
        Sample(("i,i->", g.t((3,)), g.t((3,))), id="dot"),
        Sample(("ij->ji", g.t((3, 2))), id="transpose"),
        Sample(("ii->i", g.t((3, 3))), id="diagonal"),
        Sample(("ii", g.t((3, 3))), id="trace_implicit"),
        Sample(("i,j->ij", g.t((3,)), g.t((2,))), id="outer"),
        Sample(("...ij,...jk->...ik", g.t((2, 2, 3)), g.t((3, 2))), id="ellipsis_broadcast"),
        Sample(("ij,jk", g.t((2, 3)), g.t((3, 4))), id="implicit"),
        Sample(("bn,anm,bm->ba", g.t((2, 3)), g.t((2, 3, 2)), g.t((2, 2))), id="bilinear"),
        Sample(("ij,ij->ij", g.t((2, 3)), g.t((1, 3))), id="broadcast_size1"),
        Sample(("ij->", g.t((0, 3))), id="0size"),
        Sample(("i,->i", g.t((3,)), g.t(())), id="0d_operand"),
    ],
    api=("fastgrad.einsum",),
    forms=(Form("einsum(eq, [ops])", lambda m, eq, *ops: m.einsum(eq, list(ops))),),
    error_fn=lambda g: [
        ErrorSample(
            ("ij,jk->ik", g.t((2, 3)), g.t((4, 4))),
            match="does not broadcast with previously seen size",
            id="size",
        ),
        ErrorSample(("ij,jk->ik", g.t((2, 3))), match="fewer operands", id="operands"),
    ],
)

# ---- nn.functional: activations (cpp/src/ops/nn_activation.cpp) ----


def _np_softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.logaddexp(0.0, x * beta) / beta)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _np_elu(x, alpha=1.0, scale=1.0):
    return np.asarray(scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0))))


def _np_gelu(x, approximate="none"):
    if approximate == "tanh":
        return np.asarray(0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))))
    return np.asarray(0.5 * x * (1 + _erf(x / math.sqrt(2))))


def _np_log_softmax(x, dim):
    if x.ndim == 0:
        return np.zeros_like(x)
    m = np.max(x, axis=dim, keepdims=True) if x.size else x
    return np.asarray(x - m - np.log(np.sum(np.exp(x - m), axis=dim, keepdims=True)))


def activation_samples(domain="real", variants=(), extreme=None):
    """The unary set for an activation, plus its keyword variants (each a dict, on a 2-D input)."""

    def make(g: Gen):
        out = unary_samples(domain, extreme)(g)
        for i, kw in enumerate(variants):
            out.append(Sample((g.t((3, 4), domain),), dict(kw), id=f"kw{i}"))
        return out

    return make


def _activation(name, ref, domain="real", variants=(), extreme=None, api=(), gradgrad=True):
    _add(
        name,
        op=lambda m, x, **kw: getattr(m.nn.functional, name)(x, **kw),
        ref=ref,
        differentiable=True,
        sample_fn=activation_samples(domain, variants, extreme),
        api=(F + name,) + tuple(api),
        gradgrad=gradgrad,
    )


# Kinks (0 and the clamp bounds) are kept away from the samples: "nonzero" keeps |x| >= 0.3, "clamp" keeps
# |x| away from 0.5.
_activation("relu6", lambda x: np.asarray(np.clip(x, 0.0, 6.0)), "nonzero", extreme=[-7.0, -1.0, 3.0, 7.0])
_activation(
    "hardtanh",
    lambda x, min_val=-1.0, max_val=1.0: np.asarray(np.clip(x, min_val, max_val)),
    "clamp",
    variants=({"min_val": -0.5, "max_val": 0.5},),
)
_activation(
    "leaky_relu",
    lambda x, negative_slope=0.01: np.asarray(np.where(x > 0, x, x * negative_slope)),
    "nonzero",
    variants=({"negative_slope": 0.2},),
)
_activation("elu", _np_elu, "nonzero", variants=({"alpha": 0.5},), extreme=[-50.0, -1.0, 1.0, 50.0])
_activation("selu", lambda x: _np_elu(x, _SELU_ALPHA, _SELU_SCALE), "nonzero")
_activation("gelu", _np_gelu, variants=({"approximate": "tanh"},), extreme=[-40.0, -5.0, 5.0, 40.0])
_activation("silu", lambda x: np.asarray(x * _sigmoid(x)), extreme=[-40.0, 40.0])
_activation("mish", lambda x: np.asarray(x * np.tanh(_np_softplus(x))), extreme=[-40.0, 25.0])
_activation(
    "softplus",
    lambda x, beta=1.0, threshold=20.0: np.asarray(_np_softplus(x, beta, threshold)),
    variants=({"beta": 2.0, "threshold": 1.5},),
    extreme=[-40.0, 30.0],
)


def _inplace_activation(name, fname, ref, domain, kw=None):
    """F.<fname>: the in-place form, run on a copy of a leaf (x * 1) so that autograd goes through it."""
    kw = kw or {}
    _add(
        name,
        op=lambda m, x: getattr(m.nn.functional, fname)(x * 1, **kw),
        ref=lambda x: ref(x, **kw),
        differentiable=True,
        sample_fn=unary_samples(domain),
        api=(F + fname,),
    )


_inplace_activation("relu_functional", "relu_", lambda x: np.asarray(np.maximum(x, 0.0)), "nonzero")
_inplace_activation("hardtanh_", "hardtanh_", lambda x: np.asarray(np.clip(x, -1.0, 1.0)), "clamp")
_inplace_activation(
    "leaky_relu_", "leaky_relu_", lambda x, negative_slope: np.asarray(np.where(x > 0, x, x * negative_slope)),
    "nonzero", {"negative_slope": 0.1},
)
_inplace_activation("elu_", "elu_", lambda x, alpha: _np_elu(x, alpha), "nonzero", {"alpha": 0.7})
_inplace_activation("selu_functional", "selu_", lambda x: _np_elu(x, _SELU_ALPHA, _SELU_SCALE), "nonzero")
_add(
    "selu_top_inplace",
    op=lambda m, x: m.selu_(x * 1),
    ref=lambda x: _np_elu(x, _SELU_ALPHA, _SELU_SCALE),
    differentiable=True,
    sample_fn=unary_samples("nonzero"),
    api=("fastgrad.selu_",),
)
_add(
    "selu_top",
    op=lambda m, x: m.selu(x),
    ref=lambda x: _np_elu(x, _SELU_ALPHA, _SELU_SCALE),
    differentiable=True,
    sample_fn=unary_samples("nonzero"),
    api=("fastgrad.selu",),
)


def softmax_samples(g: Gen):
    return [
        Sample((g.t((3, 4)), 1), id="2d_dim1"),
        Sample((g.t((3, 4)), 0), id="2d_dim0"),
        Sample((g.t((2, 3, 4)), -2), id="3d_dim-2"),
        Sample((g.t(()), 0), id="0d"),
        Sample((g.T((3, 4)), 1), id="transposed"),
        Sample((g.strided((2, 3)), 0), id="strided"),
        Sample((g.t((0, 3)), 1), id="0size"),
        Sample((TIn(np.array([[300.0, -300.0, 0.0], [1000.0, 999.0, -1000.0]])), 1), id="large"),
        Sample((g.t((3, 4)), 1), {"dtype": "float64"}, id="dtype"),
    ]


def _softmax_op(name):
    def op(m, x, dim, **kw):
        if "dtype" in kw:
            kw = {"dtype": _dt(m, kw["dtype"])}
        return getattr(m, name)(x, dim, **kw)

    return op


def _np_softmax(x, dim, dtype=None):
    return np.asarray(np.exp(_np_log_softmax(x, dim)))


for _name, _ref in (("softmax", _np_softmax), ("log_softmax", lambda x, dim, dtype=None: _np_log_softmax(x, dim))):
    _add(
        _name,
        op=_softmax_op(_name),
        ref=_ref,
        differentiable=True,
        sample_fn=softmax_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", F + _name),
        forms=(
            Form(f"F.{_name}", lambda m, x, dim, _n=_name, **kw: getattr(m.nn.functional, _n)(x, dim),
                 lambda s: not s.kwargs),
            Form(f"x.{_name}", lambda m, x, dim, _n=_name, **kw: getattr(x, _n)(dim), lambda s: not s.kwargs),
        ),
        error_fn=lambda g: [
            ErrorSample((g.t((3,)), 1), exc=IndexError, match="Dimension out of range", id="dim"),
            ErrorSample((g.ints((3,), np.int64), 0), exc=NotImplementedError, match="not implemented for 'Long'",
                        id="int"),
        ],
    )

# ---- nn.functional: linear, dropout, normalize, one_hot ----


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

# ---- nn.functional: losses (cpp/src/ops/nn_loss.cpp) ----


def loss_samples(target_domain="real", input_domain="real", with_weight=False, extra=()):
    """Pairwise-loss samples: each reduction, 0-d, views, 0-size; `extra` adds keyword variants."""

    def make(g: Gen):
        td, xd = target_domain, input_domain
        out = [Sample((g.t((3, 4), xd), g.t((3, 4), td)), {"reduction": r}, id=r) for r in ("mean", "sum", "none")]
        out += [
            Sample((g.t((), xd), g.t((), td)), id="0d"),
            Sample((g.T((3, 4), xd), g.strided((3, 4), td)), {"reduction": "none"}, id="noncontig"),
            Sample((g.t((0, 3), xd), g.t((0, 3), td)), {"reduction": "sum"}, id="0size_sum"),
            Sample((g.t((3, 4), xd), g.t((3, 4), td, requires_grad=False)), id="target_no_grad"),
        ]
        if with_weight:
            nog = dict(requires_grad=False)
            out.append(Sample((g.t((3, 4), xd), g.t((3, 4), td)), {"weight": g.t((3, 4), "pos", **nog)}, id="weight"))
        for i, kw in enumerate(extra):
            out.append(Sample((g.t((3, 4), xd), g.t((3, 4), td)), dict(kw), id=f"kw{i}"))
        return out

    return make


def _np_smooth_l1(a, b, reduction="mean", beta=1.0):
    d = np.abs(a - b)
    loss = d if beta == 0 else np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce(loss, reduction)


def _np_huber(a, b, reduction="mean", delta=1.0, weight=None):
    d = np.abs(a - b)
    loss = np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    return _reduce(loss if weight is None else loss * weight, reduction)


def _np_l1(a, b, reduction="mean", weight=None):
    loss = np.abs(a - b)
    if weight is not None:
        loss = loss * weight
        if reduction == "mean":
            return np.asarray(loss.sum() / weight.sum())
    return _reduce(loss, reduction)


def _np_bce(x, y, weight=None, reduction="mean"):
    with np.errstate(divide="ignore"):
        loss = -(y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log1p(-x), -100))
    return _reduce(loss if weight is None else loss * weight, reduction)


_add(
    "l1_loss",
    op=lambda m, a, b, **kw: m.nn.functional.l1_loss(a, b, **kw),
    ref=_np_l1,
    differentiable=True,
    sample_fn=loss_samples("nonzero", with_weight=True),
    api=(F + "l1_loss",),
)
_add(
    "smooth_l1_loss",
    op=lambda m, a, b, **kw: m.nn.functional.smooth_l1_loss(a, b, **kw),
    ref=_np_smooth_l1,
    differentiable=True,
    sample_fn=loss_samples(extra=({"beta": 0.5}, {"beta": 0.0})),
    api=(F + "smooth_l1_loss",),
    error_fn=lambda g: [ErrorSample((g.t((3,)), g.t((3,))), {"beta": -1.0}, match="negative values for beta",
                                    id="beta")],
)
_add(
    "huber_loss",
    op=lambda m, a, b, **kw: m.nn.functional.huber_loss(a, b, **kw),
    ref=_np_huber,
    differentiable=True,
    sample_fn=loss_samples(extra=({"delta": 0.5},), with_weight=True),
    api=(F + "huber_loss",),
    error_fn=lambda g: [ErrorSample((g.t((3,)), g.t((3,))), {"delta": 0.0}, match="non-positive values for delta",
                                    id="delta")],
)


def bce_prob_samples(g: Gen):
    p, nog = "prob", dict(requires_grad=False)
    out = [Sample((g.t((3, 4), p), g.t((3, 4), p)), {"reduction": r}, id=r) for r in ("mean", "sum", "none")]
    out += [
        Sample((g.t((3, 4), p), g.t((3, 4), p)), {"weight": g.t((4,), "pos", **nog)}, id="weight_bcast"),
        Sample((g.t((), p), g.t((), p)), id="0d"),
        Sample((g.T((3, 4), p), g.strided((3, 4), p)), {"reduction": "none"}, id="noncontig"),
        Sample((g.t((0, 3), p), g.t((0, 3), p)), {"reduction": "sum"}, id="0size_sum"),
        # log clamped at -100 at the ends of [0, 1] (no gradient check there: the slope is clamped too)
        Sample((TIn(np.array([0.0, 1.0, 0.5])), TIn(np.array([1.0, 0.0, 0.5]))), {"reduction": "none"},
               id="ends", grad=False),
    ]
    return out


_add(
    "binary_cross_entropy",
    op=lambda m, x, y, **kw: m.nn.functional.binary_cross_entropy(x, y, **kw),
    ref=_np_bce,
    differentiable=True,
    sample_fn=bce_prob_samples,
    api=(F + "binary_cross_entropy",),
    error_fn=lambda g: [
        ErrorSample((TIn(np.array([1.5])), TIn(np.array([0.5]))), match="between 0 and 1", id="range"),
        ErrorSample((g.t((3,), "prob"), g.t((3, 1), "prob")), exc=ValueError, match="different to the input size",
                    id="size"),
    ],
)
_add(
    "bce_with_logits_top",
    op=lambda m, x, y, r: m.binary_cross_entropy_with_logits(x, y, None, None, r),
    ref=lambda x, y, r: _np_bce_logits(x, y, reduction={0: "none", 1: "mean", 2: "sum"}[r]),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), g.t((3, 4), "prob"), 1), id="mean"),
        Sample((g.t(()), g.t((), "prob"), 2), id="0d"),
        Sample((g.T((3, 4)), g.t((3, 4), "prob"), 0), id="transposed"),
        Sample((g.t((0, 2)), g.t((0, 2), "prob"), 2), id="0size"),
    ],
    api=("fastgrad.binary_cross_entropy_with_logits",),
)


def _np_nll(x, t, weight=None, ignore_index=-100, reduction="mean"):
    x1, t1 = (x[None], np.asarray(t).reshape(1)) if x.ndim == 1 else (x, t)
    w = np.ones(x1.shape[1]) if weight is None else weight
    keep = t1 != ignore_index
    tsafe = np.where(keep, t1, 0)
    wi = np.where(keep, w[tsafe], 0.0)
    picked = np.take_along_axis(np.moveaxis(x1, 1, -1), tsafe[..., None], -1)[..., 0]
    loss = -wi * picked
    if reduction == "none":
        return np.asarray(loss.reshape(np.shape(t)))
    if reduction == "sum":
        return np.asarray(loss.sum())
    with np.errstate(invalid="ignore"):
        return np.asarray(loss.sum() / wi.sum())


def _targets(g, shape, classes, ignored=()):
    t = g.rng.integers(0, classes, shape).astype(np.int64)
    for pos in ignored:
        t[pos] = -100
    return TIn(t, None, False)


def nll_samples(g: Gen):
    nog = dict(requires_grad=False)
    out = [Sample((g.t((4, 5)), _targets(g, (4,), 5)), {"reduction": r}, id=r) for r in ("mean", "sum", "none")]
    out += [
        Sample((g.t((4, 5)), _targets(g, (4,), 5, [(1,)])), id="ignore"),
        Sample((g.t((4, 5)), _targets(g, (4,), 5, [(1,)])), {"weight": g.t((5,), "pos", **nog)}, id="weight"),
        Sample((g.t((4, 5)), _targets(g, (4,), 5)), {"weight": g.t((5,), "pos", **nog), "reduction": "none"},
               id="weight_none"),
        Sample((g.t((5,)), TIn(np.array(2, dtype=np.int64), None, False)), id="0d_target"),
        Sample((g.t((5,)), TIn(np.array(2, dtype=np.int64), None, False)), {"reduction": "none"}, id="0d_none"),
        Sample((g.t((2, 3, 4, 2)), _targets(g, (2, 4, 2), 3, [(0, 1, 1)])), {"reduction": "none"}, id="2d_spatial"),
        Sample((g.t((2, 3, 4)), _targets(g, (2, 4), 3)), id="1d_spatial"),
        Sample((g.t((2, 3, 2, 2, 2)), _targets(g, (2, 2, 2, 2), 3)), {"reduction": "sum"}, id="3d_spatial"),
        Sample((g.T((4, 5)), _targets(g, (4,), 5)), id="transposed"),
        Sample((g.t((0, 5)), TIn(np.zeros((0,), dtype=np.int64), None, False)), {"reduction": "sum"}, id="0size"),
    ]
    return out


def nll_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 4)), TIn(np.array([0, 1, 5]))), exc=IndexError, match="Target 5 is out of bounds",
                    id="bounds"),
        ErrorSample((g.t((3, 4)), TIn(np.array([0, 1]))), exc=ValueError, match="to match target batch_size",
                    id="batch"),
        ErrorSample((g.t((3, 4)), TIn(np.array([0, 1, 2], dtype=np.int32))), match="expected target dtype",
                    id="int32_target"),
    ]


_add(
    "nll_loss",
    op=lambda m, x, t, **kw: m.nn.functional.nll_loss(x, t, **kw),
    ref=_np_nll,
    differentiable=True,
    sample_fn=nll_samples,
    api=(F + "nll_loss",),
    error_fn=nll_errors,
)


def _np_cross_entropy(x, t, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    class_dim = 0 if x.ndim == 1 else 1
    logp = _np_log_softmax(x, class_dim)
    c = x.shape[class_dim]
    wshape = [1] * x.ndim
    wshape[class_dim] = c
    w = np.ones(c) if weight is None else weight
    if t.dtype.kind == "f":
        tt = t * (1 - label_smoothing) + label_smoothing / c
        loss = -(logp * tt * w.reshape(wshape)).sum(axis=class_dim)
        if reduction == "mean":
            with np.errstate(invalid="ignore"):
                return np.asarray(loss.sum() / (x.size / c))
        return _reduce(loss, reduction)
    nll = _np_nll(logp, t, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return nll
    keep = t != ignore_index
    smooth = -(logp * w.reshape(wshape)).sum(axis=class_dim) * keep
    if reduction == "none":
        ret = smooth
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth.sum() / (w[np.where(keep, t, 0)] * keep).sum()
    return np.asarray((1 - label_smoothing) * nll + ret * (label_smoothing / c))


def ce_samples(g: Gen):
    nog = dict(requires_grad=False)
    p = "prob"
    out = [Sample((g.t((4, 5)), _targets(g, (4,), 5)), {"reduction": r}, id=r) for r in ("mean", "sum", "none")]
    out += [
        Sample((g.t((4, 5)), _targets(g, (4,), 5, [(2,)])), {"weight": g.t((5,), "pos", **nog),
                                                              "label_smoothing": 0.2}, id="weight_smoothing"),
        Sample((g.t((4, 5)), _targets(g, (4,), 5, [(2,)])), {"label_smoothing": 0.1, "reduction": "none"},
               id="smoothing_none"),
        Sample((g.t((4, 5)), g.t((4, 5), p)), id="probs"),
        Sample((g.t((4, 5)), g.t((4, 5), p)), {"weight": g.t((5,), "pos", **nog), "label_smoothing": 0.3,
                                                "reduction": "sum"}, id="probs_weight_smoothing"),
        Sample((g.t((4, 5)), g.t((4, 5), p)), {"reduction": "none"}, id="probs_none"),
        Sample((g.t((2, 3, 4)), _targets(g, (2, 4), 3)), id="spatial"),
        Sample((g.t((5,)), TIn(np.array(1, dtype=np.int64), None, False)), id="0d_target"),
        Sample((g.T((4, 5)), _targets(g, (4,), 5)), id="transposed"),
        Sample((g.t((0, 5)), g.t((0, 5), p)), {"reduction": "sum"}, id="0size"),
    ]
    return out


_add(
    "cross_entropy",
    op=lambda m, x, t, **kw: m.nn.functional.cross_entropy(x, t, **kw),
    ref=_np_cross_entropy,
    differentiable=True,
    sample_fn=ce_samples,
    api=(F + "cross_entropy",),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), TIn(np.array([1, 2, 3]))), {"label_smoothing": 1.5},
                    match="label_smoothing must be between 0.0 and 1.0", id="smoothing"),
        ErrorSample((g.t((3, 4)), g.t((3, 4), "prob")), {"ignore_index": 1},
                    match="ignore_index is not supported for floating point target", id="ignore_probs"),
    ],
)

OPS_BY_NAME = {op.name: op for op in OPS}
assert len(OPS_BY_NAME) == len(OPS), "op names in the table must be unique"

# Public callables that are not ops (creation, random streams, grad mode, dtype utilities, printing):
# the meta-test requires a table entry for every other public name of fastgrad and fastgrad.nn.functional.
# ---- embedding, bilinear, layer_norm, batch_norm (cpp/src/ops/nn_norm.cpp) ----


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


NOT_OPS = frozenset(
    {
        "arange",
        "as_tensor",
        "empty",
        "empty_like",
        "eye",
        "from_numpy",
        "full",
        "full_like",
        "linspace",
        "ones",
        "ones_like",
        "rand",
        "rand_like",
        "randint",
        "randint_like",
        "randn",
        "randn_like",
        "tensor",
        "zeros",
        "zeros_like",
        # filling in place with a number: compared with torch in test_scalar_conversion.py
        "fill_",
        "zero_",
        "manual_seed",
        "seed",
        "initial_seed",
        "get_rng_state",
        "set_rng_state",
        # random streams: compared with torch's draw by draw in test_ops_nn_random_streams.py
        "bernoulli",
        "multinomial",
        "normal",
        "randperm",
        "Generator",
        "get_default_dtype",
        "set_default_dtype",
        "is_grad_enabled",
        "promote_types",
        "broadcast_shapes",
        "set_printoptions",
        "device",
        "set_default_device",
        "get_default_device",
        "is_tensor",
        "is_floating_point",
        "numel",
        "no_grad",
        "enable_grad",
        "set_grad_enabled",
        "inference_mode",
        "is_inference_mode_enabled",
        "is_anomaly_enabled",
        "set_anomaly_enabled",
        "detect_anomaly",
        "Tensor",
        "Size",
        "dtype",
        "save",  # serialization, not ops
        "load",
        "set_num_threads",  # runtime knobs: test_parallel.py
        "get_num_threads",
        "empty_cache",
        # torch-level forms of Tensor methods (fastgrad.X(t, ...) is t.X(...)): test_opinfo_found.py
        "addmv_",
        "detach",
        "detach_",
        "fill_",
        "index_put_",
        "is_inference",
        "split_with_sizes",
        "zero_",
    }
)

import op_table_nn_extra  # noqa: E402,F401  (the nn.functional breadth entries, appended to OPS)
