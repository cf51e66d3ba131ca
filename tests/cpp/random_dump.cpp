// Prints fastgrad random streams so tests/python/test_random_stream.py can compare them with torch.
//
// Usage: random_dump CMD ARGS... [CMD ARGS...]...   Commands run in order on one current generator (a
// private Generator unless `default` is given). Every command that produces values prints exactly one line.
//   seed S                       manual_seed(S)                                   (no output)
//   default                      switch to default_generator()                    (no output)
//   initial_seed                 print initial_seed()
//   reseed                       print seed() (a non-deterministic reseed)
//   random N | random64 N        N raw 32-/64-bit draws, decimal
//   uniform T N FROM TO          T is f32 or f64
//   normal T N MEAN STD
//   randint T N LOW HIGH         T is i64, i32, f32 or f64
//   randperm N
//   randperm_digest N            randperm without printing it all: sum(i * perm[i]) mod 2^64, then the
//                                first 3 and last 3 values (for n too large to print)
//   bernoulli T FILE             probabilities read from FILE (whitespace-separated, any strtod format)
//   save | restore               get_state() into / set_state() from a single slot (no output)
// Floating-point values are printed as their raw bit patterns in hex (f32: 8 digits, f64: 16), so the
// comparison is exact; integers in decimal. Numeric arguments accept anything strtod/strtoll accept.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fastgrad/generator.h"

namespace {

using fastgrad::Generator;

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "random_dump: %s\n", msg.c_str());
  std::exit(2);
}

struct Args {
  int argc;
  char** argv;
  int pos = 1;
  bool done() const { return pos >= argc; }
  std::string word() {
    if (done()) die("missing argument");
    return argv[pos++];
  }
  int64_t i64() { return std::strtoll(word().c_str(), nullptr, 0); }
  uint64_t u64() { return std::strtoull(word().c_str(), nullptr, 0); }
  double f64() { return std::strtod(word().c_str(), nullptr); }
};

void print_bits(const std::vector<float>& v) {
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t b;
    std::memcpy(&b, &v[i], sizeof(b));
    std::printf(i ? " %08" PRIx32 : "%08" PRIx32, b);
  }
  std::printf("\n");
}

void print_bits(const std::vector<double>& v) {
  for (size_t i = 0; i < v.size(); ++i) {
    uint64_t b;
    std::memcpy(&b, &v[i], sizeof(b));
    std::printf(i ? " %016" PRIx64 : "%016" PRIx64, b);
  }
  std::printf("\n");
}

template <typename T>
void print_ints(const std::vector<T>& v) {
  for (size_t i = 0; i < v.size(); ++i) std::printf(i ? " %lld" : "%lld", static_cast<long long>(v[i]));
  std::printf("\n");
}

template <typename T>
std::vector<T> read_values(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) die("cannot open " + path);
  std::vector<T> out;
  char buf[128];
  while (std::fscanf(f, "%127s", buf) == 1) out.push_back(static_cast<T>(std::strtod(buf, nullptr)));
  std::fclose(f);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Args a{argc, argv};
  Generator own;
  Generator* g = &own;
  std::vector<uint8_t> saved;
  while (!a.done()) {
    const std::string cmd = a.word();
    if (cmd == "seed") {
      g->manual_seed(a.u64());
    } else if (cmd == "default") {
      g = &fastgrad::default_generator();
    } else if (cmd == "initial_seed") {
      std::printf("%" PRIu64 "\n", g->initial_seed());
    } else if (cmd == "reseed") {
      std::printf("%" PRIu64 "\n", g->seed());
    } else if (cmd == "random" || cmd == "random64") {
      const int64_t n = a.i64();
      std::vector<uint64_t> v(static_cast<size_t>(n));
      for (auto& x : v) x = cmd == "random" ? g->random() : g->random64();
      for (size_t i = 0; i < v.size(); ++i) std::printf(i ? " %" PRIu64 : "%" PRIu64, v[i]);
      std::printf("\n");
    } else if (cmd == "uniform" || cmd == "normal") {
      const std::string t = a.word();
      const int64_t n = a.i64();
      const double p1 = a.f64(), p2 = a.f64();
      if (t == "f32") {
        std::vector<float> v(static_cast<size_t>(n));
        if (cmd == "uniform") fastgrad::fill_uniform(v.data(), n, p1, p2, *g);
        else fastgrad::fill_normal(v.data(), n, p1, p2, *g);
        print_bits(v);
      } else if (t == "f64") {
        std::vector<double> v(static_cast<size_t>(n));
        if (cmd == "uniform") fastgrad::fill_uniform(v.data(), n, p1, p2, *g);
        else fastgrad::fill_normal(v.data(), n, p1, p2, *g);
        print_bits(v);
      } else {
        die("bad dtype " + t);
      }
    } else if (cmd == "randint") {
      const std::string t = a.word();
      const int64_t n = a.i64();
      const int64_t low = a.i64(), high = a.i64();
      const size_t sz = static_cast<size_t>(n);
      if (t == "i64") {
        std::vector<int64_t> v(sz);
        fastgrad::fill_random_range(v.data(), n, low, high, *g);
        print_ints(v);
      } else if (t == "i32") {
        std::vector<int32_t> v(sz);
        fastgrad::fill_random_range(v.data(), n, low, high, *g);
        print_ints(v);
      } else if (t == "f32") {
        std::vector<float> v(sz);
        fastgrad::fill_random_range(v.data(), n, low, high, *g);
        print_bits(v);
      } else if (t == "f64") {
        std::vector<double> v(sz);
        fastgrad::fill_random_range(v.data(), n, low, high, *g);
        print_bits(v);
      } else {
        die("bad dtype " + t);
      }
    } else if (cmd == "randperm") {
      const int64_t n = a.i64();
      std::vector<int64_t> v(static_cast<size_t>(n));
      fastgrad::randperm(v.data(), n, *g);
      print_ints(v);
    } else if (cmd == "randperm_digest") {
      const int64_t n = a.i64();
      std::vector<int64_t> v(static_cast<size_t>(n));
      fastgrad::randperm(v.data(), n, *g);
      uint64_t digest = 0;
      for (int64_t i = 0; i < n; ++i) digest += static_cast<uint64_t>(i) * static_cast<uint64_t>(v[i]);
      std::printf("%" PRIu64, digest);
      for (int64_t i = 0; i < n; ++i) {
        if (i < 3 || i >= n - 3) std::printf(" %lld", static_cast<long long>(v[i]));
      }
      std::printf("\n");
    } else if (cmd == "bernoulli") {
      const std::string t = a.word();
      const std::string path = a.word();
      if (t == "f32") {
        std::vector<float> p = read_values<float>(path), v(p.size());
        fastgrad::fill_bernoulli(v.data(), p.data(), static_cast<int64_t>(p.size()), *g);
        print_bits(v);
      } else if (t == "f64") {
        std::vector<double> p = read_values<double>(path), v(p.size());
        fastgrad::fill_bernoulli(v.data(), p.data(), static_cast<int64_t>(p.size()), *g);
        print_bits(v);
      } else {
        die("bad dtype " + t);
      }
    } else if (cmd == "save") {
      saved = g->get_state();
    } else if (cmd == "restore") {
      g->set_state(saved);
    } else {
      die("unknown command " + cmd);
    }
  }
  return 0;
}
