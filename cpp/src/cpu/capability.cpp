// Which vector level the kernels use: chosen once, on first use (see Note [CPU dispatch] in dispatch.h).
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <string>

#include "dispatch.h"
#include "fastgrad/cpu.h"
#include "fastgrad/error.h"

namespace fastgrad::cpu {

namespace {

// The best level the CPU and the build support: x86-64 CPUs report AVX2/FMA and the AVX-512 subsets through
// CPUID, and the operating system must save their registers (GCC's __builtin_cpu_supports checks both).
Capability supported() {
  static const Capability level = [] {
    Capability c = Capability::Default;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    KernelTable probe{};
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && fill_avx2(probe)) c = Capability::AVX2;
    if (c == Capability::AVX2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") && fill_avx512(probe))
      c = Capability::AVX512;
#endif
    return c;
  }();
  return level;
}

const char* name_of(Capability c) {
  switch (c) {
    case Capability::AVX512: return "AVX512";
    case Capability::AVX2: return "AVX2";
    default: return "DEFAULT";
  }
}

bool parse(std::string s, Capability& out) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (s == "default") out = Capability::Default;
  else if (s == "avx2") out = Capability::AVX2;
  else if (s == "avx512") out = Capability::AVX512;
  else return false;
  return true;
}

KernelTable make_table(Capability c) {
  KernelTable t{};
  fill_default(t);
  if (c == Capability::AVX2) fill_avx2(t);
  if (c == Capability::AVX512) fill_avx512(t);
  t.level = c;
  return t;
}

// One table per level, built on first use; `current` points at the one in use.
KernelTable tables[3];
std::once_flag built;
std::atomic<const KernelTable*> current{nullptr};

const KernelTable& init() {
  std::call_once(built, [] {
    const Capability best = supported();
    for (int i = 0; i <= static_cast<int>(best); ++i) tables[i] = make_table(static_cast<Capability>(i));
    Capability chosen = best;
    // The environment may lower the level (an unknown name or a level above the CPU's is ignored, as
    // PyTorch ignores ATEN_CPU_CAPABILITY values it cannot honour).
    if (const char* env = std::getenv("FASTGRAD_CPU_CAPABILITY")) {
      Capability asked;
      if (parse(env, asked) && asked <= best) chosen = asked;
    }
    current.store(&tables[static_cast<int>(chosen)], std::memory_order_release);
  });
  return *current.load(std::memory_order_acquire);
}

}  // namespace

const KernelTable& table() {
  const KernelTable* t = current.load(std::memory_order_acquire);
  return t ? *t : init();
}

Capability capability() { return table().level; }

}  // namespace fastgrad::cpu

namespace fastgrad {

std::string get_cpu_capability() { return cpu::name_of(cpu::capability()); }

void set_cpu_capability(const std::string& level) {
  cpu::Capability asked;
  FG_CHECK(cpu::parse(level, asked), ValueError, "set_cpu_capability(): unknown level '", level,
           "' (expected default, avx2 or avx512)");
  cpu::init();
  FG_CHECK(asked <= cpu::supported(), ValueError, "set_cpu_capability(): this CPU or build does not support ",
           cpu::name_of(asked), " (best: ", cpu::name_of(cpu::supported()), ")");
  cpu::current.store(&cpu::tables[static_cast<int>(asked)], std::memory_order_release);
}

}  // namespace fastgrad
