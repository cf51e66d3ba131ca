"""Reductions, shape ops and views against PyTorch: values, dtypes, shapes, grad_fn names, gradients
(vector-Jacobian products with the same upstream gradient), float64 gradcheck, and errors.

Each case is one function written once and run with both libraries (`M` is fastgrad or torch), over
samples that include non-contiguous (transposed and strided) views, 0-d and 0-size tensors.
"""
import math
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

INF = math.inf
NAN = math.nan

# ---- samples ----


class Sample:
    """Inputs given as NumPy arrays; `view` turns the leaf into the op's input (so the view is part of the
    graph and the op sees a non-contiguous tensor)."""

    def __init__(self, *arrays, view="c", label=None):
        self.arrays = [np.asarray(a) for a in arrays]
        self.view = view
        self.label = label or f"{view}:{'x'.join(str(a.shape) for a in self.arrays)}:{self.arrays[0].dtype}"

    def leaves(self, lib, requires_grad):
        out = []
        for a in self.arrays:
            base = self._base_array(a)
            t = lib.tensor(base)
            if requires_grad and np.issubdtype(a.dtype, np.floating):
                t.requires_grad_(True)
            out.append(t)
        return out

    def _base_array(self, a):
        if self.view == "t" and a.ndim >= 2:  # stored transposed: the op sees a permuted (non-contiguous) view
            return np.ascontiguousarray(a.transpose(list(range(a.ndim))[::-1]))
        if self.view == "s" and a.ndim >= 1:  # every other element of a twice as long last dim
            base = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
            base[..., ::2] = a
            return base
        return a

    def inputs(self, leaves):
        out = []
        for a, t in zip(self.arrays, leaves):
            if self.view == "t" and a.ndim >= 2:
                t = t.permute(*range(a.ndim - 1, -1, -1))
            elif self.view == "s" and a.ndim >= 1:
                t = t[..., ::2]
            out.append(t)
        return out


def rand(*shape, dtype=np.float64, seed=0, low=-2.0, high=2.0):
    rng = np.random.default_rng(seed + 17 * len(shape) + sum(shape))
    if dtype == np.bool_:
        return rng.random(shape) > 0.5
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-3, 4, size=shape).astype(dtype)
    return rng.uniform(low, high, size=shape).astype(dtype)


def std_samples(*shapes, dtype=np.float64, views=("c", "t", "s")):
    out = []
    for shape in shapes:
        for v in views:
            if v != "c" and len(shape) < (2 if v == "t" else 1):
                continue
            out.append(Sample(rand(*shape, dtype=dtype), view=v))
    return out


MAT = std_samples((3, 4), (2, 3, 2))
SMALL = std_samples((2, 3))
EMPTY = [Sample(np.zeros((0, 3))), Sample(np.zeros((2, 0, 3)))]
SCALAR = [Sample(np.array(1.5))]
TIES = [Sample(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])), Sample(np.array([[1.0, 3.0], [3.0, 0.5]]), view="t")]
WITH_NAN = [Sample(np.array([[1.0, NAN, 3.0], [2.0, 5.0, -1.0]]))]
ONE_ZERO = [Sample(np.array([[1.5, 0.0, 2.0], [0.5, -1.0, 3.0]])), Sample(np.array([[1.5, 0.0], [2.0, 0.7]]), view="t")]
TWO_ZEROS = [Sample(np.array([[0.0, 2.0, 0.0], [1.5, 0.0, 0.0]]))]
INTS = [Sample(rand(3, 4, dtype=np.int64)), Sample(rand(2, 3, dtype=np.int32), view="t")]
BOOLS = [Sample(rand(3, 4, dtype=np.bool_))]
F32 = [Sample(rand(3, 4, dtype=np.float32)), Sample(rand(3, 4, dtype=np.float32), view="t")]


class Case:
    def __init__(self, name, fn, samples, grad=True, gradcheck=True):
        self.name, self.fn, self.samples, self.grad, self.gradcheck = name, fn, samples, grad, gradcheck


C = Case
CASES = [
    # ---- sum / mean / prod ----
    C("sum", lambda M, x: M.sum(x), MAT + SCALAR + EMPTY + INTS + BOOLS + F32),
    C("sum_dim", lambda M, x: x.sum(1), MAT + EMPTY + INTS + BOOLS),
    C("sum_dims_keepdim", lambda M, x: x.sum((0, -1), keepdim=True), MAT + EMPTY),
    C("sum_dtype", lambda M, x: x.sum(dtype=M.float64), F32 + INTS),
    C("mean", lambda M, x: x.mean(), MAT + SCALAR + F32),
    C("mean_dim", lambda M, x: M.mean(x, -1, keepdim=True), MAT + EMPTY),
    C("prod", lambda M, x: x.prod(), SMALL + SCALAR + ONE_ZERO + TWO_ZEROS + INTS + BOOLS + EMPTY),
    C("prod_dim", lambda M, x: M.prod(x, 1), SMALL + ONE_ZERO + TWO_ZEROS + INTS + EMPTY),
    C("prod_dim_keepdim", lambda M, x: x.prod(0, keepdim=True), SMALL + ONE_ZERO + TWO_ZEROS),
    C("prod_dtype", lambda M, x: x.prod(dtype=M.float64), F32 + INTS),
    C("prod_0d_dim", lambda M, x: x.prod(0), SCALAR),
    # ---- max / min / amax / amin / argmax / argmin ----
    C("max", lambda M, x: x.max(), MAT + SCALAR + TIES + WITH_NAN + INTS + BOOLS),
    C("min", lambda M, x: M.min(x), MAT + TIES + WITH_NAN + INTS),
    C("max_dim", lambda M, x: M.max(x, 1), MAT + TIES + WITH_NAN + INTS + BOOLS + [Sample(np.zeros((0, 3)))]),
    C("max_dim_keepdim", lambda M, x: x.max(dim=0, keepdim=True), MAT + TIES),
    C("min_dim", lambda M, x: x.min(-1), MAT + TIES + WITH_NAN + SCALAR),
    C("max_dim_0d", lambda M, x: x.max(0), SCALAR),
    C("amax", lambda M, x: x.amax(), MAT + TIES + SCALAR + INTS),
    C("amax_dims", lambda M, x: M.amax(x, (0, 1), keepdim=True), MAT + TIES),
    C("amin_dim", lambda M, x: x.amin(1), MAT + TIES + WITH_NAN + [Sample(np.zeros((0, 3)))]),
    C("argmax", lambda M, x: x.argmax(), MAT + TIES + WITH_NAN + INTS + SCALAR),
    C("argmax_keepdim", lambda M, x: M.argmax(x, keepdim=True), MAT),
    C("argmax_dim", lambda M, x: x.argmax(1), MAT + TIES + INTS),
    C("argmin_dim_keepdim", lambda M, x: M.argmin(x, 0, keepdim=True), MAT + TIES + WITH_NAN),
    # ---- var / std ----
    C("var", lambda M, x: x.var(), MAT + F32),
    C("var_dim", lambda M, x: M.var(x, 1), MAT + EMPTY),
    C("var_unbiased_false", lambda M, x: x.var(1, unbiased=False, keepdim=True), MAT),
    C("var_legacy_positional", lambda M, x: M.var(x, 0, True, True), MAT),
    C("var_bool_unbiased", lambda M, x: x.var(False), MAT),
    C("var_correction", lambda M, x: x.var((0, 1), correction=0, keepdim=True), MAT),
    C("var_correction_float", lambda M, x: x.var(dim=-1, correction=1.5), MAT),
    C("std", lambda M, x: x.std(), MAT + F32),
    C("std_dim", lambda M, x: M.std(x, 0, correction=2), MAT),
    C("std_constant", lambda M, x: x.std(1), [Sample(np.array([[2.0, 2.0], [1.0, 3.0]]))]),
    C("var_mean", lambda M, x: M.var_mean(x, 1), MAT),
    C("var_mean_all", lambda M, x: M.var_mean(x, correction=0), MAT),
    C("std_mean", lambda M, x: M.std_mean(x, (0, 1), keepdim=True), MAT),
    C("std_mean_unbiased", lambda M, x: M.std_mean(x, 1, False), MAT),
    # ---- norm / logsumexp ----
    C("norm", lambda M, x: x.norm(), MAT + SCALAR + F32),
    C("norm_p1", lambda M, x: x.norm(p=1), MAT + ONE_ZERO),
    C("norm_p3_dim", lambda M, x: M.norm(x, 3, 1), MAT),
    C("norm_p05", lambda M, x: x.norm(p=0.5, dim=0, keepdim=True), MAT + ONE_ZERO),
    C("norm_pneg1", lambda M, x: x.norm(p=-1), MAT),
    C("norm_p0", lambda M, x: x.norm(p=0), MAT + ONE_ZERO, gradcheck=False),
    C("norm_inf", lambda M, x: x.norm(p=INF), MAT + TIES),
    C("norm_inf_dim", lambda M, x: x.norm(p=INF, dim=1), MAT + TIES),
    C("norm_neg_inf", lambda M, x: M.norm(x, p=-INF, dim=0), MAT + TIES),
    C("norm_fro_dims", lambda M, x: M.norm(x, "fro", (0, 1)), MAT),
    C("norm_dtype", lambda M, x: M.norm(x, dtype=M.float64), F32),
    C("logsumexp", lambda M, x: x.logsumexp(1), MAT + EMPTY + INTS),
    C("logsumexp_0d", lambda M, x: x.logsumexp(0), SCALAR),
    C("logsumexp_dims", lambda M, x: M.logsumexp(x, (0, 1), keepdim=True), MAT),
    C("logsumexp_inf", lambda M, x: x.logsumexp(1),
      [Sample(np.array([[-INF, -INF], [INF, 1.0], [-INF, 2.0]]))], grad=False),
    # ---- scans ----
    C("cumsum", lambda M, x: x.cumsum(1), MAT + EMPTY + INTS + BOOLS),
    C("cumsum_0d", lambda M, x: x.cumsum(-1), SCALAR),
    C("cumsum_dim0", lambda M, x: M.cumsum(x, dim=0), MAT),
    C("cumsum_dtype", lambda M, x: x.cumsum(-1, dtype=M.float64), F32 + INTS),
    C("cumprod", lambda M, x: x.cumprod(1), SMALL + ONE_ZERO + TWO_ZEROS + INTS),
    C("cumprod_0d", lambda M, x: x.cumprod(0), SCALAR),
    C("cumprod_dim0", lambda M, x: M.cumprod(x, 0), SMALL + ONE_ZERO + TWO_ZEROS),
    # ---- all / any / count_nonzero ----
    C("all", lambda M, x: x.all(), MAT + BOOLS + INTS + EMPTY, grad=False),
    C("all_dim", lambda M, x: M.all(x, 1, keepdim=True), MAT + BOOLS + EMPTY, grad=False),
    C("any", lambda M, x: M.any(x), BOOLS + INTS + EMPTY + [Sample(np.zeros((2, 2)))], grad=False),
    C("any_dims", lambda M, x: x.any((0, 1)), BOOLS + INTS, grad=False),
    C("count_nonzero", lambda M, x: M.count_nonzero(x), ONE_ZERO + TWO_ZEROS + BOOLS + INTS, grad=False),
    C("count_nonzero_dim", lambda M, x: x.count_nonzero(0), ONE_ZERO + TWO_ZEROS + BOOLS, grad=False),
    C("count_nonzero_dims", lambda M, x: x.count_nonzero((0, 1)), TWO_ZEROS, grad=False),
    # ---- views ----
    C("view", lambda M, x: x.view(-1), std_samples((3, 4), views=("c",)) + EMPTY + SCALAR),
    C("view_split", lambda M, x: x.view(3, 2, 2), std_samples((3, 4), views=("c", "s"))),
    C("reshape", lambda M, x: x.reshape(4, -1), std_samples((3, 4)) + SCALAR[:0]),
    C("reshape_fn", lambda M, x: M.reshape(x, (-1,)), MAT + SCALAR + EMPTY),
    C("flatten", lambda M, x: x.flatten(), MAT + SCALAR + EMPTY + INTS),
    C("flatten_range", lambda M, x: M.flatten(x, 1, -1), MAT + EMPTY),
    C("flatten_same", lambda M, x: x.flatten(1, 1) * 1, MAT),
    C("unflatten", lambda M, x: x.unflatten(1, (2, -1)), std_samples((3, 4), (2, 4, 2))),
    C("unflatten_fn", lambda M, x: M.unflatten(x, -1, (1, 3, 1)), std_samples((2, 3))),
    C("squeeze", lambda M, x: x.squeeze(), [Sample(rand(1, 3, 1)), Sample(rand(2, 1), view="t")] + SCALAR),
    C("squeeze_dim", lambda M, x: M.squeeze(x, 0), [Sample(rand(1, 3)), Sample(rand(3, 1))] + SCALAR),
    C("squeeze_dims", lambda M, x: x.squeeze((0, -1)), [Sample(rand(1, 3, 1)), Sample(rand(1, 1, 2), view="t")]),
    C("unsqueeze", lambda M, x: x.unsqueeze(-1), MAT + SCALAR + EMPTY),
    C("permute", lambda M, x: x.permute(2, 0, 1), std_samples((2, 3, 2))),
    C("permute_tuple", lambda M, x: M.permute(x, (1, 0)), std_samples((3, 4)) + [Sample(np.zeros((0, 2)))]),
    C("transpose", lambda M, x: x.transpose(0, -1), MAT + EMPTY),
    C("swapaxes", lambda M, x: M.swapaxes(x, 0, 1), MAT),
    C("swapdims", lambda M, x: x.swapdims(1, 0), MAT),
    C("t", lambda M, x: x.t(), std_samples((3, 4), (3,)) + SCALAR),
    C("T", lambda M, x: x.T, std_samples((3, 4), (3,))),
    C("mT", lambda M, x: x.mT, MAT),
    C("mH", lambda M, x: x.mH, MAT),
    C("adjoint", lambda M, x: M.adjoint(x), MAT),
    C("expand", lambda M, x: x.expand(2, 3, 4), [Sample(rand(3, 1)), Sample(rand(1, 4), view="t")]),
    C("expand_keep", lambda M, x: x.expand(-1, 2), [Sample(rand(3, 1))]),
    C("expand_as", lambda M, x, y: x.expand_as(y), [Sample(rand(3, 1), rand(2, 3, 4))]),
    C("broadcast_to", lambda M, x: M.broadcast_to(x, (2, 3, 4)), [Sample(rand(4)), Sample(rand(3, 1), view="s")]),
    C("broadcast_tensors", lambda M, x, y: M.broadcast_tensors(x, y), [Sample(rand(3, 1), rand(1, 4))]),
    C("contiguous", lambda M, x: x.contiguous(), std_samples((3, 4))),
    C("clone", lambda M, x: M.clone(x), MAT),
    C("narrow", lambda M, x: x.narrow(1, 1, 2), MAT),
    C("narrow_neg", lambda M, x: M.narrow(x, 0, -2, 2), MAT),
    C("narrow_empty", lambda M, x: x.narrow(0, 3, 0), std_samples((3, 4))),
    C("select", lambda M, x: x.select(1, -1), MAT),
    C("diagonal", lambda M, x: x.diagonal(), MAT),
    C("diagonal_offset", lambda M, x: M.diagonal(x, 1), MAT),
    C("diagonal_dims", lambda M, x: x.diagonal(-1, 0, 2), std_samples((2, 3, 2))),
    C("diagonal_far", lambda M, x: x.diagonal(10), std_samples((3, 4))),
    # ---- splitting (multi-output) ----
    C("unbind", lambda M, x: x.unbind(), MAT),
    C("unbind_dim", lambda M, x: M.unbind(x, -1), MAT),
    C("chunk", lambda M, x: x.chunk(2, 1), MAT),
    C("chunk_uneven", lambda M, x: M.chunk(x, 3), [Sample(rand(5, 2)), Sample(rand(2, 5), view="t")]),
    C("chunk_empty", lambda M, x: x.chunk(3), [Sample(np.zeros((0, 2)))]),
    C("split", lambda M, x: x.split(2), [Sample(rand(5, 2)), Sample(rand(2, 5), view="t")]),
    C("split_sizes", lambda M, x: M.split(x, [1, 0, 3], dim=1), MAT[:3]),
    C("split_empty", lambda M, x: x.split(2), [Sample(np.zeros((0, 2)))]),
    C("tensor_split", lambda M, x: x.tensor_split(3), [Sample(rand(5, 2)), Sample(rand(2, 5), view="t")]),
    C("tensor_split_indices", lambda M, x: M.tensor_split(x, [1, 4, 2], dim=0), [Sample(rand(5, 2))]),
    # ---- joining ----
    C("cat", lambda M, x, y: M.cat([x, y]), [Sample(rand(2, 3), rand(1, 3)), Sample(rand(2, 3), rand(4, 3), view="t")]),
    C("cat_dim", lambda M, x, y: M.cat((x, y), dim=-1), [Sample(rand(2, 3), rand(2, 1)), Sample(rand(2, 0), rand(2, 2))]),
    C("cat_legacy_empty", lambda M, x, y: M.cat([x, y]), [Sample(rand(2, 3), np.zeros(0))]),
    C("cat_promote", lambda M, x, y: M.cat([x, y], 1), [Sample(rand(2, 2, dtype=np.int32), rand(2, 1))]),
    C("concat", lambda M, x, y: M.concat([x, y], dim=1), [Sample(rand(2, 3), rand(2, 1))]),
    C("concatenate", lambda M, x, y: M.concatenate([x, y], axis=1), [Sample(rand(2, 3), rand(2, 1))]),
    C("stack", lambda M, x, y: M.stack([x, y]), [Sample(rand(2, 3), rand(2, 3)), Sample(rand(2, 3), rand(2, 3), view="t")]),
    C("stack_dim", lambda M, x, y: M.stack((x, y), dim=-1), [Sample(rand(2, 3), rand(2, 3)), Sample(np.array(1.0), np.array(2.0))]),
    C("hstack", lambda M, x, y: M.hstack([x, y]), [Sample(rand(3), rand(2)), Sample(rand(2, 3), rand(2, 1)),
                                                   Sample(np.array(1.0), np.array(2.0))]),
    C("vstack", lambda M, x, y: M.vstack([x, y]), [Sample(rand(3), rand(3)), Sample(rand(2, 3), rand(1, 3)),
                                                   Sample(np.array(1.0), np.array(2.0))]),
    C("dstack", lambda M, x, y: M.dstack([x, y]), [Sample(rand(3), rand(3)), Sample(rand(2, 3), rand(2, 3)),
                                                   Sample(rand(2, 3, 1), rand(2, 3, 2))]),
    # ---- rearranging copies ----
    C("repeat", lambda M, x: x.repeat(2, 1, 3), std_samples((3, 2), (2,))),
    C("repeat_zero", lambda M, x: x.repeat(0, 2), std_samples((3, 2))),
    C("tile", lambda M, x: M.tile(x, (2,)), std_samples((3, 2))),
    C("tile_more", lambda M, x: x.tile(2, 1, 2), std_samples((3, 2))),
    C("flip", lambda M, x: x.flip(0), MAT + SCALAR + EMPTY),
    C("flip_dims", lambda M, x: M.flip(x, (0, -1)), MAT),
    C("roll", lambda M, x: x.roll(1), MAT),
    C("roll_dims", lambda M, x: M.roll(x, (1, -3), (0, 1)), MAT + EMPTY[:1]),
    C("roll_big", lambda M, x: x.roll(7, 1), MAT),
    C("tril", lambda M, x: x.tril(), MAT + INTS),
    C("tril_k", lambda M, x: M.tril(x, -1), MAT),
    C("triu", lambda M, x: x.triu(1), MAT + BOOLS),
    C("triu_neg", lambda M, x: M.triu(x, diagonal=-1), MAT + EMPTY),
    C("diag_vector", lambda M, x: x.diag(), std_samples((3,))),
    C("diag_vector_k", lambda M, x: M.diag(x, -1), std_samples((3,))),
    C("diag_matrix", lambda M, x: x.diag(), std_samples((3, 4))),
    C("diag_matrix_k", lambda M, x: M.diag(x, 1), std_samples((3, 4))),
]

# ---- comparison helpers ----


def as_list(out):
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def dtype_name(t):
    return str(t.dtype).split(".")[-1]


def check_same(fo, to, where):
    assert type(fo).__name__ == type(to).__name__ or isinstance(to, (tuple, list)) and isinstance(fo, (tuple, list)), \
        f"{where}: result type {type(fo).__name__} vs {type(to).__name__}"
    fl, tl = as_list(fo), as_list(to)
    assert len(fl) == len(tl), f"{where}: {len(fl)} outputs vs {len(tl)}"
    for i, (f, t) in enumerate(zip(fl, tl)):
        assert tuple(f.shape) == tuple(t.shape), f"{where}[{i}]: shape {tuple(f.shape)} vs {tuple(t.shape)}"
        assert dtype_name(f) == dtype_name(t), f"{where}[{i}]: dtype {f.dtype} vs {t.dtype}"
        fa, ta = f.detach().numpy(), t.detach().numpy()
        rtol = 1e-5 if fa.dtype == np.float32 else 1e-10
        np.testing.assert_allclose(fa, ta, rtol=rtol, atol=rtol, equal_nan=True, err_msg=f"{where}[{i}]")
        tn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
        fn = type(f.grad_fn).__name__ if f.grad_fn is not None else None
        assert fn == tn, f"{where}[{i}]: grad_fn {fn} vs {tn}"


def float_outputs(out):
    return [o for o in as_list(out) if o.dtype.is_floating_point and o.requires_grad]


def case_params():
    for case in CASES:
        for i, s in enumerate(case.samples):
            yield pytest.param(case, s, id=f"{case.name}-{i}-{s.label}")


@pytest.mark.parametrize("case,sample", list(case_params()))
def test_against_torch(case, sample):
    fl = sample.leaves(fastgrad, case.grad)
    tl = sample.leaves(torch, case.grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to = case.fn(torch, *sample.inputs(tl))
        fo = case.fn(fastgrad, *sample.inputs(fl))
    check_same(fo, to, case.name)
    touts, fouts = float_outputs(to), float_outputs(fo)
    assert len(touts) == len(fouts)
    if not touts:
        return
    # The same upstream gradient for both: one vector-Jacobian product per output.
    rng = np.random.default_rng(1)
    weights = [rng.uniform(-1, 1, size=tuple(o.shape)) for o in touts]
    tgrads = torch.autograd.grad(touts, [t for t in tl if t.requires_grad],
                                 [torch.tensor(w, dtype=o.dtype) for w, o in zip(weights, touts)], allow_unused=True)
    fgrads = fastgrad.autograd.grad(fouts, [t for t in fl if t.requires_grad],
                                    [fastgrad.tensor(w, dtype=o.dtype) for w, o in zip(weights, fouts)],
                                    allow_unused=True)
    for i, (fg, tg) in enumerate(zip(fgrads, tgrads)):
        if tg is None:
            assert fg is None or not fg.detach().numpy().any(), f"{case.name}: grad {i} should be None"
            continue
        assert fg is not None, f"{case.name}: grad {i} missing"
        rtol = 1e-5 if tg.dtype == torch.float32 else 1e-9
        np.testing.assert_allclose(fg.numpy(), tg.numpy(), rtol=rtol, atol=rtol, equal_nan=True,
                                   err_msg=f"{case.name}: grad {i}")


def gradcheck_params():
    for case in CASES:
        if not (case.grad and case.gradcheck):
            continue
        for i, s in enumerate(case.samples):
            a0 = s.arrays[0]
            smooth = s not in TIES and not np.isnan(a0).any()
            if a0.dtype == np.float64 and all(a.size <= 16 for a in s.arrays) and smooth:
                yield pytest.param(case, s, id=f"{case.name}-{i}-{s.label}")


@pytest.mark.parametrize("case,sample", list(gradcheck_params()))
def test_gradcheck(case, sample):
    leaves = sample.leaves(fastgrad, True)
    if not any(t.requires_grad for t in leaves):
        pytest.skip("no differentiable input")

    def fn(*ls):
        out = case.fn(fastgrad, *sample.inputs(list(ls)))
        return tuple(o for o in as_list(out) if o.dtype.is_floating_point)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert fastgrad.autograd.gradcheck(fn, leaves, eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("n", [1, 7, 8, 9, 17, 40])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_long_runs_with_ties_and_nan(n, dtype):
    """Contiguous runs take a vectorised path (eight partial results): ties must still give the first
    index, NaN must propagate from any position."""
    rng = np.random.default_rng(n)
    arrays = [rng.integers(-3, 4, size=(3, n)).astype(dtype)]
    if dtype != "int64":
        b = arrays[0].copy()
        b[1, n // 2] = NAN
        b[2, n - 1] = NAN
        arrays.append(b)
    fns = [lambda x: x.max(1), lambda x: x.min(1), lambda x: x.amax(-1), lambda x: x.amin(), lambda x: x.max(),
           lambda x: x.argmax(1), lambda x: x.argmin(), lambda x: x.sum(1), lambda x: x.prod(1),
           lambda x: x.count_nonzero(1), lambda x: x.all(1), lambda x: x.any()]
    if dtype != "int64":
        fns += [lambda x: x.norm(dim=1), lambda x: x.mean(), lambda x: x.norm(p=INF, dim=1)]
    for arr in arrays:
        for fn in fns:
            to, fo = fn(torch.tensor(arr)), fn(fastgrad.tensor(arr))
            for t, f in zip(as_list(to), as_list(fo)):
                assert dtype_name(f) == dtype_name(t)
                np.testing.assert_allclose(f.numpy(), t.numpy(), rtol=1e-6, equal_nan=True)


# ---- named results ----


def test_max_dim_returns_named_tuple():
    x = fastgrad.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    r = x.max(1)
    assert isinstance(r, tuple) and isinstance(r, fastgrad.return_types.max)
    assert type(r).__module__ == "fastgrad.return_types" and type(r).__name__ == "max"
    values, indices = r
    assert values is r.values and indices is r.indices and r[0] is r.values
    assert r.values.tolist() == [5.0, 7.0] and r.indices.tolist() == [1, 0]
    assert repr(r) == ("fastgrad.return_types.max(\nvalues=tensor([5., 7.]),\nindices=tensor([1, 0]))")
    assert repr(x.min(0)).startswith("fastgrad.return_types.min(\nvalues=tensor([1., 0., 2.]),\n")
    again = pickle.loads(pickle.dumps(fastgrad.return_types.max((1, 2))))
    assert type(again) is fastgrad.return_types.max and again.indices == 2 and again == (1, 2)


def test_max_with_other_is_elementwise():
    a, b = fastgrad.tensor([1.0, 5.0]), fastgrad.tensor([3.0, 2.0])
    assert fastgrad.max(a, b).tolist() == [3.0, 5.0]
    assert a.min(b).tolist() == [1.0, 2.0]
    assert fastgrad.max(a, other=b).tolist() == [3.0, 5.0]
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    assert type(fastgrad.max(x, b).grad_fn).__name__ == type(torch.max(torch.tensor([1.0, 2.0], requires_grad=True),
                                                                        torch.tensor([3.0, 2.0])).grad_fn).__name__


# ---- gradient conventions ----


def torch_and_fastgrad(arr):
    return (torch.tensor(arr, dtype=torch.float64, requires_grad=True),
            fastgrad.tensor(arr, dtype=fastgrad.float64, requires_grad=True))


def second_order(fn, arr, seed=3):
    """d/dx <w2, d/dx <w1, fn(x)>> in both libraries: checks double backward against PyTorch."""
    results, w1, w2 = [], None, None
    for M, x in zip((torch, fastgrad), torch_and_fastgrad(arr)):
        out = fn(M, x)
        if w1 is None:
            rng = np.random.default_rng(seed)
            w1, w2 = rng.uniform(-1, 1, size=tuple(out.shape)), rng.uniform(-1, 1, size=arr.shape)
        (g,) = M.autograd.grad(out, x, M.tensor(w1, dtype=M.float64), create_graph=True)
        gg = None
        if g.requires_grad:
            (gg,) = M.autograd.grad(g, x, M.tensor(w2, dtype=M.float64), allow_unused=True)
        if gg is not None and M is torch and gg._is_zerotensor():
            gg = None
        results.append((g.detach().numpy(), None if gg is None else gg.numpy()))
    (tg, tgg), (fg, fgg) = results
    np.testing.assert_allclose(fg, tg, rtol=1e-9, atol=1e-12)
    if tgg is None:
        assert fgg is None or not fgg.any()
    else:
        assert fgg is not None
        np.testing.assert_allclose(fgg, tgg, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("arr", [[[1.5, 0.0, 2.0], [0.5, -1.0, 3.0]], [[0.0, 2.0, 0.0], [1.5, 0.0, 0.0]],
                                 [[1.5, 0.5, 2.0], [0.5, -1.0, 3.0]]], ids=["one-zero", "two-zeros", "no-zero"])
@pytest.mark.parametrize("op", ["prod", "prod_dim", "cumprod", "cumprod_dim0"])
def test_zeros_second_order(op, arr):
    fns = {
        "prod": lambda M, x: x.prod(),
        "prod_dim": lambda M, x: x.prod(1),
        "cumprod": lambda M, x: x.cumprod(1),
        "cumprod_dim0": lambda M, x: x.cumprod(0),
    }
    second_order(fns[op], np.array(arr))


@pytest.mark.parametrize("name,fn", [
    ("var", lambda M, x: x.var(1)),
    ("std", lambda M, x: x.std(0)),
    ("var_mean", lambda M, x: M.var_mean(x, 1)[0] * M.var_mean(x, 1)[1]),
    ("norm", lambda M, x: x.norm(dim=1)),
    ("norm3", lambda M, x: x.norm(p=3)),
    ("norm_inf", lambda M, x: x.norm(p=INF)),
    ("logsumexp", lambda M, x: x.logsumexp(0)),
    ("max_dim", lambda M, x: x.max(1).values ** 2),
    ("amax", lambda M, x: x.amax(0) ** 2),
    ("max", lambda M, x: x.max() ** 2),
    ("cumsum", lambda M, x: x.cumsum(1) ** 2),
    ("cat", lambda M, x: M.cat([x, x * x], 1) ** 2),
    ("unbind", lambda M, x: x.unbind(1)[1] ** 3),
    ("diagonal", lambda M, x: x.diagonal(1) ** 3),
    ("diag", lambda M, x: x.diag() ** 3),
    ("repeat", lambda M, x: x.repeat(2, 1) ** 3),
])
def test_second_order(name, fn):
    second_order(fn, np.array([[1.5, -0.3, 2.0], [0.5, -1.0, 3.0]]))


def test_max_whole_ties_share_gradient():
    for M in (torch, fastgrad):
        x = M.tensor([1.0, 3.0, 3.0, 3.0], requires_grad=True)
        x.max().backward()
        assert np.allclose(x.grad.numpy(), [0, 1 / 3, 1 / 3, 1 / 3])
        y = M.tensor([[1.0, 3.0], [3.0, 0.0]], requires_grad=True)
        y.amax(1).sum().backward()
        assert np.allclose(y.grad.numpy(), [[0, 1], [1, 0]])


def test_max_dim_gradient_goes_to_returned_index():
    x = fastgrad.tensor([[2.0, 2.0, 1.0]], requires_grad=True)
    x.max(1).values.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 0.0]]


def test_var_without_degrees_of_freedom():
    for M in (torch, fastgrad):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert math.isnan(M.ones(1).var().item())
            assert math.isnan(M.ones(2).var(correction=3).item())
            assert math.isinf(M.tensor([1.0, 2.0]).var(correction=2).item())
            assert math.isnan(M.tensor(3.0).std().item())
            assert math.isnan(M.zeros(0, 3).var(0)[0].item())


# ---- multi-output ops with only some outputs used ----


@pytest.mark.parametrize("name,fn", [
    ("unbind-first", lambda M, x: x.unbind(0)[0].sum()),
    ("unbind-last-sq", lambda M, x: (x.unbind(1)[-1] ** 2).sum()),
    ("split-middle", lambda M, x: x.split(1, 1)[1].exp().sum()),
    ("split-sizes-last", lambda M, x: x.split([1, 2], 1)[1].sum()),
    ("chunk-first", lambda M, x: x.chunk(2, 0)[0].sum() * 3),
    ("chunk-two-of-three", lambda M, x: (x.chunk(3, 1)[0] * x.chunk(3, 1)[2]).sum()),
    ("var_mean-only-mean", lambda M, x: M.var_mean(x, 1)[1].sum()),
    ("std_mean-only-std", lambda M, x: M.std_mean(x, 0)[0].sum()),
])
def test_partially_used_outputs(name, fn):
    arr = np.array([[1.5, -0.3, 2.0], [0.5, -1.0, 3.0]])
    grads = []
    for M, x in zip((torch, fastgrad), torch_and_fastgrad(arr)):
        fn(M, x).backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)
    assert fastgrad.autograd.gradcheck(lambda x: fn(fastgrad, x), [torch_and_fastgrad(arr)[1]])


# ---- views ----


@pytest.mark.parametrize("name,fn", [
    ("view", lambda x: x.view(12)),
    ("flatten", lambda x: x.flatten()),
    ("unflatten", lambda x: x.unflatten(1, (2, 2))),
    ("permute", lambda x: x.permute(1, 0)),
    ("T", lambda x: x.T),
    ("mT", lambda x: x.mT),
    ("transpose", lambda x: x.transpose(0, 1)),
    ("squeeze", lambda x: x.unsqueeze(0).squeeze((0,))),
    ("expand", lambda x: x[:1].expand(5, 4)),
    ("narrow", lambda x: x.narrow(1, 1, 2)),
    ("select", lambda x: x.select(0, 1)),
    ("diagonal", lambda x: x.diagonal(1)),
    ("unbind", lambda x: x.unbind(1)[2]),
    ("split", lambda x: x.split(2, 1)[1]),
    ("chunk", lambda x: x.chunk(3, 0)[2]),
    ("broadcast_to", lambda x: x.broadcast_to(2, 3, 4)),
])
def test_views_share_storage(name, fn):
    x = fastgrad.arange(12.0).reshape(3, 4)
    v = fn(x)
    expected = fn(torch.arange(12.0).reshape(3, 4)).numpy()
    assert v._is_view() and v._base is not None
    np.testing.assert_array_equal(v.numpy(), expected)
    x.mul_(10)  # seen through the view
    np.testing.assert_array_equal(v.numpy(), expected * 10)


def test_reshape_copies_only_when_needed():
    x = fastgrad.arange(6.0).reshape(2, 3)
    assert x.reshape(3, 2)._is_view()
    y = x.t().reshape(6)
    assert not y._is_view() and y.tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    assert x.t().contiguous().is_contiguous()
    assert x.contiguous() is x or x.contiguous().data_ptr() == x.data_ptr()
    assert x.flatten(0, 0) is x


def test_T_warns_once_like_torch():
    # Both libraries warn once per process (TORCH_WARN_ONCE), so each runs in a fresh interpreter.
    script = """
import warnings, {lib} as M
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    M.zeros(2, 3).T
    assert not w
    M.zeros(3).T
    M.zeros(2, 3, 4).T
    M.tensor(1.0).T
    M.tensor(1.0).T
assert tuple(M.zeros(2, 3, 4).T.shape) == (4, 3, 2)
print([(a.category.__name__, str(a.message)[:40]) for a in w])
"""
    outputs = [subprocess.run([sys.executable, "-c", script.format(lib=lib)], capture_output=True, text=True,
                              check=True).stdout for lib in ("torch", "fastgrad")]
    assert outputs[0] == outputs[1]
    assert "UserWarning" in outputs[1] and "0-D" in outputs[1]


def test_views_of_non_contiguous_and_empty():
    base = fastgrad.arange(24.0).reshape(2, 3, 4)
    tbase = torch.arange(24.0).reshape(2, 3, 4)
    for fn in (lambda x: x.permute(2, 0, 1).flatten(1), lambda x: x[:, ::2].diagonal(0, 0, 2),
               lambda x: x.transpose(0, 2).unflatten(0, (2, 2)), lambda x: x[..., 1::2].squeeze(),
               lambda x: x.mT.narrow(-1, 1, 2).unbind(0)[1], lambda x: x[:, :0].flatten(),
               lambda x: x[:, :0].permute(2, 1, 0).reshape(4, 0, 2), lambda x: x.flip(1).t() if x.dim() == 2 else
               x.flip(1).mT):
        np.testing.assert_array_equal(fn(base).numpy(), fn(tbase).numpy())


# ---- in-place forms ----


@pytest.mark.parametrize("call", ["t_()", "transpose_(0, 1)", "swapaxes_(1, 0)", "swapdims_(0, -1)",
                                  "unsqueeze_(1)", "squeeze_()", "squeeze_(0)", "tril_()", "triu_(1)",
                                  "cumsum_(0)", "cumprod_(1)", "unsqueeze_(0).squeeze_(0).t_()"])
def test_inplace_forms(call):
    arr = np.array([[1.5, -0.3, 2.0], [0.5, 0.0, 3.0]])
    results = []
    for M in (torch, fastgrad):
        x = M.tensor(arr, requires_grad=True)
        y = x * 1
        v0 = y._version
        r = eval("y." + call)
        assert r is y
        assert y._version > v0
        y.backward(M.tensor(np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape))))
        results.append((tuple(y.shape), tuple(y.stride()), type(y.grad_fn).__name__, y.detach().numpy(),
                        x.grad.numpy()))
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            eval("x." + call)
        plain = M.tensor(arr)
        eval("plain." + call)
        np.testing.assert_array_equal(plain.numpy(), y.detach().numpy())
    (ts, tst, tn, tv, tg), (fs, fst, fn, fv, fg) = results
    assert (fs, fst, fn) == (ts, tst, tn)
    np.testing.assert_allclose(fv, tv)
    np.testing.assert_allclose(fg, tg)


def test_inplace_scans_keep_the_dtype():
    for M in (torch, fastgrad):
        x = M.tensor([1, 2, 3], dtype=M.int32)
        x.cumsum_(0)
        assert dtype_name(x) == "int32" and x.tolist() == [1, 3, 6]


# ---- errors: same exception type as torch, and torch's message inside ours ----

ERRORS = [
    "x.sum(2)", "x.sum((0, 0))", "x.mean(dtype=M.int64)", "M.tensor([1, 2]).mean()", "x.prod(3)",
    "M.zeros(0, 3).max()", "M.zeros(0, 3).max(0)", "M.zeros(0, 3).amax(0)", "M.zeros(0, 3).argmax()",
    "M.tensor([True]).argmax()", "x.max(5)", "x.amax((0, 0))", "M.tensor([1, 2]).var()",
    "M.tensor([1, 2]).norm()", "M.zeros(0, 3).norm(p=float('inf'))", "M.zeros(0, 3).norm(p=float('inf'), dim=0)",
    "M.norm(x, p='fro', dim=(0, 1, 1))", "x.cumsum(2)", "x.logsumexp(3)",
    "x.flatten(1, 0)", "x.flatten(2)", "x.unflatten(1, (3,))", "x.unflatten(1, ())", "x.squeeze((0, 0))",
    "x.permute(0)", "x.permute(0, 0)", "x.permute(0, 2)", "x[0].mT", "x[0].mH", "x.repeat(2)", "x.flip(0, 0)",
    "x.roll(1, (0, 1))", "x.roll((1, 2), (0,))", "x.narrow(0, 2, 2)", "x.narrow(0, 4, 0)", "x.narrow(0, 0, -1)",
    "x.chunk(0)", "x.split(0)", "x.split(-1)", "x.split([1, 1])", "x.split([1, -1, 3])", "x.tensor_split(0)",
    "M.cat([])", "M.cat([x, M.zeros(3, 5)])", "M.cat([x, M.zeros(3)])", "M.cat([x, x], 2)",
    "M.cat([M.tensor(1.0)])", "M.stack([x, x[:2]])", "M.stack([x, x], 3)", "x[0].tril()", "M.zeros(2, 3, 4).diag()",
    "M.tensor(1.0).diag()", "x.diagonal(0, 0, 0)", "x.unbind(2)", "M.tensor(1.0).unbind()",
    "M.broadcast_tensors(x, M.zeros(2, 4))", "x.view(-1, 5)", "x.view(-1, -1)", "M.zeros(0, 3).view(-1, 0)",
    "x.expand(4, 3)", "x.transpose(0, 2)", "M.zeros(2, 2, 2).t()", "x.unsqueeze(3)",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_match_torch(expr):
    results = []
    for M in (torch, fastgrad):
        x = M.zeros(3, 4)
        with pytest.raises(Exception) as info:
            eval(expr, {"M": M, "x": x})
        results.append(info)
    t, f = results
    assert f.type is t.type, f"{expr}: {f.type.__name__}({f.value}) vs {t.type.__name__}({t.value})"
    tmsg = str(t.value).split("\n")[0].replace("torch.", "").strip()
    fmsg = str(f.value)
    if "sparse_coo" in tmsg or "unexpected error" in tmsg:  # torch's message names internals
        return
    assert tmsg in fmsg, f"{expr}: message {fmsg!r} does not contain {tmsg!r}"
