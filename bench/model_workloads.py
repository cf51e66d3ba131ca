"""The `models` group: whole training steps of small models, written once against the PyTorch API (`T` is
`fastgrad` or `torch`) the way small trainers write them, at 1 and 2 threads. Registered into
`bench.workloads.WORKLOADS` when `bench.workloads` is imported.

- MLP 784-256-10 step (raw tensors, cross_entropy, SGD), batch 64 and 512.
- A GPT-style transformer block step (nn.Linear / nn.LayerNorm modules, causal self-attention from public
  ops, GELU MLP, two residuals), mse_loss, backward, AdamW.
- Embedding + cross_entropy step: nn.Embedding(5000, 128) -> nn.Linear(128, 5000) -> F.cross_entropy over
  32x64 tokens, backward, Adam.
- nn.LSTM and nn.GRU (32 -> 64) steps over a sequence of 50, batch 16, mse_loss, Adam (1 thread).
- Convolutional networks: a small CNN (2x conv3x3+relu+maxpool, linear) at batch 32 on 28x28, and LeNet-5 (PyTorch's
  60-minute blitz network) at batch 64 and 1, cross_entropy, SGD.

Every model's parameters are set from one seeded NumPy generator (same numbers for both libraries, in the
order of `named_parameters()`), and each row's check runs two steps on fresh state and compares the losses
and every parameter with torch's. `model_step(T, name, threads)` builds a step outside the harness (used by
bench/loaded.py).
"""
from __future__ import annotations

import math

import numpy as np

from .harness import Call
from .workloads import Case, _leaf, _rng, workload


# ---------------------------------------------------------------------------------------------------------
# MLP 784-256-10


def _mlp_state(T, batch, loss_kind="cross_entropy"):
    r = _rng(3)
    F = T.nn.functional
    if loss_kind == "cross_entropy":
        loss_fn = F.cross_entropy  # AttributeError -> "unsupported"
        target = T.tensor(r.integers(0, 10, batch).astype(np.int64))
    else:
        loss_fn = F.mse_loss
        target = T.tensor(r.standard_normal((batch, 10)).astype(np.float32))
    x = T.tensor(r.standard_normal((batch, 784)).astype(np.float32))
    w1 = _leaf(T, (r.standard_normal((784, 256)) * 0.05).astype(np.float32))
    b1 = _leaf(T, np.zeros(256, np.float32))
    w2 = _leaf(T, (r.standard_normal((256, 10)) * 0.05).astype(np.float32))
    b2 = _leaf(T, np.zeros(10, np.float32))
    params = [w1, b1, w2, b2]
    lr = 0.01

    def step():
        h = (x @ w1 + b1).relu()
        logits = h @ w2 + b2
        loss = loss_fn(logits, target)
        loss.backward()
        with T.no_grad():
            for p in params:
                p -= lr * p.grad
        for p in params:
            p.grad = None
        return loss

    return step, params


def _mlp_case(T, batch, loss_kind="cross_entropy"):
    step, _ = _mlp_state(T, batch, loss_kind)

    def check():
        st, params = _mlp_state(T, batch, loss_kind)
        losses = [st() for _ in range(2)]
        return losses + params

    return Case(Call(step), check=check)


_MLP_DOC = """One SGD training step of a 784-256-10 MLP written with raw tensors: `h = (x @ w1 + b1).relu();
    logits = h @ w2 + b2; loss = F.cross_entropy(logits, labels)`, backward, `p -= lr * p.grad` under no_grad,
    `p.grad = None`."""


def _mlp_workload(batch, threads, target):
    def fn(lib, T, opts):
        return _mlp_case(T, batch)

    fn.__doc__ = _MLP_DOC
    workload(
        f"mlp_b{batch}_t{threads}",
        f"MLP 784-256-10 step, batch {batch}, {threads} thread{'s' if threads > 1 else ''}",
        "models",
        target=target,
        threads=threads,
        rtol=1e-3,
        atol=1e-5,
    )(fn)


# ---------------------------------------------------------------------------------------------------------
# Modules: parameters from NumPy


def _init_params(T, model, seed):
    """Every parameter (in named_parameters() order) from one seeded generator: weights N(0, 0.02) as GPT-2
    initialises them, LayerNorm weights 1, biases 0."""
    r = _rng(seed)
    with T.no_grad():
        for name, p in model.named_parameters():
            shape = tuple(p.shape)
            if name.endswith("bias"):
                a = np.zeros(shape, np.float32)
            elif name.startswith("ln") or ".ln" in name:
                a = np.ones(shape, np.float32)
            else:
                a = (r.standard_normal(shape) * 0.02).astype(np.float32)
            p.copy_(T.tensor(a))


def _module_step(T, model, opt, inputs, loss_of):
    def step():
        loss = loss_of(model, *inputs)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    return step


# ---------------------------------------------------------------------------------------------------------
# Transformer block (n_embd 64, 4 heads, seq 32, batch 8)

N_EMBD, N_HEAD, SEQ, BATCH = 64, 4, 32, 8


def _block(T):
    nn, F = T.nn, T.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self, n_embd, n_head, seq):
            super().__init__()
            self.n_head = n_head
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)
            self.register_buffer("mask", T.tril(T.ones(seq, seq)).view(1, 1, seq, seq))

        def forward(self, x):
            B, S, C = x.size()
            q, k, v = self.c_attn(x).split(C, dim=2)
            hs = C // self.n_head
            q = q.view(B, S, self.n_head, hs).transpose(1, 2)
            k = k.view(B, S, self.n_head, hs).transpose(1, 2)
            v = v.view(B, S, self.n_head, hs).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
            att = att.masked_fill(self.mask[:, :, :S, :S] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, S, C)
            return self.c_proj(y)

    class MLP(nn.Module):
        def __init__(self, n_embd):
            super().__init__()
            self.c_fc = nn.Linear(n_embd, 4 * n_embd)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * n_embd, n_embd)

        def forward(self, x):
            return self.c_proj(self.gelu(self.c_fc(x)))

    class Block(nn.Module):
        def __init__(self, n_embd, n_head, seq):
            super().__init__()
            self.ln_1 = nn.LayerNorm(n_embd)
            self.attn = CausalSelfAttention(n_embd, n_head, seq)
            self.ln_2 = nn.LayerNorm(n_embd)
            self.mlp = MLP(n_embd)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    return Block(N_EMBD, N_HEAD, SEQ)


def _transformer_state(T):
    model = _block(T)
    _init_params(T, model, 21)
    r = _rng(22)
    x = T.tensor(r.standard_normal((BATCH, SEQ, N_EMBD)).astype(np.float32))
    y = T.tensor(r.standard_normal((BATCH, SEQ, N_EMBD)).astype(np.float32))
    opt = T.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    step = _module_step(T, model, opt, (x, y), lambda m, x, y: T.nn.functional.mse_loss(m(x), y))
    return step, model


# ---------------------------------------------------------------------------------------------------------
# Embedding + cross_entropy (vocab 5000, dim 128, 32x64 tokens)

VOCAB, DIM, EB, ES = 5000, 128, 32, 64


def _embedding_state(T):
    nn, F = T.nn, T.nn.functional

    class TokenModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(VOCAB, DIM)
            self.head = nn.Linear(DIM, VOCAB)

        def forward(self, idx):
            return self.head(self.wte(idx))

    model = TokenModel()
    _init_params(T, model, 31)
    r = _rng(32)
    idx = T.tensor(r.integers(0, VOCAB, (EB, ES)).astype(np.int64))
    tgt = T.tensor(r.integers(0, VOCAB, (EB, ES)).astype(np.int64))
    opt = T.optim.Adam(model.parameters(), lr=1e-3)

    def loss_of(m, idx, tgt):
        logits = m(idx)
        return F.cross_entropy(logits.view(-1, VOCAB), tgt.view(-1))

    return _module_step(T, model, opt, (idx, tgt), loss_of), model


# ---------------------------------------------------------------------------------------------------------
# Recurrent layers: nn.LSTM / nn.GRU (input 32, hidden 64), seq 50, batch 16

RNN_IN, RNN_HIDDEN, RNN_SEQ, RNN_BATCH = 32, 64, 50, 16


def _recurrent_state(T, kind):
    model = getattr(T.nn, kind)(RNN_IN, RNN_HIDDEN)
    _init_params(T, model, 41)
    r = _rng(42)
    x = T.tensor(r.standard_normal((RNN_SEQ, RNN_BATCH, RNN_IN)).astype(np.float32))
    y = T.tensor(r.standard_normal((RNN_SEQ, RNN_BATCH, RNN_HIDDEN)).astype(np.float32))
    opt = T.optim.Adam(model.parameters(), lr=1e-3)
    step = _module_step(T, model, opt, (x, y), lambda m, x, y: T.nn.functional.mse_loss(m(x)[0], y))
    return step, model
# Convolutional networks: a small CNN (batch 32, 28x28) and LeNet-5 (PyTorch's 60-minute blitz network, 32x32)


def _cnn(T):
    nn, F = T.nn, T.nn.functional

    class SmallCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
            self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
            self.fc = nn.Linear(16 * 7 * 7, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            return self.fc(T.flatten(x, 1))

    return SmallCNN()


def _lenet(T):
    nn, F = T.nn, T.nn.functional

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = T.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return LeNet()


def _conv_state(make, batch, size, seed):
    def state(T):
        model = make(T)
        _init_params(T, model, seed)
        r = _rng(seed + 1)
        x = T.tensor(r.standard_normal((batch, 1, size, size)).astype(np.float32))
        y = T.tensor(r.integers(0, 10, batch).astype(np.int64))
        opt = T.optim.SGD(model.parameters(), lr=0.01)
        loss_of = lambda m, x, y: T.nn.functional.cross_entropy(m(x), y)  # noqa: E731
        return _module_step(T, model, opt, (x, y), loss_of), model

    return state


MODELS = {
    "transformer": _transformer_state,
    "embedding": _embedding_state,
    "mlp64": lambda T: (_mlp_state(T, 64)[0], None),
    "mlp512": lambda T: (_mlp_state(T, 512)[0], None),
    "lstm": lambda T: _recurrent_state(T, "LSTM"),
    "gru": lambda T: _recurrent_state(T, "GRU"),
    "cnn32": _conv_state(_cnn, 32, 28, 41),
    "lenet64": _conv_state(_lenet, 64, 32, 51),
    "lenet1": _conv_state(_lenet, 1, 32, 61),
}


def model_step(T, name):
    """A fresh training step of model `name` (a key of MODELS) as a zero-argument callable."""
    return MODELS[name](T)[0]


def _module_case(state):
    def fn(lib, T, opts):
        step, _ = state(T)

        def check():
            st, model = state(T)
            losses = [st() for _ in range(2)]
            return losses + [p for _, p in model.named_parameters()]

        return Case(Call(step), check=check)

    return fn


def _model_workload(id, name, state, doc, target, threads, rtol, atol):
    fn = _module_case(state)
    fn.__doc__ = doc
    workload(
        f"{id}_t{threads}",
        f"{name}, {threads} thread{'s' if threads > 1 else ''}",
        "models",
        target=target,
        threads=threads,
        rtol=rtol,
        atol=atol,
    )(fn)


_TRANSFORMER_DOC = """One AdamW step of a GPT-style block (n_embd 64, 4 heads, seq 32, batch 8): LayerNorm ->
    causal self-attention (nn.Linear qkv, split, view/transpose, `q @ k^T * scale`, masked_fill of a tril
    mask with -inf, softmax, `@ v`, output nn.Linear) -> residual -> LayerNorm -> MLP (Linear 64->256, GELU,
    Linear 256->64) -> residual; `F.mse_loss` against a random target, backward, `AdamW.step()`,
    `zero_grad(set_to_none=True)`."""

_EMBEDDING_DOC = """One Adam step of `nn.Embedding(5000, 128)` -> `nn.Linear(128, 5000)` ->
    `F.cross_entropy` over a (32, 64) batch of token ids (logits 2048x5000), backward, `Adam.step()`,
    `zero_grad(set_to_none=True)`."""

_mlp_workload(64, 1, 0.80)
_mlp_workload(512, 1, 0.90)
_mlp_workload(64, 2, None)
_mlp_workload(512, 2, None)
for _threads in (1, 2):
    _model_workload("transformer", "transformer block step (AdamW)",
                    _transformer_state, _TRANSFORMER_DOC, 0.8 if _threads == 1 else None, _threads, 1e-3, 1e-5)
    _model_workload("embed_ce", "embedding + cross_entropy step (Adam)",
                    _embedding_state, _EMBEDDING_DOC, 1.0 if _threads == 1 else None, _threads, 1e-3, 1e-5)


_RECURRENT_DOC = """One Adam step of `nn.{kind}(32, 64)` over a (50, 16, 32) sequence (seq 50, batch 16):
    `F.mse_loss(output, target)` against a random (50, 16, 64) target, backward, `Adam.step()`,
    `zero_grad(set_to_none=True)`."""
for _kind in ("LSTM", "GRU"):
    _model_workload(_kind.lower(), f"nn.{_kind}(32->64) seq 50 batch 16 step (Adam)",
                    lambda T, _kind=_kind: _recurrent_state(T, _kind), _RECURRENT_DOC.format(kind=_kind),
                    0.8, 1, 1e-3, 1e-5)


@workload("mlp_mse_b64", "MLP 784-256-10 step with mse_loss, batch 64", "models", rtol=1e-3)
def mlp_mse_b64(lib, T, opts):
    """The MLP step above with `F.mse_loss` against random (64, 10) targets instead of cross_entropy: no
    target of its own; it measures the matmul/relu/backward path without the loss's own kernels."""
    return _mlp_case(T, 64, "mse")


_CNN_DOC = """One SGD step of a small CNN on a (32, 1, 28, 28) batch: 2x (nn.Conv2d 3x3 padding 1 -> F.relu ->
    F.max_pool2d 2) with 8 and 16 channels, flatten, nn.Linear(784, 10), F.cross_entropy, backward,
    `SGD.step()`, `zero_grad(set_to_none=True)`."""

_LENET_DOC = """One SGD step of LeNet-5 as in PyTorch's 60-minute blitz (1x32x32 input: conv 5x5 to 6, relu, max_pool
    2, conv 5x5 to 16, relu, max_pool 2, Linear 400->120->84->10 with relu), F.cross_entropy, backward,
    `SGD.step()`, `zero_grad(set_to_none=True)`."""

for _threads in (1, 2):
    _model_workload("cnn_b32", "small CNN step (2x conv3x3+relu+maxpool, linear), batch 32", MODELS["cnn32"],
                    _CNN_DOC, 0.8 if _threads == 1 else None, _threads, 1e-3, 1e-5)
_model_workload("lenet_b64", "LeNet-5 step, batch 64", MODELS["lenet64"], _LENET_DOC, 0.8, 1, 1e-3, 1e-5)
_model_workload("lenet_b1", "LeNet-5 step, batch 1", MODELS["lenet1"], _LENET_DOC, 0.3, 1, 1e-3, 1e-5)


# ---------------------------------------------------------------------------------------------------------
# Per-sample gradients (torch.func): vmap(grad(loss)) against the Python loop over samples


def _per_sample_state(T):
    r = _rng(5)
    F = T.nn.functional
    params = {
        "w1": T.tensor((r.standard_normal((128, 784)) * 0.05).astype(np.float32)),
        "b1": T.tensor(np.zeros(128, np.float32)),
        "w2": T.tensor((r.standard_normal((10, 128)) * 0.05).astype(np.float32)),
        "b2": T.tensor(np.zeros(10, np.float32)),
    }
    x = T.tensor(r.standard_normal((64, 784)).astype(np.float32))
    y = T.tensor(r.integers(0, 10, 64).astype(np.int64))

    def loss(p, xi, yi):
        h = F.linear(xi, p["w1"], p["b1"]).relu()
        return F.cross_entropy(F.linear(h, p["w2"], p["b2"]).unsqueeze(0), yi.unsqueeze(0))

    return params, x, y, loss


def _per_sample_case(T, batched):
    params, x, y, loss = _per_sample_state(T)
    g = T.func.grad(loss)
    if batched:
        per_sample = T.func.vmap(g, in_dims=(None, 0, 0))

        def run():
            return per_sample(params, x, y)
    else:
        def run():
            gs = [g(params, x[i], y[i]) for i in range(x.shape[0])]
            return {k: T.stack([gi[k] for gi in gs]) for k in params}

    def check():
        out = run()
        return [out[k] for k in ("w1", "b1", "w2", "b2")]

    return Case(Call(run), check=check)


@workload("per_sample_grad_vmap_b64", "per-sample gradients, vmap(grad), MLP 784-128-10, batch 64", "models",
          rtol=1e-3, atol=1e-5)
def per_sample_grad_vmap_b64(lib, T, opts):
    """`func.vmap(func.grad(loss), in_dims=(None, 0, 0))(params, x, y)`: the gradient of each of 64 samples'
    cross_entropy through a 784-128-10 MLP (F.linear, relu) with respect to a dict of parameters, as one
    batched computation ((64, 128, 784) gradients for w1)."""
    return _per_sample_case(T, True)


@workload("per_sample_grad_loop_b64", "per-sample gradients, Python loop of grad, MLP 784-128-10, batch 64",
          "models", rtol=1e-3, atol=1e-5)
def per_sample_grad_loop_b64(lib, T, opts):
    """The same per-sample gradients as `per_sample_grad_vmap_b64` by calling `func.grad(loss)` once per sample
    and stacking: the baseline vmap must beat (issue 17: at least 5x)."""
    return _per_sample_case(T, False)
