// The public ops. Each records its backward Node when grad mode is on and an input requires grad; see
// cpp/src/ops/ for each op's forward and derivative side by side.
#pragma once

#include <optional>
#include <string>
#include <tuple>

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

// ---- random (cpp/src/ops/random.cpp, sampling.cpp): PyTorch's CPU streams; `gen` null means default_generator() ----
Tensor rand(const Dims& sizes, ScalarType dtype = default_dtype(), Generator* gen = nullptr);
Tensor randn(const Dims& sizes, ScalarType dtype = default_dtype(), Generator* gen = nullptr);
Tensor randint(int64_t low, int64_t high, const Dims& sizes, ScalarType dtype = ScalarType::Int64,
               Generator* gen = nullptr);
Tensor randperm(int64_t n, ScalarType dtype = ScalarType::Int64, Generator* gen = nullptr);
// torch.normal's four overloads. The tensor forms draw standard normals of the broadcast shape, then scale.
Tensor normal(const Tensor& mean, const Tensor& std, Generator* gen = nullptr);  // NormalBackward3
Tensor normal(const Tensor& mean, double std = 1.0, Generator* gen = nullptr);   // NormalBackward1
Tensor normal(double mean, const Tensor& std, Generator* gen = nullptr);         // NormalBackward2
Tensor normal(double mean, double std, const Dims& sizes, ScalarType dtype = default_dtype(), Generator* gen = nullptr);
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);               // 1 with probability p[i]
Tensor bernoulli(const Tensor& self, double p, Generator* gen = nullptr);  // self's shape and dtype
// Category indices (int64), num_samples per row of a 1-D or 2-D tensor of non-negative weights.
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement = false, Generator* gen = nullptr);
// In-place fills (see Note [Fill order] in random.cpp). Each records a zero-gradient Node when self has history.
Tensor& uniform_(Tensor& self, double from = 0, double to = 1, Generator* gen = nullptr);
Tensor& normal_(Tensor& self, double mean = 0, double std = 1, Generator* gen = nullptr);
Tensor& exponential_(Tensor& self, double lambd = 1, Generator* gen = nullptr);
Tensor& bernoulli_(Tensor& self, double p = 0.5, Generator* gen = nullptr);
Tensor& bernoulli_(Tensor& self, const Tensor& p, Generator* gen = nullptr);
Tensor& random_(Tensor& self, Generator* gen = nullptr);                                           // [0, 2^digits]
Tensor& random_(Tensor& self, int64_t to, Generator* gen = nullptr);                               // [0, to)
Tensor& random_(Tensor& self, int64_t from, std::optional<int64_t> to, Generator* gen = nullptr);  // [from, to)

// ---- copies and conversions (cpp/src/ops/copy.cpp) ----
Tensor to_dtype(const Tensor& t, ScalarType dtype, bool copy = false);  // ToCopyBackward0
// A copy of t (numbers read from Python data) in dtype, as tensor(data, dtype=...) converts them: each value
// is checked against an integer dtype (Note [Checked scalar conversion], naming the dtype: "int32");
// floating dtypes take any value (1e300 becomes inf in float32), bool any value. No history.
Tensor convert_data(const Tensor& t, ScalarType dtype);
Tensor contiguous(const Tensor& t);
Tensor clone(const Tensor& t);                   // CloneBackward0
Tensor& copy_(Tensor& self, const Tensor& src);  // in place, broadcasting src
Tensor data_alias(const Tensor& t);              // `.data`: same memory, own version counter, no history

// ---- elementwise binary arithmetic (cpp/src/ops/binary.cpp; rounding division, remainder, fmod: division.cpp) ----
// Type promotion follows PyTorch (see ResultType): dimensioned tensors outrank 0-d tensors, which outrank
// Python numbers (the Scalar overloads).
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor add(const Tensor& a, Scalar b, Scalar alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor sub(const Tensor& a, Scalar b, Scalar alpha = 1);
Tensor rsub(const Tensor& a, Scalar b);  // b - a
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, Scalar b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, Scalar b);
// a / b recorded as PyTorch's Scalar overload (DivBackward1), as its C++ composites record it; see
// Note [Scalar overload names] in binary.cpp.
Tensor div_by_number(const Tensor& a, Scalar b);
Tensor rdiv(const Tensor& a, Scalar b);  // b / a
// div(rounding_mode=...): True is true division, Trunc rounds toward zero, Floor toward -inf.
enum class RoundingMode : uint8_t { True, Trunc, Floor };
RoundingMode rounding_mode_from_string(const std::string& s);  // "trunc" | "floor"
Tensor div(const Tensor& a, const Tensor& b, RoundingMode mode);
Tensor div(const Tensor& a, Scalar b, RoundingMode mode);
// A number as the first operand (torch.sub(1, t), torch.div(2, t)): PyTorch's parser wraps it as a 0-d tensor
// ranked below every tensor in promotion, so these record the tensor-tensor op's Node.
Tensor add(Scalar a, const Tensor& b, Scalar alpha = 1);
Tensor sub(Scalar a, const Tensor& b, Scalar alpha = 1);
Tensor mul(Scalar a, const Tensor& b);
Tensor div(Scalar a, const Tensor& b, RoundingMode mode = RoundingMode::True);
// A Python number as a 0-d tensor of the dtype it takes in promotion (bool, int64 or the default float dtype),
// converted unchecked as PyTorch wraps numbers (torch.mul(2, 3) is a tensor).
Tensor wrapped_number(Scalar s);
Tensor floor_divide(const Tensor& a, const Tensor& b);
Tensor floor_divide(const Tensor& a, Scalar b);
Tensor floor_divide(Scalar a, const Tensor& b);
Tensor remainder(const Tensor& a, const Tensor& b);  // Python's %: the sign of the divisor
Tensor remainder(const Tensor& a, Scalar b);
Tensor remainder(Scalar a, const Tensor& b);
Tensor fmod(const Tensor& a, const Tensor& b);  // C's fmod: the sign of the dividend
Tensor fmod(const Tensor& a, Scalar b);
Tensor pow(const Tensor& a, const Tensor& exponent);
Tensor pow(const Tensor& a, Scalar exponent);
Tensor pow(Scalar base, const Tensor& exponent);

// In place: self op= other. Refuses leaves that require grad (outside no_grad) and results that do not fit
// self's shape or dtype. See Note [In-place ops].
Tensor& add_(Tensor& self, const Tensor& other, Scalar alpha = 1);
Tensor& add_(Tensor& self, Scalar other, Scalar alpha = 1);
Tensor& sub_(Tensor& self, const Tensor& other, Scalar alpha = 1);
Tensor& sub_(Tensor& self, Scalar other, Scalar alpha = 1);
Tensor& mul_(Tensor& self, const Tensor& other);
Tensor& mul_(Tensor& self, Scalar other);
Tensor& div_(Tensor& self, const Tensor& other, RoundingMode mode = RoundingMode::True);
Tensor& div_(Tensor& self, Scalar other, RoundingMode mode = RoundingMode::True);
Tensor& floor_divide_(Tensor& self, const Tensor& other);
Tensor& floor_divide_(Tensor& self, Scalar other);
Tensor& remainder_(Tensor& self, const Tensor& other);
Tensor& remainder_(Tensor& self, Scalar other);
Tensor& fmod_(Tensor& self, const Tensor& other);
Tensor& fmod_(Tensor& self, Scalar other);
Tensor& pow_(Tensor& self, const Tensor& exponent);
Tensor& pow_(Tensor& self, Scalar exponent);
Tensor& zero_(Tensor& self);
Tensor& fill_(Tensor& self, Scalar value);
Tensor& fill_(Tensor& self, const Tensor& value);  // 0-d value, differentiable

// ---- other pointwise ops with derivatives (cpp/src/ops/pointwise.cpp) ----
Tensor maximum(const Tensor& a, const Tensor& b);  // NaN propagates; ties split the gradient in half
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor fmax(const Tensor& a, const Tensor& b);  // NaN ignored when the other value is a number
Tensor fmin(const Tensor& a, const Tensor& b);
Tensor atan2(const Tensor& a, const Tensor& b);
Tensor hypot(const Tensor& a, const Tensor& b);
// xlogy(x, y) = x * log(y), 0 where x == 0 (unless y is NaN); computed in a floating dtype.
Tensor xlogy(const Tensor& x, const Tensor& y);
Tensor xlogy(Scalar x, const Tensor& y);
Tensor xlogy(const Tensor& x, Scalar y);
Tensor lerp(const Tensor& input, const Tensor& end, Scalar weight);  // input + weight * (end - input)
Tensor lerp(const Tensor& input, const Tensor& end, const Tensor& weight);
Tensor addcmul(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2, Scalar value = 1);
Tensor addcdiv(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2, Scalar value = 1);
// where(condition, a, b): a where condition holds, else b; condition is a bool tensor; all three broadcast.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, Scalar b);
Tensor where(const Tensor& condition, Scalar a, const Tensor& b);
Tensor where(const Tensor& condition, Scalar a, Scalar b);
Tensor& atan2_(Tensor& self, const Tensor& other);
Tensor& hypot_(Tensor& self, const Tensor& other);
Tensor& xlogy_(Tensor& self, const Tensor& other);
Tensor& xlogy_(Tensor& self, Scalar other);
Tensor& lerp_(Tensor& self, const Tensor& end, Scalar weight);
Tensor& lerp_(Tensor& self, const Tensor& end, const Tensor& weight);
Tensor& addcmul_(Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value = 1);
Tensor& addcdiv_(Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value = 1);

// ---- comparisons, logical and bitwise ops, predicates: no derivatives (cpp/src/ops/compare.cpp) ----
enum class CompareOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };
Tensor compare(const Tensor& a, const Tensor& b, CompareOp op);
Tensor compare(const Tensor& a, Scalar b, CompareOp op);
Tensor& compare_(Tensor& self, const Tensor& other, CompareOp op);  // self.lt_(other): 1/0 in self's dtype
Tensor& compare_(Tensor& self, Scalar other, CompareOp op);
// |a - b| <= atol + rtol * |b| elementwise (a and b of the same dtype); equal infinities are close.
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
bool equal(const Tensor& a, const Tensor& b);  // same shape and same values
enum class LogicalOp : uint8_t { And, Or, Xor };
Tensor logical(const Tensor& a, const Tensor& b, LogicalOp op);  // logical_and/or/xor: a bool tensor
Tensor logical_not(const Tensor& t);
Tensor& logical_(Tensor& self, const Tensor& other, LogicalOp op);
Tensor& logical_not_(Tensor& self);
Tensor bitwise(const Tensor& a, const Tensor& b, LogicalOp op);  // &, |, ^ on bool and integer tensors
Tensor bitwise(const Tensor& a, Scalar b, LogicalOp op);
Tensor bitwise_not(const Tensor& t);
Tensor& bitwise_(Tensor& self, const Tensor& other, LogicalOp op);
Tensor& bitwise_(Tensor& self, Scalar other, LogicalOp op);
Tensor& bitwise_not_(Tensor& self);
Tensor isnan(const Tensor& t);
Tensor isinf(const Tensor& t);
Tensor isfinite(const Tensor& t);
Tensor isposinf(const Tensor& t);
Tensor isneginf(const Tensor& t);

// ---- elementwise unary (cpp/src/ops/unary.cpp: dtype-preserving; unary_float.cpp: float functions) ----
// Float functions of integer or bool tensors return the default float dtype, as in PyTorch.
Tensor neg(const Tensor& t);
Tensor abs(const Tensor& t);
Tensor sign(const Tensor& t);
Tensor square(const Tensor& t);  // pow(t, 2)
Tensor relu(const Tensor& t);
Tensor floor(const Tensor& t);
Tensor ceil(const Tensor& t);
Tensor round(const Tensor& t);  // half to even
Tensor round(const Tensor& t, int64_t decimals);
Tensor trunc(const Tensor& t);
Tensor frac(const Tensor& t);
// clamp with Python numbers (at least one given) or with tensors (either may be undefined, not both).
Tensor clamp(const Tensor& t, std::optional<Scalar> min, std::optional<Scalar> max);
Tensor clamp(const Tensor& t, const Tensor& min, const Tensor& max);
Tensor clamp_min(const Tensor& t, Scalar min);
Tensor clamp_min(const Tensor& t, const Tensor& min);
Tensor clamp_max(const Tensor& t, Scalar max);
Tensor clamp_max(const Tensor& t, const Tensor& max);
// NaN -> nan, +inf -> posinf (default: the dtype's largest value), -inf -> neginf (default: its lowest).
Tensor nan_to_num(const Tensor& t, std::optional<double> nan = std::nullopt,
                  std::optional<double> posinf = std::nullopt, std::optional<double> neginf = std::nullopt);

Tensor exp(const Tensor& t);
Tensor exp2(const Tensor& t);
Tensor expm1(const Tensor& t);
Tensor log(const Tensor& t);
Tensor log1p(const Tensor& t);
Tensor log2(const Tensor& t);
Tensor log10(const Tensor& t);
Tensor sqrt(const Tensor& t);
Tensor rsqrt(const Tensor& t);
Tensor reciprocal(const Tensor& t);
Tensor sin(const Tensor& t);
Tensor cos(const Tensor& t);
Tensor tan(const Tensor& t);
Tensor asin(const Tensor& t);
Tensor acos(const Tensor& t);
Tensor atan(const Tensor& t);
Tensor sinh(const Tensor& t);
Tensor cosh(const Tensor& t);
Tensor tanh(const Tensor& t);
Tensor asinh(const Tensor& t);
Tensor acosh(const Tensor& t);
Tensor atanh(const Tensor& t);
Tensor sigmoid(const Tensor& t);
Tensor logit(const Tensor& t, std::optional<double> eps = std::nullopt);  // log(p / (1 - p)), p clamped to [eps, 1-eps]
Tensor erf(const Tensor& t);
Tensor erfc(const Tensor& t);
// The gamma family and torch.special (derivatives where PyTorch has them).
Tensor lgamma(const Tensor& t);                    // log|Gamma(x)|
Tensor digamma(const Tensor& t);                   // Gamma'(x) / Gamma(x)
Tensor polygamma(int64_t n, const Tensor& t);      // n-th derivative of digamma
Tensor mvlgamma(const Tensor& t, int64_t p);       // log of the multivariate gamma function of dimension p
Tensor erfinv(const Tensor& t);                    // the inverse of erf on [-1, 1]
Tensor i0(const Tensor& t);                        // modified Bessel function of the first kind, order 0
Tensor special_i0e(const Tensor& t);               // exp(-|x|) i0(x)
Tensor special_i1(const Tensor& t);                // modified Bessel function of the first kind, order 1
Tensor special_i1e(const Tensor& t);               // exp(-|x|) i1(x)
Tensor special_ndtri(const Tensor& t);             // the standard normal quantile
Tensor special_log_ndtr(const Tensor& t);          // log of the standard normal CDF
Tensor special_erfcx(const Tensor& t);             // exp(x^2) erfc(x)
Tensor special_entr(const Tensor& t);              // -x ln x (0 at 0, -inf below)
Tensor sinc(const Tensor& t);                      // sin(pi x) / (pi x), 1 at 0
Tensor special_xlog1py(const Tensor& x, const Tensor& y);  // x log1p(y), 0 where x == 0
Tensor special_xlog1py(Scalar x, const Tensor& y);
Tensor special_xlog1py(const Tensor& x, Scalar y);
Tensor special_zeta(const Tensor& x, const Tensor& q);     // Hurwitz zeta: sum_k (q + k)^-x
Tensor special_zeta(Scalar x, const Tensor& q);
Tensor special_zeta(const Tensor& x, Scalar q);

// In-place unary variants (PyTorch's `_` methods).
Tensor& neg_(Tensor& t);
Tensor& abs_(Tensor& t);
Tensor& sign_(Tensor& t);
Tensor& square_(Tensor& t);
Tensor& relu_(Tensor& t);
Tensor& floor_(Tensor& t);
Tensor& ceil_(Tensor& t);
Tensor& round_(Tensor& t);
Tensor& round_(Tensor& t, int64_t decimals);
Tensor& trunc_(Tensor& t);
Tensor& frac_(Tensor& t);
Tensor& clamp_(Tensor& t, std::optional<Scalar> min, std::optional<Scalar> max);
Tensor& clamp_(Tensor& t, const Tensor& min, const Tensor& max);
Tensor& clamp_min_(Tensor& t, Scalar min);
Tensor& clamp_min_(Tensor& t, const Tensor& min);
Tensor& clamp_max_(Tensor& t, Scalar max);
Tensor& clamp_max_(Tensor& t, const Tensor& max);
Tensor& nan_to_num_(Tensor& t, std::optional<double> nan = std::nullopt, std::optional<double> posinf = std::nullopt,
                    std::optional<double> neginf = std::nullopt);
Tensor& exp_(Tensor& t);
Tensor& exp2_(Tensor& t);
Tensor& expm1_(Tensor& t);
Tensor& log_(Tensor& t);
Tensor& log1p_(Tensor& t);
Tensor& log2_(Tensor& t);
Tensor& log10_(Tensor& t);
Tensor& sqrt_(Tensor& t);
Tensor& rsqrt_(Tensor& t);
Tensor& reciprocal_(Tensor& t);
Tensor& sin_(Tensor& t);
Tensor& cos_(Tensor& t);
Tensor& tan_(Tensor& t);
Tensor& asin_(Tensor& t);
Tensor& acos_(Tensor& t);
Tensor& atan_(Tensor& t);
Tensor& sinh_(Tensor& t);
Tensor& cosh_(Tensor& t);
Tensor& tanh_(Tensor& t);
Tensor& asinh_(Tensor& t);
Tensor& acosh_(Tensor& t);
Tensor& atanh_(Tensor& t);
Tensor& sigmoid_(Tensor& t);
Tensor& logit_(Tensor& t, std::optional<double> eps = std::nullopt);
Tensor& erf_(Tensor& t);
Tensor& erfc_(Tensor& t);
Tensor& lgamma_(Tensor& t);
Tensor& digamma_(Tensor& t);
Tensor& polygamma_(Tensor& t, int64_t n);
Tensor& mvlgamma_(Tensor& t, int64_t p);
Tensor& erfinv_(Tensor& t);
Tensor& i0_(Tensor& t);
Tensor& sinc_(Tensor& t);

// ---- reductions (cpp/src/ops/reduce.cpp, minmax.cpp, scan.cpp) ----
// `dims` lists the reduced dimensions; empty means all of them.
Tensor sum(const Tensor& t, std::optional<ScalarType> dtype = std::nullopt);
Tensor sum(const Tensor& t, const Dims& dims, bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
Tensor mean(const Tensor& t, std::optional<ScalarType> dtype = std::nullopt);
Tensor mean(const Tensor& t, const Dims& dims, bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
Tensor prod(const Tensor& t, std::optional<ScalarType> dtype = std::nullopt);
Tensor prod(const Tensor& t, int64_t dim, bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
// var/std divide by max(0, N - correction); correction 1 is Bessel's (PyTorch's `unbiased=True`).
Tensor var(const Tensor& t, const Dims& dims = {}, double correction = 1, bool keepdim = false);
Tensor std(const Tensor& t, const Dims& dims = {}, double correction = 1, bool keepdim = false);
std::tuple<Tensor, Tensor> var_mean(const Tensor& t, const Dims& dims = {}, double correction = 1,
                                    bool keepdim = false);
std::tuple<Tensor, Tensor> std_mean(const Tensor& t, const Dims& dims = {}, double correction = 1,
                                    bool keepdim = false);
// Vector p-norm (any p, including 0 and +-infinity) over all elements (dims empty) or over dims.
Tensor norm(const Tensor& t, double p = 2, const Dims& dims = {}, bool keepdim = false,
            std::optional<ScalarType> dtype = std::nullopt);
Tensor logsumexp(const Tensor& t, const Dims& dims, bool keepdim = false);
Tensor all(const Tensor& t);
Tensor all(const Tensor& t, const Dims& dims, bool keepdim = false);
Tensor any(const Tensor& t);
Tensor any(const Tensor& t, const Dims& dims, bool keepdim = false);
Tensor count_nonzero(const Tensor& t, const Dims& dims = {});
// Sums a broadcast gradient back to `shape` (the inverse of broadcasting).
Tensor sum_to(const Tensor& t, const Dims& shape);

// max/min of all elements, or along `dim` as (values, indices); amax/amin over dims; argmax/argmin of the
// flattened tensor (dim empty) or along dim. NaN propagates; ties give the first index.
Tensor max(const Tensor& t);
Tensor min(const Tensor& t);
std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor amax(const Tensor& t, const Dims& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& t, const Dims& dims = {}, bool keepdim = false);
Tensor argmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);

Tensor cumsum(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor cumprod(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor& cumsum_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor& cumprod_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);

// ---- ordering (cpp/src/ops/sorting.cpp): see Note [Sort order] there ----
// (values, int64 indices) along dim; every sort is stable. `stable` given (any value) is PyTorch's sort.stable
// overload, whose Node is SortBackward1.
std::tuple<Tensor, Tensor> sort(const Tensor& t, int64_t dim = -1, bool descending = false,
                                std::optional<bool> stable = std::nullopt);
Tensor argsort(const Tensor& t, int64_t dim = -1, bool descending = false, bool stable = false);
Tensor msort(const Tensor& t);  // sort(t, 0) values
// The k largest (smallest) elements along dim and their indices, always in order.
std::tuple<Tensor, Tensor> topk(const Tensor& t, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);
// The k-th smallest element (1-based) along dim and its index.
std::tuple<Tensor, Tensor> kthvalue(const Tensor& t, int64_t k, int64_t dim = -1, bool keepdim = false);
// (distinct values, inverse, counts), as PyTorch's _unique2 / unique_dim / unique_consecutive: inverse and
// counts are empty int64 tensors unless asked for. Not differentiable (the values' Node raises).
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& t, bool sorted = true, bool return_inverse = false,
                                          bool return_counts = false, std::optional<int64_t> dim = std::nullopt);
std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& t, bool return_inverse = false,
                                                      bool return_counts = false,
                                                      std::optional<int64_t> dim = std::nullopt);

// ---- counting (cpp/src/ops/histogram.cpp): see Note [Histogram bins] there; none is differentiable ----
// Occurrences of each value of a 1-D non-negative integer tensor (int64), or the sums of `weights` (float32 for
// float32 weights, float64 otherwise; undefined: no weights), with at least minlength entries.
Tensor bincount(const Tensor& self, const Tensor& weights = Tensor(), int64_t minlength = 0);
// Counts in `bins` equal bins over [min, max] (min == max: the data's range), in the input's float dtype.
Tensor histc(const Tensor& self, int64_t bins = 100, double min = 0, double max = 0);
// (hist, bin_edges) over `bins` equal bins of `range` (default: the data's range), or over the given edges.
// weight: undefined for none; density divides by the total and the bin widths.
std::tuple<Tensor, Tensor> histogram(const Tensor& self, int64_t bins,
                                     std::optional<std::pair<double, double>> range = std::nullopt,
                                     const Tensor& weight = Tensor(), bool density = false);
std::tuple<Tensor, Tensor> histogram(const Tensor& self, const Tensor& bins, const Tensor& weight = Tensor(),
                                     bool density = false);

// ---- shape and views (cpp/src/ops/shape.cpp) ----
// Views share the input's storage; each records its own backward Node.
Tensor view(const Tensor& t, const Dims& shape);     // may contain one -1
Tensor view_dtype(const Tensor& t, ScalarType dtype);  // the same bytes as another dtype (not differentiable)
Tensor reshape(const Tensor& t, const Dims& shape);  // view when possible, else a copy (UnsafeViewBackward0)
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unflatten(const Tensor& t, int64_t dim, const Dims& sizes);
// torch.as_strided: a view of t's storage with these sizes and strides from storage_offset (t's by default).
Tensor as_strided(const Tensor& t, const Dims& size, const Dims& stride, std::optional<int64_t> storage_offset = {});
Tensor expand(const Tensor& t, const Dims& shape);
Tensor broadcast_to(const Tensor& t, const Dims& shape);
tensor_list broadcast_tensors(const tensor_list& tensors);
// Coordinate grids of 0-d and 1-d tensors: each output is a view of its input, expanded (indexing "ij" or "xy").
tensor_list meshgrid(const tensor_list& tensors, const std::string& indexing = "ij");
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1);
Tensor t(const Tensor& t);  // TBackward0; 0-d, 1-d and 2-d only
Tensor permute(const Tensor& t, const Dims& dims);
Tensor movedim(const Tensor& t, const Dims& source, const Dims& destination);  // a permute
Tensor numpy_T(const Tensor& t);                                               // Tensor.T: all dims reversed
Tensor mT(const Tensor& t);                                                    // Tensor.mT: the last two dims swapped
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor squeeze(const Tensor& t);
Tensor squeeze(const Tensor& t, int64_t dim);
Tensor squeeze(const Tensor& t, const Dims& dims);
// In place, changing only sizes and strides (the version is bumped, history rebased, as in PyTorch).
Tensor& t_(Tensor& t);
Tensor& transpose_(Tensor& t, int64_t dim0, int64_t dim1);
Tensor& unsqueeze_(Tensor& t, int64_t dim);
Tensor& squeeze_(Tensor& t);
Tensor& squeeze_(Tensor& t, int64_t dim);
Tensor& squeeze_(Tensor& t, const Dims& dims);
Tensor select(const Tensor& t, int64_t dim, int64_t index);
Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1);
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
Tensor diagonal(const Tensor& t, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
// The windows of `size` elements every `step` along dimension as a new last dimension (a view; UnfoldBackward0).
Tensor unfold(const Tensor& t, int64_t dimension, int64_t size, int64_t step);
// Zeros of input_sizes with `grad` on the diagonal (the derivative of diagonal).
Tensor diagonal_backward(const Tensor& grad, const Dims& input_sizes, int64_t offset, int64_t dim1, int64_t dim2);

// ---- joining and splitting (cpp/src/ops/join.cpp) ----
Tensor cat(const tensor_list& tensors, int64_t dim = 0);
Tensor stack(const tensor_list& tensors, int64_t dim = 0);
Tensor hstack(const tensor_list& tensors);
Tensor vstack(const tensor_list& tensors);
Tensor dstack(const tensor_list& tensors);
Tensor column_stack(const tensor_list& tensors);  // 0-d and 1-d inputs as columns, then cat along dim 1
// At least 1, 2 or 3 dims: [] -> [1], [1, 1], [1, 1, 1]; [k] -> [1, k], [1, k, 1]; [m, k] -> [m, k, 1].
Tensor atleast_1d(const Tensor& t);
Tensor atleast_2d(const Tensor& t);
Tensor atleast_3d(const Tensor& t);
tensor_list unbind(const Tensor& t, int64_t dim = 0);
tensor_list split(const Tensor& t, int64_t split_size, int64_t dim = 0);
tensor_list split_with_sizes(const Tensor& t, const Dims& split_sizes, int64_t dim = 0);
tensor_list chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);
tensor_list tensor_split(const Tensor& t, int64_t sections, int64_t dim = 0);
tensor_list tensor_split_indices(const Tensor& t, const Dims& indices, int64_t dim = 0);

// ---- copies into a new arrangement (cpp/src/ops/rearrange.cpp) ----
Tensor repeat(const Tensor& t, const Dims& repeats);
Tensor tile(const Tensor& t, const Dims& dims);
Tensor flip(const Tensor& t, const Dims& dims);
Tensor roll(const Tensor& t, const Dims& shifts, const Dims& dims = {});
Tensor tril(const Tensor& t, int64_t diagonal = 0);
Tensor triu(const Tensor& t, int64_t diagonal = 0);
Tensor& tril_(Tensor& self, int64_t diagonal = 0);
Tensor& triu_(Tensor& self, int64_t diagonal = 0);
Tensor diag(const Tensor& t, int64_t diagonal = 0);  // 1-D -> 2-D matrix, 2-D -> 1-D copy of a diagonal
// Each element (dim empty: of the flattened tensor) or slice along dim repeated `repeats` times in place, as
// PyTorch composes it (int repeats: unsqueeze, expand, clone, view; tensor repeats: index_select), so the
// gradients and grad_fn are those of the parts. output_size, when given, must be the result's size along dim.
Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim = std::nullopt,
                         std::optional<int64_t> output_size = std::nullopt);
Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim = std::nullopt,
                         std::optional<int64_t> output_size = std::nullopt);
// repeat_interleave(repeats): i repeated repeats[i] times, for a 1-D integer tensor of counts.
Tensor repeat_interleave(const Tensor& repeats, std::optional<int64_t> output_size = std::nullopt);

// ---- indexing (cpp/src/ops/index.cpp, subscript.cpp, scatter.cpp) ----
// One entry of a subscript `t[a, b:c, None, ..., mask, idx]`.
struct TensorIndex {
  enum class Kind : uint8_t { Integer, Slice, None, Ellipsis, Boolean, Tensor };
  Kind kind = Kind::Integer;
  int64_t integer = 0;
  std::optional<int64_t> start, stop;
  int64_t step = 1;
  bool boolean = false;
  Tensor tensor;  // integer indices or a bool mask

  static TensorIndex from_integer(int64_t i) { return make(Kind::Integer, i); }
  static TensorIndex from_slice(std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step = 1) {
    TensorIndex r = make(Kind::Slice);
    r.start = start;
    r.stop = stop;
    r.step = step;
    return r;
  }
  static TensorIndex new_axis() { return make(Kind::None); }
  static TensorIndex ellipsis() { return make(Kind::Ellipsis); }
  static TensorIndex from_bool(bool b) {
    TensorIndex r = make(Kind::Boolean);
    r.boolean = b;
    return r;
  }
  static TensorIndex from_tensor(Tensor t) {
    TensorIndex r = make(Kind::Tensor);
    r.tensor = std::move(t);
    return r;
  }

 private:
  static TensorIndex make(Kind k, int64_t i = 0) {
    TensorIndex r;
    r.kind = k;
    r.integer = i;
    return r;
  }
};
// t[indices]: a view for basic subscripts (select/slice/unsqueeze), a copy with tensor subscripts (IndexBackward0).
Tensor index(const Tensor& t, const std::vector<TensorIndex>& indices);
// t[indices] = value (value broadcasts to the selected shape); see Note [setitem under autograd] in subscript.cpp.
void index_put_(Tensor& t, const std::vector<TensorIndex>& indices, const Tensor& value);
// Advanced indexing proper: indices[d] indexes dimension d (undefined: all of it; a k-dim bool mask indexes k
// dimensions). See Note [Advanced indexing] in index_plan.h.
Tensor index(const Tensor& self, const tensor_list& indices);
Tensor index_put(const Tensor& self, const tensor_list& indices, const Tensor& values, bool accumulate = false);
Tensor& index_put_(Tensor& self, const tensor_list& indices, const Tensor& values, bool accumulate = false);
Tensor nonzero(const Tensor& self);             // (count, dim) int64 coordinates
tensor_list nonzero_numpy(const Tensor& self);  // nonzero(as_tuple=True)
Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& self, int64_t dim, const Tensor& index);
// reduce: "" (replace), "add" or "multiply".
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce = "");
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, Scalar value, const std::string& reduce = "");
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce = "");
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, Scalar value, const std::string& reduce = "");
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha = 1);
Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha = 1);
Tensor masked_fill(const Tensor& self, const Tensor& mask, Scalar value);
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value);  // value: 0-d
Tensor& masked_fill_(Tensor& self, const Tensor& mask, Scalar value);
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value);
Tensor masked_select(const Tensor& self, const Tensor& mask);
Tensor take(const Tensor& self, const Tensor& index);
Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<int64_t> dim = std::nullopt);

// ---- linear algebra (cpp/src/ops/linalg.cpp, einsum.cpp) ----
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor mv(const Tensor& a, const Tensor& v);
Tensor dot(const Tensor& a, const Tensor& b);
Tensor outer(const Tensor& a, const Tensor& b);
Tensor matmul(const Tensor& a, const Tensor& b);  // see Note [matmul's graph]
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, Scalar beta = 1, Scalar alpha = 1);
Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, Scalar beta = 1, Scalar alpha = 1);
Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, Scalar beta = 1, Scalar alpha = 1);
Tensor& addmm_(Tensor& self, const Tensor& mat1, const Tensor& mat2, Scalar beta = 1, Scalar alpha = 1);
Tensor& addmv_(Tensor& self, const Tensor& mat, const Tensor& vec, Scalar beta = 1, Scalar alpha = 1);
Tensor& baddbmm_(Tensor& self, const Tensor& batch1, const Tensor& batch2, Scalar beta = 1, Scalar alpha = 1);
Tensor trace(const Tensor& self);
Tensor einsum(const std::string& equation, const tensor_list& operands);

// ---- LAPACK-backed linear algebra (cpp/src/ops/linalg_lapack.cpp): float32 / float64, batched over leading
// dims, any strides. Singular or non-positive-definite input throws LinAlgError (the *_ex forms return LAPACK's
// info per matrix instead, as int32). `api` is the name the messages start with ("linalg.inv", ...).
std::tuple<Tensor, Tensor> linalg_inv_ex(const Tensor& A, bool check_errors = false,
                                         const char* api = "linalg.inv_ex");  // (inverse, info)
Tensor linalg_inv(const Tensor& A);                                          // LinalgInvExBackward0
Tensor linalg_det(const Tensor& A);                                          // LinalgDetBackward0
std::tuple<Tensor, Tensor> linalg_slogdet(const Tensor& A);                  // (sign, logabsdet)
Tensor logdet(const Tensor& A);  // nan for a negative determinant (WhereBackward0 over the slogdet)
// AX = B (left) or XA = B; B a vector or a batch of vectors when B.dim() == 1 or B's shape is A's without its
// last dim. (X, info).
std::tuple<Tensor, Tensor> linalg_solve_ex(const Tensor& A, const Tensor& B, bool left = true,
                                           bool check_errors = false, const char* api = "linalg.solve_ex");
Tensor linalg_solve(const Tensor& A, const Tensor& B, bool left = true);  // LinalgSolveExBackward0
std::tuple<Tensor, Tensor> linalg_cholesky_ex(const Tensor& A, bool upper = false, bool check_errors = false,
                                              const char* api = "linalg.cholesky_ex");  // (L, info)
Tensor linalg_cholesky(const Tensor& A, bool upper = false);  // LinalgCholeskyExBackward0
Tensor cholesky(const Tensor& A, bool upper = false);         // torch.cholesky: CholeskyBackward0
Tensor linalg_solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left = true,
                               bool unitriangular = false);  // LinalgSolveTriangularBackward0
// torch.triangular_solve(b, A): (solution, cloned_coefficient), TriangularSolveBackward0
std::tuple<Tensor, Tensor> triangular_solve(const Tensor& b, const Tensor& A, bool upper = true,
                                            bool transpose = false, bool unitriangular = false);
Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper = false);  // CholeskySolveBackward0
// (eigenvalues ascending, eigenvectors as columns) of the symmetric matrix in A's `uplo` ('L' or 'U') triangle.
std::tuple<Tensor, Tensor> linalg_eigh(const Tensor& A, const std::string& uplo = "L");  // LinalgEighBackward0
Tensor linalg_eigvalsh(const Tensor& A, const std::string& uplo = "L");

// The BLAS behind mm/matmul: "scipy-openblas", "cblas" or "none".
const char* blas_name();

// ---- nn (cpp/src/ops/nn.cpp, nn_activation.cpp, nn_loss.cpp; dropout in sampling.cpp) ----
enum class Reduction : uint8_t { None, Mean, Sum };
Reduction reduction_from_string(const std::string& s);

// Activations (torch.nn.functional names; each one fused Node). The `_` forms work in place.
Tensor relu6(const Tensor& t);  // hardtanh(t, 0, 6)
Tensor hardtanh(const Tensor& t, Scalar min_val = -1.0, Scalar max_val = 1.0);
Tensor& hardtanh_(Tensor& t, Scalar min_val = -1.0, Scalar max_val = 1.0);
Tensor hardsigmoid(const Tensor& t);  // relu6(t + 3) / 6
Tensor& hardsigmoid_(Tensor& t);
Tensor hardswish(const Tensor& t);  // t * relu6(t + 3) / 6
Tensor& hardswish_(Tensor& t);
Tensor leaky_relu(const Tensor& t, double negative_slope = 0.01);
Tensor& leaky_relu_(Tensor& t, double negative_slope = 0.01);
Tensor elu(const Tensor& t, double alpha = 1.0);
Tensor& elu_(Tensor& t, double alpha = 1.0);
Tensor celu(const Tensor& t, double alpha = 1.0);  // elu with input_scale 1 / alpha
Tensor& celu_(Tensor& t, double alpha = 1.0);
Tensor selu(const Tensor& t);
Tensor& selu_(Tensor& t);
Tensor gelu(const Tensor& t, const std::string& approximate = "none");  // "none" (erf) or "tanh"
Tensor gelu_backward(const Tensor& grad, const Tensor& x, const std::string& approximate = "none");
Tensor silu(const Tensor& t);
Tensor& silu_(Tensor& t);
Tensor mish(const Tensor& t);
Tensor& mish_(Tensor& t);
Tensor softplus(const Tensor& t, double beta = 1.0, double threshold = 20.0);
// Along `dim`, numerically stable; `dtype` casts the input first.
Tensor softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);

// input @ weight^T + bias (bias may be undefined).
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());
// Zeroes each element with probability p (from the default generator, as torch's CPU dropout draws) and
// scales the rest by 1 / (1 - p); returns the input itself when p == 0 or not training.
Tensor dropout(const Tensor& input, double p = 0.5, bool train = true);
Tensor& dropout_(Tensor& input, double p = 0.5, bool train = true);
// int64 indices -> int64 one-hot rows; num_classes -1 means max + 1.
Tensor one_hot(const Tensor& tensor, int64_t num_classes = -1);

// Losses. `weight` and `pos_weight` may be undefined.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      double beta = 1.0);
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, double delta = 1.0);
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            Reduction reduction = Reduction::Mean);
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                                        const Tensor& pos_weight = Tensor(), Reduction reduction = Reduction::Mean);
// input (C), (N, C) or (N, C, d1, ...) of log-probabilities; target of class indices (int64).
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                Reduction reduction = Reduction::Mean, int64_t ignore_index = -100);
// target: class indices (as nll_loss) or class probabilities (input's shape).
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                     Reduction reduction = Reduction::Mean, int64_t ignore_index = -100, double label_smoothing = 0.0);

// Pooling (cpp/src/ops/pooling.cpp): input (N, C, *spatial) or unbatched (C, *spatial) with 1, 2 or 3 spatial
// dims. kernel_size, padding and dilation hold one value for every spatial dim or one for all; stride empty
// means kernel_size. padding is implicit (never read) and at most half the kernel. In ceil_mode the output
// size rounds up, but a window must start inside the input or its left padding. Max pooling's indices
// (int64, the output's shape) are flat positions in each input plane, as max_unpool takes them; a NaN in a
// window is its maximum. float32 and float64; max pooling also int32 and int64, average pooling int64
// (truncated). The 1-d ops run as the 2-d ones on a height-1 input, as PyTorch runs them.
Tensor max_pool1d(const Tensor& input, const Dims& kernel_size, const Dims& stride = {}, const Dims& padding = {0},
                  const Dims& dilation = {1}, bool ceil_mode = false);
Tensor max_pool2d(const Tensor& input, const Dims& kernel_size, const Dims& stride = {}, const Dims& padding = {0},
                  const Dims& dilation = {1}, bool ceil_mode = false);
Tensor max_pool3d(const Tensor& input, const Dims& kernel_size, const Dims& stride = {}, const Dims& padding = {0},
                  const Dims& dilation = {1}, bool ceil_mode = false);
// (values, indices)
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const Dims& kernel_size,
                                                   const Dims& stride = {}, const Dims& padding = {0},
                                                   const Dims& dilation = {1}, bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Dims& kernel_size,
                                                   const Dims& stride = {}, const Dims& padding = {0},
                                                   const Dims& dilation = {1}, bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, const Dims& kernel_size,
                                                   const Dims& stride = {}, const Dims& padding = {0},
                                                   const Dims& dilation = {1}, bool ceil_mode = false);
// Zeros of output_size (the spatial sizes) with each input value written at its index (a max pooling's);
// differentiable in input.
Tensor max_unpool1d(const Tensor& input, const Tensor& indices, const Dims& output_size);
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, const Dims& output_size);
Tensor max_unpool3d(const Tensor& input, const Tensor& indices, const Dims& output_size);
// divisor_override (non-zero) replaces every window's divisor; otherwise a window divides by its size within
// the padded input (count_include_pad) or within the input.
Tensor avg_pool1d(const Tensor& input, const Dims& kernel_size, const Dims& stride = {}, const Dims& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true);
Tensor avg_pool2d(const Tensor& input, const Dims& kernel_size, const Dims& stride = {}, const Dims& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor avg_pool3d(const Tensor& input, const Dims& kernel_size, const Dims& stride = {}, const Dims& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
// Output position i along a dim of size n pooled to m reads [floor(i * n / m), ceil((i + 1) * n / m)).
Tensor adaptive_avg_pool1d(const Tensor& input, const Dims& output_size);
Tensor adaptive_avg_pool2d(const Tensor& input, const Dims& output_size);
Tensor adaptive_avg_pool3d(const Tensor& input, const Dims& output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, const Dims& output_size);  // (values, indices)
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const Dims& output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& input, const Dims& output_size);

// Upsampling (cpp/src/ops/upsample.cpp), F.interpolate's modes: input (N, C, *spatial) with 1, 2 or 3 spatial
// dims (the op's name says how many), float32 or float64. Exactly one of output_size (the spatial sizes) and
// scale_factors (one per spatial dim; the output size is floor(size * factor)) is given; a given factor also sets
// the source-index step to 1 / factor, as PyTorch's ops do (interpolate's recompute_scale_factor=True passes the
// computed output_size instead). The coordinates are PyTorch's (Note [Upsampling coordinates] in
// cpp/src/cpu/upsample_kernels.h); differentiable in input any number of times.
Tensor upsample_nearest1d(const Tensor& input, const std::optional<Dims>& output_size,
                          const std::optional<std::vector<double>>& scale_factors = std::nullopt);
Tensor upsample_nearest2d(const Tensor& input, const std::optional<Dims>& output_size,
                          const std::optional<std::vector<double>>& scale_factors = std::nullopt);
Tensor upsample_nearest3d(const Tensor& input, const std::optional<Dims>& output_size,
                          const std::optional<std::vector<double>>& scale_factors = std::nullopt);
// 'nearest-exact': source index floor((o + 0.5) * in / out) instead of nearest's floor(o * in / out).
Tensor upsample_nearest_exact1d(const Tensor& input, const std::optional<Dims>& output_size,
                                const std::optional<std::vector<double>>& scale_factors = std::nullopt);
Tensor upsample_nearest_exact2d(const Tensor& input, const std::optional<Dims>& output_size,
                                const std::optional<std::vector<double>>& scale_factors = std::nullopt);
Tensor upsample_nearest_exact3d(const Tensor& input, const std::optional<Dims>& output_size,
                                const std::optional<std::vector<double>>& scale_factors = std::nullopt);
Tensor upsample_linear1d(const Tensor& input, const std::optional<Dims>& output_size, bool align_corners,
                         const std::optional<std::vector<double>>& scale_factors = std::nullopt);
Tensor upsample_bilinear2d(const Tensor& input, const std::optional<Dims>& output_size, bool align_corners,
                           const std::optional<std::vector<double>>& scale_factors = std::nullopt);
Tensor upsample_trilinear3d(const Tensor& input, const std::optional<Dims>& output_size, bool align_corners,
                            const std::optional<std::vector<double>>& scale_factors = std::nullopt);
// Keys' cubic convolution (A = -0.75) over 4x4 taps, indices clamped at the borders.
Tensor upsample_bicubic2d(const Tensor& input, const std::optional<Dims>& output_size, bool align_corners,
                          const std::optional<std::vector<double>>& scale_factors = std::nullopt);

// Embedding (cpp/src/ops/embedding.cpp) and normalisation layers (cpp/src/ops/nn_norm.cpp). `indices` int64 or
// int32, in [0, weight.size(0)); padding_idx -1 means none (else its row gets no gradient); scale_grad_by_freq
// divides each looked-up row's gradient by how often its index occurs in `indices`.
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx = -1,
                 bool scale_grad_by_freq = false);
// Normalises over the trailing dims given by normalized_shape; weight and bias (that shape) may be undefined.
Tensor layer_norm(const Tensor& input, const Dims& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
// input (N, C, ...): statistics per channel C from the batch when training (updating the running buffers
// in place when given), else from the running buffers. Any of the four tensors may be undefined in training.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  double momentum = 0.1, double eps = 1e-5);
// x * rsqrt(mean(x^2 over the trailing dims given by normalized_shape) + eps) [* weight].
Tensor rms_norm(const Tensor& input, const Dims& normalized_shape, const Tensor& weight, double eps);
// input (N, C, ...) normalised over each of num_groups groups of C / num_groups channels per sample, then
// scaled and shifted per channel by weight and bias (C each, may be undefined).
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
// softmax(scale * query @ key^T + bias) @ value without dropout, one Node (PyTorch's CPU flash attention for
// 4-D inputs): query (..., L, E), key (..., S, E), value (..., S, Ev) with the same leading dims; attn_mask
// (optional) bool (true = attend) or of query's dtype (added), broadcast to (..., L, S); is_causal masks keys
// after the query's position (top-left aligned); scale defaults to 1 / sqrt(E). Rows that attend to no key give 0.
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = Tensor(), bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);

// ---- recurrent layers and cells (cpp/src/ops/rnn.cpp) ----
// PyTorch's layouts: weight_ih (G * H, input_size), weight_hh (G * H, H_out), bias_ih and bias_hh (G * H), with
// G = 1 (RNN), 4 (LSTM: gates i, f, g, o) or 3 (GRU: r, z, n); H_out = H, or proj_size for an LSTM with a
// projection weight_hr (proj_size, H). Biases and weight_hr may be undefined. float32 or float64, one dtype.
enum class RnnMode : uint8_t { Tanh, Relu, LSTM, GRU };
RnnMode rnn_mode_from_string(const std::string& mode);  // "RNN_TANH", "RNN_RELU", "LSTM" or "GRU"

// One layer in one direction over a whole sequence, one Node (MkldnnRnnLayerBackward0; outputs output, h_n,
// c_n). input (T, B, input_size) or, with batch_sizes, a packed (N, input_size) whose step t is batch_sizes[t]
// consecutive rows (non-increasing, the first B). hx (B, H_out) and, for LSTM, cx (B, H): the initial states.
// Returns output ((T, B, H_out) or (N, H_out)), h_n (B, H_out) and c_n (B, H; undefined unless LSTM); with
// `reverse` the steps run from the last to the first. A sequence of a packed batch keeps its state once it ends.
std::tuple<Tensor, Tensor, Tensor> rnn_layer(const Tensor& input, const Tensor& hx, const Tensor& cx,
                                             const Tensor& weight_ih, const Tensor& weight_hh, const Tensor& bias_ih,
                                             const Tensor& bias_hh, const Tensor& weight_hr, RnnMode mode,
                                             bool reverse = false, const std::vector<int64_t>& batch_sizes = {});

// A whole multi-layer (bidirectional) network, as torch's _VF.lstm / gru / rnn_tanh: params per layer and
// direction in PyTorch's order (weight_ih, weight_hh[, bias_ih, bias_hh][, weight_hr]), layer 0 forward, layer 0
// reverse, layer 1, ...; hx (and cx) (num_layers * directions, B, H_out (H)). Dropout p on every layer's output
// but the last when train. input (T, B, I), (B, T, I) with batch_first, or packed with batch_sizes.
// Returns (output, h_n, c_n); h_n and c_n stack the layers' final states (StackBackward0), c_n undefined
// unless LSTM.
std::tuple<Tensor, Tensor, Tensor> rnn(const Tensor& input, const Tensor& hx, const Tensor& cx,
                                       const tensor_list& params, RnnMode mode, bool has_biases, int64_t num_layers,
                                       double dropout, bool train, bool bidirectional, bool batch_first,
                                       const std::vector<int64_t>& batch_sizes = {});
std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, const Tensor& hx, const Tensor& cx,
                                        const tensor_list& params, bool has_biases, int64_t num_layers, double dropout,
                                        bool train, bool bidirectional, bool batch_first);
std::tuple<Tensor, Tensor> gru(const Tensor& input, const Tensor& hx, const tensor_list& params, bool has_biases,
                               int64_t num_layers, double dropout, bool train, bool bidirectional, bool batch_first);
std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& input, const Tensor& hx, const tensor_list& params, bool has_biases,
                                    int64_t num_layers, double dropout, bool train, bool bidirectional,
                                    bool batch_first);
std::tuple<Tensor, Tensor> rnn_relu(const Tensor& input, const Tensor& hx, const tensor_list& params, bool has_biases,
                                    int64_t num_layers, double dropout, bool train, bool bidirectional,
                                    bool batch_first);

// One step of a cell on input (B, input_size) and states (B, H): one fused op and Node each
// (ThnnFusedLstmCellBackward0, ThnnFusedGruCellBackward0; TanhBackward0 / ReluBackward0 for the Elman cells).
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const Tensor& hx, const Tensor& cx, const Tensor& weight_ih,
                                     const Tensor& weight_hh, const Tensor& bias_ih = Tensor(),
                                     const Tensor& bias_hh = Tensor());
Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& weight_ih, const Tensor& weight_hh,
                const Tensor& bias_ih = Tensor(), const Tensor& bias_hh = Tensor());
Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& weight_ih, const Tensor& weight_hh,
                     const Tensor& bias_ih = Tensor(), const Tensor& bias_hh = Tensor());
Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& weight_ih, const Tensor& weight_hh,
                     const Tensor& bias_ih = Tensor(), const Tensor& bias_hh = Tensor());
// ---- convolution (cpp/src/ops/conv.cpp) ----
// input (N, C_in, *spatial), or (C_in, *spatial) unbatched for the convN / conv_transposeN forms; weight
// (C_out, C_in / groups, *kernel) for a convolution, (C_in, C_out / groups, *kernel) for a transposed one; bias
// (C_out) or undefined. stride, padding, dilation and output_padding hold one value per spatial dim or one for
// all. float32, float64, int64 and (undilated) int32. The result records ConvolutionBackward0, as in PyTorch.
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride,
                   const Dims& padding, const Dims& dilation, bool transposed, const Dims& output_padding,
                   int64_t groups);
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), const Dims& stride = {1},
              const Dims& padding = {0}, const Dims& dilation = {1}, int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), const Dims& stride = {1},
              const Dims& padding = {0}, const Dims& dilation = {1}, int64_t groups = 1);
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), const Dims& stride = {1},
              const Dims& padding = {0}, const Dims& dilation = {1}, int64_t groups = 1);
// padding="valid" (none) or "same" (the output has the input's size; stride 1 only): PyTorch's string forms.
enum class ConvPadding : uint8_t { Valid, Same };
ConvPadding conv_padding_from_string(const std::string& s);  // "valid" / "same", else PyTorch's RuntimeError
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride, ConvPadding padding,
              const Dims& dilation = {1}, int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride, ConvPadding padding,
              const Dims& dilation = {1}, int64_t groups = 1);
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride, ConvPadding padding,
              const Dims& dilation = {1}, int64_t groups = 1);
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                        const Dims& stride = {1}, const Dims& padding = {0}, const Dims& output_padding = {0},
                        int64_t groups = 1, const Dims& dilation = {1});
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                        const Dims& stride = {1}, const Dims& padding = {0}, const Dims& output_padding = {0},
                        int64_t groups = 1, const Dims& dilation = {1});
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                        const Dims& stride = {1}, const Dims& padding = {0}, const Dims& output_padding = {0},
                        int64_t groups = 1, const Dims& dilation = {1});
// F.unfold: every sliding block of input (N, C, H, W) or (C, H, W) as a column, (N, C * kh * kw, L)
// (Im2ColBackward0). F.fold: the inverse layout, summing overlapping values, into (N, C, *output_size)
// (Col2ImBackward0). Each parameter has two values (height, width). float32, float64 and bool.
Tensor im2col(const Tensor& input, const Dims& kernel_size, const Dims& dilation, const Dims& padding,
              const Dims& stride);
Tensor col2im(const Tensor& input, const Dims& output_size, const Dims& kernel_size, const Dims& dilation,
              const Dims& padding, const Dims& stride);

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
