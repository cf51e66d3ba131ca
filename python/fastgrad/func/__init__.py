"""fastgrad.func: composable function transforms (PyTorch's torch.func): grad, grad_and_value, vjp, jvp,
jacrev, jacfwd, hessian, vmap, functional_call and stack_module_state.

vmap runs a per-sample function on a whole batch with batching rules (docs/design.md, Note [vmap levels]);
grad inside vmap gives per-sample gradients as batched ops. jvp and jacfwd are the VJP of the VJP (reverse
mode twice), see docs/differences.md."""
from ._transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp, vmap
from ._functional_call import functional_call, stack_module_state

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "stack_module_state",
           "vjp", "vmap"]
