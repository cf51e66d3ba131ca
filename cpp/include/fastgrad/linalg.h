// LU factorisation and solves (cpp/src/ops/linalg_lapack.cpp; the other LAPACK-backed ops are in ops.h).
#pragma once

#include <optional>
#include <string>
#include <tuple>

#include "fastgrad/tensor.h"

namespace fastgrad {

/// (LU, pivots, info): P L U = A for square A (batched), L unit lower and U upper packed into LU, the 1-based row
/// interchanges in pivots (int32), LAPACK's info per matrix. LU's Node: LinalgLuFactorExBackward0. With
/// check_errors, a zero on U's diagonal throws Error (PyTorch's linalg.lu_factor message).
std::tuple<Tensor, Tensor, Tensor> linalg_lu_factor_ex(const Tensor& A, bool pivot = true, bool check_errors = false,
                                                       const char* api = "linalg.lu_factor_ex");
/// X with A X = B (left) or X A = B, A^T in place of A with `adjoint`, A given by lu_factor's (LU, pivots).
/// LinalgLuSolveBackward0.
Tensor linalg_lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left = true,
                       bool adjoint = false);

/// (U, S, Vh) with A = U diag(S) Vh, S descending; reduced (U m x k, Vh k x n, k = min(m, n)) unless
/// full_matrices. All three outputs share LinalgSvdBackward0; with compute_uv false U and Vh are empty.
std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& A, bool full_matrices = true, bool compute_uv = true,
                                              const char* api = "linalg.svd");
/// The singular values of A, descending (LinalgSvdBackward0 without the vectors).
Tensor linalg_svdvals(const Tensor& A);

/// The nuclear norm (sum of singular values) of the matrices of A over the two dims `dims` (all of A's dims
/// when empty, which must then be two), as torch.norm(A, 'nuc', dim, keepdim) computes it.
Tensor nuclear_norm(const Tensor& A, const Dims& dims, bool keepdim = false);

/// (Q, R) with A = Q R: mode "reduced" (Q m x k, R k x n, k = min(m, n)), "complete" (Q m x m, R m x n) or "r"
/// (Q empty). LinalgQrBackward0 (its gradient needs Q, and m >= n or a square complete Q).
std::tuple<Tensor, Tensor> linalg_qr(const Tensor& A, const std::string& mode = "reduced");

/// The cross product of 3-vectors along `dim` of a and b (same number of dims, broadcast, same dtype).
/// LinalgCrossBackward0.
Tensor linalg_cross(const Tensor& a, const Tensor& b, int64_t dim = -1);

/// The matrix exponential of each square matrix of A (Note [Matrix exponential]). LinalgMatrixExpBackward0.
Tensor linalg_matrix_exp(const Tensor& A);

/// The Moore-Penrose pseudo-inverse of each matrix of A: singular values (eigenvalues' magnitudes with
/// hermitian) at most max(atol, rtol * the largest) count as zero; rtol defaults to eps * max(m, n) when
/// neither is given. LinalgPinvBackward0 (Note [Pseudo-inverse derivative]).
Tensor linalg_pinv(const Tensor& A, std::optional<double> atol = std::nullopt,
                   std::optional<double> rtol = std::nullopt, bool hermitian = false);

/// (solution, residuals, rank, singular_values) of min ||A X - B|| (the minimum-norm solution), as
/// torch.linalg.lstsq returns them for `driver` (gelsy, gels, gelsd, gelss). LinalgLstsqBackward0.
std::tuple<Tensor, Tensor, Tensor, Tensor> linalg_lstsq(const Tensor& A, const Tensor& B,
                                                        std::optional<double> rcond = std::nullopt,
                                                        const std::string& driver = "gelsy");

}  // namespace fastgrad
