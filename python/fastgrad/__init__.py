"""fastgrad: PyTorch's autograd on a small, fast C++ engine.

`import fastgrad as torch` runs PyTorch-style autograd code: tensors with requires_grad, a dynamic graph of
grad_fn Nodes, backward(), .grad accumulation, no_grad(), detach(), vector-Jacobian products.
"""
import builtins as _builtins

from . import _C
from ._C import (  # noqa: F401  (the public surface of the core)
    addmm,
    addmv,
    arange,
    argwhere,
    baddbmm,
    bernoulli,
    bmm,
    clamp,
    clip,
    clone,
    cos,
    default_generator,
    dot,
    dropout,
    dropout_,
    dtype,
    einsum,
    empty,
    empty_like,
    eq,
    exp,
    eye,
    from_numpy,
    full,
    full_like,
    gather,
    ge,
    Generator,
    ger,
    get_default_dtype,
    gt,
    index_add,
    index_put,
    index_select,
    is_grad_enabled,
    le,
    linspace,
    log,
    log_softmax,
    lt,
    masked_fill,
    masked_select,
    matmul,
    mean,
    mm,
    mul,
    multinomial,
    mv,
    ne,
    neg,
    nonzero,
    norm,
    normal,
    ones,
    ones_like,
    outer,
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
    scatter,
    scatter_add,
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
    take,
    take_along_dim,
    tanh,
    Tensor,
    trace,
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
    xlogy,
)
from ._C import digamma, erfinv, i0, i0_, lgamma, mvlgamma, polygamma, sinc, sinc_  # noqa: F401  (gamma family)
from ._C import fill_, zero_  # noqa: F401  (torch.fill_(t, v), torch.zero_(t): the methods as functions)
from ._C import bool as bool  # noqa: A001  (dtype objects named like PyTorch's)
from ._C import bfloat16, float16, float32, float64, int8, int16, int32, int64, uint8  # noqa: F401
from ._C import (  # noqa: F401  (reductions)
    all,  # noqa: A004
    amax,
    amin,
    any,  # noqa: A004
    argmax,
    argmin,
    count_nonzero,
    cumprod,
    cumsum,
    logsumexp,
    max,  # noqa: A004
    min,  # noqa: A004
    prod,
    std,
    std_mean,
    var,
    var_mean,
)
from ._C import (  # noqa: F401  (ordering, distinct elements, counting)
    argsort,
    bincount,
    histc,
    histogram,
    kthvalue,
    msort,
    sort,
    topk,
    unique,
    unique_consecutive,
)
from ._C import (  # noqa: F401  (shape ops, views, joining and splitting)
    adjoint,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_shapes,
    broadcast_tensors,
    broadcast_to,
    cat,
    chunk,
    column_stack,
    concat,
    concatenate,
    diag,
    diagonal,
    dstack,
    flatten,
    flip,
    hstack,
    meshgrid,
    moveaxis,
    movedim,
    narrow,
    as_strided,
    permute,
    repeat_interleave,
    reshape,
    roll,
    row_stack,
    split,
    stack,
    swapaxes,
    swapdims,
    tensor_split,
    tile,
    tril,
    triu,
    unbind,
    unflatten,
    vstack,
)
from . import _tensor  # noqa: F401  (adds the Python-side Tensor methods)
from ._dlpack import from_dlpack  # noqa: F401
from ._creation import as_tensor, tensor  # noqa: F401
from ._device import device, set_default_device, get_default_device  # noqa: F401
from ._size import Size  # noqa: F401
from ._tensor_str import set_printoptions  # noqa: F401
from .autograd.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: F401
from ._C import is_anomaly_enabled, is_inference_mode_enabled  # noqa: F401
from ._random import initial_seed, manual_seed, seed, get_rng_state, set_rng_state  # noqa: F401
from ._C import empty_cache, get_num_threads, set_num_threads  # noqa: F401  (runtime: threads, memory)
from ._rnn import gru, gru_cell, lstm, lstm_cell, rnn_relu, rnn_relu_cell, rnn_tanh, rnn_tanh_cell  # noqa: F401,E501
from . import autograd, backends, cuda, nn, return_types, special  # noqa: F401
from . import optim, utils, viz  # noqa: F401
from .serialization import load, save  # noqa: F401
from . import accelerator, testing  # noqa: F401
from . import linalg  # noqa: F401,E402

linalg._install(globals(), Tensor)


def __getattr__(name):
    # fastgrad.multiprocessing, .distributed, .distributions and .func on first use (importing them would cost
    # `import fastgrad` 30-80 ms each); torch.vmap is torch.func.vmap
    if name in ("multiprocessing", "distributed", "distributions", "func"):
        import importlib

        return importlib.import_module("." + name, __name__)
    if name == "vmap":
        from .func import vmap

        return vmap
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


from ._compile import compile  # noqa: F401,A004


def install_as_torch():
    """Make every ``import torch`` in this process import fastgrad, and return the ``fastgrad`` module.

    ``import torch``, ``import torch.nn.functional as F``, ``from torch.utils.data import DataLoader`` then give
    fastgrad's modules, so a PyTorch program runs on fastgrad unmodified (``python -m fastgrad run script.py``
    does this for a script). It must run before anything imports the real torch (RuntimeError otherwise);
    calling it again does nothing. (The machinery lives in fastgrad._as_torch, imported here on first use.)
    """
    from ._as_torch import install_as_torch as install

    return install()


from . import amp, cpu  # noqa: F401,E402
from .amp.autocast_mode import (  # noqa: F401,E402
    autocast,
    clear_autocast_cache,
    get_autocast_cpu_dtype,
    get_autocast_dtype,
    is_autocast_cache_enabled,
    is_autocast_cpu_enabled,
    is_autocast_enabled,
    set_autocast_cache_enabled,
    set_autocast_dtype,
    set_autocast_enabled,
)
from ._settings import (  # noqa: F401,E402  (recorded switches: fastgrad's kernels are deterministic, full float32)
    are_deterministic_algorithms_enabled,
    get_float32_matmul_precision,
    is_deterministic_algorithms_warn_only_enabled,
    set_float32_matmul_precision,
    use_deterministic_algorithms,
)
from ._dtype_info import finfo, iinfo  # noqa: F401
from . import _memory_format  # noqa: E402

_memory_format.install(globals())

# PyTorch's constants (torch.pi, torch.e, torch.inf, torch.nan; torch.newaxis is None, as numpy.newaxis).
pi = 3.141592653589793
e = 2.718281828459045
inf = _builtins.float("inf")
nan = _builtins.float("nan")
newaxis = None
from .nn.functional import _binary_cross_entropy_with_logits as binary_cross_entropy_with_logits  # noqa: F401,E501
from ._C import convolution  # noqa: F401,E402  (torch.convolution: either kind, every argument given)
from .nn.functional import (  # noqa: F401,E402  (torch.conv2d and the rest, as torch has them at the top level)
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)

# PyTorch's dtype aliases.
float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001
half = float16
short = int16
del _builtins


def is_tensor(obj):
    """True if obj is a fastgrad Tensor."""
    return isinstance(obj, Tensor)


def is_complex(input):
    """True if input's dtype is complex: always False (fastgrad has no complex dtypes)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_complex(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.is_complex()


def numel(input):
    """The number of elements of input: the product of its sizes (1 for a 0-dim tensor)."""
    return input.numel()


def is_floating_point(input):
    """True when input's dtype is a floating type."""
    return input.is_floating_point()


def _method_as_function(name):
    method = getattr(Tensor, name)

    def fn(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        return method(input, *args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"fastgrad.{name}(input, ...) is input.{name}(...)."
    return fn


# Functions PyTorch also has at the top level that fastgrad implements as Tensor methods.
for _name in ("addmv_", "detach", "detach_", "fill_", "index_put_", "is_inference", "split_with_sizes", "zero_"):
    globals()[_name] = _method_as_function(_name)
del _name

from ._legacy import BoolTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor  # noqa: E402,F401

__version__ = "0.1.0"

from . import _docs  # noqa: E402

_docs.attach()  # before the wrappers below copy the docstrings (Note [Docstrings of bound functions])

from . import _numpy_names  # noqa: E402

_numpy_names.install(globals())

from . import _out  # noqa: E402

_out.install(globals())  # out= on the functions that take it in PyTorch (Note [Out arguments] in _out.py)
