"""Ordering, distinct elements and counting beyond the op table (op_table/sorting.py, histogram.py): the order
of equal elements and NaN against torch on long lines, the Nodes of the non-differentiable ops, result types,
argument forms, views and docstrings."""

import warnings

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

DTYPES = ("float32", "float64", "int32", "int64", "bool")


def _pair(values, dtype):
    a = np.asarray(values).astype(dtype)
    return torch.from_numpy(a.copy()), fastgrad.from_numpy(a.copy())


def _same(f, t):
    np.testing.assert_array_equal(f.detach().numpy(), t.detach().numpy())
    assert str(f.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]


# ---- the order of equal elements and NaN (Note [Sort order]) ----


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("shape,dim", [((1000,), 0), ((7, 300), 1), ((300, 7), 0), ((5, 40, 3), 1)])
def test_stable_sort_matches_torch_on_long_lines_with_ties(dtype, descending, shape, dim):
    values = np.random.default_rng(0).integers(-3, 4, shape)
    t, f = _pair(values if dtype != "bool" else values > 0, dtype)
    tr = torch.sort(t, dim=dim, descending=descending, stable=True)
    fr = fastgrad.sort(f, dim=dim, descending=descending, stable=True)
    _same(fr.values, tr.values)
    _same(fr.indices, tr.indices)
    # the default sort is stable too (torch's is not on lines longer than 16: only the values are compared)
    fd = fastgrad.sort(f, dim=dim, descending=descending)
    _same(fd.values, tr.values)
    _same(fd.indices, fr.indices)
    _same(fastgrad.argsort(f, dim=dim, descending=descending, stable=True), tr.indices)


@pytest.mark.parametrize("descending", [False, True])
def test_nan_sorts_largest_and_ties_keep_order(descending):
    rng = np.random.default_rng(1)
    values = rng.choice([np.nan, -np.inf, np.inf, 0.0, -0.0, 1.5, -2.0], (6, 50))
    for dtype in ("float32", "float64"):
        t, f = _pair(values, dtype)
        tr = t.sort(dim=1, descending=descending, stable=True)
        fr = f.sort(dim=1, descending=descending, stable=True)
        _same(fr.values, tr.values)
        _same(fr.indices, tr.indices)


def test_large_sort_topk_kthvalue_match_torch():
    values = np.random.default_rng(2).standard_normal((64, 500))  # distinct: indices are determined
    t, f = _pair(values, "float32")
    for dim in (0, 1):
        _same(f.sort(dim).indices, t.sort(dim).indices)
        for k in (1, 7, 64):
            _same(f.topk(k, dim).indices, t.topk(k, dim).indices)
            _same(f.topk(k, dim, largest=False).values, t.topk(k, dim, largest=False).values)
            _same(f.kthvalue(k, dim).indices, t.kthvalue(k, dim).indices)


def test_topk_and_kthvalue_values_with_ties_and_nan():
    values = np.random.default_rng(3).choice([np.nan, 1.0, 2.0, -1.0], (4, 30))
    t, f = _pair(values, "float64")
    for k in (1, 5, 30):
        for largest in (True, False):
            tr, fr = t.topk(k, 1, largest), f.topk(k, 1, largest)
            _same(fr.values, tr.values)
            # the indices point at the values (torch's choice among equal elements may differ)
            np.testing.assert_array_equal(np.take_along_axis(values, fr.indices.numpy(), 1), fr.values.numpy())
        _same(f.kthvalue(k, 1).values, t.kthvalue(k, 1).values)


# ---- Nodes: the non-differentiable ops record PyTorch's raising Nodes ----


@pytest.mark.parametrize(
    "call,node,exc",
    [
        (lambda m, x: m.unique(x), "Unique2Backward0", NotImplementedError),
        (lambda m, x: m.unique(x, sorted=False, return_counts=True)[0], "Unique2Backward0", NotImplementedError),
        (lambda m, x: m.unique(x, dim=0), "UniqueDimBackward0", NotImplementedError),
        (lambda m, x: m.unique_consecutive(x), "UniqueConsecutiveBackward0", NotImplementedError),
        (lambda m, x: m.unique_consecutive(x, dim=1), "UniqueConsecutiveBackward0", NotImplementedError),
        (lambda m, x: m.histogram(x, 3).hist, "NotImplemented", RuntimeError),
        (lambda m, x: m.histogram(x, 3).bin_edges, "NotImplemented", RuntimeError),
        (lambda m, x: m.bincount(m.tensor([0, 2, 2]), x[0]), "NotImplemented", RuntimeError),
    ],
)
def test_non_differentiable_ops_record_raising_nodes(call, node, exc):
    data = np.array([[1.0, 2.0, 1.0], [3.0, 1.0, 2.0]])
    outs = []
    for m in (torch, fastgrad):
        x = m.from_numpy(data.copy()).requires_grad_(True)
        out = call(m, x)
        assert out.requires_grad
        assert type(out.grad_fn).__name__ == node
        with pytest.raises(exc) as info:
            out.sum().backward()
        outs.append(str(info.value))
    assert outs[1] == outs[0] or outs[0].split(" is not")[0] in outs[1]


def test_histc_result_does_not_require_grad():
    x = fastgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = fastgrad.histc(x, 3)
    assert not h.requires_grad and h.grad_fn is None


@pytest.mark.parametrize(
    "call,node",
    [
        (lambda m, x: m.sort(x).values, "SortBackward0"),
        (lambda m, x: m.sort(x, stable=False).values, "SortBackward1"),
        (lambda m, x: m.sort(x, stable=None).values, "SortBackward1"),
        (lambda m, x: m.msort(x), "SortBackward0"),
        (lambda m, x: m.topk(x, 2).values, "TopkBackward0"),
        (lambda m, x: m.kthvalue(x, 2).values, "KthvalueBackward0"),
        (lambda m, x: x.unfold(1, 2, 1), "UnfoldBackward0"),
        (lambda m, x: x.repeat_interleave(2), "ViewBackward0"),
        (lambda m, x: x.repeat_interleave(m.tensor([1, 0]), dim=0), "IndexSelectBackward0"),
        (lambda m, x: m.meshgrid(x[0], x[1], indexing="xy")[1], "ExpandBackward0"),
    ],
)
def test_grad_fn_names(call, node):
    for m in (torch, fastgrad):
        x = m.from_numpy(np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -2.0]])).requires_grad_(True)
        assert type(call(m, x).grad_fn).__name__ == node, m.__name__


def test_second_order_through_topk_and_unfold():
    # create_graph differentiates the backward formulas again (scatter / index_add are recorded ops)
    for m in (torch, fastgrad):
        x = m.from_numpy(np.array([[0.5, -1.0, 2.0, 1.5], [3.0, 0.25, -2.5, 0.0]])).requires_grad_(True)
        y = (m.topk(x * x, 2).values ** 2).sum() + (x.unfold(1, 2, 1) ** 3).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        if m is torch:
            expected = (g.detach().numpy(), gg.numpy())
        else:
            np.testing.assert_allclose(g.detach().numpy(), expected[0])
            np.testing.assert_allclose(gg.numpy(), expected[1])


# ---- result types and argument forms ----


def test_named_tuples():
    x = fastgrad.tensor([3.0, 1.0, 2.0])
    for result, name, fields in (
        (x.sort(), "sort", ("values", "indices")),
        (x.topk(2), "topk", ("values", "indices")),
        (x.kthvalue(1), "kthvalue", ("values", "indices")),
        (fastgrad.histogram(x, 2), "histogram", ("hist", "bin_edges")),
    ):
        assert type(result) is getattr(fastgrad.return_types, name)
        assert isinstance(result, tuple) and len(result) == 2
        assert type(result)._fields == fields
        assert repr(result).startswith(f"fastgrad.return_types.{name}(\n{fields[0]}=tensor(")
        a, b = result
        assert a is result[0] and getattr(result, fields[1]) is b


def test_unique_result_forms():
    x = fastgrad.tensor([2, 1, 2])
    assert isinstance(fastgrad.unique(x), fastgrad.Tensor)
    assert type(fastgrad.unique(x, return_inverse=True)) is tuple
    assert len(fastgrad.unique(x, return_inverse=True, return_counts=True)) == 3
    assert isinstance(fastgrad.unique_consecutive(x), fastgrad.Tensor)
    assert len(x.unique_consecutive(return_counts=True)) == 2


def test_argument_forms_match_torch():
    data = np.array([[3.0, 1.0, 2.0], [0.5, 0.25, 4.0]])
    calls = [
        lambda m, x: m.sort(x, 0, True).indices,
        lambda m, x: m.sort(x, stable=True, dim=0, descending=True).indices,
        lambda m, x: x.argsort(dim=0, descending=True),
        lambda m, x: m.topk(x, 2, 0, False, True).indices,
        lambda m, x: x.topk(k=1, dim=-1).values,
        lambda m, x: x.kthvalue(k=2, dim=1, keepdim=True).values,
        lambda m, x: m.topk(x, m.tensor(2)).values,
        lambda m, x: m.histogram(x, bins=4, range=(0.0, 4.0)).hist,
        lambda m, x: x.histc(bins=4, min=0, max=4),
        lambda m, x: m.repeat_interleave(x, repeats=2, dim=0),
        lambda m, x: x.unfold(dimension=1, size=2, step=1),
    ]
    for call in calls:
        t = call(torch, torch.from_numpy(data.copy()))
        f = call(fastgrad, fastgrad.from_numpy(data.copy()))
        _same(f, t)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: x.argsort(stable=None),  # argsort's stable is a bool (sort's takes None)
        lambda m, x: m.sort(x, True),  # a bool is not a dim
        lambda m, x: x.topk(2.0),
        lambda m, x: x.kthvalue(True),
        lambda m, x: x.repeat_interleave(2.0),
        lambda m, x: m.histogram(x, bins=[0.0, 1.0]),
        lambda m, x: m.meshgrid(x, [1, 2]),
    ],
)
def test_argument_type_errors(call):
    for m in (torch, fastgrad):
        x = m.from_numpy(np.array([3.0, 1.0, 2.0]))
        with pytest.raises(TypeError):
            call(m, x)


def test_meshgrid_warns_without_indexing_and_returns_views():
    a, b = fastgrad.tensor([1.0, 2.0]), fastgrad.tensor([3.0, 4.0, 5.0])
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        x, y = fastgrad.meshgrid(a, b)  # (warns once per process, as torch)
    assert x.shape == (2, 3) and y.shape == (2, 3)
    assert x._is_view() and y._is_view()
    assert x.data_ptr() == a.data_ptr() and y.data_ptr() == b.data_ptr()
    xs = fastgrad.meshgrid([a, b], indexing="xy")
    assert type(xs) is tuple and xs[0].shape == (3, 2) and xs[0].stride() == (0, 1)


def test_unfold_is_a_view():
    x = fastgrad.arange(10.0)
    u = x.unfold(0, 4, 3)
    assert u._is_view() and u._base is x
    x[3] = 100.0
    assert u[0, 3].item() == 100.0 and u[1, 0].item() == 100.0


def test_histogram_edges_are_a_copy_of_bins():
    bins = fastgrad.tensor([0.0, 1.0, 2.0])
    r = fastgrad.histogram(fastgrad.tensor([0.5, 1.5, 1.5]), bins)
    assert r.bin_edges.data_ptr() != bins.data_ptr()
    np.testing.assert_array_equal(r.hist.numpy(), [1.0, 2.0])


@pytest.mark.parametrize(
    "name",
    ["sort", "argsort", "msort", "topk", "kthvalue", "unique", "unique_consecutive", "bincount", "histc",
     "histogram", "repeat_interleave", "meshgrid"],
)
def test_docstrings(name):
    doc = getattr(fastgrad, name).__doc__
    assert doc and f"{name}(" in doc and ("Args:" in doc or "Keyword args:" in doc)
    if hasattr(torch.Tensor, name):
        assert getattr(fastgrad.Tensor, name).__doc__


def test_unfold_docstring():
    assert "Args:" in fastgrad.Tensor.unfold.__doc__


# ---- counting at the bin boundaries (Note [Histogram bins]): the same bins as torch, bit for bit ----


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histogram_and_histc_boundaries_match_torch(dtype):
    rng = np.random.default_rng(11)
    tdt = getattr(torch, dtype)
    for _ in range(60):
        bins = int(rng.integers(1, 60))
        lo = float(np.asarray(rng.uniform(-3, 3), dtype))
        hi = float(np.asarray(lo + rng.uniform(0.1, 5), dtype))
        edges = torch.linspace(lo, hi, bins + 1, dtype=tdt).numpy()
        x = np.concatenate([edges, rng.uniform(lo, hi, 20), (edges[:-1] + edges[1:]) / 2, [lo - 1, hi + 1, np.nan]])
        t, f = _pair(x, dtype)
        _same(fastgrad.histc(f, bins, lo, hi), torch.histc(t, bins, lo, hi))
        tr, fr = torch.histogram(t, bins, range=(lo, hi)), fastgrad.histogram(f, bins, range=(lo, hi))
        _same(fr.bin_edges, tr.bin_edges)
        _same(fr.hist, tr.hist)
        one = x[bins + 5 : bins + 6]  # a single element: the range is widened around it
        t1, f1 = _pair(one, dtype)
        _same(fastgrad.histc(f1, bins), torch.histc(t1, bins))
        _same(fastgrad.histogram(f1, bins).hist, torch.histogram(t1, bins).hist)


@pytest.mark.parametrize("bins", [1, 2, 7, 100])
def test_collapsed_histogram_range_matches_torch(bins):
    # 1e30 +- 1 is 1e30 in float32: the range collapses; torch's bins for it are matched
    t, f = _pair([1e30, 1e30], "float32")
    _same(fastgrad.histc(f, bins), torch.histc(t, bins))
    _same(fastgrad.histogram(f, bins).hist, torch.histogram(t, bins).hist)


# ---- sizes that overflow raise instead of crashing ----


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda m: m.bincount(m.tensor([2**63 - 1])), "overflow"),
        (lambda m: m.ones(4).repeat_interleave(2**62), "overflow"),
        (lambda m: m.repeat_interleave(m.tensor([2**62, 2**62, 2**62, 2**62])), None),  # torch itself crashes here
        (lambda m: m.meshgrid(m.ones(2**21), m.ones(2**21), m.ones(2**21), indexing="ij"), "overflow"),
        (lambda m: m.histc(m.ones(3), bins=2**63 - 1), None),
        (lambda m: m.ones(4).topk(2**63 - 1), "out of range"),
        (lambda m: m.ones(4).kthvalue(-(2**63)), "out of range"),
    ],
)
def test_huge_sizes_raise(call, match):
    with pytest.raises(RuntimeError, match=match):
        call(fastgrad)
