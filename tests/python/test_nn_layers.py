"""nn: the core layers, activations and losses against PyTorch (values and gradients): Linear, Bilinear,
Embedding, Dropout, LayerNorm, BatchNorm, the activation modules, the regression and classification losses;
and the nn.functional ops the layers call against torch.nn.functional."""

import re
import warnings

import fastgrad
import fastgrad.nn as nn
import numpy as np
import pytest
from nn_module_helpers import assert_close, copy_state, fg_tensor, randn, run_both

torch = pytest.importorskip("torch")


# ---- layers vs torch ----


def test_linear():
    for kwargs, shape in [({}, (5, 4)), ({"bias": False}, (5, 4)), ({}, (2, 5, 4)), ({}, (4,))]:
        run_both(nn.Linear(4, 3, **kwargs), torch.nn.Linear(4, 3, **kwargs), randn(*shape))


def test_linear_float64():
    run_both(
        nn.Linear(4, 3, dtype=fastgrad.float64),
        torch.nn.Linear(4, 3, dtype=torch.float64),
        randn(5, 4, dtype=torch.float64),
    )


def test_bilinear():
    run_both(nn.Bilinear(3, 4, 2), torch.nn.Bilinear(3, 4, 2), randn(5, 3, seed=1), randn(5, 4, seed=2))
    run_both(
        nn.Bilinear(3, 4, 2, bias=False),
        torch.nn.Bilinear(3, 4, 2, bias=False),
        randn(2, 5, 3, seed=1),
        randn(2, 5, 4, seed=2),
    )


def test_embedding():
    idx = torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]])
    run_both(nn.Embedding(10, 3), torch.nn.Embedding(10, 3), idx, grad_inputs=False)
    run_both(
        nn.Embedding(10, 3, padding_idx=2), torch.nn.Embedding(10, 3, padding_idx=2), idx, grad_inputs=False
    )
    emb = nn.Embedding(10, 3, padding_idx=-1)
    assert emb.padding_idx == 9 and emb.weight[9].tolist() == [0.0, 0.0, 0.0]
    pre = nn.Embedding.from_pretrained(fastgrad.ones(4, 2))
    assert not pre.weight.requires_grad and pre(fastgrad.tensor([3])).tolist() == [[1.0, 1.0]]


def test_identity_and_flatten():
    run_both(nn.Identity(54, unused="x"), torch.nn.Identity(54, unused="x"), randn(2, 3))
    run_both(nn.Flatten(), torch.nn.Flatten(), randn(2, 3, 4))
    run_both(nn.Flatten(0, 1), torch.nn.Flatten(0, 1), randn(2, 3, 4))
    run_both(nn.Unflatten(1, (2, 2)), torch.nn.Unflatten(1, (2, 2)), randn(3, 4))


def test_dropout():
    x = fastgrad.ones(200, 50)
    d = nn.Dropout(0.3)
    y = d(x).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert 0.6 < kept.mean() < 0.8
    d.eval()
    assert d(x) is x or np.array_equal(d(x).numpy(), x.numpy())
    assert np.array_equal(nn.Dropout(0.0)(x).numpy(), x.numpy())
    assert nn.Dropout(1.0)(x).numpy().sum() == 0
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    xg = fastgrad.ones(10, 10, requires_grad=True)
    out = nn.Dropout(0.5)(xg)
    out.sum().backward()
    np.testing.assert_array_equal(xg.grad.numpy(), out.detach().numpy())


def test_layer_norm():
    run_both(nn.LayerNorm(4), torch.nn.LayerNorm(4), randn(3, 4))
    run_both(nn.LayerNorm((3, 4)), torch.nn.LayerNorm((3, 4)), randn(2, 3, 4))
    run_both(
        nn.LayerNorm(4, elementwise_affine=False),
        torch.nn.LayerNorm(4, elementwise_affine=False),
        randn(3, 4),
    )
    run_both(nn.LayerNorm(4, bias=False), torch.nn.LayerNorm(4, bias=False), randn(3, 4))
    # non-trivial affine parameters
    t = torch.nn.LayerNorm(4)
    with torch.no_grad():
        t.weight.uniform_(0.5, 1.5)
        t.bias.uniform_(-1, 1)
    run_both(nn.LayerNorm(4), t, randn(3, 4))


@pytest.mark.parametrize("shape", [(8, 4), (6, 4, 5)])
def test_batch_norm_train_then_eval(shape):
    ours, theirs = nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-1, 1)
    for step in range(3):
        x = randn(*shape, seed=step)
        copy_state(ours, theirs)
        run_both(ours, theirs, x)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item()
    ours.eval()
    theirs.eval()
    run_both(ours, theirs, randn(*shape, seed=10))


def test_batch_norm_cumulative_momentum_and_errors():
    ours, theirs = nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None)
    for step in range(3):
        x = randn(5, 3, seed=step)
        ours(fg_tensor(x))
        theirs(x)
    assert_close(ours.running_mean, theirs.running_mean)
    assert_close(ours.running_var, theirs.running_var)
    with pytest.raises(ValueError, match=re.escape("expected 2D or 3D input (got 4D input)")):
        ours(fastgrad.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        ours(fastgrad.zeros(1, 3))
    no_stats = nn.BatchNorm1d(3, track_running_stats=False)
    assert no_stats.running_mean is None and list(no_stats.state_dict()) == ["weight", "bias"]
    run_both(no_stats, torch.nn.BatchNorm1d(3, track_running_stats=False), randn(4, 3))


ACTIVATIONS = [
    ("ReLU", (), {}),
    ("LeakyReLU", (), {}),
    ("LeakyReLU", (0.2,), {}),
    ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}),
    ("SiLU", (), {}),
    ("Sigmoid", (), {}),
    ("Tanh", (), {}),
    ("Softmax", (), {"dim": 1}),
    ("Softmax", (), {"dim": 0}),
    ("LogSoftmax", (), {"dim": 1}),
    ("LogSoftmax", (), {"dim": -1}),
]


@pytest.mark.parametrize("name,args,kwargs", ACTIVATIONS, ids=[f"{a[0]}{a[1]}{a[2]}" for a in ACTIVATIONS])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_activation(name, args, kwargs, dtype):
    x = randn(4, 5, dtype=dtype) * 3
    x = x.detach().requires_grad_(True)
    run_both(getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs), x)


def test_softmax_implicit_dim_warns_like_torch():
    x = randn(3, 4)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        out = nn.Softmax()(fg_tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(out, torch.nn.Softmax()(x))


def test_softmax_is_stable_for_large_inputs():
    x = torch.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    run_both(nn.Softmax(dim=1), torch.nn.Softmax(dim=1), x)
    run_both(nn.LogSoftmax(dim=1), torch.nn.LogSoftmax(dim=1), x.detach().requires_grad_(True))


# ---- losses vs torch ----

REGRESSION_LOSSES = [
    ("MSELoss", {}),
    ("MSELoss", {"reduction": "sum"}),
    ("MSELoss", {"reduction": "none"}),
    ("L1Loss", {}),
    ("L1Loss", {"reduction": "sum"}),
    ("L1Loss", {"reduction": "none"}),
    ("SmoothL1Loss", {}),
    ("SmoothL1Loss", {"beta": 0.5}),
    ("SmoothL1Loss", {"beta": 0.0, "reduction": "sum"}),
    ("HuberLoss", {}),
    ("HuberLoss", {"delta": 0.7, "reduction": "none"}),
]


@pytest.mark.parametrize("name,kwargs", REGRESSION_LOSSES, ids=[f"{n}{k}" for n, k in REGRESSION_LOSSES])
def test_regression_loss(name, kwargs):
    x = randn(6, 3, seed=1) * 2
    y = randn(6, 3, requires_grad=False, seed=2)
    run_both(
        getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs), x.detach().requires_grad_(True), y
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_losses(reduction):
    p = torch.sigmoid(randn(5, 3, seed=3)).detach().requires_grad_(True)
    t = torch.rand(5, 3, generator=torch.Generator().manual_seed(4))
    w = torch.rand(3, generator=torch.Generator().manual_seed(5))
    run_both(nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction), p, t)
    run_both(
        nn.BCELoss(weight=fg_tensor(w), reduction=reduction),
        torch.nn.BCELoss(weight=w, reduction=reduction),
        p.detach().requires_grad_(True),
        t,
    )
    logits = randn(5, 3, seed=6)
    run_both(
        nn.BCEWithLogitsLoss(reduction=reduction), torch.nn.BCEWithLogitsLoss(reduction=reduction), logits, t
    )
    run_both(
        nn.BCEWithLogitsLoss(pos_weight=fg_tensor(w), reduction=reduction),
        torch.nn.BCEWithLogitsLoss(pos_weight=w, reduction=reduction),
        logits.detach().requires_grad_(True),
        t,
    )


def test_bce_rejects_bad_inputs():
    with pytest.raises(ValueError, match="Using a target size"):
        nn.BCELoss()(fastgrad.full((2, 3), 0.5), fastgrad.zeros(3, 2))


CLASSIFICATION_CASES = [
    ({}, (6, 5)),
    ({"reduction": "sum"}, (6, 5)),
    ({"reduction": "none"}, (6, 5)),
    ({"weight": True}, (6, 5)),
    ({"weight": True, "reduction": "none"}, (6, 5)),
    ({"ignore_index": 1}, (6, 5)),
    ({"ignore_index": 1, "weight": True}, (6, 5)),
    ({}, (5,)),
    ({}, (4, 5, 3)),
    ({"weight": True, "reduction": "sum"}, (4, 5, 3)),
]


@pytest.mark.parametrize(
    "kwargs,shape", CLASSIFICATION_CASES, ids=[f"{k}{s}" for k, s in CLASSIFICATION_CASES]
)
def test_nll_and_cross_entropy(kwargs, shape):
    c = shape[1] if len(shape) > 1 else shape[0]
    target_shape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    target = torch.randint(0, c, target_shape, generator=torch.Generator().manual_seed(7))
    if target.dim() >= 1:
        target.view(-1)[0] = 1  # make sure ignore_index=1 has something to ignore
    kw_t, kw_f = dict(kwargs), dict(kwargs)
    if kwargs.get("weight"):
        w = torch.rand(c, generator=torch.Generator().manual_seed(8)) + 0.5
        kw_t["weight"], kw_f["weight"] = w, fg_tensor(w)
    logits = randn(*shape, seed=9)
    run_both(nn.CrossEntropyLoss(**kw_f), torch.nn.CrossEntropyLoss(**kw_t), logits, target)
    logp = (
        torch.log_softmax(randn(*shape, seed=10), dim=0 if len(shape) == 1 else 1)
        .detach()
        .requires_grad_(True)
    )
    run_both(nn.NLLLoss(**kw_f), torch.nn.NLLLoss(**kw_t), logp, target)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_label_smoothing_and_probabilities(reduction):
    logits = randn(6, 4, seed=11)
    target = torch.tensor([0, 1, 2, 3, 1, 0])
    w = torch.tensor([0.5, 1.0, 2.0, 1.5])
    for kw in [{}, {"ignore_index": 2}, {"weight": w}]:
        kw_f = {k: (fg_tensor(v) if isinstance(v, torch.Tensor) else v) for k, v in kw.items()}
        run_both(
            nn.CrossEntropyLoss(label_smoothing=0.2, reduction=reduction, **kw_f),
            torch.nn.CrossEntropyLoss(label_smoothing=0.2, reduction=reduction, **kw),
            logits.detach().requires_grad_(True),
            target,
        )
    probs = torch.softmax(randn(6, 4, seed=12, requires_grad=False), dim=1)
    run_both(
        nn.CrossEntropyLoss(reduction=reduction),
        torch.nn.CrossEntropyLoss(reduction=reduction),
        logits.detach().requires_grad_(True),
        probs,
    )
    run_both(
        nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.1),
        torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.1),
        logits.detach().requires_grad_(True),
        probs,
    )


def test_loss_float64():
    x = randn(6, 4, dtype=torch.float64, seed=13)
    t = torch.tensor([0, 1, 2, 3, 1, 0])
    run_both(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), x, t)
    run_both(
        nn.L1Loss(),
        torch.nn.L1Loss(),
        x.detach().requires_grad_(True),
        randn(6, 4, dtype=torch.float64, requires_grad=False),
    )


def test_loss_module_weight_is_a_buffer():
    loss = nn.CrossEntropyLoss(weight=fastgrad.ones(3))
    assert list(loss.state_dict()) == ["weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=fastgrad.ones(2)).state_dict()) == ["pos_weight"]


# ---- nn.functional, the ops the layers call, against torch.nn.functional ----

F = fastgrad.nn.functional

FUNCTIONAL_CASES = [
    ("linear", lambda t: [randn(5, 4), randn(3, 4, seed=1), randn(3, seed=2)], {}),
    ("bilinear", lambda t: [randn(5, 3), randn(5, 4, seed=1), randn(2, 3, 4, seed=2), randn(2, seed=3)], {}),
    ("layer_norm", lambda t: [randn(3, 4), (4,), randn(4, seed=1), randn(4, seed=2)], {}),
    ("leaky_relu", lambda t: [randn(4, 5)], {"negative_slope": 0.2}),
    ("gelu", lambda t: [randn(4, 5)], {}),
    ("gelu", lambda t: [randn(4, 5)], {"approximate": "tanh"}),
    ("silu", lambda t: [randn(4, 5)], {}),
    ("softmax", lambda t: [randn(4, 5)], {"dim": 1}),
    ("log_softmax", lambda t: [randn(4, 5)], {"dim": 0}),
    ("l1_loss", lambda t: [randn(4, 5), randn(4, 5, seed=1, requires_grad=False)], {}),
    ("smooth_l1_loss", lambda t: [randn(4, 5), randn(4, 5, seed=1, requires_grad=False)], {"beta": 0.5}),
    ("huber_loss", lambda t: [randn(4, 5), randn(4, 5, seed=1, requires_grad=False)], {"delta": 0.5}),
    (
        "binary_cross_entropy",
        lambda t: [
            t.sigmoid(randn(4, 5)).detach().requires_grad_(True),
            t.rand(4, 5, generator=t.Generator().manual_seed(0)),
        ],
        {},
    ),
    (
        "nll_loss",
        lambda t: [
            t.log_softmax(randn(6, 4), 1).detach().requires_grad_(True),
            t.tensor([0, 1, 2, 3, 1, -100]),
        ],
        {},
    ),
    ("cross_entropy", lambda t: [randn(6, 4), t.tensor([0, 1, 2, 3, 1, 2])], {"label_smoothing": 0.1}),
    (
        "cross_entropy",
        lambda t: [randn(2, 4, 3), t.tensor([[0, 1, 2], [3, 1, 2]])],
        {"weight": torch.ones(4) * 2},
    ),
]


@pytest.mark.parametrize("name,make,kwargs", FUNCTIONAL_CASES, ids=[f"{c[0]}{c[2]}" for c in FUNCTIONAL_CASES])
def test_functional_matches_torch_functional(name, make, kwargs):
    theirs = make(torch)
    ours = [fg_tensor(a) if isinstance(a, torch.Tensor) else a for a in theirs]
    kw_f = {k: fg_tensor(v) if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}
    out_t = getattr(torch.nn.functional, name)(*theirs, **kwargs)
    out_f = getattr(F, name)(*ours, **kw_f)
    assert_close(out_f, out_t)
    out_t.sum().backward()
    out_f.sum().backward()
    for a, b in zip(ours, theirs):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            assert_close(a.grad, b.grad)


def test_functional_embedding_and_batch_norm_match_torch():
    w = randn(10, 3)
    idx = torch.tensor([[1, 2, 0], [4, 0, 9]])
    wf = fg_tensor(w)
    out_f = F.embedding(fg_tensor(idx), wf, padding_idx=0)
    out_t = torch.nn.functional.embedding(idx, w, padding_idx=0)
    assert_close(out_f, out_t)
    out_f.sum().backward()
    out_t.sum().backward()
    assert_close(wf.grad, w.grad)
    x = randn(6, 3, 4)
    rm_t, rv_t = torch.zeros(3), torch.ones(3)
    rm_f, rv_f = fastgrad.zeros(3), fastgrad.ones(3)
    out_t = torch.nn.functional.batch_norm(x, rm_t, rv_t, training=True, momentum=0.2)
    out_f = F.batch_norm(fg_tensor(x), rm_f, rv_f, training=True, momentum=0.2)
    assert_close(out_f, out_t)
    assert_close(rm_f, rm_t)
    assert_close(rv_f, rv_t)
