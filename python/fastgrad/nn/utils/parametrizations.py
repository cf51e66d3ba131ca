"""nn.utils.parametrizations, as torch.nn.utils.parametrizations: weight_norm as a parametrization
(nn.utils.parametrize). The legacy hook-based form is nn.utils.weight_norm."""
from ... import _C
from ..modules.module import Module
from . import parametrize
from .weight_norm import _norm_except_dim, _weight_norm

__all__ = ["weight_norm"]


class _WeightNorm(Module):
    """w = g * v / ||v||, the norm over every dim but `dim` (over all of v when dim is None or -1)."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return _norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrizes `module.<name>` as `g * v / ||v||` (Salimans and Kingma, 2016): the magnitude g
    (`parametrizations.<name>.original0`) and direction v (`original1`) are the parameters; the norm is over
    every dim but `dim` (all dims when dim is None). A state_dict of the legacy form (`<name>_g`, `<name>_v`)
    loads into it."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                 error_msgs):
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


del _C
