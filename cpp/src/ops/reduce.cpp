// Reductions that fold values: sum, mean, prod, norm, logsumexp, all/any, count_nonzero. Forward and
// derivative side by side. var/std are in moments.cpp, the reductions that select values (max, min, amax,
// argmax, ...) in minmax.cpp, cumsum and cumprod in scan.cpp.
#include <cmath>
#include <limits>

#include "../cpu/wrapping.h"
#include "reduce_common.h"
#include "fastgrad/autocast.h"

namespace fastgrad {

namespace {

enum class Merge : uint8_t { Add, Multiply };

// Folds the masked dims of t with combine(acc, x) starting from `init`, accumulating in double for floating
// outputs and in int64 otherwise; the result is converted to out_dtype. Partial results combine with `merge`.
// `plain_sum`: combine is `acc + x` (lets float32 runs take sum_floats).
template <class MakeCombine>
Tensor fold(const Tensor& input, const std::vector<bool>& mask, bool keepdim, ScalarType out_dtype, double init,
            MakeCombine make, Merge merge = Merge::Add, bool plain_sum = false) {
  const Tensor t = is_reduced_float(input.dtype()) ? cast(input, ScalarType::Float32) : input;  // Note [Storage dtypes]
  ScalarType acc_type = is_floating(out_dtype) ? ScalarType::Float64 : ScalarType::Int64;
  Tensor acc = full(reduced_shape(t, mask, true), Scalar(init), acc_type);
  int64_t rows = 0, length = 0;
  const bool runs = contiguous_runs(t, mask, rows, length);
  auto run = [&](auto acc_tag) {
    using Acc = decltype(acc_tag);
    dispatch(t.dtype(), [&](auto in_tag) {
      using A = decltype(in_tag);
      auto combine = make(acc_tag, in_tag);
      if (!runs) {
        int64_t lead_rows = 0, lead_length = 0;
        if (leading_reduction(t, mask, lead_rows, lead_length))
          fold_columns<Acc, A>(acc.data<Acc>(), t.data<A>(), lead_rows, lead_length, combine);
        else cpu::reduce_loop<Acc, A>(acc, t, combine);
        return;
      }
      auto merge_fn = [merge](Acc a, Acc b) {  // int64 wraps (Note [Integer wraparound])
        return merge == Merge::Add ? cpu::wrapping_add(a, b) : cpu::wrapping_mul(a, b);
      };
      auto run_fold = [&](const A* x, int64_t n) -> Acc {
        if constexpr (std::is_same_v<A, float> && std::is_same_v<Acc, double>)
          if (plain_sum) return cpu::sum_floats(x, n);
        return fold_run<Acc, A>(x, n, static_cast<Acc>(init), combine, merge_fn);
      };
      fold_runs<Acc, A>(acc.data<Acc>(), t.data<A>(), rows, length, run_fold, merge_fn);
    });
  };
  if (acc_type == ScalarType::Float64) run(double{});
  else run(int64_t{});
  // a half-precision result is rounded from float, as PyTorch accumulates it
  return drop_reduced(cast(is_reduced_float(out_dtype) ? cast(acc, ScalarType::Float32) : acc, out_dtype), t, mask,
                      keepdim);
}

ScalarType sum_type(const Tensor& t, std::optional<ScalarType> dtype) {
  check_autograd_dtype(t, dtype);
  if (dtype) return *dtype;
  return is_floating(t.dtype()) ? t.dtype() : ScalarType::Int64;
}

// An explicit dtype converts each element first, then sums (PyTorch's rule, as for prod and cumsum):
// [0.5, 0.5].sum(dtype=bool) is True | True, and [1.5, 2.5].sum(dtype=int64) is 1 + 2. No history is
// recorded for the conversion: the engine converts the gradient back to the input's dtype.
Tensor sum_input(const Tensor& t, std::optional<ScalarType> dtype) {
  return dtype && *dtype != t.dtype() ? cast(t, *dtype) : t;
}

// The derivative of zero_where is zero_where again (same mask), so every order flows through it.
struct MaskedFillBackward0 : NamedNode<MaskedFillBackward0> {
  static constexpr const char* kName = "MaskedFillBackward0";
  tensor_list apply(tensor_list&& g) override { return {reduce_detail::zero_where(g[0], saved(0))}; }
};

}  // namespace

namespace reduce_detail {

Tensor sum_kernel(const Tensor& t, const std::vector<bool>& mask, bool keepdim, ScalarType out_dtype) {
  return fold(
      t, mask, keepdim, out_dtype, 0,
      [](auto acc_tag, auto in_tag) {
        using Acc = decltype(acc_tag);
        using A = decltype(in_tag);
        return [](Acc v, A x) { return cpu::wrapping_add(v, static_cast<Acc>(x)); };
      },
      Merge::Add, /*plain_sum=*/true);
}

Tensor zero_where(const Tensor& v, const Tensor& cond) {
  Tensor c = mask_as(cond, v.dtype());
  Tensor out = map_binary(
      v, c, v.dtype(), "masked_fill",
      [](auto tag) {
        using T = decltype(tag);
        return [](T x, T m) -> T { return m != T(0) ? T(0) : x; };
      },
      Tensor());
  if (compute_requires_grad({&v})) {
    auto node = make_node<MaskedFillBackward0>({&v});
    node->save(c);
    set_history(out, node);
  }
  return out;
}

}  // namespace reduce_detail

using reduce_detail::sum_kernel;
using reduce_detail::zero_where;

// ---- sum ----

struct SumBackward0 : NamedNode<SumBackward0> {
  static constexpr const char* kName = "SumBackward0";
  Dims shape;
  explicit SumBackward0(Dims s) : shape(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override { return {expand(g[0], shape)}; }
};

Tensor sum(const Tensor& t, std::optional<ScalarType> dtype) {
  Tensor out = sum_kernel(sum_input(t, dtype), all_dims_mask(t), false, sum_type(t, dtype));
  if (compute_requires_grad({&t})) set_history(out, make_node<SumBackward0>({&t}, t.sizes()));
  return out;
}

struct SumBackward1 : NamedNode<SumBackward1> {
  static constexpr const char* kName = "SumBackward1";
  Dims shape;
  std::vector<bool> mask;
  bool keepdim;
  SumBackward1(Dims s, std::vector<bool> m, bool k) : shape(std::move(s)), mask(std::move(m)), keepdim(k) {}
  tensor_list apply(tensor_list&& g) override { return {expand_reduced(g[0], shape, mask, keepdim)}; }
};

Tensor sum(const Tensor& t, const Dims& dims, bool keepdim, std::optional<ScalarType> dtype) {
  auto mask = reduced_mask(t, dims, "sum");
  Tensor out = sum_kernel(sum_input(t, dtype), mask, keepdim, sum_type(t, dtype));
  if (compute_requires_grad({&t})) set_history(out, make_node<SumBackward1>({&t}, t.sizes(), mask, keepdim));
  return out;
}

// ---- mean ----

namespace {
ScalarType mean_type(const Tensor& t, std::optional<ScalarType> dtype, const char* op) {
  ScalarType r = dtype ? *dtype : t.dtype();
  FG_CHECK(is_floating(r), Error, op, "(): could not infer output dtype. ", dtype ? "Optional dtype" : "Input dtype",
           " must be either a floating point or complex dtype. Got: ", scalar_type_name(r));
  return r;
}
}  // namespace

struct MeanBackward0 : NamedNode<MeanBackward0> {
  static constexpr const char* kName = "MeanBackward0";
  Dims shape;
  explicit MeanBackward0(Dims s) : shape(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override {
    return {div(expand(g[0], shape), Scalar(static_cast<double>(numel_of(shape))))};
  }
};

Tensor mean(const Tensor& t, std::optional<ScalarType> dtype) {
  ScalarType rt = mean_type(t, dtype, "mean");
  Tensor out;
  {
    NoGradGuard guard;
    out = cast(div(sum_kernel(t, all_dims_mask(t), false, ScalarType::Float64), Scalar(static_cast<double>(t.numel()))),
               rt);
  }
  if (compute_requires_grad({&t})) set_history(out, make_node<MeanBackward0>({&t}, t.sizes()));
  return out;
}

struct MeanBackward1 : NamedNode<MeanBackward1> {
  static constexpr const char* kName = "MeanBackward1";
  Dims shape;
  std::vector<bool> mask;
  bool keepdim;
  int64_t count;
  MeanBackward1(Dims s, std::vector<bool> m, bool k, int64_t c)
      : shape(std::move(s)), mask(std::move(m)), keepdim(k), count(c) {}
  tensor_list apply(tensor_list&& g) override {
    return {div(expand_reduced(g[0], shape, mask, keepdim), Scalar(static_cast<double>(count)))};
  }
};

Tensor mean(const Tensor& t, const Dims& dims, bool keepdim, std::optional<ScalarType> dtype) {
  ScalarType rt = mean_type(t, dtype, "mean");
  auto mask = reduced_mask(t, dims, "mean");
  int64_t count = reduced_count(t, mask);
  Tensor out;
  {
    NoGradGuard guard;
    out = cast(div(sum_kernel(t, mask, keepdim, ScalarType::Float64), Scalar(static_cast<double>(count))), rt);
  }
  if (compute_requires_grad({&t})) set_history(out, make_node<MeanBackward1>({&t}, t.sizes(), mask, keepdim, count));
  return out;
}

// ---- prod ----

namespace {
Tensor prod_kernel(const Tensor& t, const std::vector<bool>& mask, bool keepdim, ScalarType out_dtype) {
  return fold(
      t, mask, keepdim, out_dtype, 1,
      [](auto acc_tag, auto in_tag) {
        using Acc = decltype(acc_tag);
        using A = decltype(in_tag);
        return [](Acc v, A x) { return cpu::wrapping_mul(v, static_cast<Acc>(x)); };
      },
      Merge::Multiply);
}

bool has_zero(const Tensor& x) {
  NoGradGuard guard;
  return sum(compare(x, Scalar(0), CompareOp::Eq)).item().i > 0;
}

// d prod(x)/dx_k along `dim` is the product of the other elements. `g` and `result` keep the reduced dim
// (size 1). Without zeros that is result / x_k. With zeros the division is undefined, so the product of
// the others is built as (product of those before k) * (product of those after k): exclusive cumulative
// products, which stay exact and differentiable (PyTorch's convention for prod with zeros).
Tensor prod_grad(const Tensor& g, const Tensor& x, const Tensor& result, int64_t dim) {
  if (!has_zero(x)) return mul(g, div(result, x));
  auto exclusive_cumprod = [&](const Tensor& v) {
    Dims one = v.sizes();
    one[dim] = 1;
    Tensor c = cumprod(v, dim);
    return cat({ones(one, v.dtype()), narrow(c, dim, 0, v.sizes()[dim] - 1)}, dim);
  };
  Tensor before = exclusive_cumprod(x);
  Tensor after = flip(exclusive_cumprod(flip(x, {dim})), {dim});
  return mul(g, mul(before, after));
}

std::optional<ScalarType> prod_cast(const Tensor& t, std::optional<ScalarType> dtype) {
  check_autograd_dtype(t, dtype);
  if (dtype && *dtype != t.dtype()) return dtype;
  return std::nullopt;
}
}  // namespace

struct ProdBackward0 : NamedNode<ProdBackward0> {
  static constexpr const char* kName = "ProdBackward0";
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved(0), result = saved(1);
    Tensor flat = reshape(x, {-1});
    return {reshape(prod_grad(g[0], flat, result, 0), x.sizes())};
  }
};

Tensor prod(const Tensor& t, std::optional<ScalarType> dtype) {
  if (AutocastMode::is_enabled() && !dtype) {  // Note [Autocast]: float32 list
    const Tensor t_ac = autocast_float32(t);
    AutocastOff off;
    return prod(t_ac, dtype);
  }
  // An explicit dtype converts the input first (a recorded conversion, so that gradients flow through it) and
  // is the result's dtype (an int32 product stays int32).
  if (auto d = prod_cast(t, dtype)) return prod(to_dtype(t, *d), dtype);
  Tensor out = prod_kernel(t, all_dims_mask(t), false, sum_type(t, dtype));
  if (compute_requires_grad({&t})) {
    auto node = make_node<ProdBackward0>({&t});
    node->save(t);
    set_history(out, node);
    node->save(out, /*is_output=*/true);
  }
  return out;
}

struct ProdBackward1 : NamedNode<ProdBackward1> {
  static constexpr const char* kName = "ProdBackward1";
  int64_t dim;
  bool keepdim;
  ProdBackward1(int64_t d, bool k) : dim(d), keepdim(k) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved(0), result = saved(1);
    if (x.dim() == 0) return {g[0]};  // the product of one element is that element
    Tensor gk = keepdim ? g[0] : unsqueeze(g[0], dim);
    Tensor rk = keepdim ? result : unsqueeze(result, dim);
    return {prod_grad(gk, x, rk, dim)};
  }
};

Tensor prod(const Tensor& t, int64_t dim, bool keepdim, std::optional<ScalarType> dtype) {
  if (AutocastMode::is_enabled() && !dtype) {  // Note [Autocast]: float32 list
    const Tensor t_ac = autocast_float32(t);
    AutocastOff off;
    return prod(t_ac, dim, keepdim, dtype);
  }
  if (auto d = prod_cast(t, dtype)) return prod(to_dtype(t, *d), dim, keepdim, dtype);
  int64_t d = wrap_dim(dim, t.dim(), "prod");
  auto mask = reduced_mask(t, {d}, "prod");
  Tensor out = prod_kernel(t, mask, keepdim, sum_type(t, dtype));
  if (compute_requires_grad({&t})) {
    auto node = make_node<ProdBackward1>({&t}, d, keepdim);
    node->save(t);
    set_history(out, node);
    node->save(out, /*is_output=*/true);
  }
  return out;
}

// ---- norm ----

namespace {
Tensor power_sum(const Tensor& t, const std::vector<bool>& mask, bool keepdim, double p) {
  return fold(t, mask, keepdim, ScalarType::Float64, 0, [p](auto acc_tag, auto in_tag) {
    using Acc = decltype(acc_tag);
    using A = decltype(in_tag);
    return [p](Acc v, A x) {
      // Each term in the input's precision, as PyTorch computes it: a float32 square of 1e30 is inf.
      A a = static_cast<A>(std::abs(static_cast<double>(x)));
      if (p == 0) return v + static_cast<Acc>(a != A(0));
      if (p == 1) return v + static_cast<Acc>(a);
      if (p == 2) return v + static_cast<Acc>(static_cast<A>(a * a));
      return v + static_cast<Acc>(static_cast<A>(std::pow(static_cast<double>(a), p)));
    };
  });
}
}  // namespace

struct LinalgVectorNormBackward0 : NamedNode<LinalgVectorNormBackward0> {
  static constexpr const char* kName = "LinalgVectorNormBackward0";
  double p;
  std::vector<bool> mask;
  bool keepdim;
  LinalgVectorNormBackward0(double p_, std::vector<bool> m, bool k) : p(p_), mask(std::move(m)), keepdim(k) {}
  tensor_list apply(tensor_list&& g) override {
    if (p == 0) return {Tensor()};  // piecewise constant: no gradient, as in PyTorch
    Tensor x = saved(0), norm = saved(1);
    Tensor gx = unsqueeze_reduced(g[0], mask, keepdim);
    Tensor nx = unsqueeze_reduced(norm, mask, keepdim);
    Tensor sign = sign_constant(x);
    if (std::isinf(p)) {
      // The extreme |x| gets the gradient, shared evenly between ties.
      // No element equals a NaN norm: then nothing gets a gradient (0, not 0 / 0), as in PyTorch.
      Tensor is_hit = compare(abs_value(x), nx, CompareOp::Eq);
      Tensor count = sum(mask_as(is_hit, x.dtype()), mask_dims(mask), true);
      return {where(is_hit, mul(sign, div(gx, count)), Scalar(0.0))};
    }
    // sign(x) |x|^(p-1) / ||x||^(p-1), grouped as PyTorch groups it for each range of p, so that huge or tiny
    // powers overflow (and make inf * 0 = NaN) alike: for p < 1 the power blows up at x = 0, where PyTorch
    // takes 0; elsewhere a zero norm gives 0.
    if (p == 1) return {mul(gx, sign)};
    Tensor norm_zero = compare(nx, Scalar(0), CompareOp::Eq);
    if (p == 2) return {mul(gx, zero_where(div(x, nx), norm_zero))};
    if (p < 1) {
      Tensor scaled = zero_where(mul(sign, pow(abs_value(x), Scalar(p - 1))), compare(x, Scalar(0), CompareOp::Eq));
      return {mul(mul(scaled, gx), pow(nx, Scalar(1 - p)))};
    }
    Tensor scaled = p < 2 ? mul(sign, pow(abs_value(x), Scalar(p - 1))) : mul(x, pow(abs_value(x), Scalar(p - 2)));
    return {mul(scaled, zero_where(div(gx, pow(nx, Scalar(p - 1))), norm_zero))};
  }
};

Tensor norm(const Tensor& t, double p, const Dims& dims, bool keepdim, std::optional<ScalarType> dtype) {
  FG_CHECK(is_floating(t.dtype()), Error,
           "linalg.vector_norm: Expected a floating point or complex tensor as input. Got ",
           scalar_type_name(t.dtype()));
  if (dtype && *dtype != t.dtype()) {
    FG_CHECK(is_floating(*dtype), Error, "linalg.vector_norm: dtype should be floating point or complex. Got ",
             scalar_type_name(*dtype));
    return norm(to_dtype(t, *dtype), p, dims, keepdim, std::nullopt);
  }
  auto mask = reduced_mask(t, dims, "linalg.vector_norm");
  Tensor out;
  if (p < 0 || std::isinf(p)) {  // no identity: an empty reduction has no value (PyTorch's check and words)
    const std::string which = std::isinf(p) ? (p > 0 ? "inf" : "-inf") : detail::concat(p);
    FG_CHECK(t.numel() != 0 || !dims.empty(), Error, "linalg.vector_norm cannot compute the ", which,
             " norm on an empty tensor because the operation does not have an identity");
    for (int64_t d = 0; d < t.dim(); ++d)
      FG_CHECK(!mask[d] || t.sizes()[d] != 0, Error, "linalg.vector_norm cannot compute the ", which,
               " norm on the dimension ", d,
               "because this dimension is empty and the operation does not have an identity");
  }
  if (reduced_count(t, mask) == 0) {
    // An empty reduction gives 0, as in PyTorch, for every p that has an identity (checked above): not the
    // formula's root of an empty sum (a float32 1 / p of 0 for p = 1e300 would give 0^0 = 1, p = nan nan)
    NoGradGuard guard;
    out = sum(abs_value(t), mask_dims(mask), keepdim);
  } else if (std::isinf(p)) {
    NoGradGuard guard;
    Tensor a = abs_value(t);
    out = p > 0 ? amax(a, mask_dims(mask), keepdim) : amin(a, mask_dims(mask), keepdim);
  } else if (p != 0 && reduced_count(t, mask) == 1 && (t.dim() > 0 || dims.empty())) {
    // One element per norm: PyTorch gives |x| for every p but 0, without the power (which would overflow
    // for a huge p) -- except for a 0-d input with an explicit dim, which it runs through the formula.
    NoGradGuard guard;
    out = sum(abs_value(t), mask_dims(mask), keepdim);
  } else {
    // The sum of the powers is held in the input's dtype (a float32 sum past 3.4e38 is inf), then rooted in
    // that dtype with the exponent 1 / p computed there too, as PyTorch does: for a float32 input and a p
    // past float32's range, p is inf, 1 / p is 0 and every norm is 1.
    // float16 / bfloat16: terms, sum and root in float32, rounded once at the end (PyTorch's accumulate type;
    // a float16 square of 300 is already past its range).
    NoGradGuard guard;
    const ScalarType ct = compute_type(t.dtype());
    Tensor s = cast(power_sum(ct == t.dtype() ? t : cast(t, ct), mask, keepdim, p), ct);
    out = map_unary(s, ct, [p](auto tag) {
      using T = decltype(tag);
      return [p](T v) -> T {
        if constexpr (std::is_floating_point_v<T>) {
          if (p == 0 || p == 1) return v;
          return p == 2 ? std::sqrt(v) : std::pow(v, T(1) / static_cast<T>(p));
        } else {
          return v;
        }
      };
    });
    if (ct != t.dtype()) out = cast(out, t.dtype());
  }
  if (compute_requires_grad({&t})) {
    auto node = make_node<LinalgVectorNormBackward0>({&t}, p, mask, keepdim);
    node->save(t);
    set_history(out, node);
    node->save(out, /*is_output=*/true);
  }
  return out;
}

// ---- logsumexp ----

struct LogsumexpBackward0 : NamedNode<LogsumexpBackward0> {
  static constexpr const char* kName = "LogsumexpBackward0";
  std::vector<bool> mask;
  bool keepdim;
  LogsumexpBackward0(std::vector<bool> m, bool k) : mask(std::move(m)), keepdim(k) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved(0), result = saved(1);
    return {mul(unsqueeze_reduced(g[0], mask, keepdim), exp(sub(x, unsqueeze_reduced(result, mask, keepdim))))};
  }
};

Tensor logsumexp(const Tensor& t, const Dims& dims, bool keepdim) {
  // An empty dim list reduces every dim; without keepdim PyTorch's kernel then fails to write its kept-dims
  // result into the 0-d output (non-empty tensors of rank >= 1), and so does fastgrad, with its message.
  if (dims.empty() && !keepdim && t.dim() > 0 && t.numel() > 0) {
    std::string ones;
    for (int64_t d = 0; d < t.dim(); ++d) ones += d ? ", 1" : "1";
    throw Error("output with shape [] doesn't match the broadcast shape [" + ones + "]");
  }
  ScalarType ft = is_floating(t.dtype()) ? t.dtype() : default_dtype();
  auto mask = reduced_mask(t, dims, "logsumexp");
  Tensor out;
  {
    NoGradGuard guard;
    Tensor x = cast(t, ft);
    if (reduced_count(t, mask) == 0) {
      out = full(reduced_shape(t, mask, keepdim), Scalar(-std::numeric_limits<double>::infinity()), ft);
    } else {
      // Shift by the maximum so that exp cannot overflow; an infinite maximum is not shifted (it would
      // make inf - inf = nan), and then the result is that infinity itself.
      Tensor shift = map_unary(amax(x, mask_dims(mask), true), ft, [](auto tag) {
        using T = decltype(tag);
        return [](T m) -> T {
          if constexpr (std::is_floating_point_v<T>) return std::isinf(m) ? T(0) : m;
          else return m;
        };
      });
      Tensor s = sum_kernel(exp(sub(x, shift)), mask, true, ft);
      out = drop_reduced(add(log(s), shift), t, mask, keepdim);
    }
  }
  if (compute_requires_grad({&t})) {
    auto node = make_node<LogsumexpBackward0>({&t}, mask, keepdim);
    node->save(t);
    set_history(out, node);
    node->save(out, /*is_output=*/true);
  }
  return out;
}

// ---- all / any / count_nonzero (no gradient) ----

namespace {
template <bool IsAll>
Tensor all_any(const Tensor& input, const std::vector<bool>& mask, bool keepdim) {
  const Tensor t = is_reduced_float(input.dtype()) ? cast(input, ScalarType::Float32) : input;
  Tensor acc = full(reduced_shape(t, mask, true), Scalar(IsAll), ScalarType::Bool);
  dispatch(t.dtype(), [&](auto tag) {
    using A = decltype(tag);
    cpu::reduce_loop<bool, A>(acc, t, [](bool v, A x) {
      if constexpr (IsAll) return v && x != A(0);
      else return v || x != A(0);
    });
  });
  Tensor out = drop_reduced(acc, t, mask, keepdim);
  // PyTorch keeps uint8 for a uint8 input (the legacy boolean type): 0 or 1
  return input.dtype() == ScalarType::UInt8 ? cast(out, ScalarType::UInt8) : out;
}
}  // namespace

namespace {
// all/any over an explicit empty dim list reduce no dim (as in PyTorch), where sum/mean reduce every dim.
std::vector<bool> all_any_mask(const Tensor& t, const Dims& dims, const char* op) {
  return dims.empty() ? std::vector<bool>(static_cast<size_t>(t.dim()), false) : reduced_mask(t, dims, op);
}
}  // namespace

Tensor all(const Tensor& t) { return all_any<true>(t, all_dims_mask(t), false); }
Tensor all(const Tensor& t, const Dims& dims, bool keepdim) {
  return all_any<true>(t, all_any_mask(t, dims, "all"), keepdim);
}
Tensor any(const Tensor& t) { return all_any<false>(t, all_dims_mask(t), false); }
Tensor any(const Tensor& t, const Dims& dims, bool keepdim) {
  return all_any<false>(t, all_any_mask(t, dims, "any"), keepdim);
}

Tensor count_nonzero(const Tensor& t, const Dims& dims) {
  auto mask = reduced_mask(t, dims, "count_nonzero");
  return fold(t, mask, false, ScalarType::Int64, 0, [](auto acc_tag, auto in_tag) {
    using Acc = decltype(acc_tag);
    using A = decltype(in_tag);
    return [](Acc v, A x) { return v + static_cast<Acc>(x != A(0)); };
  });
}

// ---- sum_to ----

Tensor sum_to(const Tensor& t, const Dims& shape) {
  if (t.sizes() == shape) return t;
  const int64_t lead = t.dim() - static_cast<int64_t>(shape.size());
  Dims dims;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && t.sizes()[d] != 1)) dims.push_back(d);
  Tensor r = dims.empty() ? t : sum(t, dims, /*keepdim=*/true);
  return r.sizes() == shape ? r : view(r, shape);
}

}  // namespace fastgrad
