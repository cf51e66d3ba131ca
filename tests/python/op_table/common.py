"""Building blocks of the op table: sample and entry types, the seeded generator, shared sample sets."""

from __future__ import annotations

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


def adder(entries: list) -> Callable:
    """The `_add(name, op=..., ref=..., ...)` of an area module: builds an OpInfo and appends it to `entries`."""

    def add(*args, **kwargs):
        entries.append(OpInfo(*args, **kwargs))

    return add


F = "F."  # prefix for fastgrad.nn.functional names in `api`


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


def binary_errors(g: Gen):
    return [
        ErrorSample(
            (g.t((3, 4)), g.t((3, 5))), exc=RuntimeError, match="must match the size", id="not_broadcastable"
        ),
    ]


# --------------------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------------------


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


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


def _special_values():
    return TIn(np.array([0.5, -1.5, np.nan, np.inf, -np.inf, 0.0, -0.0]), None, False)


def _fits_first_input(smp):
    """An in-place form applies when the result has the shape of the tensor written to."""
    return np.broadcast_shapes(*(t.shape for t in smp.tensors())) == smp.args[0].shape


def _method(name):
    return lambda m, x, *a, **kw: getattr(x, name)(*a, **kw)


def _np_piece(x, dim, start, stop):
    return np.asarray(x[(slice(None),) * (dim % x.ndim) + (slice(start, stop),)])
