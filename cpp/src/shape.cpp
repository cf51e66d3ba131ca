#include "fastgrad/shape.h"

#include "fastgrad/error.h"

namespace fastgrad {

Dims contiguous_strides(const Dims& sizes) {
  Dims strides(sizes.size());
  int64_t s = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = s;
    s *= std::max<int64_t>(sizes[i], 1);
  }
  return strides;
}

std::string shape_str(const Dims& sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(sizes[i]);
  }
  return s + "]";
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t lo = ndim > 0 ? -ndim : -1, hi = ndim > 0 ? ndim - 1 : 0;  // 0-d tensors accept dim 0 and -1
  FG_CHECK(dim >= lo && dim <= hi, IndexError, op, ": Dimension out of range (expected to be in range of [", lo, ", ",
           hi, "], but got ", dim, ")");
  return dim < 0 ? dim + std::max<int64_t>(ndim, 1) : dim;
}

std::vector<bool> dim_list_mask(int64_t ndim, const Dims& dims, const char* op) {
  std::vector<bool> seen(static_cast<size_t>(std::max<int64_t>(ndim, 1)), false);
  for (int64_t dim : dims) {
    const int64_t d = wrap_dim(dim, ndim, op);
    FG_CHECK(!seen[d], Error, "dim ", d, " appears multiple times in the list of dims");
    seen[d] = true;
  }
  seen.resize(static_cast<size_t>(ndim));
  return seen;
}

int64_t wrap_existing_dim(int64_t dim, int64_t ndim, const char* op) {
  FG_CHECK(ndim > 0, IndexError, "Dimension specified as ", dim, " but tensor has no dimensions");
  return wrap_dim(dim, ndim, op);
}

Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op) {
  if (a == b) return a;
  size_t n = std::max(a.size(), b.size());
  Dims out(n);
  for (size_t i = n; i-- > 0;) {  // from the last dim, so the first mismatch reported is torch's
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    FG_CHECK(da == db || da == 1 || db == 1, Error, op, ": The size of tensor a (", da,
             ") must match the size of tensor b (", db, ") at non-singleton dimension ", i, " (shapes ", shape_str(a),
             " and ", shape_str(b), ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace fastgrad
