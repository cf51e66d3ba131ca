"""The misuse suite (see misuse_helpers.py), shapes: broadcasting, matrix products, view/reshape/expand,
cat/stack/split, dimensions out of range, reductions of empty tensors; indexing: subscripts and index tensors
out of range or of the wrong type, writes through indexing (also into expanded tensors), the index ops'
indices out of range.
"""
import pytest

from misuse_helpers import check_raises, registrar

CASES = []  # pytest.param(fn, words)
misuse = registrar(CASES, "m_")


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


@misuse("index out of range")
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


@misuse()
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
# the test


@pytest.mark.parametrize("fn,words", CASES)
def test_misuse_raises_the_exception_class_torch_raises(fn, words, tmp_path):
    check_raises(fn, words, tmp_path)
