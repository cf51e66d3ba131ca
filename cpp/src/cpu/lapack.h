// The one place LAPACK (and BLAS's triangular solve) is called: column-major, one matrix per call. The
// library is the BLAS's own (cmake/FastgradBlas.cmake): scipy-openblas32 ships LAPACK with its symbol prefix;
// a system OpenBLAS has it unprefixed (looked up weakly: a reference CBLAS may lack it). Without one
// (FASTGRAD_BLAS=none, or a system BLAS without LAPACK) every routine throws NotImplementedError naming the op.
#pragma once

#include <cstdint>

namespace fastgrad::cpu {

// Whether LAPACK routines are available in this build.
bool has_lapack();
// Throws NotImplementedError("<op>: fastgrad was built without LAPACK ...") when has_lapack() is false.
void check_lapack(const char* op);

// All matrices are column-major with leading dimension = rows (lda = max(1, n)). Integers are LAPACK's
// 32-bit ones; callers check sizes fit (check_lapack_size). Each returns LAPACK's info.
template <class T>
int getrf(int n, T* a, int* ipiv);  // LU with partial pivoting of an n x n matrix
template <class T>
int getrs(bool trans, int n, int nrhs, const T* a, const int* ipiv, T* b);  // solve with getrf's factors
template <class T>
int potrf(bool upper, int n, T* a);  // Cholesky: the factor in the `upper` or lower triangle
template <class T>
int potrs(bool upper, int n, int nrhs, const T* a, T* b);  // solve with potrf's factor
// B <- op(A)^-1 B (left) or B op(A)^-1 (right), B m x n, A triangular (m x m or n x n). BLAS trsm: a zero on the
// diagonal gives infs and NaNs, never an error.
template <class T>
void trsm(bool left, bool upper, bool trans, bool unit_diag, int m, int n, const T* a, T* b);
// Eigenvalues (ascending, into w) and, with `vectors`, the orthonormal eigenvectors (into a) of the symmetric
// matrix whose `upper` or lower triangle a holds.
template <class T>
int syevd(bool vectors, bool upper, int n, T* a, T* w);

// Singular value decomposition A = U diag(s) Vt of an m x n matrix (divide and conquer): s descending (min(m, n)
// values), U m x k and Vt k x n column-major, k = min(m, n) (`full`: k = m for U and n for Vt). a is destroyed.
template <class T>
int gesdd(bool full, int m, int n, T* a, T* s, T* u, T* vt);

// QR: geqrf leaves R in the upper triangle of the m x n matrix a and the Householder reflectors below it (scalars
// in tau, min(m, n) of them); orgqr turns the first k reflectors into the m x cols matrix Q (a, leading
// dimension m, holds them in its first k columns).
template <class T>
int geqrf(int m, int n, T* a, T* tau);
template <class T>
int orgqr(int m, int cols, int k, T* a, const T* tau);

}  // namespace fastgrad::cpu
