"""Edges against PyTorch 2.13, layouts: kernels fed non-contiguous operands (transposed, strided, expanded)
for every tensor argument of the losses and layers (nll_loss, cross_entropy, binary_cross_entropy,
embedding, the norms, linear and bilinear, softmax and conv, the index-style kernels, multinomial and
bernoulli). Values and float64 gradients are compared with NaN equal to NaN."""

import warnings

import fastgrad
import numpy as np
import pytest
from edge_nn_helpers import R, assert_same, lib_tensor, nan, nn_of

torch = pytest.importorskip("torch")


# ---- non-contiguous operands: every tensor argument transposed, strided or expanded ----


def layouts(array):
    """(name, make(lib, array, requires_grad)) for views of `array`'s values that are not contiguous: a
    strided slice of a larger buffer, a transpose of the transposed values, and (for arrays whose values are
    constant along dim 0) an expansion."""
    array = np.asarray(array)

    def contiguous(lib, requires_grad):
        return lib_tensor(lib, array, requires_grad=requires_grad)

    def strided(lib, requires_grad):
        # every other element of a buffer twice as long along the last dim
        if array.ndim == 0:
            return contiguous(lib, requires_grad)
        wide = np.zeros(array.shape[:-1] + (2 * array.shape[-1],), dtype=array.dtype)
        wide[..., ::2] = array
        if array.dtype.kind != "f":
            wide[..., 1::2] = -7  # poison: an index kernel reading it would fail or differ
        else:
            wide[..., 1::2] = 1e30
        base = lib_tensor(lib, wide)
        out = base[..., ::2]
        if requires_grad:
            out = out.detach().requires_grad_(True)
        return out

    def transposed(lib, requires_grad):
        if array.ndim < 2:
            return strided(lib, requires_grad)
        base = lib_tensor(lib, np.ascontiguousarray(np.swapaxes(array, 0, 1)))
        out = base.transpose(0, 1)
        if requires_grad:
            out = out.detach().requires_grad_(True)
        return out

    made = [("contiguous", contiguous), ("strided", strided), ("transposed", transposed)]
    if array.ndim >= 1 and array.shape[0] > 1 and (array == array[:1]).all():
        def expanded(lib, requires_grad):
            one = lib_tensor(lib, array[:1])
            out = one.expand(*array.shape)
            if requires_grad:
                out = out.detach().requires_grad_(True)
            return out
        made.append(("expanded", expanded))
    return made


def check_layouts(fn, arrays, grad=(), rtol=1e-10, atol=1e-12):
    """For each argument in turn and each of its non-contiguous layouts (the others contiguous), fn(lib, *ts)
    agrees with torch in values and in the gradients of the arguments listed in `grad`."""
    arrays = [np.asarray(a) for a in arrays]
    checked = 0
    for k in range(len(arrays)):
        for name, make in layouts(arrays[k]):
            results = {}
            for lib in (fastgrad, torch):
                ts = []
                for i, a in enumerate(arrays):
                    rg = i in grad and a.dtype.kind == "f"
                    ts.append(make(lib, rg) if i == k else lib_tensor(lib, a, requires_grad=rg))
                if k < len(arrays) and name != "contiguous":
                    assert not ts[k].is_contiguous() or arrays[k].size <= 1, name
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = fn(lib, *ts)
                results[lib] = (ts, out)
            (f_in, f_out), (t_in, t_out) = results[fastgrad], results[torch]
            assert_same(f_out, t_out, rtol, atol)
            if t_out.requires_grad:
                cot = np.random.default_rng(k).standard_normal(tuple(t_out.shape))
                try:
                    t_out.backward(torch.from_numpy(cot))
                except RuntimeError as e:  # nll_loss2d's backward refuses a transposed input
                    assert "must be contiguous" in str(e)
                    continue
                f_out.backward(fastgrad.from_numpy(cot.copy()))
                for i in grad:
                    if t_in[i].grad is not None:
                        assert_same(f_in[i].grad, t_in[i].grad, rtol, atol)
            checked += 1
    assert checked >= len(arrays)


LOGITS = R.standard_normal((4, 3))
LOGITS_4D = R.standard_normal((2, 3, 2, 2))
CLASS_WEIGHT = np.array([0.5, 2.0, 1.5])
TARGET = np.array([0, 2, 1, 2])
TARGET_4D = np.array([[[0, 1], [2, 1]], [[2, 2], [0, 1]]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_non_contiguous_arguments(reduction):
    logp = np.log(np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True))
    check_layouts(lambda lib, x, t, w: nn_of(lib).nll_loss(x, t, weight=w, reduction=reduction),
                  [logp, TARGET, CLASS_WEIGHT], grad=(0,))
    check_layouts(lambda lib, x, t, w: nn_of(lib).nll_loss(x, t, weight=w, reduction=reduction, ignore_index=2),
                  [logp, TARGET, CLASS_WEIGHT], grad=(0,))
    check_layouts(lambda lib, x, t, w: nn_of(lib).nll_loss(x, t, weight=w, reduction=reduction),
                  [LOGITS_4D, TARGET_4D, CLASS_WEIGHT], grad=(0,))


def test_nll_loss_expanded_weight():
    check_layouts(lambda lib, x, t, w: nn_of(lib).nll_loss(x, t, weight=w),
                  [LOGITS, TARGET, np.full(3, 0.7)], grad=(0,))


@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_non_contiguous_arguments(smoothing, reduction):
    fn = lambda lib, x, t, w: nn_of(lib).cross_entropy(x, t, weight=w, reduction=reduction,  # noqa: E731
                                                       label_smoothing=smoothing)
    check_layouts(fn, [LOGITS, TARGET, CLASS_WEIGHT], grad=(0,))
    check_layouts(fn, [LOGITS_4D, TARGET_4D, CLASS_WEIGHT], grad=(0,))
    check_layouts(lambda lib, x, t, w: nn_of(lib).cross_entropy(x, t, weight=w, reduction=reduction,
                                                                ignore_index=1, label_smoothing=smoothing),
                  [LOGITS, TARGET, CLASS_WEIGHT], grad=(0,))
    probs = np.exp(-LOGITS[::-1]) / np.exp(-LOGITS[::-1]).sum(1, keepdims=True)
    check_layouts(lambda lib, x, t, w: nn_of(lib).cross_entropy(x, t, weight=w, reduction=reduction,
                                                                label_smoothing=smoothing),
                  [LOGITS, probs, CLASS_WEIGHT], grad=(0, 1))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_non_contiguous_arguments(reduction):
    x = 1 / (1 + np.exp(-LOGITS))
    y = (R.random((4, 3)) > 0.5).astype(np.float64)
    w = R.random((4, 3)) + 0.5
    check_layouts(lambda lib, a, b, c: nn_of(lib).binary_cross_entropy(a, b, weight=c, reduction=reduction),
                  [x, y, w], grad=(0,))
    check_layouts(lambda lib, a, b, c, p: nn_of(lib).binary_cross_entropy_with_logits(
        a, b, weight=c, pos_weight=p, reduction=reduction), [LOGITS, y, w, np.array([1.0, 2.0, 0.5])], grad=(0, 1))


def test_embedding_non_contiguous_arguments():
    weight = R.standard_normal((5, 3))
    idx = np.array([[0, 4, 4], [2, 1, 0]])
    check_layouts(lambda lib, i, w: nn_of(lib).embedding(i, w), [idx, weight], grad=(1,))
    check_layouts(lambda lib, i, w: nn_of(lib).embedding(i, w, padding_idx=4), [idx, weight], grad=(1,))
    check_layouts(lambda lib, i, w: nn_of(lib).one_hot(i, 5), [idx, weight])


def test_norm_layers_non_contiguous_arguments():
    x = R.standard_normal((4, 3, 2))
    w, b = R.standard_normal(3), R.standard_normal(3)
    rm, rv = R.standard_normal(3), R.random(3) + 0.5
    check_layouts(lambda lib, a, c, d: nn_of(lib).layer_norm(a, (2,), c, d),
                  [x, R.standard_normal(2), R.standard_normal(2)], grad=(0, 1, 2))
    check_layouts(lambda lib, a, c, d: nn_of(lib).layer_norm(a, (3, 2), c, d),
                  [x, R.standard_normal((3, 2)), R.standard_normal((3, 2))], grad=(0, 1, 2))
    check_layouts(lambda lib, a, m, v, c, d: nn_of(lib).batch_norm(a, m, v, c, d, training=False),
                  [x, rm, rv, w, b], grad=(0, 3, 4))
    check_layouts(lambda lib, a, c, d: nn_of(lib).batch_norm(a, None, None, c, d, training=True),
                  [x, w, b], grad=(0, 1, 2))
    check_layouts(lambda lib, a, c, d: nn_of(lib).group_norm(a, 3, c, d), [x, w, b], grad=(0, 1, 2))
    check_layouts(lambda lib, a, c, d: nn_of(lib).instance_norm(a, weight=c, bias=d), [x, w, b], grad=(0, 1, 2))
    check_layouts(lambda lib, a, c: nn_of(lib).rms_norm(a, (2,), c), [x, R.standard_normal(2)], grad=(0, 1))


def test_batch_norm_running_stats_update_through_strided_buffers():
    x = R.standard_normal((4, 3))
    outs = []
    for lib in (fastgrad, torch):
        rm = lib_tensor(lib, np.zeros(6))[::2]
        rv = lib_tensor(lib, np.ones(6))[::2]
        nn_of(lib).batch_norm(lib_tensor(lib, x), rm, rv, training=True, momentum=0.3)
        outs.append((rm, rv))
    assert_same(outs[0][0], outs[1][0])
    assert_same(outs[0][1], outs[1][1])


def test_linear_and_bilinear_non_contiguous_arguments():
    x = R.standard_normal((4, 3))
    w, b = R.standard_normal((2, 3)), R.standard_normal(2)
    check_layouts(lambda lib, a, c, d: nn_of(lib).linear(a, c, d), [x, w, b], grad=(0, 1, 2))
    check_layouts(lambda lib, a, c: nn_of(lib).linear(a, c), [R.standard_normal((2, 4, 3)), w], grad=(0, 1))
    check_layouts(lambda lib, a, a2, c, d: nn_of(lib).bilinear(a, a2, c, d),
                  [x, R.standard_normal((4, 2)), R.standard_normal((2, 3, 2)), b], grad=(0, 1, 2, 3))


def test_other_losses_non_contiguous_arguments():
    x, y = R.standard_normal((4, 3)), R.standard_normal((4, 3))
    for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"):
        check_layouts(lambda lib, a, b: getattr(nn_of(lib), name)(a, b), [x, y], grad=(0, 1))
    check_layouts(lambda lib, a, b: nn_of(lib).soft_margin_loss(a, b), [x, np.sign(y)], grad=(0,))
    check_layouts(lambda lib, a, b: nn_of(lib).kl_div(a, b, reduction="batchmean"), [x, np.abs(y)], grad=(0, 1))
    check_layouts(lambda lib, a, b, v: nn_of(lib).gaussian_nll_loss(a, b, v), [x, y, np.abs(y) + 0.1],
                  grad=(0, 1, 2))
    check_layouts(lambda lib, a, b: nn_of(lib).multilabel_soft_margin_loss(a, b), [x, (y > 0) * 1.0], grad=(0,))


def test_softmax_and_conv_non_contiguous_arguments():
    x = R.standard_normal((3, 4))
    for name in ("softmax", "log_softmax"):
        for dim in (0, 1):
            check_layouts(lambda lib, a: getattr(lib, name)(a, dim), [x], grad=(0,))
    img, w, b = R.standard_normal((2, 2, 5)), R.standard_normal((3, 2, 2)), R.standard_normal(3)
    check_layouts(lambda lib, a, c, d: nn_of(lib).conv1d(a, c, d, padding=1), [img, w, b], grad=(0, 1, 2))
    check_layouts(lambda lib, a: nn_of(lib).prelu(a, lib.tensor([0.25], dtype=lib.float64)), [x], grad=(0,))


def test_index_style_kernels_non_contiguous_index():
    src = R.standard_normal((4, 5))
    idx = np.array([[0, 3, 1], [2, 2, 0]])
    check_layouts(lambda lib, s, i: lib.gather(s, 1, i), [src[:2], idx], grad=(0,))
    check_layouts(lambda lib, s, i: lib.index_select(s, 1, i), [src, np.array([4, 0, 0, 2])], grad=(0,))
    check_layouts(lambda lib, s, i: s[i], [src, np.array([3, 1, 1])], grad=(0,))
    check_layouts(lambda lib, s: lib.nonzero(s > 0), [src])
    check_layouts(lambda lib, s: s[s > 0], [src], grad=(0,))
    check_layouts(lambda lib, s: lib.trace(s), [src], grad=(0,))


def test_multinomial_and_bernoulli_read_strided_probabilities():
    # the draws land in the support of the probabilities they were given, whatever their layout
    probs = np.array([[0.0, 0.7, 0.3, 0.0], [0.5, 0.0, 0.0, 0.5]])
    for _, make in layouts(probs):
        view = make(fastgrad, False)
        for _ in range(5):
            for drawn in (fastgrad.multinomial(view, 2), fastgrad.multinomial(view, 6, replacement=True)):
                rows = np.arange(2)[:, None]
                assert np.all(probs[rows, drawn.numpy()] > 0)
            assert np.all(fastgrad.bernoulli(view).numpy()[probs == 0] == 0)
    # the elements between the strided ones are invalid probabilities: a kernel reading them would refuse
    view = fastgrad.tensor([[0.5, -1.0, 0.5, nan]], dtype=fastgrad.float64)[:, ::2]
    assert fastgrad.multinomial(view, 1).item() in (0, 1)
    assert fastgrad.bernoulli(fastgrad.tensor([1.0, 5.0, 1.0], dtype=fastgrad.float64)[::2]).tolist() == [1.0, 1.0]
