"""nn activations, distances and losses beyond the core ones (modules and their functional forms), each
against PyTorch: values and gradients in float64, reprs, errors, warnings."""

import fastgrad
import fastgrad.nn as nn
import fastgrad.nn.functional as F
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nn_helpers import assert_close, check_both, rng, values  # noqa: E402

# ---- activations: modules vs torch (values, gradients, repr) ----

ACTIVATIONS = [
    ("ReLU6", (), {}),
    ("ReLU6", (True,), {}),
    ("ELU", (), {}),
    ("ELU", (), {"alpha": 0.5}),
    ("ELU", (), {"inplace": True}),
    ("SELU", (), {}),
    ("CELU", (), {}),
    ("CELU", (), {"alpha": 2.0}),
    (
        "CELU",
        (),
        {"alpha": 0.5, "inplace": True},
    ),  # 1/alpha exact: torch's in-place backward rounds it to float
    ("Softplus", (), {}),
    ("Softplus", (), {"beta": 2.0, "threshold": 1.5}),
    ("Softsign", (), {}),
    ("Hardtanh", (), {}),
    ("Hardtanh", (-2.0, 2.5), {}),
    ("Hardtanh", (), {"inplace": True}),
    ("Hardsigmoid", (), {}),
    ("Hardsigmoid", (), {"inplace": True}),
    ("Hardswish", (), {}),
    ("Hardswish", (), {"inplace": True}),
    ("Mish", (), {}),
    ("Mish", (), {"inplace": True}),
    ("LogSigmoid", (), {}),
    ("Tanhshrink", (), {}),
    ("Softshrink", (), {}),
    ("Softshrink", (1.0,), {}),
    ("Hardshrink", (), {}),
    ("Hardshrink", (), {"lambd": 2.0}),
    ("Threshold", (0.1, 20.0), {}),
    ("Threshold", (1, 2), {"inplace": True}),
    ("GLU", (), {}),
    ("GLU", (), {"dim": 0}),
    ("Softmin", (), {"dim": 1}),
    ("Softmin", (0,), {}),
]


@pytest.mark.parametrize("name,args,kwargs", ACTIVATIONS, ids=lambda v: str(v))
def test_activation_module_matches_torch(name, args, kwargs):
    fm = getattr(nn, name)(*args, **kwargs)
    tm = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(fm) == repr(tm)
    x = values((4, 6), seed=len(name))
    # torch's hardsigmoid backward multiplies by 1/6 rounded to float32, even for float64
    rtol = 1e-7 if name in ("Hardsigmoid",) else 1e-10
    if kwargs.get("inplace") or (args and args[-1] is True):
        # the in-place form: applied to a non-leaf, the gradient reaches the leaf through it
        check_both(lambda a: fm(a * 1), lambda a: tm(a * 1), [x], grad_rtol=rtol)
    else:
        check_both(fm, tm, [x], grad_rtol=rtol)


def test_activations_on_extreme_values():
    x = np.array([-800.0, -50.0, -25.0, -0.7, 0.7, 25.0, 50.0, 800.0])
    for name in ("logsigmoid", "softsign", "tanhshrink", "hardsigmoid", "hardswish", "celu", "elu", "selu"):
        check_both(getattr(F, name), getattr(torch.nn.functional, name), [x], grad_rtol=1e-7)


def test_activations_keep_float32():
    x = fastgrad.from_numpy(values((3, 4)).astype(np.float32))
    for name in (
        "logsigmoid",
        "softsign",
        "tanhshrink",
        "hardsigmoid",
        "hardswish",
        "celu",
        "softshrink",
        "hardshrink",
        "glu",
    ):
        assert getattr(F, name)(x).dtype == fastgrad.float32, name
    assert F.threshold(x, 0.1, 20.0).dtype == fastgrad.float32


@pytest.mark.parametrize(
    "shape,num_parameters", [((5, 3), 1), ((5, 3), 3), ((2, 3, 4), 3), ((2, 3, 4, 2), 3), ((7,), 1), ((), 1)]
)
def test_prelu_learns_its_slope_like_torch(shape, num_parameters):
    fm, tm = nn.PReLU(num_parameters), torch.nn.PReLU(num_parameters).double()
    assert repr(fm) == repr(tm)
    assert [n for n, _ in fm.named_parameters()] == ["weight"]
    fm.weight.data.copy_(fastgrad.from_numpy(np.linspace(0.1, 0.4, num_parameters)).float())
    with torch.no_grad():
        tm.weight.copy_(torch.linspace(0.1, 0.4, num_parameters))
    fm.double()
    check_both(fm, tm, [values(shape, seed=3)])
    assert_close(fm.weight.grad, tm.weight.grad)


def test_prelu_default_init_and_errors():
    m = nn.PReLU(4, init=0.1)
    assert m.weight.dtype == fastgrad.float32 and m.weight.shape == (4,)
    assert np.allclose(m.weight.detach().numpy(), 0.1)
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel size"):
        nn.PReLU(4)(fastgrad.ones(2, 3))
    with pytest.raises(RuntimeError):
        torch.nn.PReLU(4)(torch.ones(2, 3))


def test_softmax2d():
    fm, tm = nn.Softmax2d(), torch.nn.Softmax2d()
    assert repr(fm) == repr(tm) == "Softmax2d()"
    check_both(fm, tm, [values((2, 3, 4, 5))])
    check_both(fm, tm, [values((3, 4, 5))])
    with pytest.raises(ValueError, match="3D or 4D"):
        fm(fastgrad.ones(3, 4))
    with pytest.raises(ValueError, match="3D or 4D"):
        tm(torch.ones(3, 4))


def test_softmin_implicit_dim_warns_like_torch():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        F.softmin(fastgrad.ones(2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        torch.nn.functional.softmin(torch.ones(2, 3))


def test_activation_errors_match_torch():
    for m in (fastgrad, torch):
        fn = m.nn.functional
        x = m.ones(2, 3)
        with pytest.raises(RuntimeError, match="Halving dimension must be even"):
            fn.glu(x, 1)
        with pytest.raises(
            RuntimeError, match=r"lambda must be in range \[0, 3.40282e\+38\] for input dtype Float"
        ):
            fn.softshrink(x, -1.0)
        with pytest.raises(RuntimeError, match=r"lambda must be in range \[0, 1.79769e\+308\] .* found -1.5"):
            fn.softshrink(x.double(), -1.5)
        with pytest.raises(AssertionError):
            m.nn.Hardtanh(1.0, -1.0)
        with pytest.raises(RuntimeError, match="ZeroDivisionError: alpha cannot be 0 for CELU"):
            fn.celu(x, alpha=0.0)


def test_threshold_functional_forms():
    x = values((3, 4))
    check_both(
        lambda a: F.threshold(a, 0.5, -3.0), lambda a: torch.nn.functional.threshold(a, 0.5, -3.0), [x]
    )
    check_both(
        lambda a: F.threshold_(a * 1, 0.5, -3.0),
        lambda a: torch.nn.functional.threshold_(a * 1, 0.5, -3.0),
        [x],
    )
    check_both(lambda a: F.celu_(a * 1, 1.5), lambda a: torch.nn.functional.celu_(a * 1, 1.5), [x])


# ---- distances ----


@pytest.mark.parametrize("kwargs", [{}, {"p": 1.0}, {"p": 3.0, "keepdim": True}, {"eps": 0.1}])
def test_pairwise_distance(kwargs):
    fm, tm = nn.PairwiseDistance(**kwargs), torch.nn.PairwiseDistance(**kwargs)
    assert repr(fm) == repr(tm)
    check_both(fm, tm, [values((4, 5), 1), values((4, 5), 2)])
    check_both(fm, tm, [values((5,), 1), values((5,), 2)])
    check_both(fm, tm, [values((2, 3, 5), 1), values((3, 5), 2)])


@pytest.mark.parametrize("dim", [1, 0, -1])
def test_cosine_similarity(dim):
    fm, tm = nn.CosineSimilarity(dim=dim), torch.nn.CosineSimilarity(dim=dim)
    assert repr(fm) == repr(tm)
    check_both(fm, tm, [values((4, 5), 1), values((4, 5), 2)])
    check_both(fm, tm, [values((2, 4, 5), 1), values((4, 5), 2)])
    check_both(
        lambda a, b: F.cosine_similarity(a, b, dim, eps=2.0),
        lambda a, b: torch.nn.functional.cosine_similarity(a, b, dim, eps=2.0),
        [values((3, 3), 3) * 0.1, values((3, 3), 4)],
    )


# ---- losses ----

REDUCTIONS = ["mean", "sum", "none"]


def _pm1(shape, seed):
    return np.where(rng(seed).uniform(size=shape) > 0.5, 1.0, -1.0)


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_loss(reduction, log_target):
    fm = nn.KLDivLoss(reduction=reduction, log_target=log_target)
    tm = torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)
    assert repr(fm) == repr(tm) == "KLDivLoss()"
    x = np.log(rng(1).dirichlet(np.ones(5), size=4))
    y = rng(2).dirichlet(np.ones(5), size=4)
    if log_target:
        y = np.log(y + 0.1)
    check_both(fm, tm, [x, y])


def test_kl_div_zero_target_counts_as_zero():
    # 0 * log(0) = 0, as xlogy; the target's gradient there is torch's: NaN (xlogy's d/dy = x / y at 0 / 0)
    x = np.log(rng(1).dirichlet(np.ones(5), size=4))
    y = rng(2).dirichlet(np.ones(5), size=4)
    y[0, 0] = 0.0
    check_both(
        lambda a, b: F.kl_div(a, b, reduction="sum"),
        lambda a, b: torch.nn.functional.kl_div(a, b, reduction="sum"),
        [x, y],
    )


def test_kl_div_mean_warns_like_torch():
    x = fastgrad.zeros(2, 3)
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(x, x)
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        torch.nn.functional.kl_div(torch.zeros(2, 3), torch.zeros(2, 3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_loss(reduction):
    fm, tm = nn.SoftMarginLoss(reduction=reduction), torch.nn.SoftMarginLoss(reduction=reduction)
    check_both(fm, tm, [values((4, 5)), _pm1((4, 5), 1)], grads=[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.7])
def test_margin_ranking_loss(reduction, margin):
    fm = nn.MarginRankingLoss(margin=margin, reduction=reduction)
    tm = torch.nn.MarginRankingLoss(margin=margin, reduction=reduction)
    check_both(fm, tm, [values((6,), 1), values((6,), 2), _pm1((6,), 3)], grads=[0, 1])
    with pytest.raises(RuntimeError, match="All input tensors should have same dimension"):
        fm(fastgrad.ones(3), fastgrad.ones(3), fastgrad.ones(1, 3))
    with pytest.raises(RuntimeError, match="All input tensors should have same dimension"):
        tm(torch.ones(3), torch.ones(3), torch.ones(1, 3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 2.5])
def test_hinge_embedding_loss(reduction, margin):
    fm = nn.HingeEmbeddingLoss(margin=margin, reduction=reduction)
    tm = torch.nn.HingeEmbeddingLoss(margin=margin, reduction=reduction)
    check_both(fm, tm, [values((4, 5)), _pm1((4, 5), 1)], grads=[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
def test_cosine_embedding_loss(reduction, margin):
    fm = nn.CosineEmbeddingLoss(margin=margin, reduction=reduction)
    tm = torch.nn.CosineEmbeddingLoss(margin=margin, reduction=reduction)
    check_both(fm, tm, [values((6, 4), 1), values((6, 4), 2), _pm1((6,), 3)], grads=[0, 1])
    check_both(fm, tm, [values((4,), 1), values((4,), 2), np.array(-1.0)], grads=[0, 1])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True), (False, True)])
def test_poisson_nll_loss(reduction, log_input, full):
    fm = nn.PoissonNLLLoss(log_input=log_input, full=full, reduction=reduction)
    tm = torch.nn.PoissonNLLLoss(log_input=log_input, full=full, reduction=reduction)
    x = values((4, 5)) if log_input else rng(5).uniform(0.1, 3.0, (4, 5))
    y = rng(6).integers(0, 6, (4, 5)).astype(np.float64)
    check_both(fm, tm, [x, y], grads=[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(4, 5), (4, 1), (4,)])
def test_gaussian_nll_loss(reduction, full, var_shape):
    fm = nn.GaussianNLLLoss(full=full, reduction=reduction, eps=1e-3)
    tm = torch.nn.GaussianNLLLoss(full=full, reduction=reduction, eps=1e-3)
    var = rng(7).uniform(0.1, 2.0, var_shape)
    var.flat[0] = 1e-4  # below eps: clamped, the gradient still reaches var
    check_both(fm, tm, [values((4, 5)), values((4, 5), 1), var])


def test_gaussian_nll_loss_errors_match_torch():
    for m in (fastgrad, torch):
        x = m.ones(4, 5)
        with pytest.raises(ValueError, match="var is of incorrect size"):
            m.nn.functional.gaussian_nll_loss(x, x, m.ones(3))
        with pytest.raises(ValueError, match="var has negative entry"):
            m.nn.functional.gaussian_nll_loss(x, x, -m.ones(4, 5))
        with pytest.raises(ValueError, match="is not valid"):
            m.nn.functional.gaussian_nll_loss(x, x, m.ones(4, 5), reduction="avg")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_soft_margin_loss(reduction, weighted):
    weight = rng(8).uniform(0.5, 2.0, (5,))
    fm = nn.MultiLabelSoftMarginLoss(
        weight=fastgrad.from_numpy(weight) if weighted else None, reduction=reduction
    )
    tm = torch.nn.MultiLabelSoftMarginLoss(
        weight=torch.from_numpy(weight) if weighted else None, reduction=reduction
    )
    y = (rng(9).uniform(size=(4, 5)) > 0.5).astype(np.float64)
    check_both(fm, tm, [values((4, 5)), y], grads=[0])
    assert [n for n, _ in fm.named_buffers()] == [n for n, _ in tm.named_buffers()]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [{}, {"margin": 2.0, "p": 1.0}, {"swap": True}, {"p": 3.0, "eps": 1e-3}])
def test_triplet_margin_loss(reduction, kwargs):
    fm = nn.TripletMarginLoss(reduction=reduction, **kwargs)
    tm = torch.nn.TripletMarginLoss(reduction=reduction, **kwargs)
    check_both(fm, tm, [values((6, 4), 1), values((6, 4), 2), values((6, 4), 3)])
    with pytest.raises(ValueError, match="expected margin to be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)


def test_loss_reprs_match_torch():
    names = [
        "KLDivLoss",
        "SoftMarginLoss",
        "MarginRankingLoss",
        "HingeEmbeddingLoss",
        "CosineEmbeddingLoss",
        "PoissonNLLLoss",
        "GaussianNLLLoss",
        "MultiLabelSoftMarginLoss",
        "TripletMarginLoss",
    ]
    for name in names:
        assert repr(getattr(nn, name)()) == repr(getattr(torch.nn, name)())


def test_legacy_reduction_flags_on_new_losses():
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        m = nn.SoftMarginLoss(size_average=False)
    assert m.reduction == "sum"
