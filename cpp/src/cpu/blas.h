// The one place BLAS is called. Row-major C = alpha * op(A) @ op(B) + beta * C.
// Without a BLAS library (FASTGRAD_BLAS=none) a cache-blocked loop does the same job.
#pragma once

#include <cstdint>

namespace fastgrad::cpu {

template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
          int64_t ldb, T beta, T* c, int64_t ldc);

// Threads the BLAS library may use. fastgrad keeps it at 1 (Note [BLAS threads] in blas.cpp): gemm splits a
// big product across the pool itself.
void set_blas_num_threads(int n);

// Multiply-adds (m*n*k) from which a product is worth splitting across the pool's threads.
int64_t gemm_parallel_work();

// Name of the BLAS in use ("scipy-openblas", "cblas" or "none"), for diagnostics.
const char* blas_name();

}  // namespace fastgrad::cpu
