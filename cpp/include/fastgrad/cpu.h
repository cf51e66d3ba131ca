// The CPU's vector instruction level that fastgrad's kernels use (see docs/design.md, "Kernels and CPU
// dispatch"): PyTorch's torch.backends.cpu.get_cpu_capability().
#pragma once

#include <string>

namespace fastgrad {

/// "DEFAULT" (baseline x86-64: SSE2, or the compiler's baseline elsewhere), "AVX2" (with FMA) or "AVX512"
/// (F, DQ, BW, VL). Chosen once, on first use: the best level the CPU and the build support, lowered (never
/// raised) by the environment variable FASTGRAD_CPU_CAPABILITY=default|avx2|avx512.
std::string get_cpu_capability();

/// Switches the level for the whole process (tests and benchmarks compare levels in one process). Accepts the
/// names above in either case; throws ValueError for an unknown name and for a level this CPU or build lacks.
/// Not thread-safe against kernels running at the same time.
void set_cpu_capability(const std::string& level);

}  // namespace fastgrad
