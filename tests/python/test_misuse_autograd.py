"""The misuse suite (see misuse_helpers.py), autograd: backward and autograd.grad misused, requires_grad on
integer tensors, in-place ops on leaves and on saved tensors, assignments to .grad and other attributes, the
autograd.functional helpers; hooks (and inference tensors); custom autograd.Function (wrong gradient counts,
shapes and types, misused ctx).
"""
import pytest

from misuse_helpers import check_raises, leaf, registrar

CASES = []  # pytest.param(fn, words)
misuse = registrar(CASES, "m_")


# ---------------------------------------------------------------------------------------------------------------
# autograd


@misuse("second time")
def m_backward_twice(T):
    x = leaf(T)
    y = (x * x).sum()
    y.backward()
    y.backward()


@misuse("second time")
def m_backward_twice_saved_output(T):
    y = leaf(T).exp().sum()
    y.backward()
    y.backward()


@misuse("second time")
def m_autograd_grad_twice(T):
    x = leaf(T)
    y = (x * x).sum()
    T.autograd.grad(y, x)
    T.autograd.grad(y, x)


@misuse("scalar outputs")
def m_backward_non_scalar_without_gradient(T):
    (leaf(T) * 2).backward()


@misuse("scalar outputs")
def m_autograd_grad_non_scalar_without_grad_outputs(T):
    x = leaf(T)
    T.autograd.grad(x * 2, x)


@misuse("does not require grad")
def m_backward_on_tensor_not_requiring_grad(T):
    T.ones(3).sum().backward()


@misuse("does not require grad")
def m_backward_under_no_grad(T):
    x = leaf(T)
    with T.no_grad():
        y = (x * 2).sum()
    y.backward()


@misuse("does not require grad")
def m_autograd_grad_of_output_not_requiring_grad(T):
    x = leaf(T)
    T.autograd.grad(T.ones(3).sum(), x)


@misuse("does not require grad")
def m_autograd_grad_wrt_input_not_requiring_grad(T):
    x = leaf(T)
    z = T.ones(3)
    T.autograd.grad((x * z).sum(), z)


@misuse("allow_unused")
def m_autograd_grad_unused_input(T):
    x, z = leaf(T), leaf(T)
    T.autograd.grad((x * 2).sum(), [x, z])


@misuse("materialize_grads")
def m_autograd_grad_materialize_without_allow_unused(T):
    x = leaf(T)
    T.autograd.grad((x * 2).sum(), x, allow_unused=False, materialize_grads=True)


@misuse("does not require grad")
def m_grad_of_grad_without_create_graph(T):
    x = leaf(T)
    (g,) = T.autograd.grad((x * x).sum(), x)
    T.autograd.grad(g.sum(), x)


@misuse("second time")
def m_create_graph_then_backward_twice_through_first_graph(T):
    x = leaf(T)
    y = (x ** 3).sum()
    (g,) = T.autograd.grad(y, x, create_graph=True)
    g.sum().backward()
    g.sum().backward()


@misuse("Mismatch in shape")
def m_backward_gradient_wrong_shape(T):
    (leaf(T) * 2).backward(T.ones(4))


@misuse("Mismatch in shape")
def m_autograd_grad_outputs_wrong_shape(T):
    x = leaf(T)
    T.autograd.grad(x * 2, x, grad_outputs=T.ones(2))


@misuse()
def m_autograd_grad_outputs_count_mismatch(T):
    x = leaf(T)
    T.autograd.grad([x * 2, x * 3], x, grad_outputs=[T.ones(3)])


@misuse()
def m_backward_gradient_not_a_tensor(T):
    (leaf(T) * 2).backward("ones")


@misuse("cannot be empty")
def m_backward_empty_inputs(T):
    (leaf(T) * 2).sum().backward(inputs=[])


@misuse()
def m_autograd_grad_input_not_a_tensor(T):
    x = leaf(T)
    T.autograd.grad((x * 2).sum(), 3.0)


@misuse("floating point")
def m_requires_grad_int_factory(T):
    T.ones(3, dtype=T.int64, requires_grad=True)


@misuse("floating point")
def m_requires_grad_int_tensor_ctor(T):
    T.tensor([1, 2, 3], requires_grad=True)


@misuse("floating point")
def m_requires_grad_method_on_int(T):
    T.tensor([1, 2]).requires_grad_()


@misuse("floating point")
def m_requires_grad_attr_on_int(T):
    t = T.tensor([1, 2], dtype=T.int32)
    t.requires_grad = True


@misuse("floating point")
def m_requires_grad_on_bool(T):
    T.tensor([True, False]).requires_grad_(True)


@misuse("floating point")
def m_requires_grad_arange_int(T):
    T.arange(3, requires_grad=True)


@misuse("leaf")
def m_requires_grad_off_on_non_leaf(T):
    (leaf(T) * 2).requires_grad_(False)


@misuse("retain_grad")
def m_retain_grad_without_requires_grad(T):
    T.ones(3).retain_grad()


@misuse("leaf Variable", "in-place")
def m_inplace_on_leaf_add_(T):
    leaf(T).add_(1)


@misuse("leaf Variable", "in-place")
def m_inplace_on_leaf_zero_(T):
    leaf(T).zero_()


@misuse("leaf Variable", "in-place")
def m_inplace_on_leaf_iadd(T):
    x = leaf(T)
    x += 1


@misuse("leaf Variable", "in-place")
def m_inplace_on_leaf_setitem(T):
    x = leaf(T)
    x[0] = 5.0


@misuse("leaf Variable")
def m_inplace_on_view_of_leaf(T):
    x = leaf(T, 2, 3)
    x[0].mul_(2)


@misuse("leaf Variable", "in-place")
def m_inplace_on_leaf_copy_(T):
    leaf(T).copy_(T.zeros(3))


@misuse("modified by an inplace operation")
def m_saved_input_modified(T):
    a = leaf(T) * 2
    b = a.sin()
    a.add_(1)
    b.sum().backward()


@misuse("modified by an inplace operation")
def m_saved_output_modified(T):
    y = leaf(T).exp()
    y.mul_(2)
    y.sum().backward()


@misuse("modified by an inplace operation")
def m_saved_tensor_modified_through_view(T):
    a = leaf(T, 2, 3) * 1
    b = a * a
    a[0].fill_(0)
    b.sum().backward()


@misuse("modified by an inplace operation")
def m_saved_tensor_modified_through_detach(T):
    a = leaf(T) * 1
    b = a.pow(2)
    a.detach().zero_()
    b.sum().backward()


@misuse("modified by an inplace operation")
def m_saved_input_not_requiring_grad_modified(T):
    w = leaf(T, 3, 3)
    x = T.ones(2, 3)
    y = x @ w
    x.add_(1)
    y.sum().backward()


@misuse("detach")
def m_detach_inplace_on_view(T):
    x = leaf(T, 2, 3) * 1
    x[0].detach_()


@misuse("Tensor", "grad")
def m_assign_grad_non_tensor(T):
    leaf(T).grad = 3


@misuse("size")
def m_assign_grad_wrong_shape(T):
    leaf(T).grad = T.ones(4)


@misuse("type")
def m_assign_grad_wrong_dtype(T):
    leaf(T).grad = T.ones(3, dtype=T.float64)


@misuse("numpy")
def m_numpy_of_tensor_requiring_grad(T):
    leaf(T).numpy()


@misuse()
def m_set_grad_enabled_not_bool(T):
    T.set_grad_enabled("yes")


@misuse()
def m_backward_in_inference_mode_tensor(T):
    with T.inference_mode():
        x = T.ones(3)
    x.requires_grad_()


@misuse("cannot be empty")
def m_autograd_grad_empty_inputs(T):
    x = leaf(T)
    T.autograd.grad((x * 2).sum(), [])


@misuse("gradient")
def m_gradcheck_no_input_requires_grad(T):
    T.autograd.gradcheck(lambda a: a * 2, (T.ones(3, dtype=T.float64),))


@misuse("nan")
def m_anomaly_nan_in_backward(T):
    with T.autograd.detect_anomaly():
        x = leaf(T)
        (x * 0).sqrt().sum().backward()


@misuse()
def m_jacobian_non_tensor_output(T):
    T.autograd.functional.jacobian(lambda a: 3, T.ones(2))


@misuse()
def m_assign_data_non_tensor(T):
    leaf(T).data = 3


@misuse()
def m_assign_grad_fn(T):
    (leaf(T) * 2).grad_fn = None


@misuse()
def m_assign_is_leaf(T):
    leaf(T).is_leaf = False


@misuse()
def m_assign_shape(T):
    T.ones(3).shape = (3,)


@misuse("single element")
def m_hessian_non_scalar(T):
    T.autograd.functional.hessian(lambda a: a * 2, T.ones(3))


@misuse()
def m_vjp_wrong_v_shape(T):
    T.autograd.functional.vjp(lambda a: a * 2, T.ones(3), T.ones(2))


# ---------------------------------------------------------------------------------------------------------------
# hooks


def _hook_graph(T, hook):
    x = leaf(T)
    y = x * 2
    y.register_hook(hook)
    y.sum().backward()


@misuse("hook")
def m_register_hook_without_requires_grad(T):
    T.ones(3).register_hook(lambda g: g)


@misuse("size")
def m_hook_returns_wrong_shape(T):
    _hook_graph(T, lambda g: T.ones(4))


@misuse("type")
def m_hook_returns_wrong_dtype(T):
    _hook_graph(T, lambda g: g.double())


@misuse()
def m_hook_returns_non_tensor(T):
    _hook_graph(T, lambda g: 3)


@misuse("boom")
def m_hook_raises(T):
    def hook(g):
        raise ValueError("boom")

    _hook_graph(T, hook)


@misuse("size")
def m_leaf_hook_returns_wrong_shape(T):
    x = leaf(T)
    x.register_hook(lambda g: T.ones(2))
    (x * 2).sum().backward()


@misuse("non-leaf")
def m_post_accumulate_hook_on_non_leaf(T):
    (leaf(T) * 2).register_post_accumulate_grad_hook(lambda p: None)


@misuse("hook")
def m_post_accumulate_hook_without_requires_grad(T):
    T.ones(3).register_post_accumulate_grad_hook(lambda p: None)


@misuse()
def m_hook_not_callable(T):
    x = leaf(T)
    y = x * 2
    y.register_hook(3)
    y.sum().backward()


@misuse()
def m_node_prehook_wrong_count(T):
    x = leaf(T)
    y = x * 2
    y.grad_fn.register_prehook(lambda go: (go[0], go[0]))
    y.sum().backward()


@misuse()
def m_node_hook_wrong_shape(T):
    x = leaf(T)
    y = x * 2
    y.grad_fn.register_hook(lambda gi, go: (T.ones(2),))
    y.sum().backward()


@misuse("should return None")
def m_post_accumulate_hook_returns_other_tensor(T):
    x = leaf(T)
    x.register_post_accumulate_grad_hook(lambda p: p * 0)
    (x * 2).sum().backward()


@misuse("hook returned")
def m_post_accumulate_hook_returns_int(T):
    x = leaf(T)
    x.register_post_accumulate_grad_hook(lambda p: 3)
    (x * 2).sum().backward()


@misuse("Inplace update to inference tensor")
def m_setitem_on_inference_tensor(T):
    with T.inference_mode():
        t = T.ones(3)
    t[0:2] = 2.0


@misuse("Inplace update to inference tensor")
def m_inplace_on_inference_tensor(T):
    with T.inference_mode():
        t = T.ones(3)
    t.mul_(2)


@misuse("got 2 tensors and 1 gradients")
def m_backward_fewer_grad_tensors(T):
    x = leaf(T)
    T.autograd.backward([(x * 2).sum(), (x * 3).sum()], grad_tensors=[T.tensor(1.0)])


@misuse("boom")
def m_forward_hook_raises(T):
    m = T.nn.Linear(3, 2)

    def hook(mod, inp, out):
        raise ValueError("boom")

    m.register_forward_hook(hook)
    m(T.ones(1, 3))


# ---------------------------------------------------------------------------------------------------------------
# custom autograd.Function


def _fn(T, forward, backward=None, **extra):
    attrs = {"forward": staticmethod(forward), **extra}
    if backward is not None:
        attrs["backward"] = staticmethod(backward)
    return type("MyFn", (T.autograd.Function,), attrs)


@misuse("incorrect number of gradients")
def m_function_too_few_grads(T):
    f = _fn(T, lambda ctx, a, b: a * b, lambda ctx, g: g)
    f.apply(leaf(T), leaf(T)).sum().backward()


@misuse("incorrect number of gradients")
def m_function_too_many_grads(T):
    f = _fn(T, lambda ctx, a: a * 2, lambda ctx, g: (g, g))
    f.apply(leaf(T)).sum().backward()


@misuse("invalid gradient")
def m_function_wrong_shape_grad(T):
    f = _fn(T, lambda ctx, a: a * 2, lambda ctx, g: T.ones(2))
    f.apply(leaf(T)).sum().backward()


@misuse("Legacy autograd function")
def m_function_called_as_instance(T):
    f = _fn(T, lambda ctx, a: a * 2, lambda ctx, g: g)
    f()(leaf(T))


@misuse("save_for_backward")
def m_function_save_non_tensor(T):
    def fwd(ctx, a):
        ctx.save_for_backward(a, 3)
        return a * 2

    _fn(T, fwd, lambda ctx, g: g).apply(leaf(T))


@misuse("dirty")
def m_function_mark_dirty_not_returned(T):
    def fwd(ctx, a):
        a.add_(1)
        ctx.mark_dirty(a)
        return a * 2

    _fn(T, fwd, lambda ctx, g: g).apply(leaf(T) * 1)


@misuse("leaf Variable")
def m_function_mark_dirty_on_leaf(T):
    def fwd(ctx, a):
        a.add_(1)
        ctx.mark_dirty(a)
        return a

    _fn(T, fwd, lambda ctx, g: g).apply(leaf(T))


@misuse("second time")
def m_function_saved_tensors_after_free(T):
    ctxs = []

    def fwd(ctx, a):
        ctx.save_for_backward(a)
        ctxs.append(ctx)
        return a * 2

    def bwd(ctx, g):
        (a,) = ctx.saved_tensors
        return g * 2

    _fn(T, fwd, bwd).apply(leaf(T)).sum().backward()
    ctxs[0].saved_tensors


@misuse("second time")
def m_function_backward_twice(T):
    def fwd(ctx, a):
        ctx.save_for_backward(a)
        return a * 2

    def bwd(ctx, g):
        (a,) = ctx.saved_tensors
        return g * 2

    y = _fn(T, fwd, bwd).apply(leaf(T)).sum()
    y.backward()
    y.backward()


@misuse("different than None")
def m_function_grad_for_non_tensor_input(T):
    f = _fn(T, lambda ctx, a, k: a * k, lambda ctx, g: (g, g))
    f.apply(leaf(T), 2.0).sum().backward()


@misuse("backward")
def m_function_without_backward(T):
    _fn(T, lambda ctx, a: a * 2).apply(leaf(T)).sum().backward()


@misuse("forward")
def m_function_without_forward(T):
    type("MyFn", (T.autograd.Function,), {}).apply(leaf(T))


@misuse("boom")
def m_function_forward_raises(T):
    def fwd(ctx, a):
        raise KeyError("boom")

    _fn(T, fwd, lambda ctx, g: g).apply(leaf(T))


@misuse("does not require grad")
def m_function_once_differentiable_double_backward(T):
    @T.autograd.function.once_differentiable
    def bwd(ctx, g):
        return g * 2

    x = leaf(T)
    y = _fn(T, lambda ctx, a: a * 2, bwd).apply(x).sum()
    (g,) = T.autograd.grad(y, x, create_graph=True)
    g.sum().backward()


@misuse()
def m_function_backward_returns_non_tensor(T):
    f = _fn(T, lambda ctx, a: a * 2, lambda ctx, g: "grad")
    f.apply(leaf(T)).sum().backward()


# ---------------------------------------------------------------------------------------------------------------
# the test


@pytest.mark.parametrize("fn,words", CASES)
def test_misuse_raises_the_exception_class_torch_raises(fn, words, tmp_path):
    check_raises(fn, words, tmp_path)
