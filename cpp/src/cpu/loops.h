// Strided elementwise loops over up to three operands (output first), with broadcasting expressed as zero
// strides. Dimensions are merged where the memory layout allows, so a contiguous or simply broadcast
// operation runs as one flat loop whose inner body the compiler vectorises.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>

#include "fastgrad/parallel.h"
#include "fastgrad/tensor.h"

namespace fastgrad::cpu {

// Strides (in elements) of `t` seen as a tensor of shape `out_shape` (right-aligned, 0 where broadcast).
Dims broadcast_strides(const Tensor& t, const Dims& out_shape);

template <size_t N>
struct Operands {
  std::array<char*, N> data;
  std::array<int64_t, N> elem;  // element sizes in bytes
  std::array<Dims, N> strides;  // in elements, one per output dimension
};

// Elements below which an elementwise loop stays on the calling thread: a thread hand-off costs a few
// microseconds, which 32K floats take to stream through an add.
constexpr int64_t kElementwiseGrain = 32768;

// True when `ins` all have out's shape and every operand is contiguous, in a loop small enough to stay on
// the calling thread: for_each_row would make it one flat row, so the loops below run that row directly
// and skip the stride bookkeeping, which on a (3,) or 0-d tensor costs more than the arithmetic (See
// docs/design.md, section 8).
inline bool one_flat_row(const Tensor& out, std::initializer_list<const Tensor*> ins) {
  if (out.numel() >= kElementwiseGrain || !out.is_contiguous()) return false;
  for (const Tensor* t : ins)
    if (!t->is_contiguous() || !(t->sizes() == out.sizes())) return false;
  return true;
}

// Merges dimensions and calls row(ptrs, byte_strides, n) once per innermost row. With `Parallel`, a big
// iteration is split across the intra-op threads (parallel_for): rows of a contiguous run are cut into
// pieces, and outer rows are shared out. Only loops whose rows write disjoint memory may set it (not
// reduce_loop, whose accumulator broadcasts over the input).
template <bool Parallel = false, size_t N, class Row>
void for_each_row(const Dims& shape, Operands<N>& ops, Row&& row) {
  // Collapse: drop size-1 dims, merge dim i into i+1 when every operand is contiguous across them.
  Dims sizes;
  std::array<Dims, N> st;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!sizes.empty()) {
      bool mergeable = true;
      for (size_t k = 0; k < N; ++k)
        if (st[k].back() != ops.strides[k][d] * shape[d]) mergeable = false;
      if (mergeable) {
        sizes[sizes.size() - 1] *= shape[d];
        for (size_t k = 0; k < N; ++k) st[k][st[k].size() - 1] = ops.strides[k][d];
        continue;
      }
    }
    sizes.push_back(shape[d]);
    for (size_t k = 0; k < N; ++k) st[k].push_back(ops.strides[k][d]);
  }
  const int64_t numel = numel_of(shape);
  if (numel == 0) return;
  if (sizes.empty()) {  // a single element
    sizes.push_back(1);
    for (size_t k = 0; k < N; ++k) st[k].push_back(0);
  }
  const size_t nd = sizes.size();
  const int64_t inner = sizes[nd - 1];
  std::array<int64_t, N> inner_bytes;
  for (size_t k = 0; k < N; ++k) inner_bytes[k] = st[k][nd - 1] * ops.elem[k];
  if (nd == 1) {
    if constexpr (Parallel) {
      parallel_for(0, inner, kElementwiseGrain, [&](int64_t b, int64_t e) {
        std::array<char*, N> ptr = ops.data;
        for (size_t k = 0; k < N; ++k) ptr[k] += b * inner_bytes[k];
        row(ptr, inner_bytes, e - b);
      });
    } else {
      row(ops.data, inner_bytes, inner);
    }
    return;
  }
  // Rows [first, last) of the outer dimensions, walked with an odometer: no per-element index arithmetic.
  auto rows = [&](int64_t first, int64_t last) {
    std::array<char*, N> ptr = ops.data;
    Dims counter(nd - 1, 0);
    int64_t rest = first;
    for (size_t d = nd - 1; d-- > 0;) {  // position of row `first`, innermost outer dim fastest
      counter[d] = rest % sizes[d];
      rest /= sizes[d];
      for (size_t k = 0; k < N; ++k) ptr[k] += counter[d] * st[k][d] * ops.elem[k];
    }
    for (int64_t r = first;;) {
      row(ptr, inner_bytes, inner);
      if (++r == last) return;
      size_t d = nd - 1;
      for (;;) {
        --d;
        for (size_t k = 0; k < N; ++k) ptr[k] += st[k][d] * ops.elem[k];
        if (++counter[d] < sizes[d]) break;
        for (size_t k = 0; k < N; ++k) ptr[k] -= st[k][d] * ops.elem[k] * sizes[d];
        counter[d] = 0;
      }
    }
  };
  const int64_t outer = numel / inner;
  if constexpr (Parallel) {
    parallel_for(0, outer, std::max<int64_t>(1, kElementwiseGrain / inner), rows);
  } else {
    rows(0, outer);
  }
}

// out[i] = f(a[i]) with out of type O and a of type A; out has shape `out.sizes()` and a broadcasts to it.
template <class O, class A, class F>
void unary_loop(const Tensor& out, const Tensor& a, F f) {
  if (one_flat_row(out, {&a})) {
    O* o = out.data<O>();
    const A* x = a.data<A>();
    for (int64_t i = 0, n = out.numel(); i < n; ++i) o[i] = f(x[i]);
    return;
  }
  Operands<2> ops{{static_cast<char*>(out.data_ptr()), static_cast<char*>(a.data_ptr())},
                  {sizeof(O), sizeof(A)},
                  {out.strides(), broadcast_strides(a, out.sizes())}};
  for_each_row<true>(out.sizes(), ops, [&](const std::array<char*, 2>& p, const std::array<int64_t, 2>& s, int64_t n) {
    O* o = reinterpret_cast<O*>(p[0]);
    const A* x = reinterpret_cast<const A*>(p[1]);
    if (s[0] == sizeof(O) && s[1] == sizeof(A)) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
    } else if (s[0] == sizeof(O) && s[1] == 0) {
      O v = f(*x);
      for (int64_t i = 0; i < n; ++i) o[i] = v;
    } else {
      const int64_t so = s[0] / static_cast<int64_t>(sizeof(O)), sx = s[1] / static_cast<int64_t>(sizeof(A));
      for (int64_t i = 0; i < n; ++i) o[i * so] = f(x[i * sx]);
    }
  });
}

// out[i] = f(a[i], b[i]) with a and b broadcasting to out's shape.
template <class O, class A, class B, class F>
void binary_loop(const Tensor& out, const Tensor& a, const Tensor& b, F f) {
  if (one_flat_row(out, {&a, &b})) {
    O* o = out.data<O>();
    const A* x = a.data<A>();
    const B* y = b.data<B>();
    for (int64_t i = 0, n = out.numel(); i < n; ++i) o[i] = f(x[i], y[i]);
    return;
  }
  Operands<3> ops{
      {static_cast<char*>(out.data_ptr()), static_cast<char*>(a.data_ptr()), static_cast<char*>(b.data_ptr())},
      {sizeof(O), sizeof(A), sizeof(B)},
      {out.strides(), broadcast_strides(a, out.sizes()), broadcast_strides(b, out.sizes())}};
  for_each_row<true>(out.sizes(), ops, [&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& s, int64_t n) {
    O* o = reinterpret_cast<O*>(p[0]);
    const A* x = reinterpret_cast<const A*>(p[1]);
    const B* y = reinterpret_cast<const B*>(p[2]);
    if (s[0] == sizeof(O) && s[1] == sizeof(A) && s[2] == sizeof(B)) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
    } else if (s[0] == sizeof(O) && s[1] == sizeof(A) && s[2] == 0) {
      const B v = *y;
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], v);
    } else if (s[0] == sizeof(O) && s[1] == 0 && s[2] == sizeof(B)) {
      const A v = *x;
      for (int64_t i = 0; i < n; ++i) o[i] = f(v, y[i]);
    } else {
      const int64_t so = s[0] / static_cast<int64_t>(sizeof(O)), sx = s[1] / static_cast<int64_t>(sizeof(A)),
                    sy = s[2] / static_cast<int64_t>(sizeof(B));
      for (int64_t i = 0; i < n; ++i) o[i * so] = f(x[i * sx], y[i * sy]);
    }
  });
}

// out[i] = f(a[i], b[i], c[i]) with a, b and c broadcasting to out's shape (where, lerp, addcmul, clamp).
template <class O, class A, class B, class C, class F>
void ternary_loop(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& c, F f) {
  Operands<4> ops{{static_cast<char*>(out.data_ptr()), static_cast<char*>(a.data_ptr()),
                   static_cast<char*>(b.data_ptr()), static_cast<char*>(c.data_ptr())},
                  {sizeof(O), sizeof(A), sizeof(B), sizeof(C)},
                  {out.strides(), broadcast_strides(a, out.sizes()), broadcast_strides(b, out.sizes()),
                   broadcast_strides(c, out.sizes())}};
  for_each_row<true>(out.sizes(), ops, [&](const std::array<char*, 4>& p, const std::array<int64_t, 4>& s, int64_t n) {
    O* o = reinterpret_cast<O*>(p[0]);
    const A* x = reinterpret_cast<const A*>(p[1]);
    const B* y = reinterpret_cast<const B*>(p[2]);
    const C* z = reinterpret_cast<const C*>(p[3]);
    if (s[0] == sizeof(O) && s[1] == sizeof(A) && s[2] == sizeof(B) && s[3] == sizeof(C)) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i], z[i]);
    } else {
      const int64_t so = s[0] / static_cast<int64_t>(sizeof(O)), sx = s[1] / static_cast<int64_t>(sizeof(A)),
                    sy = s[2] / static_cast<int64_t>(sizeof(B)), sz = s[3] / static_cast<int64_t>(sizeof(C));
      for (int64_t i = 0; i < n; ++i) o[i * so] = f(x[i * sx], y[i * sy], z[i * sz]);
    }
  });
}

// Runs a contiguous-run kernel k(ptrs..., n) over rows that may be strided or broadcast (stride 0): through
// stack buffers of kBlock elements, so that every element comes from the same kernel (Note [CPU dispatch]).
constexpr int64_t kKernelBlock = 256;

// out = k(a) for T-typed out and a (a broadcasts to out's shape); `k` is a cpu::UnaryKernel<T>.
template <class T, class K>
void unary_kernel_loop(const Tensor& out, const Tensor& a, K k) {
  if (one_flat_row(out, {&a})) {
    if (out.numel() > 0) k(a.data<T>(), out.data<T>(), out.numel());
    return;
  }
  Operands<2> ops{{static_cast<char*>(out.data_ptr()), static_cast<char*>(a.data_ptr())},
                  {sizeof(T), sizeof(T)},
                  {out.strides(), broadcast_strides(a, out.sizes())}};
  for_each_row<true>(out.sizes(), ops, [&](const std::array<char*, 2>& p, const std::array<int64_t, 2>& s, int64_t n) {
    T* o = reinterpret_cast<T*>(p[0]);
    const T* x = reinterpret_cast<const T*>(p[1]);
    if (s[0] == sizeof(T) && s[1] == sizeof(T)) return k(x, o, n);
    const int64_t so = s[0] / static_cast<int64_t>(sizeof(T)), sx = s[1] / static_cast<int64_t>(sizeof(T));
    T in[kKernelBlock], res[kKernelBlock];
    for (int64_t b = 0; b < n; b += kKernelBlock) {
      const int64_t m = std::min(kKernelBlock, n - b);
      for (int64_t i = 0; i < m; ++i) in[i] = x[(b + i) * sx];
      k(in, res, m);
      for (int64_t i = 0; i < m; ++i) o[(b + i) * so] = res[i];
    }
  });
}

// out = k(a, b) for T-typed operands broadcasting to out's shape; `k` is a cpu::BackwardKernel<T>.
template <class T, class K>
void binary_kernel_loop(const Tensor& out, const Tensor& a, const Tensor& b, K k) {
  if (one_flat_row(out, {&a, &b})) {
    if (out.numel() > 0) k(a.data<T>(), b.data<T>(), out.data<T>(), out.numel());
    return;
  }
  Operands<3> ops{
      {static_cast<char*>(out.data_ptr()), static_cast<char*>(a.data_ptr()), static_cast<char*>(b.data_ptr())},
      {sizeof(T), sizeof(T), sizeof(T)},
      {out.strides(), broadcast_strides(a, out.sizes()), broadcast_strides(b, out.sizes())}};
  for_each_row<true>(out.sizes(), ops, [&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& s, int64_t n) {
    T* o = reinterpret_cast<T*>(p[0]);
    const T* x = reinterpret_cast<const T*>(p[1]);
    const T* y = reinterpret_cast<const T*>(p[2]);
    if (s[0] == sizeof(T) && s[1] == sizeof(T) && s[2] == sizeof(T)) return k(x, y, o, n);
    const int64_t so = s[0] / static_cast<int64_t>(sizeof(T)), sx = s[1] / static_cast<int64_t>(sizeof(T)),
                  sy = s[2] / static_cast<int64_t>(sizeof(T));
    T in0[kKernelBlock], in1[kKernelBlock], res[kKernelBlock];
    for (int64_t c = 0; c < n; c += kKernelBlock) {
      const int64_t m = std::min(kKernelBlock, n - c);
      for (int64_t i = 0; i < m; ++i) {
        in0[i] = x[(c + i) * sx];
        in1[i] = y[(c + i) * sy];
      }
      k(in0, in1, res, m);
      for (int64_t i = 0; i < m; ++i) o[(c + i) * so] = res[i];
    }
  });
}

// acc[j] = combine(acc[j], a[i]) where acc broadcasts (stride 0) over the reduced dimensions of a.
// `acc` has a's number of dimensions with size 1 in reduced dims.
template <class Acc, class A, class F>
void reduce_loop(const Tensor& acc, const Tensor& a, F combine) {
  Dims acc_strides(a.dim());
  for (int64_t d = 0; d < a.dim(); ++d) acc_strides[d] = acc.sizes()[d] == 1 ? 0 : acc.strides()[d];
  Operands<2> ops{{static_cast<char*>(acc.data_ptr()), static_cast<char*>(a.data_ptr())},
                  {sizeof(Acc), sizeof(A)},
                  {acc_strides, a.strides()}};
  for_each_row(a.sizes(), ops, [&](const std::array<char*, 2>& p, const std::array<int64_t, 2>& s, int64_t n) {
    Acc* o = reinterpret_cast<Acc*>(p[0]);
    const A* x = reinterpret_cast<const A*>(p[1]);
    if (s[0] == 0) {  // reducing along the row: keep the running value in a register
      Acc v = *o;
      const int64_t sx = s[1] / static_cast<int64_t>(sizeof(A));
      if (sx == 1)
        for (int64_t i = 0; i < n; ++i) v = combine(v, x[i]);
      else
        for (int64_t i = 0; i < n; ++i) v = combine(v, x[i * sx]);
      *o = v;
    } else {
      const int64_t so = s[0] / static_cast<int64_t>(sizeof(Acc)), sx = s[1] / static_cast<int64_t>(sizeof(A));
      for (int64_t i = 0; i < n; ++i) o[i * so] = combine(o[i * so], x[i * sx]);
    }
  });
}

}  // namespace fastgrad::cpu
