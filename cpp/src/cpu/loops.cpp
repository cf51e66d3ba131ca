#include "loops.h"

namespace fastgrad::cpu {

Dims broadcast_strides(const Tensor& t, const Dims& out_shape) {
  const size_t n = out_shape.size(), m = static_cast<size_t>(t.dim());
  Dims s(n, 0);
  for (size_t i = 0; i < m; ++i) {
    size_t d = n - m + i;
    s[d] = t.sizes()[i] == 1 ? 0 : t.strides()[i];
  }
  return s;
}

}  // namespace fastgrad::cpu
