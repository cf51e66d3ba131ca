"""Higher-level autograd: vjp, jvp, jacobian, hessian, hvp, vhp (PyTorch's torch.autograd.functional).

All are built from autograd.grad; jvp uses the double-vjp trick (the vjp is linear in v, so differentiating
it with respect to v gives the jvp)."""
from .. import _C
from . import grad as _grad
from .grad_mode import enable_grad, no_grad


def _as_tuple(x):
    return (x,) if isinstance(x, _C.Tensor) else tuple(x)


def _prepare(inputs, create_graph):
    # Fresh leaves that require grad, so that differentiating never touches the caller's tensors.
    out = []
    for x in inputs:
        if not isinstance(x, _C.Tensor):
            raise TypeError(f"The inputs given to the function must be Tensors, got {type(x).__name__}")
        y = x if (create_graph and x.requires_grad) else x.detach()
        out.append(y.requires_grad_(True) if not y.requires_grad else y)
    return tuple(out)


def _fill_none(grads, like, strict, what):
    result = []
    for g, x in zip(grads, like):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent of input {what}. "
                                   "This is not allowed in strict mode.")
            g = _C.zeros_like(x)
        result.append(g)
    return tuple(result)


def _unwrap(value, was_tuple):
    return value if was_tuple else value[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product of func at inputs."""
    was_tuple = isinstance(inputs, tuple)
    with enable_grad():
        inputs = _prepare(_as_tuple(inputs), create_graph)
        outputs = func(*inputs)
        out_tuple = isinstance(outputs, tuple)
        outputs = _as_tuple(outputs)
        if v is None:
            if any(o.numel() != 1 for o in outputs):
                raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                                   "Tensor with a single element.")
            v = tuple(_C.ones_like(o) for o in outputs)
        v = _as_tuple(v)
        grads = _grad(outputs, inputs, v, create_graph=create_graph, allow_unused=True, retain_graph=True)
    grads = _fill_none(grads, inputs, strict, "")
    outs = tuple(o if create_graph else o.detach() for o in outputs)
    return _unwrap(outs, out_tuple), _unwrap(tuple(g if create_graph else g.detach() for g in grads), was_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by differentiating a vjp with respect to its vector."""
    was_tuple = isinstance(inputs, tuple)
    with enable_grad():
        inputs = _prepare(_as_tuple(inputs), create_graph)
        if v is None:
            if any(x.numel() != 1 for x in inputs):
                raise RuntimeError("The vector v can only be None if the input to the user-provided function is "
                                   "a single Tensor with a single element.")
            v = tuple(_C.ones_like(x) for x in inputs)
        v = _as_tuple(v)
        outputs = func(*inputs)
        out_tuple = isinstance(outputs, tuple)
        outputs = _as_tuple(outputs)
        dummies = tuple(_C.zeros_like(o).requires_grad_(True) for o in outputs)
        g = _grad(outputs, inputs, dummies, create_graph=True, allow_unused=True)
        g = tuple(gi if gi is not None else _C.zeros_like(x).requires_grad_(True) * 0 for gi, x in zip(g, inputs))
        jv = _grad(g, dummies, v, create_graph=create_graph, allow_unused=True)
    jv = _fill_none(jv, outputs, strict, "")
    outs = tuple(o if create_graph else o.detach() for o in outputs)
    return _unwrap(outs, out_tuple), _unwrap(tuple(j if create_graph else j.detach() for j in jv), out_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of func at inputs; shape output.shape + input.shape (nested tuples for several)."""
    was_tuple = isinstance(inputs, tuple)
    with enable_grad():
        inputs = _prepare(_as_tuple(inputs), create_graph)
        outputs = func(*inputs)
        out_tuple = isinstance(outputs, tuple)
        outputs = _as_tuple(outputs)
        rows = []
        for out in outputs:
            flat = out.reshape(-1)
            per_input = [[] for _ in inputs]
            for j in range(flat.numel()):
                g = _grad(flat[j], inputs, retain_graph=True, create_graph=create_graph, allow_unused=True)
                for k, (gk, x) in enumerate(zip(g, inputs)):
                    if gk is None:
                        if strict:
                            raise RuntimeError("Output is independent of input. This is not allowed in strict mode.")
                        gk = _C.zeros_like(x)
                    per_input[k].append(gk if create_graph else gk.detach())
            jac = []
            for k, x in enumerate(inputs):
                if per_input[k]:
                    stacked = _stack(per_input[k])
                else:
                    stacked = _C.zeros(0, *x.shape, dtype=x.dtype)
                jac.append(stacked.reshape(tuple(out.shape) + tuple(x.shape)))
            rows.append(tuple(jac))
    if not out_tuple and not was_tuple:
        return rows[0][0]
    if not out_tuple:
        return rows[0]
    if not was_tuple:
        return tuple(r[0] for r in rows)
    return tuple(rows)


def _stack(tensors):
    """Rows (flattened gradients) stacked into a matrix; differentiable when fastgrad.stack exists."""
    flat = [t.reshape(-1) for t in tensors]
    stack = getattr(_C, "stack", None)
    if stack is not None:
        return stack(flat)
    out = _C.zeros(len(flat), flat[0].numel(), dtype=flat[0].dtype)
    with no_grad():
        for i, f in enumerate(flat):
            out[i] = f
    return out


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function at inputs."""
    was_tuple = isinstance(inputs, tuple)
    inputs = _as_tuple(inputs)

    def gradient(*xs):
        with enable_grad():
            out = func(*xs)
            if not isinstance(out, _C.Tensor) or out.numel() != 1:
                raise RuntimeError("The function given to hessian should return a single Tensor with a single "
                                   "element")
            g = _grad(out.reshape(()), xs, create_graph=True, allow_unused=True)
        return tuple(gi if gi is not None else _C.zeros_like(x) for gi, x in zip(g, xs))

    res = jacobian(gradient, inputs, create_graph=create_graph, strict=strict)
    if not was_tuple:
        return res[0][0]
    return res


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H)."""
    was_tuple = isinstance(inputs, tuple)
    with enable_grad():
        xs = _prepare(_as_tuple(inputs), True)
        out = func(*xs)
        if not isinstance(out, _C.Tensor) or out.numel() != 1:
            raise RuntimeError("The function given to vhp should return a single Tensor with a single element")
        g = _grad(out.reshape(()), xs, create_graph=True, allow_unused=True)
        g = tuple(gi if gi is not None else _C.zeros_like(x) for gi, x in zip(g, xs))
        v = _as_tuple(v) if v is not None else tuple(_C.ones_like(x) for x in xs)
        res = _grad(g, xs, v, create_graph=create_graph, allow_unused=True)
    res = _fill_none(res, xs, strict, "")
    return (out if create_graph else out.detach(),
            _unwrap(tuple(r if create_graph else r.detach() for r in res), was_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v); the Hessian is symmetric for twice-differentiable functions, so H v = (v^T H)^T."""
    return vhp(func, inputs, v, create_graph=create_graph, strict=strict)
