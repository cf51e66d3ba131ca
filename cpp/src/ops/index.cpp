// Subscripts: t[...] as a composition of view ops (select, slice, unsqueeze), so autograd comes from them.
#include "common.h"

namespace fastgrad {

Tensor index(const Tensor& t, const std::vector<TensorIndex>& indices) {
  using Kind = TensorIndex::Kind;
  int64_t consumed = 0;  // dimensions of t the subscript names (everything but None and Ellipsis)
  int ellipses = 0;
  for (const auto& i : indices) {
    if (i.kind == Kind::Ellipsis) ++ellipses;
    else if (i.kind != Kind::None) ++consumed;
  }
  FG_CHECK(ellipses <= 1, IndexError, "an index can only have a single ellipsis ('...')");
  FG_CHECK(consumed <= t.dim(), IndexError, "too many indices for tensor of dimension ", t.dim());
  Tensor r = t;
  int64_t dim = 0;  // current dimension of r
  for (const auto& i : indices) {
    switch (i.kind) {
      case Kind::Integer:
        r = select(r, dim, i.integer);
        break;
      case Kind::Slice:
        r = slice(r, dim, i.start, i.stop, i.step);
        ++dim;
        break;
      case Kind::None:
        r = unsqueeze(r, dim);
        ++dim;
        break;
      case Kind::Ellipsis:
        dim += t.dim() - consumed;
        break;
    }
  }
  if (r.is_same(t))  // `t[...]` and `t[()]` are new views of t, never t itself
    r = t.dim() ? slice(t, 0, std::nullopt, std::nullopt, 1) : view(t, t.sizes());
  return r;
}

void index_put_(Tensor& t, const std::vector<TensorIndex>& indices, const Tensor& value) {
  Tensor part = index(t, indices);
  copy_(part, value);
}

}  // namespace fastgrad
