"""The misuse suite (see misuse_helpers.py), dtypes: ops given dtypes they refuse (bool negation, float index
tensors and masks, integer means, mixed matrix products), in-place results that cannot be cast, integer
division by zero, the arguments of the random and creation functions, conversions of many-element or 0-d
tensors to Python values, tensors from unsupported data; devices: CUDA and MPS requests, malformed device
strings and indices.
"""
import numpy as np
import pytest

from misuse_helpers import check_raises, registrar

CASES = []  # pytest.param(fn, words)
misuse = registrar(CASES, "m_")


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


@misuse()
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
# the test


@pytest.mark.parametrize("fn,words", CASES)
def test_misuse_raises_the_exception_class_torch_raises(fn, words, tmp_path):
    check_raises(fn, words, tmp_path)
