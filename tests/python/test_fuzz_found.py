"""Regression tests for classes of bugs the differential fuzzer (tests/python/fuzz/) found, compared with torch."""

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

DTYPES = ["bool", "int32", "int64", "float32", "float64"]


def _outcome(fn):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 - the exception class and message are what is compared
        return type(e).__name__, str(e).split("\n")[0]
    return "ok", r


def _same(f_out, t_out, message=True):
    assert f_out[0] == t_out[0], (f_out, t_out)
    if f_out[0] != "ok":
        if message:
            assert f_out[1] == t_out[1]
        return
    f, t = f_out[1], t_out[1]
    assert str(f.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(f.shape) == tuple(t.shape)
    np.testing.assert_allclose(f.detach().numpy().astype(float), t.detach().numpy().astype(float), rtol=1e-6,
                               atol=1e-6, equal_nan=True)


# ---- NumPy scalars as tensor data: a 0-d tensor of the scalar's own dtype


@pytest.mark.parametrize("value", [np.float64(0.5), np.float32(-2.5), np.int64(3), np.int32(-2), np.bool_(True),
                                   np.float64("nan"), np.float16(1.5), np.uint8(7), np.int16(-3)])
@pytest.mark.parametrize("make", ["tensor", "as_tensor"])
def test_numpy_scalar_makes_0d_tensor(value, make):
    f, t = getattr(fastgrad, make)(value), getattr(torch, make)(value)
    if value.dtype in (np.float16, np.uint8, np.int16):  # dtypes fastgrad lacks: only the shape is compared
        assert tuple(f.shape) == tuple(t.shape) == ()
        return
    _same(("ok", f), ("ok", t))


def test_numpy_scalar_in_ops():
    x = [1.5, -2.0]
    for s in (np.float64(2.0), np.int64(3), np.float32(0.5)):
        _same(("ok", fastgrad.tensor(x) * fastgrad.tensor(s)), ("ok", torch.tensor(x) * torch.tensor(s)))


# ---- nn.functional ops that torch dispatches only for floating dtypes: torch's error, not a float result

UNARY = ["celu", "hardshrink", "hardsigmoid", "hardswish", "logsigmoid", "softshrink", "hardtanh", "relu6",
         "threshold", "elu", "selu", "gelu", "silu", "mish", "softplus", "leaky_relu", "relu", "sigmoid", "tanh"]


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", DTYPES)
def test_functional_unary_dtypes(name, dtype):
    def run(m):
        x = m.tensor([[1, 0, 2], [3, 1, 1]], dtype=getattr(m, dtype))
        args = (x, 1, 2) if name == "threshold" else (x,)
        return _outcome(lambda: getattr(m.nn.functional, name)(*args))

    _same(run(fastgrad), run(torch))


@pytest.mark.parametrize("name", ["mse_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                                  "binary_cross_entropy_with_logits", "kl_div", "soft_margin_loss", "l1_loss",
                                  "multilabel_soft_margin_loss"])
@pytest.mark.parametrize("dtypes", [(a, b) for a in DTYPES for b in DTYPES])
def test_functional_loss_dtypes(name, dtypes):
    def run(m):
        x = m.tensor([[1, 0], [1, 1]], dtype=getattr(m, dtypes[0]))
        y = m.tensor([[1, 0], [0, 1]], dtype=getattr(m, dtypes[1]))
        return _outcome(lambda: getattr(m.nn.functional, name)(x, y))

    f, t = run(fastgrad), run(torch)
    # the messages of the dtype checks are compared; errors from inside the formulas (bool arithmetic) by class
    checks = ('"', "result type", "Found dtype", "kl_div")
    _same(f, t, message=f[0] != "ok" and f[1].startswith(checks))


@pytest.mark.parametrize("inplace", [False, True])
def test_threshold_keeps_dtype(inplace):
    for dtype, value in (("int64", 0.71), ("int32", 7), ("float32", 2), ("float64", -1.5)):
        def run(m):
            x = m.tensor([1, 2, 5, -3], dtype=getattr(m, dtype))
            return _outcome(lambda: m.nn.functional.threshold(x, 1.5, value, inplace=inplace))

        _same(run(fastgrad), run(torch))


def test_threshold_grad():
    xs = [0.5, 2.0, -1.0, 3.0]
    f = fastgrad.tensor(xs, dtype=fastgrad.float64, requires_grad=True)
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    fastgrad.nn.functional.threshold(f, 1.0, -2.0).sum().backward()
    torch.nn.functional.threshold(t, 1.0, -2.0).sum().backward()
    np.testing.assert_array_equal(f.grad.numpy(), t.grad.numpy())


def test_huber_loss_result_has_input_dtype():
    for a, b in (("float32", "float64"), ("float64", "float32")):
        def run(m):
            x = m.tensor([-0.61, -0.69, -1.55, 3.09], dtype=getattr(m, a))
            y = m.tensor([-1.45, 1.31, 1.02, 2.51], dtype=getattr(m, b))
            return _outcome(lambda: m.nn.functional.huber_loss(x, y))

        f, t = run(fastgrad), run(torch)
        assert f[0] == t[0] == "ok"
        assert str(f[1].dtype).split(".")[-1] == str(t[1].dtype).split(".")[-1]
        np.testing.assert_allclose(f[1].item(), t[1].item(), rtol=1e-6)
