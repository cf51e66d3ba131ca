"""Named result tuples, as torch.return_types: `values, indices = x.max(1)` or `x.max(1).values`.

Each type is a tuple subclass with named fields, built from one sequence like PyTorch's structseqs, and
printed as `fastgrad.return_types.max(\\nvalues=...,\\nindices=...)`.
"""
import operator as _operator

__all__ = [
    "histogram", "kthvalue", "linalg_cholesky_ex", "linalg_eigh", "linalg_inv_ex", "linalg_lu_factor",
    "linalg_lu_factor_ex", "linalg_slogdet",
    "linalg_lstsq", "linalg_qr", "linalg_solve_ex", "linalg_svd", "svd", "max", "max_out", "min", "min_out", "slogdet", "sort", "topk", "triangular_solve",
]


def _make(name, fields):
    def __new__(cls, sequence):
        values = tuple(sequence)
        if len(values) != len(fields):
            raise TypeError(f"fastgrad.return_types.{name}() takes a {len(fields)}-sequence "
                            f"({len(values)}-sequence given)")
        return tuple.__new__(cls, values)

    def __repr__(self):
        body = ",\n".join(f"{field}={value!r}" for field, value in zip(fields, self))
        return f"fastgrad.return_types.{name}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))

    namespace = {
        "__slots__": (),
        "__new__": __new__,
        "__repr__": __repr__,
        "__reduce__": __reduce__,
        "__module__": __name__,
        "_fields": fields,
        "n_fields": len(fields),
        "n_sequence_fields": len(fields),
        "n_unnamed_fields": 0,
    }
    for i, field in enumerate(fields):
        namespace[field] = property(_operator.itemgetter(i), doc=f"Alias for field number {i}")
    return type(name, (tuple,), namespace)


max = _make("max", ("values", "indices"))  # noqa: A001  (named like the op, as in PyTorch)
min = _make("min", ("values", "indices"))  # noqa: A001
max_out = _make("max_out", ("values", "indices"))  # max / min over a dim with out=(values, indices)
min_out = _make("min_out", ("values", "indices"))
sort = _make("sort", ("values", "indices"))
topk = _make("topk", ("values", "indices"))
kthvalue = _make("kthvalue", ("values", "indices"))
histogram = _make("histogram", ("hist", "bin_edges"))
linalg_inv_ex = _make("linalg_inv_ex", ("inverse", "info"))
linalg_slogdet = _make("linalg_slogdet", ("sign", "logabsdet"))
slogdet = _make("slogdet", ("sign", "logabsdet"))
linalg_solve_ex = _make("linalg_solve_ex", ("result", "info"))
linalg_cholesky_ex = _make("linalg_cholesky_ex", ("L", "info"))
triangular_solve = _make("triangular_solve", ("solution", "cloned_coefficient"))
linalg_eigh = _make("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_lu_factor = _make("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _make("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_svd = _make("linalg_svd", ("U", "S", "Vh"))
svd = _make("svd", ("U", "S", "V"))
linalg_qr = _make("linalg_qr", ("Q", "R"))
linalg_lstsq = _make("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
