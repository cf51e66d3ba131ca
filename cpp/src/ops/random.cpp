// Random tensors. The streams themselves (and why they match PyTorch's) are in cpp/src/random/.
#include "common.h"

namespace fastgrad {

namespace {
Generator& pick(Generator* gen) { return gen ? *gen : default_generator(); }

void check_float(ScalarType dtype, const char* op) {
  FG_CHECK(is_floating(dtype), Error, "\"", op, "\" not implemented for '", scalar_type_name(dtype), "'");
}
}  // namespace

Tensor rand(const Dims& sizes, ScalarType dtype, Generator* gen) {
  check_float(dtype, "check_uniform_bounds");
  Tensor out = empty(sizes, dtype);
  if (dtype == ScalarType::Float32) fill_uniform(out.data<float>(), out.numel(), 0.0, 1.0, pick(gen));
  else fill_uniform(out.data<double>(), out.numel(), 0.0, 1.0, pick(gen));
  return out;
}

Tensor randn(const Dims& sizes, ScalarType dtype, Generator* gen) {
  check_float(dtype, "normal_kernel_cpu");
  Tensor out = empty(sizes, dtype);
  if (dtype == ScalarType::Float32) fill_normal(out.data<float>(), out.numel(), 0.0, 1.0, pick(gen));
  else fill_normal(out.data<double>(), out.numel(), 0.0, 1.0, pick(gen));
  return out;
}

Tensor randint(int64_t low, int64_t high, const Dims& sizes, ScalarType dtype, Generator* gen) {
  FG_CHECK(low < high, Error, "random_ expects 'from' to be less than 'to', but got from=", low, " >= to=", high);
  FG_CHECK(dtype != ScalarType::Bool, Error, "\"random_from_to\" not implemented for 'Bool'");
  Tensor out = empty(sizes, dtype);
  Generator& g = pick(gen);
  switch (dtype) {
    case ScalarType::Int32: fill_random_range(out.data<int32_t>(), out.numel(), low, high, g); break;
    case ScalarType::Int64: fill_random_range(out.data<int64_t>(), out.numel(), low, high, g); break;
    case ScalarType::Float32: fill_random_range(out.data<float>(), out.numel(), low, high, g); break;
    default: fill_random_range(out.data<double>(), out.numel(), low, high, g); break;
  }
  return out;
}

}  // namespace fastgrad
