"""optim: Adamax, NAdam, RAdam, Adadelta, Rprop and ASGD against torch.optim (parameter for parameter over 10
steps, state and state_dict names, reprs, argument errors, training a module)."""

import fastgrad
import fastgrad.optim as optim
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from test_optim import TOLERANCE, make_params, set_grads  # noqa: E402  (the same parameters and gradients)

CONFIGS = [
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adamax", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "momentum_decay": 0.01, "betas": (0.8, 0.95)}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.01, "betas": (0.5, 0.6)}),  # rho_t > 5 from the first steps: the rectified branch
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "betas": (0.5, 0.6), "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01, "betas": (0.5, 0.6), "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4}),
    ("Adadelta", {"lr": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.7), "step_sizes": (1e-3, 0.2)}),
    ("Rprop", {"lr": 0.05, "maximize": True}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 3}),
    ("ASGD", {"lr": 0.05, "t0": 2, "weight_decay": 0.1, "maximize": True}),
]



@pytest.mark.parametrize("np_dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_optimizer_matches_torch_over_10_steps(name, kwargs, np_dtype):
    ours, theirs = make_params(np_dtype)
    opt_f = getattr(optim, name)(ours, **kwargs)
    opt_t = getattr(torch.optim, name)(theirs, foreach=False, **kwargs)
    for step in range(10):
        set_grads(ours, theirs, step, np_dtype)
        opt_f.step()
        opt_t.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(
                p.detach().numpy(), q.detach().numpy(), **TOLERANCE[np_dtype], err_msg=f"step {step}"
            )
    for p, q in zip(ours, theirs):
        fs, ts = opt_f.state[p], opt_t.state[q]
        assert list(fs) == list(ts)
        for key in ts:
            assert fs[key].dtype == getattr(fastgrad, str(ts[key].dtype).split(".")[-1]), key
            np.testing.assert_allclose(fs[key].numpy(), ts[key].numpy(), **TOLERANCE[np_dtype], err_msg=key)


@pytest.mark.parametrize("name", sorted({n for n, _ in CONFIGS}))
def test_defaults_repr_and_state_dict_match_torch(name):
    ours, theirs = make_params(np.float64)
    opt_f, opt_t = getattr(optim, name)(ours), getattr(torch.optim, name)(theirs)
    assert opt_f.defaults == opt_t.defaults
    assert repr(opt_f) == repr(opt_t)
    for _ in range(2):
        set_grads(ours, theirs, 0, np.float64)
        opt_f.step()
        opt_t.step()
    sd_f, sd_t = opt_f.state_dict(), opt_t.state_dict()
    assert sd_f["param_groups"] == sd_t["param_groups"]
    assert [sorted(s) for s in sd_f["state"].values()] == [sorted(s) for s in sd_t["state"].values()]
    # resuming from the state dict: the loaded state is cast as torch casts it (floating state to the
    # parameter's dtype, except step), and the resumed run follows torch's resumed run
    ours2 = [fastgrad.from_numpy(p.detach().numpy().copy()).requires_grad_(True) for p in ours]
    theirs2 = [torch.from_numpy(q.detach().numpy().copy()).requires_grad_(True) for q in theirs]
    opt_f2, opt_t2 = getattr(optim, name)(ours2), getattr(torch.optim, name)(theirs2, foreach=False)
    opt_f2.load_state_dict(opt_f.state_dict())
    opt_t2.load_state_dict(opt_t.state_dict())
    for step in range(3):
        set_grads(ours2, theirs2, step, np.float64)
        opt_f2.step()
        opt_t2.step()
    for p, q in zip(ours2, theirs2):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), **TOLERANCE[np.float64])


@pytest.mark.parametrize(
    "name,kwargs,match",
    [
        ("Adamax", {"lr": -1.0}, "Invalid learning rate: -1.0"),
        ("Adamax", {"betas": (1.0, 0.9)}, "Invalid beta parameter at index 0: 1.0"),
        ("NAdam", {"momentum_decay": -1.0}, "Invalid momentum_decay value: -1.0"),
        ("NAdam", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
        ("RAdam", {"betas": (0.9, 1.5)}, "Invalid beta parameter at index 1: 1.5"),
        ("RAdam", {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
        ("Adadelta", {"rho": 1.5}, "Invalid rho value: 1.5"),
        ("Rprop", {"etas": (1.5, 1.2)}, "Invalid eta values: 1.5, 1.2"),
        ("ASGD", {"weight_decay": -1}, "Invalid weight_decay value: -1"),
    ],
)
def test_argument_errors_match_torch(name, kwargs, match):
    for m in (optim, torch.optim):
        with pytest.raises(ValueError, match=match):
            getattr(m, name)(
                [fastgrad.zeros(2).requires_grad_() if m is optim else torch.zeros(2, requires_grad=True)],
                **kwargs,
            )


def test_new_optimizers_train_a_module():
    rng = np.random.default_rng(0)
    x = fastgrad.from_numpy(rng.standard_normal((32, 3)).astype(np.float32))
    y = fastgrad.from_numpy(rng.standard_normal((32, 1)).astype(np.float32))
    for name, kwargs in [
        ("Adamax", {"lr": 0.05}),
        ("NAdam", {"lr": 0.05}),
        ("RAdam", {"lr": 0.05}),
        ("Adadelta", {}),
        ("Rprop", {}),
        ("ASGD", {"lr": 0.05}),
    ]:
        fastgrad.manual_seed(0)
        model = fastgrad.nn.Linear(3, 1)
        opt = getattr(optim, name)(model.parameters(), **kwargs)
        losses = []
        for _ in range(30):
            opt.zero_grad()
            loss = fastgrad.nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[-1] < losses[0], name
