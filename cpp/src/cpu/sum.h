// The float32 sum kernel behind sum()/mean() of contiguous runs (See Note [Deterministic parallel
// reductions] in ops/reduce_common.h).
#pragma once

#include <cstdint>

#include "dispatch.h"

namespace fastgrad::cpu {

// The sum of n floats, in double. Float lanes each add at most 16 values before they are flushed into
// double lanes: float-speed loads and adds, with the error bound of a 16-term float sum per element plus a
// double-precision total (integers stay exact: the float32 sum of 2^24 ones is 16777216). Eight vector
// accumulators keep enough adds in flight to hide their latency; the vector width is the CPU level's (Note
// [CPU dispatch]), so the grouping of the terms, and the last bits of a sum, depend on the level.
inline double sum_floats(const float* x, int64_t n) { return table().sum_f32(x, n); }

}  // namespace fastgrad::cpu
