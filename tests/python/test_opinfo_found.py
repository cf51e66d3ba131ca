"""Regression tests for differences from PyTorch that its OpInfo sample inputs found (test_opinfo.py), each
compared with PyTorch."""

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")


def _noncontig(values):
    """The same values as fastgrad and torch tensors, both every other element of a NaN-filled buffer (the
    layout PyTorch's tests make with noncontiguous_like)."""
    values = np.asarray(values, dtype=np.float64)
    buf = np.full(values.shape + (2,), np.nan)
    buf[..., 1] = values
    fg_t = fastgrad.from_numpy(buf.copy())[..., 1]
    t_t = torch.from_numpy(buf.copy())[..., 1]
    assert not fg_t.is_contiguous() and not t_t.is_contiguous()
    return fg_t, t_t


# ---- kernels reading a non-contiguous input through raw pointers (the dtype cast helper handed back the
# strided input itself when its dtype already matched) ----


@pytest.mark.parametrize("replacement", [False, True])
@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize("shape_rows", [None, 2])
def test_multinomial_noncontiguous_probabilities(replacement, n, shape_rows):
    vals = [0.2, 0.5, 0.3, 0.7] if shape_rows is None else [[0.2, 0.5, 0.3, 0.7], [0.1, 0.0, 0.6, 0.3]]
    fg_p, t_p = _noncontig(vals)
    torch.manual_seed(5)
    fastgrad.manual_seed(5)
    expected = torch.multinomial(t_p, n, replacement=replacement)
    got = fastgrad.multinomial(fg_p, n, replacement=replacement)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bernoulli_noncontiguous_probabilities(dtype):
    fg_p, t_p = _noncontig([0.2, 0.9, 0.0, 1.0, 0.5])
    fg_p, t_p = fg_p.to(getattr(fastgrad, dtype)), t_p.to(getattr(torch, dtype))
    torch.manual_seed(7)
    fastgrad.manual_seed(7)
    expected = torch.bernoulli(t_p)
    got = fastgrad.bernoulli(fg_p)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]


def test_bernoulli_noncontiguous_probability_out_of_range_is_checked():
    # The range check reads the probabilities too: a stray NaN between them must not be seen, a real
    # out-of-range value must.
    fg_p, t_p = _noncontig([0.2, 1.5])
    with pytest.raises(RuntimeError) as expected:
        torch.bernoulli(t_p)
    with pytest.raises(RuntimeError, match="p_in >= 0 && p_in <= 1") as got:
        fastgrad.bernoulli(fg_p)
    assert str(got.value).split(".")[0] == str(expected.value).split(".")[0]


# ---- PyTorch's top-level functions that fastgrad had only as Tensor methods ----


def test_zero_fill_detach_function_forms():
    t = torch.tensor([1.0, -2.0, 3.0])
    f = fastgrad.tensor([1.0, -2.0, 3.0])
    assert fastgrad.zero_(f) is f and torch.zero_(t) is t
    np.testing.assert_array_equal(f.numpy(), t.numpy())
    assert fastgrad.fill_(f, 2.5) is f and torch.fill_(t, 2.5) is t
    np.testing.assert_array_equal(f.numpy(), t.numpy())
    fr = fastgrad.ones(2, requires_grad=True)
    tr = torch.ones(2, requires_grad=True)
    assert fastgrad.detach(fr).requires_grad == torch.detach(tr).requires_grad == False  # noqa: E712
    assert fastgrad.is_inference(fr) == torch.is_inference(tr)
    y_f, y_t = fr * 2, tr * 2
    fastgrad.detach_(y_f)
    torch.detach_(y_t)
    assert y_f.requires_grad == y_t.requires_grad and y_f.grad_fn is None and y_t.grad_fn is None


def test_addmv_index_put_split_with_sizes_function_forms():
    m = np.arange(6.0).reshape(2, 3)
    v = np.array([1.0, -1.0, 2.0])
    acc_f, acc_t = fastgrad.tensor([0.5, 1.0], dtype=fastgrad.float64), torch.tensor([0.5, 1.0], dtype=torch.float64)
    fastgrad.addmv_(acc_f, fastgrad.tensor(m), fastgrad.tensor(v), beta=2, alpha=3)
    torch.addmv_(acc_t, torch.tensor(m), torch.tensor(v), beta=2, alpha=3)
    np.testing.assert_allclose(acc_f.numpy(), acc_t.numpy())

    x_f, x_t = fastgrad.zeros(4), torch.zeros(4)
    fastgrad.index_put_(x_f, (fastgrad.tensor([1, 1, 3]),), fastgrad.tensor([1.0, 2.0, 3.0]), accumulate=True)
    torch.index_put_(x_t, (torch.tensor([1, 1, 3]),), torch.tensor([1.0, 2.0, 3.0]), accumulate=True)
    np.testing.assert_array_equal(x_f.numpy(), x_t.numpy())

    parts_f = fastgrad.split_with_sizes(fastgrad.arange(6), [1, 2, 3])
    parts_t = torch.split_with_sizes(torch.arange(6), [1, 2, 3])
    assert [p.tolist() for p in parts_f] == [p.tolist() for p in parts_t]


@pytest.mark.parametrize("name", ["zero_", "fill_", "detach", "split_with_sizes"])
def test_method_function_forms_refuse_non_tensors_as_torch_does(name):
    args = {"fill_": (1.0,), "split_with_sizes": ([1],)}.get(name, ())
    with pytest.raises(TypeError) as expected:
        getattr(torch, name)(3, *args)
    with pytest.raises(TypeError) as got:
        getattr(fastgrad, name)(3, *args)
    assert str(got.value).startswith(f"{name}(): ") and str(expected.value).startswith(f"{name}()")
    assert "Tensor" in str(got.value) and "int" in str(got.value)


# ---- in-place matrix products whose self does not require grad while the operands do: the result must
# join the graph (it did not: only self's requires_grad was consulted) ----


@pytest.mark.parametrize("op", ["addmm_", "addmv_", "baddbmm_"])
@pytest.mark.parametrize("self_grad", [False, True])
def test_inplace_products_track_their_operands_gradients(op, self_grad):
    rng = np.random.default_rng(0)
    shapes = {"addmm_": ((2, 4), (2, 3), (3, 4)), "addmv_": ((2,), (2, 3), (3,)),
              "baddbmm_": ((2, 2, 4), (2, 2, 3), (2, 3, 4))}[op]
    arrays = [rng.standard_normal(s) for s in shapes]
    up = rng.standard_normal(shapes[0])
    results = []
    for lib in (torch, fastgrad):
        leaf = lib.tensor(arrays[0], requires_grad=self_grad)
        a = lib.tensor(arrays[1], requires_grad=True)
        b = lib.tensor(arrays[2], requires_grad=True)
        s = leaf.clone() if self_grad else leaf
        out = getattr(s, op)(a, b, beta=0.5, alpha=2.0)
        assert out is s and out.requires_grad
        assert type(out.grad_fn).__name__ == op[0].upper() + op[1:-1] + "Backward0"
        out.backward(lib.tensor(up))
        grads = [a.grad.numpy(), b.grad.numpy()] + ([leaf.grad.numpy()] if self_grad else [])
        results.append((out.detach().numpy(), grads))
    (t_out, t_grads), (f_out, f_grads) = results
    np.testing.assert_allclose(f_out, t_out, rtol=1e-12, atol=1e-12)
    for fg_g, t_g in zip(f_grads, t_grads):
        np.testing.assert_allclose(fg_g, t_g, rtol=1e-12, atol=1e-12)
