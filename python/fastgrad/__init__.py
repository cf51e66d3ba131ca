"""fastgrad: PyTorch's autograd on a small, fast C++ engine.

`import fastgrad as torch` runs PyTorch-style autograd code: tensors with requires_grad, a dynamic graph of
grad_fn Nodes, backward(), .grad accumulation, no_grad(), detach(), vector-Jacobian products.
"""
import builtins as _builtins

from . import _C
from ._C import (  # noqa: F401  (the public surface of the core)
    Generator,
    Tensor,
    arange,
    bernoulli,
    clamp,
    clip,
    clone,
    cos,
    default_generator,
    dot,
    dropout,
    dropout_,
    dtype,
    empty,
    empty_like,
    eq,
    exp,
    eye,
    from_numpy,
    full,
    full_like,
    ge,
    get_default_dtype,
    gt,
    is_grad_enabled,
    le,
    linspace,
    log,
    log_softmax,
    lt,
    matmul,
    mean,
    mm,
    mul,
    multinomial,
    mv,
    ne,
    normal,
    neg,
    norm,
    ones,
    ones_like,
    pow,
    promote_types,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    reciprocal,
    relu,
    select,
    selu,
    selu_,
    set_default_dtype,
    sigmoid,
    sin,
    softmax,
    sqrt,
    squeeze,
    sub,
    sum,
    t,
    tanh,
    transpose,
    unsqueeze,
    zeros,
    zeros_like,
)
from ._C import add, div  # noqa: F401
from ._C import (  # noqa: F401  (elementwise ops and their in-place forms)
    abs,
    abs_,
    absolute,
    acos,
    acos_,
    acosh,
    acosh_,
    addcdiv,
    addcmul,
    allclose,
    arccos,
    arccos_,
    arccosh,
    arccosh_,
    arcsin,
    arcsin_,
    arcsinh,
    arcsinh_,
    arctan,
    arctan2,
    arctan_,
    arctanh,
    arctanh_,
    asin,
    asin_,
    asinh,
    asinh_,
    atan,
    atan2,
    atan_,
    atanh,
    atanh_,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    ceil,
    ceil_,
    clamp_,
    clamp_max,
    clamp_max_,
    clamp_min,
    clamp_min_,
    clip_,
    cos_,
    cosh,
    cosh_,
    divide,
    equal,
    erf,
    erf_,
    erfc,
    erfc_,
    exp2,
    exp2_,
    exp_,
    expm1,
    expm1_,
    fix,
    fix_,
    floor,
    floor_,
    floor_divide,
    fmax,
    fmin,
    fmod,
    frac,
    frac_,
    greater,
    greater_equal,
    hypot,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    lerp,
    less,
    less_equal,
    log10,
    log10_,
    log1p,
    log1p_,
    log2,
    log2_,
    log_,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logit,
    logit_,
    maximum,
    minimum,
    multiply,
    nan_to_num,
    nan_to_num_,
    neg_,
    negative,
    negative_,
    not_equal,
    reciprocal_,
    relu_,
    remainder,
    round,
    round_,
    rsqrt,
    rsqrt_,
    sigmoid_,
    sign,
    sin_,
    sinh,
    sinh_,
    sqrt_,
    square,
    square_,
    subtract,
    tan,
    tan_,
    tanh_,
    true_divide,
    trunc,
    trunc_,
    where,
)
from ._C import bool as bool  # noqa: A001  (dtype objects named like PyTorch's)
from ._C import float32, float64, int32, int64  # noqa: F401
from . import _tensor  # noqa: F401  (adds the Python-side Tensor methods)
from ._creation import as_tensor, tensor  # noqa: F401
from ._device import device, set_default_device, get_default_device  # noqa: F401
from ._size import Size  # noqa: F401
from ._tensor_str import set_printoptions  # noqa: F401
from .autograd.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: F401
from ._C import is_anomaly_enabled, is_inference_mode_enabled  # noqa: F401
from ._random import initial_seed, manual_seed, seed, get_rng_state, set_rng_state  # noqa: F401
from . import autograd, cuda, nn  # noqa: F401
from . import optim, utils, viz  # noqa: F401
from .serialization import load, save  # noqa: F401
from .nn.functional import _binary_cross_entropy_with_logits as binary_cross_entropy_with_logits  # noqa: F401,E501

# PyTorch's dtype aliases.
float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001
del _builtins


def is_tensor(obj):
    """True if obj is a fastgrad Tensor."""
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def reshape(input, shape):
    return input.reshape(shape)


def is_floating_point(input):
    return input.is_floating_point()


__version__ = "0.1.0"
