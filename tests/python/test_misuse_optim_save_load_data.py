"""The misuse suite (see misuse_helpers.py), optimizers: wrong parameters, groups, hyperparameters, state
dicts and closures, and the learning-rate schedulers; save / load: missing, garbage and empty files, objects
fastgrad cannot store; data: datasets, samplers, DataLoader arguments and collation.
"""
import io

import pytest

from misuse_helpers import check_raises, leaf, registrar

CASES = []  # pytest.param(fn, words)
misuse = registrar(CASES, "m_")


# ---------------------------------------------------------------------------------------------------------------
# optimizers


@misuse("empty parameter list")
def m_optim_empty_params(T):
    T.optim.SGD([], lr=0.1)


@misuse("iterable")
def m_optim_single_tensor(T):
    T.optim.SGD(leaf(T), lr=0.1)


@misuse("non-leaf")
def m_optim_non_leaf(T):
    T.optim.SGD([leaf(T) * 2], lr=0.1)


@misuse("Tensors")
def m_optim_param_not_tensor(T):
    T.optim.SGD([1.0], lr=0.1)


@misuse("learning rate")
def m_sgd_negative_lr(T):
    T.optim.SGD([leaf(T)], lr=-1)


@misuse("momentum")
def m_sgd_negative_momentum(T):
    T.optim.SGD([leaf(T)], lr=0.1, momentum=-0.5)


@misuse("Nesterov")
def m_sgd_nesterov_without_momentum(T):
    T.optim.SGD([leaf(T)], lr=0.1, nesterov=True)


@misuse("weight_decay")
def m_sgd_negative_weight_decay(T):
    T.optim.SGD([leaf(T)], lr=0.1, weight_decay=-1)


@misuse("beta parameter at index 0")
def m_adam_beta0(T):
    T.optim.Adam([leaf(T)], betas=(1.0, 0.9))


@misuse("beta parameter at index 1")
def m_adam_beta1(T):
    T.optim.Adam([leaf(T)], betas=(0.9, -0.1))


@misuse("epsilon")
def m_adam_negative_eps(T):
    T.optim.Adam([leaf(T)], eps=-1e-8)


@misuse("learning rate")
def m_adamw_negative_lr(T):
    T.optim.AdamW([leaf(T)], lr=-0.1)


@misuse("alpha")
def m_rmsprop_negative_alpha(T):
    T.optim.RMSprop([leaf(T)], alpha=-1)


@misuse("lr_decay")
def m_adagrad_negative_lr_decay(T):
    T.optim.Adagrad([leaf(T)], lr_decay=-1)


@misuse("rho")
def m_adadelta_rho_above_one(T):
    T.optim.Adadelta([leaf(T)], rho=2.0)


@misuse("more than one parameter group")
def m_optim_duplicate_params_across_groups(T):
    p = leaf(T)
    T.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


@misuse("more than one parameter group")
def m_optim_add_param_group_duplicate(T):
    p = leaf(T)
    opt = T.optim.SGD([p], lr=0.1)
    opt.add_param_group({"params": p})


@misuse("different number of parameter groups")
def m_optim_load_state_dict_group_count(T):
    p, q = leaf(T), leaf(T)
    sd = T.optim.SGD([{"params": [p]}, {"params": [q]}], lr=0.1).state_dict()
    T.optim.SGD([p, q], lr=0.1).load_state_dict(sd)


@misuse("doesn't match the size")
def m_optim_load_state_dict_group_size(T):
    p, q = leaf(T), leaf(T)
    sd = T.optim.SGD([p], lr=0.1).state_dict()
    T.optim.SGD([p, q], lr=0.1).load_state_dict(sd)


@misuse("Optimizer")
def m_lr_scheduler_without_optimizer(T):
    T.optim.lr_scheduler.StepLR(3, step_size=1)


@misuse("weight_decay")
def m_adam_negative_weight_decay(T):
    T.optim.Adam([leaf(T)], weight_decay=-1)


@misuse("Nesterov")
def m_sgd_nesterov_with_dampening(T):
    T.optim.SGD([leaf(T)], lr=0.1, momentum=0.9, dampening=0.5, nesterov=True)


@misuse()
def m_optim_group_without_params(T):
    T.optim.SGD([{"lr": 0.1}], lr=0.1)


@misuse()
def m_optim_add_param_group_not_dict(T):
    T.optim.SGD([leaf(T)], lr=0.1).add_param_group([leaf(T)])


@misuse()
def m_optim_lr_string(T):
    T.optim.SGD([leaf(T)], lr="a")


@misuse("eta")
def m_rprop_bad_etas(T):
    T.optim.Rprop([leaf(T)], etas=(1.2, 0.5))


@misuse("beta")
def m_adamax_bad_beta(T):
    T.optim.Adamax([leaf(T)], betas=(0.9, 1.5))


@misuse("momentum_decay")
def m_nadam_negative_momentum_decay(T):
    T.optim.NAdam([leaf(T)], momentum_decay=-1)


@misuse("lr_lambdas")
def m_lambda_lr_wrong_count(T):
    opt = T.optim.SGD([leaf(T)], lr=0.1)
    T.optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0, lambda e: 1.0])


@misuse("unknown")
def m_plateau_bad_mode(T):
    opt = T.optim.SGD([leaf(T)], lr=0.1)
    T.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="foo")


@misuse("Factor")
def m_plateau_bad_factor(T):
    opt = T.optim.SGD([leaf(T)], lr=0.1)
    T.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)


@misuse("T_0")
def m_cosine_warm_restarts_zero(T):
    opt = T.optim.SGD([leaf(T)], lr=0.1)
    T.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)


@misuse("initial_lr")
def m_scheduler_resume_without_initial_lr(T):
    opt = T.optim.SGD([leaf(T)], lr=0.1)
    T.optim.lr_scheduler.StepLR(opt, 1, last_epoch=3)


@misuse("total_steps")
def m_onecycle_without_steps(T):
    opt = T.optim.SGD([leaf(T)], lr=0.1)
    T.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1)


@misuse()
def m_optim_load_state_dict_empty(T):
    T.optim.SGD([leaf(T)], lr=0.1).load_state_dict({})


@misuse("1-element")
def m_adam_tensor_lr_many_elements(T):
    T.optim.Adam([leaf(T)], lr=T.tensor([0.1, 0.2]))


@misuse()
def m_multistep_milestones_int(T):
    opt = T.optim.SGD([leaf(T)], lr=0.1)
    T.optim.lr_scheduler.MultiStepLR(opt, milestones=3)


@misuse("Starting multiplicative factor")
def m_linear_lr_zero_start(T):
    opt = T.optim.SGD([leaf(T)], lr=0.1)
    T.optim.lr_scheduler.LinearLR(opt, start_factor=0)


@misuse("Ending multiplicative factor")
def m_linear_lr_end_above_one(T):
    opt = T.optim.SGD([leaf(T)], lr=0.1)
    T.optim.lr_scheduler.LinearLR(opt, end_factor=2)


@misuse("milestone")
def m_sequential_lr_count_mismatch(T):
    opt = T.optim.SGD([leaf(T)], lr=0.1)
    s = T.optim.lr_scheduler.StepLR(opt, 1)
    T.optim.lr_scheduler.SequentialLR(opt, [s], milestones=[1])


@misuse("threshold mode")
def m_plateau_bad_threshold_mode(T):
    opt = T.optim.SGD([leaf(T)], lr=0.1)
    T.optim.lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="foo")


@misuse("min_lrs")
def m_plateau_min_lr_count(T):
    opt = T.optim.SGD([leaf(T)], lr=0.1)
    T.optim.lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1, 0.2])


@misuse("initial_accumulator_value")
def m_adagrad_negative_initial_accumulator(T):
    T.optim.Adagrad([leaf(T)], initial_accumulator_value=-1)


@misuse("momentum")
def m_rmsprop_negative_momentum(T):
    T.optim.RMSprop([leaf(T)], momentum=-1)


@misuse("fused")
def m_adam_fused_and_foreach(T):
    T.optim.Adam([leaf(T)], foreach=True, fused=True)


@misuse()
def m_optim_step_closure_not_callable(T):
    p = leaf(T)
    p.grad = T.ones(3)
    T.optim.SGD([p], lr=0.1).step(closure=3)


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


@misuse()
def m_load_custom_class_weights_only(T, tmp_path):
    p = tmp_path / "obj.pt"
    T.save({"obj": _Custom()}, str(p))
    T.load(str(p), weights_only=True)


@misuse()
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
# the test


@pytest.mark.parametrize("fn,words", CASES)
def test_misuse_raises_the_exception_class_torch_raises(fn, words, tmp_path):
    check_raises(fn, words, tmp_path)
