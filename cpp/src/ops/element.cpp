// Element helpers without autograd (element.h).
#include "element.h"

namespace fastgrad {

std::string describe(const Tensor& t) { return shape_str(t.sizes()) + " (" + dtype_name(t.dtype()) + ")"; }

void copy_into(const Tensor& dst, const Tensor& src) {
  dispatch(dst.dtype(), [&](auto dtag) {
    using D = decltype(dtag);
    dispatch(src.dtype(), [&](auto stag) {
      using S = decltype(stag);
      cpu::unary_loop<D, S>(dst, src, [](S x) {
        if constexpr (std::is_same_v<D, bool>) return x != S(0);
        else return static_cast<D>(x);
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
