// A minimal test harness: CHECK records failures, main() of each test prints "N passed, N failed".
#pragma once

#include <fastgrad/parallel.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace fgtest {
struct Case {
  const char* name;
  std::function<void()> fn;
};
inline std::vector<Case>& cases() {
  static std::vector<Case> c;
  return c;
}
inline int& failures() {
  static int f = 0;
  return f;
}
struct Register {
  Register(const char* name, std::function<void()> fn) { cases().push_back({name, std::move(fn)}); }
};
inline int run_all() {
  int passed = 0, failed = 0;
  for (auto& c : cases()) {
    int before = failures();
    try {
      c.fn();
    } catch (const std::exception& e) {
      std::printf("  %s: unexpected exception: %s\n", c.name, e.what());
      ++failures();
    }
    if (failures() == before) {
      ++passed;
    } else {
      ++failed;
      std::printf("FAILED %s\n", c.name);
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

// Sets the intra-op thread count for a scope (See Note [Intra-op threads]).
struct ThreadsGuard {
  int saved = fastgrad::get_num_threads();
  explicit ThreadsGuard(int n) { fastgrad::set_num_threads(n); }
  ~ThreadsGuard() { fastgrad::set_num_threads(saved); }
  ThreadsGuard(const ThreadsGuard&) = delete;
  ThreadsGuard& operator=(const ThreadsGuard&) = delete;
};
}  // namespace fgtest

#define TEST(name)                                      \
  static void name();                                   \
  static fgtest::Register register_##name(#name, name); \
  static void name()

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++fgtest::failures();                                                  \
    }                                                                        \
  } while (0)

#define CHECK_NEAR(a, b, tol) CHECK(std::fabs(static_cast<double>(a) - static_cast<double>(b)) <= (tol))

#define CHECK_THROWS(expr, ErrorType)             \
  do {                                            \
    bool thrown_ = false;                         \
    try {                                         \
      (void)(expr);                               \
    } catch (const ErrorType&) {                  \
      thrown_ = true;                             \
    }                                             \
    CHECK(thrown_&& #expr " throws " #ErrorType); \
  } while (0)
