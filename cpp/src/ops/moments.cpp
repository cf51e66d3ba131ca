// var, std, var_mean and std_mean: forward and derivative side by side.
#include <cmath>
#include <limits>

#include "reduce_common.h"

namespace fastgrad {

using reduce_detail::sum_kernel;
using reduce_detail::zero_where;

// ---- var / std and their _mean forms ----

namespace {

void check_var_dtype(const Tensor& t) {
  FG_CHECK(is_floating(t.dtype()), Error, "std and var only support floating point and complex dtypes");
}

// In double: the mean, corrected once by the mean of the deviations from it (so that the mean of equal values
// is that value and their variance exactly 0, as PyTorch's Welford update gives -- sum / n alone is off by an
// ulp, which std's gradient, g / (2 std), turns into a finite number where PyTorch's is 0), then the squared
// deviations summed and divided by max(0, N - correction) (PyTorch's convention: no degrees of freedom left
// gives inf, or nan for 0 / 0). `take_sqrt`: the standard deviation, taken in double too (a float32 variance
// of values near 1e30 overflows; their std does not).
struct Moments {
  Tensor var, mean;
};
Moments moments(const Tensor& t, const std::vector<bool>& mask, double correction, bool keepdim, bool want_mean,
                bool take_sqrt) {
  NoGradGuard guard;
  const auto n = static_cast<double>(reduced_count(t, mask));
  Tensor x = cast(t, ScalarType::Float64);
  Tensor first = div(sum_kernel(x, mask, true, ScalarType::Float64), Scalar(n));
  // (the correction only where that mean is finite: an infinite element's mean stays +-inf, not inf - inf)
  Tensor corrected = add(first, div(sum_kernel(sub(x, first), mask, true, ScalarType::Float64), Scalar(n)));
  Tensor mean_kept = where(isfinite(first), corrected, first);
  Tensor centered = sub(x, mean_kept);
  Tensor squares = sum_kernel(mul(centered, centered), mask, keepdim, ScalarType::Float64);
  Moments m;
  // An empty reduction has no mean: nan whatever the correction (a negative one would otherwise give 0 / -c).
  const double dof = n == 0 ? std::numeric_limits<double>::quiet_NaN() : std::max(0.0, n - correction);
  Tensor var = div(squares, Scalar(dof));
  m.var = cast(take_sqrt ? sqrt(var) : var, t.dtype());
  if (want_mean) m.mean = cast(keepdim ? mean_kept : reshape(mean_kept, reduced_shape(t, mask, false)), t.dtype());
  return m;
}

// What var, std and their _mean forms share in their Nodes. `whole`: no dims were given (all reduced).
struct MomentsInfo {
  std::vector<bool> mask;
  bool keepdim;
  double correction;
  bool whole;
};

// The gradient of var: 2 (x - mean) / (N - correction), times g brought back to the input's shape.
// Without degrees of freedom PyTorch differs by form: over everything it gives inf (nan where x equals the
// mean); over dims it keeps 2 / (N - correction) as it is (infinite at 0, finite below).
Tensor var_grad(const Tensor& g, const Tensor& x, const MomentsInfo& info) {
  const auto dof = static_cast<double>(reduced_count(x, info.mask)) - info.correction;
  Tensor gx = expand_reduced(g, x.sizes(), info.mask, info.keepdim);
  if (dof <= 0 && info.whole) {
    Tensor scale;
    {
      NoGradGuard guard;
      Tensor at_mean = cast(compare(x, mean(x), CompareOp::Eq), x.dtype());
      scale = map_unary(at_mean, x.dtype(), [](auto tag) {
        using T = decltype(tag);
        return [](T same) -> T {
          if constexpr (std::is_floating_point_v<T>)
            return same != 0 ? std::numeric_limits<T>::quiet_NaN() : std::numeric_limits<T>::infinity();
          else return same;
        };
      });
    }
    return mul(gx, scale);
  }
  const double two_over_dof = dof == 0 ? std::numeric_limits<double>::infinity() : 2.0 / dof;
  return mul(gx, mul(sub(x, mean(x, mask_dims(info.mask), true)), Scalar(two_over_dof)));
}

// The gradient of std = sqrt(var): g / (2 std) through var's gradient; zero where std is zero.
Tensor std_grad(const Tensor& g, const Tensor& x, const Tensor& result, const MomentsInfo& info) {
  Tensor gv = zero_where(div(g, mul(result, Scalar(2))), compare(result, Scalar(0), CompareOp::Eq));
  return var_grad(gv, x, info);
}

Tensor mean_grad(const Tensor& g, const Tensor& x, const std::vector<bool>& mask, bool keepdim) {
  return div(expand_reduced(g, x.sizes(), mask, keepdim), Scalar(static_cast<double>(reduced_count(x, mask))));
}

}  // namespace

struct VarBackward0 : NamedNode<VarBackward0> {
  static constexpr const char* kName = "VarBackward0";
  MomentsInfo info;
  explicit VarBackward0(MomentsInfo i) : info(std::move(i)) {}
  tensor_list apply(tensor_list&& g) override { return {var_grad(g[0], saved(0), info)}; }
};

struct StdBackward0 : NamedNode<StdBackward0> {
  static constexpr const char* kName = "StdBackward0";
  MomentsInfo info;
  explicit StdBackward0(MomentsInfo i) : info(std::move(i)) {}
  tensor_list apply(tensor_list&& g) override { return {std_grad(g[0], saved(0), saved(1), info)}; }
};

// var_mean / std_mean: one Node, two outputs; a gradient may arrive for either or both.
template <bool IsStd>
struct MomentsMeanBackward : NamedNode<MomentsMeanBackward<IsStd>> {
  static constexpr const char* kName = IsStd ? "StdMeanBackward0" : "VarMeanBackward0";
  MomentsInfo info;
  explicit MomentsMeanBackward(MomentsInfo i) : info(std::move(i)) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor x = this->saved(0);
    Tensor out;
    if (g[0].defined()) out = IsStd ? std_grad(g[0], x, this->saved(1), info) : var_grad(g[0], x, info);
    if (g.size() > 1 && g[1].defined()) {
      Tensor gm = mean_grad(g[1], x, info.mask, info.keepdim);
      out = out.defined() ? add(out, gm) : gm;
    }
    return {out};
  }
};

namespace {
template <bool IsStd>
Tensor var_or_std(const Tensor& t, const Dims& dims, double correction, bool keepdim, const char* op) {
  check_var_dtype(t);
  auto mask = reduced_mask(t, dims, op);
  Moments m = moments(t, mask, correction, keepdim, false, IsStd);
  Tensor out = m.var;
  if (compute_requires_grad({&t})) {
    MomentsInfo info{mask, keepdim, correction, dims.empty() || t.dim() == 0};
    if constexpr (IsStd) {
      auto node = make_node<StdBackward0>({&t}, info);
      node->save(t);
      set_history(out, node);
      node->save(out, /*is_output=*/true);
    } else {
      auto node = make_node<VarBackward0>({&t}, info);
      node->save(t);
      set_history(out, node);
    }
  }
  return out;
}

template <bool IsStd>
std::tuple<Tensor, Tensor> moments_mean(const Tensor& t, const Dims& dims, double correction, bool keepdim,
                                        const char* op) {
  check_var_dtype(t);
  auto mask = reduced_mask(t, dims, op);
  Moments m = moments(t, mask, correction, keepdim, true, IsStd);
  Tensor first = m.var;
  if (compute_requires_grad({&t})) {
    auto node = make_node<MomentsMeanBackward<IsStd>>(
        {&t}, MomentsInfo{mask, keepdim, correction, dims.empty() || t.dim() == 0});
    node->save(t);
    set_history(first, node);
    set_history(m.mean, node);
    if (IsStd) node->save(first, /*is_output=*/true);
  }
  return {first, m.mean};
}
}  // namespace

Tensor var(const Tensor& t, const Dims& dims, double correction, bool keepdim) {
  return var_or_std<false>(t, dims, correction, keepdim, "var");
}
Tensor std(const Tensor& t, const Dims& dims, double correction, bool keepdim) {
  return var_or_std<true>(t, dims, correction, keepdim, "std");
}
std::tuple<Tensor, Tensor> var_mean(const Tensor& t, const Dims& dims, double correction, bool keepdim) {
  return moments_mean<false>(t, dims, correction, keepdim, "var_mean");
}
std::tuple<Tensor, Tensor> std_mean(const Tensor& t, const Dims& dims, double correction, bool keepdim) {
  return moments_mean<true>(t, dims, correction, keepdim, "std_mean");
}

}  // namespace fastgrad
