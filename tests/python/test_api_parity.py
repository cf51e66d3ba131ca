"""The op list (elementwise, reductions, shape, indexing, linear algebra) against PyTorch's own surface: every
op exists wherever torch has it (function, Tensor method, in-place `_` method, torch.X_ function,
nn.functional), so `import fastgrad as torch` finds the same names. torch is the oracle: an op torch lacks in
some form is not required there."""

import pytest

import fastgrad

torch = pytest.importorskip("torch")

# The ops by area, plus the shape helpers PyTorch users reach for next to them.
SCOPE = {
    "unary": (
        "neg abs sign exp exp2 expm1 log log1p log2 log10 sqrt rsqrt square reciprocal sin cos tan asin "
        "acos atan sinh cosh tanh asinh acosh atanh sigmoid logit relu erf erfc floor ceil round trunc "
        "frac clamp clip nan_to_num "
    ),
    "binary": (
        "add sub mul div floor_divide remainder fmod pow maximum minimum fmax fmin atan2 hypot lerp "
        "addcmul addcdiv eq ne lt le gt ge isclose allclose equal logical_and logical_or logical_xor "
        "logical_not where isnan isinf isfinite "
    ),
    "reductions": (
        "sum mean prod max min amax amin argmax argmin var std var_mean norm logsumexp cumsum cumprod all "
        "any count_nonzero "
    ),
    "shape": (
        "view reshape flatten unflatten squeeze unsqueeze permute transpose swapaxes t T mT expand "
        "expand_as broadcast_to contiguous clone repeat tile flip roll narrow select unbind chunk split "
        "cat concat stack hstack vstack tril triu diag diagonal atleast_1d atleast_2d atleast_3d "
        "column_stack row_stack dstack "
    ),
    "indexing": (
        "index_select gather scatter scatter_add masked_fill masked_select index_add take_along_dim "
        "nonzero argwhere "
    ),
    "linalg": (
        "matmul mm bmm mv dot outer addmm baddbmm einsum trace "
    ),
    "sorting": (
        "sort argsort msort topk kthvalue unique unique_consecutive bincount histc histogram "
        "repeat_interleave unfold meshgrid "
    ),
}
FUNCTIONAL = (
    "relu relu6 leaky_relu elu selu gelu silu mish softplus hardtanh sigmoid tanh softmax log_softmax "
    "linear dropout normalize one_hot mse_loss l1_loss smooth_l1_loss huber_loss binary_cross_entropy "
    "binary_cross_entropy_with_logits nll_loss cross_entropy "
).split()

OPS = sorted({name for names in SCOPE.values() for name in names.split()})


def _forms(name):
    """(owner, attribute) for every form torch has of `name`: fastgrad.X, Tensor.X, Tensor.X_, fastgrad.X_."""
    out = []
    if hasattr(torch, name):
        out.append(("fastgrad", name))
    if hasattr(torch.Tensor, name):
        out.append(("Tensor", name))
    if hasattr(torch.Tensor, name + "_"):
        out.append(("Tensor", name + "_"))
    if hasattr(torch, name + "_"):
        out.append(("fastgrad", name + "_"))
    return out


def _params():
    return [pytest.param(owner, attr, id=f"{owner}.{attr}") for name in OPS for owner, attr in _forms(name)]


@pytest.mark.parametrize("owner,attr", _params())
def test_scope_op_exists_where_torch_has_it(owner, attr):
    obj = {"fastgrad": fastgrad, "Tensor": fastgrad.Tensor}[owner]
    assert hasattr(obj, attr), f"{owner}.{attr} is missing (torch has it)"


def _functional_params():
    out = []
    for name in FUNCTIONAL:
        for attr in (name, name + "_"):
            if hasattr(torch.nn.functional, attr):
                out.append(pytest.param(attr, id=f"F.{attr}"))
    return out


@pytest.mark.parametrize("attr", _functional_params())
def test_functional_op_exists_where_torch_has_it(attr):
    assert hasattr(fastgrad.nn.functional, attr), f"F.{attr} is missing (torch has it)"


def test_every_scope_op_is_somewhere_in_torch():
    # The list above is checked against the oracle too: a misspelt name would silently check nothing.
    assert not [name for name in OPS if not _forms(name)]
    assert all(hasattr(torch.nn.functional, name) for name in FUNCTIONAL)


# Keyword names: the same call with torch's keywords works on both libraries.
_KEYWORD_CALLS = [
    ("squeeze", lambda m, x: m.squeeze(x.unsqueeze(0), dim=(0,))),
    ("where", lambda m, x: m.where(condition=x > 0, input=x, other=-x)),
    ("atleast_2d", lambda m, x: m.atleast_2d(x)),
    ("column_stack", lambda m, x: m.column_stack(tensors=(x, x))),
    ("row_stack", lambda m, x: m.row_stack(tensors=(x, x))),
    ("dstack", lambda m, x: m.dstack(tensors=(x, x))),
    ("nonzero", lambda m, x: m.nonzero(input=x, as_tuple=False)),
    ("argwhere", lambda m, x: m.argwhere(input=x)),
    ("div", lambda m, x: m.div(input=x, other=2, rounding_mode="floor")),
    ("linear", lambda m, x: m.nn.functional.linear(input=x, weight=m.ones(2, 3, dtype=m.float64),
                                                   bias=m.ones(2, dtype=m.float64))),
    ("einsum", lambda m, x: m.einsum("i,i->", x, x)),
]


@pytest.mark.parametrize("fn", [pytest.param(f, id=n) for n, f in _KEYWORD_CALLS])
def test_keyword_names_match_torch(fn):
    import numpy as np

    data = np.array([1.5, -2.0, 0.0])
    expected = fn(torch, torch.from_numpy(data))
    got = fn(fastgrad, fastgrad.from_numpy(data))
    np.testing.assert_allclose(got.numpy(), expected.numpy())
