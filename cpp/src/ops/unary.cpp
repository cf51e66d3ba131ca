// Elementwise unary ops: forward and derivative side by side.
#include <cmath>

#include "common.h"

namespace fastgrad {

namespace {

// Floating-point functions compute in the input's float dtype, or the default dtype for integer inputs.
ScalarType float_type(const Tensor& t) { return is_floating(t.dtype()) ? t.dtype() : default_dtype(); }

// out = f(x) for floating-point math (exp, log, ...): make(T{}) is only instantiated for float and double.
template <class MakeF>
Tensor float_unary(const Tensor& t, MakeF make) {
  ScalarType ft = float_type(t);
  return map_unary(cast(t, ft), ft, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      return make(tag);
    } else {
      return [](T x) -> T { return x; };  // never runs: the input was cast to a float type
    }
  });
}

// Records `node` (already wired to `input`) as the history of `out`, saving what it asks for.
template <class N>
Tensor record(Tensor out, const Tensor& input, bool save_input, bool save_output) {
  if (!compute_requires_grad({&input})) return out;
  auto node = make_node<N>({&input});
  if (save_input) node->save(input);
  set_history(out, node);
  if (save_output) node->save(out, /*is_output=*/true);
  return out;
}

Tensor float_mask(const Tensor& mask, ScalarType dtype) { return cast(mask, dtype); }

}  // namespace

struct NegBackward0 : NamedNode<NegBackward0> {
  static constexpr const char* kName = "NegBackward0";
  tensor_list apply(tensor_list&& g) override { return {neg(g[0])}; }
};

Tensor neg(const Tensor& t) {
  FG_CHECK(t.dtype() != ScalarType::Bool, Error,
           "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, "
           "use the `~` or `logical_not()` operator instead.");
  Tensor out = map_unary(t, t.dtype(), [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T { return T(-x); };
  });
  return record<NegBackward0>(out, t, false, false);
}

struct ExpBackward0 : NamedNode<ExpBackward0> {
  static constexpr const char* kName = "ExpBackward0";
  tensor_list apply(tensor_list&& g) override { return {mul(g[0], saved(0))}; }
};

Tensor exp(const Tensor& t) {
  Tensor out = float_unary(t, [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T { return std::exp(x); };
  });
  return record<ExpBackward0>(out, t, false, true);
}

struct LogBackward0 : NamedNode<LogBackward0> {
  static constexpr const char* kName = "LogBackward0";
  tensor_list apply(tensor_list&& g) override { return {div(g[0], saved(0))}; }
};

Tensor log(const Tensor& t) {
  Tensor out = float_unary(t, [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T { return std::log(x); };
  });
  return record<LogBackward0>(out, t, true, false);
}

struct SinBackward0 : NamedNode<SinBackward0> {
  static constexpr const char* kName = "SinBackward0";
  tensor_list apply(tensor_list&& g) override { return {mul(g[0], cos(saved(0)))}; }
};

Tensor sin(const Tensor& t) {
  Tensor out = float_unary(t, [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T { return std::sin(x); };
  });
  return record<SinBackward0>(out, t, true, false);
}

struct CosBackward0 : NamedNode<CosBackward0> {
  static constexpr const char* kName = "CosBackward0";
  tensor_list apply(tensor_list&& g) override { return {mul(g[0], neg(sin(saved(0))))}; }
};

Tensor cos(const Tensor& t) {
  Tensor out = float_unary(t, [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T { return std::cos(x); };
  });
  return record<CosBackward0>(out, t, true, false);
}

struct SqrtBackward0 : NamedNode<SqrtBackward0> {
  static constexpr const char* kName = "SqrtBackward0";
  tensor_list apply(tensor_list&& g) override { return {div(g[0], mul(saved(0), 2))}; }
};

Tensor sqrt(const Tensor& t) {
  Tensor out = float_unary(t, [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T { return std::sqrt(x); };
  });
  return record<SqrtBackward0>(out, t, false, true);
}

struct ReciprocalBackward0 : NamedNode<ReciprocalBackward0> {
  static constexpr const char* kName = "ReciprocalBackward0";
  tensor_list apply(tensor_list&& g) override {
    Tensor r = saved(0);
    return {neg(mul(g[0], mul(r, r)))};
  }
};

Tensor reciprocal(const Tensor& t) {
  Tensor out = float_unary(t, [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T { return T(1) / x; };
  });
  return record<ReciprocalBackward0>(out, t, false, true);
}

struct ReluBackward0 : NamedNode<ReluBackward0> {
  static constexpr const char* kName = "ReluBackward0";
  tensor_list apply(tensor_list&& g) override {
    Tensor result = saved(0);
    return {mul(g[0], float_mask(compare(result, Scalar(0), CompareOp::Gt), g[0].dtype()))};
  }
};

Tensor relu(const Tensor& t) {
  FG_CHECK(t.dtype() != ScalarType::Bool, Error, "relu: \"clamp_min_scalar_cpu\" not implemented for 'Bool'");
  Tensor out = map_unary(t, t.dtype(), [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T { return x > T(0) ? x : T(0); };
  });
  return record<ReluBackward0>(out, t, false, true);
}

struct SigmoidBackward0 : NamedNode<SigmoidBackward0> {
  static constexpr const char* kName = "SigmoidBackward0";
  tensor_list apply(tensor_list&& g) override {
    Tensor y = saved(0);
    return {mul(g[0], mul(y, rsub(y, 1)))};
  }
};

Tensor sigmoid(const Tensor& t) {
  Tensor out = float_unary(t, [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T { return T(1) / (T(1) + std::exp(-x)); };
  });
  return record<SigmoidBackward0>(out, t, false, true);
}

struct TanhBackward0 : NamedNode<TanhBackward0> {
  static constexpr const char* kName = "TanhBackward0";
  tensor_list apply(tensor_list&& g) override {
    Tensor y = saved(0);
    return {mul(g[0], rsub(mul(y, y), 1))};
  }
};

Tensor tanh(const Tensor& t) {
  Tensor out = float_unary(t, [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T { return std::tanh(x); };
  });
  return record<TanhBackward0>(out, t, false, true);
}

struct ClampBackward1 : NamedNode<ClampBackward1> {
  static constexpr const char* kName = "ClampBackward1";
  std::optional<Scalar> min, max;
  ClampBackward1(std::optional<Scalar> lo, std::optional<Scalar> hi) : min(lo), max(hi) {}
  tensor_list apply(tensor_list&& g) override {
    // Gradient flows where the input lies within [min, max] (bounds included, as in PyTorch).
    Tensor self = saved(0);
    Tensor pass = ones_like(self);
    if (min) pass = mul(pass, float_mask(compare(self, *min, CompareOp::Ge), self.dtype()));
    if (max) pass = mul(pass, float_mask(compare(self, *max, CompareOp::Le), self.dtype()));
    return {mul(g[0], pass)};
  }
};

Tensor clamp(const Tensor& t, std::optional<Scalar> min, std::optional<Scalar> max) {
  FG_CHECK(min || max, Error, "torch.clamp: At least one of 'min' or 'max' must not be None");
  FG_CHECK(t.dtype() != ScalarType::Bool, Error, "clamp: \"clamp_scalar_cpu\" not implemented for 'Bool'");
  ResultType r;
  r.add_tensor(t.dtype(), t.dim());
  if (min) r.add_scalar(*min);
  if (max) r.add_scalar(*max);
  ScalarType rt = r.result();
  Tensor out = map_unary(cast(t, rt), rt, [&](auto tag) {
    using T = decltype(tag);
    bool has_lo = min.has_value(), has_hi = max.has_value();
    T lo = has_lo ? min->to<T>() : T(0), hi = has_hi ? max->to<T>() : T(0);
    return [=](T x) -> T {
      // NaN stays NaN: comparisons with NaN are false, so x passes through untouched.
      if (has_lo && x < lo) x = lo;
      if (has_hi && x > hi) x = hi;
      return x;
    };
  });
  if (!compute_requires_grad({&t})) return out;
  auto node = make_node<ClampBackward1>({&t}, min, max);
  node->save(t);
  set_history(out, node);
  return out;
}

}  // namespace fastgrad
