"""Forward-mode AD (PyTorch's torch.autograd.forward_ad): dual_level, make_dual, unpack_dual.

A dual tensor made by make_dual carries a tangent next to its primal. Every op on dual tensors returns dual
tensors whose tangent is the op's Jacobian-vector product. fastgrad has no JVP formula per op yet: each op's
JVP is the derivative of its VJP with respect to the cotangent (the VJP is linear in it), two reverse passes
of the engine through that one op (docs/differences.md, docs/design.md Note [vmap levels]). Dual tensors are
Python wrappers that reach the ops like vmap's batched tensors (Note [Batched dispatch] in
python/src/arg_errors.cpp)."""
import operator
from typing import NamedTuple, Optional

from .. import _C
from ..func import _vmap
from . import grad as _autograd_grad
from .grad_mode import enable_grad, no_grad

_current_level = [-1]  # the open level's index (0) or -1
_generation = [0]  # which opening of a level a dual tensor belongs to: tangents die with their level


class UnpackedDualTensor(NamedTuple):
    """(primal, tangent) as unpack_dual returns them; tangent is None for a tensor without one."""

    primal: _C.Tensor
    tangent: Optional[_C.Tensor]


class _DualTensor:
    """A primal tensor with its tangent at one forward AD level (what make_dual returns)."""

    __slots__ = ("_primal", "_tangent", "_level")

    def __init__(self, primal, tangent, level):
        self._primal = primal
        self._tangent = tangent
        self._level = level

    @property
    def __class__(self):
        return _C.Tensor

    @property
    def shape(self):
        return self._primal.shape

    def size(self, dim=None):
        return self._primal.size() if dim is None else self._primal.size(dim)

    def dim(self):
        return self._primal.dim()

    ndimension = dim

    @property
    def ndim(self):
        return self._primal.dim()

    def numel(self):
        return self._primal.numel()

    nelement = numel

    def __len__(self):
        return len(self._primal)

    def __iter__(self):
        return iter(self.unbind(0))

    @property
    def dtype(self):
        return self._primal.dtype

    @property
    def device(self):
        return self._primal.device

    @property
    def layout(self):
        return self._primal.layout

    @property
    def is_cuda(self):
        return False

    @property
    def requires_grad(self):
        return self._primal.requires_grad

    @property
    def grad_fn(self):
        return self._primal.grad_fn

    @property
    def is_leaf(self):
        return self._primal.is_leaf

    def is_floating_point(self):
        return self._primal.is_floating_point()

    def is_complex(self):
        return self._primal.is_complex()

    def element_size(self):
        return self._primal.element_size()

    def item(self):
        return self._primal.item()

    def tolist(self):
        return self._primal.tolist()

    def numpy(self, *args, **kwargs):
        return self._primal.numpy(*args, **kwargs)

    def __bool__(self):
        return bool(self._primal)

    @property
    def T(self):
        return self.permute(tuple(range(self.dim() - 1, -1, -1)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def __repr__(self):
        body = repr(self._primal)
        if not _active(self):
            return body
        return body[:-1] + f", tangent={self._tangent!r})"

    def __getattr__(self, name):
        attr = getattr(_C.Tensor, name, None)
        if attr is None or name.startswith("__"):
            raise AttributeError(f"'Tensor' object has no attribute '{name}'")
        if not callable(attr):
            return getattr(self._primal, name)
        return lambda *args, **kwargs: _vmap._route(name, True, (self,) + args, kwargs)

    def __getitem__(self, index):
        return _vmap._route("__getitem__", True, (self, index), {})

    def __setitem__(self, index, value):
        _dispatch("__setitem__", True, (self, index, value), {}, _C.Tensor.__setitem__)


_vmap._install_operators(_DualTensor)


def _active(x):
    return (type(x) is _DualTensor and x._tangent is not None and _current_level[0] >= 0
            and x._level == _generation[0])


_INPLACE_DUNDER = {"__iadd__": operator.add, "__isub__": operator.sub, "__imul__": operator.mul,
                   "__itruediv__": operator.truediv}


def _dispatch(name, is_method, args, kwargs, fn=None):
    """Runs an op on arguments some of which are dual tensors: the primal result and its JVP."""
    if fn is None:
        fn = _vmap._callable(name, is_method)
    inplace = name == "__setitem__" or name in _INPLACE_DUNDER or (name.endswith("_") and not name.startswith("__"))
    if inplace:
        return _inplace(name, is_method, args, kwargs, fn)
    pairs = []  # (leaf, tangent) for each dual input of the current level

    def unwrap(a):
        if type(a) is _DualTensor:
            p = a._primal
            if not _active(a) or not (p.is_floating_point() or p.is_complex()):
                return p
            leaf = p.view_as(p) if p.requires_grad else p.detach().requires_grad_(True)
            pairs.append((leaf, a._tangent))
            return leaf
        if type(a) in (list, tuple) and any(type(b) is _DualTensor for b in a):
            return type(a)(unwrap(b) for b in a)
        return a

    new_args = [unwrap(a) for a in args]
    new_kwargs = {k: unwrap(v) for k, v in kwargs.items()}
    if not pairs:
        return fn(*new_args, **new_kwargs)
    keep = any(leaf.grad_fn is not None for leaf, _ in pairs)  # a primal the caller differentiates
    create = keep or any(t.requires_grad for _, t in pairs)
    with enable_grad():
        out = fn(*new_args, **new_kwargs)
    single = not isinstance(out, (tuple, list))
    outs = [out] if single else list(out)
    diff = [k for k, o in enumerate(outs) if isinstance(o, _C.Tensor) and o.requires_grad
            and (o.is_floating_point() or o.is_complex())]
    tangents = {}
    if diff:
        leaves = [leaf for leaf, _ in pairs]
        with enable_grad():
            us = [_C.zeros_like(outs[k]).requires_grad_(True) for k in diff]
            gs = _autograd_grad([outs[k] for k in diff], leaves, us, create_graph=True, allow_unused=True)
            live = [(g, t) for g, (_, t) in zip(gs, pairs) if g is not None and g.requires_grad]
            if live:
                jv = _autograd_grad([g for g, _ in live], us, [t.to(g.dtype) for g, t in live], create_graph=create,
                                    allow_unused=True)
            else:
                jv = [None] * len(us)
        for k, j in zip(diff, jv):
            tangents[k] = (_C.zeros_like(outs[k]) if j is None else j if create else j.detach())
    level = _generation[0]
    res = []
    for k, o in enumerate(outs):
        if k in tangents:
            res.append(_DualTensor(o if keep else o.detach(), tangents[k], level))
        elif isinstance(o, _C.Tensor) and o.requires_grad and not keep:
            res.append(o.detach())
        else:
            res.append(o)
    if single:
        return res[0]
    if type(out) in (tuple, list):
        return type(out)(res)
    try:
        return type(out)(res)
    except TypeError:
        return type(out)(*res)


def _inplace(name, is_method, args, kwargs, fn):
    self = args[0]
    if type(self) is not _DualTensor:
        raise RuntimeError(f"forward AD: the in-place op {name} writes a dual tensor into a tensor without a tangent; "
                           "this is not supported")
    if name == "__setitem__":
        index, value = args[1], args[2]
        primal = self._primal
        with no_grad():
            primal[index] = value._primal if type(value) is _DualTensor else value
        if _active(self) or _active(value):
            t = self._tangent if _active(self) else _C.zeros_like(primal)
            t = t.clone()
            t[index] = value._tangent if _active(value) else 0.0
            self._tangent = t
            self._level = _generation[0]
        return None
    if name in _VIEW_INPLACE:
        # the primal changes its view in place; the tangent follows
        getattr(self._primal, name)(*args[1:], **kwargs)
        if self._tangent is not None:
            self._tangent = getattr(self._tangent.clone(), name)(*args[1:], **kwargs)
        return self
    if name == "copy_":
        out_fn, out_name = _copy_into(self), "copy"
    elif name in _INPLACE_DUNDER:
        out_fn, out_name = _INPLACE_DUNDER[name], name
    else:
        out_name = name[:-1]
        from ..nn import functional as _F
        out_fn = getattr(_C.Tensor, out_name, None) or getattr(_C, out_name, None) or getattr(_F, out_name, None)
        if out_fn is None:
            raise RuntimeError(f"forward AD: the in-place op {name} has no out-of-place form to differentiate")
    res = _dispatch(out_name, True, args, kwargs, out_fn)
    with no_grad():
        self._primal.copy_(res._primal if type(res) is _DualTensor else res)
    if type(res) is _DualTensor:
        self._tangent = res._tangent
        self._level = res._level
    else:  # the written value has no tangent: neither has the result
        self._tangent = None
    return self


_VIEW_INPLACE = {"squeeze_", "unsqueeze_", "t_", "transpose_", "swapaxes_", "swapdims_"}


def _copy_into(self):
    shape, dtype = tuple(self._primal.shape), self._primal.dtype

    def copied(dst, src, non_blocking=False):
        return src.to(dtype).expand(shape).clone()
    return copied


_vmap._dual["cls"] = _DualTensor
_vmap._dual["dispatch"] = _dispatch
_vmap._register_wrappers()


def enter_dual_level():
    """Opens a forward AD level and returns its index; only one level can be open at a time (as in PyTorch)."""
    if _current_level[0] >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _current_level[0] = 0
    _generation[0] += 1
    _vmap._dual["depth"] += 1
    _vmap._update_depth()
    return 0


def exit_dual_level(*, level=None):
    """Closes the forward AD level: the dual tensors made in it lose their tangents."""
    if level is None:
        level = _current_level[0]
    if level != _current_level[0]:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    _current_level[0] = -1
    _vmap._dual["depth"] = max(0, _vmap._dual["depth"] - 1)
    _vmap._update_depth()


class dual_level:
    """Context manager for forward AD: inside it make_dual attaches tangents and every op on dual tensors
    computes its Jacobian-vector product; on exit the tangents are gone."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, exc_type, exc_value, traceback):
        exit_dual_level()


def make_dual(tensor, tangent, *, level=None):
    """A dual tensor: tensor as its primal and tangent as its tangent (same shape) at the open level."""
    if level is None:
        level = _current_level[0]
    if level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if not (tensor.is_floating_point() or tensor.is_complex()):
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if not (tangent.is_floating_point() or tangent.is_complex()):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {tangent.dtype}")
    if tuple(tensor.shape) != tuple(tangent.shape):
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    primal = tensor._primal if type(tensor) is _DualTensor else tensor
    t = tangent._primal if type(tangent) is _DualTensor else tangent
    return _DualTensor(primal, t, _generation[0])


def unpack_dual(tensor, *, level=None):
    """(primal, tangent) of a dual tensor at the open level; (tensor, None) for any other tensor."""
    if level is None:
        level = _current_level[0]
    if type(tensor) is _DualTensor:
        if level >= 0 and _active(tensor):
            return UnpackedDualTensor(tensor._primal, tensor._tangent)
        return UnpackedDualTensor(tensor._primal, None)
    return UnpackedDualTensor(tensor, None)
