// Elementwise unary ops that keep integer dtypes (neg, abs, sign, rounding, relu, clamp, nan_to_num):
// forward and derivative side by side. The float functions (exp, sin, ...) are in unary_float.cpp.
#include <cmath>
#include <limits>

#include "../cpu/wrapping.h"
#include "elementwise.h"

namespace fastgrad {

namespace {

// out = f(x) in t's own dtype; make(T{}) is instantiated for every dtype.
template <class MakeF>
Tensor same_type_map(const Tensor& t, MakeF make) {
  return map_unary(t, t.dtype(), make);
}

// -x for integers wraps (Note [Integer wraparound]); bool never gets here (the callers refuse it).
using cpu::wrapping_neg;

}  // namespace

// ---- neg, abs, sign ----

struct NegBackward0 : NamedNode<NegBackward0> {
  static constexpr const char* kName = "NegBackward0";
  tensor_list apply(tensor_list&& g) override { return {neg(g[0])}; }
};

Tensor neg(const Tensor& t) {
  FG_CHECK(t.dtype() != ScalarType::Bool, Error,
           "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, "
           "use the `~` or `logical_not()` operator instead.");
  Tensor out = same_type_map(t, [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T { return wrapping_neg(x); };
  });
  return record_unary<NegBackward0>(out, t, false, false);
}

struct AbsBackward0 : NamedNode<AbsBackward0> {
  static constexpr const char* kName = "AbsBackward0";
  tensor_list apply(tensor_list&& g) override { return {mul(g[0], sign(saved(0)))}; }  // 0 at the kink
};

Tensor abs(const Tensor& t) {
  check_kernel(t.dtype() != ScalarType::Bool, "abs_cpu", t.dtype());
  Tensor out = same_type_map(t, [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T {
      if constexpr (std::is_floating_point_v<T>) return std::abs(x);
      else if constexpr (std::is_same_v<T, bool>) return x;  // unreachable: refused above
      else return x < T(0) ? wrapping_neg(x) : x;
    };
  });
  return record_unary<AbsBackward0>(out, t, true, false);
}

Tensor sign(const Tensor& t) {
  Tensor out = same_type_map(t, [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T {
      if constexpr (std::is_same_v<T, bool>) return x;
      else return static_cast<T>((T(0) < x) - (x < T(0)));  // NaN -> 0, as PyTorch's CPU kernel
    };
  });
  return record_zero_grad(out, "SignBackward0", {&t});
}

Tensor square(const Tensor& t) { return pow(t, Scalar(int64_t{2})); }  // PowBackward0, as in PyTorch

// ---- relu ----

// relu's derivative is threshold_backward(g, out): g where out > 0, else 0 (the subgradient at 0 is 0). Under
// create_graph it records its own Node, as PyTorch does, so the result depends on g and on out: the
// derivative is the same mask for g and zero for out (leaves reached only that way get zeros, not None).
Tensor threshold_backward(const Tensor& g, const Tensor& out);

struct ThresholdBackwardBackward0 : NamedNode<ThresholdBackwardBackward0> {
  static constexpr const char* kName = "ThresholdBackwardBackward0";
  tensor_list apply(tensor_list&& g) override {
    tensor_list r(2);
    if (needs_input_grad(0)) r[0] = threshold_backward(g[0], saved(0));
    if (needs_input_grad(1)) r[1] = zeros_like(g[0]);
    return r;
  }
};

Tensor threshold_backward(const Tensor& g, const Tensor& out) {
  Tensor r;
  {
    NoGradGuard no_grad;
    if (g.dtype() == out.dtype() && is_floating(g.dtype())) {
      // One pass, no bool mask: the same values as the where() below (NaN in out lets g through).
      r = map_binary(g, out, g.dtype(), "threshold_backward", [](auto tag) {
        using T = decltype(tag);
        return [](T gv, T ov) -> T { return ov <= T(0) ? T(0) : gv; };
      });
    } else {
      r = where(compare(out, Scalar(0), CompareOp::Le), Scalar(0), g);
    }
  }
  if (compute_requires_grad({&g, &out})) {
    auto node = make_node<ThresholdBackwardBackward0>({&g, &out});
    node->save(out);
    set_history(r, node);
  }
  return r;
}

struct ReluBackward0 : NamedNode<ReluBackward0> {
  static constexpr const char* kName = "ReluBackward0";
  tensor_list apply(tensor_list&& g) override { return {threshold_backward(g[0], saved(0))}; }
};

Tensor relu(const Tensor& t) {
  FG_CHECK(t.dtype() != ScalarType::Bool, Error, "Boolean inputs not supported for relu");
  Tensor out = same_type_map(t, [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T { return x <= T(0) ? T(0) : x; };  // NaN compares false: it stays NaN
  });
  return record_unary<ReluBackward0>(out, t, false, true);
}

// ---- rounding: zero derivative (Note [Piecewise-constant derivatives]) ----

namespace {
// Integer tensors are returned as a copy; floats go through f.
template <class F>
Tensor rounding(const Tensor& t, const char* kernel, F f) {
  check_kernel(t.dtype() != ScalarType::Bool, kernel, t.dtype());
  return same_type_map(t, [&](auto tag) {
    using T = decltype(tag);
    return [f](T x) -> T {
      if constexpr (std::is_floating_point_v<T>) return f(x);
      else return x;
    };
  });
}
}  // namespace

Tensor floor(const Tensor& t) {
  return record_zero_grad(rounding(t, "floor_vml_cpu", [](auto x) { return std::floor(x); }), "FloorBackward0", {&t});
}
Tensor ceil(const Tensor& t) {
  return record_zero_grad(rounding(t, "ceil_vml_cpu", [](auto x) { return std::ceil(x); }), "CeilBackward0", {&t});
}
Tensor trunc(const Tensor& t) {
  return record_zero_grad(rounding(t, "trunc_vml_cpu", [](auto x) { return std::trunc(x); }), "TruncBackward0", {&t});
}
Tensor round(const Tensor& t) {
  // nearbyint rounds half to even in the default rounding mode, like PyTorch and NumPy.
  return record_zero_grad(rounding(t, "round_vml_cpu", [](auto x) { return std::nearbyint(x); }), "RoundBackward0",
                          {&t});
}

Tensor round(const Tensor& t, int64_t decimals) {
  // decimals=0 runs the plain rounding kernel (and its error for integers), still recorded as RoundBackward1.
  check_kernel(is_floating(t.dtype()), decimals == 0 ? "round_vml_cpu" : "round_cpu", t.dtype());
  Tensor out = float_map(t, t.dtype(), [decimals](auto tag) {
    using T = decltype(tag);
    // Scale so that the wanted digit is the units digit, round half to even, scale back.
    const bool neg = decimals < 0;
    const T scale = static_cast<T>(std::pow(10.0, static_cast<double>(neg ? -decimals : decimals)));
    return
        [neg, scale](T x) -> T { return neg ? std::nearbyint(x / scale) * scale : std::nearbyint(x * scale) / scale; };
  });
  return record_zero_grad(out, "RoundBackward1", {&t});
}

struct FracBackward0 : NamedNode<FracBackward0> {
  static constexpr const char* kName = "FracBackward0";
  tensor_list apply(tensor_list&& g) override { return {g[0]}; }
};

Tensor frac(const Tensor& t) {
  check_kernel(is_floating(t.dtype()), "frac_cpu", t.dtype());
  Tensor out = float_map(t, t.dtype(), [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T { return x - std::trunc(x); };
  });
  return record_unary<FracBackward0>(out, t, false, false);
}

// ---- clamp ----

namespace {

// NaN in the input or in a bound gives NaN, as in PyTorch; a lower bound above the upper one gives the
// upper bound.
template <class T>
T clamp_value(T x, bool has_lo, T lo, bool has_hi, T hi) {
  if (has_lo && (x < lo || lo != lo)) x = lo;
  if (has_hi && (x > hi || hi != hi)) x = hi;
  return x;
}

ScalarType clamp_type(const Tensor& t, const Tensor& min, const Tensor& max) {
  ResultType r;
  r.add_tensor(t.dtype(), t.dim());
  if (min.defined()) r.add_tensor(min.dtype(), min.dim());
  if (max.defined()) r.add_tensor(max.dtype(), max.dim());
  return r.result();  // bool is fine with tensor bounds
}

ScalarType clamp_type(const Tensor& t, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  ResultType r;
  r.add_tensor(t.dtype(), t.dim());
  if (min) r.add_scalar(*min);
  if (max) r.add_scalar(*max);
  ScalarType rt = r.result();
  const char* kernel = min && max ? "clamp_scalar_cpu" : min ? "clamp_min_scalar_cpu" : "clamp_max_scalar_cpu";
  check_kernel(rt != ScalarType::Bool, kernel, rt);
  return rt;
}

Tensor where_mask(const Tensor& keep, const Tensor& g) { return where(keep, g, Scalar(0)); }

}  // namespace

// Scalar bounds: gradient flows where min <= x <= max (bounds included).
struct ClampBackward1 : NamedNode<ClampBackward1> {
  static constexpr const char* kName = "ClampBackward1";
  std::optional<Scalar> min, max;
  ClampBackward1(std::optional<Scalar> lo, std::optional<Scalar> hi) : min(lo), max(hi) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor self = saved(0);
    Tensor keep;
    if (min) keep = compare(self, *min, CompareOp::Ge);
    if (max) {
      Tensor below = compare(self, *max, CompareOp::Le);
      keep = keep.defined() ? logical(keep, below, LogicalOp::And) : below;
    }
    return {where_mask(keep, g[0])};
  }
};

Tensor clamp(const Tensor& t, std::optional<Scalar> min, std::optional<Scalar> max) {
  FG_CHECK(min || max, Error, "torch.clamp: At least one of 'min' or 'max' must not be None");
  ScalarType rt = clamp_type(t, min, max);
  Tensor out = map_unary(cast(t, rt), rt, [&](auto tag) {
    using T = decltype(tag);
    const bool has_lo = min.has_value(), has_hi = max.has_value();
    const T lo = has_lo ? checked_convert<T>(*min) : T(0), hi = has_hi ? checked_convert<T>(*max) : T(0);
    return [=](T x) -> T { return clamp_value(x, has_lo, lo, has_hi, hi); };
  });
  return record_unary<ClampBackward1>(out, t, true, false, min, max);
}

// Tensor bounds, PyTorch's rule (every comparison with NaN is false, so a NaN anywhere sends nothing to x):
//   x gets g where lo <= x <= hi; lo where x < lo and lo < hi; hi where x > hi or hi < lo.
// With one bound: x where x >= lo (x <= hi), the bound where x < lo (x > hi).
struct ClampBackward0 : NamedNode<ClampBackward0> {
  static constexpr const char* kName = "ClampBackward0";
  bool has_min, has_max;
  ClampBackward0(bool lo, bool hi) : has_min(lo), has_max(hi) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor self = saved(0);
    Tensor lo = has_min ? saved(1) : Tensor(), hi = has_max ? saved(has_min ? 2 : 1) : Tensor();
    tensor_list out(next_edges().size());
    if (needs_input_grad(0)) {
      Tensor ge_lo = has_min ? compare(self, lo, CompareOp::Ge) : Tensor();
      Tensor le_hi = has_max ? compare(self, hi, CompareOp::Le) : Tensor();
      Tensor keep = ge_lo.defined() && le_hi.defined() ? logical(ge_lo, le_hi, LogicalOp::And)
                                                       : (ge_lo.defined() ? ge_lo : le_hi);
      out[0] = where_mask(keep, g[0]);
    }
    size_t slot = 1;
    if (has_min) {
      if (needs_input_grad(slot)) {
        Tensor below = compare(self, lo, CompareOp::Lt);
        if (has_max) below = logical(below, compare(lo, hi, CompareOp::Lt), LogicalOp::And);
        out[slot] = where_mask(below, g[0]);
      }
      ++slot;
    }
    if (has_max && needs_input_grad(slot)) {
      Tensor above = compare(self, hi, CompareOp::Gt);
      if (has_min) above = logical(above, compare(hi, lo, CompareOp::Lt), LogicalOp::Or);
      out[slot] = where_mask(above, g[0]);
    }
    return out;
  }
};

Tensor clamp(const Tensor& t, const Tensor& min, const Tensor& max) {
  FG_CHECK(min.defined() || max.defined(), Error, "torch.clamp: At least one of 'min' or 'max' must not be None");
  ScalarType rt = clamp_type(t, min, max);
  Tensor out;
  if (min.defined() && max.defined()) {
    // PyTorch's two-bound kernel has no bool version (clamp_min/clamp_max, for one bound, have)
    FG_CHECK(rt != ScalarType::Bool, NotImplementedError, "\"clamp_cpu\" not implemented for 'Bool'");
    out = ternary_map(t, min, max, rt, rt, "clamp", [](auto tag) {
      using T = decltype(tag);
      return [](T x, T lo, T hi) -> T { return clamp_value(x, true, lo, true, hi); };
    });
  } else {
    const bool lower = min.defined();
    out = binary_map(t, lower ? min : max, rt, rt, "clamp", [lower](auto tag) {
      using T = decltype(tag);
      return [lower](T x, T b) -> T { return clamp_value(x, lower, b, !lower, b); };
    });
  }
  if (compute_requires_grad({&t, &min, &max})) {
    std::shared_ptr<ClampBackward0> node;
    if (min.defined() && max.defined()) node = make_node<ClampBackward0>({&t, &min, &max}, true, true);
    else if (min.defined()) node = make_node<ClampBackward0>({&t, &min}, true, false);
    else node = make_node<ClampBackward0>({&t, &max}, false, true);
    node->save(t);
    if (min.defined()) node->save(min);
    if (max.defined()) node->save(max);
    set_history(out, node);
  }
  return out;
}

struct ClampMinBackward0 : NamedNode<ClampMinBackward0> {
  static constexpr const char* kName = "ClampMinBackward0";
  Scalar min;
  explicit ClampMinBackward0(Scalar m) : min(m) {}
  tensor_list apply(tensor_list&& g) override { return {where_mask(compare(saved(0), min, CompareOp::Ge), g[0])}; }
};

Tensor clamp_min(const Tensor& t, Scalar min) {
  Tensor out;
  {
    NoGradGuard guard;
    out = clamp(t, min, std::nullopt);
  }
  return record_unary<ClampMinBackward0>(out, t, true, false, min);
}

struct ClampMaxBackward0 : NamedNode<ClampMaxBackward0> {
  static constexpr const char* kName = "ClampMaxBackward0";
  Scalar max;
  explicit ClampMaxBackward0(Scalar m) : max(m) {}
  tensor_list apply(tensor_list&& g) override { return {where_mask(compare(saved(0), max, CompareOp::Le), g[0])}; }
};

Tensor clamp_max(const Tensor& t, Scalar max) {
  Tensor out;
  {
    NoGradGuard guard;
    out = clamp(t, std::nullopt, max);
  }
  return record_unary<ClampMaxBackward0>(out, t, true, false, max);
}

// clamp_min/clamp_max with a tensor bound: ties go to the input.
struct ClampMinMaxBackward1 : Node {
  bool is_min;
  explicit ClampMinMaxBackward1(bool m) : is_min(m) {}
  std::string name() const override { return is_min ? "ClampMinBackward1" : "ClampMaxBackward1"; }
  tensor_list apply(tensor_list&& g) override {
    Tensor self = saved(0), bound = saved(1);
    // As ClampBackward0 with one bound: a NaN on either side sends nothing anywhere.
    return {
        needs_input_grad(0) ? where_mask(compare(self, bound, is_min ? CompareOp::Ge : CompareOp::Le), g[0]) : Tensor(),
        needs_input_grad(1) ? where_mask(compare(self, bound, is_min ? CompareOp::Lt : CompareOp::Gt), g[0])
                            : Tensor()};
  }
};

namespace {
Tensor clamp_one_side(const Tensor& t, const Tensor& bound, bool is_min) {
  Tensor out;
  {
    NoGradGuard guard;
    out = is_min ? clamp(t, bound, Tensor()) : clamp(t, Tensor(), bound);
  }
  if (compute_requires_grad({&t, &bound})) {
    auto node = make_node<ClampMinMaxBackward1>({&t, &bound}, is_min);
    node->save(t);
    node->save(bound);
    set_history(out, node);
  }
  return out;
}
}  // namespace

Tensor clamp_min(const Tensor& t, const Tensor& min) { return clamp_one_side(t, min, true); }
Tensor clamp_max(const Tensor& t, const Tensor& max) { return clamp_one_side(t, max, false); }

// ---- nan_to_num ----

struct NanToNumBackward0 : NamedNode<NanToNumBackward0> {
  static constexpr const char* kName = "NanToNumBackward0";
  tensor_list apply(tensor_list&& g) override { return {mul(g[0], isfinite(saved(0)))}; }
};

Tensor nan_to_num(const Tensor& t, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  Tensor out;
  if (!is_floating(t.dtype())) {
    out = cast(t, t.dtype(), /*force_copy=*/true);  // nothing to replace
  } else {
    // the defaults are the largest finite values of t's own dtype (float16: 65504; bfloat16: 2^128 - 2^120)
    const double reduced_max = t.dtype() == ScalarType::Float16    ? 65504.0
                               : t.dtype() == ScalarType::BFloat16 ? 3.3895313892515355e38
                                                                   : 0.0;
    out = float_map(t, t.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T n = static_cast<T>(nan.value_or(0.0));
      const T max = reduced_max > 0 ? static_cast<T>(reduced_max) : std::numeric_limits<T>::max();
      const T pi = posinf ? static_cast<T>(*posinf) : max;
      const T ni = neginf ? static_cast<T>(*neginf) : -max;
      constexpr T inf = std::numeric_limits<T>::infinity();
      return [=](T x) -> T { return x != x ? n : x == inf ? pi : x == -inf ? ni : x; };
    });
  }
  return record_unary<NanToNumBackward0>(out, t, true, false);
}

// ---- in place (Note [In-place ops]) ----

namespace {
// self = f(self); `saves_self` when f's Node saves its input (which the write would destroy).
template <class F>
Tensor& unary_inplace(Tensor& self, ScalarType result, const char* op, bool saves_self, F f) {
  return inplace_binary(self, nullptr, result, op, saves_self, f);
}
// The in-place form of an op that keeps self's dtype.
Tensor& same_type_inplace(Tensor& self, const char* op, bool saves_self, Tensor (*f)(const Tensor&)) {
  return inplace_binary(self, nullptr, self.dtype(), op, saves_self, f);
}
}  // namespace

Tensor& neg_(Tensor& t) { return same_type_inplace(t, "neg_", false, neg); }
Tensor& abs_(Tensor& t) { return same_type_inplace(t, "abs_", true, abs); }
Tensor& sign_(Tensor& t) { return same_type_inplace(t, "sign_", false, sign); }
Tensor& relu_(Tensor& t) { return same_type_inplace(t, "relu_", false, relu); }
Tensor& floor_(Tensor& t) { return same_type_inplace(t, "floor_", false, floor); }
Tensor& ceil_(Tensor& t) { return same_type_inplace(t, "ceil_", false, ceil); }
Tensor& round_(Tensor& t) { return same_type_inplace(t, "round_", false, round); }
Tensor& trunc_(Tensor& t) { return same_type_inplace(t, "trunc_", false, trunc); }
Tensor& frac_(Tensor& t) { return same_type_inplace(t, "frac_", false, frac); }
Tensor& round_(Tensor& t, int64_t decimals) {
  return unary_inplace(t, t.dtype(), "round_", false, [decimals](const Tensor& s) { return round(s, decimals); });
}
Tensor& square_(Tensor& t) {
  ScalarType rt = result_type(t.dtype(), t.dim(), Scalar(int64_t{2}));
  return unary_inplace(t, rt, "square_", true, [](const Tensor& s) { return square(s); });
}

Tensor& clamp_(Tensor& t, std::optional<Scalar> min, std::optional<Scalar> max) {
  FG_CHECK(min || max, Error, "torch.clamp: At least one of 'min' or 'max' must not be None");
  ScalarType rt = clamp_type(t, min, max);
  // clamp_ words this error with the C type name, unlike the other in-place ops.
  FG_CHECK(can_cast(rt, t.dtype()), Error, "result type ", scalar_type_name(rt),
           " can't be cast to the desired output type ", c_type_name(t.dtype()));
  return unary_inplace(t, rt, "clamp_", true, [&](const Tensor& s) { return clamp(s, min, max); });
}
Tensor& clamp_(Tensor& t, const Tensor& min, const Tensor& max) {
  return inplace_nary(t, {&min, &max}, clamp_type(t, min, max), "clamp_", true,
                      [&](const Tensor& s) { return clamp(s, min, max); });
}
Tensor& clamp_min_(Tensor& t, Scalar min) {
  return unary_inplace(t, result_type(t.dtype(), t.dim(), min), "clamp_min_", true,
                       [&](const Tensor& s) { return clamp_min(s, min); });
}
Tensor& clamp_min_(Tensor& t, const Tensor& min) {
  return inplace_binary(t, &min, result_type(t.dtype(), t.dim(), min.dtype(), min.dim()), "clamp_min_", true,
                        [&](const Tensor& s) { return clamp_min(s, min); });
}
Tensor& clamp_max_(Tensor& t, Scalar max) {
  return unary_inplace(t, result_type(t.dtype(), t.dim(), max), "clamp_max_", true,
                       [&](const Tensor& s) { return clamp_max(s, max); });
}
Tensor& clamp_max_(Tensor& t, const Tensor& max) {
  return inplace_binary(t, &max, result_type(t.dtype(), t.dim(), max.dtype(), max.dim()), "clamp_max_", true,
                        [&](const Tensor& s) { return clamp_max(s, max); });
}
Tensor& nan_to_num_(Tensor& t, std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
  if (!is_floating(t.dtype())) {
    // Nothing to replace in an integer or bool tensor: PyTorch writes it back unchanged, also into an
    // expanded tensor (no overlap check), and bumps the version. (Such a tensor cannot require grad.)
    check_inplace(t, "nan_to_num_", false, /*may_overlap=*/true);
    t.bump_version();
    return t;
  }
  return unary_inplace(t, t.dtype(), "nan_to_num_", true,
                       [&](const Tensor& s) { return nan_to_num(s, nan, posinf, neginf); });
}

}  // namespace fastgrad
