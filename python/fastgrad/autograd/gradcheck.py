"""gradcheck: compares autograd's gradients with central finite differences (use float64 inputs)."""
import itertools
import warnings

from .. import _C


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients differ."""


def _flat_outputs(out):
    return (out,) if isinstance(out, _C.Tensor) else tuple(o for o in out if isinstance(o, _C.Tensor))


def _numerical_jacobian(func, inputs, index, eps):
    """J[i][j] = d out_j / d input[index]_i by central differences, one column per input element."""
    x = inputs[index]
    alias = x.detach()  # same memory, whatever the strides; writes through it are not recorded
    columns = []
    # func runs in the caller's grad mode (gradgradcheck's func differentiates inside).
    for idx in itertools.product(*(range(n) for n in x.shape)):
        orig = alias[idx].item()
        alias[idx] = orig + eps
        plus = [o.detach().clone() for o in _flat_outputs(func(*inputs))]
        alias[idx] = orig - eps
        minus = [o.detach().clone() for o in _flat_outputs(func(*inputs))]
        alias[idx] = orig
        columns.append([((p - m) / (2 * eps)).reshape(-1) for p, m in zip(plus, minus)])
    return columns  # columns[i][k]: derivative of output k (flattened) w.r.t. element i


def _analytical_jacobian(outputs, inputs, index):
    """rows[k][j] = gradient of element j of output k w.r.t. inputs[index], by vector-Jacobian products."""
    from . import grad

    x = inputs[index]
    rows = []
    for out in outputs:
        per_out = []
        if not out.requires_grad:  # an output that does not depend on any input: a zero Jacobian
            per_out.extend(_C.zeros(x.numel(), dtype=x.dtype) for _ in range(out.numel()))
            rows.append(per_out)
            continue
        for j in range(out.numel()):
            v = _C.zeros(out.numel(), dtype=out.dtype)
            v[j] = 1.0
            (g,) = grad(out, x, v.reshape(out.shape), retain_graph=True, allow_unused=True)
            per_out.append(_C.zeros_like(x).reshape(-1) if g is None else g.reshape(-1))
        rows.append(per_out)
    return rows


def _forward_jacobian(func, inputs, index):
    """columns[i][k]: the JVP of output k (flattened) along element i of inputs[index], by forward AD."""
    from . import forward_ad as fwAD

    x = inputs[index]
    columns = []
    for i in range(x.numel()):
        t = _C.zeros(x.numel(), dtype=x.dtype)
        t[i] = 1.0
        with fwAD.dual_level():
            args = list(inputs)
            args[index] = fwAD.make_dual(x.detach(), t.reshape(tuple(x.shape)))
            out = func(*args)
            outs = (out,) if isinstance(out, _C.Tensor) else tuple(o for o in out if isinstance(o, _C.Tensor))
            col = []
            for o in outs:
                p, tangent = fwAD.unpack_dual(o)
                col.append((_C.zeros_like(p) if tangent is None else tangent).detach().reshape(-1))
        columns.append(col)
    return columns


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, check_forward_ad=False,
              check_backward_ad=True, **_ignored):
    """True when the gradients of func at inputs match finite differences for every input that requires
    grad; otherwise raises GradcheckError (or returns False with raise_exception=False). With
    check_forward_ad=True the Jacobian-vector products of forward AD (dual tensors) are checked too."""
    inputs = (inputs,) if isinstance(inputs, _C.Tensor) else tuple(inputs)
    if not any(isinstance(x, _C.Tensor) and x.requires_grad for x in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them have "
                         "requires_grad=True.")
    for i, x in enumerate(inputs):
        if isinstance(x, _C.Tensor) and x.requires_grad and x.dtype != _C.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating point "
                          "or complex. ", UserWarning, stacklevel=2)
    for index, x in enumerate(inputs):
        if not (isinstance(x, _C.Tensor) and x.requires_grad):
            continue
        numerical = _numerical_jacobian(func, inputs, index, eps)
        # A fresh forward after the perturbations (they bumped the inputs' version counters).
        outputs = _flat_outputs(func(*inputs))
        if check_forward_ad:
            forward = _forward_jacobian(func, inputs, index)
            for k in range(len(outputs)):
                for i in range(x.numel()):
                    for j in range(outputs[k].numel()):
                        a = forward[i][k][j].item()
                        n = numerical[i][k][j].item()
                        if abs(a - n) > atol + rtol * abs(n):
                            if not raise_exception:
                                return False
                            raise GradcheckError(
                                f"Jacobian computed with forward mode mismatch for output {k} with respect to input "
                                f"{index},\nnumerical: {n}\nanalytical: {a}\n(at input element {i}, output element "
                                f"{j})")
        if not check_backward_ad:
            continue
        analytical = _analytical_jacobian(outputs, inputs, index)
        for k in range(len(outputs)):
            for i in range(x.numel()):
                for j in range(outputs[k].numel()):
                    a = analytical[k][j][i].item()
                    n = numerical[i][k][j].item()
                    if abs(a - n) > atol + rtol * abs(n):
                        if not raise_exception:
                            return False
                        raise GradcheckError(
                            f"Jacobian mismatch for output {k} with respect to input {index},\n"
                            f"numerical: {n}\nanalytical: {a}\n(at input element {i}, output element {j})")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, **_ignored):
    """gradcheck of the first derivative: checks second derivatives (create_graph=True) by finite differences."""
    from . import grad

    inputs = (inputs,) if isinstance(inputs, _C.Tensor) else tuple(inputs)
    outputs = _flat_outputs(func(*inputs))
    if grad_outputs is None:
        gen = _C.Generator().manual_seed(0)
        grad_outputs = tuple(_C.randn(tuple(o.shape), dtype=o.dtype, generator=gen).requires_grad_(True) for o in outputs)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, _C.Tensor) else tuple(grad_outputs)
    diff_inputs = [i for i, x in enumerate(inputs) if isinstance(x, _C.Tensor) and x.requires_grad]
    n = len(inputs)

    def first_derivative(*args):
        ins, vs = args[:n], args[n:]
        pairs = [(o, v) for o, v in zip(_flat_outputs(func(*ins)), vs) if o.requires_grad]
        if not pairs:  # nothing depends on the inputs: the first derivative is zero
            return tuple(_C.zeros_like(ins[i]) for i in diff_inputs)
        grads = grad([o for o, _ in pairs], [ins[i] for i in diff_inputs], [v for _, v in pairs],
                     create_graph=True, allow_unused=True)
        return tuple(g if g is not None else _C.zeros_like(ins[i]) for g, i in zip(grads, diff_inputs))

    return gradcheck(first_derivative, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
