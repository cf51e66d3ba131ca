"""The tensor core as users meet it: creation, dtypes, conversions, NumPy sharing, metadata, devices and
printing. PyTorch is the oracle where it is installed."""
import math
import re

import numpy as np
import pytest

import fastgrad

DTYPES = ["float32", "float64", "int64", "int32", "bool"]


def torch_or_skip():
    return pytest.importorskip("torch")


def same_repr(fg_obj, torch_obj):
    """fastgrad prints `fastgrad.` where PyTorch prints `torch.`; addresses differ."""
    a = re.sub(r"0x[0-9a-f]+", "ADDR", repr(fg_obj))
    b = re.sub(r"0x[0-9a-f]+", "ADDR", repr(torch_obj)).replace("torch.", "fastgrad.")
    assert a == b


# ---- creation ----

CREATION_CASES = [
    lambda t: t.tensor([1, 2, 3]),
    lambda t: t.tensor([1.0, 2, 3]),
    lambda t: t.tensor([[1, 2], [3, 4]], dtype=t.float64),
    lambda t: t.tensor(3.5),
    lambda t: t.tensor(7),
    lambda t: t.tensor(True),
    lambda t: t.tensor([True, False]),
    lambda t: t.tensor([]),
    lambda t: t.tensor([[1.5, 2.5]], requires_grad=True),
    lambda t: t.tensor([1, 2], dtype=t.int32),
    lambda t: t.tensor([0.1, 0.2], dtype=t.float),
    lambda t: t.Tensor([1, 2]),
    lambda t: t.Tensor(),
    lambda t: t.Tensor(2, 3).shape,
    lambda t: t.zeros(2, 3),
    lambda t: t.zeros((2, 3), dtype=t.int32),
    lambda t: t.ones(4, dtype=t.bool),
    lambda t: t.ones([2, 2], requires_grad=True),
    lambda t: t.empty(2, 3).shape,
    lambda t: t.full((2, 2), 7),
    lambda t: t.full((2,), 7.0),
    lambda t: t.full((2,), True),
    lambda t: t.full((2,), 1.5, dtype=t.float64),
    lambda t: t.eye(3),
    lambda t: t.eye(2, 4, dtype=t.int64),
    lambda t: t.arange(5),
    lambda t: t.arange(1, 4),
    lambda t: t.arange(0, 1, 0.25),
    lambda t: t.arange(10, 0, -3),
    lambda t: t.arange(5, dtype=t.float64),
    lambda t: t.linspace(0, 1, 5),
    lambda t: t.linspace(-1, 1, 4, dtype=t.float64),
    lambda t: t.zeros_like(t.ones(2, 3, dtype=t.int32)),
    lambda t: t.ones_like(t.zeros(2)),
    lambda t: t.full_like(t.zeros(2), 3),
    lambda t: t.empty_like(t.zeros(3, 1)).shape,
    lambda t: t.ones_like(t.zeros(2), dtype=t.float64),
    lambda t: t.zeros(2, device="cpu"),
    lambda t: t.zeros(2, device=t.device("cpu")),
]


@pytest.mark.parametrize("case", range(len(CREATION_CASES)))
def test_creation_matches_torch(case):
    torch = torch_or_skip()
    same_repr(CREATION_CASES[case](fastgrad), CREATION_CASES[case](torch))


def test_random_creation_matches_torch_streams():
    torch = torch_or_skip()
    for lib in (fastgrad, torch):
        lib.manual_seed(1234)
    for make in (lambda t: t.rand(3), lambda t: t.randn(2, 3), lambda t: t.randn(20, dtype=t.float64),
                 lambda t: t.randint(0, 10, (5,)), lambda t: t.randint(5, (2, 2)), lambda t: t.rand(4, dtype=t.float64),
                 lambda t: t.randn_like(t.zeros(3)), lambda t: t.rand_like(t.zeros(2, dtype=t.float64))):
        a, b = make(fastgrad), make(torch)
        assert a.dtype == getattr(fastgrad, str(b.dtype)[len("torch."):])
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_generator_objects_give_independent_reproducible_streams():
    g1 = fastgrad.Generator().manual_seed(7)
    g2 = fastgrad.Generator().manual_seed(7)
    a = fastgrad.randn(5, generator=g1)
    fastgrad.randn(100)  # the default stream does not disturb g2
    b = fastgrad.randn(5, generator=g2)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert g1.initial_seed() == 7


def test_manual_seed_repeats_the_stream():
    fastgrad.manual_seed(3)
    a = fastgrad.randn(4)
    fastgrad.manual_seed(3)
    np.testing.assert_array_equal(a.numpy(), fastgrad.randn(4).numpy())
    assert fastgrad.initial_seed() == 3


def test_tensor_infers_dtypes_like_torch():
    assert fastgrad.tensor([1, 2]).dtype == fastgrad.int64
    assert fastgrad.tensor([1.0, 2]).dtype == fastgrad.float32
    assert fastgrad.tensor([True]).dtype == fastgrad.bool
    assert fastgrad.tensor(np.array([1.0])).dtype == fastgrad.float64  # a NumPy array keeps its dtype
    assert fastgrad.tensor(np.array([1], dtype=np.int32)).dtype == fastgrad.int32
    assert fastgrad.tensor([[1, 2], [3, 4]]).shape == (2, 2)
    assert fastgrad.tensor([fastgrad.tensor(1.0), fastgrad.tensor(2.0)]).tolist() == [1.0, 2.0]


def test_tensor_copies_its_data():
    arr = np.array([1.0, 2.0])
    t = fastgrad.tensor(arr)
    arr[0] = 9
    assert t[0].item() == 1.0


def test_dtype_aliases_and_default_dtype():
    assert fastgrad.float is fastgrad.float32 and fastgrad.double is fastgrad.float64
    assert fastgrad.long is fastgrad.int64 and fastgrad.int is fastgrad.int32
    assert repr(fastgrad.float64) == "fastgrad.float64"
    assert fastgrad.get_default_dtype() == fastgrad.float32
    assert fastgrad.float32.is_floating_point and not fastgrad.int64.is_floating_point
    assert fastgrad.float64.itemsize == 8
    fastgrad.set_default_dtype(fastgrad.float64)
    try:
        assert fastgrad.tensor([1.0]).dtype == fastgrad.float64
        assert fastgrad.ones(2).dtype == fastgrad.float64
        assert (fastgrad.tensor([1, 2]) / 2).dtype == fastgrad.float64
    finally:
        fastgrad.set_default_dtype(fastgrad.float32)
    with pytest.raises(TypeError):
        fastgrad.set_default_dtype(fastgrad.int64)


# ---- NumPy ----


def test_from_numpy_shares_memory_both_ways():
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = fastgrad.from_numpy(arr)
    arr[0, 0] = 42
    assert t[0, 0].item() == 42
    t[1, 2] = -1
    assert arr[1, 2] == -1
    assert t.dtype == fastgrad.float32


def test_from_numpy_keeps_strides_and_the_array_alive():
    arr = np.arange(12, dtype=np.float64).reshape(3, 4)[:, ::2]
    t = fastgrad.from_numpy(arr)
    assert t.shape == (3, 2) and t.stride() == (4, 2)
    del arr
    assert t.tolist() == [[0.0, 2.0], [4.0, 6.0], [8.0, 10.0]]


def test_numpy_is_zero_copy_and_outlives_the_tensor():
    t = fastgrad.arange(4, dtype=fastgrad.float64)
    a = t.numpy()
    t.add_(1)
    assert a.tolist() == [1.0, 2.0, 3.0, 4.0]
    del t
    assert a.sum() == 10.0


def test_numpy_of_views_and_dtypes():
    for name in DTYPES:
        t = fastgrad.ones(2, 3, dtype=getattr(fastgrad, name))
        a = t.t().numpy()
        assert a.shape == (3, 2) and str(a.dtype) == name
    assert np.asarray(fastgrad.tensor([1, 2])).tolist() == [1, 2]


def test_numpy_errors_like_torch():
    with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
        fastgrad.ones(2, requires_grad=True).numpy()
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.uint16"):
        fastgrad.from_numpy(np.zeros(2, dtype=np.uint16))
    with pytest.raises(ValueError, match="negative"):
        fastgrad.from_numpy(np.arange(4.0)[::-1])
    with pytest.raises(TypeError):
        fastgrad.from_numpy([1, 2])


def test_as_tensor_shares_when_it_can():
    arr = np.zeros(3)
    t = fastgrad.as_tensor(arr)
    arr[1] = 5
    assert t[1].item() == 5
    x = fastgrad.ones(2)
    assert fastgrad.as_tensor(x) is x
    assert fastgrad.as_tensor([1, 2]).dtype == fastgrad.int64


# ---- conversions and metadata ----


def test_item_tolist_and_python_numbers():
    assert fastgrad.tensor([2.5]).item() == 2.5 and isinstance(fastgrad.tensor(2).item(), int)
    assert isinstance(fastgrad.tensor(True).item(), bool)
    assert fastgrad.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert fastgrad.tensor(1.5).tolist() == 1.5
    assert float(fastgrad.tensor(2.5)) == 2.5 and int(fastgrad.tensor(2.7)) == 2
    assert bool(fastgrad.tensor([0.0])) is False
    assert [x.item() for x in fastgrad.tensor([3, 4])] == [3, 4]
    assert len(fastgrad.zeros(5, 2)) == 5
    assert math.isclose(fastgrad.tensor([0.1]).item(), np.float32(0.1))


def test_dtype_conversions_match_torch():
    torch = torch_or_skip()
    for conv in ("float", "double", "long", "int", "bool"):
        for data in ([1.7, -2.2, 0.0], [1, 0, 3]):
            a = getattr(fastgrad.tensor(data), conv)()
            b = getattr(torch.tensor(data), conv)()
            same_repr(a, b)
    same_repr(fastgrad.tensor([1.5]).to(fastgrad.float64), torch.tensor([1.5]).to(torch.float64))
    same_repr(fastgrad.tensor([1.5]).to("cpu", fastgrad.int64), torch.tensor([1.5]).to("cpu", torch.int64))
    same_repr(fastgrad.tensor([1]).to(fastgrad.tensor([1.0], dtype=fastgrad.float64)),
              torch.tensor([1]).to(torch.tensor([1.0], dtype=torch.float64)))


def test_to_returns_self_when_nothing_changes():
    x = fastgrad.ones(2)
    assert x.to(fastgrad.float32) is x and x.to("cpu") is x and x.float() is x
    assert x.to(fastgrad.float32, copy=True) is not x


def test_metadata():
    x = fastgrad.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and isinstance(x.shape, tuple)
    assert repr(x.shape) == "fastgrad.Size([2, 3, 4])"
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.dim() == 3 and x.ndim == 3 and x.numel() == 24
    assert x.dtype == fastgrad.float32 and x.element_size() == 4
    assert x.stride() == (12, 4, 1) and x.is_contiguous()
    assert not x.transpose(0, 2).is_contiguous()
    with pytest.raises(IndexError):
        x.size(3)


def test_devices_are_cpu_everywhere():
    assert fastgrad.cuda.is_available() is False
    assert fastgrad.cuda.device_count() == 0
    assert str(fastgrad.ones(1).device) == "cpu"
    assert fastgrad.ones(1).device == fastgrad.device("cpu") == "cpu"
    assert repr(fastgrad.device("cpu")) == "device(type='cpu')"
    fastgrad.set_default_device("cpu")
    assert fastgrad.ones(2, device="cpu").device.type == "cpu"
    assert fastgrad.tensor([1.0], device="cpu").tolist() == [1.0]
    assert fastgrad.ones(1).to("cpu").cpu().device.type == "cpu"
    with pytest.raises(AssertionError):
        fastgrad.zeros(1, device="cuda")
    with pytest.raises(AssertionError):
        fastgrad.ones(1).to("cuda")
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        fastgrad.device("tpu")
    with pytest.raises(RuntimeError):
        fastgrad.zeros(1, device="mps")


# ---- printing ----

PRINT_CASES = [
    lambda t: t.arange(6).reshape(2, 3),
    lambda t: t.arange(6, dtype=t.float64).reshape(3, 2) / 7,
    lambda t: t.ones(2, 2, requires_grad=True),
    lambda t: t.ones(2, 2, requires_grad=True) * 3,
    lambda t: (t.ones(3, requires_grad=True) * 2).sum(),
    lambda t: t.tensor([1e-8, 1.0, 1e8]),
    lambda t: t.tensor([[True, False]]),
    lambda t: t.tensor([1, 2], dtype=t.int32),
    lambda t: t.zeros(0, 3),
    lambda t: t.arange(3000.0),
    lambda t: t.arange(24.0).reshape(2, 3, 4).transpose(0, 2),
    lambda t: t.tensor(float("nan")),
    lambda t: t.tensor([-0.0, 1.5, -2.25]),
]


@pytest.mark.parametrize("case", range(len(PRINT_CASES)))
def test_printing_matches_torch(case):
    torch = torch_or_skip()
    a, b = PRINT_CASES[case](fastgrad), PRINT_CASES[case](torch)
    same_repr(a, b)
    assert str(a) == repr(a)


def test_format_of_a_0d_tensor_formats_its_item():
    assert f"{fastgrad.tensor(3.14159):.2f}" == "3.14"
    assert format(fastgrad.tensor(2.0)) == "2.0"
    assert f"{fastgrad.tensor(5):>3}" == "  5"
    with pytest.raises(TypeError):
        format(fastgrad.ones(2), ".2f")


# ---- fastgrad.tensor over sequences holding tensors: PyTorch reads each one-element tensor as a number and
# infers the dtype by promoting every element's own dtype (a Python float counts as the default dtype).
_SEQUENCES_OF_TENSORS = {
    "float64_pair": lambda m: [m.tensor(2.0, dtype=m.float64), m.tensor(2.5, dtype=m.float64)],
    "int64_pair": lambda m: [m.tensor(3), m.tensor(-4)],
    "float64_with_int": lambda m: [m.tensor(2.0, dtype=m.float64), 1],
    "int64_with_float": lambda m: [m.tensor(3), 1.5],
    "nested": lambda m: [[m.tensor(3)], [m.tensor(5)]],
    "bool_with_int": lambda m: [m.tensor(True), 7],
    "bool_pair": lambda m: [m.tensor(True), False],
    "numpy_scalar": lambda m: [np.float64(1.25), m.tensor(3)],
    "one_element_2d": lambda m: [m.ones(1, 1), 2],
    "requires_grad": lambda m: [m.tensor(1.5, requires_grad=True), m.tensor(0.5, requires_grad=True) * 2],
    "int32": lambda m: [m.tensor(3, dtype=m.int32), m.tensor(4, dtype=m.int32)],
}


@pytest.mark.parametrize("case", sorted(_SEQUENCES_OF_TENSORS))
def test_tensor_from_a_sequence_of_tensors_matches_torch(case):
    torch = pytest.importorskip("torch")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = torch.tensor(_SEQUENCES_OF_TENSORS[case](torch))
        got = fastgrad.tensor(_SEQUENCES_OF_TENSORS[case](fastgrad))
    assert str(got.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1]
    assert tuple(got.shape) == tuple(ref.shape)
    assert got.tolist() == ref.tolist()
    assert not got.requires_grad and got.grad_fn is None


@pytest.mark.parametrize("data, exc, match", [
    (lambda m: [m.ones(2), m.ones(2)], ValueError, "only one element tensors can be converted to Python scalars"),
    (lambda m: [[m.tensor(1.0), 1], [2]], ValueError, "expected sequence of length 2 at dim 1 \\(got 1\\)"),
    (lambda m: [m.tensor(1), "x"], TypeError, "invalid data type 'str'"),
])
def test_tensor_from_a_bad_sequence_of_tensors_raises_as_torch(data, exc, match):
    torch = pytest.importorskip("torch")
    for m in (torch, fastgrad):
        with pytest.raises(exc, match=match):
            m.tensor(data(m))


def test_tensor_from_tensors_that_require_grad_warns_as_torch():
    x = fastgrad.tensor(1.5, requires_grad=True)
    with pytest.warns(UserWarning, match="Converting a tensor with requires_grad=True to a scalar"):
        fastgrad.tensor([x, x])
    with pytest.warns(UserWarning, match="Converting a tensor with requires_grad=True to a scalar"):
        float(x)
