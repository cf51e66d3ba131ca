"""vmap's batched tensors and batching rules (docs/design.md, Note [vmap levels]).

A BatchedTensor is a logical tensor of one sample: it holds the physical value, a tensor (or a BatchedTensor
of a lower level) whose dim 0 is the batch dim of vmap level `level`. Tensor methods and operators on it run
through _dispatch; fastgrad._C bindings that are given one fail to convert and call _dispatch through
_C._set_batched_dispatch (Note [Batched dispatch] in python/src/arg_errors.cpp). A rule rewrites the call as
one call on the physical values (dims shifted by one, operands padded so they broadcast per sample), so a
vmapped function runs as batched ops, and autograd records those ops, so grad inside vmap is batched too.
Ops without a rule run once per sample and are stacked, with one warning per op."""
import itertools
import operator
import threading
import warnings

from .. import _C

# ---- levels ----

_local = threading.local()  # each thread's stack of [level, batch_size, randomness], innermost last
_numbers = itertools.count(1)  # level numbers, unique across threads
_open = [0]  # vmap levels open in all threads (the bindings look for wrappers while any is)


def _stack():
    st = getattr(_local, "levels", None)
    if st is None:
        st = _local.levels = []
    return st


def _push_level(size, randomness):
    level = next(_numbers)
    _stack().append([level, size, randomness])
    _open[0] += 1
    _update_depth()
    return level


def _pop_level():
    _stack().pop()
    _open[0] -= 1
    _update_depth()


# forward_ad's dual tensors share the bindings' hook (Note [Batched dispatch]); forward_ad fills this in
_dual = {"cls": None, "dispatch": None, "depth": 0}


def _update_depth():
    _C._set_wrapper_depth(_open[0] + _dual["depth"])


def _has_type(args, kwargs, cls):
    for a in list(args) + list(kwargs.values()):
        if type(a) is cls:
            return True
        if isinstance(a, (list, tuple)) and any(type(b) is cls for b in a):
            return True
    return False


def _route(name, is_method, args, kwargs, fn=None):
    """The handler the bindings call with wrapper arguments: dual tensors first, then batched ones."""
    cls = _dual["cls"]
    if cls is not None and _has_type(args, kwargs, cls):
        return _dual["dispatch"](name, is_method, args, kwargs, fn)
    return _dispatch(name, is_method, args, kwargs, fn)


def _register_wrappers():
    classes = (BatchedTensor,) if _dual["cls"] is None else (BatchedTensor, _dual["cls"])
    _C._set_batched_dispatch(classes, _route)


def _level_info(level):
    for entry in _stack():
        if entry[0] == level:
            return entry
    raise RuntimeError("vmap: a BatchedTensor escaped its vmap (its level is no longer active)")


def _active_levels():
    return [(e[0], e[1]) for e in _stack()]


class BatchedTensor:
    """One sample's view of a batch inside vmap: `_value` holds the batch at dim 0 for vmap level `_level`."""

    __slots__ = ("_value", "_level")

    def __init__(self, value, level):
        self._value = value
        self._level = level

    # isinstance(x, Tensor) holds, as it does for PyTorch's batched tensors; the real type stays BatchedTensor
    @property
    def __class__(self):
        return _C.Tensor

    # -- logical metadata --
    @property
    def shape(self):
        return type(self._value.shape)(tuple(self._value.shape)[1:])  # a Size, as the value's

    def size(self, dim=None):
        shape = tuple(self._value.shape)[1:]
        if dim is None:
            return self.shape
        n = len(shape)
        if not -max(n, 1) <= dim < max(n, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of [{-max(n, 1)}, {max(n, 1) - 1}], "
                             f"but got {dim})")
        return shape[dim] if n else 1

    def dim(self):
        return self._value.dim() - 1

    ndimension = dim

    @property
    def ndim(self):
        return self._value.dim() - 1

    def numel(self):
        n = 1
        for s in tuple(self._value.shape)[1:]:
            n *= s
        return n

    nelement = numel

    def __len__(self):
        shape = tuple(self._value.shape)[1:]
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def __iter__(self):
        return iter(self.unbind(0))

    @property
    def dtype(self):
        return self._value.dtype

    @property
    def device(self):
        return self._value.device

    @property
    def layout(self):
        return self._value.layout

    @property
    def is_cuda(self):
        return False

    @property
    def requires_grad(self):
        return self._value.requires_grad

    def is_floating_point(self):
        return self._value.is_floating_point()

    def is_complex(self):
        return self._value.is_complex()

    def element_size(self):
        return self._value.element_size()

    def stride(self, dim=None):
        strides = tuple(self._value.stride())[1:]
        if dim is None:
            return strides
        return strides[_norm_dim(dim, len(strides))] if strides else 1

    def is_contiguous(self, memory_format=None):
        return self._value.is_contiguous()

    @property
    def T(self):
        n = self.dim()
        return self.permute(tuple(range(n - 1, -1, -1)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def __repr__(self):
        return f"BatchedTensor(lvl={self._level}, bdim=0, value=\n{self._value!r}\n)"

    # -- data-dependent Python control flow is per sample, so it is refused --
    def _data_dependent(self, *args, **kwargs):
        raise RuntimeError("vmap: It looks like you're attempting to use a Tensor in some data-dependent control "
                           "flow. We don't support that yet, please shout over at "
                           "https://github.com/pytorch/functorch/issues/257 .")

    # (no __float__/__int__/__index__: Tensor's operator slots would read a batched operand as a number
    # through them instead of returning NotImplemented to the batched tensor's reflected operator)
    __bool__ = item = tolist = numpy = _data_dependent

    def __getattr__(self, name):
        attr = getattr(_C.Tensor, name, None)
        if attr is None or name.startswith("__"):
            raise AttributeError(f"'Tensor' object has no attribute '{name}'")
        if not callable(attr):
            raise RuntimeError(f"vmap: the attribute Tensor.{name} is not supported on a batched tensor")
        return lambda *args, **kwargs: _route(name, True, (self,) + args, kwargs)

    def __getitem__(self, index):
        return _route("__getitem__", True, (self, index), {})

    def __setitem__(self, index, value):
        _setitem(self, index, value)


def _binary(name, fn, reverse=False):
    if reverse:
        def method(self, other):
            return _route(name, None, (other, self), {}, fn)
    else:
        def method(self, other):
            return _route(name, None, (self, other), {}, fn)
    method.__name__ = name
    return method


def _install_operators(cls):
    """Python's operators on a wrapper class, each routed like a Tensor method (the reflected ones too)."""
    for name, fn in [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul), ("truediv", operator.truediv),
                     ("floordiv", operator.floordiv), ("mod", operator.mod), ("pow", operator.pow),
                     ("matmul", operator.matmul), ("and", operator.and_), ("or", operator.or_),
                     ("xor", operator.xor), ("lshift", operator.lshift), ("rshift", operator.rshift)]:
        setattr(cls, f"__{name}__", _binary(f"__{name}__", fn))
        setattr(cls, f"__r{name}__", _binary(f"__r{name}__", fn, reverse=True))
    for name, fn in [("eq", operator.eq), ("ne", operator.ne), ("lt", operator.lt), ("le", operator.le),
                     ("gt", operator.gt), ("ge", operator.ge)]:
        setattr(cls, f"__{name}__", _binary(f"__{name}__", fn))
    cls.__hash__ = object.__hash__
    for name, fn in [("neg", operator.neg), ("pos", operator.pos), ("abs", operator.abs), ("invert", operator.invert)]:
        setattr(cls, f"__{name}__", (lambda fn, nm: lambda self: _route(nm, None, (self,), {}, fn))(fn, name))


_install_operators(BatchedTensor)


def is_batched(x):
    return type(x) is BatchedTensor


def physical(t):
    """The tensor under every vmap level of t (all samples at once), for a check over all the samples that a
    kernel would make on the whole batch (argument validation in Python functions of fastgrad)."""
    while type(t) is BatchedTensor:
        t = t._value
    return t


# ---- dispatch ----

_RULES = {}
_warned = set()


def _find_level(args, kwargs):
    level = 0
    for a in list(args) + list(kwargs.values()):
        if type(a) is BatchedTensor:
            level = max(level, a._level)
        elif isinstance(a, (list, tuple)):
            for b in a:
                if type(b) is BatchedTensor:
                    level = max(level, b._level)
    return level


def _callable(name, is_method):
    fn = getattr(_C.Tensor, name, None) if is_method else None
    if fn is None:
        fn = getattr(_C, name, None)
    if fn is None:
        fn = getattr(_C.Tensor, name)
    while hasattr(fn, "__wrapped__"):  # a Python wrapper of the binding (numpy-style keyword names)
        fn = fn.__wrapped__
    return fn


_in_python = set()  # Python-level methods running on batched tensors (a re-entry under the same name loops)


def _dispatch(name, is_method, args, kwargs, fn=None):
    """Runs the op `name` on arguments some of which are BatchedTensors (the handler bindings call)."""
    level = _find_level(args, kwargs)
    if fn is None:
        fn = _callable(name, is_method)
    if level == 0:
        return fn(*args, **kwargs)
    _level_info(level)
    rule = _RULES.get(name)
    if rule is not None:
        return rule(fn, level, args, kwargs)
    if is_method and not _is_builtin(fn) and name not in _in_python:
        _in_python.add(name)
        try:
            return fn(*args, **kwargs)  # a Python method: its parts are dispatched one by one
        finally:
            _in_python.discard(name)
    return _fallback(name, fn, level, args, kwargs)


def _is_builtin(fn):
    return type(fn).__name__ in ("builtin_function_or_method", "instancemethod", "method_descriptor",
                                 "wrapper_descriptor", "method-wrapper")


_register_wrappers()


def _size(level):
    return _level_info(level)[1]


def _unwrap(x, level):
    if type(x) is BatchedTensor and x._level == level:
        return x._value, True
    return x, False


def _ldim(x):
    if type(x) is BatchedTensor or isinstance(x, _C.Tensor):
        return x.dim()
    return 0


def _is_tensor(x):
    return type(x) is BatchedTensor or isinstance(x, _C.Tensor)


def _wrap(x, level):
    if isinstance(x, (tuple, list)):
        items = [_wrap(v, level) for v in x]
        if isinstance(x, list):
            return items
        if type(x) is tuple:
            return tuple(items)
        try:
            return type(x)(items)
        except TypeError:
            return type(x)(*items)
    if _is_tensor(x):
        return BatchedTensor(x, level)
    return x


def _materialize(x, level):
    """The physical form of x at `level`: its value if batched there, else x repeated (expanded) B times."""
    v, b = _unwrap(x, level)
    if b:
        return v
    return x.unsqueeze(0).expand(_size(level), *tuple(x.shape))


def _pad(v, have, want):
    """Physical v of logical rank `have` with size-1 dims after the batch dim up to logical rank `want`."""
    for _ in range(want - have):
        v = v.unsqueeze(1)
    return v


def _norm_dim(d, n, name="dim"):
    m = max(n, 1)
    if not isinstance(d, int) or isinstance(d, bool):
        return d
    if not -m <= d < m:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-m}, {m - 1}], but got {d})")
    return d % m


def _fallback(name, fn, level, args, kwargs):
    if name not in _warned:
        _warned.add(name)
        warnings.warn(f"vmap: there is no batching rule for {name}; it runs once per sample in a Python loop "
                      "and the results are stacked (slow). See docs/design.md, Note [vmap levels].",
                      UserWarning, stacklevel=3)
    B = _size(level)

    def pick(a, i):
        if type(a) is BatchedTensor and a._level == level:
            return a._value[i]
        if isinstance(a, (list, tuple)) and any(type(b) is BatchedTensor for b in a):
            return type(a)(pick(b, i) for b in a) if type(a) in (list, tuple) else a
        return a

    outs = [fn(*[pick(a, i) for a in args], **{k: pick(v, i) for k, v in kwargs.items()}) for i in range(B)]
    from ._pytree import tree_flatten, tree_unflatten
    plain = [tuple(o) if isinstance(o, tuple) else o for o in outs]  # named tuples as tuples
    flat0, spec = tree_flatten(plain[0])
    flats = [tree_flatten(o)[0] for o in plain]
    res = []
    for j, first in enumerate(flat0):
        if _is_tensor(first):
            res.append(BatchedTensor(_C.stack([f[j] for f in flats]), level))
        elif first is None or all(type(f[j]) is type(first) and f[j] == first for f in flats[1:]):
            res.append(first)
        else:
            raise RuntimeError(f"vmap: {name} returned {type(first).__name__}, which cannot be batched")
    out = tree_unflatten(res, spec)
    first = outs[0]
    if isinstance(first, tuple) and type(first) is not tuple:  # a named tuple (return_types)
        try:
            return type(first)(out)
        except TypeError:
            return type(first)(*out)
    return out


def _setitem(self, index, value):
    level = max(self._level, _find_level((index, value), {}))
    v, b = _unwrap(self, level)
    if not b:
        raise RuntimeError("vmap: inplace arithmetic(self, *extra_args) is not possible because there exists a "
                           "Tensor `other` in extra_args that has more elements than `self`. This happened due to "
                           "`other` being vmapped over but `self` not being vmapped over in a vmap.")
    for i in range(_size(level)):
        idx = index._value[i] if type(index) is BatchedTensor and index._level == level else index
        val = value._value[i] if type(value) is BatchedTensor and value._level == level else value
        v[i][idx] = val


def rule(*names):
    def deco(f):
        for n in names:
            _RULES[n] = f
        return f
    return deco


# ---- elementwise ops: operands padded to the output's logical rank broadcast per sample ----

_ELEMENTWISE = """add sub mul div true_divide floor_divide remainder fmod pow float_power maximum minimum fmax fmin
atan2 hypot where clamp clip clamp_min clamp_max eq ne lt le gt ge greater less greater_equal less_equal not_equal
logical_and logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not lerp addcmul addcdiv
masked_fill copysign xlogy nextafter ldexp heaviside isclose
exp exp2 expm1 log log2 log10 log1p sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh sigmoid relu neg
negative abs absolute sqrt rsqrt square reciprocal sign sgn signbit floor ceil round trunc frac erf erfc erfinv lgamma
digamma logit sinc deg2rad rad2deg isnan isinf isfinite isposinf isneginf nan_to_num positive conj real
_gelu _silu _mish _leaky_relu _hardtanh _relu6 _elu _selu _celu _softplus _hardsigmoid _hardswish _logsigmoid
_softsign _tanhshrink _hardshrink _softshrink _threshold relu6 gelu silu elu selu celu softplus hardsigmoid
hardswish logsigmoid mish threshold divide multiply subtract rsub i0 polygamma mvlgamma special_entr special_erfcx
special_i0e special_i1 special_i1e special_log_ndtr special_ndtri special_xlog1py special_zeta special_expit
special_logit special_sinc special_gammaln special_digamma special_psi special_erfinv
to type type_as float double half bfloat16 int long short bool byte char contiguous clone detach
zeros_like ones_like full_like empty_like
__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ __floordiv__ __rfloordiv__ __mod__
__rmod__ __pow__ __rpow__ __and__ __rand__ __or__ __ror__ __xor__ __rxor__ __lshift__ __rlshift__ __rshift__
__rrshift__ __eq__ __ne__ __lt__ __le__ __gt__ __ge__ neg pos abs invert"""


def _elementwise(fn, level, args, kwargs):
    name = getattr(fn, "__name__", "")
    if name == "where" and len(args) + len(kwargs) == 1:
        return _fallback("where", fn, level, args, kwargs)  # where(condition): data-dependent sizes
    if name in ("masked_fill", "masked_fill_") and len(args) > 2 and type(args[2]) is BatchedTensor:
        return _elementwise(_C.where, level, (args[1], args[2], args[0]), {})
    tensors = [a for a in list(args) + list(kwargs.values()) if _is_tensor(a)]
    rank = max(_ldim(a) for a in tensors)

    def phys(a):
        v, b = _unwrap(a, level)
        return _pad(v, _ldim(a), rank) if b else a

    out = fn(*[phys(a) for a in args], **{k: phys(v) for k, v in kwargs.items()})
    return _wrap(out, level)


for _n in _ELEMENTWISE.split():
    _RULES[_n] = _elementwise


@rule("add_", "sub_", "mul_", "div_", "clamp_", "clamp_min_", "clamp_max_", "pow_", "relu_", "sigmoid_", "tanh_",
      "exp_", "neg_", "zero_", "fill_", "copy_", "masked_fill_", "addcmul_", "addcdiv_", "lerp_", "requires_grad_",
      "__iadd__", "__isub__", "__imul__", "__itruediv__")
def _inplace(fn, level, args, kwargs):
    self = args[0]
    v, b = _unwrap(self, level)
    if not b:
        raise RuntimeError("vmap: inplace arithmetic(self, *extra_args) is not possible because there exists a "
                           "Tensor `other` in extra_args that has more elements than `self`. This happened due to "
                           "`other` being vmapped over but `self` not being vmapped over in a vmap. Please try to "
                           "use out-of-place operators instead of inplace arithmetic.")
    rank = _ldim(self)

    def phys(a):
        u, ub = _unwrap(a, level)
        return _pad(u, _ldim(a), rank) if ub else a

    fn(v, *[phys(a) for a in args[1:]], **{k: phys(x) for k, x in kwargs.items()})
    return self


# ---- reductions and dim-wise ops: the logical dims shift by one ----

def _get_arg(args, kwargs, pos, name, default=None):
    if name in kwargs:
        return kwargs[name], True
    if len(args) > pos:
        return args[pos], False
    return default, None


def _set_arg(args, kwargs, pos, name, value, where):
    if where is True or where is None:
        kwargs = dict(kwargs)
        kwargs[name] = value
        return args, kwargs
    args = list(args)
    args[pos] = value
    return tuple(args), kwargs


def _dimwise(dim_pos, all_dims_ok=True, dim_name="dim", default=None):
    def apply(fn, level, args, kwargs):
        self = args[0]
        v, b = _unwrap(self, level)
        if not b:
            return _fallback(fn.__name__ if hasattr(fn, "__name__") else "op", fn, level, args, kwargs)
        n = _ldim(self)
        dim, where = _get_arg(args, kwargs, dim_pos, dim_name)
        if dim is None and default is not None:
            dim, where = default, True
        if dim is None:
            if not all_dims_ok:
                return _fallback(getattr(fn, "__name__", "op"), fn, level, args, kwargs)
            name = getattr(fn, "__name__", "")
            flat = v.reshape(v.shape[0], -1)
            if name in ("max", "min") and len(args) == 1 and not kwargs:
                return BatchedTensor((_C.amax if name == "max" else _C.amin)(flat, 1), level)
            if name in ("median", "nanmedian") and len(args) == 1 and not kwargs:
                return BatchedTensor(getattr(_C, name)(flat, 1)[0], level)
            args, kwargs = _set_arg((flat,) + tuple(args[1:]), kwargs, dim_pos, dim_name, 1, where)
            keep, _ = _get_arg(args, kwargs, dim_pos + 1, "keepdim", False)
            out = fn(*args, **kwargs)
            if keep:
                out = _reshape_keep(out, n)
            return _wrap(out, level)
        squeeze_back = False
        if n == 0:
            return _fallback(getattr(fn, "__name__", "op"), fn, level, args, kwargs)
        if isinstance(dim, (tuple, list)):
            new_dim = tuple(_norm_dim(d, n) + 1 for d in dim)
        else:
            new_dim = _norm_dim(dim, n) + 1
        args, kwargs = _set_arg((v,) + tuple(args[1:]), kwargs, dim_pos, dim_name, new_dim, where)
        out = fn(*args, **kwargs)
        if squeeze_back:
            out = _map_out(out, lambda t: t.squeeze(1) if t.dim() > 1 else t)
        return _wrap(out, level)
    return apply


def _map_out(out, f):
    if isinstance(out, (tuple, list)):
        items = [f(t) if _is_tensor(t) else t for t in out]
        if type(out) in (tuple, list):
            return type(out)(items)
        try:
            return type(out)(items)
        except TypeError:
            return type(out)(*items)
    return f(out)


def _reshape_keep(out, n):
    return _map_out(out, lambda t: t.reshape((t.shape[0],) + (1,) * n))


for _n in ("sum", "mean", "prod", "amax", "amin", "max", "min", "argmax", "argmin", "logsumexp", "std", "var",
           "std_mean", "var_mean", "all", "any", "median", "nanmedian", "nansum", "nanmean", "count_nonzero",
           "aminmax"):
    _RULES[_n] = _dimwise(1)
for _n in ("softmax", "log_softmax", "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"):
    _RULES[_n] = _dimwise(1, all_dims_ok=False)
for _n in ("split", "chunk", "tensor_split"):
    _RULES[_n] = _dimwise(2, all_dims_ok=False, default=0)
for _n in ("topk", "kthvalue"):
    _RULES[_n] = _dimwise(2, all_dims_ok=False, default=-1)


@rule("norm")
def _norm(fn, level, args, kwargs):
    x = args[0]
    v, b = _unwrap(x, level)
    p, _ = _get_arg(args, kwargs, 1, "p", "fro")
    dim, _ = _get_arg(args, kwargs, 2, "dim")
    keepdim, _ = _get_arg(args, kwargs, 3, "keepdim", False)
    extra = {k: val for k, val in kwargs.items() if k not in ("p", "dim", "keepdim")}
    n = _ldim(x)
    if not b or p == "nuc" or len(args) > 4 or n == 0 or (dim is None and keepdim):
        return _fallback("norm", fn, level, args, kwargs)
    if dim is None:  # the norm of all elements: a vector norm of each flattened sample
        q = 2 if p in ("fro", None) else p
        return BatchedTensor(fn(v.reshape(v.shape[0], -1), q, 1, False, **extra), level)
    dims = tuple(_norm_dim(d, n) + 1 for d in dim) if isinstance(dim, (tuple, list)) else _norm_dim(dim, n) + 1
    return BatchedTensor(fn(v, p, dims, keepdim, **extra), level)
_RULES["sort"] = _RULES["argsort"] = _dimwise(1, all_dims_ok=False, default=-1)


# ---- views and shape ops ----

def _sizes(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)) or (len(args) == 1 and hasattr(args[0], "__len__")
                                                                   and not isinstance(args[0], int)):
        return tuple(args[0])
    return tuple(args)


@rule("reshape", "view")
def _reshape(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    if not b:
        return _fallback(fn.__name__, fn, level, args, kwargs)
    shape = _sizes(args[1:]) if len(args) > 1 else tuple(kwargs.get("shape", kwargs.get("size", ())))
    if len(shape) == 1 and not isinstance(shape[0], int) and not hasattr(shape[0], "__index__"):
        return _fallback("view", fn, level, args, kwargs)  # view(dtype)
    return BatchedTensor(fn(v, (v.shape[0],) + tuple(shape)), level)


@rule("view_as", "reshape_as", "expand_as")
def _as(fn, level, args, kwargs):
    self, other = args[0], args[1]
    name = {"view_as": "view", "reshape_as": "reshape", "expand_as": "expand"}[fn.__name__]
    return getattr(self, name)(*tuple(other.shape)) if type(self) is BatchedTensor else _dispatch(
        name, True, (self,) + tuple(other.shape), {})


@rule("flatten")
def _flatten(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    n = _ldim(args[0])
    start, _ = _get_arg(args, kwargs, 1, "start_dim", 0)
    end, _ = _get_arg(args, kwargs, 2, "end_dim", -1)
    if n == 0:
        return BatchedTensor(v.reshape(v.shape[0], 1), level)
    return BatchedTensor(v.flatten(_norm_dim(start, n) + 1, _norm_dim(end, n) + 1), level)


@rule("unflatten")
def _unflatten(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    dim, _ = _get_arg(args, kwargs, 1, "dim")
    sizes, _ = _get_arg(args, kwargs, 2, "sizes")
    return BatchedTensor(v.unflatten(_norm_dim(dim, _ldim(args[0])) + 1, sizes), level)


@rule("transpose", "swapaxes", "swapdims")
def _transpose(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    n = _ldim(args[0])
    d0, _ = _get_arg(args, kwargs, 1, "dim0")
    d1, _ = _get_arg(args, kwargs, 2, "dim1")
    if n == 0:
        _norm_dim(d0, n), _norm_dim(d1, n)
        return BatchedTensor(v, level)
    return BatchedTensor(v.transpose(_norm_dim(d0, n) + 1, _norm_dim(d1, n) + 1), level)


@rule("t")
def _t(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    n = _ldim(args[0])
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    return BatchedTensor(v.transpose(1, 2) if n == 2 else v, level)


@rule("permute")
def _permute(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    dims = _sizes(args[1:]) if len(args) > 1 else tuple(kwargs["dims"])
    n = _ldim(args[0])
    return BatchedTensor(v.permute(0, *[_norm_dim(d, n) + 1 for d in dims]), level)


@rule("movedim", "moveaxis")
def _movedim(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    n = _ldim(args[0])
    src, _ = _get_arg(args, kwargs, 1, "source")
    dst, _ = _get_arg(args, kwargs, 2, "destination")

    def sh(d):
        return tuple(_norm_dim(x, n) + 1 for x in d) if isinstance(d, (tuple, list)) else _norm_dim(d, n) + 1
    if n == 0:
        sh(src), sh(dst)
        return BatchedTensor(v, level)
    return BatchedTensor(v.movedim(sh(src), sh(dst)), level)


@rule("unsqueeze")
def _unsqueeze(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    d, _ = _get_arg(args, kwargs, 1, "dim")
    n = _ldim(args[0]) + 1
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return BatchedTensor(v.unsqueeze(d % n + 1), level)


@rule("squeeze")
def _squeeze(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    n = _ldim(args[0])
    d, _ = _get_arg(args, kwargs, 1, "dim")
    shape = tuple(v.shape)[1:]
    if d is None:
        dims = [i for i, s in enumerate(shape) if s == 1]
    elif isinstance(d, (tuple, list)):
        dims = [_norm_dim(x, n) for x in d]
    else:
        dims = [_norm_dim(d, n)]
    for i in sorted(set(dims), reverse=True):
        if n and shape[i] == 1:
            v = v.squeeze(i + 1)
    return BatchedTensor(v, level)


@rule("expand", "broadcast_to")
def _expand(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    sizes = _sizes(args[1:]) if len(args) > 1 else tuple(kwargs.get("size", kwargs.get("sizes", ())))
    n = _ldim(args[0])
    if len(sizes) < n:
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(args[0].shape)}}}, size={list(sizes)}): the number of "
                           f"sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions in "
                           f"the tensor ({n})")
    v = _pad(v, n, len(sizes))
    return BatchedTensor(v.expand(v.shape[0], *sizes), level)


@rule("repeat")
def _repeat(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    sizes = _sizes(args[1:])
    v = _pad(v, _ldim(args[0]), len(sizes))
    return BatchedTensor(v.repeat(1, *sizes), level)


@rule("select")
def _select(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    d, _ = _get_arg(args, kwargs, 1, "dim")
    i, _ = _get_arg(args, kwargs, 2, "index")
    return BatchedTensor(v.select(_norm_dim(d, _ldim(args[0])) + 1, i), level)


@rule("narrow")
def _narrow(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    d, _ = _get_arg(args, kwargs, 1, "dim")
    s, _ = _get_arg(args, kwargs, 2, "start")
    ln, _ = _get_arg(args, kwargs, 3, "length")
    return BatchedTensor(v.narrow(_norm_dim(d, _ldim(args[0])) + 1, s, ln), level)


@rule("diagonal")
def _diagonal(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    n = _ldim(args[0])
    off, _ = _get_arg(args, kwargs, 1, "offset", 0)
    d1, _ = _get_arg(args, kwargs, 2, "dim1", 0)
    d2, _ = _get_arg(args, kwargs, 3, "dim2", 1)
    return BatchedTensor(v.diagonal(off, _norm_dim(d1, n) + 1, _norm_dim(d2, n) + 1), level)


@rule("__getitem__")
def _getitem(fn, level, args, kwargs):
    self, index = args
    v, b = _unwrap(self, level)
    idx = index if isinstance(index, tuple) else (index,)
    advanced = [i for i in idx if _is_tensor(i) or isinstance(i, list)]
    simple = all(isinstance(i, (int, slice)) or i is None or i is Ellipsis for i in idx
                 if not (_is_tensor(i) or isinstance(i, list)))
    batched_index = any(type(i) is BatchedTensor for i in idx)
    if not b or batched_index or not simple or len(advanced) > 1 or (advanced and any(
            isinstance(i, int) and not isinstance(i, bool) for i in idx)):
        return _fallback("__getitem__", fn, level, args, kwargs)
    return BatchedTensor(v[(slice(None),) + idx], level)


@rule("cat", "concat", "concatenate", "stack")
def _cat(fn, level, args, kwargs):
    tensors, where = _get_arg(args, kwargs, 0, "tensors")
    dim, dwhere = _get_arg(args, kwargs, 1, "dim", 0)
    tensors = list(tensors)
    stack = fn.__name__ == "stack"
    ranks = [_ldim(t) for t in tensors]
    n = max(ranks) if ranks else 0
    phys = []
    for t in tensors:
        if not stack and _ldim(t) == 1 and t.shape[0] == 0 and n > 1:
            continue  # cat skips legacy empty (0,) tensors
        phys.append(_materialize(t, level))
    d = _norm_dim(dim, n + 1 if stack else n) + 1
    out = fn(phys, d)
    return BatchedTensor(out, level)


@rule("unbind")
def _unbind(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    d, _ = _get_arg(args, kwargs, 1, "dim", 0)
    return tuple(BatchedTensor(t, level) for t in v.unbind(_norm_dim(d, _ldim(args[0])) + 1))


@rule("broadcast_tensors")
def _broadcast_tensors(fn, level, args, kwargs):
    tensors = list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else list(args)
    shape = _C.broadcast_shapes(*[tuple(t.shape) for t in tensors])
    return tuple(t.expand(*shape) if type(t) is BatchedTensor else BatchedTensor(_materialize(t, level), level).expand(
        *shape) for t in tensors)


# ---- matrix products: 1-d operands made matrices, operands padded to one logical rank ----

def _matmul_core(level, a, b):
    ra, rb = _ldim(a), _ldim(b)
    if ra == 0 or rb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {ra}D and {rb}D")
    va, ba = _unwrap(a, level)
    vb, bb = _unwrap(b, level)
    if ba and not bb and rb <= 2:
        return BatchedTensor(va @ vb, level)  # (B, ..., k) @ (k[, n]): one matrix product
    sa = ra == 1
    sb = rb == 1
    if ba:
        va = va.unsqueeze(1) if sa else va
    else:
        va = a.unsqueeze(0) if sa else a
    if bb:
        vb = vb.unsqueeze(-1) if sb else vb
    else:
        vb = b.unsqueeze(-1) if sb else b
    ra2, rb2 = max(ra, 2), max(rb, 2)
    r = max(ra2, rb2)
    if ba:
        va = _pad(va, ra2, r)
    if bb:
        vb = _pad(vb, rb2, r)
    out = va @ vb
    if sb:
        out = out.squeeze(-1)
    if sa:
        out = out.squeeze(-2) if not sb else out.squeeze(-1)
    return BatchedTensor(out, level)


@rule("matmul", "mm", "bmm", "mv", "dot", "__matmul__", "__rmatmul__")
def _matmul(fn, level, args, kwargs):
    a, b = args[0], args[1] if len(args) > 1 else kwargs.get("other", kwargs.get("mat2", kwargs.get("vec")))
    name = getattr(fn, "__name__", "matmul")
    if name in ("mm", "bmm", "mv", "dot"):
        want = {"mm": (2, 2), "bmm": (3, 3), "mv": (2, 1), "dot": (1, 1)}[name]
        if (_ldim(a), _ldim(b)) != want:
            return _fallback(name, fn, level, args, kwargs)  # the op's own shape error, per sample
    return _matmul_core(level, a, b)


@rule("_linear", "linear")
def _linear(fn, level, args, kwargs):
    x, w = args[0], args[1]
    bias = args[2] if len(args) > 2 else kwargs.get("bias")
    vx, bx = _unwrap(x, level)
    vw, bw = _unwrap(w, level)
    vb, bb = _unwrap(bias, level) if bias is not None else (None, False)
    if not bw and not bb:
        return BatchedTensor(fn(vx, w, bias), level)  # one (B * N, in) x (in, out) product
    nx = _ldim(x)
    if bw and _ldim(w) == 2 and nx in (1, 2):
        # per-sample weights (B, out, in): w @ x^T keeps the weight's gradient g^T x in the weight's layout
        px = _materialize(x, level)
        if nx == 1:
            out = (vw @ px.unsqueeze(-1)).squeeze(-1)
        else:
            out = (vw @ px.transpose(-1, -2)).transpose(-1, -2)
        out = BatchedTensor(out, level)
    else:
        out = _matmul_core(level, x, w.transpose(-1, -2) if _ldim(w) >= 2 else w)
    return out + bias if bias is not None else out


@rule("addmm")
def _addmm(fn, level, args, kwargs):
    inp, m1, m2 = args[0], args[1], args[2]
    beta = kwargs.get("beta", 1)
    alpha = kwargs.get("alpha", 1)
    prod = _matmul_core(level, m1, m2)
    if alpha != 1:
        prod = prod * alpha
    return prod + (inp * beta if beta != 1 else inp) if beta != 0 else prod


# ---- losses: per sample reductions over a batch of per-sample losses ----

def _sample_reduce(loss, reduction, denom=None):
    """loss is physical (B, ...): reduced over all dims but the batch dim."""
    if reduction == "none":
        return loss
    flat = loss.reshape(loss.shape[0], -1)
    if reduction == "sum":
        return flat.sum(1)
    if denom is not None:
        return flat.sum(1) / denom
    return flat.mean(1)


@rule("_cross_entropy", "_nll_loss")
def _class_loss(fn, level, args, kwargs):
    inp, target = args[0], args[1]
    weight = args[2] if len(args) > 2 else None
    reduction = args[3] if len(args) > 3 else "mean"
    ignore_index = args[4] if len(args) > 4 else -100
    rest = tuple(args[5:])
    if type(weight) is BatchedTensor:
        return _fallback(fn.__name__, fn, level, args, kwargs)
    n = _ldim(inp)
    vi = _materialize(inp, level)
    vt = _materialize(target, level)
    B = vi.shape[0]
    if n == 1:
        vi2, vt2 = vi, vt
    else:
        vi2 = vi.reshape((B * vi.shape[1],) + tuple(vi.shape[2:]))
        vt2 = vt.reshape((B * vt.shape[1],) + tuple(vt.shape[2:]))
    loss = fn(vi2, vt2, weight, "none", ignore_index, *rest)
    loss = loss.reshape((B,) + tuple(vt.shape[1:])) if vt.dtype.is_floating_point is False or vt.dim() != vi.dim() \
        else loss.reshape((B,) + tuple(loss.shape[1:]) if n == 1 else (B, vi.shape[1]) + tuple(loss.shape[1:]))
    denom = None
    if reduction == "mean" and vt.dim() != vi.dim():  # class indices: the mean divides by the counted weights
        counted = (vt != ignore_index)
        if weight is not None:
            w = weight[vt.clamp(0, weight.shape[0] - 1)] * counted.to(weight.dtype)
        else:
            w = counted.to(loss.dtype)
        denom = w.reshape(B, -1).sum(1)
    elif reduction == "mean" and vt.dim() == vi.dim():
        # class probabilities: the mean is over the batch (and spatial) elements of one sample
        denom = None
    return BatchedTensor(_sample_reduce(loss, reduction, denom), level)


@rule("_mse_loss", "_l1_loss", "_smooth_l1_loss", "_huber_loss")
def _pointwise_loss(fn, level, args, kwargs):
    inp, target = args[0], args[1]
    reduction = args[2] if len(args) > 2 else kwargs.get("reduction", "mean")
    rank = max(_ldim(inp), _ldim(target))
    vi = _pad(_materialize(inp, level), _ldim(inp), rank)
    vt = _pad(_materialize(target, level), _ldim(target), rank)
    vi, vt = _C.broadcast_tensors(vi, vt)
    loss = fn(vi, vt, "none", *args[3:], **kwargs)
    return BatchedTensor(_sample_reduce(loss, reduction), level)


# ---- random ops: randomness='error' refuses them, 'different' draws per sample, 'same' draws once ----

def _randomness(level):
    return _level_info(level)[2]


def _random_error():
    raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use the "
                       "'same' or 'different' randomness flags on vmap or perform the randomness operation out of "
                       "vmap")


@rule("randn_like", "rand_like", "randint_like", "bernoulli", "dropout", "alpha_dropout", "feature_alpha_dropout",
      "normal", "poisson", "multinomial", "bernoulli_", "normal_", "uniform_", "random_", "exponential_",
      "_dropout")
def _random(fn, level, args, kwargs):
    name = getattr(fn, "__name__", "random")
    mode = _randomness(level)
    if name in ("dropout", "alpha_dropout", "feature_alpha_dropout"):
        training = args[2] if len(args) > 2 else kwargs.get("train", kwargs.get("training", True))
        if not training:
            return args[0]
    if mode == "error":
        _random_error()
    if mode == "different":
        if name.endswith("_"):
            return _inplace(fn, level, args, kwargs)
        return _elementwise(fn, level, args, kwargs) if name not in ("multinomial",) else _fallback(
            name, fn, level, args, kwargs)
    # 'same': one draw of one sample's shape, shared by the batch
    x = args[0]
    if name in ("randn_like", "rand_like", "randint_like"):
        sample = x._value[0] if type(x) is BatchedTensor else x
        return fn(sample, *args[1:], **kwargs)
    if name in ("dropout", "alpha_dropout", "feature_alpha_dropout"):
        sample = x._value[0] if type(x) is BatchedTensor else x
        mask = fn(_C.ones_like(sample), *args[1:], **kwargs)
        return x * mask
    if name == "bernoulli" and type(x) is BatchedTensor:
        u = _C.rand_like(x._value[0])
        return (BatchedTensor(u.unsqueeze(0).expand(*x._value.shape), level) < x).to(x.dtype)
    return _fallback(name, fn, level, args, kwargs)


# ---- more rules: flips, index ops on the batched tensor, ops batched over leading dims ----

@rule("flip")
def _flip(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    dims, _ = _get_arg(args, kwargs, 1, "dims")
    if not b:
        return _fallback("flip", fn, level, args, kwargs)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    n = _ldim(args[0])
    return BatchedTensor(v.flip(tuple(_norm_dim(d, n) + 1 for d in dims)) if n else v, level)


@rule("roll")
def _roll(fn, level, args, kwargs):
    v, b = _unwrap(args[0], level)
    shifts, _ = _get_arg(args, kwargs, 1, "shifts")
    dims, _ = _get_arg(args, kwargs, 2, "dims")
    if not b or dims is None or (isinstance(dims, (tuple, list)) and len(dims) == 0):
        return _fallback("roll", fn, level, args, kwargs)
    n = _ldim(args[0])
    dims = tuple(_norm_dim(d, n) + 1 for d in dims) if isinstance(dims, (tuple, list)) else _norm_dim(dims, n) + 1
    return BatchedTensor(v.roll(shifts, dims), level)


@rule("gather", "take_along_dim")
def _gather(fn, level, args, kwargs):
    name = getattr(fn, "__name__", "gather")
    x, idx = args[0], (args[2] if name == "gather" else args[1]) if len(args) > (2 if name == "gather" else 1) else (
        kwargs.get("index", kwargs.get("indices")))
    dim, _ = _get_arg(args, kwargs, 1 if name == "gather" else 2, "dim")
    if dim is None or _ldim(x) != _ldim(idx) or _ldim(x) == 0 or kwargs.get("sparse_grad"):
        return _fallback(name, fn, level, args, kwargs)
    d = _norm_dim(dim, _ldim(x)) + 1
    vx, vi = _materialize(x, level), _materialize(idx, level)
    if name == "gather":
        return BatchedTensor(vx.gather(d, vi), level)
    return BatchedTensor(_C.take_along_dim(vx, vi, d), level)


@rule("index_select")
def _index_select(fn, level, args, kwargs):
    x = args[0]
    dim, _ = _get_arg(args, kwargs, 1, "dim")
    idx, _ = _get_arg(args, kwargs, 2, "index")
    v, b = _unwrap(x, level)
    if not b or type(idx) is BatchedTensor:
        return _fallback("index_select", fn, level, args, kwargs)
    n = _ldim(x)
    if n == 0:
        return _fallback("index_select", fn, level, args, kwargs)
    return BatchedTensor(v.index_select(_norm_dim(dim, n) + 1, idx), level)


@rule("outer", "ger")
def _outer(fn, level, args, kwargs):
    a, b = args[0], args[1] if len(args) > 1 else kwargs.get("vec2")
    if _ldim(a) != 1 or _ldim(b) != 1:
        return _fallback(getattr(fn, "__name__", "outer"), fn, level, args, kwargs)
    return a.unsqueeze(-1) * b


# Ops that treat leading dims as a batch already (triangles of matrices, the linear algebra on LAPACK): the
# physical call on operands with the vmap dim in front is the batched call. Every tensor operand is batched
# (materialised) so that the op's own broadcasting of batch dims stays per sample.
_LEADING = """tril triu _linalg_inv _linalg_det _logdet _linalg_slogdet _linalg_cholesky _cholesky _linalg_eigh
_linalg_eigvalsh _linalg_svd _linalg_svdvals _linalg_qr _linalg_solve _linalg_solve_triangular _triangular_solve
_cholesky_solve _linalg_lu_factor_ex _linalg_lu_solve"""


def _leading(fn, level, args, kwargs):
    core = {"tril": 2, "triu": 2}.get(getattr(fn, "__name__", ""), 2)
    for a in list(args) + list(kwargs.values()):
        if _is_tensor(a) and _ldim(a) < 1:
            return _fallback(getattr(fn, "__name__", "op"), fn, level, args, kwargs)
    for a in args[:1]:
        if _is_tensor(a) and _ldim(a) < core:
            return _fallback(getattr(fn, "__name__", "op"), fn, level, args, kwargs)
    ranks = {_ldim(a) for a in list(args) + list(kwargs.values()) if _is_tensor(a)}
    if len(ranks) > 1:  # the op's own broadcasting of batch dims would not line up with the vmap dim
        return _fallback(getattr(fn, "__name__", "op"), fn, level, args, kwargs)

    def phys(a):
        return _materialize(a, level) if _is_tensor(a) else a

    out = fn(*[phys(a) for a in args], **{k: phys(v) for k, v in kwargs.items()})
    return _wrap(out, level)


for _n in _LEADING.split():
    _RULES[_n] = _leading


# ---- normalisation, embedding, convolution ----

def _batched_here(x, level):
    return type(x) is BatchedTensor and x._level == level


@rule("_layer_norm", "_rms_norm")
def _norm_rule(fn, level, args, kwargs):
    name = getattr(fn, "__name__", "")
    rms = name == "_rms_norm"
    inp, shape = args[0], args[1]
    weight = args[2] if len(args) > 2 else None
    bias = None if rms else (args[3] if len(args) > 3 else None)
    rest = args[3:] if rms else args[4:]
    x = _materialize(inp, level)
    if not _batched_here(weight, level) and not _batched_here(bias, level):
        out = fn(x, shape, weight, *rest) if rms else fn(x, shape, weight, bias, *rest)
        return BatchedTensor(out, level)
    out = BatchedTensor(fn(x, shape, None, *rest) if rms else fn(x, shape, None, None, *rest), level)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


@rule("_embedding")
def _embedding_rule(fn, level, args, kwargs):
    weight, idx = args[0], args[1]
    padding_idx = args[2] if len(args) > 2 else None
    scale = args[3] if len(args) > 3 else False
    if not _batched_here(weight, level):
        return BatchedTensor(fn(weight, _materialize(idx, level), *args[2:]), level)
    if scale or (padding_idx is not None and padding_idx != -1 and padding_idx is not False) or _ldim(weight) != 2:
        return _fallback("_embedding", fn, level, args, kwargs)
    w = weight._value  # (B, V, D): each sample's own table
    i = _materialize(idx, level)
    B, D = w.shape[0], w.shape[-1]
    flat = i.reshape(B, -1, 1).expand(B, -1, D) if i.dim() > 1 else i.reshape(B, 1, 1).expand(B, 1, D)
    rows = w.gather(1, flat)
    return BatchedTensor(rows.reshape(tuple(i.shape) + (D,)), level)


@rule("_conv")
def _conv_rule(fn, level, args, kwargs):
    nd, inp, weight, bias, stride, padding, dilation, groups = args
    if kwargs or _ldim(inp) not in (nd + 1, nd + 2):
        return _fallback("_conv", fn, level, args, kwargs)
    x = _materialize(inp, level)
    unbatched_input = _ldim(inp) == nd + 1  # (C, *spatial): one image per sample
    if unbatched_input:
        x = x.unsqueeze(1)
    B, N = x.shape[0], x.shape[1]
    if not _batched_here(weight, level) and not _batched_here(bias, level):
        out = fn(nd, x.reshape((B * N,) + tuple(x.shape[2:])), weight, bias, stride, padding, dilation, groups)
        out = out.reshape((B, N) + tuple(out.shape[1:]))
    else:
        # per-sample weights: one grouped convolution, the samples as groups (input (N, B*C, ...))
        w = _materialize(weight, level)
        O = w.shape[1]
        xg = x.movedim(0, 1).reshape((N, B * x.shape[2]) + tuple(x.shape[3:]))
        wg = w.reshape((B * O,) + tuple(w.shape[2:]))
        bg = None
        if bias is not None:
            bg = _materialize(bias, level).reshape(B * O)
        out = fn(nd, xg, wg, bg, stride, padding, dilation, groups * B)
        out = out.reshape((N, B, O) + tuple(out.shape[2:])).movedim(1, 0)
    if unbatched_input:
        out = out.squeeze(1)
    return BatchedTensor(out, level)


@rule("_binary_cross_entropy", "_binary_cross_entropy_with_logits")
def _bce_rule(fn, level, args, kwargs):
    # (input, target, weight[, pos_weight], reduction): per-sample losses with reduction='none', each sample
    # reduced over its own elements; weights broadcast per sample like the operands
    logits = getattr(fn, "__name__", "") == "_binary_cross_entropy_with_logits"
    inp, target = args[0], args[1]
    extra = list(args[2:-1])
    reduction = args[-1]
    if kwargs or not isinstance(reduction, str):
        return _fallback(getattr(fn, "__name__", "bce"), fn, level, args, kwargs)
    tensors = [inp, target] + [w for w in extra if w is not None]
    rank = max(_ldim(t) for t in tensors)
    vi = _pad(_materialize(inp, level), _ldim(inp), rank)
    vt = _pad(_materialize(target, level), _ldim(target), rank)
    vi, vt = _C.broadcast_tensors(vi, vt)
    ws = []
    for k, w in enumerate(extra):
        if w is None:
            ws.append(None)
        elif logits and k == 1 and not _batched_here(w, level):
            ws.append(w)  # pos_weight: broadcasts over the class dim, the last one
        else:
            ws.append(_pad(_materialize(w, level), _ldim(w), rank))
    loss = fn(vi, vt, *ws, "none")
    return BatchedTensor(_sample_reduce(loss, reduction), level)


@rule("_max_pool_with_indices", "_avg_pool", "_adaptive_avg_pool", "_adaptive_max_pool", "_upsample")
def _spatial_rule(fn, level, args, kwargs):
    # pooling and upsampling of (N, C, *spatial) or (C, *spatial): the samples join the batch dim N
    name = getattr(fn, "__name__", "")
    if name in ("_max_pool_with_indices", "_avg_pool"):
        nd = args[1]
    elif name == "_upsample":
        sizes = args[2] if args[2] is not None else args[3]
        nd = len(sizes) if isinstance(sizes, (tuple, list)) else None
    else:
        nd = len(args[1]) if isinstance(args[1], (tuple, list)) else None
    x = args[0]
    r = _ldim(x)
    if kwargs or not isinstance(nd, int) or r not in (nd + 1, nd + 2) or not _batched_here(x, level) or any(
            type(a) is BatchedTensor for a in args[1:]):
        return _fallback(name, fn, level, args, kwargs)
    v = x._value
    if r == nd + 1:
        return _wrap(fn(v, *args[1:]), level)
    B, N = v.shape[0], v.shape[1]
    out = fn(v.reshape((B * N,) + tuple(v.shape[2:])), *args[1:])
    return _wrap(_map_out(out, lambda t: t.reshape((B, N) + tuple(t.shape[1:]))), level)
