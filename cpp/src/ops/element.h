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
  else if (is_reduced_float(dtype)) throw_not_implemented_for(dtype);  // Note [Storage dtypes]
  else f(double{});
}

// out = f(a) elementwise in compute type T == a's dtype (caller casts first). f is made per type by
// make(T{}) so that scalars are converted once, not per element.
template <class MakeF>
Tensor map_unary(const Tensor& a, ScalarType out_dtype, MakeF make) {
  if (is_reduced_float(a.dtype()) || is_reduced_float(out_dtype)) {  // Note [Storage dtypes]
    Tensor r = map_unary(cast(a, compute_type(a.dtype())), compute_type(out_dtype), make);
    return r.dtype() == out_dtype ? r : cast(r, out_dtype);
  }
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
  if (is_reduced_float(a.dtype()) || is_reduced_float(b.dtype()) ||
      is_reduced_float(out.defined() ? out.dtype() : out_dtype)) {  // Note [Storage dtypes]
    if (out.defined()) out_dtype = out.dtype();
    Tensor r = map_binary(cast(a, compute_type(a.dtype())), cast(b, compute_type(b.dtype())), compute_type(out_dtype),
                          op, make);
    if (!out.defined()) return r.dtype() == out_dtype ? r : cast(r, out_dtype);
    copy_into(out, r);
    return out;
  }
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

// Note [Storage dtypes], for ops with no float16/bfloat16 path of their own (normalisation, convolution,
// pooling, sorting, losses): t as float32 through the differentiable conversion (ToCopyBackward0), or t
// itself; such an op converts its float32 result back with to_dtype.
inline Tensor float32_if_reduced(const Tensor& t) {
  return t.defined() && is_reduced_float(t.dtype()) ? to_dtype(t, ScalarType::Float32) : t;
}

}  // namespace fastgrad
