"""F.scaled_dot_product_attention against PyTorch beyond the op table's samples: which graph PyTorch records (its
CPU flash kernel or its math path), dropout's random stream, a mask that requires grad, rows that attend to no
key, double backward, float32 at a realistic size."""
import numpy as np
import pytest

import fastgrad as fg

torch = pytest.importorskip("torch")

F = fg.nn.functional
TF = torch.nn.functional


def _pair(rng, shape, dtype=np.float64, requires_grad=True):
    a = rng.standard_normal(shape).astype(dtype)
    return fg.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def _run(rng, qs, ks, vs, mask=None, make_q=None, **kw):
    (fq, tq), (fk, tk), (fv, tv) = (_pair(rng, s) for s in (qs, ks, vs))
    fqi, tqi = (make_q(fq), make_q(tq)) if make_q else (fq, tq)
    fm = tm = None
    if mask is not None:
        fm, tm = fg.tensor(mask), torch.tensor(mask)
    fo = F.scaled_dot_product_attention(fqi, fk, fv, attn_mask=fm, **kw)
    to = TF.scaled_dot_product_attention(tqi, tk, tv, attn_mask=tm, **kw)
    np.testing.assert_allclose(fo.detach().numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(tuple(to.shape))
    fo.backward(fg.tensor(g))
    to.backward(torch.tensor(g))
    for a, b in ((fq, tq), (fk, tk), (fv, tv)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-11)
    return type(fo.grad_fn).__name__, type(to.grad_fn).__name__


@pytest.mark.parametrize("case", [
    dict(qs=(2, 3, 5, 4), ks=(2, 3, 6, 4), vs=(2, 3, 6, 4)),  # PyTorch's flash kernel
    dict(qs=(2, 3, 5, 4), ks=(2, 3, 6, 4), vs=(2, 3, 6, 7)),  # value's head dim differs: math path
    dict(qs=(1, 3, 5, 4), ks=(2, 3, 6, 4), vs=(2, 3, 6, 4)),  # broadcast batch: math path
    dict(qs=(3, 5, 4), ks=(2, 3, 6, 4), vs=(2, 3, 6, 4)),  # ranks differ: math path
    dict(qs=(3, 5, 4), ks=(3, 6, 4), vs=(3, 6, 4), is_causal=True),
    dict(qs=(5, 4), ks=(6, 4), vs=(6, 4)),
    dict(qs=(2, 2, 3, 5, 4), ks=(2, 2, 3, 6, 4), vs=(2, 2, 3, 6, 4), is_causal=True),
    dict(qs=(2, 4, 5, 4), ks=(2, 2, 6, 4), vs=(2, 2, 6, 4), enable_gqa=True),
    dict(qs=(2, 3, 5, 4), ks=(2, 3, 6, 4), vs=(2, 3, 6, 4), mask=np.random.default_rng(9).standard_normal((3, 1, 6))),  # 3-D mask: math path
    dict(qs=(2, 5, 3, 4), ks=(2, 3, 6, 4), vs=(2, 3, 6, 4), make_q=lambda t: t.transpose(1, 2)),  # flash
    dict(qs=(2, 3, 4, 5), ks=(2, 3, 6, 4), vs=(2, 3, 6, 4), make_q=lambda t: t.transpose(-1, -2)),  # math
], ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items() if k != "make_q"))
def test_values_gradients_and_graph_match_torch(case):
    fg_name, torch_name = _run(np.random.default_rng(0), **case)
    assert fg_name == torch_name


def test_rows_that_attend_to_no_key_are_zero_with_zero_gradients():
    rng = np.random.default_rng(1)
    mask = rng.random((5, 6)) < 0.5
    mask[2] = False
    for shape in ((2, 3, 5, 4), (3, 5, 4)):
        _run(rng, shape, shape[:-2] + (6, 4), shape[:-2] + (6, 4), mask=mask)
    fq = fg.randn(1, 1, 5, 4, requires_grad=True)
    out = F.scaled_dot_product_attention(fq, fg.randn(1, 1, 6, 4), fg.randn(1, 1, 6, 4), attn_mask=fg.tensor(mask))
    out.sum().backward()
    assert (out[0, 0, 2] == 0).all() and (fq.grad[0, 0, 2] == 0).all()


def test_mask_and_causal_together_on_4d_inputs():
    rng = np.random.default_rng(2)
    mask = rng.random((5, 6)) < 0.7
    assert _run(rng, (2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 4), mask=mask, is_causal=True)[0] == \
        "ScaledDotProductFlashAttentionForCpuBackward0"


@pytest.mark.parametrize("shape", [(2, 3, 5, 4), (3, 5, 4)])
@pytest.mark.parametrize("causal", [False, True])
def test_dropout_follows_torchs_random_stream(shape, causal):
    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal(shape) for _ in range(3))
    for seed in (0, 7):
        fg.manual_seed(seed)
        torch.manual_seed(seed)
        fo = F.scaled_dot_product_attention(*(fg.tensor(a) for a in (q, k, v)), dropout_p=0.4, is_causal=causal)
        to = TF.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)), dropout_p=0.4, is_causal=causal)
        np.testing.assert_allclose(fo.numpy(), to.numpy(), rtol=1e-12, atol=1e-12)


def test_a_float_mask_that_requires_grad_gets_its_gradient():
    rng = np.random.default_rng(4)
    (fq, tq), (fk, tk), (fv, tv), (fm, tm) = (_pair(rng, s) for s in ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 4), (5, 6)))
    fo = F.scaled_dot_product_attention(fq, fk, fv, attn_mask=fm)
    to = TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm)
    assert type(fo.grad_fn).__name__ == type(to.grad_fn).__name__
    fo.sum().backward()
    to.sum().backward()
    for a, b in ((fq, tq), (fm, tm)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("kw", [{}, {"is_causal": True}, {"mask": True}])
def test_double_backward(kw):
    rng = np.random.default_rng(5)
    q, k, v = (fg.tensor(rng.standard_normal(s), requires_grad=True) for s in ((1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4)))
    mask = None
    if kw.pop("mask", False):
        m = rng.random((3, 5)) < 0.6
        m[1] = False
        mask = fg.tensor(m)

    def f(a, b, c):
        return F.scaled_dot_product_attention(a, b, c, attn_mask=mask, **kw)

    assert fg.autograd.gradcheck(f, (q, k, v))
    assert fg.autograd.gradgradcheck(f, (q, k, v))


def test_float32_transformer_sized_call_matches_torch():
    rng = np.random.default_rng(6)
    q, k, v = (rng.standard_normal((8, 4, 32, 16)).astype(np.float32) for _ in range(3))
    fo = F.scaled_dot_product_attention(*(fg.tensor(a) for a in (q, k, v)), is_causal=True)
    to = TF.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)), is_causal=True)
    np.testing.assert_allclose(fo.numpy(), to.numpy(), rtol=1e-5, atol=1e-5)


def test_errors_name_the_problem():
    q = fg.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match="Expected query, key, and value to have the same dtype"):
        F.scaled_dot_product_attention(q, q.double(), q)
    with pytest.raises(RuntimeError, match="key's last dim"):
        F.scaled_dot_product_attention(q, fg.randn(2, 3, 5), fg.randn(2, 3, 5))
    with pytest.raises(RuntimeError, match="value's sequence length"):
        F.scaled_dot_product_attention(q, q, fg.randn(2, 4, 4))
    with pytest.raises(RuntimeError, match="Number of heads in key and value must divide"):
        F.scaled_dot_product_attention(fg.randn(1, 4, 3, 2), fg.randn(1, 3, 3, 2), fg.randn(1, 3, 3, 2), enable_gqa=True)
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=fg.ones(4, 4, dtype=fg.bool))


@pytest.mark.parametrize("shapes", [((2, 3, 4, 0), (2, 3, 6, 0), (2, 3, 6, 5)), ((3, 4, 0), (3, 6, 0), (3, 6, 5)),
                                    ((2, 3, 4, 5), (2, 3, 0, 5), (2, 3, 0, 5)), ((0, 3, 4, 5), (0, 3, 6, 5), (0, 3, 6, 5))])
def test_empty_dims_match_torch(shapes):
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(s) for s in shapes]
    fo = F.scaled_dot_product_attention(*(fg.tensor(a, requires_grad=True) for a in arrays))
    to = TF.scaled_dot_product_attention(*(torch.tensor(a, requires_grad=True) for a in arrays))
    assert tuple(fo.shape) == tuple(to.shape)
    np.testing.assert_allclose(fo.detach().numpy(), to.detach().numpy(), rtol=1e-12, atol=1e-12)
    fo.sum().backward()
