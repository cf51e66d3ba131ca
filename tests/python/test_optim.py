"""optim: SGD, Adam, AdamW, RMSprop and Adagrad match torch.optim parameter for parameter over 10 steps;
param groups, state_dict, zero_grad, closures and errors behave as PyTorch's (the schedulers are in
test_lr_scheduler.py)."""

import fastgrad
import fastgrad.nn as nn
import fastgrad.optim as optim
import numpy as np
import pytest

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,), ()]

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.9), "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "maximize": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.1, "maximize": True}),
]

TOLERANCE = {np.float32: dict(rtol=1e-6, atol=1e-7), np.float64: dict(rtol=1e-13, atol=1e-15)}


def make_params(np_dtype, seed=0):
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s).astype(np_dtype) for s in SHAPES]
    ours = [fastgrad.from_numpy(v.copy()).requires_grad_(True) for v in values]
    theirs = [torch.from_numpy(v.copy()).requires_grad_(True) for v in values]
    return ours, theirs


def set_grads(ours, theirs, step, np_dtype):
    """The same gradients in both libraries: a fixed random part plus a part that depends on each
    library's own current parameters (so that differences would grow if the updates differed)."""
    rng = np.random.default_rng(100 + step)
    for p, q in zip(ours, theirs):
        noise = rng.standard_normal(tuple(q.shape)).astype(np_dtype)
        p.grad = fastgrad.from_numpy(np.asarray(noise + np_dtype(0.5) * p.detach().numpy(), order="C"))
        q.grad = torch.from_numpy(np.asarray(noise + np_dtype(0.5) * q.detach().numpy(), order="C"))


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_optimizer_matches_torch_over_10_steps(name, kwargs, np_dtype):
    ours, theirs = make_params(np_dtype)
    opt_f = getattr(optim, name)(ours, **kwargs)
    opt_t = getattr(torch.optim, name)(theirs, **kwargs)
    for step in range(10):
        set_grads(ours, theirs, step, np_dtype)
        opt_f.step()
        opt_t.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(
                p.detach().numpy(), q.detach().numpy(), **TOLERANCE[np_dtype], err_msg=f"step {step}"
            )
            assert p.dtype == (fastgrad.float32 if np_dtype == np.float32 else fastgrad.float64)
    # the state holds the same tensors under the same names
    for p, q in zip(ours, theirs):
        s_f, s_t = opt_f.state[p], opt_t.state[q]
        assert sorted(s_f) == sorted(s_t)
        for key in s_t:
            np.testing.assert_allclose(s_f[key].numpy(), s_t[key].numpy(), rtol=1e-5, atol=1e-7)


def test_updates_do_not_record_history():
    p = fastgrad.randn(3, requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    assert p.is_leaf and p.grad_fn is None and p.requires_grad


def test_param_groups_and_add_param_group():
    ours, theirs = make_params(np.float32)
    opt_f = optim.SGD([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.5}], lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD([{"params": theirs[:2]}, {"params": theirs[2:], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt_f.param_groups] == [0.1, 0.5]
    assert sorted(opt_f.param_groups[0]) == sorted(opt_t.param_groups[0])
    for step in range(5):
        set_grads(ours, theirs, step, np.float32)
        opt_f.step()
        opt_t.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6)
    extra = fastgrad.zeros(2, requires_grad=True)
    opt_f.add_param_group({"params": extra, "lr": 1.0})
    assert opt_f.param_groups[-1]["momentum"] == 0.9 and opt_f.param_groups[-1]["params"] == [extra]
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt_f.add_param_group({"params": [extra]})


def test_repr_matches_torch():
    ours, theirs = make_params(np.float32)
    for name, kwargs in [
        ("SGD", {"lr": 0.1, "momentum": 0.9}),
        ("Adam", {}),
        ("AdamW", {}),
        ("RMSprop", {}),
        ("Adagrad", {}),
    ]:
        assert repr(getattr(optim, name)(ours, **kwargs)) == repr(
            getattr(torch.optim, name)(theirs, **kwargs)
        )


def test_zero_grad():
    p = fastgrad.ones(2, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = fastgrad.ones(2)
    opt.zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None
    opt.step()  # no grad: nothing happens
    assert p.tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("SGD", {"lr": 0.05, "momentum": 0.9}),
        ("Adam", {"amsgrad": True}),
        ("RMSprop", {"centered": True, "momentum": 0.1}),
        ("Adagrad", {}),
    ],
)
def test_state_dict_matches_torch_and_resumes(name, kwargs):
    ours, theirs = make_params(np.float32)
    opt_f = getattr(optim, name)(ours, **kwargs)
    opt_t = getattr(torch.optim, name)(theirs, **kwargs)
    for step in range(3):
        set_grads(ours, theirs, step, np.float32)
        opt_f.step()
        opt_t.step()
    sd_f, sd_t = opt_f.state_dict(), opt_t.state_dict()
    assert list(sd_f) == list(sd_t) == ["state", "param_groups"]
    assert sd_f["param_groups"] == sd_t["param_groups"]
    assert sorted(sd_f["state"]) == sorted(sd_t["state"])
    for k in sd_t["state"]:
        assert sorted(sd_f["state"][k]) == sorted(sd_t["state"][k])
        for key, v in sd_t["state"][k].items():
            np.testing.assert_allclose(sd_f["state"][k][key].numpy(), v.numpy(), rtol=1e-6)
            assert str(sd_f["state"][k][key].dtype).split(".")[-1] == str(v.dtype).split(".")[-1]
    # a fresh optimizer loaded from the state dict continues exactly like the original
    clones = [p.detach().clone().requires_grad_(True) for p in ours]
    resumed = getattr(optim, name)(clones, **kwargs)
    resumed.load_state_dict(fastgrad.load(_round_trip(sd_f)))
    for step in range(3, 6):
        set_grads(ours, theirs, step, np.float32)
        for c, p in zip(clones, ours):
            c.grad = p.grad.clone()
        opt_f.step()
        resumed.step()
        opt_t.step()
    for c, p, q in zip(clones, ours, theirs):
        np.testing.assert_array_equal(c.detach().numpy(), p.detach().numpy())
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6, atol=1e-7)


def _round_trip(obj):
    import io

    buf = io.BytesIO()
    fastgrad.save(obj, buf)
    buf.seek(0)
    return buf


def test_load_state_dict_errors_match_torch():
    ours, theirs = make_params(np.float32)
    opt_f, opt_t = optim.Adam(ours), torch.optim.Adam(theirs)
    sd_f, sd_t = opt_f.state_dict(), opt_t.state_dict()
    sd_f["param_groups"][0]["params"] = sd_f["param_groups"][0]["params"][:2]
    sd_t["param_groups"][0]["params"] = sd_t["param_groups"][0]["params"][:2]
    with pytest.raises(ValueError) as e1:
        opt_f.load_state_dict(sd_f)
    with pytest.raises(ValueError) as e2:
        opt_t.load_state_dict(sd_t)
    assert str(e1.value) == str(e2.value)
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        opt_f.load_state_dict({"state": {}, "param_groups": []})


@pytest.mark.parametrize(
    "build",
    [
        lambda m, p: m.SGD(p, lr=-1),
        lambda m, p: m.SGD(p, lr=0.1, momentum=-1),
        lambda m, p: m.SGD(p, lr=0.1, weight_decay=-1),
        lambda m, p: m.SGD(p, lr=0.1, nesterov=True),
        lambda m, p: m.Adam(p, lr=-1),
        lambda m, p: m.Adam(p, eps=-1),
        lambda m, p: m.Adam(p, betas=(1.0, 0.9)),
        lambda m, p: m.Adam(p, betas=(0.9, -0.1)),
        lambda m, p: m.RMSprop(p, alpha=-1),
        lambda m, p: m.Adagrad(p, lr_decay=-1),
        lambda m, p: m.SGD([], lr=0.1),
    ],
)
def test_argument_errors_match_torch(build):
    ours, theirs = make_params(np.float32)
    with pytest.raises(ValueError) as e1:
        build(optim, ours)
    with pytest.raises(ValueError) as e2:
        build(torch.optim, theirs)
    assert str(e1.value) == str(e2.value)


def test_type_errors_match_torch():
    with pytest.raises(TypeError, match="params argument given to the optimizer should be an iterable"):
        optim.SGD(fastgrad.zeros(2, requires_grad=True), lr=0.1)
    x = fastgrad.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([x * 2], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        optim.SGD([1.0], lr=0.1)
    with pytest.raises(TypeError, match="optimizer parameters need to be organized in ordered collections"):
        optim.SGD([{"params": {x}}], lr=0.1)


def test_closure_is_called_with_grad_enabled():
    w = fastgrad.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with fastgrad.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(w.detach().numpy(), [0.8, -1.6], rtol=1e-6)


def test_module_training_with_each_optimizer_decreases_loss():
    fastgrad.manual_seed(0)
    x = fastgrad.randn(64, 3)
    y = x.matmul(fastgrad.tensor([[1.0], [-2.0], [0.5]])) + 0.3
    for name, lr in [("SGD", 0.05), ("Adam", 0.05), ("AdamW", 0.05), ("RMSprop", 0.01), ("Adagrad", 0.5)]:
        model = nn.Linear(3, 1)
        opt = getattr(optim, name)(model.parameters(), lr=lr)
        first = None
        for _ in range(50):
            opt.zero_grad()
            loss = nn.MSELoss()(model(x), y)
            loss.backward()
            opt.step()
            first = first if first is not None else loss.item()
        assert loss.item() < first / 4, name
