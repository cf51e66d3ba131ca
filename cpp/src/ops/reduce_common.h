// Helpers shared by the reduction files (reduce.cpp, moments.cpp, minmax.cpp, scan.cpp): which dimensions a reduction
// removes, the shape it leaves, how its gradient is brought back, and a walk over the lines of a tensor
// along one dimension (for reductions and scans that need positions, not just values).
#pragma once

#include <algorithm>
#include <array>
#include <vector>

#include "../cpu/sum.h"
#include "common.h"
#include "fastgrad/parallel.h"

namespace fastgrad {

// Which dimensions are reduced: all of them when `dims` is empty.
inline std::vector<bool> reduced_mask(const Tensor& t, const Dims& dims, const char* op) {
  if (dims.empty()) return std::vector<bool>(static_cast<size_t>(t.dim()), true);
  return dim_list_mask(t.dim(), dims, op);
}

inline std::vector<bool> all_dims_mask(const Tensor& t) {
  return std::vector<bool>(static_cast<size_t>(t.dim()), true);
}

inline Dims reduced_shape(const Tensor& t, const std::vector<bool>& mask, bool keepdim) {
  Dims out;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (!mask[d]) out.push_back(t.sizes()[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

inline int64_t reduced_count(const Tensor& t, const std::vector<bool>& mask) {
  int64_t n = 1;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (mask[d]) n *= t.sizes()[d];
  return n;
}

// A fresh contiguous keepdim-shaped result with the reduced size-1 dims dropped (metadata only).
inline Tensor drop_reduced(Tensor out, const Tensor& input, const std::vector<bool>& mask, bool keepdim) {
  if (!keepdim) {
    Dims shape = reduced_shape(input, mask, false);
    out->set_sizes_and_strides(shape, contiguous_strides(shape), 0);
  }
  return out;
}

// The gradient (or result) of a reduction, brought back to the input's shape: unsqueeze the reduced dims,
// then expand.
inline Tensor unsqueeze_reduced(const Tensor& g, const std::vector<bool>& mask, bool keepdim) {
  Tensor r = g;
  if (!keepdim)
    for (size_t d = 0; d < mask.size(); ++d)
      if (mask[d]) r = unsqueeze(r, static_cast<int64_t>(d));
  return r;
}
inline Tensor expand_reduced(const Tensor& g, const Dims& shape, const std::vector<bool>& mask, bool keepdim) {
  return expand(unsqueeze_reduced(g, mask, keepdim), shape);
}

// Calls f(ptrs) once per line of tensors[0] along `dim`, where ptrs[k] points (as char*) at the first
// element of that line in tensors[k]. All tensors have tensors[0]'s sizes except at `dim`, where they may
// have any size (a keepdim result has 1). A 0-d tensor is one line of one element.
template <size_t N, class F>
void for_each_line(const std::array<const Tensor*, N>& tensors, int64_t dim, F f) {
  const Tensor& t0 = *tensors[0];
  const int64_t nd = t0.dim();
  std::array<char*, N> ptr;
  std::array<int64_t, N> elem;
  for (size_t k = 0; k < N; ++k) {
    ptr[k] = static_cast<char*>(tensors[k]->data_ptr());
    elem[k] = static_cast<int64_t>(element_size(tensors[k]->dtype()));
  }
  for (int64_t d = 0; d < nd; ++d)
    if (d != dim && t0.sizes()[d] == 0) return;
  // Odometer over every dimension but `dim`: no recursion, no per-element index arithmetic.
  Dims counter(static_cast<size_t>(nd), 0);
  for (;;) {
    f(ptr);
    int64_t d = nd;
    for (;;) {
      if (d == 0) return;
      --d;
      if (d == dim) continue;
      for (size_t k = 0; k < N; ++k) ptr[k] += tensors[k]->strides()[d] * elem[k];
      if (++counter[d] < t0.sizes()[d]) break;
      for (size_t k = 0; k < N; ++k) ptr[k] -= tensors[k]->strides()[d] * elem[k] * t0.sizes()[d];
      counter[d] = 0;
    }
  }
}

// True when t is contiguous and no reduced dim (of size > 1) comes before a kept one: then the reduction
// folds `rows` contiguous runs of `length` elements, one per output element, in output order.
inline bool contiguous_runs(const Tensor& t, const std::vector<bool>& mask, int64_t& rows, int64_t& length) {
  if (!t.is_contiguous()) return false;
  int64_t first = t.dim();  // start of the trailing block of reduced dims
  while (first > 0 && mask[first - 1]) --first;
  rows = 1;
  length = 1;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (d < first && mask[d] && t.sizes()[d] != 1) return false;
    (d < first ? rows : length) *= t.sizes()[d];
  }
  return true;
}

// Elements per unit of work handed to a thread by the reductions (See Note [Deterministic parallel
// reductions]).
constexpr int64_t kReduceBlock = 65536;

// True when t is contiguous and every reduced dim (of size > 1) comes before every kept one: the reduction
// then folds `rows` contiguous rows of `length` elements into one row, element by element (a bias
// gradient: the sum over the batch).
inline bool leading_reduction(const Tensor& t, const std::vector<bool>& mask, int64_t& rows, int64_t& length) {
  if (!t.is_contiguous()) return false;
  rows = 1;
  length = 1;
  bool kept_seen = false;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.sizes()[d] == 1) continue;
    if (mask[d]) {
      if (kept_seen) return false;
      rows *= t.sizes()[d];
    } else {
      kept_seen = true;
      length *= t.sizes()[d];
    }
  }
  return true;
}

// out[j] = combine(... combine(out[j], x[j]) ..., x[(rows - 1) * length + j]): each column folded in row
// order whatever the thread count (the threads share out the columns).
template <class Acc, class A, class Combine>
void fold_columns(Acc* out, const A* x, int64_t rows, int64_t length, Combine combine) {
  const int64_t grain = std::max<int64_t>(16, kReduceBlock / std::max<int64_t>(rows, 1));
  parallel_for(0, length, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = 0; r < rows; ++r) {
      const A* xr = x + r * length;
      for (int64_t j = b; j < e; ++j) out[j] = combine(out[j], xr[j]);
    }
  });
}

// Folds n contiguous values with eight independent partial results, merged at the end: no loop-carried
// dependency on one accumulator, so the compiler vectorises the loop.
template <class Acc, class A, class Combine, class Merge>
Acc fold_run(const A* x, int64_t n, Acc init, Combine combine, Merge merge) {
  constexpr int kLanes = 8;
  Acc lane[kLanes];
  for (auto& l : lane) l = init;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) lane[k] = combine(lane[k], x[i + k]);
  for (; i < n; ++i) lane[0] = combine(lane[0], x[i]);
  Acc v = lane[0];
  for (int k = 1; k < kLanes; ++k) v = merge(v, lane[k]);
  return v;
}

// Note [Deterministic parallel reductions]
// A run longer than kReduceBlock is folded block by block (fold_run on each), and the blocks' partial
// results are merged in order on the calling thread. The blocks are the units handed to the intra-op
// threads, and their boundaries do not depend on the thread count: a sum gives the same bits with 1 or
// 2 threads. Partials accumulate in double (or int64), so the float32 sum of 2^24 ones is exact.

// out[r] = merge of run_fold(x + start, n) over blocks of row r's run x[r * length, (r + 1) * length),
// for r < rows; threaded above a grain (See Note [Deterministic parallel reductions]).
template <class Acc, class A, class RunFold, class Merge>
void fold_runs(Acc* out, const A* x, int64_t rows, int64_t length, RunFold run_fold, Merge merge) {
  const int64_t blocks = length <= kReduceBlock ? 1 : (length + kReduceBlock - 1) / kReduceBlock;
  if (blocks == 1) {
    const int64_t grain = std::max<int64_t>(1, kReduceBlock / std::max<int64_t>(length, 1));
    parallel_for(0, rows, grain, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) out[r] = run_fold(x + r * length, length);
    });
    return;
  }
  std::vector<Acc> partial(static_cast<size_t>(rows * blocks));
  parallel_for(0, rows * blocks, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t r = i / blocks, k = i % blocks;
      const int64_t start = k * kReduceBlock, n = std::min(kReduceBlock, length - start);
      partial[static_cast<size_t>(i)] = run_fold(x + r * length + start, n);
    }
  });
  for (int64_t r = 0; r < rows; ++r) {
    Acc v = partial[static_cast<size_t>(r * blocks)];
    for (int64_t k = 1; k < blocks; ++k) v = merge(v, partial[static_cast<size_t>(r * blocks + k)]);
    out[r] = v;
  }
}

namespace reduce_detail {  // defined in reduce.cpp
// Sum over the masked dims, accumulated in double (floating out_dtype) or int64; no autograd.
Tensor sum_kernel(const Tensor& t, const std::vector<bool>& mask, bool keepdim, ScalarType out_dtype);
// v with zeros where cond is nonzero (a masked_fill with 0), recorded so higher-order gradients see it.
Tensor zero_where(const Tensor& v, const Tensor& cond);
}  // namespace reduce_detail

// Length and stride (in elements) of t along dim; a 0-d tensor is a line of one element.
inline int64_t line_size(const Tensor& t, int64_t dim) { return t.dim() == 0 ? 1 : t.sizes()[dim]; }
inline int64_t line_stride(const Tensor& t, int64_t dim) { return t.dim() == 0 ? 0 : t.strides()[dim]; }

template <class T>
bool is_nan_value(T v) {
  if constexpr (std::is_floating_point_v<T>) return v != v;
  else return false;
}

// A mask (1 where cond holds) in `dtype`, for gradients that select elements. It is a constant: no history.
inline Tensor mask_as(const Tensor& cond, ScalarType dtype) { return cast(cond, dtype); }

// sign(x) as a constant (no history): 1, -1, or 0 for zeros and NaN. Its derivative is zero almost
// everywhere, so treating it as a constant keeps |x| = x * sign(x) differentiable to any order.
inline Tensor sign_constant(const Tensor& x) {
  NoGradGuard guard;
  return sub(mask_as(compare(x, Scalar(0), CompareOp::Gt), x.dtype()),
             mask_as(compare(x, Scalar(0), CompareOp::Lt), x.dtype()));
}
inline Tensor abs_value(const Tensor& x) { return mul(x, sign_constant(x)); }

// The dims a mask selects, as a list (what the public reductions take).
inline Dims mask_dims(const std::vector<bool>& mask) {
  Dims out;
  for (size_t d = 0; d < mask.size(); ++d)
    if (mask[d]) out.push_back(static_cast<int64_t>(d));
  return out;
}

}  // namespace fastgrad
