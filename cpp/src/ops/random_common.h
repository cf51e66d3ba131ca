// Helpers shared by the random op files (random.cpp, sampling.cpp): which generator, dtype checks, and
// filling tensors in torch's order.
//
// Note [Fill order]
// torch fills a tensor in the order of its memory layout (its TensorIterator puts the dimension with the
// smallest stride innermost), so `x.t().uniform_()` writes the values `x.uniform_()` would write, at the
// same addresses. fill_in_memory_order() reproduces that for any strided tensor.
#pragma once

#include <algorithm>
#include <numeric>
#include <vector>

#include "common.h"

namespace fastgrad::random_detail {

inline Generator& pick(Generator* gen) { return gen ? *gen : default_generator(); }

// torch's "not implemented for" dispatch errors, e.g. `"normal_kernel_cpu" not implemented for 'Long'`.
inline void check_float(ScalarType dtype, const char* kernel) {
  FG_CHECK(is_floating(dtype), NotImplementedError, "\"", kernel, "\" not implemented for '", scalar_type_name(dtype),
           "'");
}
// The same for a fill of `numel` elements: torch runs no normal/bernoulli/exponential kernel for an empty
// output, so it never refuses the dtype then (its uniform fills check first and do refuse).
inline void check_float(ScalarType dtype, const char* kernel, int64_t numel) {
  if (numel != 0) check_float(dtype, kernel);
}

// See Note [Fill order]: t's dimensions, outermost in memory first.
inline Dims memory_order(const Tensor& t) {
  Dims perm(static_cast<size_t>(t.dim()));
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return t.stride(a) > t.stride(b); });
  return perm;
}

// `x` (already of t's shape, or broadcastable to it) seen with t's dimensions permuted into memory order.
inline Tensor permuted_like(const Tensor& x, const Tensor& t, const Dims& perm) {
  Dims strides = cpu::broadcast_strides(x, t.sizes());
  Dims ps, pst;
  for (int64_t d : perm) {
    ps.push_back(t.size(d));
    pst.push_back(strides[d]);
  }
  return make_view(x, ps, pst, x.storage_offset());
}

// Calls fill(buffer) with a contiguous tensor of t's dtype whose elements are t's elements in memory order,
// then stores them into t (fill writes straight into t when t is contiguous).
template <class Fill>
void fill_in_memory_order(const Tensor& t, Fill fill) {
  if (t.is_contiguous()) {
    fill(t);
    return;
  }
  Dims perm = memory_order(t);
  Tensor target = permuted_like(t, t, perm);
  Tensor buffer = empty(target.sizes(), t.dtype());
  fill(buffer);
  copy_into(target, buffer);
}

// The contiguous values of `x` broadcast to t's shape, in t's memory order (so they line up with the
// buffer fill_in_memory_order hands out).
inline Tensor values_in_memory_order(const Tensor& x, const Tensor& t) {
  Tensor v = t.is_contiguous() ? make_view(x, t.sizes(), cpu::broadcast_strides(x, t.sizes()), x.storage_offset())
                               : permuted_like(x, t, memory_order(t));
  return cast(v, v.dtype(), /*force_copy=*/true);
}

// A fresh tensor laid out like `t` (torch's empty_like): same strides when t is a dense permutation of a
// contiguous tensor, contiguous otherwise.
inline Tensor empty_like_layout(const Tensor& t) {
  Dims perm = memory_order(t);
  Dims psizes;
  for (int64_t d : perm) psizes.push_back(t.size(d));
  Dims pstrides = contiguous_strides(psizes);
  Dims strides(static_cast<size_t>(t.dim()));
  bool dense = true;
  for (size_t i = 0; i < perm.size(); ++i) {
    strides[perm[i]] = pstrides[i];
    if (t.size(perm[i]) > 1 && t.stride(perm[i]) != pstrides[i]) dense = false;
  }
  if (!dense || t.is_contiguous()) return empty(t.sizes(), t.dtype());
  Tensor flat = empty({t.numel()}, t.dtype());
  return make_view(flat, t.sizes(), strides, 0);
}

template <class F>
void with_float(const Tensor& t, F f) {
  if (is_reduced_float(t.dtype())) {  // drawn as float32, then rounded (Note [Storage dtypes])
    Tensor tmp = empty(t.sizes(), ScalarType::Float32);
    f(tmp.data<float>());
    copy_into(t, tmp);
  } else if (t.dtype() == ScalarType::Float32) {
    f(t.data<float>());
  } else {
    f(t.data<double>());
  }
}

// Normal values into a contiguous t as PyTorch's normal_kernel fills it (float16 / bfloat16: drawn as float32
// and rounded, which is PyTorch's stream except in the last 16 elements of a length that is not a multiple of 16).
inline void fill_normal_dense(const Tensor& t, double mean, double std, Generator& g) {
  with_float(t, [&](auto* p) { fill_normal(p, t.numel(), mean, std, g); });
}

// Uniforms in [0, 1) with as many random bits as `dtype` has mantissa digits (torch's uniform of that type).
inline Tensor unit_uniforms(int64_t n, ScalarType dtype, Generator& g) {
  Tensor u = empty({n}, dtype);
  with_float(u, [&](auto* p) { fill_uniform(p, n, 0.0, 1.0, g); });
  return u;
}

}  // namespace fastgrad::random_detail
