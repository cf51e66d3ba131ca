"""The misuse suite (see misuse_helpers.py), modules: registration of parameters, buffers and submodules,
containers, state dicts, the layers' and losses' arguments and input shapes, nn.init and clip_grad_norm_.
"""
import pytest

from misuse_helpers import check_raises, leaf, registrar

CASES = []  # pytest.param(fn, words)
misuse = registrar(CASES, "m_")


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
    p = leaf(T)
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
    T.nn.ReLU(inplace=True)(leaf(T))


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
# the test


@pytest.mark.parametrize("fn,words", CASES)
def test_misuse_raises_the_exception_class_torch_raises(fn, words, tmp_path):
    check_raises(fn, words, tmp_path)
