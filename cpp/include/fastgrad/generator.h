// Random number generation that reproduces PyTorch's CPU random streams bit for bit.
//
// A Generator is an mt19937 engine plus the little extra state PyTorch's CPU generator keeps (the seed it
// was last seeded with and a cached second Box-Muller normal). The fill_* functions consume the stream
// exactly as the corresponding torch CPU kernels do for a contiguous tensor of n elements, so that after
// `torch.manual_seed(s)` / `g.manual_seed(s)` both libraries produce identical values, call after call.
// See generator.cpp for the algorithms and the one known, bounded deviation (float32 normals, n >= 16).
//
// Thread safety: every public member function and every fill_* call locks the generator's mutex for its
// whole duration, so one fill is atomic with respect to other users of the same generator (as in torch,
// where each kernel holds generator->mutex_). The values a thread sees then depend on how calls from
// different threads interleave, as they do in torch.
//
// Self-contained: depends only on the C++17 standard library.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace fastgrad {

namespace detail {
struct GeneratorAccess;  // lets the fill functions use the stream while they already hold the lock
}

/// PyTorch's CPU generator (mt19937 plus its normal cache), bit for bit.
class Generator {
 public:
  /// PyTorch's default CPU seed: what a new torch.Generator() starts from.
  static constexpr uint64_t kDefaultSeed = 67280421310721ULL;

  /// A generator seeded with seed.
  explicit Generator(uint64_t seed = kDefaultSeed);
  /// Copies take a snapshot of the stream (the mutex itself is not copied).
  Generator(const Generator& other);
  /// Copies the stream's state.
  Generator& operator=(const Generator& other);

  /// Like torch.manual_seed: restarts the stream and drops any cached normal. As in torch, only the low 32
  /// bits reach mt19937; initial_seed() still reports all 64.
  void manual_seed(uint64_t seed);
  /// The seed last given to manual_seed (or the constructor).
  uint64_t initial_seed() const;
  /// Like torch.seed(): reseeds from a non-deterministic source and returns the new seed.
  uint64_t seed();

  uint32_t random();  ///< next 32 bits of mt19937
  uint64_t random64();  ///< two draws, the first one forming the high half (as torch does)

  /// The second Box-Muller value the scalar normal path keeps for the next call. torch keeps a float one too;
  /// no CPU kernel fills it, but it is part of the state so it round-trips through get_state/set_state.
  std::optional<double> next_double_normal_sample() const;
  /// Sets the cached second double normal.
  void set_next_double_normal_sample(std::optional<double> v);
  /// The cached second float normal.
  std::optional<float> next_float_normal_sample() const;
  /// Sets the cached second float normal.
  void set_next_float_normal_sample(std::optional<float> v);

  /// Opaque serialisation of the whole state (fastgrad's own little-endian format, not torch's byte layout).
  std::vector<uint8_t> get_state() const;
  /// Throws std::invalid_argument if `state` did not come from get_state().
  void set_state(const std::vector<uint8_t>& state);

 private:
  friend struct detail::GeneratorAccess;
  static constexpr int kStateSize = 624;

  // The unlocked core; callers hold mutex_.
  void seed_engine(uint64_t seed);
  void twist();
  uint32_t next32();
  uint64_t next64();

  mutable std::mutex mutex_;
  uint64_t seed_ = kDefaultSeed;
  uint32_t mt_[kStateSize];
  int index_ = kStateSize;  // next word of mt_ to temper; kStateSize means "twist first"
  std::optional<double> next_double_normal_;
  std::optional<float> next_float_normal_;
};

/// The process-wide generator behind torch-style calls that take no generator. Like torch's default CPU
/// generator it starts from a non-deterministic seed (torch.initial_seed() differs between fresh processes);
/// call manual_seed() on it for reproducible streams. Created on first use; shared by all threads, its own
/// mutex makes concurrent use safe (see the note at the top).
Generator& default_generator();

// Each fill writes n contiguous elements exactly as torch does for a contiguous tensor of n elements.

// torch.rand / Tensor.uniform_(from, to).
// T is float or double for uniform, normal, exponential and bernoulli fills; int64_t, int32_t, float or double
// for fill_random_range (instantiated for those in generator.cpp).
template <class T>
void fill_uniform(T* out, int64_t n, double from, double to, Generator& g);

// torch.randn / Tensor.normal_(mean, std).
template <class T>
void fill_normal(T* out, int64_t n, double mean, double std, Generator& g);

// torch's per-element normal path whatever n is (Box-Muller in double with the cached second value): what
// torch's normal_ uses for tensors that are not contiguous, where the block-of-16 path does not apply.
template <class T>
void fill_normal_serial(T* out, int64_t n, double mean, double std, Generator& g);

// Tensor.exponential_(lambd): -log1p(-u) / lambd per element, u a 53-bit uniform, rounded to the output type.
template <class T>
void fill_exponential(T* out, int64_t n, double lambd, Generator& g);

/// n raw draws of 32 or 64 bits, for the distributions that transform bits in their own way (random_).
void fill_bits32(uint32_t* out, int64_t n, Generator& g);
/// n raw 64-bit draws.
void fill_bits64(uint64_t* out, int64_t n, Generator& g);

// torch.randint(low, high) for each output dtype: values in [low, high). Requires low < high.
template <class T>
void fill_random_range(T* out, int64_t n, int64_t low, int64_t high, Generator& g);

/// torch.randperm(n) (int64).
void randperm(int64_t* out, int64_t n, Generator& g);

// torch.bernoulli(p): out[i] = 1 with probability p[i], else 0; out and p have the same dtype.
template <class T>
void fill_bernoulli(T* out, const T* p, int64_t n, Generator& g);

}  // namespace fastgrad
