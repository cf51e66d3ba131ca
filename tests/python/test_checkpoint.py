"""fastgrad.utils.checkpoint against torch.utils.checkpoint: the same values, gradients (inputs and parameters),
grad_fn names and random stream (dropout inside the checkpointed function, preserve_rng_state), reentrant and not."""
import warnings

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.utils.checkpoint as fck

torch = pytest.importorskip("torch")
import torch.utils.checkpoint as tck  # noqa: E402


def _model(m):
    m.manual_seed(0)
    return m.nn.Sequential(m.nn.Linear(4, 8), m.nn.Tanh(), m.nn.Dropout(0.3), m.nn.Linear(8, 2))


def _x():
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    return fg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


@pytest.mark.parametrize("reentrant", [True, False, None])
def test_checkpoint_matches_torch(reentrant):
    fm, tm = _model(fg), _model(torch)
    fx, tx = _x()
    fg.manual_seed(3)
    torch.manual_seed(3)
    with warnings.catch_warnings(record=True) as fw:
        warnings.simplefilter("always")
        fo = fck.checkpoint(fm, fx, use_reentrant=reentrant)
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        to = tck.checkpoint(tm, tx, use_reentrant=reentrant)
    assert [str(w.message) for w in fw] == [str(w.message) for w in tw]
    assert type(fo.grad_fn).__name__ == type(to.grad_fn).__name__
    np.testing.assert_allclose(fo.detach().numpy(), to.detach().numpy(), rtol=1e-6, atol=1e-6)
    g = np.random.default_rng(1).standard_normal((5, 2)).astype(np.float32)
    fo.backward(fg.tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(fm.parameters(), tm.parameters()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_recomputation_sees_the_forward_random_state():
    """With preserve_rng_state the dropout mask recomputed in backward is the forward's: the gradient equals
    that of the same call without checkpointing."""
    fm = _model(fg)
    fx, _ = _x()
    fg.manual_seed(5)
    out = fck.checkpoint(fm, fx, use_reentrant=True)
    out.sum().backward()
    ck_grad = fx.grad.numpy().copy()
    fx.grad = None
    fg.manual_seed(5)
    fm(fx).sum().backward()
    np.testing.assert_array_equal(ck_grad, fx.grad.numpy())


def test_checkpoint_sequential_matches_torch():
    fm, tm = _model(fg), _model(torch)
    fx, tx = _x()
    fg.manual_seed(3)
    torch.manual_seed(3)
    fo = fck.checkpoint_sequential(fm, 2, fx, use_reentrant=True)
    to = tck.checkpoint_sequential(tm, 2, tx, use_reentrant=True)
    np.testing.assert_allclose(fo.detach().numpy(), to.detach().numpy(), rtol=1e-6, atol=1e-6)
    fo.sum().backward()
    to.sum().backward()
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_reentrant_refuses_keyword_arguments_and_is_reachable_as_an_attribute():
    with pytest.raises(ValueError, match="Unexpected keyword arguments"):
        fck.checkpoint(lambda x, scale: x * scale, fg.ones(2, requires_grad=True), scale=2.0, use_reentrant=True)
    assert fg.utils.checkpoint.checkpoint is fck.checkpoint
