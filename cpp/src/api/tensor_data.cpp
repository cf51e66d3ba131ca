// fastgrad::tensor({...}): a tensor from C++ numbers and nested braced lists, inferring shape and dtype as
// torch.tensor(data) does for Python lists.
#include <vector>

#include "fastgrad/ops.h"

namespace fastgrad {

namespace {

// Checks every list at depth k against sizes[k] and appends the numbers in row-major order. The nesting
// depth is the tensor's dimension count, so recursion is bounded by what the caller wrote.
void collect(const TensorData& d, const Dims& sizes, size_t depth, std::vector<Scalar>& out) {
  if (depth == sizes.size()) {
    FG_CHECK(d.is_scalar(), TypeError, "tensor(): expected a number at dim ", depth,
             " (the first element at that depth is one), got a list");
    out.push_back(d.scalar());
    return;
  }
  FG_CHECK(!d.is_scalar(), TypeError, "tensor(): not a sequence: expected a list of length ", sizes[depth],
           " at dim ", depth, ", got a number");
  const int64_t n = static_cast<int64_t>(d.items().size());
  FG_CHECK(n == sizes[depth], ValueError, "expected sequence of length ", sizes[depth], " at dim ", depth, " (got ", n,
           ")");
  for (const TensorData& item : d.items()) collect(item, sizes, depth + 1, out);
}

}  // namespace

Tensor tensor(const TensorData& data, std::optional<ScalarType> dtype) {
  // The shape follows the first element at each depth, as PyTorch infers it.
  Dims sizes;
  for (const TensorData* d = &data; !d->is_scalar();) {
    sizes.push_back(static_cast<int64_t>(d->items().size()));
    if (d->items().empty()) break;
    d = &d->items().front();
  }
  std::vector<Scalar> values;
  collect(data, sizes, 0, values);

  // PyTorch's inference: any float -> the default float dtype; else any int -> int64; else bool. An empty
  // list is the default float dtype.
  bool any_float = values.empty(), any_int = false;
  for (const Scalar& v : values) {
    any_float = any_float || v.is_floating();
    any_int = any_int || v.is_integral();
  }
  const ScalarType held = any_float ? ScalarType::Float64 : any_int ? ScalarType::Int64 : ScalarType::Bool;
  Tensor out = empty(sizes, held);
  if (held == ScalarType::Float64) {
    double* p = out.data<double>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = values[i].to<double>();
  } else if (held == ScalarType::Int64) {
    int64_t* p = out.data<int64_t>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = values[i].i;
  } else {
    bool* p = out.data<bool>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = values[i].i != 0;
  }
  const ScalarType target = dtype ? *dtype : any_float ? default_dtype() : held;
  // Each number checked against an integer dtype as torch.tensor(data, dtype=...) checks it.
  return target == held ? out : convert_data(out, target);
}

}  // namespace fastgrad
