// scaled_dot_product_attention without dropout, one fused op: out = P v with P = softmax(scale q k^T + bias),
// where bias is the attention mask (additive, or 0 / -inf for a boolean mask) and, with is_causal, -inf above the
// diagonal (top-left aligned, as PyTorch's tril(ones(L, S))). A row that admits no key has P = 0 (out 0, no
// gradient), as PyTorch's CPU kernels. Forward and derivative side by side. The Python layer
// (nn/functional.py) expands grouped-query heads and routes dropout, broadcast batch dims and a mask that
// requires grad to its composition of public ops; see docs/design.md, section 3 ("Attention").
#include <cmath>
#include <limits>

#include "../cpu/blas.h"
#include "../cpu/dispatch.h"
#include "common.h"
#include "elementwise.h"
#include "reduced_float.h"
#include "fastgrad/autocast.h"

namespace fastgrad {

namespace {

// q (B, L, E), k (B, S, E), v (B, S, Ev), out (B, L, Ev), P (B, L, S): B the product of the leading dims.
struct AttnShape {
  int64_t B = 1, L = 0, S = 0, E = 0, Ev = 0;
};

AttnShape attn_shape(const Tensor& q, const Tensor& k, const Tensor& v) {
  AttnShape s;
  const int64_t d = q.dim();
  for (int64_t i = 0; i < d - 2; ++i) s.B *= q.size(i);
  s.L = q.size(d - 2);
  s.E = q.size(d - 1);
  s.S = k.size(d - 2);
  s.Ev = v.size(d - 1);
  return s;
}

void check_attention_args(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, bool is_causal) {
  constexpr const char* op = "scaled_dot_product_attention";
  FG_CHECK(q.defined() && k.defined() && v.defined(), Error, op, ": query, key and value must be defined");
  FG_CHECK(q.dtype() == k.dtype() && q.dtype() == v.dtype(), Error,
           "Expected query, key, and value to have the same dtype, but got query.dtype: ", c_type_name(q.dtype()),
           " key.dtype: ", c_type_name(k.dtype()), " and value.dtype: ", c_type_name(v.dtype()), " instead.");
  FG_CHECK(is_floating(q.dtype()), Error, op, ": expected floating-point query, key and value, got ",
           dtype_name(q.dtype()));
  FG_CHECK(q.dim() >= 2 && k.dim() == q.dim() && v.dim() == q.dim(), Error, op,
           ": expected query, key and value of the same rank (at least 2), got query ", shape_str(q.sizes()), ", key ",
           shape_str(k.sizes()), " and value ", shape_str(v.sizes()));
  const int64_t d = q.dim();
  bool batch_ok = true;
  for (int64_t i = 0; i < d - 2; ++i) batch_ok &= k.size(i) == q.size(i) && v.size(i) == q.size(i);
  FG_CHECK(batch_ok, Error, op, ": query, key and value must have the same batch dims, got query ", shape_str(q.sizes()),
           ", key ", shape_str(k.sizes()), " and value ", shape_str(v.sizes()));
  FG_CHECK(k.size(d - 1) == q.size(d - 1), Error, op, ": key's last dim (", k.size(d - 1),
           ") must match query's (", q.size(d - 1), "), got query ", shape_str(q.sizes()), " and key ", shape_str(k.sizes()));
  FG_CHECK(v.size(d - 2) == k.size(d - 2), Error, op, ": value's sequence length (", v.size(d - 2),
           ") must match key's (", k.size(d - 2), "), got key ", shape_str(k.sizes()), " and value ", shape_str(v.sizes()));
  if (mask.defined()) {
    FG_CHECK(mask.dtype() == ScalarType::Bool || mask.dtype() == q.dtype(), Error,
             "Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: ",
             c_type_name(mask.dtype()), " and  query.dtype: ", c_type_name(q.dtype()), " instead.");
    FG_CHECK(!is_causal || (d == 4 && v.size(d - 1) == q.size(d - 1)), Error,
             "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True");
  }
}

// The additive bias (B, L, S) in q's dtype from the mask (broadcast to (..., L, S)), or undefined without one.
Tensor additive_bias(const Tensor& mask, const Tensor& q, const AttnShape& s) {
  if (!mask.defined()) return Tensor();
  Dims shape(q.sizes().begin(), q.sizes().end() - 1);
  shape.push_back(s.S);
  FG_CHECK(mask.dim() <= static_cast<int64_t>(shape.size()), Error,
           "scaled_dot_product_attention: attn_mask of shape ", shape_str(mask.sizes()),
           " cannot be broadcast to the attention weights' shape");
  for (int64_t i = 0; i < mask.dim(); ++i) {
    const int64_t m = mask.size(mask.dim() - 1 - i), w = shape[shape.size() - 1 - i];
    FG_CHECK(m == 1 || m == w, Error, "scaled_dot_product_attention: attn_mask of shape ", shape_str(mask.sizes()),
             " cannot be broadcast to the attention weights' shape (", s.L, " queries, ", s.S, " keys)");
  }
  Tensor expanded = expand(mask, shape);
  if (mask.dtype() != ScalarType::Bool) return dense(expanded, q.dtype());
  Tensor admitted = dense(expanded);
  Tensor bias = empty({s.B, s.L, s.S}, q.dtype());
  const bool* a = admitted.data<bool>();
  const int64_t n = bias.numel();
  dispatch_float(q.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* b = bias.data<T>();
    const T ninf = -std::numeric_limits<T>::infinity();
    for (int64_t i = 0; i < n; ++i) b[i] = a[i] ? T(0) : ninf;
  });
  return bias;
}

// P and out for batches [b0, b1).
template <class T>
void attention_forward_batches(const T* q, const T* k, const T* v, const T* bias, bool causal, T scale,
                               const AttnShape& s, T* P, T* out, int64_t b0, int64_t b1) {
  const T ninf = -std::numeric_limits<T>::infinity();
  auto softmax = cpu::softmax_kernel<T>();
  for (int64_t b = b0; b < b1; ++b) {
    T* p = P + b * s.L * s.S;
    cpu::gemm<T>(false, true, s.L, s.S, s.E, scale, q + b * s.L * s.E, s.E, k + b * s.S * s.E, s.E, T(0), p, s.S);
    const T* bb = bias ? bias + b * s.L * s.S : nullptr;
    for (int64_t i = 0; i < s.L; ++i) {
      T* row = p + i * s.S;
      if (bb)
        for (int64_t j = 0; j < s.S; ++j) row[j] += bb[i * s.S + j];
      if (causal)
        for (int64_t j = i + 1; j < s.S; ++j) row[j] = ninf;
    }
    softmax(p, p, s.L, s.S, 1, 1, false);
    if (bb) {  // rows that admit no key (all -inf before the softmax, NaN after it): zero
      for (int64_t i = 0; i < s.L; ++i) {
        T* row = p + i * s.S;
        bool admitted = false;
        const T* br = bb + i * s.S;
        for (int64_t j = 0; j < s.S && !admitted; ++j) admitted = br[j] != ninf && (!causal || j <= i);
        if (!admitted)
          for (int64_t j = 0; j < s.S; ++j) row[j] = T(0);
      }
    }
    cpu::gemm<T>(false, false, s.L, s.Ev, s.S, T(1), p, s.S, v + b * s.S * s.Ev, s.Ev, T(0), out + b * s.L * s.Ev,
                 s.Ev);
  }
}

// dq, dk, dv (each may be null) for batches [b0, b1); dP is a (B, L, S) scratch.
template <class T>
void attention_backward_batches(const T* dO, const T* q, const T* k, const T* v, const T* P, T scale,
                                const AttnShape& s, T* dP, T* dq, T* dk, T* dv, int64_t b0, int64_t b1) {
  auto softmax_backward = cpu::softmax_backward_kernel<T>();
  for (int64_t b = b0; b < b1; ++b) {
    const T* p = P + b * s.L * s.S;
    const T* go = dO + b * s.L * s.Ev;
    if (dv) cpu::gemm<T>(true, false, s.S, s.Ev, s.L, T(1), p, s.S, go, s.Ev, T(0), dv + b * s.S * s.Ev, s.Ev);
    if (!dq && !dk) continue;
    T* ds = dP + b * s.L * s.S;
    cpu::gemm<T>(false, true, s.L, s.S, s.Ev, T(1), go, s.Ev, v + b * s.S * s.Ev, s.Ev, T(0), ds, s.S);
    softmax_backward(ds, p, ds, s.L, s.S, 1, 1, false);  // P (dP - rowsum(dP P)), in place
    if (dq) cpu::gemm<T>(false, false, s.L, s.E, s.S, scale, ds, s.S, k + b * s.S * s.E, s.E, T(0), dq + b * s.L * s.E, s.E);
    if (dk) cpu::gemm<T>(true, false, s.S, s.E, s.L, scale, ds, s.S, q + b * s.L * s.E, s.E, T(0), dk + b * s.S * s.E, s.E);
  }
}

// Batches per parallel_for chunk: about 32K multiply-adds of work each.
int64_t attention_grain(const AttnShape& s) {
  const int64_t work = std::max<int64_t>(1, s.L * s.S * (s.E + s.Ev));
  return std::max<int64_t>(1, 32768 / work);
}

template <class T>
T* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

// PyTorch's grad_fn names: its CPU flash-attention kernel for 4-D inputs with value's head dim equal to query's;
// otherwise its math path, whose last op is a matrix product (mm for 2-D, a view of bmm's result otherwise).
template <int Kind>
struct AttentionBackward : NamedNode<AttentionBackward<Kind>> {
  static constexpr const char* kName = Kind == 4   ? "ScaledDotProductFlashAttentionForCpuBackward0"
                                       : Kind == 2 ? "MmBackward0"
                                                   : "UnsafeViewBackward0";
  bool causal, has_bias;
  double scale;
  AttentionBackward(bool c, bool hb, double sc) : causal(c), has_bias(hb), scale(sc) {}

  // saved: q, k, v, P, [bias]
  tensor_list apply(tensor_list&& g) override {
    Tensor q = this->saved(0), k = this->saved(1), v = this->saved(2), P = this->saved(3);
    Tensor bias = has_bias ? this->saved(4) : Tensor();
    Tensor go = this->grad_or_zeros(g, 0);
    const AttnShape s = attn_shape(q, k, v);
    if (GradMode::is_enabled()) return composite(q, k, v, bias, go, s);
    const ScalarType dt = q.dtype();
    Tensor qd = dense(q), kd = dense(k), vd = dense(v), god = dense(go, dt);
    tensor_list grads(3);
    grads[0] = this->needs_input_grad(0) ? empty(q.sizes(), dt) : Tensor();
    grads[1] = this->needs_input_grad(1) ? empty(k.sizes(), dt) : Tensor();
    grads[2] = this->needs_input_grad(2) ? empty(v.sizes(), dt) : Tensor();
    Tensor dP = grads[0].defined() || grads[1].defined() ? empty({s.B, s.L, s.S}, dt) : Tensor();
    dispatch_float(dt, [&](auto tag) {
      using T = decltype(tag);
      parallel_for(0, s.B, attention_grain(s), [&](int64_t b0, int64_t b1) {
        attention_backward_batches<T>(god.data<T>(), qd.data<T>(), kd.data<T>(), vd.data<T>(), P.data<T>(),
                                      static_cast<T>(scale), s, ptr_or_null<T>(dP), ptr_or_null<T>(grads[0]),
                                      ptr_or_null<T>(grads[1]), ptr_or_null<T>(grads[2]), b0, b1);
      });
    });
    return grads;
  }

  // create_graph: the same formulas in public ops, with P recomputed from q and k, so that they differentiate.
  tensor_list composite(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias, const Tensor& go,
                        const AttnShape& s) {
    const int64_t d = q.dim();
    Tensor scores = mul(matmul(q, transpose(k, d - 2, d - 1)), Scalar(scale));
    Tensor full_bias = bias.defined() ? view(bias, scores.sizes()) : Tensor();
    if (causal) {
      Tensor c = full({s.L, s.S}, Scalar(0.0), q.dtype());
      dispatch_float(q.dtype(), [&](auto tag) {
        using T = decltype(tag);
        T* p = c.data<T>();
        for (int64_t i = 0; i < s.L; ++i)
          for (int64_t j = i + 1; j < s.S; ++j) p[i * s.S + j] = -std::numeric_limits<T>::infinity();
      });
      full_bias = full_bias.defined() ? add(full_bias, c) : expand(c, scores.sizes());
    }
    Tensor P;
    if (full_bias.defined()) {
      // Rows that admit no key: a zero bias there keeps the softmax finite, and P is zeroed afterwards.
      Tensor empty_row = all(isneginf(full_bias), {d - 1}, /*keepdim=*/true);
      Tensor zero = zeros({}, q.dtype());
      Tensor safe_bias = where(empty_row, zero, full_bias);
      P = where(empty_row, zero, softmax(add(scores, safe_bias), d - 1));
    } else {
      P = softmax(scores, d - 1);
    }
    tensor_list grads(3);
    if (this->needs_input_grad(2)) grads[2] = matmul(transpose(P, d - 2, d - 1), go);
    if (this->needs_input_grad(0) || this->needs_input_grad(1)) {
      Tensor dP = matmul(go, transpose(v, d - 2, d - 1));
      Tensor dS = mul(P, sub(dP, sum(mul(dP, P), {d - 1}, /*keepdim=*/true)));
      if (this->needs_input_grad(0)) grads[0] = mul(matmul(dS, k), Scalar(scale));
      if (this->needs_input_grad(1)) grads[1] = mul(matmul(transpose(dS, d - 2, d - 1), q), Scalar(scale));
    }
    return grads;
  }
};

template <int Kind>
void record_attention(Tensor& out, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& P,
                      const Tensor& bias, bool causal, double scale) {
  auto node = make_node<AttentionBackward<Kind>>({&q, &k, &v}, causal, bias.defined(), scale);
  node->save(q);
  node->save(k);
  node->save(v);
  node->save(P);
  if (bias.defined()) node->save(bias);
  set_history(out, node);
}

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, bool is_causal, std::optional<double> scale) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]: lower-precision list (the mask too, as PyTorch's)
    const Tensor q = autocast_lower(query), k = autocast_lower(key), v = autocast_lower(value),
                 mask = autocast_lower(attn_mask);
    AutocastOff off;
    return scaled_dot_product_attention(q, k, v, mask, is_causal, scale);
  }
  check_attention_args(query, key, value, attn_mask, is_causal);
  // Half precision (Note [Half-precision ops]): PyTorch's flash kernel (4-D) computes it in float32 inside its own
  // Node; its math path (other ranks) converts to float32 and back, and so does its graph (ToCopyBackward0).
  if (any_reduced_float({&query, &key, &value}) && query.dim() == 4)
    return in_float32({query, key, value, attn_mask}, query.dtype(), [is_causal, scale](const tensor_list& a) {
      return scaled_dot_product_attention(a[0], a[1], a[2], a[3], is_causal, scale);
    });
  if (any_reduced_float({&query, &key, &value}))
    return to_dtype(scaled_dot_product_attention(float32_if_reduced(query), float32_if_reduced(key),
                                                 float32_if_reduced(value), float32_if_reduced(attn_mask), is_causal,
                                                 scale),
                    query.dtype());
  const AttnShape s = attn_shape(query, key, value);
  // E = 0: the scores are empty sums, 0 for any factor (1 here, not 1 / sqrt(0)); the weights are uniform.
  const double sc = scale ? *scale : s.E > 0 ? 1.0 / std::sqrt(static_cast<double>(s.E)) : 1.0;
  const ScalarType dt = query.dtype();
  Dims out_shape(query.sizes().begin(), query.sizes().end() - 1);
  out_shape.push_back(s.Ev);
  Tensor out = empty(out_shape, dt);
  Tensor P = empty({s.B, s.L, s.S}, dt);
  Tensor bias = additive_bias(attn_mask, query, s);
  if (out.numel() > 0) {
    if (s.S == 0) {
      out = zeros(out_shape, dt);
    } else {
      Tensor qd = dense(query), kd = dense(key), vd = dense(value);
      dispatch_float(dt, [&](auto tag) {
        using T = decltype(tag);
        const T* bp = ptr_or_null<T>(bias);
        parallel_for(0, s.B, attention_grain(s), [&](int64_t b0, int64_t b1) {
          attention_forward_batches<T>(qd.data<T>(), kd.data<T>(), vd.data<T>(), bp, is_causal, static_cast<T>(sc), s,
                                       P.data<T>(), out.data<T>(), b0, b1);
        });
      });
    }
  }
  if (compute_requires_grad({&query, &key, &value})) {
    if (query.dim() == 4 && s.E == s.Ev) record_attention<4>(out, query, key, value, P, bias, is_causal, sc);
    else if (query.dim() == 2) record_attention<2>(out, query, key, value, P, bias, is_causal, sc);
    else record_attention<0>(out, query, key, value, P, bias, is_causal, sc);
  }
  return out;
}

}  // namespace fastgrad
