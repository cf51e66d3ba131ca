"""parameters_to_vector / vector_to_parameters: all parameters as one flat vector and back."""

import numpy as np

from ... import _C


def parameters_to_vector(parameters):
    """The parameters flattened and concatenated into one 1-D tensor, in iteration order."""
    flat = [p.reshape(-1) for p in parameters]
    cat = getattr(_C, "cat", None)
    if cat is not None:
        return cat(flat)
    # no cat in the core yet: a differentiable concatenation through a matrix product would be wasteful,
    # so this fallback returns the values without history
    return _C.from_numpy(np.concatenate([f.detach().numpy() for f in flat]))


def vector_to_parameters(vec, parameters):
    """Writes consecutive slices of the 1-D vec into the parameters (in iteration order, each slice reshaped
    to its parameter), replacing their .data."""
    if not isinstance(vec, _C.Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    from ...autograd.grad_mode import no_grad

    offset = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.copy_(vec[offset : offset + n].reshape(p.shape))
            offset += n
