// Internal, for the op files: element helpers without autograd -- conversions between dtypes, dense copies,
// and the elementwise map loops over the kernels.
#pragma once

#include <string>

#include "../cpu/loops.h"
#include "fastgrad/ops.h"

namespace fastgrad {

// "add(): shapes [2] and [3], dtypes float32 and int64" style descriptions for messages.
std::string describe(const Tensor& t);

// dst[i] = src[i] converted to dst's dtype; src broadcasts to dst's shape. No autograd, no checks.
void copy_into(const Tensor& dst, const Tensor& src);
// t contiguous with the given dtype (no autograd): a copy, or t itself when it already is contiguous with
// that dtype and `force_copy` is false.
Tensor cast(const Tensor& t, ScalarType dtype, bool force_copy = false);
// Note [Dense operands]: a kernel that reads or writes a tensor through a raw pointer as a flat array
// (p[i] for element i) must take it from dense(): `t` itself when it already is contiguous and of `dtype`,
// else a contiguous copy. cast() alone keeps a transposed, sliced or expanded tensor as it is.
Tensor dense(const Tensor& t, ScalarType dtype);
inline Tensor dense(const Tensor& t) { return dense(t, t.dtype()); }

// f(float{}) or f(double{}) for a floating dtype (the callers have checked that it is one).
template <class F>
void dispatch_float(ScalarType dtype, F&& f) {
  if (dtype == ScalarType::Float32) f(float{});
  else f(double{});
}

// out = f(a) elementwise in compute type T == a's dtype (caller casts first). f is made per type by
// make(T{}) so that scalars are converted once, not per element.
template <class MakeF>
Tensor map_unary(const Tensor& a, ScalarType out_dtype, MakeF make) {
  Tensor out = empty(a.sizes(), out_dtype);
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto f = make(tag);
    using O = decltype(f(T{}));
    cpu::unary_loop<O, T>(out, a, f);
  });
  return out;
}

// out = f(a, b) with a and b already of the same compute dtype, broadcasting to `out` (allocated when
// undefined, with `out_dtype`).
template <class MakeF>
Tensor map_binary(const Tensor& a, const Tensor& b, ScalarType out_dtype, const char* op, MakeF make,
                  Tensor out = Tensor()) {
  if (!out.defined()) out = empty(broadcast_shapes(a.sizes(), b.sizes(), op), out_dtype);
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto f = make(tag);
    using O = decltype(f(T{}, T{}));
    cpu::binary_loop<O, T, T>(out, a, b, f);
  });
  return out;
}

bool can_cast(ScalarType from, ScalarType to);

}  // namespace fastgrad
