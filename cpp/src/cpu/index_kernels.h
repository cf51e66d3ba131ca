// Row copies and accumulations along one dim for index_select, gather and embedding (forward and backward), on
// contiguous tensors viewed as (outer, size, inner) around the indexed dim. index_select's and embedding's indices
// are checked by the caller (0 <= idx < size); gather's as the kernels read them. Accumulations add straight into a zeroed gradient (no full-size temporary) in index
// order, threaded over column blocks and outer rows only: two threads never write one element, and every
// element receives its terms in the same order whatever the thread count.
#pragma once

#include <cstdint>

namespace fastgrad::cpu {

// out[o, i, :] = src[o, idx[i], :] for i < k (elem-byte elements; src of (outer, size, inner)).
void index_select_rows(const char* src, char* out, const int64_t* idx, int64_t outer, int64_t size, int64_t k,
                       int64_t inner, int64_t elem);

// dst[o, idx[i], :] += g[o, i, :] for i < k, in order of i; rows whose index equals `skip` are left out (-1:
// none; embedding's padding_idx).
template <class T>
void index_add_rows(T* dst, const T* g, const int64_t* idx, int64_t outer, int64_t size, int64_t k, int64_t inner,
                    int64_t skip = -1);

// gather along the middle dim, index of shape (outer, k, inner): out[o, j, c] = src[o, idx[o, j, c], c]. These
// two check their indices as they go: false when one is out of range (the output is then incomplete).
bool gather_lines(const char* src, char* out, const int64_t* idx, int64_t outer, int64_t size, int64_t k,
                  int64_t inner, int64_t elem);

// Its gradient: dst = 0, then dst[o, idx[o, j, c], c] += g[o, j, c] in order of j (dst need not be initialised:
// each block of it is zeroed right before its sums).
template <class T>
bool gather_add_lines(T* dst, const T* g, const int64_t* idx, int64_t outer, int64_t size, int64_t k, int64_t inner);

// one_hot: out (n rows of `classes`, zeroed by the caller) gets out[i, idx[i]] = 1 (indices checked by the caller).
void one_hot_rows(int64_t* out, const int64_t* idx, int64_t n, int64_t classes);

}  // namespace fastgrad::cpu
