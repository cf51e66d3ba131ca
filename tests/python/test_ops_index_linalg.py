"""Indexing and linear algebra against PyTorch: values, dtypes, shapes, grad_fn names, gradients (also through
non-contiguous, broadcast, 0-d and 0-size inputs), float64 gradcheck, and errors (type and message)."""

import re
import warnings

import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

# --------------------------------------------------------------------------------------------------------
# helpers: one spec, run on both libraries
# --------------------------------------------------------------------------------------------------------


class T:
    """A float64 input (requires grad unless told) or a fixed integer/bool tensor; `view` makes it
    non-contiguous ("t": transposed, "step": every other element of the last dim, "expand": broadcast)."""

    def __init__(self, value, requires_grad=None, view=None):
        self.value = np.asarray(value)
        self.requires_grad = self.value.dtype.kind == "f" if requires_grad is None else requires_grad
        self.view = view

    def make(self, lib):
        t = lib.tensor(self.value.copy())
        if self.requires_grad:
            t.requires_grad_(True)
        return t

    def use(self, leaf):
        if self.view == "t":
            return leaf.transpose(0, 1)
        if self.view == "step":
            return leaf[..., ::2]
        return leaf


def rand(*shape, seed=0):
    return np.random.default_rng(seed + 7 * len(shape) + sum(shape)).standard_normal(shape)


def grad_fn_name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def fg_grad_fn_name(t):
    return None if t.grad_fn is None else t.grad_fn.name()


def as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def run_both(fn, specs, check_name=True, backward=True):
    """Runs fn(lib, *inputs) on fastgrad and torch; compares values, dtypes, shapes, Node names and the
    gradients of every float input for a random upstream gradient."""
    fl = [s.make(fg) if isinstance(s, T) else s for s in specs]
    tl = [s.make(torch) if isinstance(s, T) else s for s in specs]
    to = as_list(fn(torch, *[s.use(x) if isinstance(s, T) else x for s, x in zip(specs, tl)]))
    fo = as_list(fn(fg, *[s.use(x) if isinstance(s, T) else x for s, x in zip(specs, fl)]))
    assert len(fo) == len(to)
    for f, t in zip(fo, to):
        assert tuple(f.shape) == tuple(t.shape)
        assert str(f.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-9)
        if check_name:
            assert fg_grad_fn_name(f) == grad_fn_name(t)
    if not backward:
        return fo, to
    pairs = [(f, t) for f, t in zip(fo, to) if t.requires_grad]
    if not pairs:
        return fo, to
    rng = np.random.default_rng(1)
    fsum, tsum = 0, 0
    for f, t in pairs:
        w = rng.standard_normal(tuple(t.shape))
        fsum = fsum + (f * fg.tensor(w)).sum()
        tsum = tsum + (t * torch.tensor(w)).sum()
    fsum.backward()
    tsum.backward()
    for s, f, t in zip(specs, fl, tl):
        if isinstance(s, T) and s.requires_grad:
            if t.grad is None:
                assert f.grad is None or not np.any(f.grad.numpy())
            else:
                assert f.grad is not None
                np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-9)
    return fo, to


def check_grad(fn, specs):
    """float64 finite-difference gradcheck of fn(fastgrad, *inputs) (inputs are contiguous leaves; views are
    taken inside fn so that the perturbations reach them)."""
    leaves = [s.make(fg) if isinstance(s, T) else s for s in specs]

    def f(*xs):
        return fn(fg, *[s.use(x) if isinstance(s, T) else x for s, x in zip(specs, xs)])

    assert gradcheck(f, leaves)


def check_gradgrad(fn, specs):
    """Second order: fastgrad's gradgradcheck of fn(fastgrad, *inputs)."""
    leaves = [s.make(fg) if isinstance(s, T) else s for s in specs]

    def f(*xs):
        return fn(fg, *[s.use(x) if isinstance(s, T) else x for s, x in zip(specs, xs)])

    assert gradgradcheck(f, leaves)


def both_raise(fn, exc, match):
    """fn(lib) raises exc with a message matching `match` on both libraries."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc, match=match):
            fn(torch)
        with pytest.raises(exc, match=match):
            fn(fg)


def conv_index(idx, lib):
    """A subscript with NumPy arrays made tensors of `lib`."""
    if isinstance(idx, tuple):
        return tuple(conv_index(i, lib) for i in idx)
    if isinstance(idx, np.ndarray):
        return lib.tensor(idx)
    return idx


# --------------------------------------------------------------------------------------------------------
# __getitem__
# --------------------------------------------------------------------------------------------------------

X = rand(3, 4, 5)
SUBSCRIPTS = [
    0,
    -1,
    (0, 1),
    (1, -2, 3),
    slice(None, None, 2),
    slice(1, None),
    slice(-2, None),
    slice(None, -1, 2),
    None,
    (Ellipsis, 1),
    (None, Ellipsis, None, 0),
    (0, Ellipsis, 0),
    Ellipsis,
    (),
    (slice(None), slice(None)),
    (slice(None), None),
    (slice(1, 3), slice(None, None, 3), 4),
    np.array(1),
    (np.array(2), np.array(-1)),
    # advanced
    np.array([0, 2]),
    [0, 2],
    [2, 2, 0],
    [-1, 0],
    np.array([True, False, True]),
    [True, False, True],
    (slice(None), [0, 1]),
    ([0, 1], [1, 2]),
    (X > 0),
    (1, [0, 1]),
    ([0, 1], slice(None), [1, 2]),
    ([[0], [1]], [0, 2]),
    (None, [0, 1]),
    (Ellipsis, [0, 1]),
    (X[:, :, 0] > 0),
    ([0, 1], None, [1, 2]),
    (slice(1, None), [0, 1]),
    (slice(None), np.array([[0, 1], [2, 3]]), slice(None, None, 2)),
    ([1, 0], [0, 0], [4, 3]),
    (slice(None), slice(None), X[0, 0] > 0),
    (slice(None), X[0] > 0),
    ([0, 0, 1],),
    True,
    False,
    (0, True),
    ([0, 1], True),
    (np.array(True), 1),
    np.array([], dtype=np.int64),
    [],
    (np.array([0, 1], dtype=np.int32), 2),
    (Ellipsis, np.array([[True, False, True, False, True]])[0]),
    # PyTorch's quirks: a bare `:` is a slice, `(:,)` an alias; every ellipsis expands; indices are only
    # checked when something is read
    slice(None),
    (slice(None),),
    (Ellipsis, Ellipsis),
    (Ellipsis, 0, Ellipsis, slice(None)),
    (slice(None, 0), [5, 5]),
    (False,),
]


@pytest.mark.parametrize("idx", SUBSCRIPTS, ids=[repr(i)[:40] for i in SUBSCRIPTS])
def test_getitem_matches_torch(idx):
    run_both(lambda m, x: x[conv_index(idx, m)], [T(X)])


@pytest.mark.parametrize("view", ["t", "step"])
def test_getitem_non_contiguous(view):
    run_both(lambda m, x: x[[0, 2, 1], 1:], [T(rand(4, 6), view=view)])
    run_both(lambda m, x: x[x > 0], [T(rand(4, 6), view=view)])
    run_both(lambda m, x: x[:, [1, 0]][[1, 1]], [T(rand(4, 6), view=view)])


def test_getitem_views_share_memory_and_advanced_copies():
    x = fg.arange(12.0).reshape(3, 4)
    v = x[1:, ::2]
    assert v._is_view()
    x[2, 2] = 100.0
    assert v[1, 1].item() == 100.0
    a = x[[0, 1]]
    x[0, 0] = -1.0
    assert a[0, 0].item() == 0.0


def test_getitem_0d_and_empty():
    run_both(lambda m, x: x[()], [T(np.array(2.5))])
    run_both(lambda m, x: x[None], [T(np.array(2.5))])
    run_both(lambda m, x: x[...], [T(np.array(2.5))])
    run_both(lambda m, x: x[True], [T(np.array(2.5))])
    run_both(lambda m, x: x[m.tensor(True)], [T(np.array(2.5))])
    run_both(lambda m, x: x[[0, 0]], [T(np.zeros((2, 0)))])
    run_both(lambda m, x: x[:, []], [T(np.zeros((2, 0)))])
    run_both(lambda m, x: x[x > 0], [T(np.zeros((0, 3)))])


def test_getitem_list_of_sequences_is_a_tuple():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_both(lambda m, x: x[[[0, 1], [1, 2]]], [T(X)])
        run_both(lambda m, x: x[[0, slice(None)]], [T(X)])


def test_getitem_gradcheck():
    for idx in [
        (slice(None), [0, 2, 2]),
        ([1, 0], None, [2, 2]),
        (X[:2, :3, 0] > 0,),
        (0, [0, 0], slice(1, 3)),
    ]:
        check_grad(lambda m, x: x[conv_index(idx, m)], [T(rand(2, 3, 4))])
    check_gradgrad(lambda m, x: x[[1, 1, 0]], [T(rand(3, 2))])


GETITEM_ERRORS = [
    (lambda x: x[5], IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda x: x[:, 7], IndexError, "index 7 is out of bounds for dimension 1 with size 4"),
    (lambda x: x[0, 7], IndexError, "index 7 is out of bounds for dimension 1 with size 4"),
    (lambda x: x[-4], IndexError, "index -4 is out of bounds for dimension 0 with size 3"),
    (lambda x: x[[5]], IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda x: x[[0, -4]], IndexError, "index -4 is out of bounds for dimension 0 with size 3"),
    (lambda x: x[:, :, [0, 9]], IndexError, "index 9 is out of bounds for dimension 0 with size 5"),
    (lambda x: x[[0, 1], [0, 9]], IndexError, "index 9 is out of bounds for dimension 1 with size 4"),
    (lambda x: x[0, 0, 0, 0], IndexError, "too many indices for tensor of dimension 3"),
    (
        lambda x: x[[True, False]],
        IndexError,
        re.escape(
            "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [3, 4, 5] at index 0"
        ),
    ),
    (
        lambda x: x[:, [True, False]],
        IndexError,
        re.escape(
            "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [3, 4, 5] at index 1"
        ),
    ),
    (
        lambda x: x[[0, 1], [0, 1, 2]],
        IndexError,
        re.escape("shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]"),
    ),
    (lambda x: x[1.5], IndexError, "only integers, slices"),
    (lambda x: x[::0], ValueError, "slice step cannot be zero"),
    (lambda x: x[::-1], ValueError, "step must be greater than zero"),
]


@pytest.mark.parametrize("case", range(len(GETITEM_ERRORS)))
def test_getitem_errors(case):
    fn, exc, match = GETITEM_ERRORS[case]
    both_raise(lambda m: fn(m.tensor(X)), exc, match)


def test_getitem_float_tensor_index_is_refused():
    both_raise(
        lambda m: m.tensor(X)[m.tensor([1.0])],
        IndexError,
        "tensors used as indices must be long, int, byte or bool tensors",
    )
    both_raise(
        lambda m: m.tensor(X)[m.tensor(2.0)],
        IndexError,
        "tensors used as indices must be long, int, byte or bool tensors",
    )


# --------------------------------------------------------------------------------------------------------
# __setitem__
# --------------------------------------------------------------------------------------------------------

SET_SUBSCRIPTS = [
    0,
    (0, 1),
    slice(None, None, 2),
    (Ellipsis, 1),
    (slice(1, 3), slice(None, None, 3), 4),
    None,
    Ellipsis,
    (),
    np.array([0, 2]),
    [2, 0],
    np.array([True, False, True]),
    (slice(None), [0, 1]),
    ([0, 1], [1, 2]),
    (X > 0),
    (1, [0, 1]),
    ([0, 1], slice(None), [1, 2]),
    ([[0], [1]], [0, 2]),
    (None, [0, 1]),
    ([0, 1], None, [1, 2]),
    (slice(1, None), [0, 1]),
    (slice(None), np.array([[0, 1], [2, 3]]), slice(None, None, 2)),
    (1, X[0] > 0),
    True,
    False,
    (False,),
    (0, True),
    (slice(None), slice(None), X[0, 0] > 0),
]


@pytest.mark.parametrize("value_kind", ["scalar", "tensor", "tensor_requires_grad", "broadcast"])
@pytest.mark.parametrize("idx", SET_SUBSCRIPTS, ids=[repr(i)[:40] for i in SET_SUBSCRIPTS])
def test_setitem_with_autograd_matches_torch(idx, value_kind):
    """y = x * 2; y[idx] = v; gradients reach x (0 where overwritten) and v."""
    shape = torch.tensor(X)[conv_index(idx, torch)].shape
    if value_kind == "broadcast":
        if len(shape) == 0:
            pytest.skip("nothing to broadcast")
        vshape = (1,) + tuple(shape[1:])
    else:
        vshape = tuple(shape)
    vspec = T(rand(*vshape, seed=3), requires_grad=value_kind == "tensor_requires_grad")

    def fn(m, x, v):
        y = x * 2
        y[conv_index(idx, m)] = 1.5 if value_kind == "scalar" else v
        return y

    run_both(fn, [T(X), vspec], check_name=False)


@pytest.mark.parametrize("idx", SET_SUBSCRIPTS, ids=[repr(i)[:40] for i in SET_SUBSCRIPTS])
def test_setitem_without_grad_matches_torch(idx):
    shape = torch.tensor(X)[conv_index(idx, torch)].shape
    v = rand(*shape, seed=5)
    out = []
    for m in (fg, torch):
        x = m.tensor(X)
        x[conv_index(idx, m)] = m.tensor(v)
        x2 = m.tensor(X)
        x2[conv_index(idx, m)] = -3
        out.append((x.numpy(), x2.numpy()))
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])


def test_setitem_grad_fn_names():
    for idx, name in [
        (np.array([True, False, True]), "IndexPutBackward0"),
        ((slice(None), [0, 1]), "IndexPutBackward0"),
        ([0, 1], "IndexPutBackward0"),
    ]:
        for m in (fg, torch):
            y = m.tensor(X, requires_grad=True) * 2
            y[conv_index(idx, m)] = 0.0
            assert (y.grad_fn.name() if m is fg else type(y.grad_fn).__name__) == name


def test_setitem_mask_zeroes_gradient():
    x = fg.tensor([1.0, -2.0, 3.0, -4.0], requires_grad=True)
    y = x * 2
    y[y < 0] = 0
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 2.0, 0.0]


def test_setitem_value_gets_its_gradient():
    x = fg.zeros(5)
    v = fg.tensor([1.0, 2.0], requires_grad=True)
    x[[1, 3]] = v
    assert not x.is_leaf
    (x * fg.arange(5.0)).sum().backward()
    assert v.grad.tolist() == [1.0, 3.0]


def test_setitem_rows_built_one_by_one():
    """The pattern `out = zeros(n, d); out[i] = f(x_i)` differentiates like PyTorch."""
    res = []
    for m in (fg, torch):
        w = m.tensor(rand(3, 2), requires_grad=True)
        out = m.zeros(4, 2, dtype=m.float64)
        for i in range(4):
            out[i] = w[i % 3] * (i + 1)
        (out**2).sum().backward()
        res.append(w.grad.numpy())
    np.testing.assert_allclose(res[0], res[1])


def test_setitem_on_leaf_requiring_grad_is_refused_but_works_under_no_grad():
    for m in (fg, torch):
        x = m.ones(3, requires_grad=True)
        with pytest.raises(
            RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"
        ):
            x[0] = 2.0
        with pytest.raises(
            RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"
        ):
            x[[0]] = 2.0
        with m.no_grad():
            x[0] = 2.0
            x[x > 1.5] = 5.0
        assert x.tolist() == [5.0, 1.0, 1.0]
        assert x.requires_grad and x.is_leaf


def test_setitem_bumps_version_of_views():
    x = fg.zeros(3, 4)
    v = x[1]
    before = v._version
    x[1, [0, 2]] = 1.0
    assert v._version > before
    assert v.tolist() == [1.0, 0.0, 1.0, 0.0]


def test_setitem_gradcheck():
    def fn(m, x, v):
        y = x * 1.5
        y[1:, [0, 2]] = v
        return y

    check_grad(fn, [T(rand(3, 4)), T(rand(2, 2))])

    def fn2(m, x, v):
        y = x.clone()
        y[x > 0] = v
        return y

    check_grad(fn2, [T(rand(3, 4)), T(np.array(0.5))])


def test_setitem_dtype_rules_match_torch():
    both_raise(
        lambda m: m.zeros(3).__setitem__([0], m.tensor([1.5], dtype=m.float64)),
        RuntimeError,
        "Index put requires the source and destination dtypes match, got Float for the destination and "
        "Double for the source.",
    )
    for m in (fg, torch):
        x = m.zeros(3, dtype=m.int64)
        x[0] = 1.7
        x[m.tensor([True, False, True])] = m.tensor(2.5)  # mask + 0-d value: a masked_fill, any dtype
        x[1:2] = m.tensor([4.9], dtype=m.float64)  # basic subscripts copy with conversion
        assert x.tolist() == [2, 4, 2]


def test_setitem_value_shape_errors():
    both_raise(
        lambda m: m.zeros(3, 4, 5).__setitem__([0, 1], m.ones(3, 4, 5)),
        RuntimeError,
        re.escape(
            "shape mismatch: value tensor of shape [3, 4, 5] cannot be broadcast to indexing result of "
            "shape [2, 4, 5]"
        ),
    )
    both_raise(
        lambda m: m.zeros(3).__setitem__(m.tensor([True, False, True]), m.tensor([1.0, 2.0, 3.0])),
        RuntimeError,
        "shape mismatch",
    )
    both_raise(lambda m: m.zeros(3).__setitem__(0, "a"), TypeError, "can't assign a str")


def test_setitem_on_view_of_tensor_requiring_grad_rebases_like_torch():
    torch = pytest.importorskip("torch")
    grads = []
    for m in (torch, fg):
        x = m.ones(3, 4, requires_grad=True)
        y = x * 2
        row = y[0]
        row[[0, 1]] = 0.0  # index_put_ on a view: the base's grad_fn becomes CopySlices
        assert type(y.grad_fn).__name__ == "CopySlices"
        (y * m.arange(12.0).view(3, 4)).sum().backward()
        grads.append(x.grad.detach().numpy())
    np.testing.assert_array_equal(grads[1], grads[0])


# --------------------------------------------------------------------------------------------------------
# index ops
# --------------------------------------------------------------------------------------------------------

IDX2 = np.array([[0, 1], [2, 0], [1, 1]])
IDXU = np.array([[0, 1], [2, 0], [1, 2]])  # no repeats along either dimension: scatter is differentiable


def I(a, dtype=np.int64):  # noqa: E743  (an index tensor spec)
    return T(np.asarray(a, dtype=dtype), requires_grad=False)


def B(a):  # a bool tensor spec
    return T(np.asarray(a, dtype=bool), requires_grad=False)


OP_CASES = {
    "index_select": [
        (lambda m, x, i: m.index_select(x, 0, i), [T(rand(3, 4)), I([0, 2, 2])]),
        (lambda m, x, i: x.index_select(1, i), [T(rand(3, 4), view="t"), I([1])]),
        (lambda m, x, i: x.index_select(-1, i), [T(rand(3, 4)), I(1)]),
        (lambda m, x, i: x.index_select(0, i), [T(np.array(2.0)), I([0])]),
        (lambda m, x, i: x.index_select(1, i), [T(rand(3, 4)), I([0, 3], np.int32)]),
        (lambda m, x, i: x.index_select(0, i), [T(rand(3, 4)), I(np.zeros(0))]),
    ],
    "gather": [
        (lambda m, x, i: m.gather(x, 1, i), [T(rand(3, 4)), I(IDX2)]),
        (lambda m, x, i: x.gather(0, i), [T(rand(3, 4), view="t"), I(IDX2)]),
        (lambda m, x, i: x.gather(1, i, sparse_grad=False), [T(rand(3, 4)), I(IDX2, np.int32)]),
        (lambda m, x, i: x.gather(0, i), [T(np.array(2.0)), I(0)]),
        (lambda m, x, i: x.gather(-1, i), [T(rand(2, 3, 4)), I(np.zeros((2, 1, 2)))]),
    ],
    "scatter": [
        (lambda m, x, i, s: m.scatter(x, 1, i, s), [T(rand(3, 4)), I(IDXU), T(rand(3, 2))]),
        (lambda m, x, i, s: x.scatter(0, i, s), [T(rand(3, 4), view="t"), I(IDXU), T(rand(2, 3), view="t")]),
        (lambda m, x, i: x.scatter(1, i, 2.5), [T(rand(3, 4)), I(IDXU)]),
        (lambda m, x, i: x.scatter(1, i, value=-1), [T(rand(3, 4)), I(IDXU)]),
        (lambda m, x, i, s: x.scatter(1, i, src=s), [T(rand(3, 4)), I(IDXU), T(rand(3, 4), view="step")]),
        (lambda m, x, i, s: x.scatter(0, i, s), [T(np.array(1.0)), I(0), T(np.array(3.0))]),
    ],
    "scatter_add": [
        (lambda m, x, i, s: m.scatter_add(x, 1, i, s), [T(rand(3, 4)), I(IDX2), T(rand(3, 2))]),
        (lambda m, x, i, s: x.scatter_add(0, i, s), [T(rand(3, 4)), I(IDX2), T(rand(3, 4), view="step")]),
    ],
    "index_add": [
        (lambda m, x, i, s: m.index_add(x, 0, i, s), [T(rand(3, 4)), I([0, 2, 0]), T(rand(3, 4))]),
        (
            lambda m, x, i, s: x.index_add(1, i, s, alpha=2.5),
            [T(rand(3, 4)), I([3, 3]), T(rand(2, 3), view="t")],
        ),
        (lambda m, x, i, s: x.index_add(0, i, s), [T(np.array(1.0)), I([0]), T(np.array(2.0))]),
    ],
    "masked_fill": [
        (lambda m, x, k: m.masked_fill(x, k, 1.5), [T(rand(3, 4)), B(rand(3, 4) > 0)]),
        (lambda m, x, k: x.masked_fill(k, -2), [T(rand(3, 4), view="t"), B(rand(3) > 0)]),
        (lambda m, x, k, v: x.masked_fill(k, v), [T(rand(3, 4)), B(rand(3, 4) > 0), T(np.array(0.25))]),
        (
            lambda m, x, k, v: x.masked_fill(k, v),
            [T(rand(3, 4)), B(rand(3, 4) > 0), T(np.array(0.25), requires_grad=False)],
        ),
        (lambda m, x, k: x.masked_fill(k, 0.0), [T(rand(4)), B(rand(3, 4) > 0)]),
    ],
    "masked_select": [
        (lambda m, x, k: m.masked_select(x, k), [T(rand(3, 4)), B(rand(3, 4) > 0)]),
        (lambda m, x, k: x.masked_select(k), [T(rand(3, 4), view="t"), B(rand(3) > -0.5)]),
        (lambda m, x, k: x.masked_select(k), [T(rand(4)), B(rand(3, 4) > 0)]),
        (lambda m, x, k: x.masked_select(k), [T(np.array(1.5)), B(np.array(True))]),
    ],
    "take": [
        (lambda m, x, i: m.take(x, i), [T(rand(3, 4)), I([[0, 5], [-1, 5]])]),
        (lambda m, x, i: x.take(i), [T(rand(3, 4), view="t"), I([1, 2, 3])]),
        (lambda m, x, i: x.take(i), [T(np.array(2.0)), I(0)]),
    ],
    "take_along_dim": [
        (lambda m, x, i: m.take_along_dim(x, i, 1), [T(rand(3, 4)), I(IDX2)]),
        (lambda m, x, i: m.take_along_dim(x, i), [T(rand(3, 4)), I([0, 5, 11])]),
        (lambda m, x, i: x.take_along_dim(i, dim=1), [T(rand(3, 4)), I([[0]])]),
        (
            lambda m, x, i: m.take_along_dim(x, i, dim=0),
            [T(rand(3, 1, 4), view="step"), I(np.zeros((1, 5, 1)))],
        ),
    ],
    "index_put": [
        (lambda m, x, i, v: m.index_put(x, (i,), v), [T(rand(3, 4)), I([0, 2]), T(rand(2, 4))]),
        (lambda m, x, i, v: x.index_put((i,), v, accumulate=True), [T(rand(3, 4)), I([0, 0]), T(rand(4))]),
        (
            lambda m, x, i, j, v: x.index_put((i, j), v, True),
            [T(rand(3, 4)), I([0, 0, 1]), I([1, 1, 1]), T(np.array(1.5))],
        ),
        (lambda m, x, k, v: x.index_put((k,), v), [T(rand(3, 4)), B(rand(3, 4) > 0), T(np.array(2.0))]),
    ],
}


@pytest.mark.parametrize("op,case", [(op, i) for op, cases in OP_CASES.items() for i in range(len(cases))])
def test_index_op_matches_torch(op, case):
    fn, specs = OP_CASES[op][case]
    run_both(fn, specs)


@pytest.mark.parametrize("op,case", [(op, i) for op, cases in OP_CASES.items() for i in range(len(cases))])
def test_index_op_gradcheck(op, case):
    fn, specs = OP_CASES[op][case]
    check_grad(fn, specs)


def test_index_ops_second_order():
    check_gradgrad(lambda m, x, i: m.gather(x, 1, i), [T(rand(3, 4)), I(IDX2)])
    check_gradgrad(lambda m, x, i, s: m.scatter_add(x, 1, i, s), [T(rand(3, 4)), I(IDX2), T(rand(3, 2))])
    check_gradgrad(lambda m, x, k: x.masked_select(k), [T(rand(3, 4)), B(rand(3, 4) > 0)])
    check_gradgrad(lambda m, x, i, s: x.index_add(0, i, s) * x, [T(rand(3, 2)), I([0, 0]), T(rand(2, 2))])


def test_duplicate_indices_accumulate_gradients():
    for m in (fg, torch):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x[[0, 0, 2, 0]].sum().backward()
        assert x.grad.tolist() == [3.0, 0.0, 1.0]
        x.grad = None
        x.index_select(0, m.tensor([1, 1])).sum().backward()
        assert x.grad.tolist() == [0.0, 2.0, 0.0]


def test_integer_and_bool_dtypes():
    ints = np.arange(12).reshape(3, 4)
    for dtype in (np.int64, np.int32, np.bool_):
        run_both(lambda m, x: x[[0, 2], 1:], [T(ints.astype(dtype))])
        run_both(lambda m, x, i: m.gather(x, 1, i), [T(ints.astype(dtype)), I(IDX2)])
        run_both(lambda m, x, i: m.index_select(x, 1, i), [T(ints.astype(dtype)), I([3, 0])])
        run_both(lambda m, x, k: m.masked_select(x, k), [T(ints.astype(dtype)), B(ints % 3 == 0)])
        run_both(lambda m, x, k: m.masked_fill(x, k, 1), [T(ints.astype(dtype)), B(ints % 3 == 0)])
        run_both(lambda m, x, i: m.take(x, i), [T(ints.astype(dtype)), I([0, 11])])


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_forward_and_refused_backward(reduce):
    specs = [T(rand(3, 4)), I(IDX2), T(rand(3, 2))]
    fo, to = run_both(lambda m, x, i, s: x.scatter(1, i, s, reduce=reduce), specs, backward=False)
    run_both(lambda m, x, i: x.scatter(1, i, 2.0, reduce=reduce), specs[:2], backward=False)
    with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
        fo[0].sum().backward()


def test_nonzero_and_argwhere():
    for value in [rand(3, 4) > 0, np.array(5.0), np.array(0.0), np.zeros((2, 0)), np.array([[1, 0], [2, 3]])]:
        fx, tx = fg.tensor(value), torch.tensor(value)
        for f, t in [
            (fg.nonzero(fx), torch.nonzero(tx)),
            (fx.nonzero(), tx.nonzero()),
            (fg.argwhere(fx), torch.argwhere(tx)),
            (fx.argwhere(), tx.argwhere()),
        ]:
            assert tuple(f.shape) == tuple(t.shape) and f.dtype == fg.int64
            np.testing.assert_array_equal(f.numpy(), t.numpy())
        ft, tt = fg.nonzero(fx, as_tuple=True), torch.nonzero(tx, as_tuple=True)
        assert isinstance(ft, tuple) and len(ft) == len(tt)
        for f, t in zip(ft, tt):
            np.testing.assert_array_equal(f.numpy(), t.numpy())
        assert len(fx.nonzero(as_tuple=True)) == len(tt)


def test_in_place_forms():
    cases = [
        lambda m, x: x.scatter_(1, m.tensor(IDX2), m.tensor(rand(3, 2))),
        lambda m, x: x.scatter_(1, m.tensor(IDX2), 3.0),
        lambda m, x: x.scatter_(1, m.tensor(IDX2), m.tensor(rand(3, 2)), reduce="multiply"),
        lambda m, x: x.scatter_add_(1, m.tensor(IDX2), m.tensor(rand(3, 2))),
        lambda m, x: x.index_add_(0, m.tensor([2, 2]), m.tensor(rand(2, 4)), alpha=-1),
        lambda m, x: x.masked_fill_(m.tensor(rand(3, 4) > 0), 7.0),
        lambda m, x: x.masked_fill_(m.tensor(rand(4) > 0), m.tensor(7.0)),
        lambda m, x: x.index_put_(
            (m.tensor([0, 0]), m.tensor([1, 1])), m.tensor(1.0, dtype=m.float64), accumulate=True
        ),
    ]
    for fn in cases:
        outs = []
        for m in (fg, torch):
            x = m.tensor(rand(3, 4))
            r = fn(m, x)
            assert r is x
            outs.append(x.numpy())
        np.testing.assert_allclose(outs[0], outs[1])


def test_in_place_forms_with_autograd():
    cases = [
        (lambda m, y, s: y.scatter_(1, m.tensor(IDX2), s), "ScatterBackward0"),
        (lambda m, y, s: y.scatter_add_(1, m.tensor(IDX2), s), "ScatterAddBackward0"),
        (lambda m, y, s: y.index_add_(1, m.tensor([0, 3]), s), "IndexAddBackward0"),
        (lambda m, y, s: y.masked_fill_(y > 0, s.sum()), "MaskedFillBackward1"),
        (lambda m, y, s: y.index_put_((m.tensor([0, 1]),), s.sum(), accumulate=True), "IndexPutBackward0"),
    ]
    for fn, name in cases:
        grads = []
        for m in (fg, torch):
            x = m.tensor(rand(3, 4), requires_grad=True)
            s = m.tensor(rand(3, 2), requires_grad=True)
            y = x * 1.0
            fn(m, y, s)
            assert (y.grad_fn.name() if m is fg else type(y.grad_fn).__name__) == name
            (y * m.tensor(rand(3, 4, seed=9))).sum().backward()
            grads.append((x.grad.numpy(), s.grad.numpy()))
        np.testing.assert_allclose(grads[0][0], grads[1][0])
        np.testing.assert_allclose(grads[0][1], grads[1][1])


INDEX_OP_ERRORS = [
    (
        lambda m: m.index_select(m.zeros(3, 4), 1, m.tensor([[1]])),
        IndexError,
        "index_select\\(\\): Index is supposed to be a vector",
    ),
    (
        lambda m: m.index_select(m.zeros(3, 4), 1, m.tensor([1.0])),
        RuntimeError,
        "index_select\\(\\): Expected dtype int32 or int64 for index",
    ),
    (
        lambda m: m.index_select(m.zeros(3, 4), 1, m.tensor([7])),
        RuntimeError,
        "INDICES element is out of DATA bounds, id=7 axis_dim=4",
    ),
    (
        lambda m: m.gather(m.zeros(3, 4), 1, m.tensor([[5]])),
        RuntimeError,
        "index 5 is out of bounds for dimension 1 with size 4",
    ),
    (
        lambda m: m.gather(m.zeros(3, 4), 1, m.tensor([[-1]])),
        RuntimeError,
        "index -1 is out of bounds for dimension 1 with size 4",
    ),
    (
        lambda m: m.gather(m.zeros(3, 4), 1, m.zeros(4, 2, dtype=m.int64)),
        RuntimeError,
        re.escape(
            "Size does not match at dimension 0 expected index [4, 2] to be no larger than self [3, 4] apart "
            "from dimension 1"
        ),
    ),
    (
        lambda m: m.gather(m.zeros(3, 4), 1, m.zeros(4, dtype=m.int64)),
        RuntimeError,
        "Index tensor must have the same number of dimensions as input tensor",
    ),
    (
        lambda m: m.gather(m.zeros(3, 4), 1, m.zeros(3, 1)),
        RuntimeError,
        "gather\\(\\): Expected dtype int32/int64 for index",
    ),
    (
        lambda m: m.gather(m.zeros(3, 4), 5, m.zeros(3, 1, dtype=m.int64)),
        IndexError,
        "Dimension out of range",
    ),
    (
        lambda m: m.scatter(m.zeros(3, 4), 1, m.zeros(3, 1, dtype=m.int64), m.ones(3, 1, dtype=m.float64)),
        RuntimeError,
        "scatter\\(\\): Expected self.dtype to be equal to src.dtype",
    ),
    (
        lambda m: m.scatter(m.zeros(3, 4), 1, m.zeros(4, 1, dtype=m.int64), m.ones(2, 4)),
        RuntimeError,
        re.escape(
            "Expected index [4, 1] to be no larger than self [3, 4] apart from dimension 1 and to be no larger "
            "size than src [2, 4]"
        ),
    ),
    (
        lambda m: m.scatter(m.zeros(3, 4), 1, m.tensor([[9]]), m.ones(2, 4)),
        RuntimeError,
        "index 9 is out of bounds for dimension 1 with size 4",
    ),
    (
        lambda m: m.scatter(m.zeros(3, 4), 1, m.tensor([0]), m.ones(2, 4)),
        RuntimeError,
        "Index tensor must have the same number of dimensions as self tensor",
    ),
    (
        lambda m: m.zeros(3, 4).scatter(1, m.tensor([[0]]), 1.0, reduce="mean"),
        RuntimeError,
        "reduce argument must be either add or multiply.",
    ),
    (
        lambda m: m.scatter_add(m.zeros(3, 4), 1, m.tensor([[0.0]]), m.ones(2, 4)),
        RuntimeError,
        "scatter\\(\\): Expected dtype int32/int64 for index",
    ),
    (
        lambda m: m.zeros(3).masked_fill(m.ones(3, dtype=m.int64), 1.0),
        RuntimeError,
        "masked_fill_ only supports boolean masks, but got mask with dtype long int",
    ),
    (
        lambda m: m.zeros(3).masked_fill(m.ones(3, dtype=m.bool), m.ones(1)),
        RuntimeError,
        re.escape(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s)."
        ),
    ),
    (
        lambda m: m.zeros(3).masked_fill_(m.ones(2, 3, dtype=m.bool), 1.0),
        RuntimeError,
        re.escape("output with shape [3] doesn't match the broadcast shape [2, 3]"),
    ),
    (
        lambda m: m.masked_select(m.zeros(3), m.ones(3, dtype=m.int64)),
        RuntimeError,
        "masked_select: expected BoolTensor for mask",
    ),
    (
        lambda m: m.index_add(m.zeros(3, 4), 0, m.tensor([0, 1]), m.ones(3, 4)),
        RuntimeError,
        re.escape("index_add_(): Number of indices (2) should be equal to source.size(dim): (3), for dim: 0"),
    ),
    (
        lambda m: m.index_add(m.zeros(3, 4), 0, m.tensor([0, 1]), m.ones(2, 5)),
        RuntimeError,
        "source tensor shape must match self tensor shape, excluding the specified dimension",
    ),
    (
        lambda m: m.index_add(m.zeros(3, 4), 0, m.tensor([0, 7]), m.ones(2, 4)),
        RuntimeError,
        "index 7 is out of bounds for dimension 0 with size 3",
    ),
    (
        lambda m: m.index_add(m.zeros(3, 4), 0, m.tensor([[0, 1]]), m.ones(2, 4)),
        IndexError,
        "index_add_\\(\\): Index is supposed to be a vector, but got dim: 2",
    ),
    (
        lambda m: m.index_add(m.zeros(3, 4), 0, m.tensor([0, 1]), m.ones(2, 4, dtype=m.float64)),
        RuntimeError,
        re.escape("index_add_(): self (Float) and source (Double) must have the same scalar type"),
    ),
    (
        lambda m: m.take(m.zeros(3, 4), m.tensor([12])),
        IndexError,
        "out of range: tried to access index 12 on a tensor of 12 elements.",
    ),
    (
        lambda m: m.take(m.zeros(3, 4), m.tensor([-13])),
        IndexError,
        "out of range: tried to access index -13 on a tensor of 12 elements.",
    ),
    (
        lambda m: m.take_along_dim(m.zeros(3, 4), m.tensor([[0.0]]), 1),
        RuntimeError,
        "torch.take_along_dim\\(\\): dtype of indices should be Long but got Float",
    ),
    (
        lambda m: m.take_along_dim(m.zeros(3, 4), m.tensor([0]), 1),
        RuntimeError,
        "torch.take_along_dim\\(\\): input and indices should have the same number of dimensions, but got 2 "
        "dimensions for input, and 1 dimensions for indices",
    ),
    (
        lambda m: m.index_put(m.zeros(3), (m.tensor([0]),), m.tensor([1.0], dtype=m.float64)),
        RuntimeError,
        "Index put requires the source and destination dtypes match",
    ),
]


@pytest.mark.parametrize("case", range(len(INDEX_OP_ERRORS)))
def test_index_op_errors(case):
    fn, exc, match = INDEX_OP_ERRORS[case]
    both_raise(fn, exc, match)


# --------------------------------------------------------------------------------------------------------
# linear algebra
# --------------------------------------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((2, 5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)),
    ((1, 5, 2, 3), (2, 5, 3, 4)),
    ((5, 3), (2, 1, 3, 4)),
    ((2, 2, 3), (3,)),
    ((0, 2, 3), (3, 4)),
    ((2, 0), (0, 3)),
    ((4, 2, 0), (0, 3)),
    ((2, 3), (3, 0)),
]


@pytest.mark.parametrize("grads", [(True, True), (False, True), (True, False)], ids=["both", "b", "a"])
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul_matches_torch(sa, sb, grads):
    """Values, gradients and the top Node's name (PyTorch folds or batches depending on ranks and on
    which operand requires grad)."""
    specs = [T(rand(*sa), requires_grad=grads[0]), T(rand(*sb, seed=1), requires_grad=grads[1])]
    run_both(lambda m, a, b: m.matmul(a, b), specs)
    run_both(lambda m, a, b: a @ b, specs)


def test_matmul_non_contiguous():
    run_both(lambda m, a, b: a @ b, [T(rand(4, 6), view="t"), T(rand(4, 2))])
    run_both(lambda m, a, b: a @ b, [T(rand(3, 8), view="step"), T(rand(4, 2))])
    run_both(lambda m, a, b: a @ b, [T(rand(2, 5, 3), view="t"), T(rand(3, 4))])
    run_both(lambda m, a, b: a @ b, [T(rand(2, 5, 3), view="t"), T(rand(5, 3, 4))])
    run_both(lambda m, a, b: a @ b, [T(rand(3, 5), view="t"), T(rand(2, 3, 8), view="step")])
    run_both(lambda m, a, b: m.bmm(a, b), [T(rand(2, 5, 3), view="t"), T(rand(5, 3, 8), view="step")])


def test_matmul_gradcheck():
    for sa, sb in [
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 2)),
        ((2, 1, 2, 3), (3, 3, 2)),
        ((2, 3), (2, 3, 2)),
        ((2, 2, 3), (3,)),
    ]:
        check_grad(lambda m, a, b: a @ b, [T(rand(*sa)), T(rand(*sb, seed=1))])
    check_gradgrad(lambda m, a, b: a @ b, [T(rand(2, 2, 3)), T(rand(3, 2, seed=1))])


def test_matmul_integer_dtypes():
    a, b = np.arange(24).reshape(2, 3, 4), np.arange(8).reshape(4, 2)
    for dtype in (np.int64, np.int32):
        run_both(lambda m, x, y: x @ y, [T(a.astype(dtype)), T(b.astype(dtype))])
        run_both(lambda m, x, y: m.mm(x, y), [T(a[0].astype(dtype)), T(b.astype(dtype))])
        run_both(lambda m, x, y: m.dot(x, y), [T(a[0, 0].astype(dtype)), T(a[1, 1].astype(dtype))])


LINALG_CASES = {
    "mm": [
        (lambda m, a, b: m.mm(a, b), [T(rand(2, 3)), T(rand(3, 4))]),
        (lambda m, a, b: a.mm(b), [T(rand(3, 2), view="t"), T(rand(3, 8), view="step")]),
    ],
    "bmm": [
        (lambda m, a, b: m.bmm(a, b), [T(rand(2, 2, 3)), T(rand(2, 3, 4))]),
        (lambda m, a, b: a.bmm(b), [T(rand(3, 2, 3), view="t"), T(rand(2, 3, 4))]),
    ],
    "mv": [
        (lambda m, a, v: m.mv(a, v), [T(rand(2, 3)), T(rand(3))]),
        (lambda m, a, v: a.mv(v), [T(rand(3, 2), view="t"), T(rand(6), view="step")]),
    ],
    "dot": [
        (lambda m, a, b: m.dot(a, b), [T(rand(3)), T(rand(3, seed=1))]),
        (lambda m, a, b: a.dot(b), [T(rand(6), view="step"), T(rand(3))]),
        (lambda m, a, b: m.dot(a, b), [T(np.zeros(0)), T(np.zeros(0))]),
    ],
    "outer": [
        (lambda m, a, b: m.outer(a, b), [T(rand(3)), T(rand(4))]),
        (lambda m, a, b: a.ger(b), [T(rand(6), view="step"), T(rand(2))]),
        (lambda m, a, b: m.outer(a, b), [T(rand(3)), I([1, 2])]),
    ],
    "addmm": [
        (lambda m, s, a, b: m.addmm(s, a, b), [T(rand(2, 4)), T(rand(2, 3)), T(rand(3, 4))]),
        (lambda m, s, a, b: m.addmm(s, a, b, beta=0.5, alpha=-2), [T(rand(4)), T(rand(2, 3)), T(rand(3, 4))]),
        (lambda m, s, a, b: s.addmm(a, b, beta=0), [T(rand(1, 1)), T(rand(3, 2), view="t"), T(rand(3, 4))]),
    ],
    "addmv": [
        (lambda m, s, a, v: m.addmv(s, a, v), [T(rand(2)), T(rand(2, 3)), T(rand(3))]),
        (lambda m, s, a, v: s.addmv(a, v, beta=2, alpha=0.5), [T(np.array(1.0)), T(rand(2, 3)), T(rand(3))]),
    ],
    "baddbmm": [
        (lambda m, s, a, b: m.baddbmm(s, a, b), [T(rand(2, 2, 4)), T(rand(2, 2, 3)), T(rand(2, 3, 4))]),
        (
            lambda m, s, a, b: s.baddbmm(a, b, beta=-1, alpha=3),
            [T(rand(4)), T(rand(2, 2, 3)), T(rand(2, 3, 4))],
        ),
    ],
    "trace": [
        (lambda m, a: m.trace(a), [T(rand(3, 3))]),
        (lambda m, a: a.trace(), [T(rand(3, 5), view="t")]),
        (lambda m, a: m.trace(a), [T(np.zeros((0, 2)))]),
    ],
}


@pytest.mark.parametrize(
    "op,case", [(op, i) for op, cases in LINALG_CASES.items() for i in range(len(cases))]
)
def test_linalg_op_matches_torch(op, case):
    fn, specs = LINALG_CASES[op][case]
    run_both(fn, specs)


@pytest.mark.parametrize(
    "op,case", [(op, i) for op, cases in LINALG_CASES.items() for i in range(len(cases))]
)
def test_linalg_op_gradcheck(op, case):
    fn, specs = LINALG_CASES[op][case]
    check_grad(fn, specs)


def test_linalg_second_order():
    check_gradgrad(
        lambda m, s, a, b: m.addmm(s, a, b, alpha=2), [T(rand(2, 2)), T(rand(2, 3)), T(rand(3, 2))]
    )
    check_gradgrad(
        lambda m, s, a, b: m.baddbmm(s, a, b), [T(rand(2, 2, 2)), T(rand(2, 2, 3)), T(rand(2, 3, 2))]
    )
    check_gradgrad(lambda m, a: m.trace(a * a), [T(rand(2, 2))])


def test_linalg_in_place():
    for name, args in [
        ("addmm_", ((2, 3), (3, 4))),
        ("addmv_", ((2, 3), (3,))),
        ("baddbmm_", ((2, 2, 3), (2, 3, 4))),
    ]:
        outs = []
        for m in (fg, torch):
            shape = {"addmm_": (2, 4), "addmv_": (2,), "baddbmm_": (2, 2, 4)}[name]
            s = m.tensor(rand(*shape))
            r = getattr(s, name)(
                m.tensor(rand(*args[0])), m.tensor(rand(*args[1], seed=2)), beta=0.5, alpha=2
            )
            assert r is s
            outs.append(s.numpy())
        np.testing.assert_allclose(outs[0], outs[1])
    for m in (fg, torch):
        x = m.tensor(rand(2, 4), requires_grad=True)
        y = x * 1
        y.addmm_(m.tensor(rand(2, 3)), m.tensor(rand(3, 4)), beta=3)
        y.sum().backward()
        assert x.grad.tolist() == [[3.0] * 4] * 2


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("i,i->", [(3,), (3,)]),
    ("ij->ji", [(3, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("i,j->ij", [(3,), (2,)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij", [(2, 3)]),
    ("ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ij,ij->ij", [(2, 3), (1, 3)]),
    ("...j,...j->...", [(4, 2, 3), (2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("iij->j", [(3, 3, 2)]),
    ("Ab,bc->Ac", [(2, 3), (3, 4)]),
    ("...i->i", [(2, 3)]),
    ("i...", [(2, 3)]),
    ("ij->...", [(2, 3)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ij,j->i", [(3, 4), (4,)]),
    ("i,i->i", [(3,), (3,)]),
    ("ijk,ikl->ijl", [(2, 0, 3), (2, 3, 4)]),
    ("iji->j", [(2, 3, 2)]),
    ("", [()]),
    ("->", [()]),
    ("bi,bi->b", [(4, 3), (4, 3)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES, ids=[c[0] or "empty" for c in EINSUM_CASES])
def test_einsum_matches_torch(eq, shapes):
    specs = [T(rand(*s, seed=i)) for i, s in enumerate(shapes)]
    run_both(lambda m, *ops: m.einsum(eq, *ops), specs, check_name=False)


def test_einsum_forms_and_gradcheck():
    a, b = rand(2, 3), rand(3, 4)
    run_both(lambda m, x, y: m.einsum("ij,jk->ik", [x, y]), [T(a), T(b)], check_name=False)
    run_both(lambda m, x, y: m.einsum("ij,jk->ik", (x, y)), [T(a), T(b)], check_name=False)
    run_both(lambda m, x, y: m.einsum(x, [0, 1], y, [1, 2], [0, 2]), [T(a), T(b)], check_name=False)
    run_both(lambda m, x: m.einsum(x, [Ellipsis, 1], [Ellipsis]), [T(a)], check_name=False)
    run_both(lambda m, x, y: m.einsum("ij,jk->ik", x, y), [T(rand(3, 2), view="t"), T(b)], check_name=False)
    for eq, shapes in [
        ("ij,jk->ik", [(2, 3), (3, 2)]),
        ("ii->i", [(3, 3)]),
        ("bn,anm,bm->ba", [(2, 3), (2, 3, 2), (2, 2)]),
        ("...j,...j->...", [(2, 2, 3), (2, 3)]),
    ]:
        check_grad(lambda m, *ops: m.einsum(eq, *ops), [T(rand(*s, seed=i)) for i, s in enumerate(shapes)])
    check_gradgrad(lambda m, x, y: m.einsum("bij,bjk->bik", x, y), [T(rand(2, 2, 3)), T(rand(2, 3, 2))])


def test_einsum_integer():
    run_both(
        lambda m, x, y: m.einsum("ij,jk->ik", x, y),
        [T(np.arange(6).reshape(2, 3)), T(np.arange(6).reshape(3, 2))],
    )


EINSUM_ERRORS = [
    (
        "ij,jk->ik",
        [(2, 3), (4, 4)],
        "einsum\\(\\): subscript j has size 4 for operand 1 which does not broadcast with "
        "previously seen size 3",
    ),
    ("ij,jk->ik", [(2, 3)], "einsum\\(\\): fewer operands were provided than specified in the equation"),
    ("ij", [(2, 3), (2, 3)], "einsum\\(\\): more operands were provided than specified in the equation"),
    (
        "ijk,jk->ik",
        [(2, 3), (3, 4)],
        re.escape(
            "einsum(): the number of subscripts in the equation (3) does not match "
            "the number of dimensions (2) for operand 0 and no ellipsis was given"
        ),
    ),
    (
        "ijk...",
        [(2, 3)],
        re.escape(
            "einsum(): the number of subscripts in the equation (3) is more than the number of "
            "dimensions (2) for operand 0"
        ),
    ),
    (
        "ij,jk->il",
        [(2, 3), (3, 4)],
        "einsum\\(\\): output subscript l does not appear in the equation for any input operand",
    ),
    ("ij,jk->ii", [(2, 3), (3, 4)], "einsum\\(\\): output subscript i appears more than once in the output"),
    ("i..", [(2, 3)], "einsum\\(\\): found '.' for operand 0 that is not part of any ellipsis"),
    ("i...j...", [(2, 3)], "einsum\\(\\): found '.' for operand 0 for which an ellipsis was already found"),
    (
        "i1",
        [(2, 3)],
        "einsum\\(\\): invalid subscript given at index 1 in the equation string, subscripts must be in "
        "\\[a-zA-Z\\]",
    ),
    (
        "ij->...i...",
        [(2, 3)],
        re.escape("einsum(): found '.' for output but an ellipsis (...) was already found"),
    ),
    ("ii", [(2, 3)], "einsum\\(\\): subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"),
]


@pytest.mark.parametrize("eq,shapes,match", EINSUM_ERRORS, ids=[e[0] for e in EINSUM_ERRORS])
def test_einsum_errors(eq, shapes, match):
    both_raise(lambda m: m.einsum(eq, *[m.zeros(*s) for s in shapes]), RuntimeError, match)


def test_einsum_dtype_error_and_missing_operands():
    both_raise(
        lambda m: m.einsum("ij,jk->ik", m.zeros(2, 3), m.zeros(3, 4, dtype=m.float64)),
        RuntimeError,
        "expected scalar type Float but found Double",
    )
    both_raise(lambda m: m.einsum("i"), ValueError, "einsum\\(\\): must specify the equation string")


LINALG_ERRORS = [
    (
        lambda m: m.mm(m.zeros(2, 3), m.zeros(4, 5)),
        RuntimeError,
        re.escape("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    ),
    (
        lambda m: m.mm(m.zeros(2, 3), m.zeros(3, 5, dtype=m.float64)),
        RuntimeError,
        "expected m1 and m2 to have the same dtype, but got: float != double",
    ),
    (
        lambda m: m.mm(m.zeros(2, 3, dtype=m.int64), m.zeros(3, 5)),
        RuntimeError,
        "expected m1 and m2 to have the same dtype, but got: long int != float",
    ),
    (lambda m: m.mm(m.zeros(3), m.zeros(3, 5)), RuntimeError, "self must be a matrix"),
    (lambda m: m.mm(m.zeros(2, 3), m.zeros(3)), RuntimeError, "mat2 must be a matrix"),
    (
        lambda m: m.mm(m.zeros(2, 3, dtype=m.bool), m.zeros(3, 2, dtype=m.bool)),
        NotImplementedError,
        "\"addmm_impl_cpu_\" not implemented for 'Bool'",
    ),
    (lambda m: m.bmm(m.zeros(2, 3), m.zeros(2, 3, 5)), RuntimeError, "batch1 must be a 3D tensor"),
    (lambda m: m.bmm(m.zeros(2, 2, 3), m.zeros(3, 5)), RuntimeError, "batch2 must be a 3D tensor"),
    (
        lambda m: m.bmm(m.zeros(2, 2, 3), m.zeros(3, 3, 5)),
        RuntimeError,
        re.escape("Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3]."),
    ),
    (
        lambda m: m.bmm(m.zeros(2, 2, 3), m.zeros(2, 3, 5, dtype=m.float64)),
        RuntimeError,
        "expected scalar type Float but found Double",
    ),
    (
        lambda m: m.mv(m.zeros(2, 3), m.zeros(4)),
        RuntimeError,
        re.escape("size mismatch, got input (2), mat (2x3), vec (4)"),
    ),
    (
        lambda m: m.mv(m.zeros(2, 3), m.zeros(3, 1)),
        RuntimeError,
        "vector \\+ matrix @ vector expected, got 1, 2, 2",
    ),
    (
        lambda m: m.mv(m.zeros(2, 3), m.zeros(3, dtype=m.float64)),
        RuntimeError,
        "addmv input tensors must have the same dtype, but got Double, Float, and Double",
    ),
    (
        lambda m: m.dot(m.zeros(3), m.zeros(4)),
        RuntimeError,
        re.escape(
            "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but "
            "got 3 and 4 elements respectively"
        ),
    ),
    (
        lambda m: m.dot(m.zeros(3, 1), m.zeros(3)),
        RuntimeError,
        "1D tensors expected, but got 2D and 1D tensors",
    ),
    (
        lambda m: m.dot(m.zeros(3), m.zeros(3, dtype=m.float64)),
        RuntimeError,
        "dot : expected both vectors to have same dtype, but found Float and Double",
    ),
    (
        lambda m: m.outer(m.zeros(3, 1), m.zeros(4)),
        RuntimeError,
        "outer: Expected 1-D argument self, but got 2-D",
    ),
    (
        lambda m: m.addmm(m.zeros(3), m.zeros(2, 3), m.zeros(3, 5)),
        RuntimeError,
        re.escape(
            "The expanded size of the tensor (5) must match the existing size (3) at non-singleton dimension 1.  "
            "Target sizes: [2, 5].  Tensor sizes: [3]"
        ),
    ),
    (
        lambda m: m.addmm(m.zeros(5, dtype=m.float64), m.zeros(2, 3), m.zeros(3, 5)),
        RuntimeError,
        "self and mat2 must have the same dtype, but got Double and Float",
    ),
    (
        lambda m: m.baddbmm(m.zeros(5), m.zeros(2, 3), m.zeros(2, 3, 5)),
        RuntimeError,
        "batch1 must be a 3D tensor",
    ),
    (lambda m: m.trace(m.zeros(3)), RuntimeError, "trace: expected a matrix, but got tensor with dim 1"),
    (
        lambda m: m.trace(m.zeros(3, 3, dtype=m.bool)),
        NotImplementedError,
        "\"trace\" not implemented for 'Bool'",
    ),
    (
        lambda m: m.matmul(m.zeros(3), m.tensor(1.0)),
        RuntimeError,
        "both arguments to matmul need to be at least 1D, but they are 1D and 0D",
    ),
    (
        lambda m: m.matmul(m.zeros(2, 3), m.zeros(4, 5)),
        RuntimeError,
        re.escape("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    ),
    (lambda m: m.matmul(m.zeros(3), m.zeros(4)), RuntimeError, "inconsistent tensor size"),
    (
        lambda m: m.matmul(m.zeros(5, 2, 3), m.zeros(5, 4, 5)),
        RuntimeError,
        re.escape("Expected size for first two dimensions of batch2 tensor to be: [5, 3] but got: [5, 4]."),
    ),
    (
        lambda m: m.matmul(m.zeros(5, 2, 3), m.zeros(4, 5)),
        RuntimeError,
        re.escape("mat1 and mat2 shapes cannot be multiplied (10x3 and 4x5)"),
    ),
    (
        lambda m: m.matmul(m.zeros(5, 2, 3, requires_grad=True), m.zeros(4, requires_grad=True)),
        RuntimeError,
        re.escape("size mismatch, got input (10), mat (10x3), vec (4)"),
    ),
    (
        lambda m: m.matmul(m.zeros(5, 2, 3), m.zeros(4, 3, 5)),
        RuntimeError,
        "The size of tensor a \\(5\\) must match the size of tensor b \\(4\\) at non-singleton dimension 0",
    ),
    (
        lambda m: m.matmul(m.zeros(5, 2, 3), m.zeros(5, 3, 5, dtype=m.float64)),
        RuntimeError,
        "expected scalar type Float but found Double",
    ),
]


@pytest.mark.parametrize("case", range(len(LINALG_ERRORS)))
def test_linalg_errors(case):
    fn, exc, match = LINALG_ERRORS[case]
    both_raise(fn, exc, match)


def test_matmul_large_batched_matches_numpy():
    """The batched product goes through BLAS per batch entry: check a size where that matters."""
    a = np.random.default_rng(0).standard_normal((8, 64, 48)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((48, 32)).astype(np.float32)
    np.testing.assert_allclose((fg.tensor(a) @ fg.tensor(b)).numpy(), a @ b, rtol=1e-4, atol=1e-4)
    c = np.random.default_rng(2).standard_normal((8, 48, 32)).astype(np.float32)
    np.testing.assert_allclose((fg.tensor(a) @ fg.tensor(c)).numpy(), a @ c, rtol=1e-4, atol=1e-4)


def test_matmul_result_is_not_a_view_and_can_be_modified():
    x = fg.randn(2, 3, 4, requires_grad=True)
    y = x @ fg.randn(4, 5)
    y[0, 0] = 0.0
    y.sum().backward()
    assert x.grad.shape == (2, 3, 4)
