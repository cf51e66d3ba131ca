// Element helpers without autograd (element.h).
#include "element.h"

namespace fastgrad {

std::string describe(const Tensor& t) { return shape_str(t.sizes()) + " (" + dtype_name(t.dtype()) + ")"; }

void copy_into(const Tensor& dst, const Tensor& src) {
  dispatch_all(dst.dtype(), [&](auto dtag) {
    using D = decltype(dtag);
    dispatch_all(src.dtype(), [&](auto stag) {
      using S = decltype(stag);
      cpu::unary_loop<D, S>(dst, src, [](S x) -> D {
        if constexpr (std::is_same_v<D, bool>) {
          if constexpr (std::is_same_v<S, Half> || std::is_same_v<S, BFloat16>) return static_cast<float>(x) != 0.f;
          else return x != S(0);
        } else if constexpr (std::is_same_v<D, S>) {
          return x;
        } else if constexpr (sizeof(D) < 4 && std::is_integral_v<D> && !std::is_integral_v<S>) {
          // A float to a narrow integer goes through int64, as PyTorch converts (defined for negative values).
          return static_cast<D>(static_cast<int64_t>(static_cast<double>(x)));
        } else if constexpr (std::is_same_v<S, Half> || std::is_same_v<S, BFloat16>) {
          return static_cast<D>(static_cast<float>(x));
        } else {
          return static_cast<D>(x);
        }
      });
    });
  });
}

Tensor cast(const Tensor& t, ScalarType dtype, bool force_copy) {
  // Callers read the result through raw pointers, so t itself only serves when it is contiguous.
  if (t.dtype() == dtype && !force_copy && t.is_contiguous()) return t;
  Tensor out = empty(t.sizes(), dtype);
  copy_into(out, t);
  return out;
}

Tensor dense(const Tensor& t, ScalarType dtype) { return cast(t, dtype, /*force_copy=*/!t.is_contiguous()); }

bool can_cast(ScalarType from, ScalarType to) {
  if (is_floating(from) && !is_floating(to)) return false;
  if (from != ScalarType::Bool && to == ScalarType::Bool) return false;
  return true;
}

}  // namespace fastgrad
