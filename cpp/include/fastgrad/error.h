// Typed exceptions of the core. The Python bindings translate each type to the Python exception PyTorch
// raises for the same mistake (see python/src/module.cpp), so C++ callers and Python users both get a
// precise type and a message that names the op, the shapes and the dtypes.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace fastgrad {

class Error : public std::runtime_error {  // -> RuntimeError
 public:
  using std::runtime_error::runtime_error;
};
class ValueError : public Error {  // -> ValueError
 public:
  using Error::Error;
};
class TypeError : public Error {  // -> TypeError
 public:
  using Error::Error;
};
class IndexError : public Error {  // -> IndexError
 public:
  using Error::Error;
};
class NotImplementedError : public Error {  // -> NotImplementedError
 public:
  using Error::Error;
};
class LinAlgError : public Error {  // -> fastgrad.linalg.LinAlgError (a RuntimeError): singular / not PD input
 public:
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
