"""NumPy's keyword names (`axis`, `keepdims`) are accepted wherever PyTorch accepts them."""

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

CALLS = {
    "sum_axis": lambda m, x: x.sum(axis=0),
    "sum_fn_axis_keepdims": lambda m, x: m.sum(x, axis=1, keepdims=True),
    "mean_keepdims": lambda m, x: x.mean(axis=(0, 1), keepdims=True),
    "max_axis": lambda m, x: x.max(axis=1).values,
    "max_axis_indices": lambda m, x: x.max(axis=0)[1],
    "std_axis": lambda m, x: x.std(axis=0),
    "var_fn": lambda m, x: m.var(x, axis=1, keepdims=True),
    "argmax": lambda m, x: x.argmax(axis=1),
    "amin": lambda m, x: m.amin(x, axis=0),
    "cumsum": lambda m, x: x.cumsum(axis=1),
    "logsumexp": lambda m, x: x.logsumexp(axis=0),
    "softmax": lambda m, x: x.softmax(axis=0),
    "squeeze": lambda m, x: x[:1].squeeze(axis=0),
    "unsqueeze": lambda m, x: x.unsqueeze(axis=1),
    "cat": lambda m, x: m.cat([x, x], axis=1),
    "stack": lambda m, x: m.stack([x, x], axis=2),
    "any": lambda m, x: (x > 0).any(axis=0),
    "prod_grad": lambda m, x: x.prod(axis=0),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_numpy_keyword_names_match_torch(name):
    data = np.random.default_rng(3).standard_normal((3, 4))
    out = {}
    for m in (torch, fastgrad):
        x = m.tensor(data, requires_grad=True)
        y = CALLS[name](m, x)
        g = None
        if y.requires_grad:
            y.sum().backward()
            g = x.grad.numpy()
        out[m.__name__] = (y.detach().numpy(), g, y.dtype is m.bool)
    (ty, tg, tb), (fy, fg, fb) = out["torch"], out["fastgrad"]
    np.testing.assert_allclose(fy, ty, rtol=1e-12)
    assert fb == tb
    assert (fg is None) == (tg is None)
    if tg is not None:
        np.testing.assert_allclose(fg, tg, rtol=1e-12, atol=1e-15)


def test_both_names_for_one_argument_is_a_type_error():
    x = fastgrad.ones(2, 3)
    with pytest.raises(TypeError, match="sum"):
        x.sum(dim=0, axis=1)
    with pytest.raises(TypeError):
        torch.ones(2, 3).sum(dim=0, axis=1)


def test_wrapped_ops_keep_their_names_and_positional_calls():
    x = fastgrad.ones(2, 3)
    assert fastgrad.sum.__name__ == "sum" and fastgrad.Tensor.mean.__name__ == "mean"
    assert x.sum(0).tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(TypeError):
        x.sum(bogus=1)


@pytest.mark.parametrize("call", [lambda m: m.ones(2, 3).norm(dim=1, keepdims=True),
                                  lambda m: m.ones(2, 3).transpose(axis0=0, axis1=1)], ids=["norm", "transpose"])
def test_where_torch_takes_no_numpy_names_neither_does_fastgrad(call):
    with pytest.raises(TypeError):
        call(torch)
    with pytest.raises(TypeError):
        call(fastgrad)
