// Scans and extremes along one dim of a contiguous tensor, viewed as (outer, n, inner) and worked along n: the
// vector kernels of the dispatch table (cpu/reduction_kernels.h), threaded over rows (inner == 1) or over
// blocks of columns. Every element is computed the same way whatever the split, so results (to the bit) do not
// depend on the thread count. T float or double.
#pragma once

#include <cstdint>

namespace fastgrad::cpu {

// y = the cumulative sum (prod) along n in double, in order (from the end when `reverse`), rounded to T.
template <class T>
void scan_lines(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool prod, bool reverse);

// r = reverse_cumsum(g * out) / x along n (cumprod's gradient); false when x holds a zero (r is then
// unspecified).
template <class T>
bool cumprod_backward_lines(const T* g, const T* out, const T* x, T* r, int64_t outer, int64_t n, int64_t inner);

// The max (min) along n and its first position (NaN first), into values[o * inner + c] and indices[o * inner +
// c]; either may be null. Float needs n < 2^31 (positions in 32-bit lanes).
template <class T>
void extreme_lines(const T* x, T* values, int64_t* indices, int64_t outer, int64_t n, int64_t inner, bool is_max);

}  // namespace fastgrad::cpu
