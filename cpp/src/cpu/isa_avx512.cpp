// The AVX-512 level (F, DQ, BW, VL): 64-byte vectors. CMakeLists.txt compiles this file with the matching -m
// flags; without them (another architecture or compiler) the level does not exist.
#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define FG_ISA isa_avx512
#define FG_VEC_BYTES 64
#include "isa_kernels.h"
#include "reduction_kernels.h"

namespace fastgrad::cpu {
bool fill_avx512(KernelTable& t) {
  isa_avx512::fill(t);
  isa_avx512::fill_norm(t);
  isa_avx512::fill_reductions(t);
  return true;
}
}  // namespace fastgrad::cpu
#else
#include "dispatch.h"
namespace fastgrad::cpu {
bool fill_avx512(KernelTable&) { return false; }
}  // namespace fastgrad::cpu
#endif
