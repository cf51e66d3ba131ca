"""``out=``: the output argument of the functions that take one in PyTorch, as one mechanism.

Note [Out arguments]: a function called with ``out=`` computes its result as without it, then writes it into
``out`` with PyTorch's rules, and returns ``out`` itself:
- with grad mode on, no argument (``out`` included) may require grad: PyTorch's RuntimeError "add(): functions
  with out=... arguments don't support automatic differentiation, but one of the arguments requires grad.";
- the result's dtype must suit ``out``'s, by the op's rule (its ``kind`` below): a result that type promotion
  can cast to ``out``'s dtype (float into double, int into float; not float into an integer type), the same dtype
  (mm, matmul, the values of max / min), ...; the result is converted into ``out``'s dtype;
- an ``out`` of another shape is resized (with PyTorch's deprecation warning when it had elements; factories
  resize silently), then the result is copied into it without history. A view given as ``out`` of the right shape
  is written through, so its base sees the result.
Factories (zeros, arange, randn, ...) take ``out``'s dtype unless ``dtype`` is given, which must then be ``out``'s.
"""
import functools
import inspect
import warnings

from . import _C
from .nn._functional_checks import _CPP_TYPE_NAMES, _TYPE_NAMES

PROMOTE, SAME, EXACT, SUM, MEAN, JOIN, WHERE, EXTREME, FACTORY = (
    "promote", "same", "exact", "sum", "mean", "join", "where", "extreme", "factory")

# The functions that take out= here, with the rule their result's dtype follows (PyTorch's, op by op).
OUT_OPS = {
    "add": PROMOTE, "sub": PROMOTE, "mul": PROMOTE, "div": PROMOTE, "pow": PROMOTE, "maximum": PROMOTE,
    "minimum": PROMOTE, "exp": PROMOTE, "log": PROMOTE, "sqrt": PROMOTE, "tanh": PROMOTE, "sigmoid": PROMOTE,
    "sin": PROMOTE, "cos": PROMOTE, "eq": PROMOTE, "gt": PROMOTE, "lt": PROMOTE, "reciprocal": PROMOTE,
    "remainder": PROMOTE, "rsqrt": PROMOTE,
    "floor": SAME, "round": SAME, "sign": SAME,
    "addmm": EXACT, "gather": EXACT, "argmax": EXACT,
    "cumsum": SUM, "prod": SUM,
    "eye": FACTORY, "randint": FACTORY,
    "abs": SAME, "neg": SAME, "clamp": SAME,
    "matmul": EXACT, "mm": EXACT, "bmm": EXACT,
    "sum": SUM, "mean": MEAN,
    "cat": JOIN, "stack": JOIN,
    "where": WHERE,
    "max": EXTREME, "min": EXTREME,
    "arange": FACTORY, "zeros": FACTORY, "ones": FACTORY, "empty": FACTORY, "full": FACTORY, "randn": FACTORY,
    "rand": FACTORY, "linspace": FACTORY,
}

_RESIZED = ("An output with one or more elements was resized since it had shape {}, which does not match the "
            "required output shape {}. This behavior is deprecated, and in a future PyTorch release outputs will "
            "not be resized unless they have zero elements. You can explicitly reuse an out tensor t by resizing "
            "it, inplace, to zero elements with t.resize_(0).")


def _category(dtype):
    return 0 if dtype == _C.bool else 2 if dtype.is_floating_point else 1


def _can_cast(src, dst):
    """PyTorch's can_cast: no conversion to a lower category (float -> integer -> bool)."""
    return _category(src) <= _category(dst)


def _tensors(value):
    if isinstance(value, _C.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _tensors(v)


def _check_out_tensor(name, out):
    if not isinstance(out, _C.Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")


def _check_dtype(name, kind, result, out):
    r, o = result.dtype, out.dtype
    if kind in (PROMOTE, MEAN) and not _can_cast(r, o):
        raise RuntimeError(f"result type {_TYPE_NAMES[r]} can't be cast to the desired output type {_TYPE_NAMES[o]}")
    if kind == SAME and r != o:
        raise RuntimeError(f"Found dtype {_TYPE_NAMES[o]} but expected {_TYPE_NAMES[r]}")
    if kind in (EXACT, EXTREME) and r != o:
        raise RuntimeError(f"Expected out tensor to have dtype {_CPP_TYPE_NAMES[r]}, but got {_CPP_TYPE_NAMES[o]} "
                           "instead")
    if kind == JOIN and not _can_cast(r, o):
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type {_TYPE_NAMES[o]}")
    if kind == WHERE and r != o:
        raise RuntimeError(f"Expected out type to be {_TYPE_NAMES[r]} but got {_TYPE_NAMES[o]}")


def _store(result, out, warn):
    """Resizes out to result's shape if needed, then copies result into it without history."""
    if tuple(out.shape) != tuple(result.shape):
        if warn and out.numel() != 0:
            warnings.warn(_RESIZED.format(list(out.shape), list(result.shape)), UserWarning, stacklevel=4)
        out.data = _C.empty(tuple(result.shape), dtype=out.dtype)
    enabled = _C.is_grad_enabled()
    _C._set_grad_enabled(False)
    try:
        out.copy_(result)
    finally:
        _C._set_grad_enabled(enabled)


def _write(name, kind, result, out):
    """Note [Out arguments]: result written into out (a tensor, or the pair of max / min over a dim)."""
    if kind == EXTREME and isinstance(out, (tuple, list)):
        if len(out) != 2 or not isinstance(result, tuple):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of 2 Tensors for {name}(input, dim)")
        values, indices = out
        _check_out_tensor(name, values)
        _check_out_tensor(name, indices)
        _check_dtype(name, EXACT, result[0], values)
        _check_dtype(name, EXACT, result[1], indices)
        _store(result[0], values, True)
        _store(result[1], indices, True)
        from . import return_types

        return getattr(return_types, f"{name}_out")((values, indices))
    _check_out_tensor(name, out)
    _check_dtype(name, kind, result, out)
    _store(result, out, kind != FACTORY)
    return out


def _with_out(fn, name, kind):
    """fn taking ``out=`` (Note [Out arguments])."""
    factory = kind == FACTORY
    base_label = f"aten::{name}" if factory else name

    @functools.wraps(fn)
    def op(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        label, rule = base_label, kind
        if kind == EXTREME and not isinstance(out, (tuple, list)):
            if len(args) > 1 and isinstance(args[1], _C.Tensor) or "other" in kwargs:
                label, rule = ("maximum" if name == "max" else "minimum"), PROMOTE  # max(input, other)
            else:
                rule = PROMOTE  # max(input): the reduction of all elements
        if _C.is_grad_enabled() and any(
            t.requires_grad for t in (*_tensors(args), *_tensors(list(kwargs.values())), *_tensors(out))
        ):
            raise RuntimeError(f"{label}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        if factory and isinstance(out, _C.Tensor):
            dtype = kwargs.get("dtype")
            if dtype is not None and dtype != out.dtype:
                raise RuntimeError(f"dtype {_TYPE_NAMES.get(dtype, dtype)} does not match dtype of out parameter "
                                   f"({_TYPE_NAMES[out.dtype]})")
            kwargs["dtype"] = out.dtype
        elif kind in (SUM, MEAN) and isinstance(out, _C.Tensor) and kwargs.get("dtype") is not None:
            if kwargs["dtype"] != out.dtype:
                raise RuntimeError(f"Expected out tensor to have dtype {_CPP_TYPE_NAMES[kwargs['dtype']]}, but got "
                                   f"{_CPP_TYPE_NAMES[out.dtype]} instead")
        elif kind == SUM and isinstance(out, _C.Tensor):
            kwargs["dtype"] = out.dtype  # PyTorch sums (multiplies, accumulates) in out's dtype
        autocast, autocast_dtype = _C._is_autocast_cpu_enabled(), _C._autocast_cpu_dtype()
        if autocast:  # calls with out= are not autocast (Note [Autocast])
            _C._set_autocast_cpu(False, autocast_dtype)
        try:
            result = fn(*args, **kwargs)
        finally:
            if autocast:
                _C._set_autocast_cpu(True, autocast_dtype)
        if name == "arange" and isinstance(out, _C.Tensor) and out.numel() not in (0, result.numel()):
            warnings.warn(f"The number of elements in the out tensor of shape {list(out.shape)} is {out.numel()} which "
                          f"does not match the computed number of elements {result.numel()}. Note that this may occur "
                          "as a result of rounding error. The out tensor will be resized to a tensor of shape "
                          f"({result.numel()},).", UserWarning, stacklevel=2)
        return _write(label, rule, result, out)

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        sig = None
    if sig is not None and "out" not in sig.parameters:
        params = list(sig.parameters.values())
        at = next((i for i, p in enumerate(params) if p.kind is inspect.Parameter.VAR_KEYWORD), len(params))
        params.insert(at, inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
        op.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    what = "the pair (values, indices) of max / min over a dim, " if kind == EXTREME else ""
    op.__doc__ = (fn.__doc__ or "").rstrip() + (
        f"\n\nout (Tensor, optional): {what}the output tensor: the result is written into it (resized if its "
        "shape differs) and it is returned.")
    return op


def install(namespace):
    """Replaces the functions of OUT_OPS in namespace (fastgrad's) by their out= forms."""
    for name, kind in OUT_OPS.items():
        namespace[name] = _with_out(namespace[name], name, kind)
