// Tensor creation.
#include <cmath>
#include <limits>

#include "common.h"

namespace fastgrad {

Tensor full(const Dims& sizes, Scalar value, ScalarType dtype) {
  Tensor out = empty(sizes, dtype);
  dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    const T v = checked_convert<T>(value);  // Note [Checked scalar conversion]
    T* p = out.data<T>();
    parallel_for(0, out.numel(), cpu::kElementwiseGrain, [&](int64_t b, int64_t e) { std::fill(p + b, p + e, v); });
  });
  return out;
}

Tensor zeros(const Dims& sizes, ScalarType dtype) { return full(sizes, Scalar(0), dtype); }
Tensor ones(const Dims& sizes, ScalarType dtype) { return full(sizes, Scalar(1), dtype); }
Tensor scalar_tensor(Scalar value, ScalarType dtype) { return full(Dims{}, value, dtype); }
Tensor zeros_like(const Tensor& t) { return zeros(t.sizes(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.sizes(), t.dtype()); }

Tensor eye(int64_t n, int64_t m, ScalarType dtype) {
  FG_CHECK(n >= 0, Error, "n must be greater or equal to 0, got ", n);
  FG_CHECK(m >= 0, Error, "m must be greater or equal to 0, got ", m);
  Tensor out = zeros({n, m}, dtype);
  dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = out.data<T>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = T(1);
  });
  return out;
}

// Note [arange in the accumulate type]
// As in PyTorch, the checks (nonzero step, finite bounds, step sign) see the arguments as given, but the
// values are computed in the dtype's accumulate type and then converted: int64 for the integer dtypes, so
// start and step are truncated first (arange(-1.5, 3.7, dtype=int32) is -1, 0, 1, 2, 3, 4, not -1.5 + i cast),
// double for the floating ones. The length is ceil((end - start) / step) in double, except for int64, whose
// length is counted on the truncated start, end and step (arange(-1.5, 3.7, dtype=int64) is -1, 0, 1, 2).
Tensor arange(Scalar start, Scalar end, Scalar step, std::optional<ScalarType> dtype) {
  bool any_float = start.is_floating() || end.is_floating() || step.is_floating();
  ScalarType dt = dtype ? *dtype : (any_float ? default_dtype() : ScalarType::Int64);
  FG_CHECK(dt != ScalarType::Bool, NotImplementedError, "\"arange_cpu\" not implemented for 'Bool'");
  FG_CHECK(step.f != 0, Error, "step must be nonzero");
  FG_CHECK(std::isfinite(start.f) && std::isfinite(end.f), Error, "unsupported range: ", start.f, " -> ", end.f);
  FG_CHECK((step.f > 0 && end.f >= start.f) || (step.f < 0 && end.f <= start.f), Error,
           "upper bound and lower bound inconsistent with step sign");
  const bool integer = !is_floating(dt);
  int64_t xstart = 0, xstep = 0;
  double size_d = 0;
  if (integer) {
    xstart = checked_convert<int64_t>(start);
    xstep = checked_convert<int64_t>(step);
  }
  if (dt == ScalarType::Int64) {
    const int64_t xend = checked_convert<int64_t>(end);
    FG_CHECK(xstep != 0, ValueError, "step must be nonzero");
    // ceil(diff / step) in exact integer arithmetic; diff has step's sign (truncation keeps start <= end).
    const __int128 diff = static_cast<__int128>(xend) - xstart;
    const __int128 sgn = xstep > 0 ? 1 : -1;
    size_d = static_cast<double>((diff + xstep - sgn) / xstep);
  } else {
    size_d = std::ceil((end.f - start.f) / step.f);
  }
  FG_CHECK(size_d >= 0 && size_d <= static_cast<double>(std::numeric_limits<int64_t>::max()), Error,
           "invalid size, possible overflow?");
  const auto n = static_cast<int64_t>(size_d);
  Tensor out = empty({n}, dt);
  dispatch_all(dt, [&](auto tag) {
    using T = decltype(tag);
    T* p = out.data<T>();
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      // in float, the accumulate type of the half-precision dtypes, as PyTorch computes them
      const auto s0 = static_cast<float>(start.f), st = static_cast<float>(step.f);
      for (int64_t i = 0; i < n; ++i) p[i] = T(s0 + static_cast<float>(i) * st);
    } else if constexpr (std::is_integral_v<T>) {
      // int64 arithmetic that wraps like PyTorch's instead of overflowing (unsigned, then converted).
      const auto s0 = static_cast<uint64_t>(xstart), st = static_cast<uint64_t>(xstep);
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(static_cast<int64_t>(s0 + static_cast<uint64_t>(i) * st));
    } else {
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start.f + static_cast<double>(i) * step.f);
    }
  });
  return out;
}

// Note [linspace ends]
// PyTorch fills the first half from start and the second half from end, so both ends are exact; one step is
// [start]. start and end are first converted to the dtype (checked: see Note [Checked scalar conversion]):
// an integer linspace is spaced between the truncated ends and each value truncated, a float32 one computed
// in float32. bool has no linspace kernel beyond one element.
Tensor linspace(double start, double end, int64_t steps, ScalarType dtype) {
  FG_CHECK(steps >= 0, Error, "number of steps must be non-negative");
  FG_CHECK(dtype != ScalarType::Bool || steps <= 1, NotImplementedError, "\"linspace_cpu\" not implemented for 'Bool'");
  if (is_reduced_float(dtype)) return cast(linspace(start, end, steps, ScalarType::Float32), dtype);
  Tensor out = empty({steps}, dtype);
  if (steps == 0) return out;
  const int64_t half = steps / 2;
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = out.data<T>();
    const T xs = checked_convert<T>(Scalar(start));
    if (steps == 1) {  // end is not read
      p[0] = xs;
      return;
    }
    const T xe = checked_convert<T>(Scalar(end));
    if constexpr (std::is_floating_point_v<T>) {
      const T step = (xe - xs) / static_cast<T>(steps - 1);
      for (int64_t i = 0; i < steps; ++i)
        p[i] = i < half ? xs + step * static_cast<T>(i) : xe - step * static_cast<T>(steps - i - 1);
    } else if constexpr (!std::is_same_v<T, bool>) {
      const double ds = static_cast<double>(xs), de = static_cast<double>(xe);
      const double step = (de - ds) / static_cast<double>(steps - 1);
      for (int64_t i = 0; i < steps; ++i)
        p[i] = static_cast<T>(i < half ? ds + step * static_cast<double>(i)
                                       : de - step * static_cast<double>(steps - i - 1));
    }
  });
  return out;
}

}  // namespace fastgrad
