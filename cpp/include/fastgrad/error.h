// Typed exceptions of the core. The Python bindings translate each type to the Python exception PyTorch
// raises for the same mistake (see python/src/module.cpp), so C++ callers and Python users both get a
// precise type and a message that names the op, the shapes and the dtypes.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace fastgrad {

/// The base of fastgrad's exceptions; Python sees RuntimeError.
class Error : public std::runtime_error {  // -> RuntimeError
 public:
  /// Constructs the exception with its message (what()).
  using std::runtime_error::runtime_error;
};
/// A bad value (Python's ValueError).
class ValueError : public Error {  // -> ValueError
 public:
  /// Constructs the exception with its message (what()).
  using Error::Error;
};
/// An argument of the wrong type (Python's TypeError).
class TypeError : public Error {  // -> TypeError
 public:
  /// Constructs the exception with its message (what()).
  using Error::Error;
};
/// An index out of range (Python's IndexError).
class IndexError : public Error {  // -> IndexError
 public:
  /// Constructs the exception with its message (what()).
  using Error::Error;
};
/// A dtype or case an op does not implement (Python's NotImplementedError).
class NotImplementedError : public Error {  // -> NotImplementedError
 public:
  /// Constructs the exception with its message (what()).
  using Error::Error;
};
/// A singular or not positive-definite matrix (fastgrad.linalg.LinAlgError, a RuntimeError).
class LinAlgError : public Error {  // -> fastgrad.linalg.LinAlgError
 public:
  /// Constructs the exception with its message (what()).
  using Error::Error;
};

namespace detail {
template <class... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace fastgrad

// FG_CHECK(cond, ErrorType, message parts...): throws ErrorType(message) when cond is false. The message
// parts are only formatted on failure, so checks cost a branch on the hot path.
#define FG_CHECK(cond, ErrorType, ...)                                                 \
  do {                                                                                 \
    if (!(cond)) throw ::fastgrad::ErrorType(::fastgrad::detail::concat(__VA_ARGS__)); \
  } while (0)
