// The baseline level: the compiler's default target (SSE2 on x86-64), 16-byte vectors.
#define FG_ISA isa_default
#define FG_VEC_BYTES 16
#include "isa_kernels.h"
#include "reduction_kernels.h"

namespace fastgrad::cpu {
void fill_default(KernelTable& t) {
  isa_default::fill(t);
  isa_default::fill_norm(t);
  isa_default::fill_reductions(t);
}
}  // namespace fastgrad::cpu
