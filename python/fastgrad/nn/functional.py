"""fastgrad.nn.functional: PyTorch's functional API over the core's ops.

The math lives in C++ (cpp/src/ops/nn*.cpp); this layer adds PyTorch's signatures: `inplace=` flags, the
legacy `size_average`/`reduce` arguments, `weight=` on the elementwise losses (composite, as in PyTorch)
and PyTorch's warnings.
"""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Optional, Tuple  # noqa: F401

    from .._C import Tensor

import numbers
import warnings

from .. import _C
from ..amp.autocast_mode import _autocast_op  # Note [Autocast]
from ._functional_checks import (  # noqa: F401  (re-exported: nn modules use F._reduction)
    _BOOL_NEGATION,
    _BOOL_SUBTRACTION,
    _CATEGORY,
    _CPP_TYPE_NAMES,
    _TYPE_NAMES,
    _broadcast_shape,
    _check_cast,
    _check_inplace_shape,
    _check_reduction,
    _clamp_min_value_only,
    _fails_in_backward,
    _floating_kernel,
    _loss_reduction,
    _no_grad,
    _promoted,
    _reduction,
    _tensor_args,
    _warn_target_size,
)
from ._functional_losses import (  # noqa: F401  (the losses live in their own module)
    _REDUCTION_ENUM,
    _bce_with_logits,
    _binary_cross_entropy_with_logits,
    _reduce,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    cross_entropy,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    multilabel_soft_margin_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
)


# ---- activations ----


def relu(input, inplace=False) -> Tensor:
    """Elementwise max(x, 0). With inplace=True the result is written into input, which is returned."""
    return _C.relu_(input) if inplace else _C.relu(input)


def relu_(input) -> Tensor:
    """In place: input = max(input, 0), returned."""
    return _C.relu_(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False) -> Tensor:
    """Elementwise clamp(x, min_val, max_val) (default [-1, 1]); the gradient is 1 strictly inside. With
    inplace=True the result is written into input, which is returned."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _C._hardtanh_(input, min_val, max_val) if inplace else _C._hardtanh(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0) -> Tensor:
    """In place hardtanh: input = clamp(input, min_val, max_val), returned."""
    # PyTorch's hardtanh_ is the kernel itself: no min_val <= max_val check (min > max gives max everywhere)
    return _C._hardtanh_(input, min_val, max_val)


def relu6(input, inplace=False) -> Tensor:
    """Elementwise min(max(x, 0), 6). With inplace=True the result is written into input, which is returned."""
    return _C._hardtanh_(input, 0.0, 6.0) if inplace else _C._relu6(input)


def leaky_relu(input, negative_slope=0.01, inplace=False) -> Tensor:
    """Elementwise x for x >= 0, negative_slope * x otherwise (negative_slope 0.01 by default). With
    inplace=True the result is written into input, which is returned."""
    return _C._leaky_relu_(input, negative_slope) if inplace else _C._leaky_relu(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01) -> Tensor:
    """In place leaky ReLU: input = x for x >= 0, negative_slope * x otherwise; input is returned."""
    return _C._leaky_relu_(input, negative_slope)


def elu(input, alpha=1.0, inplace=False) -> Tensor:
    """Elementwise ELU: x for x > 0, alpha * (exp(x) - 1) otherwise. With inplace=True the result is written
    into input, which is returned."""
    return _C._elu_(input, alpha) if inplace else _C._elu(input, alpha)


def elu_(input, alpha=1.0) -> Tensor:
    """In place ELU: input = x for x > 0, alpha * (exp(x) - 1) otherwise; input is returned."""
    return _C._elu_(input, alpha)


def selu(input, inplace=False) -> Tensor:
    """Elementwise SELU: scale * (max(0, x) + min(0, alpha * (exp(x) - 1))) with alpha = 1.6732632423543772
    and scale = 1.0507009873554805. With inplace=True the result is written into input, which is returned."""
    return _C.selu_(input) if inplace else _C.selu(input)


def selu_(input) -> Tensor:
    """In place SELU (see selu); input is returned."""
    return _C.selu_(input)


def gelu(input, approximate="none") -> Tensor:
    """Elementwise GELU: x * Phi(x) with Phi the standard normal CDF, x/2 * (1 + erf(x / sqrt(2))); with
    approximate='tanh', x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))."""
    return _C._gelu(input, approximate)


def silu(input, inplace=False) -> Tensor:
    """Elementwise SiLU (swish): x * sigmoid(x). With inplace=True the result is written into input, which is
    returned."""
    return _C._silu_(input) if inplace else _C._silu(input)


def mish(input, inplace=False) -> Tensor:
    """Elementwise x * tanh(softplus(x)). With inplace=True the result is written into input, which is
    returned."""
    return _C._mish_(input) if inplace else _C._mish(input)


def softplus(input, beta=1.0, threshold=20.0) -> Tensor:
    """Elementwise log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (where the two agree to
    float precision)."""
    return _C._softplus(input, beta, threshold)


def _method(input, name):
    """torch's F op that calls input.<name>(): AttributeError for a non-tensor."""
    if not isinstance(input, _C.Tensor):
        raise AttributeError(f"'{type(input).__name__}' object has no attribute '{name}'")


def sigmoid(input) -> Tensor:
    """Elementwise logistic sigmoid 1/(1 + exp(-x))."""
    _method(input, "sigmoid")
    return _C.sigmoid(input)


def tanh(input) -> Tensor:
    """Elementwise hyperbolic tangent tanh(x)."""
    _method(input, "tanh")
    return _C.tanh(input)


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None) -> Tensor:
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j) along dim (the maximum subtracted first for stability); dtype
    casts input first."""
    _method(input, "dim" if dim is None else "softmax")
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    return _C.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None) -> Tensor:
    """log(softmax(x)) along dim, computed as x_i - logsumexp(x): stable for large |x|."""
    _method(input, "dim" if dim is None else "log_softmax")
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _C.log_softmax(input, dim, dtype)


# ---- linear, dropout, normalize, one_hot ----


def linear(input, weight, bias=None) -> Tensor:
    """y = input @ weight^T + bias, weight of shape (out_features, in_features) and bias (out_features,) or
    None; input (*, in_features)."""
    return _C._linear(input, weight, bias)


def dropout(input, p=0.5, training=True, inplace=False) -> Tensor:
    """During training (training=True), zeroes each element with probability p and scales the others by 1/(1 -
    p), keeping the expectation; returns input unchanged otherwise. With inplace=True the result is written
    into input, which is returned."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return _C.dropout_(input, p, training) if inplace else _C.dropout(input, p, training)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None) -> Tensor:
    """input divided by its p-norm along dim, the norm clamped below at eps: x / max(||x||_p, eps)."""
    if out is not None:
        raise NotImplementedError("fastgrad: normalize(out=...) is not supported")
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps)
    return input / denom


def one_hot(tensor, num_classes=-1) -> Tensor:
    """An int64 tensor of shape input.shape + (num_classes,) with 1 at each index of input and 0 elsewhere;
    num_classes=-1 uses input.max() + 1."""
    return _C._one_hot(tensor, num_classes)


# ---- attention ----


def _repeat_heads(t, times):
    """t (..., H, S, E) with each head repeated `times` times in place (repeat_interleave along dim -3)."""
    if times == 1:
        return t
    shape = tuple(t.shape)
    return t.unsqueeze(-3).expand(*shape[:-2], times, *shape[-2:]).reshape(*shape[:-3], shape[-3] * times, *shape[-2:])


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False) -> Tensor:
    r"""Attention of ``query`` over ``key``/``value``: ``softmax(query @ key.transpose(-2, -1) * scale + bias) @ value``.

    Shapes as PyTorch's: query ``(..., L, E)``, key ``(..., S, E)``, value ``(..., S, Ev)``, result
    ``(..., L, Ev)``; the leading dims broadcast.

    Args:
        attn_mask: optional; a boolean mask (``True`` = take part in attention) or a float mask added to the
            scores, broadcastable to ``(..., L, S)``.
        dropout_p: dropout probability on the attention weights (applied whatever the module's mode, as in
            PyTorch: pass 0.0 in evaluation).
        is_causal: mask out keys after each query's position (``tril(ones(L, S))``); with an explicit mask only
            for 4-D inputs (both masks apply), as PyTorch.
        scale: the scores' factor; ``1 / sqrt(E)`` by default.
        enable_gqa: grouped-query attention: key and value may have fewer heads (dim -3) than query, each head
            serving ``Hq / Hkv`` query heads.

    Without dropout and without a mask that requires grad this is one native op whose ``grad_fn`` is PyTorch's
    CPU kernel's (``ScaledDotProductFlashAttentionForCpuBackward0`` for 4-D inputs); otherwise it is composed of
    matmul, softmax and dropout as PyTorch's math path (same random stream for the dropout). Rows of the weights
    that attend to no key are 0, as in PyTorch.
    """
    if enable_gqa and query.dim() >= 3 and key.dim() >= 3 and value.dim() >= 3:
        hq, hk, hv = query.size(-3), key.size(-3), value.size(-3)
        if hq != hk or hq != hv:
            if hk == 0 or hv == 0 or hq % hk or hq % hv:
                raise RuntimeError("Number of heads in key and value must divide the number of heads in query")
            key, value = _repeat_heads(key, hq // hk), _repeat_heads(value, hq // hv)
    if min(query.dim(), key.dim(), value.dim()) >= 2:
        lead = tuple(_C.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2]), tuple(value.shape[:-2])))
        if any(tuple(t.shape[:-2]) != lead for t in (query, key, value)):  # PyTorch's math path broadcasts
            return _attention_math(query, key, value, attn_mask, dropout_p, is_causal, scale)
    mask_grad = attn_mask is not None and attn_mask.dtype is not _C.bool and attn_mask.requires_grad
    # PyTorch's CPU flash kernel takes 4-D operands with unit last-dim strides, value's head dim equal to query's
    # and a 2-D or 4-D mask; other 4-D calls take its math path (their grad_fn tells).
    math_4d = query.dim() == 4 and key.dim() == 4 and value.dim() == 4 and (
        any(t.stride(-1) != 1 for t in (query, key, value)) or value.size(-1) != query.size(-1)
        or (attn_mask is not None and attn_mask.dim() not in (2, 4)))
    if dropout_p > 0.0 or mask_grad or math_4d:
        return _attention_math(query, key, value, attn_mask, dropout_p, is_causal, scale)
    return _C._scaled_dot_product_attention(query, key, value, attn_mask, is_causal,
                                            None if scale is None else float(scale))


def _attention_math(query, key, value, attn_mask, dropout_p, is_causal, scale):
    """PyTorch's math path: matmul, (masked) softmax with fully masked rows set to 0, dropout, matmul."""
    import math
    L, S = query.size(-2), key.size(-2)
    E = query.size(-1)
    # E = 0: every score is an empty sum, 0, whatever the factor (PyTorch's weights are then uniform)
    factor = (1.0 / math.sqrt(E) if E > 0 else 1.0) if scale is None else scale
    scores = query @ key.transpose(-2, -1) * factor
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
        attn_mask = _C.ones((L, S), dtype=_C.bool).tril()
    if attn_mask is not None:
        if attn_mask.dtype is _C.bool:
            scores = scores.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            scores = scores + attn_mask
        empty = (scores == float("-inf")).all(-1, keepdim=True)
        weights = softmax(scores.masked_fill(empty, 0.0), -1).masked_fill(empty, 0.0)
    else:
        weights = softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return weights @ value


# ---- multi-head attention (nn.MultiheadAttention's functional form) ----


def _none_or_dtype(input):
    """The dtype of a mask, or None (PyTorch's helper of the same name)."""
    if input is None:
        return None
    if isinstance(input, _C.Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A boolean mask (True = do not attend) as a float mask of `target_type` with -inf where True; a float mask
    as it is; other dtypes refused, as PyTorch's helper of the same name."""
    if mask is None:
        return None
    if mask.dtype is _C.bool:
        return _C.zeros(tuple(mask.shape), dtype=target_type).masked_fill_(mask, float("-inf"))
    if not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    return mask


def _in_projection_packed(q, k, v, w, b=None):
    """q, k and v projected by the packed (3E, E) weight: one product for self-attention, two when key is value."""
    E = q.size(-1)
    if k is v:
        if q is k:
            proj = linear(q, w, b)
            proj = proj.unflatten(-1, (3, E)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
            return proj[0], proj[1], proj[2]
        w_q, w_kv = w.split([E, E * 2])
        b_q, b_kv = (None, None) if b is None else b.split([E, E * 2])
        q_proj = linear(q, w_q, b_q)
        kv_proj = linear(k, w_kv, b_kv)
        kv_proj = kv_proj.unflatten(-1, (2, E)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
        return q_proj, kv_proj[0], kv_proj[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False) -> Tuple[Tensor, Optional[Tensor]]:
    r"""Multi-head attention over sequence-first inputs, as ``nn.MultiheadAttention`` computes it.

    query ``(L, N, E)`` (or unbatched ``(L, E)``), key ``(S, N, Ek)``, value ``(S, N, Ev)``. Returns the output
    ``(L, N, E)`` and, with ``need_weights``, the attention weights ``(N, L, S)`` averaged over the heads (or
    ``(N, H, L, S)`` with ``average_attn_weights=False``), else None. Boolean masks mark the positions that may
    *not* be attended (``True`` = masked); float masks are added to the scores. With ``need_weights=False`` the
    heads go through ``scaled_dot_product_attention``.
    """
    import math

    is_batched = query.dim() == 3
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask), "attn_mask",
                                       query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # scaled_dot_product_attention applies the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                                 f"{tuple(value.shape[:2])}")
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = in_proj_bias.chunk(3)
        q, k, v = linear(query, q_proj_weight, b_q), linear(key, k_proj_weight, b_k), linear(value, v_proj_weight, b_v)
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if bias_k is not None and bias_v is not None:
        k = _C.cat([k, bias_k.repeat(1, bsz, 1)])
        v = _C.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.view(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None else static_k)
    v = (v.view(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None else static_v)
    if add_zero_attn:
        zero = (bsz * num_heads, 1, head_dim)
        k = _C.cat([k, _C.zeros(zero, dtype=k.dtype)], dim=1)
        v = _C.cat([v, _C.zeros(zero, dtype=v.dtype)], dim=1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.size(1)
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{tuple(key_padding_mask.shape)}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1).reshape(
            bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(q.size(-1)))
        if attn_mask is not None:
            weights = _C.baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            weights = _C.bmm(q_scaled, k.transpose(-2, -1))
        weights = softmax(weights, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = _C.bmm(weights, v)
        out = out.transpose(0, 1).contiguous().view(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias)
        out = out.view(tgt_len, bsz, out.size(1))
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).contiguous().view(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    out = out.view(tgt_len, bsz, out.size(1))
    if not is_batched:
        out = out.squeeze(1)
    return out, None


# ---- embedding, bilinear and normalisation layers ----


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False) -> Tensor:
    """Looks up rows of weight (num_embeddings, dim) at the integer indices in input: the result has shape
    input.shape + (dim,). Rows at padding_idx get no gradient; max_norm renormalises looked-up rows to at
    most that norm, in place."""
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.size(0), "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.size(0), "Padding_idx must be within num_embeddings"
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    if sparse:
        raise NotImplementedError("fastgrad: embedding(sparse=True) is not supported")
    if weight.numel() == 0 and input.numel():
        # torch gathers from an empty weight with another kernel, which words an out-of-range index its own way
        rows = weight.shape[0] if weight.dim() else 0
        bad = [i for i in input.reshape(-1).tolist() if not 0 <= i < rows]
        if bad:
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad[0]} axis_dim={rows}")
    if max_norm is not None:
        # torch.embedding_renorm_: the rows looked up are rescaled in place to a norm of at most max_norm.
        with _no_grad():
            from .._creation import tensor

            rows = tensor(sorted(set(input.reshape(-1).tolist())), dtype=_C.int64)
            norms = weight[rows].norm(p=norm_type, dim=1, keepdim=True)
            scale = _C.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
            weight[rows] = weight[rows] * scale
    return _C._embedding(weight, input, padding_idx, scale_grad_by_freq)


def bilinear(input1, input2, weight, bias=None) -> Tensor:
    """y_k = input1^T A_k input2 + b_k for each output feature k, with weight A of shape (out, in1, in2) and
    bias b (out,) or None."""
    # y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o]
    _tensor_args("bilinear", ("input1", 1, input1), ("input2", 2, input2), ("weight", 3, weight), ("bias", 4, bias),
                 optional=("bias",))
    if len({t.dtype for t in (input1, input2, weight, bias) if t is not None}) > 1:
        names = [("input1", input1), ("input2", input2), ("weight", weight)] + ([("bias", bias)] if bias is not None
                                                                               else [])
        raise RuntimeError("All tensors must have the same dtype, got "
                           + ", ".join(f"{n}: {_CPP_TYPE_NAMES[t.dtype]}" for n, t in names))
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} "
                           f"and {list(input2.shape[:-1])}")
    if weight.dim() != 3 or input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): weight of size {list(weight.shape)} does not match inputs of size "
                           f"{list(input1.shape)} and {list(input2.shape)}")
    if bias is not None:
        if bias.dim() == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        if bias.shape[0] != weight.shape[0]:
            raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but expected "
                               f"{weight.shape[0]}")
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, input1.shape[-1])
    x2 = input2.reshape(-1, input2.shape[-1])
    out = _C.einsum("ni,oij,nj->no", x1, weight, x2).reshape(*lead, weight.shape[0])
    return out if bias is None else out + bias


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5) -> Tensor:
    """Normalises over the last len(normalized_shape) dimensions: (x - mean) / sqrt(var + eps) with the biased
    variance, then * weight + bias (elementwise, of normalized_shape)."""
    return _C._layer_norm(input, normalized_shape, weight, bias, eps)


def batch_norm(
    input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5,
) -> Tensor:
    """Normalises each channel (dimension 1) of input: (x - mean) / sqrt(var + eps) * weight + bias. In
    training the batch statistics over all other dimensions are used and the running ones updated as (1 -
    momentum) * running + momentum * batch (the variance unbiased); otherwise running_mean and running_var
    are used."""
    if training:
        size = input.size()
        per_channel = size[0]
        for s in size[2:]:
            per_channel *= s
        if per_channel == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
    # torch's checks, in its order: eps (Python layer), then the kernel's
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if input.dim() >= 2 and input.shape[1] == 0 and any(p is not None and p.numel() == 0 for p in (weight, bias)):
        # torch reads the first element of an empty weight or bias when there are no channels
        raise IndexError("select(): index 0 out of range for tensor of size [0] at dimension 0")
    if (running_mean is None) != (running_var is None) and input.numel() != 0:  # (an empty input returns first)
        if not training:
            missing = "running_mean" if running_mean is None else "running_var"
            raise RuntimeError(f"{missing} must be defined in evaluation mode")
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    return _C._batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)



# ---- more activations: compositions of core ops (their gradients come from the ops they are built of) ----


def _maybe_inplace(fn, input, inplace):
    # The in-place spelling of a composite activation: the same values, written into `input`. The
    # composite runs on a clone, so that what its backward saves is not the tensor being overwritten.
    return input.copy_(fn(input.clone())) if inplace else fn(input)


def celu(input, alpha=1.0, inplace=False) -> Tensor:
    """Elementwise CELU: x for x > 0, alpha * (exp(x / alpha) - 1) otherwise (continuous in alpha). With
    inplace=True the result is written into input, which is returned."""
    # x for x > 0, alpha * (exp(x / alpha) - 1) otherwise (the core's elu with input scale 1 / alpha)
    if inplace:
        return celu_(input, alpha)
    _tensor_args("celu", ("input", 1, input))
    return _C._celu(input, alpha)


def celu_(input, alpha=1.0) -> Tensor:
    """In place CELU: input = x for x > 0, alpha * (exp(x / alpha) - 1) otherwise; input is returned."""
    _tensor_args("celu_", ("input", 1, input))
    out = _C._celu_(input, alpha)
    if alpha < 0 and out.requires_grad:  # torch's forward succeeds; its backward refuses
        def refuse(grad):
            raise RuntimeError(
                "In-place elu backward calculation is triggered with a negative slope which is not supported. "
                "This is caused by calling in-place forward function with a negative slope, please call "
                "out-of-place version instead.")
        out.register_hook(refuse)
    return out


def softsign(input) -> Tensor:
    """Elementwise x / (1 + |x|)."""
    return input / (input.abs() + 1)


def tanhshrink(input) -> Tensor:
    """Elementwise x - tanh(x)."""
    return input - input.tanh()


def logsigmoid(input) -> Tensor:
    """Elementwise log(sigmoid(x)) = -softplus(-x), computed without overflow for large |x|."""
    # log(sigmoid(x)) = -softplus(-x): no overflow for large |x|, and its gradient is sigmoid(-x) everywhere
    # (0.5 at 0; no 0 * inf from a clamp's flat side when the incoming gradient is infinite)
    _tensor_args("log_sigmoid", ("input", 1, input))
    _floating_kernel("log_sigmoid_cpu", input)
    return -_C._softplus(-input, 1.0, 20.0)


def _number_arg(op, name, position, value):
    # a Python or NumPy number (bools included), as torch's parser takes it
    if not (isinstance(value, numbers.Number) or type(value).__module__ == "numpy" and type(value).__name__ in
            ("bool_", "bool")):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Number, not {type(value).__name__}")


def hardsigmoid(input, inplace=False) -> Tensor:
    """Elementwise piecewise-linear sigmoid: 0 for x <= -3, 1 for x >= 3, x/6 + 1/2 between. With inplace=True
    the result is written into input, which is returned."""
    _tensor_args("hardsigmoid_" if inplace else "hardsigmoid", ("input", 1, input))
    return _C._hardsigmoid_(input) if inplace else _C._hardsigmoid(input)


def hardswish(input, inplace=False) -> Tensor:
    """Elementwise x * hardsigmoid(x): 0 for x <= -3, x for x >= 3, x (x + 3)/6 between. With inplace=True the
    result is written into input, which is returned."""
    _tensor_args("hardswish_" if inplace else "hardswish", ("input", 1, input))
    return _C._hardswish_(input) if inplace else _C._hardswish(input)


def softshrink(input, lambd=0.5) -> Tensor:
    """Elementwise soft thresholding: x - lambd for x > lambd, x + lambd for x < -lambd, 0 between."""
    # x - clamp(x, -lambd, lambd): x - lambd above lambd, x + lambd below -lambd, 0 between
    _tensor_args("softshrink", ("input", 1, input))
    _number_arg("softshrink", "lambd", 2, lambd)
    lambd = lambd.item() if hasattr(lambd, "item") else lambd  # a NumPy scalar as a Python number
    _floating_kernel("softshrink_check", input)
    dtype, largest = ("Double", 1.7976931348623157e308) if input.dtype == _C.float64 else ("Float", 3.4028234663852886e38)
    if not 0 <= lambd <= largest:  # (nan and inf included)
        raise RuntimeError(f"lambda must be in range [0, {largest:g}] for input dtype {dtype}, but found {lambd:g}")
    return input - input.clamp(-lambd, lambd)


def _element(value, like):
    """The number `value` as a 0-d tensor of like's dtype: converted (and checked) as PyTorch's kernels do."""
    return _C.full((), value, dtype=like.dtype)


def hardshrink(input, lambd=0.5) -> Tensor:
    """Elementwise: x where |x| > lambd, else 0."""
    _tensor_args("hardshrink", ("input", 1, input))
    _number_arg("hardshrink", "lambd", 2, lambd)
    _floating_kernel("hardshrink_cpu", input)
    # 0 where -lambd <= x <= lambd (never for a NaN lambd), x elsewhere
    return _C.where(input.abs() <= _element(lambd, input), 0.0, input)


def _threshold(input, threshold, value, inplace):
    # The result keeps the input's dtype: threshold and value are converted (checked) to it, as torch's kernel
    # does; value where x <= threshold (never for a NaN threshold), x elsewhere.
    if input.dtype == _C.bool:
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    threshold, value = _element(threshold, input), _element(value, input)
    return _maybe_inplace(lambda x: _C.where(x <= threshold, value, x), input, inplace)


def threshold(input, threshold, value, inplace=False) -> Tensor:
    """Elementwise: x where x > threshold, else value. With inplace=True the result is written into input,
    which is returned."""
    return _threshold(input, threshold, value, inplace)


def threshold_(input, threshold, value) -> Tensor:
    """In place threshold: input = x where x > threshold, else value; input is returned."""
    return _threshold(input, threshold, value, True)


def glu(input, dim=-1) -> Tensor:
    """Gated linear unit: input is split in halves a, b along dim (its size must be even) and the result is a
    * sigmoid(b)."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"glu(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.dim()} is size {size}")
    _floating_kernel("glu_cpu", input)  # (after the shape check, as in torch)
    first, second = input.chunk(2, dim)
    return first * second.sigmoid()


@_autocast_op("lower")
def prelu(input, weight) -> Tensor:
    """Elementwise x for x >= 0, weight * x otherwise, with a learned slope weight (one for all channels, or
    one per channel of dimension 1)."""
    _tensor_args("prelu", ("input", 1, input), ("weight", 2, weight))
    # max(0, x) + weight * min(0, x), with one weight per channel (dim 1) or a single shared one; torch's
    # checks in its order: one dtype, the weight's size, then a floating dtype
    if input.dtype != weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_TYPE_NAMES[input.dtype]} and "
                           f"{_TYPE_NAMES[weight.dtype]}")
    if weight.numel() != 1:
        channels = input.shape[1] if input.dim() >= 2 else 1
        if input.dim() == 0 or weight.numel() != channels:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{weight.numel()} and channel size = {channels}.")
        weight = weight.reshape((channels,) + (1,) * (input.dim() - 2))
    else:
        weight = weight.reshape(())  # a 0-d input gives a 0-d output
    _floating_kernel("prelu_cpu", input)
    # x where x > 0, weight * x elsewhere, selected (not added) so that an infinite or NaN weight leaves the
    # positive side alone; the weight multiplies a 0 there, so its gradient is 0 even for an infinite x
    positive = input > 0
    return _C.where(positive, input, weight * _C.where(positive, 0.0, input))


def softmin(input, dim=None, _stacklevel=3, dtype=None) -> Tensor:
    """softmin(x) = softmax(-x) along dim: exp(-x_i) / sum_j exp(-x_j)."""
    if dim is None:
        dim = _softmax_dim("softmin", input.dim(), _stacklevel)
    return _C.softmax(-input, dim, dtype)


# ---- distances ----


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False) -> Tensor:
    """The p-norm distance ||x1 - x2 + eps||_p along the last dimension, for each pair of rows (broadcast);
    keepdim keeps that dimension."""
    _tensor_args("pairwise_distance", ("x1", 1, x1), ("x2", 2, x2))
    if p is None or isinstance(p, (str, list, tuple)):
        raise TypeError(f"pairwise_distance(): argument 'p' (position 3) must be float, not {type(p).__name__}")
    # ||x1 - x2 + eps||_p over the last dim (eps keeps the norm's gradient finite at x1 == x2); eps is a
    # double in PyTorch's signature, so integer inputs give a float distance
    return (x1 - x2 + float(eps)).norm(float(p), -1, keepdim=keepdim)  # p is a double too (not a Scalar)


def cosine_similarity(x1, x2, dim=1, eps=1e-8) -> Tensor:
    """The cosine of the angle between x1 and x2 along dim: sum(x1 x2) / max(||x1|| ||x2||, eps), broadcasting
    the two."""
    # sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along dim. As in PyTorch, the clamp changes the
    # norms' values only: the gradient flows through each norm as if it were not clamped.
    _tensor_args("cosine_similarity", ("x1", 1, x1), ("x2", 2, x2))
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"cosine_similarity(): argument 'dim' (position 3) must be int, not {type(dim).__name__}")
    dtype = _promoted(x1, x2)
    if not dtype.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {_TYPE_NAMES[dtype]}")
    # integer and bool operands are converted to the common floating dtype
    x1, x2 = _C.broadcast_tensors(x1.to(dtype), x2.to(dtype))
    n1 = x1.norm(2, dim, keepdim=True)
    n2 = x2.norm(2, dim, keepdim=True)
    n1, n2 = _clamp_min_value_only(n1, eps), _clamp_min_value_only(n2, eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def _prod(sizes):
    out = 1
    for s in sizes:
        out *= s
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5) -> Tensor:
    """Splits the channels into num_groups groups and normalises each group of each sample: (x - mean) /
    sqrt(var + eps), then * weight + bias per channel."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    n, c = input.shape[0], input.shape[1]
    # PyTorch's check, before the divisibility one: each group must hold more than one value.
    size = [n * c // num_groups, num_groups] + list(input.shape[2:])
    if size[0] * _prod(size[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
    if c % num_groups != 0:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    _tensor_args("group_norm", ("weight", 3, weight), ("bias", 4, bias), optional=("weight", "bias"))
    _floating_kernel("GroupNormKernelImpl", input)  # (after the shape checks, as in torch)
    return _C._group_norm(input, num_groups, weight, bias, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5) -> Tensor:
    """Normalises each channel of each sample on its own: (x - mean) / sqrt(var + eps) over the spatial
    dimensions, then * weight + bias per channel; running statistics are used and updated as batch_norm
    does when given."""
    # each (sample, channel) slice normalised over its own spatial positions
    size = _prod(input.shape[2:])
    if use_input_stats and size == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.size()}")
    _tensor_args("instance_norm", ("input", 1, input), ("weight", 2, weight), ("bias", 3, bias),
                 ("running_mean", 4, running_mean), ("running_var", 5, running_var),
                 optional=("weight", "bias", "running_mean", "running_var"))
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    if input.numel() == 0 and not input.is_floating_point():
        return input.clone()  # torch's batch_norm kernel returns an empty input before dispatching on its dtype
    _floating_kernel("batch_norm", input)
    # as torch: the N * C instances are the channels of one batch_norm over a (1, N * C, *spatial) view, with
    # weight, bias and the running statistics repeated N times (NativeBatchNormBackward0 under a ViewBackward0);
    # the running statistics then take the average over the batch of the repeated ones
    n, c = input.shape[0], input.shape[1]
    x = input.contiguous().view((1, n * c) + tuple(input.shape[2:]))

    def repeated(t):
        return None if t is None else t.repeat(n)

    rm, rv = repeated(running_mean), repeated(running_var)
    out = _C._batch_norm(x, rm, rv, repeated(weight), repeated(bias), use_input_stats, momentum, eps)
    with _no_grad():
        if running_mean is not None:
            running_mean.copy_(rm.view(n, c).mean(0))
        if running_var is not None:
            running_var.copy_(rv.view(n, c).mean(0))
    return out.view(input.shape)


def rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor:
    """Root-mean-square normalisation over the last len(normalized_shape) dimensions: x / sqrt(mean(x^2) +
    eps) * weight (eps defaults to the dtype's machine epsilon)."""
    # x / sqrt(mean(x^2 over the last len(normalized_shape) dims) + eps) * weight
    if not isinstance(normalized_shape, (tuple, list)):
        raise TypeError(f"rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    _tensor_args("rms_norm", ("input", 1, input), ("weight", 3, weight), optional=("weight",))
    normalized_shape = tuple(normalized_shape)
    if weight is not None and tuple(weight.shape) != normalized_shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(normalized_shape)}")
    k = len(normalized_shape)
    if k == 0 or tuple(input.shape[input.dim() - k:]) != normalized_shape or input.dim() < k:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*{', '.join(str(s) for s in normalized_shape)}], but got input of size"
                           f"{list(input.shape)}")
    _floating_kernel("rms_norm", input)  # (after the shape checks, as in torch)
    if eps is None:
        eps = 2.220446049250313e-16 if input.dtype == _C.float64 else 1.1920928955078125e-07
    return _C._rms_norm(input, normalized_shape, weight, eps)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0) -> Tensor:
    """Divides each element by (k + alpha/n * sum of squares over `size` neighbouring channels)^beta, the
    window centred on its channel (zero padded)."""
    # x / (k + alpha / size * sum of x^2 over `size` neighbouring channels)^beta (zero-padded at the edges)
    _method(input, "dim")
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    if input.numel() == 0:
        return input
    if isinstance(size, bool):  # the pooling kernel's size tuple refuses a bool
        kernel = "avg_pool2d" if input.dim() == 3 else "avg_pool3d"
        raise TypeError(f"{kernel}(): argument 'kernel_size' (position 2) must be tuple of ints, but found element "
                        f"of type bool at pos 0")
    if size <= 0:  # torch averages with a (size, 1) or (size, 1, 1) pooling kernel, which checks it first
        kernel = f"kH: {size} kW: 1" if input.dim() == 3 else f"kT: {size} kH: 1 kW: 1"
        raise RuntimeError(f"kernel size should be greater than zero, but got {kernel}")
    if input.dtype != _C.int64 and not input.dtype.is_floating_point:  # PyTorch's average-pooling kernels
        names = {_C.int32: "Int", _C.bool: "Bool", _C.uint8: "Byte", _C.int8: "Char", _C.int16: "Short"}
        kernel = "avg_pool2d" if input.dim() == 3 else "avg_pool3d_out_frame"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{names.get(input.dtype, str(input.dtype))}\'')
    squared = input * input
    channels = input.shape[1]
    before, after = size // 2, (size - 1) // 2
    zeros_before = _C.zeros((input.shape[0], before) + tuple(input.shape[2:]), dtype=input.dtype)
    zeros_after = _C.zeros((input.shape[0], after) + tuple(input.shape[2:]), dtype=input.dtype)
    padded = _C.cat([zeros_before, squared, zeros_after], 1)
    window = padded.narrow(1, 0, channels)
    for offset in range(1, size):
        window = window + padded.narrow(1, offset, channels)
    # the window's average first (rounded toward zero for int64, as PyTorch's integer average pooling)
    average = _C.div(window, size, rounding_mode="trunc") if input.dtype == _C.int64 else window / size
    div = (average * alpha + k) ** beta
    return input / div


from ._functional_conv import (  # noqa: E402  (padding and convolution)
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    fold,
    pad,
    unfold,
)
from ._functional_interp import (  # noqa: E402  (native upsampling: cpp/src/ops/upsample.cpp)
    interpolate,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from ._functional_pool import (  # noqa: E402  (native pooling: cpp/src/ops/pooling.cpp)
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool2d_with_indices,
    max_pool3d,
    max_pool3d_with_indices,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
)

# The public functions of the helper modules (losses; padding, convolution and pooling) present themselves as
# members of this module, as torch.nn.functional's do.
for _fn in list(globals().values()):
    if callable(_fn) and getattr(_fn, "__module__", "").startswith(__name__.rsplit(".", 1)[0] + "._functional_"):
        if not _fn.__name__.startswith("_"):
            _fn.__module__ = __name__
del _fn
