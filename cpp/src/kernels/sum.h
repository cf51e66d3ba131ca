// The float32 sum kernel behind sum()/mean() of contiguous runs (See Note [Deterministic parallel
// reductions] in ops/reduce_common.h).
#pragma once

#include <cstdint>

namespace fastgrad::kernels {

// The sum of n floats, in double. Float lanes each add at most 16 values before they are flushed into
// double lanes: float-speed loads and adds, with the error bound of a 16-term float sum per element plus a
// double-precision total (integers stay exact: the float32 sum of 2^24 ones is 16777216). Eight vector
// accumulators (SSE2, or AVX2 when the CPU has it) keep enough adds in flight to hide their latency.
double sum_floats(const float* x, int64_t n);

}  // namespace fastgrad::kernels
