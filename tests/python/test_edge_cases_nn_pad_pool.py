"""Edges against PyTorch 2.13, padding and pooling: pad with negative amounts in every mode (1-d, 2-d,
3-d), pooling and local_response_norm on integer and bool dtypes, max pooling with indices (NaN and ties)
and max_unpool. Values and float64 gradients are compared with NaN equal to NaN."""

import fastgrad
import numpy as np
import pytest
from edge_nn_helpers import R, inf, lib_tensor, nan, nn_of, run_both, same_outcome

torch = pytest.importorskip("torch")


# ---- pad: negative amounts in every mode ----

PADS_1D = [(-1, 2), (2, -3), (-2, -1), (-3, 3), (1, -1), (0, -2), (-2, 0), (3, 3), (0, 0), (-6, 0), (-3, -3),
           (-7, 1), (-1, 7), (7, 0), (1, -5), (-5, 1), (5, 5), (6, 6)]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("amounts", PADS_1D, ids=str)
def test_pad_1d_negative_amounts(mode, amounts):
    x = np.arange(12.0).reshape(1, 2, 6) ** 1.5

    def fn(lib, t):
        return nn_of(lib).pad(t, amounts, mode=mode)

    outcomes = same_outcome(lambda lib: fn(lib, lib_tensor(lib, x)))
    if outcomes[0][0] == "ok" and outcomes[0][1].numel() > 0:
        run_both(fn, [x])


def _wraps_past_what_is_left(shape, amounts):
    # circular padding wider than what the negative amounts leave: PyTorch copies from memory it has not
    # written yet (unspecified values); fastgrad raises
    for i in range(len(amounts) // 2):
        left, right = amounts[2 * i], amounts[2 * i + 1]
        kept = shape[-1 - i] - max(-left, 0) - max(-right, 0)
        if kept >= 0 and max(left, right) > kept and min(left, right) < 0:
            return True
    return False


PADS_2D = [(-1, 2, 1, -1), (2, -3, -2, 2), (-1, -1, -1, -1), (1, 1, -2, 3), (-2, 1, 0, 0), (0, 0, -3, -3),
           (-4, 0, 0, 0), (2, 2, 2, 2)]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("amounts", PADS_2D, ids=str)
def test_pad_2d_negative_amounts(mode, amounts):
    x = np.cos(np.arange(2 * 4 * 4.0)).reshape(1, 2, 4, 4)

    def fn(lib, t):
        return nn_of(lib).pad(t, amounts, mode=mode)

    if mode == "circular" and _wraps_past_what_is_left(x.shape, amounts):
        with pytest.raises(RuntimeError, match="wrapping around"):
            fn(fastgrad, lib_tensor(fastgrad, x))
        return
    outcomes = same_outcome(lambda lib: fn(lib, lib_tensor(lib, x)))
    if outcomes[0][0] == "ok" and outcomes[0][1].numel() > 0:
        run_both(fn, [x])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_3d_negative_amounts(mode):
    x = np.sin(np.arange(3 * 3 * 4.0)).reshape(1, 1, 3, 3, 4)
    for amounts in [(-1, 2, 1, -1, 0, 1), (1, 1, 1, 1, -1, -1)]:
        run_both(lambda lib, t: nn_of(lib).pad(t, amounts, mode=mode), [x])


# ---- pooling on integer dtypes, and with indices ----

INT_SIGNAL = np.array([[[1, 2, 4, 7, -3, -8, 5]], [[9, -9, 0, 1, 1, -1, 2]]])
INT_IMAGE = np.array([[[[1, 2, 5, -4], [4, -8, -3, 3], [7, 7, 7, -5], [0, 1, -2, 2]]]])


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                    dict(kernel_size=2, ceil_mode=True), dict(kernel_size=3, stride=1)], ids=str)
def test_avg_pool1d_int64_keeps_dtype_and_truncates(kwargs):
    same_outcome(lambda lib: nn_of(lib).avg_pool1d(lib_tensor(lib, INT_SIGNAL), **kwargs))


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=2, divisor_override=3),
                                    dict(kernel_size=2, stride=1, padding=1),
                                    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                    dict(kernel_size=(3, 2), ceil_mode=True)], ids=str)
def test_avg_pool2d_int64_keeps_dtype_and_truncates(kwargs):
    same_outcome(lambda lib: nn_of(lib).avg_pool2d(lib_tensor(lib, INT_IMAGE), **kwargs))


@pytest.mark.parametrize("dtype", ["int32", "bool", "int64"])
def test_pooling_dtype_support_as_torch(dtype):
    def make(lib, array):
        return lib_tensor(lib, array).to(getattr(lib, dtype))

    same_outcome(lambda lib: nn_of(lib).avg_pool1d(make(lib, INT_SIGNAL), 2))
    same_outcome(lambda lib: nn_of(lib).avg_pool2d(make(lib, INT_IMAGE), 2))
    same_outcome(lambda lib: nn_of(lib).max_pool1d(make(lib, INT_SIGNAL), 2))
    same_outcome(lambda lib: nn_of(lib).max_pool2d(make(lib, INT_IMAGE), 2))
    same_outcome(lambda lib: nn_of(lib).max_pool2d(make(lib, INT_IMAGE), 2, padding=1))
    same_outcome(lambda lib: nn_of(lib).max_pool1d(make(lib, INT_SIGNAL), 2, return_indices=True))
    same_outcome(lambda lib: nn_of(lib).max_pool2d(make(lib, INT_IMAGE), 3, stride=1, padding=1,
                                                   return_indices=True))
    same_outcome(lambda lib: nn_of(lib).adaptive_avg_pool1d(make(lib, INT_SIGNAL), 2))
    same_outcome(lambda lib: nn_of(lib).adaptive_avg_pool2d(make(lib, INT_IMAGE), 2))


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("rank", [3, 4, 5])
def test_local_response_norm_integer_input(dtype, rank):
    x = np.arange(-20, 20).reshape((2, 4, 5) if rank == 3 else (2, 4, 5, 1) if rank == 4 else (2, 4, 1, 5, 1))

    def fn(lib):
        return nn_of(lib).local_response_norm(lib_tensor(lib, x).to(getattr(lib, dtype)), 3, alpha=0.5, beta=0.75,
                                              k=2.0)

    outcomes = same_outcome(fn, rtol=1e-6)
    if outcomes[0][0] == "ok":
        assert outcomes[0][1].dtype == fastgrad.float32


def test_local_response_norm_float_gradients():
    x = R.standard_normal((2, 5, 3, 2))
    for size in (1, 2, 3, 6):
        run_both(lambda lib, t: nn_of(lib).local_response_norm(t, size, alpha=0.3, beta=0.6, k=1.5), [x])
    run_both(lambda lib, t: nn_of(lib).local_response_norm(t, 3), [R.standard_normal((2, 4, 3))])


MAXPOOL_SIGNAL = np.array([[[1.0, 3, 3, nan, 2, nan, 5, 5]], [[-inf, 0.5, -1, 4, 4, 4, -2, 0]]])
MAXPOOL_IMAGE = np.array([[[[1.0, 3, 2, 0], [3, 2, -1, 4], [nan, 1, 4, 4], [2, nan, 0, -3]]],
                          [[[0.0, 0, 0, 0], [1, 1, 1, 1], [2, 1, 2, 1], [-1, -1, 6, -2]]]])


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=1),
                                    dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=2, stride=2, padding=1, dilation=2, ceil_mode=True),
                                    dict(kernel_size=3, stride=2, ceil_mode=True)], ids=str)
def test_max_pool1d_return_indices(kwargs):
    fn = lambda lib, t: nn_of(lib).max_pool1d(t, return_indices=True, **kwargs)  # noqa: E731
    (_, (values, indices)), _ = same_outcome(lambda lib: fn(lib, lib_tensor(lib, MAXPOOL_SIGNAL)))
    assert indices.dtype == fastgrad.int64 and not indices.requires_grad
    run_both(lambda lib, t: fn(lib, t)[0], [MAXPOOL_SIGNAL])
    run_both(lambda lib, t: nn_of(lib).max_pool1d(t, **kwargs), [MAXPOOL_SIGNAL])
    # unbatched
    run_both(lambda lib, t: fn(lib, t)[0], [MAXPOOL_SIGNAL[0]])
    same_outcome(lambda lib: fn(lib, lib_tensor(lib, MAXPOOL_SIGNAL[0]))[1])


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=2, stride=1, padding=1),
                                    dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0)),
                                    dict(kernel_size=2, dilation=2, stride=1),
                                    dict(kernel_size=3, stride=2, ceil_mode=True, padding=1)], ids=str)
def test_max_pool2d_return_indices(kwargs):
    fn = lambda lib, t: nn_of(lib).max_pool2d(t, return_indices=True, **kwargs)  # noqa: E731
    same_outcome(lambda lib: fn(lib, lib_tensor(lib, MAXPOOL_IMAGE)))
    run_both(lambda lib, t: fn(lib, t)[0], [MAXPOOL_IMAGE])
    run_both(lambda lib, t: nn_of(lib).max_pool2d(t, **kwargs), [MAXPOOL_IMAGE])
    same_outcome(lambda lib: fn(lib, lib_tensor(lib, MAXPOOL_IMAGE[0])))


def test_max_pool_modules_return_indices():
    x = R.standard_normal((2, 3, 6, 6))
    same_outcome(lambda lib: lib.nn.MaxPool2d(2, return_indices=True)(lib_tensor(lib, x)))
    same_outcome(lambda lib: lib.nn.MaxPool1d(3, stride=2, return_indices=True)(lib_tensor(lib, x[0])))


def test_max_unpool_inverts_max_pool():
    x = R.standard_normal((2, 3, 6, 4))

    def roundtrip2d(lib, t, **kw):
        v, i = nn_of(lib).max_pool2d(t, 2, return_indices=True)
        return nn_of(lib).max_unpool2d(v, i, 2, **kw)

    run_both(roundtrip2d, [x])
    run_both(lambda lib, t: roundtrip2d(lib, t, output_size=(7, 5)), [x])
    run_both(lambda lib, t: roundtrip2d(lib, t, output_size=(2, 3, 7, 4)), [x])
    for size in ((6, 4), (9, 4), (3, 3, 7, 4)):  # too large, wrong rank
        same_outcome(lambda lib: roundtrip2d(lib, lib_tensor(lib, x), output_size=size))

    def roundtrip1d(lib, t):
        v, i = nn_of(lib).max_pool1d(t, 3, stride=2, return_indices=True)
        return nn_of(lib).max_unpool1d(v, i, 3, stride=2)

    run_both(roundtrip1d, [R.standard_normal((3, 7))])
    same_outcome(lambda lib: nn_of(lib).max_unpool1d(lib_tensor(lib, [[1.0, 2.0]]), lib_tensor(lib, [[0, 9]]), 2))
