"""fastgrad.linalg: linear algebra as torch.linalg, on LAPACK (the BLAS library's own, scipy-openblas32).

Every function takes float32 or float64 tensors with any number of leading batch dims and any strides, and is
differentiable with PyTorch's formulas (cpp/src/ops/linalg_lapack.cpp). Singular or non-positive-definite
input raises :class:`LinAlgError`; the ``*_ex`` forms return LAPACK's ``info`` per matrix instead.
"""
import warnings as _warnings

from . import _C
from .amp.autocast_mode import _autocast_op  # Note [Autocast]
from . import return_types as _rt

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "eigh",
    "eigvalsh",
    "inv",
    "inv_ex",
    "lu_factor",
    "lu_factor_ex",
    "lstsq",
    "lu_solve",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "vecdot",
    "vector_norm",
]

LinAlgError = _C._LinAlgError


def matmul(input, other):
    """Alias of :func:`fastgrad.matmul`: the matrix product of two tensors (broadcast over batch dims)."""
    return _C.matmul(input, other)


@_autocast_op("float32")
def inv(A):
    """The inverse of each square matrix of A (shape ``(*, n, n)``).

    Raises LinAlgError when a matrix is singular. Gradient: ``-A^-T grad A^-T``. Node LinalgInvExBackward0.
    """
    return _C._linalg_inv(A)


@_autocast_op("float32")
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


@_autocast_op("float32")
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


@_autocast_op("float32")
def cholesky(A, *, upper=False):
    """The Cholesky factor L (lower triangular, ``A = L L^T``) of each symmetric positive-definite matrix of A;
    with ``upper=True`` the upper triangular ``U = L^T``. Only A's lower (upper) triangle is read.

    Raises LinAlgError when a matrix is not positive-definite. Node LinalgCholeskyExBackward0.
    """
    return _C._linalg_cholesky(A, upper)


@_autocast_op("float32")
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


@_autocast_op("float32")
def eigh(A, UPLO="L"):
    """``(eigenvalues, eigenvectors)`` of each symmetric matrix of A: eigenvalues in ascending order, the
    orthonormal eigenvectors as the columns of the second result. Only the lower (``UPLO='L'``) or upper
    (``'U'``) triangle is read.

    Eigenvectors are defined up to sign, so only functions invariant to that sign have a well-defined
    gradient; with repeated eigenvalues the eigenvectors' gradient is not finite (as in PyTorch).
    """
    return _rt.linalg_eigh(_C._linalg_eigh(A, UPLO))


@_autocast_op("float32")
def eigvalsh(A, UPLO="L"):
    """The eigenvalues of each symmetric matrix of A, in ascending order (see :func:`eigh`). Their gradient is
    ``Q diag(grad) Q^T`` with Q the eigenvectors."""
    return _C._linalg_eigvalsh(A, UPLO)


def lu_factor(A, *, pivot=True):
    """``(LU, pivots)``: the LU factorisation with partial pivoting ``A = P L U`` of each square matrix of A, L
    (unit lower, its diagonal not stored) and U packed into LU, and the 1-based row interchanges (int32) LAPACK
    made. Raises RuntimeError when U has a zero on its diagonal. Node LinalgLuFactorExBackward0.
    """
    r = _C._linalg_lu_factor_ex(A, pivot, True)
    return _rt.linalg_lu_factor(r[:2])


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """``(LU, pivots, info)``: :func:`lu_factor` with LAPACK's info per matrix (``i > 0``: ``U[i, i]`` is zero)
    instead of an error."""
    return _rt.linalg_lu_factor_ex(_C._linalg_lu_factor_ex(A, pivot, check_errors))


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """The solution X of ``A X = B`` (``X A = B`` with ``left=False``; ``A^T`` in place of A with
    ``adjoint=True``) for A given by :func:`lu_factor`'s ``(LU, pivots)``. Node LinalgLuSolveBackward0."""
    return _C._linalg_lu_solve(LU, pivots, B, left, adjoint)


@_autocast_op("float32")
def qr(A, mode="reduced"):
    """``(Q, R)`` with ``A = Q R`` for each matrix of A (shape ``(*, m, n)``), Q with orthonormal columns and R
    upper triangular: ``mode='reduced'`` gives Q ``m x k`` and R ``k x n`` (``k = min(m, n)``), ``'complete'`` Q
    ``m x m`` and R ``m x n``, ``'r'`` R only (Q empty; no gradient then). Node LinalgQrBackward0 (its gradient:
    m >= n and a reduced Q, or a square matrix)."""
    return _rt.linalg_qr(_C._linalg_qr(A, mode))


@_autocast_op("float32")
def svd(A, full_matrices=True):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh`` for each matrix of A (shape ``(*, m, n)``): S the singular values
    in descending order; U ``m x m`` and Vh ``n x n`` (``full_matrices=True``) or ``m x k`` and ``k x n``,
    ``k = min(m, n)``. Each pair of singular vectors is defined up to a common sign, so only losses invariant to
    it have a well-defined gradient; repeated or zero singular values make the vectors' gradient infinite.
    Node LinalgSvdBackward0."""
    return _rt.linalg_svd(_C._linalg_svd(A, full_matrices))


@_autocast_op("float32")
def svdvals(A):
    """The singular values of each matrix of A, in descending order (their gradient is ``U diag(grad) Vh``)."""
    return _C._linalg_svdvals(A)


# ---- composed of other ops (their graphs are PyTorch's compositions) ----


def _check_float(x, api):
    if not x.is_floating_point():
        name = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool"}.get(str(x.dtype).split(".")[-1], str(x.dtype))
        raise RuntimeError(f"{api}: Expected a floating point or complex tensor as input. Got {name}")


def _dims(dim):
    return (dim,) if isinstance(dim, int) else tuple(dim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The vector ``ord``-norm of x over ``dim`` (all elements when None): ``(sum |x|^ord)^(1/ord)``; ``inf``
    the largest ``|x|``, ``-inf`` the smallest, ``0`` the count of nonzero elements. Node
    LinalgVectorNormBackward0."""
    _check_float(x, "linalg.vector_norm")
    return _C.norm(x, float(ord), dim, keepdim, dtype=dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """The matrix norm of each matrix of A over the two dims ``dim``: ``'fro'`` (Frobenius), ``'nuc'`` (the sum of
    the singular values), ``2`` / ``-2`` (the largest / smallest singular value), ``1`` / ``-1`` (the largest /
    smallest column sum of ``|A|``), ``inf`` / ``-inf`` (the largest / smallest row sum)."""
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    _check_float(A, "linalg.matrix_norm")
    dim = _dims(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    d0, d1 = (d % A.dim() for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return _C.norm(A, 2.0, (d0, d1), keepdim)
    if ord == "nuc":  # the sum of the singular values: the core's nuclear_norm (as torch.norm(A, 'nuc'))
        return _C.norm(A, "nuc", (d0, d1), keepdim)
    if ord in (2, -2):  # from the singular values of the matrices moved to the last two dims
        s = svdvals(A.movedim((d0, d1), (-2, -1)))
        r = s.amax(-1, keepdim=keepdim) if ord == 2 else s.amin(-1, keepdim=keepdim)
        return r.unsqueeze(-1).movedim((-2, -1), (d0, d1)) if keepdim else r
    if ord not in (1, -1, float("inf"), float("-inf")):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    summed, reduced = (d0, d1) if abs(ord) == 1 else (d1, d0)  # sum |A| along one dim, extreme along the other
    sums = A.abs().sum(summed, keepdim=keepdim)
    if not keepdim and reduced > summed:
        reduced -= 1
    return sums.amax(reduced, keepdim=keepdim) if ord > 0 else sums.amin(reduced, keepdim=keepdim)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """A vector or matrix norm: :func:`vector_norm` when ``dim`` is an int (or ``ord`` is None and dim is None:
    the 2-norm of all elements), :func:`matrix_norm` when ``dim`` is a 2-tuple or A is 2-D and ``ord`` is
    given."""
    if dim is not None:
        dims = _dims(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.dim() == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if A.dim() == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.dim()}D.")


@_autocast_op("float32")
def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    """The number of singular values of each matrix of A above ``max(atol, rtol * largest singular value)``
    (int64; no gradient). By default atol is 0 and rtol ``eps * max(m, n)`` of A's dtype (0 when atol is
    given); with ``hermitian=True`` the eigenvalues' absolute values stand for the singular values."""
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    _check_float(A, "linalg.matrix_rank")
    from .autograd.grad_mode import no_grad

    with no_grad():
        s = eigvalsh(A).abs() if hermitian else svdvals(A)
        if rtol is None:  # PyTorch's default: eps * max(m, n), or 0 when a positive atol is given
            positive_atol = atol is not None and (hasattr(atol, "shape") or atol > 0)
            rtol = 0.0 if positive_atol else _eps(A.dtype) * max(A.shape[-2], A.shape[-1])
        atol = 0.0 if atol is None else atol
        largest = s.amax(-1, keepdim=True) if s.shape[-1] else _C.zeros(s.shape[:-1] + (1,), dtype=s.dtype)
        tol = _C.maximum(_as(atol, s).unsqueeze(-1) if hasattr(atol, "shape") else _C.full_like(largest, atol),
                         largest * (_as(rtol, s).unsqueeze(-1) if hasattr(rtol, "shape") else rtol))
        return (s > tol).sum(-1)


def _number(v, name):
    """A tolerance given as a number or a 0-d tensor, as a float (None stays None)."""
    if v is None or isinstance(v, (int, float)):
        return v
    if hasattr(v, "dim") and v.dim() == 0:
        return float(v)
    raise NotImplementedError(f"linalg: a tensor `{name}` with dims (per-matrix tolerances) is not supported; "
                              "pass a number")


def cross(input, other, *, dim=-1):
    """The cross product ``input x other`` of the 3-vectors along ``dim`` (size 3 in both; the other dims
    broadcast; same dtype). Node LinalgCrossBackward0."""
    return _C._linalg_cross(input, other, dim)


def matrix_exp(A):
    """The matrix exponential ``sum_k A^k / k!`` of each square matrix of A (scaling and squaring of a Taylor
    polynomial; Note [Matrix exponential]). Node LinalgMatrixExpBackward0."""
    return _C._linalg_matrix_exp(A)


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The Moore-Penrose pseudo-inverse of each matrix of A (shape ``(*, m, n)`` -> ``(*, n, m)``), from the SVD
    (the eigendecomposition with ``hermitian=True``, reading A's lower triangle): singular values at most
    ``max(atol, rtol * largest)`` count as zero; rtol defaults to ``eps * max(m, n)`` (0 when only atol is
    given). Node LinalgPinvBackward0."""
    return _C._linalg_pinv(A, _number(atol, "atol"), _number(rtol, "rtol"), hermitian)


def lstsq(A, B, rcond=None, *, driver=None):
    """``(solution, residuals, rank, singular_values)`` of the least-squares problem ``min ||A X - B||`` for
    each matrix of A (``(*, m, n)``) and B (``(*, m, k)``, or ``(*, m)``): the minimum-norm solution; singular
    values below ``rcond * largest`` (default ``eps * max(m, n)``) count as zero. As PyTorch's drivers report
    them: residuals (``||A X - B||^2`` per column) when m > n, every matrix has full rank and the driver is not
    'gelsy' (the default); rank except with 'gels'; singular values with 'gelsd' and 'gelss'. Node
    LinalgLstsqBackward0."""
    r = _C._linalg_lstsq(A, B, _number(rcond, "rcond"), "gelsy" if driver is None else driver)
    return _rt.linalg_lstsq(r)


def cond(A, p=None):
    """The condition number of each matrix of A in the ``p`` norm: for None / 2 / -2 the ratio of the largest to
    the smallest singular value (its inverse for -2), for 'nuc' ``sum(s) * sum(1 / s)`` over the singular values,
    for 'fro', inf, -inf, 1, -1 (square matrices) ``norm(A, p) * norm(inv(A), p)``, inf for a singular matrix."""
    if A.dim() < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p is not None and p not in (2, -2, "fro", "nuc", float("inf"), float("-inf"), 1, -1) and not isinstance(p, str):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if p not in (None, 2, -2) and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if p in (None, 2, -2, "nuc"):
        if A.numel() == 0:
            return _C.zeros(A.shape[:-2], dtype=A.dtype)
        s = svdvals(A)
        if p == "nuc":
            return s.sum(-1) * s.reciprocal().sum(-1)
        first, last = s.narrow(-1, 0, 1), s.narrow(-1, s.shape[-1] - 1, 1)
        return (first / last if p != -2 else last / first).squeeze(-1)
    if p not in ("fro", float("inf"), float("-inf"), 1, -1):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    _check_float(A, "linalg.cond")
    if A.numel() == 0:
        return _C.zeros(A.shape[:-2], dtype=A.dtype)
    Ainv, info = inv_ex(A)
    r = matrix_norm(A, p) * matrix_norm(Ainv, p)
    r = _C.where(info > 0, _C.full_like(r, float("inf")), r)  # a singular matrix: inf, as PyTorch
    return r.nan_to_num(float("inf"), float("inf"), float("inf"))


def _pinverse(input, rcond=1e-15):
    """Alias for :func:`fastgrad.linalg.pinv` with ``rtol=rcond``."""
    return pinv(input, rtol=rcond)


def _matrix_exp(input):
    """The matrix exponential of each square matrix of input: :func:`fastgrad.linalg.matrix_exp`."""
    return matrix_exp(input)


def _cross(input, other, dim=None):
    """The cross product of the 3-vectors along ``dim`` (see :func:`fastgrad.linalg.cross`); without ``dim``
    the first dimension of size 3, with PyTorch's deprecation warning."""
    if dim is None:
        _warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
            "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree with that "
            "of linalg.cross in a future release.", UserWarning, stacklevel=2)
        shape = _C.broadcast_shapes(tuple(input.shape), tuple(other.shape)) if input.dim() == other.dim() else input.shape
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return _C._linalg_cross(input, other, dim)


def _eps(dtype):
    from ._dtype_info import finfo

    return finfo(dtype).eps


def _as(t, like):
    return t.to(like.dtype)


@_autocast_op("lower")
def vecdot(x, y, *, dim=-1):
    """The dot product of x and y along ``dim`` (broadcasting the other dims): ``(x * y).sum(dim)``."""
    return (x * y).sum(dim)


def matrix_power(A, n):
    """A to the integer power n, for square matrices (batched): repeated products; n = 0 gives the identity,
    a negative n powers of the inverse."""
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if n == 0:
        out = A.clone()
        out.copy_(_C.eye(A.shape[-1], dtype=A.dtype).expand(A.shape))
        return out
    if n < 0:
        A = inv(A)
        n = -n
    if n == 1:
        return A.clone()
    result, base = None, A
    while n:  # binary powering
        if n & 1:
            result = base if result is None else result.matmul(base)
        n >>= 1
        if n:
            base = base.matmul(base)
    return result


def multi_dot(tensors):
    """The product of a list of matrices (the first may be a row vector, the last a column vector, both 1-D),
    multiplied in the order that needs the fewest scalar multiplications."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_1d, last_1d = tensors[0].dim() == 1, tensors[-1].dim() == 1
    mats = list(tensors)
    if first_1d:
        mats[0] = mats[0].unsqueeze(0)
    if last_1d:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i, t in enumerate(mats):
        if t.dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {tensors[i].dim()}D")
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            a, b = mats[i].shape, mats[i + 1].shape
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes ({a[0]}, {a[1]}) and "
                               f"({b[0]}, {b[1]}) cannot be multiplied")
    dims = [mats[0].shape[0]] + [t.shape[1] for t in mats]
    k = len(mats)
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):  # matrix-chain order by dynamic programming
        for i in range(k - length):
            j = i + length
            cost[i][j] = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s
    pending = [(0, k - 1)]
    results = {}
    while pending:  # post-order without recursion
        i, j = pending[-1]
        if i == j:
            results[i, j] = mats[i]
            pending.pop()
            continue
        s = split[i][j]
        if (i, s) in results and (s + 1, j) in results:
            results[i, j] = _C.mm(results.pop((i, s)), results.pop((s + 1, j)))
            pending.pop()
        else:
            pending.extend(p for p in ((i, s), (s + 1, j)) if p not in results)
    out = results[0, k - 1]
    shape = ([] if first_1d else [out.shape[0]]) + ([] if last_1d else [out.shape[1]])
    return out.view(shape)


# ---- the top-level functions and Tensor methods PyTorch has for some of these ----


@_autocast_op("float32")
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


@_autocast_op("float32")
def _cholesky(input, upper=False):
    """The Cholesky factor of each symmetric positive-definite matrix of input (deprecated in PyTorch in favour
    of :func:`fastgrad.linalg.cholesky`). Node CholeskyBackward0."""
    _warnings.warn(
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future PyTorch "
        "release.", UserWarning, stacklevel=2)
    return _C._cholesky(input, upper)


@_autocast_op("float32")
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


@_autocast_op("float32")
def _svd(input, some=True, compute_uv=True):
    """``(U, S, V)`` with ``input = U diag(S) V^T`` (PyTorch's legacy form; :func:`fastgrad.linalg.svd` returns
    ``Vh = V^T``): reduced when ``some``; with ``compute_uv=False`` U and V are zeros."""
    U, S, Vh = _C._linalg_svd(input, not some or not compute_uv)
    if not compute_uv:
        return _rt.svd((_C.zeros(U.shape, dtype=U.dtype), _C._linalg_svdvals(input), _C.zeros(Vh.shape, dtype=Vh.dtype)))
    return _rt.svd((U, S, Vh.mT))


def _install(namespace, tensor_class):
    """Adds the top-level functions to `namespace` (fastgrad's globals) and the methods to Tensor."""
    for name, fn in (("inverse", _inverse), ("det", _det), ("slogdet", _slogdet), ("logdet", _logdet),
                     ("cholesky", _cholesky), ("cholesky_solve", _cholesky_solve),
                     ("triangular_solve", _triangular_solve), ("svd", _svd), ("pinverse", _pinverse),
                     ("cross", _cross), ("matrix_exp", _matrix_exp)):
        fn.__name__ = fn.__qualname__ = name
        fn.__module__ = "fastgrad"
        namespace[name] = fn

    def inverse(self):
        """See :func:`fastgrad.inverse`."""
        return _inverse(self)

    def pinverse(self, rcond=1e-15):
        """See :func:`fastgrad.pinverse`."""
        return _pinverse(self, rcond)

    def cross(self, other, dim=None):
        """See :func:`fastgrad.cross`."""
        return _cross(self, other, dim)

    def matrix_exp(self):
        """See :func:`fastgrad.linalg.matrix_exp`."""
        return _matrix_exp(self)

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

    def svd(self, some=True, compute_uv=True):
        """See :func:`fastgrad.svd`."""
        return _svd(self, some, compute_uv)

    for method in (inverse, det, slogdet, logdet, cholesky, cholesky_solve, triangular_solve, svd, pinverse, cross,
                   matrix_exp):
        method.__qualname__ = "Tensor." + method.__name__
        setattr(tensor_class, method.__name__, method)
