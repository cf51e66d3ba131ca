"""nn.utils: gradient clipping, flattening parameters into one vector, (rnn) padding and packing
variable-length sequences, parametrizations (parametrize, parametrizations.weight_norm) and the legacy
weight_norm."""

from .clip_grad import clip_grad_norm_, clip_grad_value_  # noqa: F401
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from . import rnn  # noqa: F401,E402
from . import parametrize, parametrizations  # noqa: F401,E402
from .weight_norm import remove_weight_norm, weight_norm  # noqa: F401,E402
