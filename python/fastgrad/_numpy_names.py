"""NumPy's keyword names, accepted where PyTorch accepts them: `axis` for `dim`, `keepdims` for `keepdim`.

PyTorch's argument parser takes `x.sum(axis=0, keepdims=True)` as `x.sum(dim=0, keepdim=True)` for every op
with a `dim` argument that it parses (not `norm`, a Python function in PyTorch). The bindings know only
PyTorch's names, so the ops below are wrapped once at import: a call without keyword arguments goes straight
through; one with the NumPy names has them renamed first.
"""

import functools

from . import _C

_ALIASES = {"axis": "dim", "keepdims": "keepdim"}

# Ops with a `dim` argument, as functions in `fastgrad` and/or methods of Tensor.
_NAMES = (
    "sum", "nansum", "mean", "nanmean", "prod", "max", "min", "amax", "amin", "aminmax", "argmax", "argmin",
    "var", "std", "var_mean", "std_mean", "logsumexp", "cumsum", "cumprod", "cummax", "cummin", "all",
    "any", "count_nonzero", "median", "nanmedian", "mode", "sort", "argsort", "topk", "kthvalue", "softmax",
    "log_softmax", "squeeze", "unsqueeze", "cat", "concat", "concatenate", "stack", "narrow", "select", "unbind",
    "chunk", "split", "tensor_split", "index_select", "gather", "scatter", "scatter_add", "index_add",
    "index_fill", "index_copy", "take_along_dim", "flatten", "unflatten", "diff", "repeat_interleave", "renorm",
    "logcumsumexp",
)


def _renamed(name, kwargs):
    out = {}
    for key, value in kwargs.items():
        key = _ALIASES.get(key, key)
        if key in out:
            raise TypeError(f"{name}() got multiple values for argument '{key}'")
        out[key] = value
    return out


def _accepting_numpy_names(name, fn):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        if kwargs and not kwargs.keys().isdisjoint(_ALIASES):
            kwargs = _renamed(name, kwargs)
        return fn(*args, **kwargs)

    call.__qualname__ = name
    call._fastgrad_numpy_names = True
    return call


def install(namespace):
    """Wraps the ops named above in `namespace` (the fastgrad package's globals) and on Tensor."""
    for name in _NAMES:
        fn = namespace.get(name)
        if fn is not None and not getattr(fn, "_fastgrad_numpy_names", False):
            namespace[name] = _accepting_numpy_names(name, fn)
        fn = getattr(_C.Tensor, name, None)
        if fn is not None and not getattr(fn, "_fastgrad_numpy_names", False):
            setattr(_C.Tensor, name, _accepting_numpy_names(name, fn))
