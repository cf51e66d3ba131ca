"""nn.MultiheadAttention and the Transformer modules against PyTorch: the same seed gives the same parameters (same
names, order and initial values), and the same inputs the same outputs, attention weights and gradients, in
training (dropout on the same random stream) and evaluation."""
import numpy as np
import pytest

import fastgrad as fg

torch = pytest.importorskip("torch")


def _build(make, seed=0):
    fg.manual_seed(seed)
    torch.manual_seed(seed)
    return make(fg), make(torch)


def _same_parameters(fm, tm):
    fnames = [n for n, _ in fm.named_parameters()]
    tnames = [n for n, _ in tm.named_parameters()]
    assert fnames == tnames
    for (n, a), (_, b) in zip(fm.named_parameters(), tm.named_parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=n)


def _inputs(rng, *shapes, dtype=np.float64):
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    return ([fg.tensor(a, requires_grad=True) for a in arrays], [torch.tensor(a, requires_grad=True) for a in arrays])


def _close(a, b, tol=1e-10):
    if a is None or b is None:
        assert a is None and b is None
        return
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


MHA_CASES = [
    dict(kw={}, call={}),
    dict(kw={"batch_first": True}, call={}),
    dict(kw={}, call={"need_weights": False}),
    dict(kw={}, call={"average_attn_weights": False}),
    dict(kw={"bias": False, "add_bias_kv": True, "add_zero_attn": True}, call={}),
    dict(kw={"kdim": 3, "vdim": 5}, call={}, cross=True),
    dict(kw={}, call={"attn_mask": "bool"}),
    dict(kw={}, call={"attn_mask": "float", "need_weights": False}),
    dict(kw={}, call={"key_padding_mask": True}),
    dict(kw={"batch_first": True}, call={"attn_mask": "causal", "is_causal": True, "need_weights": False}),
    dict(kw={"dropout": 0.3}, call={}, train=True),
    dict(kw={"dropout": 0.3}, call={"need_weights": False}, train=True),
    dict(kw={}, call={}, unbatched=True),
]


@pytest.mark.parametrize("case", MHA_CASES, ids=lambda c: str(c))
def test_multihead_attention_matches_torch(case):
    E, H, L, S, N = 8, 2, 4, 5, 3
    kw = case["kw"]
    fm, tm = _build(lambda m: m.nn.MultiheadAttention(E, H, dtype=m.float64, **kw))
    _same_parameters(fm, tm)
    rng = np.random.default_rng(1)
    bf = kw.get("batch_first", False)
    def shape(seq, feat):
        if case.get("unbatched"):
            return (seq, feat)
        return (N, seq, feat) if bf else (seq, N, feat)
    if case.get("cross"):
        (fq, fk, fv), (tq, tk, tv) = _inputs(rng, shape(L, E), shape(S, kw["kdim"]), shape(S, kw["vdim"]))
    else:
        (fq, fkv), (tq, tkv) = _inputs(rng, shape(L, E), shape(S, E))
        fk = fv = fkv
        tk = tv = tkv
    call = dict(case["call"])
    if call.get("attn_mask") == "bool":
        m = rng.random((L, S)) < 0.3
        call["attn_mask"] = m
    elif call.get("attn_mask") == "float":
        call["attn_mask"] = rng.standard_normal((L, S))
    elif call.get("attn_mask") == "causal":
        fq, tq = fk, tk  # self-attention: L = S
        call["attn_mask"] = np.triu(np.full((S, S), -np.inf), 1)
    fcall, tcall = dict(call), dict(call)
    if "attn_mask" in call:
        fcall["attn_mask"], tcall["attn_mask"] = fg.tensor(call["attn_mask"]), torch.tensor(call["attn_mask"])
    if call.get("key_padding_mask"):
        kpm = rng.random((N, S)) < 0.3
        fcall["key_padding_mask"], tcall["key_padding_mask"] = fg.tensor(kpm), torch.tensor(kpm)
    if not case.get("train"):
        fm.eval()
        tm.eval()
    fg.manual_seed(5)
    torch.manual_seed(5)
    fo, fw = fm(fq, fk, fv, **fcall)
    to, tw = tm(tq, tk, tv, **tcall)
    _close(fo, to)
    _close(fw, tw)
    g = rng.standard_normal(tuple(to.shape))
    fo.backward(fg.tensor(g))
    to.backward(torch.tensor(g))
    for (n, a), (_, b) in zip(fm.named_parameters(), tm.named_parameters()):
        _close(a.grad, b.grad, 1e-9)
    _close(fq.grad, tq.grad, 1e-9)


def _transformer_inputs(rng, bf, S=5, T=4, N=2, E=8):
    src = rng.standard_normal((N, S, E) if bf else (S, N, E))
    tgt = rng.standard_normal((N, T, E) if bf else (T, N, E))
    return src, tgt


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_transformer_encoder_matches_torch(norm_first, batch_first, activation):
    def make(m):
        layer = m.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.2, activation=activation,
                                             batch_first=batch_first, norm_first=norm_first, dtype=m.float64)
        return m.nn.TransformerEncoder(layer, 2, norm=m.nn.LayerNorm(8, dtype=m.float64))
    fm, tm = _build(make)
    _same_parameters(fm, tm)
    rng = np.random.default_rng(2)
    src, _ = _transformer_inputs(rng, batch_first)
    kpm = rng.random((2, 5)) < 0.3
    kpm[:, 0] = False
    mask = np.triu(np.full((5, 5), -np.inf), 1)
    for train in (True, False):
        fm.train(train)
        tm.train(train)
        fg.manual_seed(9)
        torch.manual_seed(9)
        fx, tx = fg.tensor(src, requires_grad=True), torch.tensor(src, requires_grad=True)
        fo = fm(fx, mask=fg.tensor(mask), src_key_padding_mask=fg.tensor(kpm))
        to = tm(tx, mask=torch.tensor(mask), src_key_padding_mask=torch.tensor(kpm))
        if not train:  # PyTorch's evaluation fast path zeroes padded positions of its nested-tensor output
            keep = ~kpm if batch_first else ~kpm.T
            _close(fo[fg.tensor(keep)], to[torch.tensor(keep)], 1e-9)
            continue
        _close(fo, to, 1e-9)
        fo.sum().backward()
        to.sum().backward()
        _close(fx.grad, tx.grad, 1e-8)
        for (n, a), (_, b) in zip(fm.named_parameters(), tm.named_parameters()):
            _close(a.grad, b.grad, 1e-8)


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    def make(m):
        return m.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16,
                                dropout=0.1, batch_first=batch_first, dtype=m.float64)
    fm, tm = _build(make)
    _same_parameters(fm, tm)
    rng = np.random.default_rng(3)
    src, tgt = _transformer_inputs(rng, batch_first)
    fmask = fg.nn.Transformer.generate_square_subsequent_mask(4, dtype=fg.float64)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    np.testing.assert_array_equal(fmask.numpy(), tmask.numpy())
    fg.manual_seed(4)
    torch.manual_seed(4)
    fo = fm(fg.tensor(src), fg.tensor(tgt), tgt_mask=fmask)
    to = tm(torch.tensor(src), torch.tensor(tgt), tgt_mask=tmask)
    _close(fo, to, 1e-9)
    fo.sum().backward()
    to.sum().backward()
    for (n, a), (_, b) in zip(fm.named_parameters(), tm.named_parameters()):
        _close(a.grad, b.grad, 1e-8)


def test_decoder_layer_norm_first_with_memory_masks():
    def make(m):
        return m.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0, norm_first=True,
                                            dtype=m.float64)
    fm, tm = _build(make)
    rng = np.random.default_rng(5)
    src, tgt = _transformer_inputs(rng, False)
    mem_kpm = rng.random((2, 5)) < 0.3
    mem_kpm[:, 0] = False
    fo = fm(fg.tensor(tgt), fg.tensor(src), memory_key_padding_mask=fg.tensor(mem_kpm))
    to = tm(torch.tensor(tgt), torch.tensor(src), memory_key_padding_mask=torch.tensor(mem_kpm))
    _close(fo, to, 1e-9)


def test_float32_gpt_block_trains_like_torch():
    """A tiny causal self-attention model trained for a few steps: the losses follow PyTorch's."""
    def make(m):
        return m.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1, batch_first=True)
    fm, tm = _build(make, seed=11)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 6, 16)).astype(np.float32)
    mask = np.triu(np.full((6, 6), -np.inf, dtype=np.float32), 1)
    fopt = fg.optim.AdamW(fm.parameters(), lr=1e-2)
    topt = torch.optim.AdamW(tm.parameters(), lr=1e-2)
    fg.manual_seed(1)
    torch.manual_seed(1)
    for _ in range(5):
        fl = fm(fg.tensor(x), src_mask=fg.tensor(mask), is_causal=True).pow(2).mean()
        tl = tm(torch.tensor(x), src_mask=torch.tensor(mask), is_causal=True).pow(2).mean()
        assert abs(fl.item() - tl.item()) < 1e-4 * max(1.0, abs(tl.item()))
        fopt.zero_grad()
        topt.zero_grad()
        fl.backward()
        tl.backward()
        fopt.step()
        topt.step()


def test_repr_and_errors_match_torch():
    fm, tm = _build(lambda m: m.nn.MultiheadAttention(8, 2))
    assert repr(fm) == repr(tm)
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        fg.nn.MultiheadAttention(6, 4)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        fg.nn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        fm(fg.randn(3, 1, 8), fg.randn(3, 1, 8), fg.randn(3, 1, 8), is_causal=True)
