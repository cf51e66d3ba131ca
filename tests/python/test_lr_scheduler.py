"""optim.lr_scheduler: every scheduler gives the learning rates torch.optim.lr_scheduler gives (over 30+
steps, with one and two parameter groups), momentum cycling, ReduceLROnPlateau, closed forms, state_dict
round trips and resumption, warnings and argument errors as PyTorch's."""

import math
import warnings

import fastgrad
import fastgrad.optim as optim
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from test_optim import make_params, set_grads  # noqa: E402  (the same parameters and gradients)

# ---- StepLR, ExponentialLR, CosineAnnealingLR, LambdaLR; stepping order, state_dict ----

SCHEDULERS = [
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 5}),
    ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 0.95**epoch}),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=[f"{n}-{sorted(k)}" for n, k in SCHEDULERS])
def test_scheduler_matches_torch(name, kwargs):
    ours, theirs = make_params(np.float32)
    opt_f = optim.SGD([{"params": ours[:1]}, {"params": ours[1:], "lr": 0.3}], lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD([{"params": theirs[:1]}, {"params": theirs[1:], "lr": 0.3}], lr=0.1, momentum=0.9)
    sched_f = getattr(optim.lr_scheduler, name)(opt_f, **kwargs)
    sched_t = getattr(torch.optim.lr_scheduler, name)(opt_t, **kwargs)
    assert sched_f.get_last_lr() == sched_t.get_last_lr()
    for step in range(14):
        set_grads(ours, theirs, step, np.float32)
        opt_f.step()
        opt_t.step()
        sched_f.step()
        sched_t.step()
        assert sched_f.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12), step
        assert [g["lr"] for g in opt_f.param_groups] == pytest.approx([g["lr"] for g in opt_t.param_groups])
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)
    sd_f, sd_t = sched_f.state_dict(), sched_t.state_dict()
    assert sorted(sd_f) == sorted(sd_t)
    for key in sd_t:
        if key != "lr_lambdas":
            assert (
                sd_f[key] == pytest.approx(sd_t[key])
                if isinstance(sd_t[key], (list, float))
                else sd_f[key] == sd_t[key]
            ), key


def test_scheduler_state_dict_resume_and_closed_form():
    p = fastgrad.zeros(1, requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(5):
        opt.step()
        sched.step()
    state = sched.state_dict()
    opt2 = optim.SGD([fastgrad.zeros(1, requires_grad=True)], lr=1.0)
    opt2.load_state_dict(opt.state_dict())
    sched2 = optim.lr_scheduler.StepLR(opt2, step_size=2, gamma=0.5)
    sched2.load_state_dict(state)
    assert sched2.last_epoch == 5 and sched2.get_last_lr() == [0.25]
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        sched2.step(8)
    assert sched2.get_last_lr() == [0.0625]


def test_scheduler_warns_when_stepped_before_optimizer():
    opt = optim.SGD([fastgrad.zeros(1, requires_grad=True)], lr=1.0)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(
        UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"
    ):
        sched.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
    assert math.isclose(sched.get_last_lr()[0], 0.25)


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        optim.lr_scheduler.StepLR([], step_size=1)


# ---- the other schedulers: lr and momentum sequences, ReduceLROnPlateau, closed forms, state_dicts ----


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


SCHEDULER_BUILDS = [
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


@pytest.mark.parametrize("name,build", SCHEDULER_BUILDS, ids=[n for n, _ in SCHEDULER_BUILDS])
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
    for name, build in SCHEDULER_BUILDS[1:8]:
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
    for name, build in SCHEDULER_BUILDS:
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
