"""Tensor methods real programs touch, against a CPU build of PyTorch: pin_memory / is_pinned, share_memory_ /
is_shared, apply_ / map_ (Python functions element by element), H."""
import numpy as np
import pytest

import fastgrad as fg

torch = pytest.importorskip("torch")


def _both(a):
    return fg.tensor(a), torch.tensor(a)


def test_pin_memory_refused_and_not_pinned():
    f, t = _both([1.0, 2.0])
    for lib_t in (f, t):
        with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
            lib_t.pin_memory()
    assert f.is_pinned() is False and t.is_pinned() is False
    assert f.share_memory_() is f


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_apply_and_map_match_torch(dtype):
    a = np.arange(12).reshape(3, 4).astype(dtype)
    f, t = _both(a)
    f_view, t_view = f[:, ::2], t[:, ::2]
    f_view.apply_(lambda v: v * 3 - 1)
    t_view.apply_(lambda v: v * 3 - 1)
    np.testing.assert_array_equal(f.numpy(), t.numpy())
    fb, tb = _both(np.arange(4).astype(dtype))
    f.map_(fb, lambda x, y: x + 2 * y)
    t.map_(tb, lambda x, y: x + 2 * y)
    np.testing.assert_array_equal(f.numpy(), t.numpy())
    assert str(f.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]


def test_apply_refuses_tensors_that_require_grad():
    for lib in (fg, torch):
        with pytest.raises(RuntimeError, match=r"Can't call apply_\(\) on Variable that requires grad"):
            lib.ones(2, requires_grad=True).apply_(lambda v: v)


def test_H_is_the_matrix_transpose():
    f, t = _both(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(f.H.numpy(), t.H.numpy())
    for lib in (fg, torch):
        with pytest.raises(RuntimeError, match="tensor.H is only supported on matrices"):
            lib.ones(3).H


def test_H_of_a_0d_tensor_warns_and_returns_it():
    for lib in (fg, torch):
        t = lib.tensor(3.0)
        with pytest.warns(UserWarning, match="Tensor.H is deprecated on 0-D tensors"):
            assert lib.equal(t.H, t)


def test_argument_types_refused_as_torch():
    """Found by the fuzzer (seed 1): a list as is_pinned's device, an explicit None as is_autocast_enabled's."""
    for lib in (fg, torch):
        with pytest.raises(TypeError, match="argument 'device' \\(position 1\\) must be torch.device, not list"):
            lib.ones(1).is_pinned([1])
        with pytest.raises(TypeError, match="argument 'device_type' \\(position 1\\) must be str, not NoneType"):
            lib.is_autocast_enabled(None)
        assert lib.is_autocast_enabled() is False
