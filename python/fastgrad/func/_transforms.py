"""grad, vjp, jvp, jacrev, jacfwd, hessian and vmap over the engine's reverse mode (docs/design.md,
Note [vmap levels]).

Differentiated inputs are lifted to every active vmap level (so a gradient inside vmap is per sample) and
unwrapped to their base tensor, which becomes a fresh autograd leaf (or an alias of the base when an
enclosing transform or the caller differentiates it: then the graph is kept, create_graph=True). The JVP is
the VJP of the VJP: differentiating u -> J^T u with respect to u in the direction t gives J t."""
import functools

from .. import _C
from ..autograd import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad
from . import _vmap
from ._pytree import broadcast_prefix, tree_flatten, tree_map, tree_unflatten
from ._vmap import BatchedTensor, _active_levels, _pop_level, _push_level

_depth = [0]  # how many transforms' functions are running (a nested transform keeps its graph)


def _is_tensor(x):
    return type(x) is BatchedTensor or isinstance(x, _C.Tensor)


def _has_level(x, level):
    while type(x) is BatchedTensor:
        if x._level == level:
            return True
        x = x._value
    return False


def _add_level(x, level, size):
    if type(x) is BatchedTensor and x._level > level:
        return BatchedTensor(_add_level(x._value, level, size), x._level)
    return BatchedTensor(x.unsqueeze(0).expand(size, *tuple(x.shape)), level)


def _lift(x, levels):
    for level, size in levels:
        if not _has_level(x, level):
            x = _add_level(x, level, size)
    return x


def _base(x):
    while type(x) is BatchedTensor:
        x = x._value
    return x


def _rewrap(base, levels):
    for level, _ in levels:
        base = BatchedTensor(base, level)
    return base


def _detach(x):
    if type(x) is BatchedTensor:
        return BatchedTensor(_detach(x._value), x._level)
    if isinstance(x, _C.Tensor):
        return x.detach()
    return x


# ---- argnums ----

def _validate_argnum(argnum, num_args):
    if not isinstance(argnum, int) or isinstance(argnum, bool):
        raise RuntimeError(f"argnum must be int, got: {type(argnum)}")
    if 0 <= argnum < num_args:
        return argnum
    if -num_args <= argnum < 0:
        return argnum + num_args
    raise RuntimeError(f"Got argnum={argnum}, but only {num_args} positional inputs")


def _slice_argnums(args, argnums, as_tuple=True):
    if not isinstance(argnums, (int, tuple)) or isinstance(argnums, bool):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if isinstance(argnums, int):
        a = _validate_argnum(argnums, len(args))
        return (args[a],) if as_tuple else args[a]
    if len(argnums) == 0:
        raise RuntimeError("argnums must be non-empty")
    nums = tuple(_validate_argnum(a, len(args)) for a in argnums)
    if len(set(nums)) != len(nums):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return tuple(args[i] for i in nums)


def _replace_args(args, new, argnums):
    if isinstance(argnums, int):
        i = _validate_argnum(argnums, len(args))
        return tuple(new if j == i else a for j, a in enumerate(args))
    nums = [_validate_argnum(a, len(args)) for a in argnums]
    out = list(args)
    for k, i in enumerate(nums):
        out[i] = new[k]
    return tuple(out)


# ---- the shared reverse-mode set-up ----

class _Traced:
    """One run of func with differentiable inputs: the leaves, the outputs' bases and the levels."""

    def __init__(self, func, args, kwargs, argnums, has_aux, api, aux_msg):
        self.levels = _active_levels()
        diff = _slice_argnums(args, argnums, as_tuple=False) if argnums is not None else args
        flat, self.in_spec = tree_flatten(diff)
        self.leaves = []
        wrapped = []
        self.keep_graph = _depth[0] > 0
        for x in flat:
            if not _is_tensor(x):
                raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
            base = _base(_lift(x, self.levels))
            if base.requires_grad:
                self.keep_graph = True
                leaf = base.view_as(base)
            else:
                leaf = base.detach().requires_grad_(True)
            self.leaves.append(leaf)
            wrapped.append(_rewrap(leaf, self.levels))
        new_diff = tree_unflatten(wrapped, self.in_spec)
        new_args = _replace_args(args, new_diff, argnums) if argnums is not None else new_diff
        _depth[0] += 1
        try:
            with enable_grad():
                out = func(*new_args, **kwargs)
        finally:
            _depth[0] -= 1
        self.aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError(f"{aux_msg}: output of function f should be a tuple: (output, aux) "
                                   "if has_aux is True")
            out, self.aux = out
            self.aux = tree_map(lambda a: a if self.keep_graph else _detach(a), self.aux)
        self.out = out

    def flatten_out(self, api):
        flat, self.out_spec = tree_flatten(self.out)
        if len(flat) == 0 or (len(flat) == 1 and flat[0] is None):
            raise RuntimeError(f"{api}: Expected f to be a function that has non-empty output (got output = {flat})")
        for o in flat:
            if not _is_tensor(o):
                raise RuntimeError(f"{api}: expected f(*primals) to return only tensors, got unsupported type "
                                   f"{type(o)}")
        self.flat_out = flat
        self.out_bases = [_base(_lift(o, self.levels)) for o in flat]
        return flat

    def grads(self, outs, cotangents, retain, create):
        pairs = [(o, c) for o, c in zip(outs, cotangents) if o.requires_grad]
        if not pairs:
            return [_C.zeros_like(x) for x in self.leaves]
        with enable_grad():
            gs = _autograd_grad([p[0] for p in pairs], self.leaves, [p[1] for p in pairs], retain_graph=retain,
                                create_graph=create, allow_unused=True)
        return [g if g is not None else _C.zeros_like(x) for g, x in zip(gs, self.leaves)]

    def out_value(self):
        return tree_map(lambda o: o if self.keep_graph else _detach(o), self.out)


# ---- grad and grad_and_value ----

def grad_and_value(func, argnums=0, has_aux=False):
    """Returns a function computing (gradient of func with respect to the argnums inputs, func's value); func
    must return a scalar tensor. With has_aux=True func returns (scalar, aux) and the function returns
    (gradient, (value, aux)). Works inside vmap (per-sample gradients) and nests (grad of grad)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        t = _Traced(func, args, kwargs, argnums, has_aux, "grad_and_value(f)(*args)", "grad_and_value(f)(*args)")
        out = t.out
        if not _is_tensor(out):
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}")
        if out.dim() != 0:
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor "
                               f"with {out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
        base = _base(_lift(out, t.levels))
        gs = t.grads([base], [_C.ones_like(base)], retain=t.keep_graph, create=t.keep_graph)
        gs = [_rewrap(g if t.keep_graph else g.detach(), t.levels) for g in gs]
        g = tree_unflatten(gs, t.in_spec)
        value = t.out_value()
        if has_aux:
            return g, (value, t.aux)
        return g, value

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """Returns a function computing the gradient of func (which returns a scalar tensor) with respect to the
    inputs argnums names (an int or a tuple of ints; pytrees of tensors allowed); with has_aux=True func returns
    (scalar, aux) and the function returns (gradient, aux)."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        if has_aux:
            return g, value[1]
        return g

    return wrapper


# ---- vjp ----

def vjp(func, *primals, has_aux=False):
    """Returns (func(*primals), vjp_fn) (and aux with has_aux=True): vjp_fn(cotangents) gives the
    vector-Jacobian products with respect to every primal, cotangents having the structure of the output."""
    t = _Traced(func, primals, {}, None, has_aux, "vjp(f, *primals)", "vjp(f, *primals)")
    flat = t.flatten_out("vjp(f, *primals)")
    for o in flat:
        if not (o.is_floating_point() or o.is_complex()):
            raise RuntimeError(f"vjp(f, ...): All outputs of f must be floating-point or complex Tensors, got Tensor "
                               f"with dtype {o.dtype}")
    levels = t.levels
    known = {lv for lv, _ in levels}

    def vjp_fn(cotangents, retain_graph=True, create_graph=None):
        flat_ct, spec = tree_flatten(cotangents)
        if spec != t.out_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function. cotangents: {spec}, primal output: {t.out_spec}")
        extra = [lv for c in flat_ct for lv in _levels_of(c) if lv not in known]
        if extra:  # vmap over vjp_fn: one vjp per sample of the new level
            lv = max(extra)
            size = _vmap._size(lv)
            per = []
            for i in range(size):
                cts = [c._value[i] if type(c) is BatchedTensor and c._level == lv else c for c in flat_ct]
                per.append(tree_flatten(vjp_fn(tree_unflatten(cts, spec), True, create_graph))[0])
            res = [BatchedTensor(_C.stack([p[j] for p in per]), lv) for j in range(len(per[0]))]
            return tree_unflatten(res, t.in_spec)
        create = t.keep_graph if create_graph is None else create_graph
        cts = [_base(_lift(c, levels)) for c in flat_ct]
        gs = t.grads(t.out_bases, cts, retain=retain_graph, create=create)
        return tree_unflatten([_rewrap(g if create else g.detach(), levels) for g in gs], t.in_spec)

    if has_aux:
        return t.out_value(), vjp_fn, t.aux
    return t.out_value(), vjp_fn


def _levels_of(x):
    out = []
    while type(x) is BatchedTensor:
        out.append(x._level)
        x = x._value
    return out


# ---- jacrev ----

def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """Returns a function computing the Jacobian of func with respect to the argnums inputs by reverse mode
    (one vector-Jacobian product per output element): for an output of shape S and an input of shape I the
    block has shape S + I; pytrees of outputs and inputs give nested structures as in PyTorch."""
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        t = _Traced(func, args, kwargs, argnums, has_aux, "jacrev(f, ...)(*args)", "jacrev(f, ...)(*args)")
        flat_out = t.flatten_out("jacrev(f, ...)(*args)")
        nlev = len(t.levels)
        blocks = []
        for o, ob in zip(flat_out, t.out_bases):
            s = tuple(o.shape)
            n = _numel(s)
            flat_ob = ob.reshape(tuple(ob.shape)[:nlev] + (n,))
            rows = [[] for _ in t.leaves]
            for j in range(n):
                e = _C.zeros_like(flat_ob)
                e.select(nlev, j).fill_(1)
                gs = t.grads([flat_ob], [e], retain=True, create=t.keep_graph)
                for k, g in enumerate(gs):
                    rows[k].append(g if t.keep_graph else g.detach())
            per_in = []
            for k, leaf in enumerate(t.leaves):
                ishape = tuple(leaf.shape)
                if n:
                    jac = _C.stack(rows[k], nlev)
                else:
                    jac = _C.zeros(ishape[:nlev] + (0,) + ishape[nlev:], dtype=leaf.dtype)
                jac = jac.reshape(ishape[:nlev] + s + ishape[nlev:])
                per_in.append(_rewrap(jac, t.levels))
            blocks.append(tree_unflatten(per_in, t.in_spec))
        out = tree_unflatten(blocks, t.out_spec)
        if has_aux:
            return out, t.aux
        return out

    return wrapper


# ---- jvp and jacfwd: the VJP of the VJP ----

class _Forward:
    """func traced once, with the vjp's cotangent u as a variable: tangents t give J t = d(J^T u)/du . t."""

    def __init__(self, func, args, kwargs, argnums, has_aux, api):
        self.t = _Traced(func, args, kwargs, argnums, has_aux, api, api)
        t = self.t
        t.flatten_out(api)
        with enable_grad():
            self.us = [_C.zeros_like(b).requires_grad_(True) for b in t.out_bases]
            gs = t.grads(t.out_bases, self.us, retain=True, create=True)
        self.gs = gs

    def apply(self, tangent_bases, create):
        t = self.t
        pairs = [(g, tb) for g, tb in zip(self.gs, tangent_bases) if g.requires_grad]
        if not pairs:
            return [_C.zeros_like(b) for b in t.out_bases]
        with enable_grad():
            res = _autograd_grad([p[0] for p in pairs], self.us, [p[1] for p in pairs], retain_graph=True,
                                 create_graph=create, allow_unused=True)
        return [r if r is not None else _C.zeros_like(b) for r, b in zip(res, t.out_bases)]


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J tangents) (and aux with has_aux=True): the Jacobian-vector product, computed here as
    the derivative of the vector-Jacobian product with respect to its cotangent (docs/differences.md)."""
    api = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{api}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals).")
    flat_p, pspec = tree_flatten(primals)
    flat_t, tspec = tree_flatten(tangents)
    if pspec != tspec:
        raise RuntimeError(f"{api}: Expected primals and tangents to have the same python structure. For example, "
                           f"if primals is a tuple of 3 tensors, tangents also must be. Got primals with structure "
                           f"{pspec} and tangents with structure {tspec}")
    for name, flat in (("primals", flat_p), ("tangents", flat_t)):
        if len(flat) == 0:
            raise RuntimeError(f"{api}: Expected {name} to contain at least one Tensor.")
        for x in flat:
            if not _is_tensor(x):
                raise RuntimeError(f"{api}: Expected {name} to only contain Tensors, got {type(x)}")
    for p, tg in zip(flat_p, flat_t):
        if tuple(p.shape) != tuple(tg.shape):
            raise RuntimeError(f"{api}: Expected primals and tangents to have the same shape, got "
                               f"{tuple(p.shape)} and {tuple(tg.shape)}")
    f = _Forward(func, primals, {}, None, has_aux, api)
    t = f.t
    if strict and all(not g.requires_grad for g in f.gs):
        raise RuntimeError("jvp(f, primals, tangents, strict=True): The output of f is independent of the inputs. "
                           "This is not allowed with strict=True.")
    tb = [_base(_lift(x, t.levels)).to(leaf.dtype) for x, leaf in zip(flat_t, t.leaves)]
    res = f.apply(tb, t.keep_graph)
    jv = tree_unflatten([_rewrap(r if t.keep_graph else r.detach(), t.levels) for r in res], t.out_spec)
    if has_aux:
        return t.out_value(), jv, t.aux
    return t.out_value(), jv


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """Returns a function computing the Jacobian of func with respect to the argnums inputs column by column
    (one Jacobian-vector product per input element); the same shapes and structure as jacrev."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        api = "jvp(f, primals, tangents)"
        f = _Forward(func, args, kwargs, argnums, has_aux, api)
        t = f.t
        nlev = len(t.levels)
        # columns[k][o] is the list over input k's elements of d out_o / d x_k[e]
        blocks = [[None] * len(t.leaves) for _ in t.flat_out]
        for k, leaf in enumerate(t.leaves):
            ishape = tuple(leaf.shape)
            n = _numel(ishape[nlev:])
            cols = [[] for _ in t.flat_out]
            for e in range(n):
                tb = [_C.zeros_like(x) for x in t.leaves]
                tb[k].reshape(ishape[:nlev] + (n,)).select(nlev, e).fill_(1)
                for o, r in enumerate(f.apply(tb, t.keep_graph)):
                    cols[o].append(r if t.keep_graph else r.detach())
            for o, ob in enumerate(t.out_bases):
                oshape = tuple(ob.shape)
                if n:
                    jac = _C.stack(cols[o], -1)
                else:
                    jac = _C.zeros(oshape + (0,), dtype=ob.dtype)
                blocks[o][k] = _rewrap(jac.reshape(oshape + ishape[nlev:]), t.levels)
        out = tree_unflatten([tree_unflatten(b, t.in_spec) for b in blocks], t.out_spec)
        if has_aux:
            return out, t.aux
        return out

    return wrapper


def hessian(func, argnums=0):
    """Returns a function computing the Hessian of the scalar function func with respect to the argnums inputs:
    the Jacobian of its gradient (jacrev of jacrev here; PyTorch composes jacfwd with jacrev: equal values)."""
    return jacrev(jacrev(func, argnums), argnums)


# ---- vmap ----

def _check_randomness_arg(randomness):
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")


def _name(func):
    return getattr(func, "__name__", repr(func))


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Returns func vectorised over a batch dim: in_dims (an int, None or a pytree prefix of the inputs) says which
    dim of each input is mapped, out_dims where the batch dim goes in each output. Inside, tensors are
    BatchedTensors and every op runs once on the whole batch (a batching rule), or, for ops without a rule,
    once per sample with a warning naming the op. randomness: 'error' refuses random ops, 'different' draws per
    sample, 'same' draws once for the batch. chunk_size maps that many samples at a time."""
    _check_randomness_arg(randomness)
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        if not isinstance(in_dims, (int, tuple)) or isinstance(in_dims, bool):
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or "
                             f"a (potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
        if len(args) == 0:
            raise ValueError(f"vmap({_name(func)})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you "
                             f"are trying to vmap over a function with no inputs. The latter is unsupported.")
        flat_args, spec = tree_flatten(args)
        flat_in = broadcast_prefix(in_dims, spec)
        if flat_in is None:
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with "
                             f"the structure of `inputs`. in_dims has structure {tree_flatten(in_dims)[1]} but "
                             f"inputs has structure {spec}.")
        for i, (a, d) in enumerate(zip(flat_args, flat_in)):
            if d is not None and (not isinstance(d, int) or isinstance(d, bool)):
                raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input "
                                 f"but in_dim must be either an integer dimension or None.")
            if isinstance(d, int) and not _is_tensor(a):
                raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input "
                                 f"but the input is of type {type(a)}. We cannot vmap over non-Tensor arguments, "
                                 f"please use None as the respective in_dim")
            if d is not None and (d < -a.dim() or d >= a.dim()):
                raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some "
                                 f"input, but that input is a Tensor of dimensionality {a.dim()} so expected in_dim "
                                 f"to satisfy -{a.dim()} <= in_dim < {a.dim()}.")
            if d is not None and d < 0:
                flat_in[i] = d % a.dim()
        sizes = [a.shape[d] for a, d in zip(flat_args, flat_in) if d is not None]
        if not sizes:
            raise ValueError("vmap: Expected at least one Tensor to vmap over")
        if any(s != sizes[0] for s in sizes):
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sizes} for the mapped dimension")
        size = sizes[0]
        if chunk_size is None or chunk_size >= size:
            return _flat_vmap(func, size, flat_in, flat_args, spec, out_dims, randomness, kwargs)
        outs = []
        for start in range(0, size, chunk_size):
            n = min(chunk_size, size - start)
            chunk = [a if d is None else a.narrow(d, start, n) for a, d in zip(flat_args, flat_in)]
            outs.append(_flat_vmap(func, n, flat_in, chunk, spec, out_dims, randomness, kwargs))
        flat0, ospec = tree_flatten(outs[0])
        flat_od = _out_dims(out_dims, outs[0], ospec, func)
        parts = [tree_flatten(o)[0] for o in outs]
        merged = []
        for j, od in enumerate(flat_od):
            if od is None:
                merged.append(parts[0][j])
            else:
                merged.append(_C.cat([p[j] for p in parts], od))
        return tree_unflatten(merged, ospec)

    return wrapped


def _out_dims(out_dims, outputs, ospec, func):
    def bad():
        raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with "
                         f"the structure of `outputs`. out_dims has structure {tree_flatten(out_dims)[1]} but outputs "
                         f"has structure {ospec}.")
    if _is_tensor(outputs):
        if isinstance(out_dims, int) or out_dims is None:
            flat = [out_dims]
        elif isinstance(out_dims, tuple) and len(out_dims) == 1:
            flat = list(out_dims)
        else:
            bad()
    else:
        flat = broadcast_prefix(out_dims, ospec)
        if flat is None:
            bad()
    for d in flat:
        if d is not None and (not isinstance(d, int) or isinstance(d, bool)):
            raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a "
                             f"python collection of ints representing where in the outputs the vmapped dimension "
                             f"should appear.")
    return flat


def _flat_vmap(func, size, flat_in, flat_args, spec, out_dims, randomness, kwargs):
    level = _push_level(size, randomness)
    try:
        batched = [a if d is None else BatchedTensor(a.movedim(d, 0) if d else a, level)
                   for a, d in zip(flat_args, flat_in)]
        out = func(*tree_unflatten(batched, spec), **kwargs)
        flat_out, ospec = tree_flatten(out)
        flat_od = _out_dims(out_dims, out, ospec, func)
        name = _name(func)
        res = []
        for o, d in zip(flat_out, flat_od):
            if d is None:
                if type(o) is BatchedTensor and _has_level(o, level):
                    raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None")
                res.append(o)
                continue
            if not _is_tensor(o):
                raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(o)}. Did you "
                                 "mean to set out_dims= to None for output?")
            if type(o) is BatchedTensor and o._level == level:
                v = o._value
            elif type(o) is BatchedTensor and _has_level(o, level):
                raise RuntimeError("vmap: a BatchedTensor of an inner vmap escaped it")
            else:
                v = o.unsqueeze(0).expand(size, *tuple(o.shape))
            n = v.dim()
            if not -n <= d < n:
                raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
            d = d % n
            res.append(v.movedim(0, d) if d else v)
        return tree_unflatten(res, ospec)
    finally:
        _pop_level()
