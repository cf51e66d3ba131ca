"""The misuse suite (see misuse_helpers.py), its other two tables: snippets where torch only warns (fastgrad
must warn with the same category) and near-misuses torch accepts (fastgrad must accept them too); and the size
of the whole suite.
"""
import importlib

import pytest

from misuse_helpers import MODULES, acceptor, check_accepted, check_warns, leaf, registrar

WARNS = []  # pytest.param(fn, words)
ACCEPTED = []  # pytest.param(fn)
warns = registrar(WARNS, "w_")
accepted = acceptor(ACCEPTED)


# ---------------------------------------------------------------------------------------------------------------
# torch warns


@warns(".grad attribute of a Tensor that is not a leaf")
def w_grad_of_non_leaf(T):
    y = leaf(T) * 2
    y.grad


@warns("duplicate parameters")
def w_optim_duplicate_params_in_one_group(T):
    p = leaf(T)
    T.optim.SGD([p, p], lr=0.1)


@warns("optimizer.step()")
def w_scheduler_step_before_optimizer_step(T):
    opt = T.optim.SGD([leaf(T)], lr=0.1)
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
    T.autograd.gradcheck(lambda a: a * 2, (leaf(T),), raise_exception=False)


@warns("Anomaly Detection")
def w_detect_anomaly(T):
    with T.autograd.detect_anomaly():
        pass


# ---------------------------------------------------------------------------------------------------------------
# near-misuses torch accepts


@accepted
def a_remove_hook_twice(T):
    h = leaf(T).register_hook(lambda g: g)
    h.remove()
    h.remove()


@accepted
def a_requires_grad_false_on_int(T):
    T.tensor([1, 2]).requires_grad_(False)


@accepted
def a_backward_retain_graph_twice(T):
    y = (leaf(T) * leaf(T)).sum()
    y.backward(retain_graph=True)
    y.backward()


@accepted
def a_autograd_grad_allow_unused(T):
    x, z = leaf(T), leaf(T)
    g = T.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert g[1] is None


@accepted
def a_autograd_grad_materialize(T):
    x, z = leaf(T), leaf(T)
    g = T.autograd.grad((x * 2).sum(), [x, z], allow_unused=True, materialize_grads=True)
    assert g[1].tolist() == [0.0, 0.0, 0.0]


@accepted
def a_load_state_dict_non_strict(T):
    m = T.nn.Linear(2, 2)
    res = m.load_state_dict({"weight": T.ones(2, 2), "extra": T.ones(1)}, strict=False)
    assert list(res.missing_keys) == ["bias"] and list(res.unexpected_keys) == ["extra"]


@accepted
def a_detach_inplace_on_leaf(T):
    leaf(T).detach_()


@accepted
def a_inplace_on_leaf_under_no_grad(T):
    x = leaf(T)
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
    x = leaf(T)
    T.autograd.backward([(x * 2).sum()], grad_tensors=[T.tensor(1.0), T.tensor(5.0)])
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


@accepted
def a_post_accumulate_hook_returning_tensor(T):
    x = leaf(T)
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


@pytest.mark.parametrize("fn,words", WARNS)
def test_misuse_warns_like_torch(fn, words, tmp_path):
    check_warns(fn, words, tmp_path)


@pytest.mark.parametrize("fn", ACCEPTED)
def test_near_misuse_torch_accepts_is_accepted(fn, tmp_path):
    check_accepted(fn, tmp_path)


def test_the_suite_has_at_least_120_misuse_cases():
    assert sum(len(importlib.import_module(m).CASES) for m in MODULES) >= 120
