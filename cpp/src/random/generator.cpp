// fastgrad's CPU random module: reproduces PyTorch 2.13's CPU random streams bit for bit.
//
// Every rule below was checked against torch 2.13 (CPU build, AVX512 kernels) by comparing outputs;
// tests/python/test_random_stream.py keeps checking them.
//
// Engine. Standard 32-bit mt19937 seeded with the low 32 bits of the 64-bit seed (Knuth's
// 1812433253 initialisation); the full seed is only remembered for initial_seed(). random64() is two
// draws, the first one being the high half. A new Generator starts from torch's default seed
// 67280421310721 (as torch.Generator() does); the process-wide default_generator() is seeded
// non-deterministically on first use, as torch's default CPU generator is at start-up.
//
// Uniform (torch.rand, uniform_): float32 takes one 32-bit draw and keeps its low 24 bits, double takes a
// random64() and keeps its low 53 bits; x = bits * 2^-digits lies in [0, 1). The result is
// fma(x, to - from, from) computed in the output type (from/to are first rounded to it). torch's kernels
// are built with floating-point contraction on FMA hardware, hence the explicit fma here.
//
// Normal (torch.randn, normal_), two paths chosen by size:
//  * n < 16: per element, Box-Muller in double with caching. With u1, u2 two double uniforms,
//    r = sqrt(-2 log1p(-u2)), theta = 2 pi u1; return r cos(theta) and keep r sin(theta) as the generator's
//    cached sample, which the next scalar normal returns instead of drawing (even for a different tensor or
//    dtype). Output is fma(z, std, mean) rounded to the output type.
//  * n >= 16: fill all n outputs with uniforms of the output type, then transform each full block of 16 in
//    place: for j < 8, u1 = 1 - d[j], u2 = d[j + 8], r = sqrt(-2 log(u1)), theta = 2 pi u2,
//    d[j] = fma(r cos(theta), std, mean), d[j + 8] = fma(r sin(theta), std, mean). If n % 16 != 0 the last
//    16 outputs are redone from 16 fresh uniforms (so they overlap the previous block). The cache is
//    neither used nor touched. Float64 is exact. For float32 the transform runs in float (theta = 2 pi u2
//    rounded in float too); torch evaluates log/sin/cos there with its own vectorised approximations,
//    which we do not replicate: with scalar float libm about 17% of standard normals differ from torch, by
//    at most 3 ulp in our measurements (the test allows 4 and reports the count). The uniforms consumed,
//    and so the rest of the stream, are identical.
//
// Non-contiguous tensors (normal_ on a transposed view) always take the per-element path, whatever n is.
//
// Exponential (exponential_(lambd)): one 53-bit uniform u per element, -1 / lambd * log1p(-u) in double,
// then rounded to the output type.
//
// Random range (torch.randint(low, high)): range = high - low as uint64. Ranges below 2^28 use a 32-bit
// draw, larger ones random64(); the value is low + draw % range (plain modulo, no rejection), converted
// to the output dtype through int64. The 2^28 cut-off holds for every output dtype.
//
// randperm(n): for n < UINT32_MAX / 20, start from the identity and for i = 0 .. n-2 swap element i with
// element i + random() % (n - i). Larger n use the "inside-out" Fisher-Yates: for i = 0 .. n-1,
// z = random64() % (i + 1), out[i] = out[z], out[z] = i.
//
// Bernoulli (torch.bernoulli(p)): one uniform of p's dtype per element (as above, 24 or 53 bits);
// out = (u < p) ? 1 : 0.
#include "fastgrad/generator.h"

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <type_traits>

namespace fastgrad {

namespace {

constexpr double kPi = 3.14159265358979323846;

constexpr uint32_t kStateMagic = 0x46475247;  // "FGRG"
constexpr uint8_t kStateVersion = 1;

// Little-endian byte writer/reader for get_state/set_state.
void put_bytes(std::vector<uint8_t>& out, uint64_t v, int nbytes) {
  for (int i = 0; i < nbytes; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t get_bytes(const std::vector<uint8_t>& in, size_t& pos, int nbytes) {
  if (pos + static_cast<size_t>(nbytes) > in.size()) throw std::invalid_argument("Generator state is truncated");
  uint64_t v = 0;
  for (int i = 0; i < nbytes; ++i) v |= static_cast<uint64_t>(in[pos + i]) << (8 * i);
  pos += static_cast<size_t>(nbytes);
  return v;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Generator

Generator::Generator(uint64_t seed) { seed_engine(seed); }

Generator::Generator(const Generator& other) { *this = other; }

Generator& Generator::operator=(const Generator& other) {
  if (this == &other) return *this;
  std::scoped_lock lock(mutex_, other.mutex_);
  seed_ = other.seed_;
  std::memcpy(mt_, other.mt_, sizeof(mt_));
  index_ = other.index_;
  next_double_normal_ = other.next_double_normal_;
  next_float_normal_ = other.next_float_normal_;
  return *this;
}

void Generator::seed_engine(uint64_t seed) {
  seed_ = seed;
  mt_[0] = static_cast<uint32_t>(seed);
  for (int i = 1; i < kStateSize; ++i) {
    mt_[i] = 1812433253u * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  }
  index_ = kStateSize;
  // A reseed must not hand out a normal computed from the previous stream.
  next_double_normal_.reset();
  next_float_normal_.reset();
}

void Generator::twist() {
  constexpr int kShift = 397;
  constexpr uint32_t kMatrixA = 0x9908b0dfu;
  for (int i = 0; i < kStateSize; ++i) {
    const uint32_t y = (mt_[i] & 0x80000000u) | (mt_[(i + 1) % kStateSize] & 0x7fffffffu);
    mt_[i] = mt_[(i + kShift) % kStateSize] ^ (y >> 1) ^ ((y & 1u) ? kMatrixA : 0u);
  }
  index_ = 0;
}

uint32_t Generator::next32() {
  if (index_ >= kStateSize) twist();
  uint32_t y = mt_[index_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

uint64_t Generator::next64() {
  const uint64_t hi = next32();
  const uint64_t lo = next32();
  return (hi << 32) | lo;
}

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(mutex_);
  seed_engine(seed);
}

uint64_t Generator::initial_seed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seed_;
}

uint64_t Generator::seed() {
  // torch reads 64 bits from /dev/urandom; random_device is that (or the platform's equivalent).
  std::random_device rd;
  const uint64_t s = (static_cast<uint64_t>(rd()) << 32) | rd();
  manual_seed(s);
  return s;
}

uint32_t Generator::random() {
  std::lock_guard<std::mutex> lock(mutex_);
  return next32();
}

uint64_t Generator::random64() {
  std::lock_guard<std::mutex> lock(mutex_);
  return next64();
}

std::optional<double> Generator::next_double_normal_sample() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_double_normal_;
}

void Generator::set_next_double_normal_sample(std::optional<double> v) {
  std::lock_guard<std::mutex> lock(mutex_);
  next_double_normal_ = v;
}

std::optional<float> Generator::next_float_normal_sample() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_float_normal_;
}

void Generator::set_next_float_normal_sample(std::optional<float> v) {
  std::lock_guard<std::mutex> lock(mutex_);
  next_float_normal_ = v;
}

// Layout: magic u32, version u8, seed u64, index u32, 624 x u32 words, flags u8 (bit 0: double cache set,
// bit 1: float cache set), cached double as u64 bits, cached float as u32 bits.
std::vector<uint8_t> Generator::get_state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<uint8_t> out;
  out.reserve(4 + 1 + 8 + 4 + 4 * kStateSize + 1 + 8 + 4);
  put_bytes(out, kStateMagic, 4);
  put_bytes(out, kStateVersion, 1);
  put_bytes(out, seed_, 8);
  put_bytes(out, static_cast<uint32_t>(index_), 4);
  for (uint32_t w : mt_) put_bytes(out, w, 4);
  put_bytes(out, (next_double_normal_ ? 1u : 0u) | (next_float_normal_ ? 2u : 0u), 1);
  uint64_t dbits = 0;
  uint32_t fbits = 0;
  if (next_double_normal_) std::memcpy(&dbits, &*next_double_normal_, sizeof(dbits));
  if (next_float_normal_) std::memcpy(&fbits, &*next_float_normal_, sizeof(fbits));
  put_bytes(out, dbits, 8);
  put_bytes(out, fbits, 4);
  return out;
}

void Generator::set_state(const std::vector<uint8_t>& state) {
  // Parse everything before touching *this so a bad state leaves the generator unchanged.
  size_t pos = 0;
  if (get_bytes(state, pos, 4) != kStateMagic || get_bytes(state, pos, 1) != kStateVersion) {
    throw std::invalid_argument("not a fastgrad Generator state");
  }
  const uint64_t seed = get_bytes(state, pos, 8);
  const uint64_t index = get_bytes(state, pos, 4);
  if (index > static_cast<uint64_t>(kStateSize)) throw std::invalid_argument("Generator state: bad index");
  uint32_t words[kStateSize];
  for (uint32_t& w : words) w = static_cast<uint32_t>(get_bytes(state, pos, 4));
  const uint64_t flags = get_bytes(state, pos, 1);
  const uint64_t dbits = get_bytes(state, pos, 8);
  const uint32_t fbits = static_cast<uint32_t>(get_bytes(state, pos, 4));
  if (pos != state.size() || flags > 3) throw std::invalid_argument("Generator state: bad trailer");

  std::lock_guard<std::mutex> lock(mutex_);
  seed_ = seed;
  index_ = static_cast<int>(index);
  std::memcpy(mt_, words, sizeof(mt_));
  next_double_normal_.reset();
  next_float_normal_.reset();
  if (flags & 1u) {
    double d;
    std::memcpy(&d, &dbits, sizeof(d));
    next_double_normal_ = d;
  }
  if (flags & 2u) {
    float f;
    std::memcpy(&f, &fbits, sizeof(f));
    next_float_normal_ = f;
  }
}

Generator& default_generator() {
  // Function-local static: constructed once, thread-safely, on first use. torch seeds its default CPU
  // generator non-deterministically too (kDefaultSeed is only for explicitly created generators).
  static Generator gen = [] {
    Generator g;
    g.seed();
    return g;
  }();
  return gen;
}

// ---------------------------------------------------------------------------------------------------------
// Distributions. Each fill holds the generator's lock for its whole duration and then talks to the engine
// through GeneratorAccess, so no per-draw locking is needed.

namespace detail {

struct GeneratorAccess {
  Generator& g;
  std::lock_guard<std::mutex> lock;

  explicit GeneratorAccess(Generator& gen) : g(gen), lock(gen.mutex_) {}

  uint32_t next32() { return g.next32(); }
  uint64_t next64() { return g.next64(); }
  std::optional<double>& cached_normal() { return g.next_double_normal_; }

  // A uniform in [0, 1) with as many random bits as T has mantissa digits (24 or 53).
  template <typename T>
  T unit_uniform() {
    if constexpr (std::is_same_v<T, float>) {
      return static_cast<float>(next32() & ((1u << 24) - 1)) * (1.0f / (1u << 24));
    } else {
      return static_cast<double>(next64() & ((uint64_t{1} << 53) - 1)) * (1.0 / (uint64_t{1} << 53));
    }
  }

  // One standard-normal draw of the scalar path (before scaling).
  double scalar_standard_normal() {
    std::optional<double>& cache = cached_normal();
    if (cache) {
      const double z = *cache;
      cache.reset();
      return z;
    }
    const double u1 = unit_uniform<double>();
    const double u2 = unit_uniform<double>();
    const double r = std::sqrt(-2.0 * std::log1p(-u2));
    const double theta = 2.0 * kPi * u1;
    cache = r * std::sin(theta);
    return r * std::cos(theta);
  }
};

}  // namespace detail

namespace {

using detail::GeneratorAccess;

// Box-Muller on one block of 16 uniforms, pairing element j with j + 8, in T. For float, torch evaluates
// log/sin/cos with its own vectorised approximations here; scalar float libm is the closest portable match
// (within a few ulp, see the note at the top).
template <typename T>
void normal_block16(T* d, T mean, T std) {
  for (int j = 0; j < 8; ++j) {
    const T u1 = T(1) - d[j];  // (0, 1], so log is finite
    const T u2 = d[j + 8];
    const T radius = std::sqrt(T(-2) * std::log(u1));
    const T theta = T(2) * static_cast<T>(kPi) * u2;
    d[j] = std::fma(radius * std::cos(theta), std, mean);
    d[j + 8] = std::fma(radius * std::sin(theta), std, mean);
  }
}

}  // namespace

template <typename T>
void fill_uniform(T* out, int64_t n, double from_d, double to_d, Generator& g) {
  GeneratorAccess acc(g);
  const T from = static_cast<T>(from_d);
  const T to = static_cast<T>(to_d);
  const T span = to - from;
  for (int64_t i = 0; i < n; ++i) out[i] = std::fma(acc.unit_uniform<T>(), span, from);
}

template <typename T>
void fill_normal(T* out, int64_t n, double mean, double std, Generator& g) {
  GeneratorAccess acc(g);
  if (n < 16) {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(std::fma(acc.scalar_standard_normal(), std, mean));
    return;
  }
  const T mean_t = static_cast<T>(mean);
  const T std_t = static_cast<T>(std);
  for (int64_t i = 0; i < n; ++i) out[i] = acc.unit_uniform<T>();
  for (int64_t i = 0; i + 16 <= n; i += 16) normal_block16(out + i, mean_t, std_t);
  if (n % 16 != 0) {
    T* tail = out + n - 16;
    for (int i = 0; i < 16; ++i) tail[i] = acc.unit_uniform<T>();
    normal_block16(tail, mean_t, std_t);
  }
}

template <typename T>
void fill_normal_serial(T* out, int64_t n, double mean, double std, Generator& g) {
  GeneratorAccess acc(g);
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(std::fma(acc.scalar_standard_normal(), std, mean));
}

template <typename T>
void fill_exponential(T* out, int64_t n, double lambd, Generator& g) {
  GeneratorAccess acc(g);
  const double scale = -1.0 / lambd;
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(scale * std::log1p(-acc.unit_uniform<double>()));
}

template <typename T>
void fill_random_range(T* out, int64_t n, int64_t low, int64_t high, Generator& g) {
  if (!(low < high)) throw std::invalid_argument("fill_random_range: expected low < high");
  GeneratorAccess acc(g);
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  const bool wide = range >= (uint64_t{1} << 28);
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t draw = wide ? acc.next64() : acc.next32();
    // Unsigned arithmetic wraps, which is what makes low + offset correct for negative low.
    const int64_t v = static_cast<int64_t>(draw % range + static_cast<uint64_t>(low));
    out[i] = static_cast<T>(v);
  }
}

template <typename T>
void fill_bernoulli(T* out, const T* p, int64_t n, Generator& g) {
  GeneratorAccess acc(g);
  for (int64_t i = 0; i < n; ++i) out[i] = acc.unit_uniform<T>() < p[i] ? T(1) : T(0);
}

template void fill_uniform(float*, int64_t, double, double, Generator&);
template void fill_uniform(double*, int64_t, double, double, Generator&);
template void fill_normal(float*, int64_t, double, double, Generator&);
template void fill_normal(double*, int64_t, double, double, Generator&);
template void fill_normal_serial(float*, int64_t, double, double, Generator&);
template void fill_normal_serial(double*, int64_t, double, double, Generator&);
template void fill_exponential(float*, int64_t, double, Generator&);
template void fill_exponential(double*, int64_t, double, Generator&);

void fill_bits32(uint32_t* out, int64_t n, Generator& g) {
  GeneratorAccess acc(g);
  for (int64_t i = 0; i < n; ++i) out[i] = acc.next32();
}
void fill_bits64(uint64_t* out, int64_t n, Generator& g) {
  GeneratorAccess acc(g);
  for (int64_t i = 0; i < n; ++i) out[i] = acc.next64();
}

template void fill_random_range(int64_t*, int64_t, int64_t, int64_t, Generator&);
template void fill_random_range(int32_t*, int64_t, int64_t, int64_t, Generator&);
template void fill_random_range(float*, int64_t, int64_t, int64_t, Generator&);
template void fill_random_range(double*, int64_t, int64_t, int64_t, Generator&);

void randperm(int64_t* out, int64_t n, Generator& g) {
  GeneratorAccess acc(g);
  // Below this size 32-bit draws are used (the bias of % is negligible); above it, 64-bit ones.
  constexpr int64_t kSmallLimit = static_cast<int64_t>(UINT32_MAX / 20);
  if (n < kSmallLimit) {
    for (int64_t i = 0; i < n; ++i) out[i] = i;
    for (int64_t i = 0; i + 1 < n; ++i) {
      const int64_t z = static_cast<int64_t>(acc.next32()) % (n - i);
      std::swap(out[i], out[i + z]);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t z = static_cast<int64_t>(acc.next64() % static_cast<uint64_t>(i + 1));
    out[i] = i;  // so that z == i reads a defined value
    out[i] = out[z];
    out[z] = i;
  }
}

template void fill_bernoulli(float*, const float*, int64_t, Generator&);
template void fill_bernoulli(double*, const double*, int64_t, Generator&);

}  // namespace fastgrad
