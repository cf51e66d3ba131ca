"""nn: initialisation against PyTorch (the layers' default init, the nn.init functions with the same seed or
generator, their helpers and errors), a small training loop in lockstep with PyTorch, copy.deepcopy of
modules and nn.utils (clip_grad_norm_/clip_grad_value_, parameters_to_vector and back)."""

import math

import fastgrad
import fastgrad.nn as nn
import fastgrad.nn.functional as F
import numpy as np
import pytest
from nn_module_helpers import Net, assert_close, fg_tensor, randn

torch = pytest.importorskip("torch")


# ---- initialisation ----


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_default_linear_init_equals_torch(seed):
    fastgrad.manual_seed(seed)
    torch.manual_seed(seed)
    ours = nn.Sequential(nn.Linear(7, 5), nn.Linear(5, 3), nn.Linear(3, 1, bias=False), nn.Linear(64, 32))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(7, 5),
        torch.nn.Linear(5, 3),
        torch.nn.Linear(3, 1, bias=False),
        torch.nn.Linear(64, 32),
    )
    for (n1, a), (n2, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert n1 == n2
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # the stream stays in step afterwards
    np.testing.assert_array_equal(fastgrad.rand(3).numpy(), torch.rand(3).numpy())


def test_default_init_of_other_layers_equals_torch():
    fastgrad.manual_seed(3)
    torch.manual_seed(3)
    ours = [nn.Bilinear(3, 4, 2), nn.LayerNorm(3), nn.BatchNorm1d(2), nn.Embedding(6, 4)]
    theirs = [
        torch.nn.Bilinear(3, 4, 2),
        torch.nn.LayerNorm(3),
        torch.nn.BatchNorm1d(2),
        torch.nn.Embedding(6, 4),
    ]
    for a, b in zip(ours, theirs):
        for (n1, x), (n2, y) in zip(a.state_dict().items(), b.state_dict().items()):
            assert n1 == n2
            # normal draws may differ from PyTorch's in the last bit if the core lacks Tensor.normal_
            np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-6, atol=1e-7)


INITS = [
    ("uniform_", {"a": -0.3, "b": 0.7}),
    ("normal_", {"mean": 0.5, "std": 2.0}),
    ("zeros_", {}),
    ("ones_", {}),
    ("constant_", {"val": 0.25}),
    ("xavier_uniform_", {}),
    ("xavier_uniform_", {"gain": 2.0}),
    ("xavier_normal_", {}),
    ("kaiming_uniform_", {}),
    ("kaiming_uniform_", {"a": 0.1, "mode": "fan_out"}),
    ("kaiming_uniform_", {"nonlinearity": "relu"}),
    ("kaiming_normal_", {}),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("eye_", {}),
]


@pytest.mark.parametrize("name,kwargs", INITS, ids=[f"{n}{k}" for n, k in INITS])
@pytest.mark.parametrize("shape", [(5, 7), (20, 30)])
def test_init_functions_match_torch(name, kwargs, shape):
    fastgrad.manual_seed(11)
    torch.manual_seed(11)
    a = getattr(nn.init, name)(fastgrad.empty(shape), **kwargs)
    b = getattr(torch.nn.init, name)(torch.empty(shape), **kwargs)
    if "normal" in name:
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
    else:
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_trunc_normal_matches_torch_closely():
    fastgrad.manual_seed(5)
    torch.manual_seed(5)
    a = nn.init.trunc_normal_(fastgrad.empty(50, 40), mean=0.1, std=0.5, a=-0.5, b=0.8)
    b = torch.nn.init.trunc_normal_(torch.empty(50, 40), mean=0.1, std=0.5, a=-0.5, b=0.8)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    assert a.numpy().min() >= -0.5 and a.numpy().max() <= 0.8


def test_init_helpers_and_errors_match_torch():
    for nl, param in [
        ("linear", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("selu", None),
        ("conv2d", None),
    ]:
        assert nn.init.calculate_gain(nl, param) == torch.nn.init.calculate_gain(nl, param)
    for bad in [("foo", None), ("leaky_relu", "x")]:
        with pytest.raises(ValueError) as e1:
            nn.init.calculate_gain(*bad)
        with pytest.raises(ValueError) as e2:
            torch.nn.init.calculate_gain(*bad)
        assert str(e1.value) == str(e2.value)
    t = fastgrad.empty(4, 3, 2, 2)
    assert nn.init._calculate_fan_in_and_fan_out(t) == torch.nn.init._calculate_fan_in_and_fan_out(
        torch.empty(4, 3, 2, 2)
    )
    with pytest.raises(
        ValueError, match="Fan in and fan out can not be computed for tensor with fewer than 2"
    ):
        nn.init.xavier_uniform_(fastgrad.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        nn.init.kaiming_uniform_(fastgrad.empty(3, 3), mode="fan_avg")


def test_init_with_generator_matches_torch():
    g1 = fastgrad.Generator()
    g1.manual_seed(9)
    g2 = torch.Generator().manual_seed(9)
    a = nn.init.uniform_(fastgrad.empty(4, 4), -1, 1, generator=g1)
    b = torch.nn.init.uniform_(torch.empty(4, 4), -1, 1, generator=g2)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_init_runs_without_recording_history():
    p = nn.Parameter(fastgrad.empty(3, 3))
    nn.init.kaiming_normal_(p)
    assert p.grad_fn is None and p.is_leaf and p.requires_grad


def test_orthogonal_init_is_orthogonal():
    w = nn.init.orthogonal_(fastgrad.empty(4, 6))
    np.testing.assert_allclose(w.numpy() @ w.numpy().T, np.eye(4), atol=1e-5)


# ---- a small end-to-end training loop, both libraries in lockstep ----


def test_mlp_training_matches_torch_step_by_step():
    fastgrad.manual_seed(0)
    torch.manual_seed(0)
    ours = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    x = randn(32, 4, requires_grad=False)
    y = torch.randint(0, 3, (32,), generator=torch.Generator().manual_seed(1))
    opt_f = fastgrad.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    xf, yf = fg_tensor(x), fg_tensor(y)
    for _ in range(10):
        opt_f.zero_grad()
        opt_t.zero_grad()
        lf = (
            F.cross_entropy(ours(xf), yf)
            if hasattr(F, "cross_entropy")
            else nn.CrossEntropyLoss()(ours(xf), yf)
        )
        lt = torch.nn.functional.cross_entropy(theirs(x), y)
        lf.backward()
        lt.backward()
        opt_f.step()
        opt_t.step()
        assert math.isclose(lf.item(), lt.item(), rel_tol=1e-5)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        assert_close(a, b, rtol=1e-4, atol=1e-5)


# ---- copy.deepcopy and nn.utils ----


def test_deepcopy_clones_parameters_and_buffers():
    import copy

    net = Net()
    net.shared = net.fc1  # a module reachable twice stays one module in the copy
    clone = copy.deepcopy(net)
    assert clone.fc1 is clone.shared and clone.fc1 is not net.fc1
    assert isinstance(clone.fc1.weight, nn.Parameter) and clone.fc1.weight.requires_grad
    assert clone.fc1.weight is not net.fc1.weight
    np.testing.assert_array_equal(clone.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
    with fastgrad.no_grad():
        clone.fc1.weight.add_(1.0)
        clone.steps.add_(1.0)
    assert not np.array_equal(clone.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
    assert net.steps.tolist() == [0.0]
    x = fastgrad.randn(2, 4)
    assert clone(x).shape == net(x).shape


def test_clip_grad_norm_and_value_match_torch():
    ours, theirs = [], []
    for i, shape in enumerate([(3, 4), (5,)]):
        g = np.random.default_rng(i).standard_normal(shape).astype(np.float32) * 3
        p = nn.Parameter(fastgrad.zeros(*shape))
        p.grad = fastgrad.from_numpy(g.copy())
        q = torch.nn.Parameter(torch.zeros(*shape))
        q.grad = torch.from_numpy(g.copy())
        ours.append(p)
        theirs.append(q)
    for norm_type in [2.0, 1.0, float("inf")]:
        total_f = nn.utils.clip_grad_norm_(ours, max_norm=1.0, norm_type=norm_type)
        total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm=1.0, norm_type=norm_type)
        np.testing.assert_allclose(total_f.item(), total_t.item(), rtol=1e-5)
        for p, q in zip(ours, theirs):
            assert_close(p.grad, q.grad)
    nn.utils.clip_grad_value_(ours, 0.1)
    torch.nn.utils.clip_grad_value_(theirs, 0.1)
    for p, q in zip(ours, theirs):
        assert_close(p.grad, q.grad)


def test_parameters_to_vector_and_back():
    lin = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(lin.parameters())
    assert vec.shape == (8,)
    nn.utils.vector_to_parameters(vec * 0 + 1, lin.parameters())
    assert lin.weight.detach().numpy().sum() == 6 and lin.bias.detach().numpy().sum() == 2
