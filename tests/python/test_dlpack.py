"""DLPack both ways (Note [DLPack] in python/src/dlpack.cpp): zero-copy exchange with PyTorch and NumPy, versioned
and legacy capsules, the protocol's errors, lifetimes; and load_state_dict from other libraries' tensors."""
import gc

import numpy as np
import pytest

import fastgrad
from fastgrad.utils import dlpack as fg_dlpack

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "int32", "int64", "bool"]


def _values(dtype, shape=(3, 4)):
    a = (np.arange(int(np.prod(shape))) - 5).reshape(shape)
    return (a % 2 == 0) if dtype == "bool" else a.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_to_fastgrad_shares_memory(dtype):
    t = torch.from_numpy(_values(dtype))
    f = fastgrad.from_dlpack(t)
    assert str(f.dtype) == f"fastgrad.{dtype}" and tuple(f.shape) == tuple(t.shape)
    assert f.data_ptr() == t.data_ptr()
    np.testing.assert_array_equal(f.numpy(), t.numpy())
    t[0, 0] = 1  # the same memory
    assert f[0, 0].item() == t[0, 0].item()


@pytest.mark.parametrize("dtype", DTYPES)
def test_fastgrad_to_torch_and_numpy_share_memory(dtype):
    f = fastgrad.tensor(_values(dtype))
    t = torch.from_dlpack(f)
    n = np.from_dlpack(f)
    assert t.data_ptr() == f.data_ptr() == n.ctypes.data
    assert str(t.dtype) == f"torch.{dtype}" and n.dtype == np.dtype(dtype)
    f[1, 2] = 0
    assert t[1, 2].item() == 0 and n[1, 2] == 0


def test_strided_views_and_offsets_round_trip():
    base = fastgrad.arange(24.0).reshape(4, 6)
    for view in (base.t(), base[1:, ::2], base[2], base[:, 3:4], fastgrad.tensor(5.0), fastgrad.zeros(0, 3)):
        t = torch.from_dlpack(view)
        assert tuple(t.shape) == tuple(view.shape)
        np.testing.assert_array_equal(t.numpy(), view.numpy())
        if view.numel():
            assert tuple(t.stride()) == tuple(view.stride()) and t.data_ptr() == view.data_ptr()
        back = fastgrad.from_dlpack(t)
        np.testing.assert_array_equal(back.numpy(), view.numpy())
    tt = torch.arange(30.0).reshape(5, 6)[1:, 2:5]
    f = fastgrad.from_dlpack(tt)
    assert f.data_ptr() == tt.data_ptr() and tuple(f.stride()) == tuple(tt.stride())
    np.testing.assert_array_equal(f.numpy(), tt.numpy())


def test_versioned_and_legacy_capsules():
    f = fastgrad.arange(4.0)
    assert "dltensor_versioned" in repr(f.__dlpack__(max_version=(1, 0)))
    assert '"dltensor"' in repr(f.__dlpack__())
    assert '"dltensor"' in repr(fg_dlpack.to_dlpack(f))
    assert f.__dlpack_device__() == (1, 0) and f.__dlpack_device__()[0] == fg_dlpack.DLDeviceType.kDLCPU
    # legacy capsules, both ways
    np.testing.assert_array_equal(fastgrad.from_dlpack(torch.utils.dlpack.to_dlpack(torch.ones(2))).numpy(),
                                  [1.0, 1.0])
    np.testing.assert_array_equal(torch.utils.dlpack.from_dlpack(fg_dlpack.to_dlpack(f)).numpy(), [0, 1, 2, 3])


def test_a_capsule_is_consumed_once():
    cap = fastgrad.arange(3.0).__dlpack__()
    fastgrad.from_dlpack(cap)
    with pytest.raises(ValueError, match="already consumed"):
        fastgrad.from_dlpack(cap)
    cap = fastgrad.arange(3.0).__dlpack__()
    torch.utils.dlpack.from_dlpack(cap)
    with pytest.raises(ValueError, match="already consumed"):
        fastgrad.from_dlpack(cap)


def test_memory_outlives_the_producer():
    f = fastgrad.from_dlpack(torch.arange(1000.0))
    gc.collect()
    assert f.sum().item() == sum(range(1000))
    t = torch.from_dlpack(fastgrad.arange(1000.0) * 2)
    gc.collect()
    assert t.sum().item() == 2 * sum(range(1000))
    del f, t
    # unconsumed capsules free what they hold
    for _ in range(200):
        fastgrad.ones(1000).__dlpack__(max_version=(1, 0))
        fastgrad.ones(1000).__dlpack__()
    gc.collect()


def test_read_only_arrays_are_copied():
    a = np.arange(4.0)
    a.flags.writeable = False
    f = fastgrad.from_dlpack(a)
    assert f.data_ptr() != a.ctypes.data
    f[0] = 9.0
    assert a[0] == 0.0
    w = np.arange(4.0)
    assert fastgrad.from_dlpack(w).data_ptr() == w.ctypes.data


def test_errors():
    with pytest.raises(BufferError, match="require gradient"):
        fastgrad.ones(2, requires_grad=True).__dlpack__()
    with pytest.raises(BufferError, match="stream"):
        fastgrad.ones(2).__dlpack__(stream=1)
    with pytest.raises(BufferError, match="device"):
        fastgrad.ones(2).__dlpack__(dl_device=(2, 0))
    with pytest.raises(TypeError, match="complex64"):
        fastgrad.from_dlpack(torch.ones(2, dtype=torch.complex64))
    with pytest.raises(TypeError, match="uint16"):
        fastgrad.from_dlpack(np.ones(2, np.uint16))
    with pytest.raises(TypeError):
        fastgrad.from_dlpack([1, 2])
    with pytest.raises(TypeError):
        fg_dlpack.to_dlpack(np.ones(2))


def test_copy_true_copies():
    f = fastgrad.arange(3.0)
    t = torch.from_dlpack(f.__dlpack__(max_version=(1, 0), copy=True))
    assert t.data_ptr() != f.data_ptr()
    np.testing.assert_array_equal(t.numpy(), [0.0, 1.0, 2.0])


def test_load_state_dict_from_torch_and_numpy():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    tm(torch.randn(5, 3))
    fm = fastgrad.nn.Sequential(fastgrad.nn.Linear(3, 4), fastgrad.nn.BatchNorm1d(4))
    fm.load_state_dict(tm.state_dict())
    for (name, fv), tv in zip(fm.state_dict().items(), tm.state_dict().values()):
        np.testing.assert_array_equal(fv.numpy(), tv.numpy(), err_msg=name)
    fm.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    fm.load_state_dict(tm.state_dict(keep_vars=True))  # parameters that require grad
    # shape checks and PyTorch's messages still apply
    bad = dict(tm.state_dict())
    bad["0.weight"] = torch.ones(2, 2)
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight"):
        fm.load_state_dict(bad)
    bad["0.weight"] = "not a tensor"
    with pytest.raises(RuntimeError, match="expected torch.Tensor or Tensor-like object"):
        fm.load_state_dict(bad)
