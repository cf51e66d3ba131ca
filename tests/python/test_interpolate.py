"""F.interpolate, the deprecated F.upsample* aliases and nn.Upsample (cpp/src/ops/upsample.cpp and
python/fastgrad/nn/_functional_interp.py) against PyTorch 2.13: values and gradients over a grid of modes, ranks,
sizes, scale factors (integer, non-integer, below 1, per dim), recompute_scale_factor and align_corners; nearest's
float32 index arithmetic at larger sizes (compared exactly); argument checks (exception type and message);
warnings, module reprs, threads, layouts and double backward."""

import pickle
import warnings

import numpy as np
import pytest

import fastgrad
import fastgrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

R = np.random.default_rng(2026)

MODES = {
    "nearest": (1, 2, 3),
    "nearest-exact": (1, 2, 3),
    "linear": (1,),
    "bilinear": (2,),
    "bicubic": (2,),
    "trilinear": (3,),
    "area": (1, 2, 3),
}
SPATIAL = {1: (7,), 2: (5, 6), 3: (3, 4, 5)}


def _pair(shape, dtype="float64", grad=True, values=None):
    v = R.standard_normal(shape) if values is None else np.asarray(values, dtype=np.float64)
    f = fastgrad.tensor(v.astype(dtype), requires_grad=grad)
    t = torch.tensor(v.astype(dtype), requires_grad=grad)
    return f, t


def _arguments():
    """(mode, nd, kwargs) over sizes and scale factors; align_corners both ways where it applies."""
    out = []
    for mode, nds in MODES.items():
        for nd in nds:
            size_args = [
                {"size": 9},
                {"size": (11, 2, 4)[:nd]},
                {"size": SPATIAL[nd]},
                {"size": 1},
                {"size": (3, 13, 8)[:nd]},
            ]
            scale_args = [
                {"scale_factor": 2},
                {"scale_factor": 3.3},
                {"scale_factor": 0.55},
                {"scale_factor": 1.05},
                {"scale_factor": (1.6, 0.7, 2.4)[:nd]},
            ]
            for kw in size_args:
                out.append((mode, nd, kw))
            for kw in scale_args:
                for recompute in (None, False, True):
                    out.append((mode, nd, dict(kw, recompute_scale_factor=recompute)))
    grid = []
    for mode, nd, kw in out:
        if mode in ("linear", "bilinear", "bicubic", "trilinear"):
            for corners in (None, False, True):
                grid.append((mode, nd, dict(kw, align_corners=corners)))
        else:
            grid.append((mode, nd, kw))
    return grid


GRID = _arguments()


@pytest.mark.parametrize("mode,nd,kw", GRID, ids=[f"{m}-{n}d-{k}" for m, n, k in GRID])
def test_values_and_gradients_match_torch(mode, nd, kw):
    for dtype, tol in (("float64", 1e-12), ("float32", 2e-5)):
        fx, tx = _pair((2, 3) + SPATIAL[nd], dtype)
        fy = F.interpolate(fx, mode=mode, **kw)
        ty = TF.interpolate(tx, mode=mode, **kw)
        assert tuple(fy.shape) == tuple(ty.shape)
        assert str(fy.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
        np.testing.assert_allclose(fy.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        assert type(fy.grad_fn).__name__ == type(ty.grad_fn).__name__
        g = R.standard_normal(tuple(ty.shape)).astype(dtype)
        fy.backward(fastgrad.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("size,kw", [
    (37, {"size": 100}), (100, {"size": 37}), (1000, {"size": 999}), (999, {"size": 2999}),
    (81, {"scale_factor": 2.7}), (64, {"scale_factor": 1 / 3}), (300, {"scale_factor": 0.123}),
    (77, {"scale_factor": 1.1, "recompute_scale_factor": True}), (50, {"size": 100}), (50, {"size": 50}),
])
def test_nearest_indices_are_torch_exactly(mode, size, kw):
    # the source index is computed in float32 (floor(o * s)); ramps show any index that differs
    fx, tx = _pair((1, 1, size), grad=False, values=np.arange(size, dtype=np.float64).reshape(1, 1, size))
    np.testing.assert_array_equal(F.interpolate(fx, mode=mode, **kw).numpy(),
                                  TF.interpolate(tx, mode=mode, **kw).numpy())


@pytest.mark.parametrize("mode,nd", [("bilinear", 2), ("bicubic", 2), ("linear", 1), ("trilinear", 3)])
@pytest.mark.parametrize("corners", [False, True])
def test_random_sizes_and_factors(mode, nd, corners):
    rng = np.random.default_rng(7 + nd)
    for _ in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 9, nd))
        fx, tx = _pair((1, 2) + shape)
        if rng.random() < 0.5:
            kw = {"size": tuple(int(s) for s in rng.integers(1, 12, nd))}
        else:
            kw = {"scale_factor": tuple(float(s) for s in rng.uniform(0.3, 3.0, nd)),
                  "recompute_scale_factor": bool(rng.random() < 0.5)}
            if any(int(s * f) < 1 for s, f in zip(shape, kw["scale_factor"])):
                continue
        fy = F.interpolate(fx, mode=mode, align_corners=corners, **kw)
        ty = TF.interpolate(tx, mode=mode, align_corners=corners, **kw)
        np.testing.assert_allclose(fy.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_noncontiguous_inputs():
    base_f, base_t = _pair((2, 6, 5, 3), grad=False)
    for mode in ("nearest", "bilinear", "bicubic", "nearest-exact"):
        f = F.interpolate(base_f.permute(0, 3, 1, 2), size=(9, 4), mode=mode)
        t = TF.interpolate(base_t.permute(0, 3, 1, 2), size=(9, 4), mode=mode)
        np.testing.assert_allclose(f.numpy(), t.numpy(), rtol=1e-12, atol=1e-12)
        f = F.interpolate(base_f[:, ::2, :, 1:], scale_factor=1.5, mode=mode)
        t = TF.interpolate(base_t[:, ::2, :, 1:], scale_factor=1.5, mode=mode)
        np.testing.assert_allclose(f.numpy(), t.numpy(), rtol=1e-12, atol=1e-12)


def test_results_do_not_depend_on_the_thread_count():
    x, _ = _pair((4, 16, 40, 40), "float32", grad=False)
    before = fastgrad.get_num_threads()
    try:
        outs = []
        for n in (1, 2):
            fastgrad.set_num_threads(n)
            y = F.interpolate(x.detach().requires_grad_(), scale_factor=2, mode="bicubic")
            y.backward(fastgrad.ones_like(y))
            outs.append(y)
        assert outs[0].equal(outs[1])
    finally:
        fastgrad.set_num_threads(before)


def test_special_values_propagate_as_in_torch():
    v = np.array([[[1.0, np.inf, -2.0, np.nan, 3.0]]])
    for mode in ("nearest", "linear", "nearest-exact"):
        f, t = _pair(v.shape, grad=False, values=v)
        np.testing.assert_array_equal(F.interpolate(f, size=9, mode=mode).numpy(),
                                      TF.interpolate(t, size=9, mode=mode).numpy())


@pytest.mark.parametrize("mode,nd", [("nearest", 2), ("nearest-exact", 3), ("linear", 1), ("bilinear", 2),
                                     ("bicubic", 2), ("trilinear", 3)])
def test_double_backward(mode, nd):
    shape = (1, 2) + (3,) * nd
    x = fastgrad.tensor(R.standard_normal(shape), requires_grad=True)
    kw = {} if mode.startswith("nearest") else {"align_corners": False}
    assert fastgrad.autograd.gradcheck(lambda a: F.interpolate(a, scale_factor=1.7, mode=mode, **kw), (x,))
    assert fastgrad.autograd.gradgradcheck(lambda a: F.interpolate(a, size=4, mode=mode, **kw), (x,))
    # the backward's own Node is PyTorch's
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    y, ty = F.interpolate(x, size=5, mode=mode, **kw), TF.interpolate(tx, size=5, mode=mode, **kw)
    gy = fastgrad.ones_like(y).requires_grad_()
    tgy = torch.ones_like(ty).requires_grad_()
    (gx,) = fastgrad.autograd.grad(y, x, gy, create_graph=True)
    (tgx,) = torch.autograd.grad(ty, tx, tgy, create_graph=True)
    assert type(gx.grad_fn).__name__ == type(tgx.grad_fn).__name__


# ---- argument checks: PyTorch's exception types and messages ----

ERRORS = [
    ("x4", {"size": 0}),
    ("x4", {"size": (-1, 3)}),
    ("x4", {"scale_factor": 0.1}),
    ("x4", {"scale_factor": -1.0}),
    ("x4", {"scale_factor": 0.1, "mode": "bilinear"}),
    ("x3", {"size": 0}),
    ("x3", {"size": 0, "mode": "linear"}),
    ("x5", {"size": 0, "mode": "trilinear"}),
    ("x5", {"size": 0, "mode": "nearest-exact"}),
    ("c0", {"size": 3}),
    ("h0", {"size": 3}),
    ("h0", {"size": 3, "mode": "bicubic"}),
    ("x2", {"size": 3}),
    ("x6", {"size": 3}),
    ("x4", {"size": 3, "mode": "foo"}),
    ("x4", {"size": 3, "mode": "linear"}),
    ("x4", {"size": 3, "mode": "trilinear"}),
    ("x3", {"size": 3, "mode": "bilinear"}),
    ("x3", {"size": 3, "mode": "bicubic"}),
    ("x3", {"size": 3, "mode": "trilinear"}),
    ("x5", {"size": 3, "mode": "linear"}),
    ("x5", {"size": 3, "mode": "bilinear"}),
    ("x5", {"size": 3, "mode": "bicubic"}),
    ("x4", {"size": 3, "mode": "nearest", "antialias": True}),
    ("x3", {"size": 3, "mode": "linear", "antialias": True}),
    ("x5", {"size": 3, "mode": "bicubic", "antialias": True}),
    ("x4", {"size": (3, 3.0)}),
    ("x4", {"size": (3, 3, 3)}),
    ("x4", {"scale_factor": (3, 3, 3)}),
    ("x4", {"size": 3, "recompute_scale_factor": True}),
    ("x4", {"size": 3, "align_corners": True}),
    ("x4", {"size": 3, "align_corners": False, "mode": "area"}),
    ("x4", {"size": 3, "align_corners": False, "mode": "nearest-exact"}),
    ("x4", {}),
    ("x4", {"size": 2, "scale_factor": 2}),
    ("x4", {"scale_factor": float("nan"), "recompute_scale_factor": True}),
    ("x4", {"scale_factor": float("inf")}),
    ("x4", {"scale_factor": float("nan")}),
    ("x4", {"scale_factor": 1e30}),
    ("x4", {"size": 3, "mode": "lanczos"}),
    ("x4", {"size": 3, "mode": "lanczos", "align_corners": True}),
    ("i4", {"size": 3, "mode": "bilinear"}),
    ("i4", {"size": 3, "mode": "nearest"}),
    ("i4", {"size": 3, "mode": "bicubic"}),
    ("i4", {"size": 3, "mode": "nearest-exact"}),
    ("i4", {"size": 3, "mode": "area"}),
    ("b3", {"size": 3, "mode": "nearest"}),
    ("b3", {"size": 3, "mode": "linear"}),
    ("b5", {"size": 3, "mode": "trilinear"}),
    ("b5", {"size": 3}),
]

_INPUTS = {
    "x2": (2, 4), "x3": (1, 2, 4), "x4": (1, 2, 4, 4), "x5": (1, 2, 2, 2, 2), "x6": (1, 1, 1, 1, 1, 1),
    "c0": (1, 0, 4, 4), "h0": (1, 2, 0, 4), "i4": (1, 2, 4, 4), "b3": (1, 2, 4), "b5": (1, 1, 2, 2, 2),
}


def _raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the exception is the result
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("name,kw", ERRORS, ids=[f"{n}-{k}" for n, k in ERRORS])
def test_errors_match_torch(name, kw):
    dtype = {"i": "int64", "b": "bool"}.get(name[0], "float32")
    v = np.ones(_INPUTS[name])
    f, t = fastgrad.tensor(v.astype(dtype)), torch.tensor(v.astype(dtype))
    expected = _raised(lambda: TF.interpolate(t, **kw))
    assert expected is not None
    assert _raised(lambda: F.interpolate(f, **kw)) == expected


def test_parser_type_errors():
    # sizes or factors PyTorch's argument parser refuses: TypeError naming the op (first line of torch's message)
    x, tx = _pair((1, 2, 4, 4), grad=False)
    for kw in ({"size": 3.0}, {"size": "a"}, {"size": True}, {"scale_factor": "a"},
               {"size": 3.5, "mode": "bilinear"}, {"scale_factor": [2, "a"], "mode": "bicubic"},
               {"scale_factor": fastgrad.tensor(3.0)}):
        tkw = {k: (torch.tensor(3.0) if isinstance(v, fastgrad.Tensor) else v) for k, v in kw.items()}
        with pytest.raises(TypeError) as te:
            TF.interpolate(tx, **tkw)
        with pytest.raises(TypeError) as fe:
            F.interpolate(x, **kw)
        assert str(te.value).split("\n")[0].startswith(str(fe.value).split("\n")[0])


def test_size_and_factor_spellings():
    x, tx = _pair((1, 2, 4, 5), grad=False)
    for kw in ({"size": np.int64(3)}, {"size": (np.int64(3), 2)}, {"scale_factor": np.float32(1.5)},
               {"scale_factor": (np.float64(1.5), 2)}, {"scale_factor": [1.5, 2]}, {"size": [3, 2]},
               {"scale_factor": True}, {"size": 3, "recompute_scale_factor": False}):
        f, t = F.interpolate(x, **kw), TF.interpolate(tx, **kw)
        np.testing.assert_allclose(f.numpy(), t.numpy())
    f = F.interpolate(x, size=fastgrad.tensor(3))
    assert tuple(f.shape) == tuple(TF.interpolate(tx, size=torch.tensor(3)).shape)
    f = F.interpolate(x, size=[fastgrad.tensor(3), 2])
    assert tuple(f.shape) == (1, 2, 3, 2)
    # area mode takes its output size from the factor (always recomputed); empty outputs are allowed there
    for kw in ({"scale_factor": 2.5}, {"scale_factor": 0.1}, {"size": (2, 3), "recompute_scale_factor": False}):
        f, t = F.interpolate(x, mode="area", **kw), TF.interpolate(tx, mode="area", **kw)
        assert tuple(f.shape) == tuple(t.shape)
        np.testing.assert_allclose(f.numpy(), t.numpy(), rtol=1e-12)


def test_empty_batch():
    for mode in ("nearest", "bilinear", "bicubic"):
        f, t = _pair((0, 2, 4, 4))
        y, ty = F.interpolate(f, size=3, mode=mode), TF.interpolate(t, size=3, mode=mode)
        assert tuple(y.shape) == tuple(ty.shape) == (0, 2, 3, 3)
        y.sum().backward()
        assert tuple(f.grad.shape) == (0, 2, 4, 4)


def test_antialias_is_not_implemented():
    x = fastgrad.ones(1, 1, 8, 8)
    for mode in ("bilinear", "bicubic"):
        with pytest.raises(NotImplementedError, match="antialias"):
            F.interpolate(x, size=3, mode=mode, antialias=True)
    with pytest.raises(NotImplementedError, match="lanczos"):
        F.interpolate(x, size=3, mode="lanczos", antialias=True)


# ---- deprecated aliases ----


@pytest.mark.parametrize("name,kw", [("upsample", {"scale_factor": 2}), ("upsample", {"size": 3, "mode": "bicubic"}),
                                     ("upsample_nearest", {"scale_factor": 2}),
                                     ("upsample_bilinear", {"size": (3, 7)})])
def test_deprecated_aliases_warn_and_match(name, kw):
    x, tx = _pair((1, 2, 4, 5), grad=False)
    with warnings.catch_warnings(record=True) as fw:
        warnings.simplefilter("always")
        f = getattr(F, name)(x, **kw)
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        t = getattr(TF, name)(tx, **kw)
    assert [(w.category, str(w.message)) for w in fw] == [(w.category, str(w.message)) for w in tw]
    assert fw and fw[0].filename == __file__  # stacklevel: the caller's line
    np.testing.assert_allclose(f.numpy(), t.numpy(), rtol=1e-12)


# ---- modules ----


MODULES = [
    ("Upsample", (), {"scale_factor": 2}),
    ("Upsample", (), {"size": (3, 4), "mode": "bilinear"}),
    ("Upsample", (), {"scale_factor": (2, 3)}),
    ("Upsample", (), {"scale_factor": 1.5, "mode": "bicubic", "align_corners": True}),
    ("Upsample", (), {"size": 5, "mode": "nearest-exact"}),
    ("Upsample", (), {"scale_factor": 0.5, "mode": "area"}),
    ("Upsample", (), {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True}),
    ("UpsamplingBilinear2d", (), {"scale_factor": 2}),
    ("UpsamplingBilinear2d", ((3, 7),), {}),
    ("UpsamplingNearest2d", (3,), {}),
    ("UpsamplingNearest2d", (), {"scale_factor": 2.5}),
]


@pytest.mark.parametrize("name,args,kw", MODULES, ids=[f"{n}-{a}-{k}" for n, a, k in MODULES])
def test_modules_match_torch(name, args, kw):
    fm, tm = getattr(fastgrad.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(fm) == repr(tm)
    for attr in ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "name"):
        assert getattr(fm, attr) == getattr(tm, attr), attr
    x, tx = _pair((2, 3, 4, 6))
    y, ty = fm(x), tm(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_upsample_repr_without_arguments_and_pickling():
    assert repr(fastgrad.nn.Upsample()) == repr(torch.nn.Upsample()) == "Upsample(size=None, mode='nearest')"
    m = pickle.loads(pickle.dumps(fastgrad.nn.Upsample(scale_factor=2, mode="bilinear")))
    assert repr(m) == "Upsample(scale_factor=2.0, mode='bilinear')"
    state = dict(m.__dict__)
    del state["recompute_scale_factor"]
    old = fastgrad.nn.Upsample.__new__(fastgrad.nn.Upsample)
    old.__setstate__(state)  # modules saved before the option existed recompute the factor, as in PyTorch
    assert old.recompute_scale_factor is True


def test_docstrings():
    for obj in (F.interpolate, F.upsample, F.upsample_nearest, F.upsample_bilinear, fastgrad.nn.Upsample,
                fastgrad.nn.UpsamplingNearest2d, fastgrad.nn.UpsamplingBilinear2d):
        assert obj.__doc__ and len(obj.__doc__) > 40, obj
    assert F.interpolate.__module__ == "fastgrad.nn.functional"
