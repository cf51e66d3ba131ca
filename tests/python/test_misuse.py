"""The misuse suite: each case is one snippet of wrong code, run once with ``T = torch`` and once with
``T = fastgrad``. Both must raise, with the same exception class; fastgrad's message must not be empty, and
the words a case lists (the op, the argument, the key phrase) must appear in fastgrad's message whenever they
appear in torch's. A second table holds snippets where torch only warns: fastgrad must warn with the same
warning category. A third holds near-misuses that torch accepts, which fastgrad must accept too.

Areas: autograd, shapes, dtypes, devices, indexing, hooks, custom autograd.Function, optimizers, modules,
save/load, data.
"""
import io
import warnings

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

CASES = []  # pytest.param(fn, words)
WARNS = []  # pytest.param(fn, words)
ACCEPTED = []  # pytest.param(fn)


def misuse(*words, xfail=None):
    """Register fn(T) as a misuse case; `words` must appear in fastgrad's message where they appear in torch's."""

    def deco(fn):
        marks = [pytest.mark.xfail(strict=False, reason=xfail)] if xfail else []
        CASES.append(pytest.param(fn, words, id=fn.__name__.removeprefix("m_"), marks=marks))
        return fn

    return deco


def warns(*words, xfail=None):
    def deco(fn):
        marks = [pytest.mark.xfail(strict=False, reason=xfail)] if xfail else []
        WARNS.append(pytest.param(fn, words, id=fn.__name__.removeprefix("w_"), marks=marks))
        return fn

    return deco


def accepted(fn):
    ACCEPTED.append(pytest.param(fn, id=fn.__name__.removeprefix("a_")))
    return fn


def _leaf(T, *shape):
    return T.ones(*(shape or (3,)), requires_grad=True)


# ---------------------------------------------------------------------------------------------------------------
# autograd


@misuse("second time")
def m_backward_twice(T):
    x = _leaf(T)
    y = (x * x).sum()
    y.backward()
    y.backward()


@misuse("second time")
def m_backward_twice_saved_output(T):
    y = _leaf(T).exp().sum()
    y.backward()
    y.backward()


@misuse("second time")
def m_autograd_grad_twice(T):
    x = _leaf(T)
    y = (x * x).sum()
    T.autograd.grad(y, x)
    T.autograd.grad(y, x)


@misuse("scalar outputs")
def m_backward_non_scalar_without_gradient(T):
    (_leaf(T) * 2).backward()


@misuse("scalar outputs")
def m_autograd_grad_non_scalar_without_grad_outputs(T):
    x = _leaf(T)
    T.autograd.grad(x * 2, x)


@misuse("does not require grad")
def m_backward_on_tensor_not_requiring_grad(T):
    T.ones(3).sum().backward()


@misuse("does not require grad")
def m_backward_under_no_grad(T):
    x = _leaf(T)
    with T.no_grad():
        y = (x * 2).sum()
    y.backward()


@misuse("does not require grad")
def m_autograd_grad_of_output_not_requiring_grad(T):
    x = _leaf(T)
    T.autograd.grad(T.ones(3).sum(), x)


@misuse("does not require grad")
def m_autograd_grad_wrt_input_not_requiring_grad(T):
    x = _leaf(T)
    z = T.ones(3)
    T.autograd.grad((x * z).sum(), z)


@misuse("allow_unused")
def m_autograd_grad_unused_input(T):
    x, z = _leaf(T), _leaf(T)
    T.autograd.grad((x * 2).sum(), [x, z])


@misuse("materialize_grads")
def m_autograd_grad_materialize_without_allow_unused(T):
    x = _leaf(T)
    T.autograd.grad((x * 2).sum(), x, allow_unused=False, materialize_grads=True)


@misuse("does not require grad")
def m_grad_of_grad_without_create_graph(T):
    x = _leaf(T)
    (g,) = T.autograd.grad((x * x).sum(), x)
    T.autograd.grad(g.sum(), x)


@misuse("second time")
def m_create_graph_then_backward_twice_through_first_graph(T):
    x = _leaf(T)
    y = (x ** 3).sum()
    (g,) = T.autograd.grad(y, x, create_graph=True)
    g.sum().backward()
    g.sum().backward()


@misuse("Mismatch in shape")
def m_backward_gradient_wrong_shape(T):
    (_leaf(T) * 2).backward(T.ones(4))


@misuse("Mismatch in shape")
def m_autograd_grad_outputs_wrong_shape(T):
    x = _leaf(T)
    T.autograd.grad(x * 2, x, grad_outputs=T.ones(2))


@misuse()
def m_autograd_grad_outputs_count_mismatch(T):
    x = _leaf(T)
    T.autograd.grad([x * 2, x * 3], x, grad_outputs=[T.ones(3)])


@misuse()
def m_backward_gradient_not_a_tensor(T):
    (_leaf(T) * 2).backward("ones")


@misuse("cannot be empty")
def m_backward_empty_inputs(T):
    (_leaf(T) * 2).sum().backward(inputs=[])


@misuse()
def m_autograd_grad_input_not_a_tensor(T):
    x = _leaf(T)
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
    (_leaf(T) * 2).requires_grad_(False)


@misuse("retain_grad")
def m_retain_grad_without_requires_grad(T):
    T.ones(3).retain_grad()


@misuse("leaf Variable", "in-place")
def m_inplace_on_leaf_add_(T):
    _leaf(T).add_(1)


@misuse("leaf Variable", "in-place")
def m_inplace_on_leaf_zero_(T):
    _leaf(T).zero_()


@misuse("leaf Variable", "in-place")
def m_inplace_on_leaf_iadd(T):
    x = _leaf(T)
    x += 1


@misuse("leaf Variable", "in-place")
def m_inplace_on_leaf_setitem(T):
    x = _leaf(T)
    x[0] = 5.0


@misuse("leaf Variable")
def m_inplace_on_view_of_leaf(T):
    x = _leaf(T, 2, 3)
    x[0].mul_(2)


@misuse("leaf Variable", "in-place")
def m_inplace_on_leaf_copy_(T):
    _leaf(T).copy_(T.zeros(3))


@misuse("modified by an inplace operation")
def m_saved_input_modified(T):
    a = _leaf(T) * 2
    b = a.sin()
    a.add_(1)
    b.sum().backward()


@misuse("modified by an inplace operation")
def m_saved_output_modified(T):
    y = _leaf(T).exp()
    y.mul_(2)
    y.sum().backward()


@misuse("modified by an inplace operation")
def m_saved_tensor_modified_through_view(T):
    a = _leaf(T, 2, 3) * 1
    b = a * a
    a[0].fill_(0)
    b.sum().backward()


@misuse("modified by an inplace operation")
def m_saved_tensor_modified_through_detach(T):
    a = _leaf(T) * 1
    b = a.pow(2)
    a.detach().zero_()
    b.sum().backward()


@misuse("modified by an inplace operation")
def m_saved_input_not_requiring_grad_modified(T):
    w = _leaf(T, 3, 3)
    x = T.ones(2, 3)
    y = x @ w
    x.add_(1)
    y.sum().backward()


@misuse("detach")
def m_detach_inplace_on_view(T):
    x = _leaf(T, 2, 3) * 1
    x[0].detach_()


@misuse("Tensor", "grad")
def m_assign_grad_non_tensor(T):
    _leaf(T).grad = 3


@misuse("size")
def m_assign_grad_wrong_shape(T):
    _leaf(T).grad = T.ones(4)


@misuse("type")
def m_assign_grad_wrong_dtype(T):
    _leaf(T).grad = T.ones(3, dtype=T.float64)


@misuse("numpy")
def m_numpy_of_tensor_requiring_grad(T):
    _leaf(T).numpy()


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
    x = _leaf(T)
    T.autograd.grad((x * 2).sum(), [])


@misuse("gradient")
def m_gradcheck_no_input_requires_grad(T):
    T.autograd.gradcheck(lambda a: a * 2, (T.ones(3, dtype=T.float64),))


@misuse("nan")
def m_anomaly_nan_in_backward(T):
    with T.autograd.detect_anomaly():
        x = _leaf(T)
        (x * 0).sqrt().sum().backward()


@misuse()
def m_jacobian_non_tensor_output(T):
    T.autograd.functional.jacobian(lambda a: 3, T.ones(2))


@misuse()
def m_assign_data_non_tensor(T):
    _leaf(T).data = 3


@misuse()
def m_assign_grad_fn(T):
    (_leaf(T) * 2).grad_fn = None


@misuse()
def m_assign_is_leaf(T):
    _leaf(T).is_leaf = False


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
# shapes


@misuse("size of tensor a")
def m_broadcast_add(T):
    T.ones(2, 3) + T.ones(4, 3)


@misuse("size of tensor a")
def m_broadcast_where(T):
    T.where(T.ones(2, 3) > 0, T.ones(4, 3), T.ones(3))


@misuse("size of tensor a")
def m_broadcast_maximum(T):
    T.maximum(T.ones(2), T.ones(3))


@misuse("doesn't match the broadcast shape")
def m_inplace_needs_output_broadcast(T):
    T.ones(3).add_(T.ones(2, 3))


@misuse("mat1 and mat2")
def m_matmul_shape_mismatch(T):
    T.ones(2, 3) @ T.ones(4, 5)


@misuse("mat1 and mat2")
def m_mm_shape_mismatch(T):
    T.mm(T.ones(2, 3), T.ones(4, 5))


@misuse("matrix")
def m_mm_of_vector(T):
    T.mm(T.ones(3), T.ones(3, 2))


@misuse("batch1", "3D")
def m_bmm_of_2d(T):
    T.bmm(T.ones(2, 3), T.ones(3, 2))


@misuse("batch2")
def m_bmm_shape_mismatch(T):
    T.bmm(T.ones(2, 3, 4), T.ones(2, 5, 6))


@misuse("1D")
def m_matmul_of_0d(T):
    T.matmul(T.tensor(1.0), T.ones(3))


@misuse("inconsistent tensor size")
def m_dot_size_mismatch(T):
    T.dot(T.ones(3), T.ones(4))


@misuse("1D")
def m_dot_of_2d(T):
    T.dot(T.ones(2, 2), T.ones(2, 2))


@misuse()
def m_mv_size_mismatch(T):
    T.mv(T.ones(2, 3), T.ones(4))


@misuse("view size is not compatible")
def m_view_of_non_contiguous(T):
    T.ones(2, 3).t().view(6)


@misuse("is invalid for input of size")
def m_reshape_wrong_numel(T):
    T.ones(2, 3).reshape(4)


@misuse("is invalid for input of size")
def m_view_wrong_numel(T):
    T.ones(2, 3).view(5, -1)


@misuse("only one dimension can be inferred")
def m_view_two_inferred(T):
    T.ones(2, 3).view(-1, -1)


@misuse("Sizes of tensors must match")
def m_cat_mismatched_shapes(T):
    T.cat([T.ones(2, 3), T.ones(2, 4)])


@misuse("same number of dimensions")
def m_cat_mismatched_ranks(T):
    T.cat([T.ones(2, 3), T.ones(3)])


@misuse("non-empty")
def m_cat_empty_list(T):
    T.cat([])


@misuse("non-empty")
def m_stack_empty_list(T):
    T.stack([])


@misuse("stack expects each tensor to be equal size")
def m_stack_mismatched_shapes(T):
    T.stack([T.ones(2), T.ones(3)])


@misuse("Dimension out of range")
def m_cat_dim_out_of_range(T):
    T.cat([T.ones(2), T.ones(2)], dim=2)


@misuse("Dimension out of range")
def m_sum_dim_out_of_range(T):
    T.ones(2, 3).sum(2)


@misuse("Dimension out of range")
def m_transpose_dim_out_of_range(T):
    T.ones(2, 3).transpose(0, 5)


@misuse("Dimension out of range")
def m_softmax_dim_out_of_range(T):
    T.softmax(T.ones(2, 3), dim=-3)


@misuse("expanded size")
def m_expand_to_smaller(T):
    T.ones(2, 3).expand(2, 2)


@misuse("number of sizes provided")
def m_expand_fewer_dims(T):
    T.ones(2, 3).expand(3)


@misuse("permute")
def m_permute_wrong_count(T):
    T.ones(2, 3).permute(0)


@misuse("duplicate dims")
def m_permute_repeated_dim(T):
    T.ones(2, 3).permute(0, 0)


@misuse("chunk")
def m_chunk_zero(T):
    T.ones(4).chunk(0)


@misuse("exceeds dimension size")
def m_narrow_out_of_range(T):
    T.ones(4).narrow(0, 3, 2)


@misuse("repeat")
def m_repeat_fewer_dims(T):
    T.ones(2, 3).repeat(2)


@misuse("flatten")
def m_flatten_start_after_end(T):
    T.ones(2, 3, 4).flatten(2, 1)


@misuse()
def m_zeros_negative_size(T):
    T.zeros(2, -1)


@misuse("expected sequence of length")
def m_ragged_nested_list(T):
    T.tensor([[1.0, 2.0], [3.0]])


@misuse("Index tensor must have the same number of dimensions")
def m_gather_index_rank_mismatch(T):
    T.ones(2, 3).gather(1, T.zeros(2, dtype=T.int64))


@misuse()
def m_masked_fill_mask_shape(T):
    T.ones(2, 3).masked_fill(T.ones(4, dtype=T.bool), 0.0)


@misuse("expanded size")
def m_setitem_value_wrong_shape(T):
    x = T.ones(4)
    x[0:2] = T.ones(3)


@misuse("split_size")
def m_split_sizes_dont_sum(T):
    T.ones(5).split([2, 2])


@misuse()
def m_unflatten_wrong_sizes(T):
    T.ones(6).unflatten(0, (4, 2))


@misuse("leading, non-existing dimension")
def m_expand_minus_one_new_dim(T):
    T.ones(3).expand(-1, 3)


@misuse("Dimension out of range")
def m_unsqueeze_out_of_range(T):
    T.ones(3).unsqueeze(5)


@misuse("Dimension out of range")
def m_squeeze_out_of_range(T):
    T.ones(3).squeeze(5)


@misuse("t() expects")
def m_t_of_3d(T):
    T.ones(2, 2, 2).t()


@misuse("mT")
def m_mT_of_1d(T):
    T.ones(3).mT


@misuse("diagonal dimensions cannot be identical")
def m_diagonal_same_dims(T):
    T.ones(3, 3).diagonal(dim1=0, dim2=0)


@misuse()
def m_movedim_count_mismatch(T):
    T.ones(2, 3).movedim((0, 1), (0,))


@misuse("split_size")
def m_split_zero(T):
    T.ones(4).split(0)


@misuse("Dimension out of range")
def m_unbind_out_of_range(T):
    T.ones(3).unbind(5)


@misuse("min")
def m_clamp_without_bounds(T):
    T.ones(3).clamp()


@misuse()
def m_max_of_empty(T):
    T.ones(0).max()


@misuse()
def m_argmax_of_empty(T):
    T.ones(0).argmax()


@misuse()
def m_min_dim_of_empty(T):
    T.ones(0, 3).min(0)


@misuse("appears multiple times")
def m_sum_repeated_dims(T):
    T.ones(2, 3).sum(dim=(0, 0))


@misuse("appears multiple times")
def m_amax_repeated_dims(T):
    T.ones(2, 3).amax(dim=(0, 0))


@misuse("masked_fill")
def m_masked_fill_1d_value(T):
    T.ones(3).masked_fill(T.tensor([True, False, True]), T.ones(2))


@misuse("appears multiple times")
def m_flip_repeated_dims(T):
    T.ones(3).flip(0, 0)


@misuse("Dimension out of range")
def m_flatten_out_of_range(T):
    T.ones(2, 3).flatten(0, 5)


@misuse()
def m_tensor_split_zero(T):
    T.ones(4).tensor_split(0)


# ---------------------------------------------------------------------------------------------------------------
# dtypes


@misuse("Negation", "bool")
def m_negate_bool(T):
    -T.tensor([True, False])


@misuse("Subtraction", "bool")
def m_subtract_bools(T):
    T.tensor([True]) - T.tensor([False])


@misuse("integer")
def m_invert_float(T):
    ~T.ones(3)


@misuse("bitwise_and")
def m_and_floats(T):
    T.ones(3) & T.ones(3)


@misuse("bitwise_or")
def m_or_float_int(T):
    T.ones(3) | T.tensor([1, 2, 3])


@misuse("can't be cast")
def m_int_add_float_inplace(T):
    T.tensor([1, 2]).add_(T.tensor([0.5, 0.5]))


@misuse("can't be cast")
def m_int_idiv(T):
    x = T.tensor([1, 2])
    x /= 2


@misuse("can't be cast")
def m_int_exp_inplace(T):
    T.tensor([1, 2]).exp_()


@misuse("can't be cast")
def m_bool_add_inplace_int(T):
    T.tensor([True]).add_(T.tensor([2]))


@misuse("mean")
def m_mean_of_int(T):
    T.tensor([1, 2, 3]).mean()


@misuse("dtype")
def m_matmul_int_float(T):
    T.ones(2, 2, dtype=T.int64) @ T.ones(2, 2)


@misuse("dtype")
def m_matmul_float_double(T):
    T.ones(2, 2) @ T.ones(2, 2, dtype=T.float64)


@misuse("index_select")
def m_index_select_float_index(T):
    T.ones(3).index_select(0, T.tensor([0.0]))


@misuse("gather")
def m_gather_float_index(T):
    T.ones(3).gather(0, T.tensor([0.0]))


@misuse("masked_fill")
def m_masked_fill_float_mask(T):
    T.ones(3).masked_fill(T.ones(3), 0.0)


@misuse("condition")
def m_where_float_condition(T):
    T.where(T.ones(3), T.ones(3), T.zeros(3))


@misuse("fill_")
def m_fill_with_1d_tensor(T):
    T.ones(3).fill_(T.ones(2))


@misuse("ZeroDivisionError")
def m_int_floor_divide_by_zero(T):
    T.tensor([1, 2]) // 0


@misuse("ZeroDivisionError")
def m_int_remainder_by_zero(T):
    T.tensor([1, 2]) % T.tensor([0, 1])


@misuse("bitwise_xor")
def m_xor_floats(T):
    T.ones(3) ^ T.ones(3)


@misuse("Long")
def m_nll_loss_float_target(T):
    T.nn.functional.nll_loss(T.ones(2, 3), T.ones(2))


@misuse("indices")
def m_embedding_float_index(T):
    T.nn.functional.embedding(T.tensor([0.0]), T.ones(3, 2))


@misuse()
def m_softmax_of_int(T):
    T.softmax(T.tensor([1, 2]), 0)


@misuse(xfail="arange's dtype handling (integer/bool dtypes with its scalar arguments) is NAME=scalars's")
def m_arange_bool(T):
    T.arange(0, 3, dtype=T.bool)


@misuse()
def m_lerp_int(T):
    T.lerp(T.tensor([1, 2]), T.tensor([3, 4]), 0.5)


@misuse("std and var")
def m_var_of_int(T):
    T.tensor([1, 2]).var()


@misuse()
def m_norm_of_int(T):
    T.tensor([1, 2]).norm()


@misuse("negative integer powers")
def m_int_negative_power(T):
    T.tensor([1, 2]).pow(-1)


@misuse("scatter")
def m_scatter_float_index(T):
    T.ones(3).scatter_(0, T.tensor([0.0]), 1.0)


@misuse("same scalar type")
def m_index_add_dtype_mismatch(T):
    T.ones(3).index_add_(0, T.tensor([0]), T.ones(1, dtype=T.float64))


@misuse("multinomial")
def m_multinomial_int(T):
    T.multinomial(T.tensor([1, 2]), 1)


@misuse()
def m_multinomial_negative(T):
    T.multinomial(T.tensor([-1.0, 2.0]), 1)


@misuse("n_sample")
def m_multinomial_too_many(T):
    T.multinomial(T.tensor([1.0, 2.0]), 3)


@misuse()
def m_bernoulli_p_above_one(T):
    T.bernoulli(T.tensor([1.5]))


@misuse("from")
def m_randint_empty_range(T):
    T.randint(5, 2, (3,))


@misuse("std")
def m_normal_negative_std(T):
    T.normal(0.0, -1.0, (3,))


@misuse("uniform_")
def m_uniform_reversed(T):
    T.empty(3).uniform_(2, 1)


@misuse()
def m_randperm_negative(T):
    T.randperm(-1)


@misuse("step")
def m_arange_zero_step(T):
    T.arange(0, 10, 0)


@misuse("bound")
def m_arange_wrong_sign(T):
    T.arange(10, 0, 1)


@misuse()
def m_eye_negative(T):
    T.eye(-1)


@misuse("diag")
def m_diag_3d(T):
    T.diag(T.ones(2, 2, 2))


@misuse("trace")
def m_trace_1d(T):
    T.trace(T.ones(3))


@misuse("tril")
def m_tril_1d(T):
    T.tril(T.ones(3))


@misuse("outer")
def m_outer_2d(T):
    T.outer(T.ones(2, 2), T.ones(2))


@misuse("einsum")
def m_einsum_shape_mismatch(T):
    T.einsum("ij,jk->ik", T.ones(2, 3), T.ones(4, 5))


@misuse("einsum")
def m_einsum_unknown_output(T):
    T.einsum("ij->ik", T.ones(2, 3))


@misuse("einsum")
def m_einsum_too_many_operands(T):
    T.einsum("ij", T.ones(2, 3), T.ones(2, 3))


@misuse("3 elements")
def m_item_many(T):
    T.ones(3).item()


@misuse("ambiguous")
def m_bool_many(T):
    bool(T.ones(3))


@misuse()
def m_float_many(T):
    float(T.ones(3))


@misuse()
def m_index_with_float_tensor_in_list(T):
    [1, 2, 3][T.tensor(1.5)]


@misuse("0-d")
def m_len_0d(T):
    len(T.tensor(1.0))


@misuse("0-d")
def m_iter_0d(T):
    iter(T.tensor(1.0))


@misuse()
def m_tensor_of_object(T):
    T.tensor(object())


@misuse()
def m_from_numpy_list(T):
    T.from_numpy([1, 2])


@misuse()
def m_from_numpy_strings(T):
    T.from_numpy(np.array(["a"]))


# ---------------------------------------------------------------------------------------------------------------
# devices


@misuse("CUDA")
def m_factory_on_cuda(T):
    T.ones(3, device="cuda")


@misuse("CUDA")
def m_tensor_cuda_method(T):
    T.ones(3).cuda()


@misuse("CUDA")
def m_tensor_to_cuda(T):
    T.ones(3).to("cuda")


@misuse("CUDA")
def m_tensor_ctor_on_cuda_index(T):
    T.tensor([1.0], device="cuda:0")


@misuse("device")
def m_invalid_device_string(T):
    T.device("gpu")


@misuse("device")
def m_device_string_bad_index(T):
    T.device("cpu:x")


@misuse()
def m_factory_invalid_device_string(T):
    T.zeros(2, device="tpu")


@misuse()
def m_to_invalid_device_string(T):
    T.ones(2).to("cpux")


@misuse("CUDA")
def m_module_to_cuda(T):
    T.nn.Linear(2, 2).to("cuda")


@misuse("CUDA")
def m_module_cuda(T):
    T.nn.Linear(2, 2).cuda()


@misuse("Invalid device string")
def m_device_negative_index(T):
    T.device("cuda:-1")


@misuse()
def m_to_mps(T):
    T.ones(3).to("mps")


@misuse()
def m_device_from_float(T):
    T.device(3.5)


# ---------------------------------------------------------------------------------------------------------------
# indexing


@misuse("out of bounds")
def m_index_int_out_of_range(T):
    T.ones(3)[5]


@misuse("out of bounds")
def m_index_negative_out_of_range(T):
    T.ones(3)[-4]


@misuse("out of bounds")
def m_index_second_dim_out_of_range(T):
    T.ones(2, 3)[0, 3]


@misuse("too many indices")
def m_index_too_many(T):
    T.ones(2, 3)[0, 0, 0]


@misuse("mask")
def m_bool_mask_wrong_shape(T):
    T.ones(3)[T.tensor([True, False])]


@misuse()
def m_index_with_float(T):
    T.ones(3)[1.5]


@misuse()
def m_index_with_float_tensor(T):
    T.ones(3)[T.tensor([0.0])]


@misuse("out of bounds")
def m_index_with_long_tensor_out_of_range(T):
    T.ones(3)[T.tensor([0, 5])]


@misuse("out of bounds")
def m_index_with_list_out_of_range(T):
    T.ones(3)[[0, 5]]


@misuse("out of bounds")
def m_setitem_out_of_range(T):
    x = T.ones(3)
    x[5] = 1.0


@misuse("step")
def m_index_negative_step(T):
    T.ones(3)[::-1]


@misuse("step")
def m_index_zero_step(T):
    T.ones(3)[::0]


@misuse("0-dim")
def m_index_0d(T):
    T.tensor(1.0)[0]


@misuse("shape mismatch")
def m_setitem_advanced_value_wrong_shape(T):
    x = T.ones(4)
    x[T.tensor([0, 1])] = T.ones(3)


@misuse("index out of range", xfail="IndexError class for out-of-range indices is owned by NAME=args")
def m_index_select_out_of_range(T):
    T.ones(3).index_select(0, T.tensor([3]))


@misuse("out of bounds")
def m_gather_out_of_range(T):
    T.ones(3).gather(0, T.tensor([3]))


@misuse("out of range")
def m_select_out_of_range(T):
    T.ones(2, 3).select(1, 3)


@misuse("too many indices")
def m_index_bool_mask_too_many_dims(T):
    T.ones(3)[T.ones(3, 1, dtype=T.bool)]


@misuse("mask")
def m_bool_list_wrong_length(T):
    T.ones(3)[[True, False]]


@misuse("shape mismatch")
def m_index_tensors_dont_broadcast(T):
    T.ones(3, 3)[T.tensor([0, 1]), T.tensor([0, 1, 2])]


@misuse()
def m_index_put_out_of_range(T):
    T.ones(3).index_put_((T.tensor([5]),), T.tensor(1.0))


@misuse("out of bounds")
def m_scatter_out_of_range(T):
    T.ones(3).scatter_(0, T.tensor([5]), 1.0)


@misuse(xfail="IndexError class for out-of-range indices is owned by NAME=args")
def m_index_add_out_of_range(T):
    T.ones(3).index_add_(0, T.tensor([5]), T.ones(1))


@misuse()
def m_masked_select_mask_shape(T):
    T.ones(3).masked_select(T.tensor([True, False]))


@misuse()
def m_take_out_of_range(T):
    T.ones(3).take(T.tensor([10]))


@misuse("out of bounds")
def m_index_second_dim_tensor_out_of_range(T):
    T.ones(2, 3)[:, T.tensor([3])]


@misuse("memory location")
def m_setitem_on_expanded(T):
    x = T.ones(1).expand(3)
    x[...] = T.tensor([1.0, 2.0, 3.0])


@misuse("memory location")
def m_inplace_add_on_expanded(T):
    T.ones(1).expand(3).add_(1)


# ---------------------------------------------------------------------------------------------------------------
# hooks


def _hook_graph(T, hook):
    x = _leaf(T)
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
    x = _leaf(T)
    x.register_hook(lambda g: T.ones(2))
    (x * 2).sum().backward()


@misuse("non-leaf")
def m_post_accumulate_hook_on_non_leaf(T):
    (_leaf(T) * 2).register_post_accumulate_grad_hook(lambda p: None)


@misuse("hook")
def m_post_accumulate_hook_without_requires_grad(T):
    T.ones(3).register_post_accumulate_grad_hook(lambda p: None)


@misuse()
def m_hook_not_callable(T):
    x = _leaf(T)
    y = x * 2
    y.register_hook(3)
    y.sum().backward()


@misuse()
def m_node_prehook_wrong_count(T):
    x = _leaf(T)
    y = x * 2
    y.grad_fn.register_prehook(lambda go: (go[0], go[0]))
    y.sum().backward()


@misuse()
def m_node_hook_wrong_shape(T):
    x = _leaf(T)
    y = x * 2
    y.grad_fn.register_hook(lambda gi, go: (T.ones(2),))
    y.sum().backward()


@misuse("should return None")
def m_post_accumulate_hook_returns_other_tensor(T):
    x = _leaf(T)
    x.register_post_accumulate_grad_hook(lambda p: p * 0)
    (x * 2).sum().backward()


@misuse("hook returned")
def m_post_accumulate_hook_returns_int(T):
    x = _leaf(T)
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
    x = _leaf(T)
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
    f.apply(_leaf(T), _leaf(T)).sum().backward()


@misuse("incorrect number of gradients")
def m_function_too_many_grads(T):
    f = _fn(T, lambda ctx, a: a * 2, lambda ctx, g: (g, g))
    f.apply(_leaf(T)).sum().backward()


@misuse("invalid gradient")
def m_function_wrong_shape_grad(T):
    f = _fn(T, lambda ctx, a: a * 2, lambda ctx, g: T.ones(2))
    f.apply(_leaf(T)).sum().backward()


@misuse("Legacy autograd function")
def m_function_called_as_instance(T):
    f = _fn(T, lambda ctx, a: a * 2, lambda ctx, g: g)
    f()(_leaf(T))


@misuse("save_for_backward")
def m_function_save_non_tensor(T):
    def fwd(ctx, a):
        ctx.save_for_backward(a, 3)
        return a * 2

    _fn(T, fwd, lambda ctx, g: g).apply(_leaf(T))


@misuse("dirty")
def m_function_mark_dirty_not_returned(T):
    def fwd(ctx, a):
        a.add_(1)
        ctx.mark_dirty(a)
        return a * 2

    _fn(T, fwd, lambda ctx, g: g).apply(_leaf(T) * 1)


@misuse("leaf Variable")
def m_function_mark_dirty_on_leaf(T):
    def fwd(ctx, a):
        a.add_(1)
        ctx.mark_dirty(a)
        return a

    _fn(T, fwd, lambda ctx, g: g).apply(_leaf(T))


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

    _fn(T, fwd, bwd).apply(_leaf(T)).sum().backward()
    ctxs[0].saved_tensors


@misuse("second time")
def m_function_backward_twice(T):
    def fwd(ctx, a):
        ctx.save_for_backward(a)
        return a * 2

    def bwd(ctx, g):
        (a,) = ctx.saved_tensors
        return g * 2

    y = _fn(T, fwd, bwd).apply(_leaf(T)).sum()
    y.backward()
    y.backward()


@misuse("different than None")
def m_function_grad_for_non_tensor_input(T):
    f = _fn(T, lambda ctx, a, k: a * k, lambda ctx, g: (g, g))
    f.apply(_leaf(T), 2.0).sum().backward()


@misuse("backward")
def m_function_without_backward(T):
    _fn(T, lambda ctx, a: a * 2).apply(_leaf(T)).sum().backward()


@misuse("forward")
def m_function_without_forward(T):
    type("MyFn", (T.autograd.Function,), {}).apply(_leaf(T))


@misuse("boom")
def m_function_forward_raises(T):
    def fwd(ctx, a):
        raise KeyError("boom")

    _fn(T, fwd, lambda ctx, g: g).apply(_leaf(T))


@misuse("does not require grad")
def m_function_once_differentiable_double_backward(T):
    @T.autograd.function.once_differentiable
    def bwd(ctx, g):
        return g * 2

    x = _leaf(T)
    y = _fn(T, lambda ctx, a: a * 2, bwd).apply(x).sum()
    (g,) = T.autograd.grad(y, x, create_graph=True)
    g.sum().backward()


@misuse()
def m_function_backward_returns_non_tensor(T):
    f = _fn(T, lambda ctx, a: a * 2, lambda ctx, g: "grad")
    f.apply(_leaf(T)).sum().backward()


# ---------------------------------------------------------------------------------------------------------------
# optimizers


@misuse("empty parameter list")
def m_optim_empty_params(T):
    T.optim.SGD([], lr=0.1)


@misuse("iterable")
def m_optim_single_tensor(T):
    T.optim.SGD(_leaf(T), lr=0.1)


@misuse("non-leaf")
def m_optim_non_leaf(T):
    T.optim.SGD([_leaf(T) * 2], lr=0.1)


@misuse("Tensors")
def m_optim_param_not_tensor(T):
    T.optim.SGD([1.0], lr=0.1)


@misuse("learning rate")
def m_sgd_negative_lr(T):
    T.optim.SGD([_leaf(T)], lr=-1)


@misuse("momentum")
def m_sgd_negative_momentum(T):
    T.optim.SGD([_leaf(T)], lr=0.1, momentum=-0.5)


@misuse("Nesterov")
def m_sgd_nesterov_without_momentum(T):
    T.optim.SGD([_leaf(T)], lr=0.1, nesterov=True)


@misuse("weight_decay")
def m_sgd_negative_weight_decay(T):
    T.optim.SGD([_leaf(T)], lr=0.1, weight_decay=-1)


@misuse("beta parameter at index 0")
def m_adam_beta0(T):
    T.optim.Adam([_leaf(T)], betas=(1.0, 0.9))


@misuse("beta parameter at index 1")
def m_adam_beta1(T):
    T.optim.Adam([_leaf(T)], betas=(0.9, -0.1))


@misuse("epsilon")
def m_adam_negative_eps(T):
    T.optim.Adam([_leaf(T)], eps=-1e-8)


@misuse("learning rate")
def m_adamw_negative_lr(T):
    T.optim.AdamW([_leaf(T)], lr=-0.1)


@misuse("alpha")
def m_rmsprop_negative_alpha(T):
    T.optim.RMSprop([_leaf(T)], alpha=-1)


@misuse("lr_decay")
def m_adagrad_negative_lr_decay(T):
    T.optim.Adagrad([_leaf(T)], lr_decay=-1)


@misuse("rho")
def m_adadelta_rho_above_one(T):
    T.optim.Adadelta([_leaf(T)], rho=2.0)


@misuse("more than one parameter group")
def m_optim_duplicate_params_across_groups(T):
    p = _leaf(T)
    T.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


@misuse("more than one parameter group")
def m_optim_add_param_group_duplicate(T):
    p = _leaf(T)
    opt = T.optim.SGD([p], lr=0.1)
    opt.add_param_group({"params": p})


@misuse("different number of parameter groups")
def m_optim_load_state_dict_group_count(T):
    p, q = _leaf(T), _leaf(T)
    sd = T.optim.SGD([{"params": [p]}, {"params": [q]}], lr=0.1).state_dict()
    T.optim.SGD([p, q], lr=0.1).load_state_dict(sd)


@misuse("doesn't match the size")
def m_optim_load_state_dict_group_size(T):
    p, q = _leaf(T), _leaf(T)
    sd = T.optim.SGD([p], lr=0.1).state_dict()
    T.optim.SGD([p, q], lr=0.1).load_state_dict(sd)


@misuse("Optimizer")
def m_lr_scheduler_without_optimizer(T):
    T.optim.lr_scheduler.StepLR(3, step_size=1)


@misuse("weight_decay")
def m_adam_negative_weight_decay(T):
    T.optim.Adam([_leaf(T)], weight_decay=-1)


@misuse("Nesterov")
def m_sgd_nesterov_with_dampening(T):
    T.optim.SGD([_leaf(T)], lr=0.1, momentum=0.9, dampening=0.5, nesterov=True)


@misuse()
def m_optim_group_without_params(T):
    T.optim.SGD([{"lr": 0.1}], lr=0.1)


@misuse()
def m_optim_add_param_group_not_dict(T):
    T.optim.SGD([_leaf(T)], lr=0.1).add_param_group([_leaf(T)])


@misuse()
def m_optim_lr_string(T):
    T.optim.SGD([_leaf(T)], lr="a")


@misuse("eta")
def m_rprop_bad_etas(T):
    T.optim.Rprop([_leaf(T)], etas=(1.2, 0.5))


@misuse("beta")
def m_adamax_bad_beta(T):
    T.optim.Adamax([_leaf(T)], betas=(0.9, 1.5))


@misuse("momentum_decay")
def m_nadam_negative_momentum_decay(T):
    T.optim.NAdam([_leaf(T)], momentum_decay=-1)


@misuse("lr_lambdas")
def m_lambda_lr_wrong_count(T):
    opt = T.optim.SGD([_leaf(T)], lr=0.1)
    T.optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0, lambda e: 1.0])


@misuse("unknown")
def m_plateau_bad_mode(T):
    opt = T.optim.SGD([_leaf(T)], lr=0.1)
    T.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="foo")


@misuse("Factor")
def m_plateau_bad_factor(T):
    opt = T.optim.SGD([_leaf(T)], lr=0.1)
    T.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)


@misuse("T_0")
def m_cosine_warm_restarts_zero(T):
    opt = T.optim.SGD([_leaf(T)], lr=0.1)
    T.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)


@misuse("initial_lr")
def m_scheduler_resume_without_initial_lr(T):
    opt = T.optim.SGD([_leaf(T)], lr=0.1)
    T.optim.lr_scheduler.StepLR(opt, 1, last_epoch=3)


@misuse("total_steps")
def m_onecycle_without_steps(T):
    opt = T.optim.SGD([_leaf(T)], lr=0.1)
    T.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1)


@misuse()
def m_optim_load_state_dict_empty(T):
    T.optim.SGD([_leaf(T)], lr=0.1).load_state_dict({})


@misuse("1-element")
def m_adam_tensor_lr_many_elements(T):
    T.optim.Adam([_leaf(T)], lr=T.tensor([0.1, 0.2]))


@misuse()
def m_multistep_milestones_int(T):
    opt = T.optim.SGD([_leaf(T)], lr=0.1)
    T.optim.lr_scheduler.MultiStepLR(opt, milestones=3)


@misuse("Starting multiplicative factor")
def m_linear_lr_zero_start(T):
    opt = T.optim.SGD([_leaf(T)], lr=0.1)
    T.optim.lr_scheduler.LinearLR(opt, start_factor=0)


@misuse("Ending multiplicative factor")
def m_linear_lr_end_above_one(T):
    opt = T.optim.SGD([_leaf(T)], lr=0.1)
    T.optim.lr_scheduler.LinearLR(opt, end_factor=2)


@misuse("milestone")
def m_sequential_lr_count_mismatch(T):
    opt = T.optim.SGD([_leaf(T)], lr=0.1)
    s = T.optim.lr_scheduler.StepLR(opt, 1)
    T.optim.lr_scheduler.SequentialLR(opt, [s], milestones=[1])


@misuse("threshold mode")
def m_plateau_bad_threshold_mode(T):
    opt = T.optim.SGD([_leaf(T)], lr=0.1)
    T.optim.lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="foo")


@misuse("min_lrs")
def m_plateau_min_lr_count(T):
    opt = T.optim.SGD([_leaf(T)], lr=0.1)
    T.optim.lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1, 0.2])


@misuse("initial_accumulator_value")
def m_adagrad_negative_initial_accumulator(T):
    T.optim.Adagrad([_leaf(T)], initial_accumulator_value=-1)


@misuse("momentum")
def m_rmsprop_negative_momentum(T):
    T.optim.RMSprop([_leaf(T)], momentum=-1)


@misuse("fused")
def m_adam_fused_and_foreach(T):
    T.optim.Adam([_leaf(T)], foreach=True, fused=True)


@misuse()
def m_optim_step_closure_not_callable(T):
    p = _leaf(T)
    p.grad = T.ones(3)
    T.optim.SGD([p], lr=0.1).step(closure=3)


# ---------------------------------------------------------------------------------------------------------------
# modules

@misuse("mat1 and mat2")
def m_linear_wrong_in_features(T):
    T.nn.Linear(3, 4)(T.ones(2, 5))


@misuse("Missing key")
def m_load_state_dict_missing_key(T):
    m = T.nn.Linear(2, 2)
    m.load_state_dict({"weight": T.ones(2, 2)})


@misuse("Unexpected key")
def m_load_state_dict_unexpected_key(T):
    m = T.nn.Linear(2, 2)
    sd = dict(m.state_dict())
    sd["extra"] = T.ones(1)
    m.load_state_dict(sd)


@misuse("size mismatch")
def m_load_state_dict_size_mismatch(T):
    m = T.nn.Linear(2, 2)
    m.load_state_dict({"weight": T.ones(3, 2), "bias": T.ones(2)})


@misuse("dict")
def m_load_state_dict_not_a_mapping(T):
    T.nn.Linear(2, 2).load_state_dict(3)


@misuse("parameter name")
def m_register_parameter_dotted_name(T):
    T.nn.Module().register_parameter("a.b", T.nn.Parameter(T.ones(1)))


@misuse("parameter name")
def m_register_parameter_empty_name(T):
    T.nn.Module().register_parameter("", T.nn.Parameter(T.ones(1)))


@misuse("parameter name")
def m_register_parameter_non_str_name(T):
    T.nn.Module().register_parameter(1, T.nn.Parameter(T.ones(1)))


@misuse("Parameter")
def m_register_parameter_plain_tensor(T):
    T.nn.Module().register_parameter("w", T.ones(1))


@misuse("already exists")
def m_register_parameter_existing_attribute(T):
    m = T.nn.Module()
    m.foo = 1
    m.register_parameter("foo", T.nn.Parameter(T.ones(1)))


@misuse("buffer name")
def m_register_buffer_dotted_name(T):
    T.nn.Module().register_buffer("a.b", T.ones(1))


@misuse("buffer")
def m_register_buffer_non_tensor(T):
    T.nn.Module().register_buffer("b", 3)


@misuse("__init__")
def m_register_parameter_before_init(T):
    class M(T.nn.Module):
        def __init__(self):
            self.register_parameter("w", T.nn.Parameter(T.ones(1)))

    M()


@misuse("__init__")
def m_assign_module_before_init(T):
    class M(T.nn.Module):
        def __init__(self):
            self.l = T.nn.Linear(1, 1)

    M()


@misuse("__init__")
def m_assign_parameter_before_init(T):
    class M(T.nn.Module):
        def __init__(self):
            self.w = T.nn.Parameter(T.ones(1))

    M()


@misuse("parameter 'weight'")
def m_assign_tensor_to_parameter_attr(T):
    T.nn.Linear(2, 2).weight = T.ones(2, 2)


@misuse("module name")
def m_add_module_dotted_name(T):
    T.nn.Module().add_module("a.b", T.nn.Linear(1, 1))


@misuse("Module subclass")
def m_add_module_non_module(T):
    T.nn.Module().add_module("a", T.ones(1))


@misuse("Module subclass")
def m_module_list_append_non_module(T):
    T.nn.ModuleList().append(3)


@misuse("nonexistent")
def m_module_missing_attribute(T):
    T.nn.Linear(2, 2).nonexistent


@misuse("channels")
def m_conv2d_wrong_channels(T):
    T.nn.Conv2d(3, 4, 3)(T.ones(1, 2, 5, 5))


@misuse("divisible by groups")
def m_conv2d_channels_not_divisible_by_groups(T):
    T.nn.Conv2d(3, 4, 3, groups=2)


@misuse("strided")
def m_conv2d_same_padding_strided(T):
    T.nn.Conv2d(3, 4, 3, stride=2, padding="same")


@misuse("padding")
def m_conv2d_invalid_padding_string(T):
    T.nn.Conv2d(3, 4, 3, padding="foo")


@misuse("padding_mode")
def m_conv2d_invalid_padding_mode(T):
    T.nn.Conv2d(3, 4, 3, padding_mode="mirror")


@misuse("index out of range")
def m_embedding_index_out_of_range(T):
    T.nn.Embedding(4, 2)(T.tensor([4]))


@misuse("running_mean")
def m_batchnorm_wrong_features(T):
    T.nn.BatchNorm1d(3)(T.ones(2, 4))


@misuse("more than 1 value per channel")
def m_batchnorm_batch_of_one_training(T):
    T.nn.BatchNorm1d(3)(T.ones(1, 3))


@misuse("index")
def m_sequential_index_out_of_range(T):
    T.nn.Sequential(T.nn.ReLU())[5]


@misuse("dropout probability")
def m_dropout_p_above_one(T):
    T.nn.Dropout(1.5)


@misuse("dropout probability")
def m_functional_dropout_negative_p(T):
    T.nn.functional.dropout(T.ones(3), p=-0.1)


@misuse("reduction")
def m_mse_loss_bad_reduction(T):
    T.nn.MSELoss(reduction="foo")(T.ones(2), T.ones(2))


@misuse("out of bounds")
def m_cross_entropy_target_out_of_range(T):
    T.nn.functional.cross_entropy(T.ones(2, 3), T.tensor([0, 5]))


@misuse("batch_size")
def m_cross_entropy_batch_mismatch(T):
    T.nn.functional.cross_entropy(T.ones(2, 3), T.tensor([0, 1, 2]))


@misuse()
def m_parameter_from_int(T):
    T.nn.Parameter(3)


@misuse("foo")
def m_get_submodule_missing(T):
    T.nn.Linear(2, 2).get_submodule("foo")


@misuse("negative dimension")
def m_linear_negative_features(T):
    T.nn.Linear(3, -1)


@misuse("boolean")
def m_module_train_not_bool(T):
    T.nn.Linear(2, 2).train("yes")


@misuse("too small")
def m_maxpool_kernel_bigger_than_input(T):
    T.nn.MaxPool2d(5)(T.ones(1, 1, 3, 3))


@misuse("divisible by 2")
def m_pad_odd_length(T):
    T.nn.functional.pad(T.ones(2, 3), (1,))


@misuse("Padding size should be less than")
def m_pad_reflect_too_large(T):
    T.nn.functional.pad(T.ones(1, 2, 3), (3, 3), mode="reflect")


@misuse("input_size")
def m_lstm_wrong_input_size(T):
    T.nn.LSTM(3, 4)(T.ones(5, 2, 4))


@misuse("non-negative")
def m_one_hot_negative(T):
    T.nn.functional.one_hot(T.tensor([-1, 0]), 3)


@misuse("num_classes")
def m_one_hot_too_few_classes(T):
    T.nn.functional.one_hot(T.tensor([0, 3]), 3)


@misuse("non-finite")
def m_clip_grad_norm_non_finite(T):
    p = _leaf(T)
    p.grad = T.tensor([1.0, float("inf"), 0.0])
    T.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


@misuse("expected torch.Tensor")
def m_load_state_dict_non_tensor_value(T):
    T.nn.Linear(2, 2).load_state_dict({"weight": 3, "bias": T.ones(2)})


@misuse("already exists")
def m_register_buffer_over_parameter(T):
    T.nn.Linear(2, 2).register_buffer("weight", T.ones(1))


@misuse("Module subclass")
def m_sequential_of_non_module(T):
    T.nn.Sequential(3)


@misuse()
def m_module_dict_non_module(T):
    T.nn.ModuleDict({"a": 3})


@misuse("conv2d")
def m_conv2d_2d_input(T):
    T.nn.Conv2d(3, 4, 3)(T.ones(3, 5))


@misuse("Kernel size")
def m_conv1d_kernel_bigger_than_input(T):
    T.nn.Conv1d(3, 4, 5)(T.ones(1, 3, 2))


@misuse("groups")
def m_conv2d_zero_groups(T):
    T.nn.Conv2d(4, 4, 3, groups=0)


@misuse("dtype")
def m_linear_double_input(T):
    T.nn.Linear(3, 4)(T.ones(2, 3, dtype=T.float64))


@misuse("Padding_idx")
def m_embedding_padding_idx_out_of_range(T):
    T.nn.Embedding(4, 2, padding_idx=5)


@misuse("index out of range")
def m_embedding_negative_index(T):
    T.nn.Embedding(4, 2)(T.tensor([-1]))


@misuse("pad should be")
def m_maxpool_padding_too_large(T):
    T.nn.MaxPool2d(3, padding=2)(T.ones(1, 1, 5, 5))


@misuse("normalized_shape")
def m_layernorm_wrong_shape(T):
    T.nn.LayerNorm(4)(T.ones(2, 3))


@misuse("divisible by num_groups")
def m_groupnorm_not_divisible(T):
    T.nn.GroupNorm(3, 4)


@misuse("label_smoothing")
def m_cross_entropy_label_smoothing_above_one(T):
    T.nn.functional.cross_entropy(T.ones(2, 3), T.tensor([0, 1]), label_smoothing=1.5)


@misuse("between 0 and 1")
def m_bce_input_out_of_range(T):
    T.nn.functional.binary_cross_entropy(T.ones(2) * 2, T.ones(2))


@misuse("target size")
def m_bce_target_size_mismatch(T):
    T.nn.functional.binary_cross_entropy(T.ones(2) * 0.5, T.ones(3))


@misuse("batch_size")
def m_nll_loss_batch_mismatch(T):
    T.nn.functional.nll_loss(T.ones(2, 3), T.tensor([0, 1, 2]))


@misuse("leaf Variable")
def m_relu_inplace_on_leaf(T):
    T.nn.ReLU(inplace=True)(_leaf(T))


@misuse("parameter numbers")
def m_prelu_wrong_channels(T):
    T.nn.PReLU(3)(T.ones(2, 4))


@misuse("nonlinearity")
def m_rnn_bad_nonlinearity(T):
    T.nn.RNN(3, 4, nonlinearity="foo")


@misuse("dropout")
def m_lstm_bad_dropout(T):
    T.nn.LSTM(3, 4, dropout=2)


@misuse("hidden")
def m_lstm_wrong_hidden_shape(T):
    T.nn.LSTM(3, 4)(T.ones(5, 2, 3), (T.zeros(1, 3, 4), T.zeros(1, 3, 4)))


@misuse("fewer than 2 dimensions")
def m_xavier_on_1d(T):
    T.nn.init.xavier_uniform_(T.ones(3))


@misuse("nonlinearity")
def m_kaiming_bad_nonlinearity(T):
    T.nn.init.kaiming_normal_(T.ones(3, 3), nonlinearity="foo")


@misuse("2 or more dimensions")
def m_orthogonal_on_1d(T):
    T.nn.init.orthogonal_(T.ones(3))


@misuse("2 dimensions")
def m_eye_init_on_3d(T):
    T.nn.init.eye_(T.ones(2, 2, 2))


@misuse("forward")
def m_module_without_forward(T):
    T.nn.Module()(T.ones(1))


@misuse("out of range")
def m_module_list_index_out_of_range(T):
    T.nn.ModuleList()[0]


@misuse("parameter 'weight'")
def m_assign_int_to_parameter_attr(T):
    T.nn.Linear(2, 2).weight = 3


@misuse("buffer 'running_mean'")
def m_assign_int_to_buffer_attr(T):
    T.nn.BatchNorm1d(2).running_mean = 3


@misuse("child module")
def m_assign_int_to_submodule_attr(T):
    m = T.nn.Module()
    m.sub = T.nn.Linear(1, 1)
    m.sub = 3


@misuse("nothing")
def m_delattr_missing(T):
    delattr(T.nn.Linear(2, 2), "nothing")


@misuse("running_mean")
def m_batchnorm2d_wrong_channels(T):
    T.nn.BatchNorm2d(3)(T.ones(2, 4, 2, 2))


@misuse("4D")
def m_batchnorm2d_wrong_rank(T):
    T.nn.BatchNorm2d(3)(T.ones(2, 3))


@misuse("dtype")
def m_module_to_int_dtype(T):
    T.nn.Linear(2, 2).to(T.int64)


@misuse("approximate")
def m_gelu_bad_approximate(T):
    T.nn.functional.gelu(T.ones(3), approximate="foo")


@misuse("stride")
def m_max_pool_zero_stride(T):
    T.nn.functional.max_pool2d(T.ones(1, 1, 4, 4), 2, stride=0)


@misuse("stride should not be zero")
def m_max_pool2d_zero_kernel(T):
    T.nn.functional.max_pool2d(T.ones(1, 1, 4, 4), 0)


@misuse("kernel size should be greater than zero")
def m_avg_pool1d_zero_kernel_with_stride(T):
    T.nn.functional.avg_pool1d(T.ones(1, 1, 4), 0, stride=1)


@misuse("stride should be greater than zero")
def m_avg_pool2d_negative_stride(T):
    T.nn.functional.avg_pool2d(T.ones(1, 1, 4, 4), 2, stride=-1)


@misuse("pad must be non-negative")
def m_max_pool2d_negative_padding(T):
    T.nn.functional.max_pool2d(T.ones(1, 1, 4, 4), 2, padding=-1)


@misuse("dilation should be greater than zero")
def m_max_pool2d_zero_dilation(T):
    T.nn.MaxPool2d(2, dilation=0)(T.ones(1, 1, 4, 4))


@misuse("max_pool1d() stride must be greater than zero")
def m_max_pool1d_zero_stride(T):
    T.nn.functional.max_pool1d(T.ones(1, 1, 4), 2, stride=0)


@misuse("max_pool1d() padding must be non-negative")
def m_max_pool1d_negative_padding(T):
    T.nn.functional.max_pool1d(T.ones(1, 1, 4), 2, padding=-1)


@misuse("non-positive groups")
def m_conv2d_functional_zero_groups(T):
    T.nn.functional.conv2d(T.ones(1, 1, 4, 4), T.ones(1, 1, 2, 2), groups=0)


@misuse("negative padding")
def m_conv1d_module_negative_padding(T):
    T.nn.Conv1d(1, 1, 2, padding=-1)(T.ones(1, 1, 4))


@misuse("pad should be")
def m_avg_pool_padding_too_large(T):
    T.nn.functional.avg_pool2d(T.ones(1, 1, 4, 4), 2, padding=2)


@misuse("stride")
def m_conv2d_zero_stride(T):
    T.nn.functional.conv2d(T.ones(1, 1, 4, 4), T.ones(1, 1, 2, 2), stride=0)


@misuse("dilation")
def m_conv2d_zero_dilation(T):
    T.nn.functional.conv2d(T.ones(1, 1, 4, 4), T.ones(1, 1, 2, 2), dilation=0)


@misuse("negative padding")
def m_conv2d_negative_padding(T):
    T.nn.functional.conv2d(T.ones(1, 1, 4, 4), T.ones(1, 1, 2, 2), padding=-1)


@misuse("groups=3")
def m_conv2d_groups_not_dividing_weight(T):
    T.nn.functional.conv2d(T.ones(1, 6, 5, 5), T.ones(4, 2, 3, 3), groups=3)


@misuse("weight tensor should be defined")
def m_cross_entropy_weight_wrong_size(T):
    T.nn.functional.cross_entropy(T.ones(2, 3), T.tensor([0, 1]), weight=T.ones(4))


@misuse("beta")
def m_smooth_l1_negative_beta(T):
    T.nn.functional.smooth_l1_loss(T.ones(3), T.zeros(3), beta=-1.0)


@misuse("delta")
def m_huber_zero_delta(T):
    T.nn.functional.huber_loss(T.ones(3), T.zeros(3), delta=0.0)


@misuse()
def m_cosine_similarity_mismatch(T):
    T.nn.functional.cosine_similarity(T.ones(2, 3), T.ones(2, 4))


@misuse()
def m_pad_unknown_mode(T):
    T.nn.functional.pad(T.ones(1, 2, 3), (1, 1), mode="foo")


@misuse("normalized_shape")
def m_layer_norm_functional_wrong_shape(T):
    T.nn.functional.layer_norm(T.ones(2, 3), (5,))


@misuse("num_groups")
def m_group_norm_functional_not_divisible(T):
    T.nn.functional.group_norm(T.ones(2, 4), 3)


@misuse("2-dimensional")
def m_embedding_from_pretrained_1d(T):
    T.nn.Embedding.from_pretrained(T.ones(3))


@misuse("parameter name")
def m_parameter_dict_dotted_key(T):
    T.nn.ParameterDict({"a.b": T.nn.Parameter(T.ones(1))})


@misuse("module name")
def m_module_dict_dotted_key(T):
    T.nn.ModuleDict({"a.b": T.nn.Linear(1, 1)})


@misuse("Module subclass")
def m_sequential_append_non_module(T):
    T.nn.Sequential().append(3)


@misuse("reduction")
def m_cross_entropy_loss_bad_reduction(T):
    T.nn.CrossEntropyLoss(reduction="foo")(T.ones(2, 3), T.tensor([0, 1]))


@misuse("target")
def m_nll_loss_2d_target(T):
    T.nn.NLLLoss()(T.ones(2, 3), T.zeros(2, 3, dtype=T.int64))


@misuse()
def m_l1_loss_shapes_dont_broadcast(T):
    T.nn.L1Loss()(T.ones(2, 3), T.ones(4, 3))


# ---------------------------------------------------------------------------------------------------------------
# save / load


@misuse()
def m_load_missing_file(T, tmp_path):
    T.load(str(tmp_path / "missing.pt"))


@misuse()
def m_save_into_missing_directory(T, tmp_path):
    T.save(T.ones(2), str(tmp_path / "no" / "such" / "dir" / "x.pt"))


@misuse(xfail="fastgrad has its own file format: a file that is not a checkpoint raises RuntimeError, torch's "
        "class depends on how its unpickler trips over the bytes (see docs/differences.md)")
def m_load_garbage_file(T, tmp_path):
    p = tmp_path / "garbage.pt"
    p.write_bytes(b"this is not a checkpoint at all" * 10)
    T.load(str(p))


@misuse(xfail="torch: EOFError from its unpickler; fastgrad: RuntimeError (own file format; load robustness is "
        "NAME=args's; see docs/differences.md)")
def m_load_empty_file(T, tmp_path):
    p = tmp_path / "empty.pt"
    p.write_bytes(b"")
    T.load(str(p))


@misuse()
def m_load_directory(T, tmp_path):
    T.load(str(tmp_path))


class _Custom:
    def __init__(self):
        self.value = 1


@misuse(xfail="fastgrad.save refuses arbitrary objects (TypeError) instead of pickling them and refusing them "
        "on a weights_only load (see docs/differences.md)")
def m_load_custom_class_weights_only(T, tmp_path):
    p = tmp_path / "obj.pt"
    T.save({"obj": _Custom()}, str(p))
    T.load(str(p), weights_only=True)


@misuse(xfail="fastgrad.save raises TypeError for any object it cannot store; torch's class comes from pickle "
        "(see docs/differences.md)")
def m_save_lambda(T, tmp_path):
    T.save(lambda: 1, io.BytesIO())


@misuse()
def m_save_to_a_directory(T, tmp_path):
    T.save(T.ones(2), str(tmp_path))


@misuse()
def m_save_to_bytes_path(T, tmp_path):
    T.save(T.ones(2), str(tmp_path / "x.pt").encode())


@misuse()
def m_load_cuda_map_location(T, tmp_path):
    buf = io.BytesIO()
    T.save(T.ones(2), buf)
    buf.seek(0)
    T.load(buf, map_location="cuda")


@misuse()
def m_save_to_int(T, tmp_path):
    T.save(T.ones(2), 3)


@misuse()
def m_load_from_int(T, tmp_path):
    T.load(3)


@misuse()
def m_load_bad_map_location(T, tmp_path):
    buf = io.BytesIO()
    T.save(T.ones(2), buf)
    buf.seek(0)
    T.load(buf, map_location="foo")


@misuse("mmap")
def m_load_mmap_buffer(T, tmp_path):
    buf = io.BytesIO()
    T.save(T.ones(2), buf)
    buf.seek(0)
    T.load(buf, mmap=True)


@misuse("pickle_module")
def m_load_weights_only_with_pickle_module(T, tmp_path):
    buf = io.BytesIO()
    T.save(T.ones(2), buf)
    buf.seek(0)
    T.load(buf, pickle_module=__import__("pickle"), weights_only=True)


# ---------------------------------------------------------------------------------------------------------------
# data


def _ds(T, n=4):
    return T.utils.data.TensorDataset(T.arange(float(n)))


@misuse("batch_size")
def m_dataloader_batch_size_zero(T):
    T.utils.data.DataLoader(_ds(T), batch_size=0)


@misuse("batch_size")
def m_dataloader_batch_size_negative(T):
    T.utils.data.DataLoader(_ds(T), batch_size=-2)


@misuse("batch_size")
def m_dataloader_batch_size_float(T):
    T.utils.data.DataLoader(_ds(T), batch_size=1.5)


@misuse("mutually exclusive")
def m_dataloader_sampler_and_shuffle(T):
    ds = _ds(T)
    T.utils.data.DataLoader(ds, sampler=T.utils.data.SequentialSampler(ds), shuffle=True)


@misuse("mutually exclusive")
def m_dataloader_batch_sampler_and_batch_size(T):
    ds = _ds(T)
    bs = T.utils.data.BatchSampler(T.utils.data.SequentialSampler(ds), 2, False)
    T.utils.data.DataLoader(ds, batch_sampler=bs, batch_size=3)


@misuse("num_workers")
def m_dataloader_negative_workers(T):
    T.utils.data.DataLoader(_ds(T), num_workers=-1)


@misuse("timeout")
def m_dataloader_negative_timeout(T):
    T.utils.data.DataLoader(_ds(T), timeout=-1)


@misuse("prefetch_factor")
def m_dataloader_prefetch_without_workers(T):
    T.utils.data.DataLoader(_ds(T), prefetch_factor=2)


@misuse("__getitem__")
def m_dataset_without_getitem(T):
    T.utils.data.Dataset()[0]


@misuse()
def m_dataset_without_len(T):
    len(T.utils.data.Dataset())


@misuse("Size mismatch")
def m_tensor_dataset_size_mismatch(T):
    T.utils.data.TensorDataset(T.ones(3), T.ones(4))


@misuse("Sum of input lengths")
def m_random_split_bad_lengths(T):
    T.utils.data.random_split(_ds(T), [1, 2])


@misuse("num_samples")
def m_random_sampler_zero_samples(T):
    T.utils.data.RandomSampler(_ds(T), num_samples=0)


@misuse("batch_size")
def m_batch_sampler_zero(T):
    T.utils.data.BatchSampler(T.utils.data.SequentialSampler(_ds(T)), 0, False)


@misuse("drop_last")
def m_batch_sampler_drop_last_not_bool(T):
    T.utils.data.BatchSampler(T.utils.data.SequentialSampler(_ds(T)), 2, 1)


@misuse("stack expects each tensor to be equal size")
def m_collate_mismatched_shapes(T):
    T.utils.data.default_collate([T.ones(2), T.ones(3)])


@misuse()
def m_subset_index_out_of_range(T):
    T.utils.data.Subset(_ds(T), [0, 1])[2]


@misuse()
def m_dataloader_iterate_dataset_without_len_shuffled(T):
    class DS(T.utils.data.Dataset):
        def __getitem__(self, i):
            return i

    list(T.utils.data.DataLoader(DS(), shuffle=True))


@misuse("mutually exclusive")
def m_dataloader_batch_size_none_drop_last(T):
    T.utils.data.DataLoader(_ds(T), batch_size=None, drop_last=True)


@misuse("shuffle")
def m_dataloader_iterable_shuffle(T):
    class DS(T.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    T.utils.data.DataLoader(DS(), shuffle=True)


@misuse()
def m_dataloader_len_of_iterable_without_len(T):
    class DS(T.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    len(T.utils.data.DataLoader(DS()))


@misuse("empty")
def m_concat_dataset_empty(T):
    T.utils.data.ConcatDataset([])


@misuse("IterableDataset")
def m_concat_dataset_iterable(T):
    class DS(T.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    T.utils.data.ConcatDataset([DS()])


@misuse()
def m_concat_dataset_index_out_of_range(T):
    T.utils.data.ConcatDataset([_ds(T)])[-10]


@misuse()
def m_random_split_fractions_above_one(T):
    T.utils.data.random_split(_ds(T), [0.5, 0.6])


@misuse("replacement")
def m_random_sampler_replacement_not_bool(T):
    T.utils.data.RandomSampler(_ds(T), replacement=1)


@misuse()
def m_collate_objects(T):
    T.utils.data.default_collate([object(), object()])


@misuse()
def m_dataloader_collate_not_callable(T):
    list(T.utils.data.DataLoader(_ds(T), collate_fn=3))


# ---------------------------------------------------------------------------------------------------------------
# torch warns


@warns(".grad attribute of a Tensor that is not a leaf")
def w_grad_of_non_leaf(T):
    y = _leaf(T) * 2
    y.grad


@warns("duplicate parameters")
def w_optim_duplicate_params_in_one_group(T):
    p = _leaf(T)
    T.optim.SGD([p, p], lr=0.1)


@warns("optimizer.step()")
def w_scheduler_step_before_optimizer_step(T):
    opt = T.optim.SGD([_leaf(T)], lr=0.1)
    sched = T.optim.lr_scheduler.StepLR(opt, 1)
    sched.step()


@warns("target size")
def w_mse_loss_broadcasting_target(T):
    T.nn.functional.mse_loss(T.ones(3, 1), T.ones(3))


@warns("Implicit dimension choice")
def w_softmax_without_dim(T):
    T.nn.functional.softmax(T.ones(2, 3))


@warns("batchmean")
def w_kl_div_mean(T):
    T.nn.functional.kl_div(T.ones(2, 3), T.ones(2, 3), reduction="mean")


@warns("double precision")
def w_gradcheck_float32(T):
    T.autograd.gradcheck(lambda a: a * 2, (_leaf(T),), raise_exception=False)


@warns("Anomaly Detection")
def w_detect_anomaly(T):
    with T.autograd.detect_anomaly():
        pass


# ---------------------------------------------------------------------------------------------------------------
# near-misuses torch accepts


@accepted
def a_remove_hook_twice(T):
    h = _leaf(T).register_hook(lambda g: g)
    h.remove()
    h.remove()


@accepted
def a_requires_grad_false_on_int(T):
    T.tensor([1, 2]).requires_grad_(False)


@accepted
def a_backward_retain_graph_twice(T):
    y = (_leaf(T) * _leaf(T)).sum()
    y.backward(retain_graph=True)
    y.backward()


@accepted
def a_autograd_grad_allow_unused(T):
    x, z = _leaf(T), _leaf(T)
    g = T.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert g[1] is None


@accepted
def a_autograd_grad_materialize(T):
    x, z = _leaf(T), _leaf(T)
    g = T.autograd.grad((x * 2).sum(), [x, z], allow_unused=True, materialize_grads=True)
    assert g[1].tolist() == [0.0, 0.0, 0.0]


@accepted
def a_load_state_dict_non_strict(T):
    m = T.nn.Linear(2, 2)
    res = m.load_state_dict({"weight": T.ones(2, 2), "extra": T.ones(1)}, strict=False)
    assert list(res.missing_keys) == ["bias"] and list(res.unexpected_keys) == ["extra"]


@accepted
def a_detach_inplace_on_leaf(T):
    _leaf(T).detach_()


@accepted
def a_inplace_on_leaf_under_no_grad(T):
    x = _leaf(T)
    with T.no_grad():
        x.add_(1)


@accepted
def a_register_parameter_none(T):
    m = T.nn.Module()
    m.register_parameter("w", None)
    assert m.w is None


@accepted
def a_device_cpu_index(T):
    T.ones(2, device="cpu:0")


@accepted
def a_backward_extra_grad_tensors_ignored(T):
    x = _leaf(T)
    T.autograd.backward([(x * 2).sum()], grad_tensors=[T.tensor(1.0), T.tensor(5.0)])
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


@accepted
def a_post_accumulate_hook_returning_tensor(T):
    x = _leaf(T)
    x.register_post_accumulate_grad_hook(lambda p: p)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


@accepted
def a_write_one_element_of_expanded(T):
    x = T.ones(1).expand(3)
    x[0] = 5.0
    y = T.ones(1, 3).expand(2, 3)
    y[0] = 2.0


@accepted
def a_roll_0d(T):
    assert T.tensor(1.5).roll(1).item() == 1.5


@accepted
def a_views_of_inference_tensors_are_inference_tensors(T):
    n = T.ones(3)
    with T.inference_mode():
        t = T.ones(3)
        v = n[0:2]
    assert t[0:2].is_inference() and t.view(3).is_inference() and t.detach().is_inference()
    assert not v.is_inference()
    v.mul_(2)  # a view of a normal tensor stays normal, even when made in inference mode


# ---------------------------------------------------------------------------------------------------------------
# the tests


def _call(fn, T, tmp_path):
    if fn.__code__.co_argcount == 2:
        return fn(T, tmp_path)
    return fn(T)


def _raised(fn, T, tmp_path):
    tmp_path.mkdir(exist_ok=True)
    try:
        _call(fn, T, tmp_path)
    except Exception as e:  # noqa: BLE001  (the class is the subject of the test)
        return e
    return None


def _same_class(got, ref):
    """Equal classes; torch's own exception subclasses count as equal by name and builtin base."""
    if type(got) is type(ref):
        return True
    if type(ref).__module__.startswith("torch"):
        base = next(c for c in type(ref).__mro__ if c.__module__ == "builtins")
        return type(got).__name__ == type(ref).__name__ and isinstance(got, base)
    return False


@pytest.mark.parametrize("fn,words", CASES)
def test_misuse_raises_the_exception_class_torch_raises(fn, words, tmp_path):
    ref = _raised(fn, torch, tmp_path / "torch")
    assert ref is not None, "torch raised nothing: not a misuse"
    for w in words:
        assert w.lower() in str(ref).lower(), f"case is stale: {w!r} not in torch's message {str(ref)!r}"
    got = _raised(fn, fastgrad, tmp_path / "fastgrad")
    assert got is not None, f"fastgrad raised nothing; torch raised {type(ref).__name__}: {ref}"
    assert _same_class(got, ref), (
        f"torch raised {type(ref).__name__}: {ref}\nfastgrad raised {type(got).__name__}: {got}"
    )
    assert str(got).strip(), f"fastgrad's {type(got).__name__} has an empty message"
    for w in words:
        assert w.lower() in str(got).lower(), f"{w!r} not in fastgrad's message {str(got)!r}"


def _warned(fn, T, tmp_path):
    tmp_path.mkdir(exist_ok=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _call(fn, T, tmp_path)
    return caught


@pytest.mark.parametrize("fn,words", WARNS)
def test_misuse_warns_like_torch(fn, words, tmp_path):
    ref = [w for w in _warned(fn, torch, tmp_path / "torch") if all(x.lower() in str(w.message).lower() for x in words)]
    assert ref, "torch did not warn: the case is stale"
    got = [w for w in _warned(fn, fastgrad, tmp_path / "fastgrad") if issubclass(w.category, ref[0].category)]
    assert got, f"fastgrad did not warn {ref[0].category.__name__}: {ref[0].message}"
    msgs = " | ".join(str(w.message) for w in got)
    for x in words:
        assert x.lower() in msgs.lower(), f"{x!r} not in fastgrad's warnings {msgs!r}"


@pytest.mark.parametrize("fn", ACCEPTED)
def test_near_misuse_torch_accepts_is_accepted(fn, tmp_path):
    _call(fn, torch, tmp_path)
    _call(fn, fastgrad, tmp_path)


def test_the_suite_has_at_least_120_misuse_cases():
    assert len(CASES) >= 120
