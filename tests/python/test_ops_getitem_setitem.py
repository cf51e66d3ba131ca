"""__getitem__ and __setitem__ against PyTorch: basic and advanced subscripts (values, views and copies, 0-d and
empty results, non-contiguous inputs), writes with and without autograd (grad_fn names, gradients of the
tensor and of the value, version counters, dtype rules), float64 gradcheck, and errors (type and message)."""

import re
import warnings

import numpy as np
import pytest

import fastgrad as fg
from index_linalg_helpers import T, both_raise, check_grad, check_gradgrad, conv_index, rand, run_both

torch = pytest.importorskip("torch")


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


# PyTorch writes index_put_ through masked_fill_ (value.item(), so any dtype) when it does not accumulate, the
# value has one element and the only tensor subscript is one bool mask, whatever basic subscripts stand beside it
# (fuzz seed 3: x[mask, None, 2:-3] = a float64 0-d tensor into float32). Other forms keep the dtype check.
_MASK_FILL_SUBSCRIPTS = [
    "(M4,)", "(M4, None, slice(2, -3))", "(M4, None, slice(0, 2))", "(slice(None), M3)", "(Ellipsis, M3)",
    "(1, M3)", "(M4, 1)", "(T.ones(4, 3, dtype=T.bool),)", "([0, 1],)", "(M4, [0, 1])", "(M4, M3)",
]


@pytest.mark.parametrize("sub", _MASK_FILL_SUBSCRIPTS)
@pytest.mark.parametrize("value", ["T.tensor(0.25, dtype=T.float64)", "T.tensor([0.25], dtype=T.float64)",
                                   "T.tensor([[3]])", "T.tensor(True)", "T.tensor([0.5, 1.5, 2.5], dtype=T.float64)"])
@pytest.mark.parametrize("grad", [False, True])
def test_setitem_one_element_value_through_a_mask_as_torch(sub, value, grad):
    results = []
    for T in (fg, torch):
        env = {"T": T, "M4": T.tensor([True, False, True, False]), "M3": T.tensor([True, False, True])}
        base = T.arange(12.).reshape(4, 3).requires_grad_(grad)
        v = eval(value, env)
        if grad and v.is_floating_point():
            v.requires_grad_()
        x = base.clone() if grad else base.detach().clone()
        try:
            x[eval(sub, env)] = v
        except Exception as e:  # noqa: BLE001 - the outcome class and message are compared
            results.append((type(e).__name__, str(e).split("\n")[0]))
            continue
        out = [x.detach().numpy().copy()]
        if grad:
            (x * T.arange(1., 13.).reshape(4, 3)).sum().backward()
            out += [base.grad.numpy().copy(), None if v.grad is None else (v.grad.numpy().copy(), str(v.grad.dtype))]
        results.append(("ok", out))
    f, t = results
    assert f[0] == t[0], (f, t)
    if f[0] != "ok":
        assert f[1] == t[1]
        return
    np.testing.assert_array_equal(f[1][0], t[1][0])
    if grad:
        np.testing.assert_array_equal(f[1][1], t[1][1])
        assert (f[1][2] is None) == (t[1][2] is None)
        if f[1][2] is not None:
            np.testing.assert_array_equal(f[1][2][0], t[1][2][0])
            assert f[1][2][1].split(".")[-1] == t[1][2][1].split(".")[-1]


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_one_element_value_of_another_dtype(accumulate):
    results = []
    for T in (fg, torch):
        x = T.zeros(4, 3)
        try:
            x.index_put_((T.tensor([True, False, True, False]),), T.tensor([7.0], dtype=T.float64),
                         accumulate=accumulate)
            results.append(("ok", x.numpy().copy()))
        except RuntimeError as e:
            results.append(("RuntimeError", str(e)))
    assert results[0][0] == results[1][0]
    if results[0][0] == "ok":
        np.testing.assert_array_equal(results[0][1], results[1][1])
    else:
        assert results[0][1] == results[1][1]
