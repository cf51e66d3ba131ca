"""optim breadth: Adamax, NAdam, RAdam, Adadelta, Rprop and ASGD against torch.optim (parameter for parameter
over 10 steps, state and state_dict names, reprs, argument errors), and the learning-rate schedulers added
on top of the core ones (lr sequences against torch over 30+ steps)."""

import warnings

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


# ---- learning-rate schedulers ----


def _two_group_optimizers(name="SGD", **kwargs):
    pf = [fastgrad.zeros(2).requires_grad_(), fastgrad.zeros(3).requires_grad_()]
    pt = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    kwargs = kwargs or {"lr": 0.1, "momentum": 0.9}
    opt_f = getattr(optim, name)([{"params": [pf[0]]}, {"params": [pf[1]], "lr": 0.05}], **kwargs)
    opt_t = getattr(torch.optim, name)([{"params": [pt[0]]}, {"params": [pt[1]], "lr": 0.05}], **kwargs)
    return opt_f, opt_t


def _momenta(opt):
    return [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]


def _lambda_half(epoch):
    return 0.95 if epoch % 3 else 1.0


SCHEDULERS = [
    ("MultiplicativeLR", lambda m, o: m.MultiplicativeLR(o, _lambda_half)),
    ("MultiStepLR", lambda m, o: m.MultiStepLR(o, milestones=[3, 7, 7, 20], gamma=0.5)),
    ("ConstantLR", lambda m, o: m.ConstantLR(o)),
    ("ConstantLR-custom", lambda m, o: m.ConstantLR(o, factor=0.3, total_iters=8)),
    ("LinearLR", lambda m, o: m.LinearLR(o)),
    ("LinearLR-down", lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=17)),
    ("PolynomialLR", lambda m, o: m.PolynomialLR(o, total_iters=20, power=2.0)),
    ("CosineAnnealingWarmRestarts", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5)),
    (
        "CosineAnnealingWarmRestarts-mult",
        lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=1e-3),
    ),
    ("OneCycleLR", lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=40)),
    (
        "OneCycleLR-linear-3phase",
        lambda m, o: m.OneCycleLR(
            o,
            max_lr=[1.0, 0.5],
            epochs=4,
            steps_per_epoch=10,
            anneal_strategy="linear",
            three_phase=True,
            pct_start=0.25,
        ),
    ),
    ("CyclicLR", lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4)),
    (
        "CyclicLR-triangular2",
        lambda m, o: m.CyclicLR(
            o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3, step_size_down=5, mode="triangular2"
        ),
    ),
    (
        "CyclicLR-exp_range",
        lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.95),
    ),
    (
        "SequentialLR",
        lambda m, o: m.SequentialLR(
            o,
            [
                m.LinearLR(o, start_factor=0.1, total_iters=5),
                m.ExponentialLR(o, gamma=0.9),
                m.StepLR(o, step_size=4, gamma=0.5),
            ],
            milestones=[5, 15],
        ),
    ),
    (
        "ChainedScheduler",
        lambda m, o: m.ChainedScheduler(
            [
                m.ConstantLR(o, factor=0.5, total_iters=4),
                m.ExponentialLR(o, gamma=0.9),
                m.MultiStepLR(o, [10, 20]),
            ]
        ),
    ),
]


@pytest.mark.parametrize("name,build", SCHEDULERS, ids=[n for n, _ in SCHEDULERS])
def test_scheduler_lr_sequence_matches_torch(name, build):
    opt_f, opt_t = _two_group_optimizers()
    sched_f, sched_t = build(optim.lr_scheduler, opt_f), build(torch.optim.lr_scheduler, opt_t)
    assert sched_f.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-15, abs=0)
    for step in range(36 if "OneCycle" not in name else 39):
        opt_f.step()
        opt_t.step()
        sched_f.step()
        sched_t.step()
        lrs_f, lrs_t = [g["lr"] for g in opt_f.param_groups], [g["lr"] for g in opt_t.param_groups]
        assert lrs_f == pytest.approx(lrs_t, rel=1e-13, abs=1e-16), f"step {step}"
        assert sched_f.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-13, abs=1e-16)
        assert _momenta(opt_f) == pytest.approx(_momenta(opt_t), rel=1e-13), f"momentum at step {step}"


def test_one_cycle_with_adam_cycles_beta1_and_refuses_extra_steps():
    opt_f, opt_t = _two_group_optimizers("Adam", lr=0.01)
    sched_f = optim.lr_scheduler.OneCycleLR(opt_f, max_lr=0.1, total_steps=10)
    sched_t = torch.optim.lr_scheduler.OneCycleLR(opt_t, max_lr=0.1, total_steps=10)
    for _ in range(9):
        opt_f.step()
        opt_t.step()
        sched_f.step()
        sched_t.step()
        assert [g["betas"][0] for g in opt_f.param_groups] == pytest.approx(
            [g["betas"][0] for g in opt_t.param_groups], rel=1e-13
        )
    sched_f.step()
    with pytest.raises(ValueError, match="Tried to step 11 times. The specified number of total steps is 10"):
        sched_f.step()
    sched_t.step()
    with pytest.raises(ValueError, match="Tried to step 11 times. The specified number of total steps is 10"):
        sched_t.step()


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"mode": "max", "factor": 0.5, "patience": 2},
        {"threshold_mode": "abs", "threshold": 0.05, "cooldown": 3, "patience": 1},
        {"min_lr": [0.02, 0.04], "patience": 0},
    ],
)
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    opt_f, opt_t = _two_group_optimizers()
    sched_f = optim.lr_scheduler.ReduceLROnPlateau(opt_f, **kwargs)
    sched_t = torch.optim.lr_scheduler.ReduceLROnPlateau(opt_t, **kwargs)
    metrics = [1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.89, 0.9, 0.9, 0.9, 0.9, 0.85] * 3
    for metric in metrics:
        sched_f.step(metric)
        sched_t.step(metric)
        assert [g["lr"] for g in opt_f.param_groups] == pytest.approx([g["lr"] for g in opt_t.param_groups])
        assert sched_f.get_last_lr() == pytest.approx(sched_t.get_last_lr())
        assert (sched_f.num_bad_epochs, sched_f.cooldown_counter, sched_f.best) == (
            sched_t.num_bad_epochs,
            sched_t.cooldown_counter,
            sched_t.best,
        )
    state = sched_f.state_dict()
    assert set(state) == set(sched_t.state_dict())
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        optim.lr_scheduler.ReduceLROnPlateau(opt_f, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown!"):
        optim.lr_scheduler.ReduceLROnPlateau(opt_f, mode="avg")


def test_closed_forms_match_torch():
    for name, build in SCHEDULERS[1:8]:
        opt_f, opt_t = _two_group_optimizers()
        sched_f, sched_t = build(optim.lr_scheduler, opt_f), build(torch.optim.lr_scheduler, opt_t)
        for epoch in (0, 3, 7, 12, 30, 5):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sched_f.step(epoch)
                sched_t.step(epoch)
            assert [g["lr"] for g in opt_f.param_groups] == pytest.approx(
                [g["lr"] for g in opt_t.param_groups], rel=1e-13
            ), (name, epoch)


def test_scheduler_state_dicts_round_trip():
    for name, build in SCHEDULERS:
        opt_f, opt_t = _two_group_optimizers()
        sched_f, sched_t = build(optim.lr_scheduler, opt_f), build(torch.optim.lr_scheduler, opt_t)
        for _ in range(6):
            opt_f.step()
            sched_f.step()
        assert set(sched_f.state_dict()) == set(sched_t.state_dict()), name
        # the usual resume order: build optimizer and scheduler, then load both
        opt_f2, _ = _two_group_optimizers()
        sched_f2 = build(optim.lr_scheduler, opt_f2)
        opt_f2.load_state_dict(opt_f.state_dict())
        sched_f2.load_state_dict(sched_f.state_dict())
        for _ in range(4):
            opt_f.step()
            opt_f2.step()
            sched_f.step()
            sched_f2.step()
        assert sched_f2.get_last_lr() == pytest.approx(sched_f.get_last_lr()), name


def test_scheduler_argument_errors_match_torch():
    opt_f, opt_t = _two_group_optimizers()
    cases = [
        (lambda m, o: m.ConstantLR(o, factor=2.0), ValueError, "Constant multiplicative factor"),
        (lambda m, o: m.LinearLR(o, start_factor=0.0), ValueError, "Starting multiplicative factor"),
        (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "Expected positive integer T_0"),
        (
            lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
            ValueError,
            "Expected integer T_mult",
        ),
        (lambda m, o: m.OneCycleLR(o, max_lr=1.0), ValueError, "You must define either total_steps"),
        (
            lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=2.0),
            ValueError,
            "Expected float between 0 and 1 pct_start",
        ),
        (
            lambda m, o: m.OneCycleLR(o, max_lr=[1.0], total_steps=10),
            ValueError,
            "max_lr must have the same length as optimizer.param_groups",
        ),
        (
            lambda m, o: m.CyclicLR(o, 0.1, 1.0, mode="nope"),
            ValueError,
            "mode is invalid and scale_fn is None",
        ),
        (
            lambda m, o: m.SequentialLR(o, [m.ConstantLR(o)], milestones=[3]),
            ValueError,
            "expects number of schedulers provided to be one more",
        ),
        (lambda m, o: m.ChainedScheduler([]), ValueError, "expects at least one scheduler to be chained"),
        (lambda m, o: m.MultiplicativeLR(o, 0.5), TypeError, "lr_lambda should be a function, but got float"),
    ]
    for build, exc, match in cases:
        for m, o in ((optim.lr_scheduler, opt_f), (torch.optim.lr_scheduler, opt_t)):
            with pytest.raises(exc, match=match):
                build(m, o)
