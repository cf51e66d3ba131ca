// Tensor creation.
#include <cmath>

#include "common.h"

namespace fastgrad {

Tensor full(const Dims& sizes, Scalar value, ScalarType dtype) {
  Tensor out = empty(sizes, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T v = std::is_same_v<T, bool> ? static_cast<T>(value.f != 0) : value.to<T>();
    T* p = out.data<T>();
    parallel_for(0, out.numel(), kernels::kElementwiseGrain, [&](int64_t b, int64_t e) { std::fill(p + b, p + e, v); });
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
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = out.data<T>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = T(1);
  });
  return out;
}

Tensor arange(Scalar start, Scalar end, Scalar step, std::optional<ScalarType> dtype) {
  FG_CHECK(dtype != ScalarType::Bool, NotImplementedError, "\"arange_cpu\" not implemented for 'Bool'");
  FG_CHECK(step.f != 0, Error, "step must be nonzero");
  FG_CHECK(std::isfinite(start.f) && std::isfinite(end.f), Error, "unsupported range: ", start.f, " -> ", end.f);
  FG_CHECK((step.f > 0 && end.f >= start.f) || (step.f < 0 && end.f <= start.f), Error,
           "upper bound and lower bound inconsistent with step sign");
  bool any_float = start.is_floating() || end.is_floating() || step.is_floating();
  ScalarType dt = dtype ? *dtype : (any_float ? default_dtype() : ScalarType::Int64);
  // PyTorch sizes the result in double precision: ceil((end - start) / step).
  auto n = static_cast<int64_t>(std::ceil((end.f - start.f) / step.f));
  Tensor out = empty({n}, dt);
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    T* p = out.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (!any_float) {
          p[i] = static_cast<T>(start.i + i * step.i);
          continue;
        }
      }
      p[i] = static_cast<T>(start.f + static_cast<double>(i) * step.f);
    }
  });
  return out;
}

Tensor linspace(double start, double end, int64_t steps, ScalarType dtype) {
  FG_CHECK(steps >= 0, Error, "linspace: number of steps must be non-negative");
  Tensor out = empty({steps}, dtype);
  // PyTorch fills the first half from start and the second half from end, so both ends are exact.
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0;
  int64_t half = steps / 2;
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = out.data<T>();
    for (int64_t i = 0; i < steps; ++i) {
      double v = i < half ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - i - 1);
      p[i] = static_cast<T>(v);
    }
  });
  return out;
}

}  // namespace fastgrad
