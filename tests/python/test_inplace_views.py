"""In-place ops on views under autograd (Note [Differentiable views] in cpp/include/fastgrad/tensor.h).

Writing into a view of a tensor rebases the base's history onto a CopySlices Node, the view's grad_fn is
regenerated as AsStridedBackward0, and views that may not be written (of a leaf that requires grad, made in
no-grad mode, outputs of unbind/split/chunk) are refused with PyTorch's messages. Every gradient here is
compared with PyTorch's."""

import gc
import random
import weakref

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy()


def _name(fn):
    return None if fn is None else type(fn).__name__


def _same(ref, got, where="result", rtol=1e-10, atol=1e-12):
    if ref is None or isinstance(ref, (str, int, bool, float)):
        assert got == ref, f"{where}: {got!r} != {ref!r}"
    elif isinstance(ref, (tuple, list)):
        assert len(got) == len(ref), f"{where}: {got!r} vs {ref!r}"
        for i, (r, g) in enumerate(zip(ref, got)):
            _same(r, g, f"{where}[{i}]", rtol, atol)
    else:
        assert tuple(got.shape) == tuple(ref.shape), f"{where}: shape {tuple(got.shape)} != {tuple(ref.shape)}"
        np.testing.assert_allclose(_np(got), _np(ref), rtol=rtol, atol=atol, err_msg=where)


def compare(fn, **tol):
    """fn(m) with m = torch, then fastgrad: same tensors, gradients and Node names."""
    ref = fn(torch)
    got = fn(fastgrad)
    _same(ref, got, **tol)
    return got


def _data(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _leaf(m, *shape, seed=0):
    return m.tensor(_data(*shape, seed=seed), dtype=m.float64, requires_grad=True)


# ---------------------------------------------------------------------------------------------------------------
# Node names and history, as torch records them


def test_inplace_on_a_view_rebases_the_base_onto_copy_slices():
    def f(m):
        a = _leaf(m, 3, 3)
        b = a.clone()
        v = b[:, 0]
        v.mul_(2)
        names = (_name(v.grad_fn), _name(b.grad_fn), _name(b.grad_fn.next_functions[0][0]),
                 _name(v.grad_fn.next_functions[0][0]))
        (b * m.arange(9.0, dtype=m.float64).view(3, 3)).sum().backward()
        return names, b, a.grad, v._version, b._version

    got = compare(f)
    assert got[0] == ("AsStridedBackward0", "CopySlices", "CloneBackward0", "CopySlices")


def test_a_view_after_an_inplace_on_its_base_is_regenerated_from_the_base():
    def f(m):
        x = _leaf(m, 3)
        y = x.clone()
        old = y[:2]
        before = _name(old.grad_fn)
        y.mul_(2)
        after = _name(old.grad_fn)
        (old * old).sum().backward()
        return before, after, x.grad

    assert compare(f)[:2] == ("SliceBackward0", "AsStridedBackward0")


def test_sibling_views_see_the_write_through_their_base():
    def f(m):
        t = _leaf(m, 3)
        z = m.zeros(3, dtype=m.float64)
        v0, v1 = z[:2], z[1:]
        v1.copy_(t[:2] * 3)
        names = (_name(z.grad_fn), _name(v0.grad_fn), v0.requires_grad, z.requires_grad, z.is_leaf)
        (v0 * v0).sum().backward()
        return names, z, t.grad

    compare(f)


def test_chained_views_and_view_of_view_writes():
    def f(m):
        x = _leaf(m, 2, 3)
        y = x * 1.5
        v = y.view(-1)
        w = v[1:5]
        w.add_(x.view(-1)[:4])
        names = (_name(w.grad_fn), _name(v.grad_fn), _name(y.grad_fn))
        (y ** 2).sum().backward()
        return names, y, x.grad

    assert compare(f)[0] == ("AsStridedBackward0", "AsStridedBackward0", "CopySlices")


@pytest.mark.parametrize("case", ["setitem_int", "setitem_slice", "setitem_none", "setitem_tuple", "ellipsis_0d",
                                  "0d_copy", "full_slice_tensor", "mask", "tensor_index", "mixed"])
def test_setitem_records_torchs_nodes(case):
    def f(m):
        x = _leaf(m, 3, 4)
        y = x.clone()
        val = m.tensor(_data(4, seed=1), dtype=m.float64, requires_grad=True)
        s = _leaf(m, seed=2)
        if case == "setitem_int":
            y[1] = val
        elif case == "setitem_slice":
            y[1:, 1:3] = 7.0
        elif case == "setitem_none":
            y[None, 0] = val
        elif case == "setitem_tuple":
            y[2, 3] = s
        elif case == "ellipsis_0d":
            y[...] = s
        elif case == "0d_copy":
            y = s * 2
            y[()] = m.tensor(5.0, dtype=m.float64)
        elif case == "full_slice_tensor":
            y[:] = val
        elif case == "mask":
            y[y > 0] = 0.0
        elif case == "tensor_index":
            y[m.tensor([0, 2])] = val
        else:
            y[1, [0, 3]] = val[:2]
        name = _name(y.grad_fn)
        (y * m.arange(y.numel(), dtype=m.float64).view(y.shape)).sum().backward()
        return name, y, x.grad, val.grad, s.grad

    compare(f)


# ---------------------------------------------------------------------------------------------------------------
# What users write, with torch's gradients


USER_CODE = {
    "mask_zero": lambda m, x: _with(x * 2, lambda y: y.__setitem__(y > 0, 0)),
    "column_plus_one": lambda m, x: _with(x * 2, lambda y: y[:, 0].__iadd__(1)),
    "rows_times_two": lambda m, x: _with(x * 2, lambda y: y[1:].__imul__(2)),
    "column_times_x": lambda m, x: _with(x * 2, lambda y: y[:, 1].mul_(x[:, 2])),
    "relu_on_non_leaf": lambda m, x: _with(x - 0.1, lambda h: h.relu_()),
    "relu_on_a_view": lambda m, x: _with(x - 0.1, lambda h: h[1:].relu_()),
    "t_": lambda m, x: _with(x * 3, lambda y: y.t_()),
    "view_add_": lambda m, x: _with(x * 3, lambda y: y.view(-1).add_(1)),
    "transpose_mul_": lambda m, x: _with(x * 3, lambda y: y.transpose(0, 1).mul_(2)),
    "transpose_mul_tensor": lambda m, x: _with(x * 3, lambda y: y.transpose(0, 1).mul_(x.t())),
    "diagonal_add_": lambda m, x: _with(x[:3, :3] * 3, lambda y: y.diagonal().add_(x[0, :3])),
    "narrow_sigmoid_": lambda m, x: _with(x * 3, lambda y: y.narrow(1, 1, 2).sigmoid_()),
    "select_exp_": lambda m, x: _with(x * 3, lambda y: y.select(0, 2).exp_()),
    "squeeze_unsqueeze": lambda m, x: _with(x.unsqueeze(0) * 3, lambda y: y.squeeze(0)[0].sub_(x[1])),
    "permute_div_": lambda m, x: _with(x.view(2, 3, 2) * 3, lambda y: y.permute(2, 0, 1).div_(x.view(2, 2, 3) + 5)),
    "mT_pow_": lambda m, x: _with(x.view(2, 3, 2) * 3, lambda y: y.mT.pow_(2)),
    "copy_into_view": lambda m, x: _with(x * 3, lambda y: y[0].copy_(x[3] * x[1])),
    "fill_view_with_tensor": lambda m, x: _with(x * 3, lambda y: y[2].fill_(x[0, 0])),
    "zero_view": lambda m, x: _with(x * 3, lambda y: y[:, :2].zero_()),
    "base_then_old_view": lambda m, x: _base_then_old_view(x),
    "two_writes_same_view": lambda m, x: _with(x * 3, lambda y: _twice(y[1:3])),
    "write_then_read_view": lambda m, x: _write_then_read(x),
    "clamp_on_strided_view": lambda m, x: _with(x * 3, lambda y: y[::2, ::2].clamp_(-0.5, 0.5)),
    "addcmul_on_view": lambda m, x: _with(x * 3, lambda y: y[1].addcmul_(x[2], x[3], value=0.5)),
    "nonrequiring_base": lambda m, x: _with(m.zeros(4, 3, dtype=m.float64), lambda z: z[1:3].copy_(x[:2] * x[2:])),
}


def _with(y, op):
    op(y)
    return y


def _twice(v):
    v.add_(1)
    v.mul_(1.5)


def _base_then_old_view(x):
    y = x * 3
    old = y[1]
    y.mul_(x)
    return old * 2 + y.sum()


def _write_then_read(x):
    y = x * 3
    v = y[:, 1]
    v.mul_(2)
    return v.exp() + y.sum(1)


@pytest.mark.parametrize("case", sorted(USER_CODE))
def test_user_code_gradients_match_torch(case):
    def f(m):
        x = _leaf(m, 4, 3, seed=7)
        y = USER_CODE[case](m, x)
        w = m.tensor(_data(*y.shape, seed=3), dtype=m.float64)
        (y * w).sum().backward()
        return y, x.grad

    compare(f)


def test_no_grad_write_into_a_leafs_view_is_allowed():
    def f(m):
        x = _leaf(m, 3)
        with m.no_grad():
            x[:2].mul_(2)
            x[2] = 5.0
        v = x[1:]
        (v * v).sum().backward()
        return x, x.grad, x.is_leaf, x._version, _name(v.grad_fn)

    compare(f)


def test_view_made_and_written_in_no_grad_mode_is_not_tracked():
    def f(m):
        x = _leaf(m, 3)
        y = x * 2
        with m.no_grad():
            v = y[:2]
            v.mul_(10)
        (y * y).sum().backward()  # MulBackward0 (y * 2) saved nothing of y: allowed; the write is untracked
        return y, x.grad, _name(y.grad_fn)

    compare(f)


def test_leaf_view_in_place_after_detach_is_allowed():
    def f(m):
        x = _leaf(m, 3)
        d = x.detach()
        d[0] = 4.0
        (x * x).sum().backward()
        return x, x.grad, x._version

    compare(f)


# ---------------------------------------------------------------------------------------------------------------
# Random programs of views and in-place ops, against torch


VIEWS = [
    ("select0", lambda t: t.dim() >= 1 and t.shape[0] > 0, lambda t, r: t.select(0, r.randrange(t.shape[0]))),
    ("slice", lambda t: t.dim() >= 1 and t.shape[-1] > 1,
     lambda t, r: t[..., r.randrange(t.shape[-1] - 1):]),
    ("step", lambda t: t.dim() >= 1 and t.shape[0] > 2, lambda t, r: t[::2]),
    ("transpose", lambda t: t.dim() >= 2, lambda t, r: t.transpose(0, t.dim() - 1)),
    ("t", lambda t: t.dim() == 2, lambda t, r: t.t()),
    ("unsqueeze", lambda t: t.dim() < 4, lambda t, r: t.unsqueeze(r.randrange(t.dim() + 1))),
    ("squeeze", lambda t: True, lambda t, r: t.squeeze()),
    ("flatten_view", lambda t: t.is_contiguous(), lambda t, r: t.view(-1)),
    ("diagonal", lambda t: t.dim() >= 2, lambda t, r: t.diagonal(0, 0, 1)),
    ("narrow", lambda t: t.dim() >= 1 and t.shape[0] > 1, lambda t, r: t.narrow(0, 1, t.shape[0] - 1)),
    ("permute", lambda t: t.dim() >= 2, lambda t, r: t.permute(*reversed(range(t.dim())))),
]

# Writes whose Node saves nothing the later writes change...
INPLACE = [
    ("mul_scalar", lambda m, v, x, r: v.mul_(1.5)),
    ("add_x", lambda m, v, x, r: v.add_(_feed(m, x, v))),
    ("copy_x", lambda m, v, x, r: v.copy_(_feed(m, x, v))),
    ("setitem0", lambda m, v, x, r: v.__setitem__(0, x.sum()) if v.dim() >= 1 and v.shape[0] > 0 else v.mul_(2)),
    ("fill_", lambda m, v, x, r: v.fill_(0.25)),
    ("sub_self", lambda m, v, x, r: v.sub_(v * 0.5)),
]
SAFE = len(INPLACE)
# ...and writes that save self or their result (torch refuses to backward once those change): last only.
INPLACE += [
    ("mul_x", lambda m, v, x, r: v.mul_(_feed(m, x, v))),
    ("sigmoid_", lambda m, v, x, r: v.sigmoid_()),
    ("tanh_", lambda m, v, x, r: v.tanh_()),
    ("pow_", lambda m, v, x, r: v.pow_(2)),
]


def _feed(m, x, v):
    """A value of v's shape that depends on x (so the write carries gradient to x)."""
    n = max(v.numel(), 1)
    flat = (x.reshape(-1)[:1] * m.arange(1.0, n + 1.0, dtype=m.float64)).sin()
    return flat[: v.numel()].reshape(v.shape)


def _program(seed):
    rng = random.Random(seed)
    n = rng.randrange(1, 6)
    return [(rng.randrange(10**6), rng.randrange(SAFE if i < n - 1 else len(INPLACE)), rng.randrange(1, 3))
            for i in range(n)]


def _run_program(m, seed):
    steps = _program(seed)
    x = _leaf(m, 3, 4, seed=seed)
    base = x * 1.25
    views = []
    for view_seed, op_index, depth in steps:
        r = random.Random(view_seed)
        v = base
        for _ in range(depth):
            choices = [(n, make) for n, ok, make in VIEWS if ok(v)]
            if not choices:
                break
            _, make = choices[r.randrange(len(choices))]
            v = make(v, r)
        INPLACE[op_index][1](m, v, x, r)
        views.append(v)
    loss = (base * m.tensor(_data(3, 4, seed=seed + 1), dtype=m.float64)).sum()
    for v in views:
        loss = loss + (v * 0.5).sum()
    loss.backward()
    return base, x.grad, [_name(v.grad_fn) for v in views], _name(base.grad_fn)


@pytest.mark.parametrize("seed", range(60))
def test_random_view_and_inplace_programs_match_torch(seed):
    compare(lambda m: _run_program(m, seed), rtol=1e-9, atol=1e-10)


# ---------------------------------------------------------------------------------------------------------------
# Finite differences and higher order through CopySlices


def _rebased(x, y0):
    y = y0 * 1.0
    y[1:, 0].mul_(x[:2, 1])
    y.t()[2].add_(x[0].exp())
    y[0] = x[2, 1:].sum() * x[1]
    return y * y


def test_gradcheck_through_copy_slices():
    x = _leaf(fastgrad, 3, 3, seed=11)
    y0 = _leaf(fastgrad, 3, 3, seed=12)
    assert fastgrad.autograd.gradcheck(_rebased, (x, y0))


def test_gradgradcheck_through_copy_slices():
    x = _leaf(fastgrad, 3, 3, seed=13)
    y0 = _leaf(fastgrad, 3, 3, seed=14)
    assert fastgrad.autograd.gradgradcheck(_rebased, (x, y0))


def test_double_backward_through_copy_slices_matches_torch():
    def f(m):
        x = _leaf(m, 3, 3, seed=15)
        y0 = _leaf(m, 3, 3, seed=16)
        out = _rebased(x, y0).sum()
        gx, gy = m.autograd.grad(out, (x, y0), create_graph=True)
        ((gx * gx).sum() + (gy ** 3).sum()).backward()
        return gx, gy, x.grad, y0.grad

    compare(f, rtol=1e-9, atol=1e-10)


def test_regenerated_view_grad_fn_supports_double_backward():
    def f(m):
        x = _leaf(m, 4, seed=17)
        y = x * x
        v = y[1:3]
        y.add_(x)  # v's grad_fn becomes AsStridedBackward0
        (g,) = m.autograd.grad((v ** 3).sum(), x, create_graph=True)
        g.sum().backward()
        return g, x.grad, _name(v.grad_fn)

    compare(f, rtol=1e-9, atol=1e-10)


def test_gradient_through_an_expanded_view_regenerated_after_a_write():
    def f(m):
        x = _leaf(m, 3, seed=18)
        y = x * 2
        e = y.expand(4, 3)
        y.mul_(x)  # e's grad_fn becomes AsStridedBackward0 over overlapping memory
        (e * m.arange(12.0, dtype=m.float64).view(4, 3)).sum().backward()
        return x.grad, _name(e.grad_fn)

    compare(f)


# ---------------------------------------------------------------------------------------------------------------
# Refusals, with torch's messages


def _raises(fn, *phrases):
    errors = []
    for m in (torch, fastgrad):
        with pytest.raises(RuntimeError) as info:
            fn(m)
        errors.append(str(info.value))
        for p in phrases:
            assert p in str(info.value), f"{m.__name__}: {p!r} not in {str(info.value)!r}"
    return errors


LEAF_VIEW = "a view of a leaf Variable that requires grad is being used in an in-place operation."
NO_GRAD_VIEW = ("A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that "
                "this use case is ambiguous and error-prone, it is forbidden.")
MULTI = ("is a view and is being modified inplace. This view is the output of a function that returns multiple "
         "views. Such functions do not allow the output views to be modified inplace. You should replace the "
         "inplace operation by an out-of-place one.")


@pytest.mark.parametrize("how", ["slice_mul_", "view_add_", "setitem", "t_copy_", "diagonal_zero_"])
def test_inplace_on_a_view_of_a_leaf_is_refused(how):
    def f(m):
        x = _leaf(m, 3, 3)
        if how == "slice_mul_":
            x[:2].mul_(2)
        elif how == "view_add_":
            x.view(9).add_(1)
        elif how == "setitem":
            x[0, 1] = 2.0
        elif how == "t_copy_":
            x.t().copy_(m.ones(3, 3))
        else:
            x.diagonal().zero_()

    _raises(f, LEAF_VIEW)


def test_inplace_on_a_leaf_is_refused():
    _raises(lambda m: _leaf(m, 3).mul_(2), "a leaf Variable that requires grad is being used in an in-place operation.")


@pytest.mark.parametrize("value_requires_grad", [False, True])
def test_view_made_in_no_grad_mode_then_written_with_grad_is_refused(value_requires_grad):
    def f(m):
        x = _leaf(m, 3)
        y = x.clone()
        with m.no_grad():
            w = y[:2]
        w.mul_(_leaf(m, 2) if value_requires_grad else 2.0)

    _raises(f, NO_GRAD_VIEW)


def test_view_of_a_plain_tensor_made_in_no_grad_mode_takes_a_requires_grad_value_refused():
    def f(m):
        z = m.zeros(3, dtype=m.float64)
        with m.no_grad():
            w = z[:2]
        w.copy_(_leaf(m, 2))

    _raises(f, NO_GRAD_VIEW)


@pytest.mark.parametrize("split,name", [(lambda y: y.unbind(), "Output 1 of Unbind "),
                                        (lambda y: y.split(2), "Output 1 of Split "),
                                        (lambda y: y.chunk(2), "Output 1 of Split "),
                                        (lambda y: y.split([1, 2]), "Output 1 of SplitWithSizes ")])
def test_outputs_of_multi_view_ops_may_not_be_written(split, name):
    def f(m):
        y = _leaf(m, 3, 2).clone()
        split(y)[1].mul_(2)

    _raises(f, name + MULTI)


def test_multi_view_output_after_its_base_was_written_is_refused_on_use():
    def f(m):
        y = _leaf(m, 3, 2).clone()
        a, b, c = y.unbind()
        y.mul_(2)
        a.grad_fn

    _raises(f, "Output 0 of Unbind is a view and its base or another view of its base has been modified inplace.")


def test_multi_view_outputs_can_still_be_written_without_grad():
    def f(m):
        y = m.arange(6.0, dtype=m.float64).view(3, 2)
        a, b, c = y.unbind()
        b.mul_(10)
        with m.no_grad():
            x = _leaf(m, 3, 2)
            x.unbind()[0].add_(1)
        return y, x

    compare(f)


# ---------------------------------------------------------------------------------------------------------------
# Version counter


def test_views_and_base_share_the_version_counter_through_writes():
    def f(m):
        y = _leaf(m, 3, 3).clone()
        v = y[1]
        w = y.t()
        v.add_(1)
        w[0].mul_(2)
        y.exp_()
        return y._version, v._version, w._version, y

    compare(f)


def test_version_error_names_the_saving_node_and_the_inplace_op():
    def f(m):
        x = _leaf(m, 3)
        o = x.exp()
        o.mul_(2)
        o.sum().backward()

    torch_msg, msg = _raises(
        f, "one of the variables needed for gradient computation has been modified by an inplace operation: ",
        "DoubleTensor [3]], which is output 0 of Exp, is at version 1; expected version 0 instead.")
    assert "Hint:" in torch_msg and "Hint:" in msg
    assert "saved for backward by ExpBackward0 and then modified by mul_" in msg


def test_version_error_for_a_saved_view_written_through_its_base():
    x = _leaf(fastgrad, 4)
    y = x * 1
    v = y[1:]
    s = v.sin()  # SinBackward0 saves v
    y.add_(1)
    with pytest.raises(RuntimeError, match="saved for backward by SinBackward0 and then modified by add_"):
        s.sum().backward()


def test_version_error_after_setitem_names_the_write():
    x = _leaf(fastgrad, 4)
    y = x * 1
    z = y * y
    y[0] = 3.0
    with pytest.raises(RuntimeError, match="modified by copy_"):
        z.sum().backward()


# ---------------------------------------------------------------------------------------------------------------
# Memory and depth


def test_long_chain_of_view_writes_backpropagates_and_frees_without_recursion():
    x = fastgrad.ones(3, requires_grad=True)
    y = x * 1
    for _ in range(20000):
        y[1:].add_(x[:2])
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [20001.0, 20001.0, 1.0])
    del y
    gc.collect()


def test_copy_slices_graph_is_freed_with_its_tensors():
    arr = np.array([1.0, 2.0], dtype=np.float32)
    alive = weakref.ref(arr)
    w = fastgrad.from_numpy(arr)
    del arr
    x = fastgrad.ones(3, requires_grad=True)
    y = x * 2
    y[1:].mul_(w)  # the MulBackward0 inside CopySlices saves w (for the view's gradient)
    del w
    assert type(y.grad_fn).__name__ == "CopySlices"
    assert alive() is not None
    y.sum().backward(retain_graph=True)
    del y
    gc.collect()
    assert alive() is None


@pytest.mark.parametrize("create_graph", [False, True])
def test_write_into_a_view_of_a_base_with_a_transposed_layout(create_graph):
    # The base itself is not laid out contiguously (t_ restrides it): CopySlices maps the view through
    # storage positions rather than through a contiguous copy of the base.
    def f(m):
        x = _leaf(m, 3, 4, seed=21)
        y = x * 1.5
        y.t_()
        y[1].mul_(x[:, 0])
        y[2:, 1:].add_(x[:2, :2].t())
        out = (y * m.tensor(_data(4, 3, seed=22), dtype=m.float64)).sum()
        (g,) = m.autograd.grad(out, x, create_graph=create_graph)
        if create_graph:
            (g * g).sum().backward()
            return g, x.grad
        return g

    compare(f)


def test_write_into_a_view_whose_base_gradient_is_shared():
    # The base's incoming gradient is also another Node's input: CopySlices must not write into it.
    def f(m):
        x = _leaf(m, 3, seed=23)
        y = x * 2
        z = y * 1
        z[1:].mul_(x[1:])
        out = z + y
        out.backward(m.tensor([1.0, 2.0, 3.0], dtype=m.float64))
        return x.grad

    compare(f)


@pytest.mark.parametrize("op", ["exp_", "sigmoid_", "tanh_", "sqrt_", "pow_"])
def test_second_order_through_an_op_that_saves_its_output_written_into_a_view(op):
    # exp_ on a view saves the view's new value; under create_graph that value's history is the base's
    # CopySlices seen through the view (not the in-place op's Node on its own, whose saved tensors CopySlices
    # frees), so a second backward through it works and agrees with torch.
    def f(m):
        x = m.tensor([0.3, 0.7, 1.1, 1.6], dtype=m.float64, requires_grad=True)
        y = x - 0.1
        v = y.view(2, 2)[:, 1]
        getattr(v, op)(*((1.5,) if op == "pow_" else ()))
        z = (y.sin() * m.tensor([1.0, -2.0, 0.5, 3.0], dtype=m.float64)).sum()
        (g,) = m.autograd.grad(z, x, create_graph=True)
        (h,) = m.autograd.grad((g * g).sum(), x)
        return g, h

    compare(f)


def test_second_order_after_a_temporary_view_of_the_base_is_written():
    # The written view is a temporary that dies at once: its saved output still finds the base's history.
    def f(m):
        x = m.tensor([0.3, 0.7, 1.1], dtype=m.float64, requires_grad=True)
        y = x - 0.5
        y.view(-1).exp_()
        (g,) = m.autograd.grad(y.sin().sum(), x, create_graph=True)
        (h,) = m.autograd.grad((g * g).sum(), x)
        return g, h

    compare(f)
