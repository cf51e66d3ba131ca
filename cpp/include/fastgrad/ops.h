// The public ops. Each records its backward Node when grad mode is on and an input requires grad; see
// cpp/src/ops/ for each op's forward and derivative side by side.
#pragma once

#include <optional>
#include <string>

#include "fastgrad/generator.h"
#include "fastgrad/tensor.h"

namespace fastgrad {

// ---- creation (cpp/src/ops/factory.cpp) ----
Tensor zeros(const Dims& sizes, ScalarType dtype = default_dtype());
Tensor ones(const Dims& sizes, ScalarType dtype = default_dtype());
Tensor full(const Dims& sizes, Scalar value, ScalarType dtype);
Tensor scalar_tensor(Scalar value, ScalarType dtype);
Tensor eye(int64_t n, int64_t m, ScalarType dtype = default_dtype());
Tensor arange(Scalar start, Scalar end, Scalar step, std::optional<ScalarType> dtype = std::nullopt);
Tensor linspace(double start, double end, int64_t steps, ScalarType dtype = default_dtype());
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);

// ---- random (cpp/src/ops/random.cpp): PyTorch's CPU streams; `gen` null means default_generator() ----
Tensor rand(const Dims& sizes, ScalarType dtype = default_dtype(), Generator* gen = nullptr);
Tensor randn(const Dims& sizes, ScalarType dtype = default_dtype(), Generator* gen = nullptr);
Tensor randint(int64_t low, int64_t high, const Dims& sizes, ScalarType dtype = ScalarType::Int64,
               Generator* gen = nullptr);

// ---- copies and conversions (cpp/src/ops/copy.cpp) ----
Tensor to_dtype(const Tensor& t, ScalarType dtype, bool copy = false);  // ToCopyBackward0
Tensor contiguous(const Tensor& t);
Tensor clone(const Tensor& t);                                           // CloneBackward0
Tensor& copy_(Tensor& self, const Tensor& src);                          // in place, broadcasting src
Tensor data_alias(const Tensor& t);  // `.data`: same memory, own version counter, no history

// ---- elementwise binary (cpp/src/ops/binary.cpp) ----
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor add(const Tensor& a, Scalar b, Scalar alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor sub(const Tensor& a, Scalar b, Scalar alpha = 1);
Tensor rsub(const Tensor& a, Scalar b);  // b - a
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, Scalar b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, Scalar b);
Tensor rdiv(const Tensor& a, Scalar b);  // b / a
Tensor pow(const Tensor& a, const Tensor& exponent);
Tensor pow(const Tensor& a, Scalar exponent);
Tensor pow(Scalar base, const Tensor& exponent);

enum class CompareOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };
Tensor compare(const Tensor& a, const Tensor& b, CompareOp op);
Tensor compare(const Tensor& a, Scalar b, CompareOp op);

// In place: self op= other. Refuses leaves that require grad (outside no_grad) and results that do not fit
// self's shape or dtype.
Tensor& add_(Tensor& self, const Tensor& other, Scalar alpha = 1);
Tensor& add_(Tensor& self, Scalar other, Scalar alpha = 1);
Tensor& sub_(Tensor& self, const Tensor& other, Scalar alpha = 1);
Tensor& sub_(Tensor& self, Scalar other, Scalar alpha = 1);
Tensor& mul_(Tensor& self, const Tensor& other);
Tensor& mul_(Tensor& self, Scalar other);
Tensor& div_(Tensor& self, const Tensor& other);
Tensor& div_(Tensor& self, Scalar other);
Tensor& zero_(Tensor& self);
Tensor& fill_(Tensor& self, Scalar value);
Tensor& fill_(Tensor& self, const Tensor& value);  // 0-d value, differentiable

// ---- elementwise unary (cpp/src/ops/unary.cpp) ----
Tensor neg(const Tensor& t);
Tensor exp(const Tensor& t);
Tensor log(const Tensor& t);
Tensor sin(const Tensor& t);
Tensor cos(const Tensor& t);
Tensor sqrt(const Tensor& t);
Tensor reciprocal(const Tensor& t);
Tensor relu(const Tensor& t);
Tensor sigmoid(const Tensor& t);
Tensor tanh(const Tensor& t);
Tensor clamp(const Tensor& t, std::optional<Scalar> min, std::optional<Scalar> max);

// ---- reductions (cpp/src/ops/reduce.cpp) ----
Tensor sum(const Tensor& t, std::optional<ScalarType> dtype = std::nullopt);
Tensor sum(const Tensor& t, const Dims& dims, bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
Tensor mean(const Tensor& t, std::optional<ScalarType> dtype = std::nullopt);
Tensor mean(const Tensor& t, const Dims& dims, bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
// Vector p-norm over all elements (dims empty) or over dims.
Tensor norm(const Tensor& t, double p = 2, const Dims& dims = {}, bool keepdim = false);
// Sums a broadcast gradient back to `shape` (the inverse of broadcasting).
Tensor sum_to(const Tensor& t, const Dims& shape);

// ---- shape and views (cpp/src/ops/shape.cpp) ----
Tensor view(const Tensor& t, const Dims& shape);     // may contain one -1
Tensor reshape(const Tensor& t, const Dims& shape);  // view when possible, else a copy
Tensor expand(const Tensor& t, const Dims& shape);
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1);
Tensor t(const Tensor& t);  // TBackward0; 0-d, 1-d and 2-d only
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor squeeze(const Tensor& t);
Tensor squeeze(const Tensor& t, int64_t dim);
Tensor& squeeze_(Tensor& t, int64_t dim);
Tensor select(const Tensor& t, int64_t dim, int64_t index);
Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1);

// ---- indexing (cpp/src/ops/index.cpp) ----
// One entry of a subscript `t[a, b:c, None, ...]`.
struct TensorIndex {
  enum class Kind : uint8_t { Integer, Slice, None, Ellipsis };
  Kind kind = Kind::Integer;
  int64_t integer = 0;
  std::optional<int64_t> start, stop;
  int64_t step = 1;
};
Tensor index(const Tensor& t, const std::vector<TensorIndex>& indices);  // t[indices] (a view)
void index_put_(Tensor& t, const std::vector<TensorIndex>& indices, const Tensor& value);  // t[indices] = value

// ---- linear algebra (cpp/src/ops/linalg.cpp) ----
Tensor mm(const Tensor& a, const Tensor& b);
Tensor mv(const Tensor& a, const Tensor& v);
Tensor dot(const Tensor& a, const Tensor& b);
Tensor matmul(const Tensor& a, const Tensor& b);

// The BLAS behind mm/matmul: "scipy-openblas", "cblas" or "none".
const char* blas_name();

// ---- nn (cpp/src/ops/nn.cpp) ----
enum class Reduction : uint8_t { None, Mean, Sum };
Reduction reduction_from_string(const std::string& s);
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                                        const Tensor& pos_weight = Tensor(), Reduction reduction = Reduction::Mean);

// ---- operators for C++ users ----
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, Scalar b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, Scalar b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, Scalar b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, Scalar b) { return div(a, b); }
inline Tensor operator+(Scalar a, const Tensor& b) { return add(b, a); }
inline Tensor operator-(Scalar a, const Tensor& b) { return rsub(b, a); }
inline Tensor operator*(Scalar a, const Tensor& b) { return mul(b, a); }
inline Tensor operator/(Scalar a, const Tensor& b) { return rdiv(b, a); }
inline Tensor operator-(const Tensor& a) { return neg(a); }

}  // namespace fastgrad
