// The AVX2 + FMA level: 32-byte vectors. CMakeLists.txt compiles this file with -mavx2 -mfma; without them
// (another architecture or compiler) the level does not exist.
#if defined(__AVX2__) && defined(__FMA__)
#define FG_ISA isa_avx2
#define FG_VEC_BYTES 32
#include "isa_kernels.h"
#include "reduction_kernels.h"

namespace fastgrad::cpu {
bool fill_avx2(KernelTable& t) {
  isa_avx2::fill(t);
  isa_avx2::fill_norm(t);
  isa_avx2::fill_reductions(t);
  return true;
}
}  // namespace fastgrad::cpu
#else
#include "dispatch.h"
namespace fastgrad::cpu {
bool fill_avx2(KernelTable&) { return false; }
}  // namespace fastgrad::cpu
#endif
