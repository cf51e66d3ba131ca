"""fastgrad.linalg: linear algebra as torch.linalg, on LAPACK (the BLAS library's own, scipy-openblas32).

Every function takes float32 or float64 tensors with any number of leading batch dims and any strides, and is
differentiable with PyTorch's formulas (cpp/src/ops/linalg_lapack.cpp). Singular or non-positive-definite
input raises :class:`LinAlgError`; the ``*_ex`` forms return LAPACK's ``info`` per matrix instead.
"""
import warnings as _warnings

from . import _C
from . import return_types as _rt

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "det",
    "eigh",
    "eigvalsh",
    "inv",
    "inv_ex",
    "matmul",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
]

LinAlgError = _C._LinAlgError


def matmul(input, other):
    """Alias of :func:`fastgrad.matmul`: the matrix product of two tensors (broadcast over batch dims)."""
    return _C.matmul(input, other)


def inv(A):
    """The inverse of each square matrix of A (shape ``(*, n, n)``).

    Raises LinAlgError when a matrix is singular. Gradient: ``-A^-T grad A^-T``. Node LinalgInvExBackward0.
    """
    return _C._linalg_inv(A)


def inv_ex(A, *, check_errors=False):
    """``(inverse, info)``: the inverse of each square matrix of A, and LAPACK's info per matrix (int32; ``i > 0``:
    the i-th diagonal element of U in the LU factorisation is zero, the matrix is singular).

    With ``check_errors=True`` a singular matrix raises LinAlgError instead.
    """
    return _rt.linalg_inv_ex(_C._linalg_inv_ex(A, check_errors))


def det(A):
    """The determinant of each square matrix of A (shape ``(*, n, n)``), through an LU factorisation.

    Gradient: ``grad * det(A) * A^-T`` (not finite for a singular A; see docs/differences.md).
    """
    return _C._linalg_det(A)


def slogdet(A):
    """``(sign, logabsdet)``: the sign and the log of the absolute value of the determinant of each square matrix
    of A. A singular matrix gives ``sign = 0`` and ``logabsdet = -inf``. Only logabsdet carries a gradient
    (``grad * A^-T``).
    """
    return _rt.linalg_slogdet(_C._linalg_slogdet(A))


def solve(A, B, *, left=True):
    """The solution X of ``A X = B`` (or ``X A = B`` with ``left=False``) for square, invertible A.

    B is a batch of vectors when it is 1-D or has A's shape without its last dim; otherwise a batch of
    matrices. Batch dims broadcast. Raises LinAlgError for a singular A.
    """
    return _C._linalg_solve(A, B, left)


def solve_ex(A, B, *, left=True, check_errors=False):
    """``(result, info)``: :func:`solve` with LAPACK's info per matrix instead of an error for a singular A
    (unless ``check_errors=True``)."""
    return _rt.linalg_solve_ex(_C._linalg_solve_ex(A, B, left, check_errors))


def cholesky(A, *, upper=False):
    """The Cholesky factor L (lower triangular, ``A = L L^T``) of each symmetric positive-definite matrix of A;
    with ``upper=True`` the upper triangular ``U = L^T``. Only A's lower (upper) triangle is read.

    Raises LinAlgError when a matrix is not positive-definite. Node LinalgCholeskyExBackward0.
    """
    return _C._linalg_cholesky(A, upper)


def cholesky_ex(A, *, upper=False, check_errors=False):
    """``(L, info)``: :func:`cholesky` with LAPACK's info per matrix (``i > 0``: the leading minor of order i is
    not positive-definite) instead of an error, unless ``check_errors=True``."""
    return _rt.linalg_cholesky_ex(_C._linalg_cholesky_ex(A, upper, check_errors))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """The solution X of ``A X = B`` (or ``X A = B`` with ``left=False``) for triangular A: only its upper
    (``upper=True``) or lower triangle is read, and with ``unitriangular=True`` its diagonal is taken as ones.

    A zero on the diagonal gives infinities and NaNs, not an error. Batch dims broadcast.
    """
    return _C._linalg_solve_triangular(A, B, upper, left, unitriangular)


def eigh(A, UPLO="L"):
    """``(eigenvalues, eigenvectors)`` of each symmetric matrix of A: eigenvalues in ascending order, the
    orthonormal eigenvectors as the columns of the second result. Only the lower (``UPLO='L'``) or upper
    (``'U'``) triangle is read.

    Eigenvectors are defined up to sign, so only functions invariant to that sign have a well-defined
    gradient; with repeated eigenvalues the eigenvectors' gradient is not finite (as in PyTorch).
    """
    return _rt.linalg_eigh(_C._linalg_eigh(A, UPLO))


def eigvalsh(A, UPLO="L"):
    """The eigenvalues of each symmetric matrix of A, in ascending order (see :func:`eigh`). Their gradient is
    ``Q diag(grad) Q^T`` with Q the eigenvectors."""
    return _C._linalg_eigvalsh(A, UPLO)


# ---- the top-level functions and Tensor methods PyTorch has for some of these ----


def _inverse(input):
    """The inverse of each square matrix of input: :func:`fastgrad.linalg.inv`."""
    return _C._linalg_inv(input)


def _det(input):
    """The determinant of each square matrix of input: :func:`fastgrad.linalg.det`."""
    return _C._linalg_det(input)


def _slogdet(input):
    """``(sign, logabsdet)`` of each square matrix of input: :func:`fastgrad.linalg.slogdet`."""
    return _rt.slogdet(_C._linalg_slogdet(input))


def _logdet(input):
    """The log of the determinant of each square matrix of input: NaN for a negative determinant, ``-inf`` for
    a singular matrix."""
    return _C._logdet(input)


def _cholesky(input, upper=False):
    """The Cholesky factor of each symmetric positive-definite matrix of input (deprecated in PyTorch in favour
    of :func:`fastgrad.linalg.cholesky`). Node CholeskyBackward0."""
    _warnings.warn(
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future PyTorch "
        "release.", UserWarning, stacklevel=2)
    return _C._cholesky(input, upper)


def _cholesky_solve(input, input2, upper=False):
    """The solution X of ``A X = input`` for ``A = L L^T`` given its Cholesky factor ``input2`` (``L``, or
    ``U`` with ``A = U^T U`` when ``upper=True``). Batch dims broadcast."""
    return _C._cholesky_solve(input, input2, upper)


def _triangular_solve(input, A, upper=True, transpose=False, unitriangular=False):
    """``(solution, cloned_coefficient)``: the solution X of ``op(A) X = input`` for triangular A (``op(A)`` is
    ``A^T`` with ``transpose=True``), and a copy of A. Deprecated in PyTorch in favour of
    :func:`fastgrad.linalg.solve_triangular`."""
    _warnings.warn(
        "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular and will be removed in a "
        "future PyTorch release.", UserWarning, stacklevel=2)
    return _rt.triangular_solve(_C._triangular_solve(input, A, upper, transpose, unitriangular))


def _install(namespace, tensor_class):
    """Adds the top-level functions to `namespace` (fastgrad's globals) and the methods to Tensor."""
    for name, fn in (("inverse", _inverse), ("det", _det), ("slogdet", _slogdet), ("logdet", _logdet),
                     ("cholesky", _cholesky), ("cholesky_solve", _cholesky_solve),
                     ("triangular_solve", _triangular_solve)):
        fn.__name__ = fn.__qualname__ = name
        fn.__module__ = "fastgrad"
        namespace[name] = fn

    def inverse(self):
        """See :func:`fastgrad.inverse`."""
        return _inverse(self)

    def det(self):
        """See :func:`fastgrad.det`."""
        return _det(self)

    def slogdet(self):
        """See :func:`fastgrad.slogdet`."""
        return _slogdet(self)

    def logdet(self):
        """See :func:`fastgrad.logdet`."""
        return _logdet(self)

    def cholesky(self, upper=False):
        """See :func:`fastgrad.cholesky`."""
        return _cholesky(self, upper)

    def cholesky_solve(self, input2, upper=False):
        """See :func:`fastgrad.cholesky_solve`."""
        return _cholesky_solve(self, input2, upper)

    def triangular_solve(self, A, upper=True, transpose=False, unitriangular=False):
        """See :func:`fastgrad.triangular_solve`."""
        return _triangular_solve(self, A, upper, transpose, unitriangular)

    for method in (inverse, det, slogdet, logdet, cholesky, cholesky_solve, triangular_solve):
        method.__qualname__ = "Tensor." + method.__name__
        setattr(tensor_class, method.__name__, method)
