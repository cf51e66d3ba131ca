"""nn breadth: the activations, losses, distances, containers and norms added on top of the core layers,
each against PyTorch (values and gradients in float64, reprs, errors, seeded default init)."""

import warnings

import fastgrad
import fastgrad.nn as nn
import fastgrad.nn.functional as F
import numpy as np
import pytest

torch = pytest.importorskip("torch")


# ---- helpers ----


def pair(array, requires_grad=True):
    """The same float64 values as a fastgrad and a torch tensor."""
    array = np.asarray(array, dtype=np.float64)
    f = fastgrad.from_numpy(array.copy())
    t = torch.from_numpy(array.copy())
    if requires_grad:
        f.requires_grad_(True)
        t.requires_grad_(True)
    return f, t


def assert_close(fg_t, torch_t, rtol=1e-10, atol=1e-12):
    a = fg_t.detach().numpy() if isinstance(fg_t, fastgrad.Tensor) else np.asarray(fg_t)
    b = torch_t.detach().numpy() if isinstance(torch_t, torch.Tensor) else np.asarray(torch_t)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def check_both(fg_fn, torch_fn, arrays, grads=None, seed=0, grad_rtol=1e-10):
    """Calls fg_fn and torch_fn on the same float64 inputs, compares outputs, then backward of the same random
    cotangent and the gradients of every input in `grads` (default: all)."""
    grads = range(len(arrays)) if grads is None else grads
    fs, ts = [], []
    for i, a in enumerate(arrays):
        f, t = pair(a, requires_grad=i in grads)
        fs.append(f)
        ts.append(t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_t = torch_fn(*ts)
        out_f = fg_fn(*fs)
    assert_close(out_f, out_t)
    cot = np.random.default_rng(seed).standard_normal(tuple(out_t.shape))
    out_t.backward(torch.from_numpy(cot))
    out_f.backward(fastgrad.from_numpy(cot.copy()))
    for i in grads:
        assert_close(fs[i].grad, ts[i].grad, rtol=grad_rtol)
    return out_f, out_t


def rng(seed=0):
    return np.random.default_rng(seed)


def values(shape, seed=0, low=-3.0, high=3.0):
    # kinks of the piecewise activations (0, +-0.5, +-1, +-3, 6) are avoided: no sample lands within 1e-3
    v = rng(seed).uniform(low, high, shape)
    kinks = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0, 0.1, 2.0, -2.0])
    near = np.min(np.abs(v[..., None] - kinks), axis=-1) < 1e-3
    return np.where(near, v + 0.01, v)


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
    # 0 * log(0) = 0, as xlogy; (torch's gradient for such a target is nan, fastgrad's is 0: not compared)
    x = np.log(rng(1).dirichlet(np.ones(5), size=4))
    y = rng(2).dirichlet(np.ones(5), size=4)
    y[0, 0] = 0.0
    check_both(
        lambda a, b: F.kl_div(a, b, reduction="sum"),
        lambda a, b: torch.nn.functional.kl_div(a, b, reduction="sum"),
        [x, y],
        grads=[0],
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


# ---- ParameterList / ParameterDict ----


def _fg_and_torch_params(shapes):
    arrays = [rng(i).standard_normal(s) for i, s in enumerate(shapes)]
    return [fastgrad.from_numpy(a.astype(np.float32)) for a in arrays], [
        torch.from_numpy(a.astype(np.float32)) for a in arrays
    ]


def test_parameter_list_registers_wraps_and_prints_like_torch():
    fs, ts = _fg_and_torch_params([(3, 4), (5,), (2, 1, 2)])
    fl = nn.ParameterList([nn.Parameter(fs[0]), fs[1]])
    tl = torch.nn.ParameterList([torch.nn.Parameter(ts[0]), ts[1]])
    fl.append(fs[2])
    tl.append(ts[2])
    assert len(fl) == len(tl) == 3
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in fl)
    assert [n for n, _ in fl.named_parameters()] == [n for n, _ in tl.named_parameters()] == ["0", "1", "2"]
    assert list(fl.state_dict()) == list(tl.state_dict())
    assert repr(fl).replace("fastgrad.", "torch.") == repr(tl)
    assert fl[-1] is fl[2] and fl[1].shape == (5,)
    assert [tuple(p.shape) for p in fl[1:]] == [(5,), (2, 1, 2)]
    fl[0] = fs[1]
    tl[0] = ts[1]
    assert isinstance(fl[0], nn.Parameter) and fl[0].shape == (5,)
    with pytest.raises(IndexError):
        fl[3]
    fl += [fs[0]]
    tl += [ts[0]]
    assert len(fl) == 4
    with pytest.raises(TypeError, match="should be called with an iterable"):
        fl.extend(3)
    # inside a module, the parameters are found and trained
    outer_f, outer_t = nn.Module(), torch.nn.Module()
    outer_f.params, outer_t.params = fl, tl
    assert [n for n, _ in outer_f.named_parameters()][:3] == ["params.0", "params.1", "params.2"]
    assert repr(outer_f).replace("fastgrad.", "torch.").split("\n")[:3] == repr(outer_t).split("\n")[:3]


def test_parameter_dict_behaves_and_prints_like_torch():
    fs, ts = _fg_and_torch_params([(3, 4), (5,), (2,)])
    fd = nn.ParameterDict({"b": fs[0], "a": nn.Parameter(fs[1])})
    td = torch.nn.ParameterDict({"b": ts[0], "a": torch.nn.Parameter(ts[1])})
    fd["c"] = fs[2]
    td["c"] = ts[2]
    assert list(fd.keys()) == list(td.keys())
    assert [n for n, _ in fd.named_parameters()] == [n for n, _ in td.named_parameters()]
    assert repr(fd).replace("fastgrad.", "torch.") == repr(td)
    assert "a" in fd and "z" not in fd and len(fd) == 3
    assert isinstance(fd["c"], nn.Parameter)
    assert fd.get("z") is None
    popped = fd.pop("b")
    td.pop("b")
    assert popped.shape == (3, 4) and list(fd) == list(td) == ["a", "c"]
    fd.update([("d", fs[0])])
    td.update([("d", ts[0])])
    assert list(fd) == list(td)
    assert list(fd.copy()) == list(td.copy())
    assert fd.setdefault("e", None) is None and list(fd) == ["a", "c", "d", "e"]
    td.setdefault("e", None)
    assert repr(fd).replace("fastgrad.", "torch.") == repr(td)
    with pytest.raises(TypeError, match="cannot be used as a key as it is not a string"):
        fd[1]
    fd.clear()
    assert len(fd) == 0 and list(fd.parameters()) == []


# ---- normalisation layers ----


def _copy_state(fm, tm):
    from collections import OrderedDict

    fm.load_state_dict(
        OrderedDict((k, fastgrad.from_numpy(v.detach().numpy().copy())) for k, v in tm.state_dict().items())
    )


def _randomize_affine(tm, seed=0):
    with torch.no_grad():
        for p in tm.parameters():
            p.copy_(torch.from_numpy(rng(seed).uniform(0.5, 1.5, tuple(p.shape))))


def _train_then_eval(fm, tm, shape, steps=3):
    """A few training-mode steps (outputs, input and parameter gradients, running statistics), then eval."""
    _copy_state(fm, tm)
    for step in range(steps):
        check_both(fm, tm, [values(shape, seed=10 + step) * 2 + 0.5])
        for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
            assert_close(fp.grad, tp.grad), name
            fp.grad = None
            tp.grad = None
        for (name, fb), (_, tb) in zip(fm.named_buffers(), tm.named_buffers()):
            assert_close(fb, tb), name
    fm.eval()
    tm.eval()
    check_both(fm, tm, [values(shape, seed=20)])


@pytest.mark.parametrize(
    "cls,shape,kwargs",
    [
        ("BatchNorm2d", (4, 3, 5, 2), {}),
        ("BatchNorm2d", (4, 3, 5, 2), {"momentum": None}),
        ("BatchNorm2d", (4, 3, 5, 2), {"affine": False, "momentum": 0.3}),
        ("BatchNorm3d", (2, 3, 2, 3, 2), {}),
        ("InstanceNorm1d", (4, 3, 5), {}),
        ("InstanceNorm1d", (4, 3, 5), {"affine": True, "track_running_stats": True}),
        ("InstanceNorm1d", (3, 5), {"affine": True}),
        ("InstanceNorm2d", (2, 3, 4, 5), {"track_running_stats": True, "momentum": 0.2}),
        ("InstanceNorm2d", (3, 4, 5), {"affine": True}),
        ("InstanceNorm3d", (2, 3, 2, 3, 2), {"affine": True, "track_running_stats": True}),
    ],
    ids=str,
)
def test_batch_and_instance_norm_match_torch(cls, shape, kwargs):
    fm, tm = getattr(nn, cls)(3, **kwargs), getattr(torch.nn, cls)(3, **kwargs)
    assert repr(fm) == repr(tm)
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in fm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    tm.double()
    _randomize_affine(tm)
    fm.double()
    _train_then_eval(fm, tm, shape)


def test_norm_input_checks_match_torch():
    for m in (fastgrad, torch):
        with pytest.raises(ValueError, match="expected 4D input"):
            m.nn.BatchNorm2d(3)(m.ones(2, 3))
        with pytest.raises(ValueError, match="expected 5D input"):
            m.nn.BatchNorm3d(3)(m.ones(2, 3, 4, 5))
        with pytest.raises(ValueError, match="expected 3D or 4D input"):
            m.nn.InstanceNorm2d(3)(m.ones(2, 3))
        with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
            m.nn.InstanceNorm1d(3)(m.ones(2, 3, 1))
        with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
            m.nn.GroupNorm(4, 6)
        with pytest.raises(
            RuntimeError, match="divisible by num_groups, but got input of shape \\[2, 6, 3\\]"
        ):
            m.nn.functional.group_norm(m.ones(2, 6, 3), 4)
        with pytest.raises(
            RuntimeError, match=r"expected input with shape \[\*3, 4\], but got input of size\[2, 6, 3\]"
        ):
            m.nn.functional.rms_norm(m.ones(2, 6, 3), (3, 4))


@pytest.mark.parametrize(
    "shape,groups,affine",
    [((4, 6, 5), 3, True), ((2, 6, 3, 2), 2, True), ((3, 4), 4, False), ((2, 6, 3), 1, True)],
)
def test_group_norm(shape, groups, affine):
    fm, tm = (
        nn.GroupNorm(groups, shape[1], affine=affine),
        torch.nn.GroupNorm(groups, shape[1], affine=affine),
    )
    assert repr(fm) == repr(tm)
    tm.double()
    _randomize_affine(tm)
    fm.double()
    _copy_state(fm, tm)
    check_both(fm, tm, [values(shape) * 3 + 1])
    for fp, tp in zip(fm.parameters(), tm.parameters()):
        assert_close(fp.grad, tp.grad)


@pytest.mark.parametrize(
    "shape,normalized,kwargs",
    [((4, 5), 5, {}), ((2, 3, 4), (3, 4), {"eps": 1e-3}), ((3, 4), [4], {"elementwise_affine": False})],
)
def test_rms_norm(shape, normalized, kwargs):
    fm, tm = nn.RMSNorm(normalized, **kwargs), torch.nn.RMSNorm(normalized, **kwargs)
    assert repr(fm) == repr(tm)
    tm.double()
    _randomize_affine(tm)
    fm.double()
    _copy_state(fm, tm)
    check_both(fm, tm, [values(shape)])
    for fp, tp in zip(fm.parameters(), tm.parameters()):
        assert_close(fp.grad, tp.grad)
    # float32 with eps=None uses float32's machine epsilon
    x = values(shape).astype(np.float32) * 1e-4
    out_f = nn.RMSNorm(normalized)(fastgrad.from_numpy(x))
    out_t = torch.nn.RMSNorm(normalized)(torch.from_numpy(x))
    assert out_f.dtype == fastgrad.float32
    assert_close(out_f, out_t, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size,shape", [(3, (2, 6, 4)), (2, (2, 5, 3, 2)), (5, (1, 3, 4))])
def test_local_response_norm(size, shape):
    fm, tm = (
        nn.LocalResponseNorm(size, alpha=0.5, beta=0.6, k=1.5),
        torch.nn.LocalResponseNorm(size, 0.5, 0.6, 1.5),
    )
    assert repr(fm) == repr(tm) and repr(nn.LocalResponseNorm(3)) == repr(torch.nn.LocalResponseNorm(3))
    check_both(fm, tm, [values(shape)])


# ---- convolution, padding and pooling ----

CONVS = [
    ("Conv1d", (3, 4, 3), {}, (2, 3, 9)),
    ("Conv1d", (4, 6, 4), {"stride": 2, "padding": 2, "dilation": 2, "groups": 2}, (2, 4, 11)),
    ("Conv1d", (3, 2, 4), {"padding": "same", "bias": False}, (3, 7)),  # unbatched, even kernel
    ("Conv1d", (3, 2, 3), {"padding": 1, "padding_mode": "circular"}, (2, 3, 6)),
    ("Conv2d", (3, 5, 3), {}, (2, 3, 7, 6)),
    (
        "Conv2d",
        (4, 6, (3, 2)),
        {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2), "groups": 2},
        (2, 4, 8, 7),
    ),
    ("Conv2d", (2, 4, 3), {"padding": "same", "dilation": 2}, (1, 2, 7, 7)),
    ("Conv2d", (2, 4, 3), {"padding": "valid", "stride": 2}, (2, 6, 6)),
    ("Conv2d", (2, 3, 3), {"padding": 2, "padding_mode": "reflect"}, (2, 2, 5, 6)),
    ("Conv2d", (2, 3, 3), {"padding": (1, 2), "padding_mode": "replicate"}, (2, 2, 5, 6)),
    ("Conv3d", (2, 3, 2), {"stride": 2, "padding": 1}, (1, 2, 4, 5, 3)),
]


@pytest.mark.parametrize("cls,args,kwargs,shape", CONVS, ids=[f"{c[0]}-{c[2]}" for c in CONVS])
def test_conv_matches_torch_including_seeded_init(cls, args, kwargs, shape):
    fastgrad.manual_seed(7)
    torch.manual_seed(7)
    fm, tm = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(fm) == repr(tm)
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        assert fp.dtype == fastgrad.float32
        np.testing.assert_array_equal(
            fp.detach().numpy(), tp.detach().numpy(), err_msg=name
        )  # same RNG stream
    tm.double()
    fm.double()
    check_both(fm, tm, [values(shape)])
    for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        assert_close(fp.grad, tp.grad), name


def test_conv_errors_match_torch():
    for m in (fastgrad, torch):
        x = m.ones(1, 2, 5, 5)
        with pytest.raises(
            RuntimeError,
            match=r"Given groups=1, weight of size \[3, 3, 3, 3\], expected input\[1, 2, 5, "
            r"5\] to have 3 channels, but got 2 channels instead",
        ):
            m.nn.functional.conv2d(x, m.ones(3, 3, 3, 3))
        with pytest.raises(RuntimeError, match=r"Kernel size: \(7 x 7\). Kernel size can't be greater"):
            m.nn.functional.conv2d(x, m.ones(3, 2, 7, 7))
        with pytest.raises(RuntimeError, match="padding='same' is not supported for strided convolutions"):
            m.nn.functional.conv2d(x, m.ones(3, 2, 3, 3), padding="same", stride=2)
        with pytest.raises(RuntimeError, match="Invalid padding string: 'foo'"):
            m.nn.functional.conv2d(x, m.ones(3, 2, 3, 3), padding="foo")
        with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
            m.nn.Conv2d(3, 4, 3, groups=2)
        with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
            m.nn.Conv1d(3, 4, 3, padding="same", stride=2)


PADS = [
    ((1, 2), {}),
    ((1, 2, 0, 3), {"value": 2.5}),
    ((-1, 2, 1, -2), {}),
    ((2, 1), {"mode": "reflect"}),
    ((2, 1, 1, 2), {"mode": "reflect"}),
    ((3, 1, 2, 0), {"mode": "replicate"}),
    ((2, 3), {"mode": "circular"}),
    ((1, 1, 2, 1), {"mode": "circular"}),
]


@pytest.mark.parametrize("amounts,kwargs", PADS, ids=str)
def test_pad_matches_torch(amounts, kwargs):
    # non-constant modes take a batch-and-channel input (3-D for 1-D padding, 4-D for 2-D padding)
    shape = (2, 3, 5) if len(amounts) == 2 and kwargs.get("mode") else (2, 3, 4, 5)
    check_both(
        lambda a: F.pad(a, amounts, **kwargs),
        lambda a: torch.nn.functional.pad(a, amounts, **kwargs),
        [values(shape)],
    )


def test_pad_errors_match_torch():
    for m in (fastgrad, torch):
        fn = m.nn.functional.pad
        with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
            fn(m.ones(2, 3), (1,))
        with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times"):
            fn(m.ones(2, 3), (1, 1, 1, 1, 1, 1))
        with pytest.raises(
            RuntimeError,
            match=r"Padding size should be less than the corresponding input dimension, but "
            r"got: padding \(3, 3\) at dimension 1 of input \[2, 3\]",
        ):
            fn(m.ones(2, 3), (3, 3), mode="reflect")
        with pytest.raises(NotImplementedError, match="Padding size 4 is not supported for 2D input tensor"):
            fn(m.ones(2, 3), (1, 1, 1, 1), mode="reflect")
        with pytest.raises(RuntimeError, match="Padding value causes wrapping around more than once"):
            fn(m.ones(2, 3), (4, 4), mode="circular")
        with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
            fn(m.ones(2, 3), (1, 1), mode="foo")


POOLS = [
    ("MaxPool1d", (3,), {}, (2, 3, 10)),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True}, (2, 3, 10)),
    ("MaxPool2d", (3,), {}, (2, 3, 7, 8)),
    ("MaxPool2d", ((3, 2),), {"stride": (2, 1), "padding": (1, 0), "ceil_mode": True}, (2, 3, 7, 8)),
    ("MaxPool2d", (2,), {"stride": 1, "dilation": 2}, (3, 6, 5)),
    ("AvgPool1d", (3,), {}, (2, 3, 10)),
    (
        "AvgPool1d",
        (4,),
        {"stride": 3, "padding": 2, "ceil_mode": True, "count_include_pad": False},
        (2, 3, 10),
    ),
    ("AvgPool2d", (3,), {}, (2, 3, 7, 8)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 7, 8)),
    ("AvgPool2d", ((3, 2),), {"stride": 2, "padding": 1, "count_include_pad": False}, (2, 3, 7, 8)),
    ("AvgPool2d", (2,), {"divisor_override": 3}, (3, 6, 5)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 10)),
    ("AdaptiveAvgPool2d", ((3, 4),), {}, (2, 3, 7, 8)),
    ("AdaptiveAvgPool2d", ((None, 3),), {}, (3, 7, 5)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 7, 8)),
]


@pytest.mark.parametrize("cls,args,kwargs,shape", POOLS, ids=[f"{p[0]}-{p[1]}-{p[2]}" for p in POOLS])
def test_pooling_matches_torch(cls, args, kwargs, shape):
    fm, tm = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(fm) == repr(tm)
    check_both(fm, tm, [values(shape)])


def test_pooling_errors_match_torch():
    for m in (fastgrad, torch):
        with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
            m.nn.functional.max_pool2d(m.ones(1, 2, 5, 5), 3, padding=2)
        with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
            m.nn.functional.avg_pool2d(m.ones(1, 2, 5, 5), 2, padding=2)


def test_small_convnet_trains_like_torch():
    fastgrad.manual_seed(0)
    torch.manual_seed(0)

    def build(m):
        return m.nn.Sequential(
            m.nn.Conv2d(1, 4, 3, padding=1),
            m.nn.ReLU(),
            m.nn.MaxPool2d(2),
            m.nn.Conv2d(4, 6, 3),
            m.nn.GELU(),
            m.nn.AdaptiveAvgPool2d(1),
            m.nn.Flatten(),
            m.nn.Linear(6, 3),
        )

    fm, tm = build(fastgrad), build(torch)
    x = values((4, 1, 8, 8)).astype(np.float32)
    y = np.array([0, 2, 1, 2])
    opt_f = fastgrad.optim.SGD(fm.parameters(), lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
    for _ in range(5):
        for m, model, opt in ((fastgrad, fm, opt_f), (torch, tm, opt_t)):
            opt.zero_grad()
            loss = m.nn.functional.cross_entropy(model(m.from_numpy(x.copy())), m.from_numpy(y.copy()))
            loss.backward()
            opt.step()
    for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        assert_close(fp, tp, rtol=1e-4, atol=1e-5), name


# ---- recurrent layers ----

RNNS = [
    ("RNN", {}),
    ("RNN", {"num_layers": 2, "nonlinearity": "relu"}),
    ("RNN", {"batch_first": True, "bidirectional": True, "bias": False}),
    ("LSTM", {}),
    ("LSTM", {"num_layers": 2, "batch_first": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("GRU", {}),
    ("GRU", {"num_layers": 3, "bidirectional": True, "batch_first": True}),
    ("GRU", {"bias": False}),
]


def _rnn_inputs(kwargs, with_state, unbatched=False, seq=5, batch=3, features=4, hidden=6):
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    if unbatched:
        shape, state = (seq, features), (layers, hidden)
    else:
        shape = (batch, seq, features) if kwargs.get("batch_first") else (seq, batch, features)
        state = (layers, batch, hidden)
    arrays = [values(shape, 1)]
    if with_state:
        arrays += [values(state, 2) * 0.3, values(state, 3) * 0.3]
    return arrays


@pytest.mark.parametrize("cls,kwargs", RNNS, ids=[f"{c}-{k}" for c, k in RNNS])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("unbatched", [False, True])
def test_recurrent_layers_match_torch(cls, kwargs, with_state, unbatched):
    fastgrad.manual_seed(3)
    torch.manual_seed(3)
    fm, tm = getattr(nn, cls)(4, 6, **kwargs), getattr(torch.nn, cls)(4, 6, **kwargs)
    assert repr(fm) == repr(tm)
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        np.testing.assert_array_equal(
            fp.detach().numpy(), tp.detach().numpy(), err_msg=name
        )  # same RNG stream
    fm.double()
    tm.double()
    arrays = _rnn_inputs(kwargs, with_state, unbatched)
    lstm = cls == "LSTM"

    def run(module, x, h=None, c=None):
        if h is None:
            out, state = module(x)
        else:
            out, state = module(x, (h, c) if lstm else h)
        # one output to backward through: the sequence output plus every final state
        total = (
            out.sum() * 0.5 + (state[0] * state[1]).sum() if lstm else out.sum() * 0.5 + (state * state).sum()
        )
        return out, total

    fs = [fastgrad.from_numpy(a.copy()).requires_grad_() for a in arrays]
    ts = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    if not lstm and with_state:
        fs, ts = fs[:2], ts[:2]
    out_f, total_f = run(fm, *fs)
    out_t, total_t = run(tm, *ts)
    assert_close(out_f, out_t)
    assert_close(total_f, total_t)
    total_f.backward()
    total_t.backward()
    for a, b in zip(fs, ts):
        assert_close(a.grad, b.grad)
    for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        assert_close(fp.grad, tp.grad), name


@pytest.mark.parametrize(
    "cls,kwargs",
    [
        ("RNNCell", {}),
        ("RNNCell", {"nonlinearity": "relu", "bias": False}),
        ("LSTMCell", {}),
        ("GRUCell", {}),
        ("GRUCell", {"bias": False}),
    ],
    ids=str,
)
@pytest.mark.parametrize("unbatched", [False, True])
def test_recurrent_cells_match_torch(cls, kwargs, unbatched):
    fastgrad.manual_seed(5)
    torch.manual_seed(5)
    fm, tm = getattr(nn, cls)(4, 6, **kwargs), getattr(torch.nn, cls)(4, 6, **kwargs)
    assert repr(fm) == repr(tm)
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        np.testing.assert_array_equal(fp.detach().numpy(), tp.detach().numpy(), err_msg=name)
    fm.double()
    tm.double()
    x_shape, h_shape = ((4,), (6,)) if unbatched else ((3, 4), (3, 6))
    if cls == "LSTMCell":
        check_both(
            lambda x, h, c: fm(x, (h, c))[0] * fm(x, (h, c))[1],
            lambda x, h, c: tm(x, (h, c))[0] * tm(x, (h, c))[1],
            [values(x_shape, 1), values(h_shape, 2) * 0.3, values(h_shape, 3) * 0.3],
        )
    else:
        check_both(fm, tm, [values(x_shape, 1), values(h_shape, 2) * 0.3])
        check_both(fm, tm, [values(x_shape, 1)])


def test_recurrent_errors_and_state_dict_interop():
    for m in (fastgrad, torch):
        with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
            m.nn.RNN(3, 4, nonlinearity="gelu")
        with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D instead"):
            m.nn.GRU(3, 4)(m.ones(1, 2, 3, 3))
        with pytest.raises(
            RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 5"
        ):
            m.nn.LSTM(3, 4)(m.ones(2, 2, 5))
    # a torch LSTM's state_dict loads into the fastgrad LSTM and gives the same outputs
    tm = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    fm = nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    _copy_state(fm, tm)
    x = values((5, 2, 3))
    out_f, (h_f, c_f) = fm(fastgrad.from_numpy(x.copy()))
    out_t, (h_t, c_t) = tm(torch.from_numpy(x.copy()))
    assert_close(out_f, out_t)
    assert_close(h_f, h_t)
    assert_close(c_f, c_t)
