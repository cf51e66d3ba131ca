// The public ops. Each records its backward Node when grad mode is on and an input requires grad; see
// cpp/src/ops/ for each op's forward and derivative side by side.
#pragma once

#include <optional>
#include <string>
#include <initializer_list>
#include <tuple>
#include <vector>

#include "fastgrad/generator.h"
#include "fastgrad/tensor.h"

namespace fastgrad {

// ---- creation (cpp/src/ops/factory.cpp) ----
/// A tensor of `sizes` filled with 0 (torch.zeros).
Tensor zeros(const Dims& sizes, ScalarType dtype = default_dtype());
/// A tensor of `sizes` filled with 1 (torch.ones).
Tensor ones(const Dims& sizes, ScalarType dtype = default_dtype());
/// A tensor of `sizes` filled with `value`, checked against dtype (torch.full).
Tensor full(const Dims& sizes, Scalar value, ScalarType dtype);
/// A 0-d tensor holding `value` (torch.scalar_tensor).
Tensor scalar_tensor(Scalar value, ScalarType dtype);
/// An n x m matrix with ones on the diagonal (torch.eye).
Tensor eye(int64_t n, int64_t m, ScalarType dtype = default_dtype());
/// The values start, start + step, ... before end (torch.arange); dtype inferred from the numbers unless given.
Tensor arange(Scalar start, Scalar end, Scalar step, std::optional<ScalarType> dtype = std::nullopt);
/// `steps` values evenly spaced from start to end inclusive (torch.linspace).
Tensor linspace(double start, double end, int64_t steps, ScalarType dtype = default_dtype());
/// Zeros of t's shape and dtype.
Tensor zeros_like(const Tensor& t);
/// Ones of t's shape and dtype.
Tensor ones_like(const Tensor& t);

// ---- random (cpp/src/ops/random.cpp, sampling.cpp): PyTorch's CPU streams; `gen` null means default_generator() ----
/// Uniform numbers in [0, 1) from the generator (torch.rand; PyTorch's stream).
Tensor rand(const Dims& sizes, ScalarType dtype = default_dtype(), Generator* gen = nullptr);
/// Standard normal numbers from the generator (torch.randn; PyTorch's stream).
Tensor randn(const Dims& sizes, ScalarType dtype = default_dtype(), Generator* gen = nullptr);
/// Integers uniform in [low, high) (torch.randint).
Tensor randint(int64_t low, int64_t high, const Dims& sizes, ScalarType dtype = ScalarType::Int64,
               Generator* gen = nullptr);
/// A random permutation of 0 .. n-1 (torch.randperm).
Tensor randperm(int64_t n, ScalarType dtype = ScalarType::Int64, Generator* gen = nullptr);
/// torch.normal's four overloads. The tensor forms draw standard normals of the broadcast shape, then scale.
Tensor normal(const Tensor& mean, const Tensor& std, Generator* gen = nullptr);  // NormalBackward3
/// Normal samples with the given mean and std (torch.normal); records NormalBackward1.
Tensor normal(const Tensor& mean, double std = 1.0, Generator* gen = nullptr);
/// Normal samples with the given mean and std (torch.normal); records NormalBackward2.
Tensor normal(double mean, const Tensor& std, Generator* gen = nullptr);
/// Normal samples with the given mean and std (torch.normal).
Tensor normal(double mean, double std, const Dims& sizes, ScalarType dtype = default_dtype(), Generator* gen = nullptr);
/// 1 with probability p, else 0 (torch.bernoulli); 1 with probability p[i].
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);
/// 1 with probability p, else 0 (torch.bernoulli); self's shape and dtype.
Tensor bernoulli(const Tensor& self, double p, Generator* gen = nullptr);
/// Category indices (int64), num_samples per row of a 1-D or 2-D tensor of non-negative weights.
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement = false, Generator* gen = nullptr);
/// In-place fills (see Note [Fill order] in random.cpp). Each records a zero-gradient Node when self has history.
Tensor& uniform_(Tensor& self, double from = 0, double to = 1, Generator* gen = nullptr);
/// In place: fills self from N(mean, std^2) (Tensor.normal_); returns self.
Tensor& normal_(Tensor& self, double mean = 0, double std = 1, Generator* gen = nullptr);
/// In place: fills self from Exp(lambd) (Tensor.exponential_); returns self.
Tensor& exponential_(Tensor& self, double lambd = 1, Generator* gen = nullptr);
/// In place: fills self with 1 with probability p, else 0 (Tensor.bernoulli_); returns self.
Tensor& bernoulli_(Tensor& self, double p = 0.5, Generator* gen = nullptr);
/// In place: fills self with 1 with probability p, else 0 (Tensor.bernoulli_); returns self.
Tensor& bernoulli_(Tensor& self, const Tensor& p, Generator* gen = nullptr);
/// In place: fills self with random integers (Tensor.random_); returns self; [0, 2^digits].
Tensor& random_(Tensor& self, Generator* gen = nullptr);
/// In place: fills self with random integers (Tensor.random_); returns self; [0, to).
Tensor& random_(Tensor& self, int64_t to, Generator* gen = nullptr);
/// In place: fills self with random integers (Tensor.random_); returns self; [from, to).
Tensor& random_(Tensor& self, int64_t from, std::optional<int64_t> to, Generator* gen = nullptr);

// ---- copies and conversions (cpp/src/ops/copy.cpp) ----
/// t converted to dtype (t itself when already of that dtype, unless copy) (Tensor.to); records ToCopyBackward0.
Tensor to_dtype(const Tensor& t, ScalarType dtype, bool copy = false);
/// A copy of t (numbers read from Python data) in dtype, as tensor(data, dtype=...) converts them: each value
/// is checked against an integer dtype (Note [Checked scalar conversion], naming the dtype: "int32");
/// floating dtypes take any value (1e300 becomes inf in float32), bool any value. No history.
Tensor convert_data(const Tensor& t, ScalarType dtype);
/// t itself when contiguous, else a row-major copy (differentiable).
Tensor contiguous(const Tensor& t);
/// A copy with its own storage (differentiable) (torch.clone); records CloneBackward0.
Tensor clone(const Tensor& t);
/// In place: src copied into self, broadcasting and converting; returns self; in place, broadcasting src.
Tensor& copy_(Tensor& self, const Tensor& src);
/// Tensor.data: the same memory with its own version counter and no history; `.data`: same memory, own version counter, no history.
Tensor data_alias(const Tensor& t);

// ---- elementwise binary arithmetic (cpp/src/ops/binary.cpp; rounding division, remainder, fmod: division.cpp) ----
// Type promotion follows PyTorch (see ResultType): dimensioned tensors outrank 0-d tensors, which outrank
// Python numbers (the Scalar overloads).
/// a + alpha * b, broadcasting, with PyTorch's type promotion (torch.add).
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha = 1);
/// a + alpha * b, broadcasting, with PyTorch's type promotion (torch.add).
Tensor add(const Tensor& a, Scalar b, Scalar alpha = 1);
/// a - alpha * b, broadcasting, with PyTorch's type promotion (torch.sub).
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha = 1);
/// a - alpha * b, broadcasting, with PyTorch's type promotion (torch.sub).
Tensor sub(const Tensor& a, Scalar b, Scalar alpha = 1);
/// b - a; b - a.
Tensor rsub(const Tensor& a, Scalar b);
/// a * b elementwise, broadcasting (torch.mul).
Tensor mul(const Tensor& a, const Tensor& b);
/// a * b elementwise, broadcasting (torch.mul).
Tensor mul(const Tensor& a, Scalar b);
/// a / b elementwise, broadcasting; true division unless a rounding mode is given (torch.div).
Tensor div(const Tensor& a, const Tensor& b);
/// a / b elementwise, broadcasting; true division unless a rounding mode is given (torch.div).
Tensor div(const Tensor& a, Scalar b);
// a / b recorded as PyTorch's Scalar overload (DivBackward1), as its C++ composites record it; see
// Note [Scalar overload names] in binary.cpp.
/// a / b recorded as PyTorch's Scalar overload (DivBackward1).
Tensor div_by_number(const Tensor& a, Scalar b);
/// b / a; b / a.
Tensor rdiv(const Tensor& a, Scalar b);
/// div(rounding_mode=...): True is true division, Trunc rounds toward zero, Floor toward -inf.
enum class RoundingMode : uint8_t { True, Trunc, Floor };
/// "trunc" or "floor" as a RoundingMode; "trunc" | "floor".
RoundingMode rounding_mode_from_string(const std::string& s);
/// a / b elementwise, broadcasting; true division unless a rounding mode is given (torch.div).
Tensor div(const Tensor& a, const Tensor& b, RoundingMode mode);
/// a / b elementwise, broadcasting; true division unless a rounding mode is given (torch.div).
Tensor div(const Tensor& a, Scalar b, RoundingMode mode);
/// A number as the first operand (torch.sub(1, t), torch.div(2, t)): PyTorch's parser wraps it as a 0-d tensor
/// ranked below every tensor in promotion, so these record the tensor-tensor op's Node.
Tensor add(Scalar a, const Tensor& b, Scalar alpha = 1);
/// a - alpha * b, broadcasting, with PyTorch's type promotion (torch.sub), with a number as the first operand.
Tensor sub(Scalar a, const Tensor& b, Scalar alpha = 1);
/// a * b elementwise, broadcasting (torch.mul), with a number as the first operand.
Tensor mul(Scalar a, const Tensor& b);
/// a / b elementwise, broadcasting; true division unless a rounding mode is given (torch.div), with a number as the first operand.
Tensor div(Scalar a, const Tensor& b, RoundingMode mode = RoundingMode::True);
/// A Python number as a 0-d tensor of the dtype it takes in promotion (bool, int64 or the default float dtype),
/// converted unchecked as PyTorch wraps numbers (torch.mul(2, 3) is a tensor).
Tensor wrapped_number(Scalar s);
/// floor(a / b) elementwise (torch.floor_divide).
Tensor floor_divide(const Tensor& a, const Tensor& b);
/// floor(a / b) elementwise (torch.floor_divide).
Tensor floor_divide(const Tensor& a, Scalar b);
/// floor(a / b) elementwise (torch.floor_divide), with a number as the first operand.
Tensor floor_divide(Scalar a, const Tensor& b);
/// a - b * floor(a / b): Python's %, with the sign of the divisor (torch.remainder); Python's %: the sign of the divisor.
Tensor remainder(const Tensor& a, const Tensor& b);
/// a - b * floor(a / b): Python's %, with the sign of the divisor (torch.remainder).
Tensor remainder(const Tensor& a, Scalar b);
/// a - b * floor(a / b): Python's %, with the sign of the divisor (torch.remainder), with a number as the first operand.
Tensor remainder(Scalar a, const Tensor& b);
/// C's fmod: the remainder with the sign of the dividend (torch.fmod); C's fmod: the sign of the dividend.
Tensor fmod(const Tensor& a, const Tensor& b);
/// C's fmod: the remainder with the sign of the dividend (torch.fmod).
Tensor fmod(const Tensor& a, Scalar b);
/// a ** exponent elementwise (torch.pow).
Tensor pow(const Tensor& a, const Tensor& exponent);
/// a ** exponent elementwise (torch.pow).
Tensor pow(const Tensor& a, Scalar exponent);
/// a ** exponent elementwise (torch.pow), with a number as the first operand.
Tensor pow(Scalar base, const Tensor& exponent);

/// In place: self op= other. Refuses leaves that require grad (outside no_grad) and results that do not fit
/// self's shape or dtype. See Note [In-place ops].
Tensor& add_(Tensor& self, const Tensor& other, Scalar alpha = 1);
/// In place: self += alpha * other; returns self.
Tensor& add_(Tensor& self, Scalar other, Scalar alpha = 1);
/// In place: self -= alpha * other; returns self.
Tensor& sub_(Tensor& self, const Tensor& other, Scalar alpha = 1);
/// In place: self -= alpha * other; returns self.
Tensor& sub_(Tensor& self, Scalar other, Scalar alpha = 1);
/// In place: self *= other; returns self.
Tensor& mul_(Tensor& self, const Tensor& other);
/// In place: self *= other; returns self.
Tensor& mul_(Tensor& self, Scalar other);
/// In place: self /= other (with the rounding mode); returns self.
Tensor& div_(Tensor& self, const Tensor& other, RoundingMode mode = RoundingMode::True);
/// In place: self /= other (with the rounding mode); returns self.
Tensor& div_(Tensor& self, Scalar other, RoundingMode mode = RoundingMode::True);
/// In place: self = floor(self / other); returns self.
Tensor& floor_divide_(Tensor& self, const Tensor& other);
/// In place: self = floor(self / other); returns self.
Tensor& floor_divide_(Tensor& self, Scalar other);
/// In place: self = remainder(self, other); returns self.
Tensor& remainder_(Tensor& self, const Tensor& other);
/// In place: self = remainder(self, other); returns self.
Tensor& remainder_(Tensor& self, Scalar other);
/// In place: self = fmod(self, other); returns self.
Tensor& fmod_(Tensor& self, const Tensor& other);
/// In place: self = fmod(self, other); returns self.
Tensor& fmod_(Tensor& self, Scalar other);
/// In place: self = self ** exponent; returns self.
Tensor& pow_(Tensor& self, const Tensor& exponent);
/// In place: self = self ** exponent; returns self.
Tensor& pow_(Tensor& self, Scalar exponent);
/// In place: every element set to 0; returns self.
Tensor& zero_(Tensor& self);
/// In place: every element set to value (checked against self's dtype); returns self.
Tensor& fill_(Tensor& self, Scalar value);
/// In place: every element set to value (checked against self's dtype); returns self; 0-d value, differentiable.
Tensor& fill_(Tensor& self, const Tensor& value);

// ---- other pointwise ops with derivatives (cpp/src/ops/pointwise.cpp) ----
/// Elementwise maximum; NaN propagates (torch.maximum); ties split the gradient in half.
Tensor maximum(const Tensor& a, const Tensor& b);
/// Elementwise minimum; NaN propagates (torch.minimum).
Tensor minimum(const Tensor& a, const Tensor& b);
/// Elementwise maximum ignoring NaN when the other value is a number (torch.fmax).
Tensor fmax(const Tensor& a, const Tensor& b);
/// Elementwise minimum ignoring NaN when the other value is a number (torch.fmin).
Tensor fmin(const Tensor& a, const Tensor& b);
/// atan(a / b) with the quadrant of (b, a) (torch.atan2).
Tensor atan2(const Tensor& a, const Tensor& b);
/// sqrt(a^2 + b^2) elementwise (torch.hypot).
Tensor hypot(const Tensor& a, const Tensor& b);
/// xlogy(x, y) = x * log(y), 0 where x == 0 (unless y is NaN); computed in a floating dtype.
Tensor xlogy(const Tensor& x, const Tensor& y);
/// x * log(y), 0 where x == 0 (torch.xlogy), with a number as the first operand.
Tensor xlogy(Scalar x, const Tensor& y);
/// x * log(y), 0 where x == 0 (torch.xlogy).
Tensor xlogy(const Tensor& x, Scalar y);
/// input + weight * (end - input) (torch.lerp); input + weight * (end - input).
Tensor lerp(const Tensor& input, const Tensor& end, Scalar weight);
/// input + weight * (end - input) (torch.lerp).
Tensor lerp(const Tensor& input, const Tensor& end, const Tensor& weight);
/// input + value * tensor1 * tensor2 (torch.addcmul).
Tensor addcmul(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2, Scalar value = 1);
/// input + value * tensor1 / tensor2 (torch.addcdiv).
Tensor addcdiv(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2, Scalar value = 1);
/// where(condition, a, b): a where condition holds, else b; condition is a bool tensor; all three broadcast.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
/// Elementwise: a where condition holds, else b (torch.where).
Tensor where(const Tensor& condition, const Tensor& a, Scalar b);
/// Elementwise: a where condition holds, else b (torch.where).
Tensor where(const Tensor& condition, Scalar a, const Tensor& b);
/// Elementwise: a where condition holds, else b (torch.where).
Tensor where(const Tensor& condition, Scalar a, Scalar b);
/// In place: self = atan2(self, other); returns self.
Tensor& atan2_(Tensor& self, const Tensor& other);
/// In place: self = hypot(self, other); returns self.
Tensor& hypot_(Tensor& self, const Tensor& other);
/// In place: self = xlogy(self, other); returns self.
Tensor& xlogy_(Tensor& self, const Tensor& other);
/// In place: self = xlogy(self, other); returns self.
Tensor& xlogy_(Tensor& self, Scalar other);
/// In place: self += weight * (end - self); returns self.
Tensor& lerp_(Tensor& self, const Tensor& end, Scalar weight);
/// In place: self += weight * (end - self); returns self.
Tensor& lerp_(Tensor& self, const Tensor& end, const Tensor& weight);
/// In place: self += value * tensor1 * tensor2; returns self.
Tensor& addcmul_(Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value = 1);
/// In place: self += value * tensor1 / tensor2; returns self.
Tensor& addcdiv_(Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value = 1);

// ---- comparisons, logical and bitwise ops, predicates: no derivatives (cpp/src/ops/compare.cpp) ----
/// Which comparison compare() makes: ==, !=, <, <=, >, >=.
enum class CompareOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };
/// Elementwise comparison a op b as a bool tensor (torch.eq, ne, lt, le, gt, ge).
Tensor compare(const Tensor& a, const Tensor& b, CompareOp op);
/// Elementwise comparison a op b as a bool tensor (torch.eq, ne, lt, le, gt, ge).
Tensor compare(const Tensor& a, Scalar b, CompareOp op);
/// In place: self = (self op other) as 1/0 in self's dtype; returns self; self.lt_(other): 1/0 in self's dtype.
Tensor& compare_(Tensor& self, const Tensor& other, CompareOp op);
/// In place: self = (self op other) as 1/0 in self's dtype; returns self.
Tensor& compare_(Tensor& self, Scalar other, CompareOp op);
/// |a - b| <= atol + rtol * |b| elementwise (a and b of the same dtype); equal infinities are close.
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
/// True when isclose(a, b, rtol, atol, equal_nan) holds everywhere (torch.allclose).
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
/// True when a and b have the same shape and values (torch.equal); same shape and same values.
bool equal(const Tensor& a, const Tensor& b);
/// Which logical or bitwise operation: and, or, xor.
enum class LogicalOp : uint8_t { And, Or, Xor };
/// logical_and / logical_or / logical_xor of a and b: a bool tensor; logical_and/or/xor: a bool tensor.
Tensor logical(const Tensor& a, const Tensor& b, LogicalOp op);
/// Elementwise logical not: a bool tensor (torch.logical_not).
Tensor logical_not(const Tensor& t);
/// In place: self = logical op(self, other); returns self.
Tensor& logical_(Tensor& self, const Tensor& other, LogicalOp op);
/// In place: self = logical_not(self); returns self.
Tensor& logical_not_(Tensor& self);
/// Bitwise &, | or ^ on bool and integer tensors (torch.bitwise_and / or / xor); &, |, ^ on bool and integer tensors.
Tensor bitwise(const Tensor& a, const Tensor& b, LogicalOp op);
/// Bitwise &, | or ^ on bool and integer tensors (torch.bitwise_and / or / xor).
Tensor bitwise(const Tensor& a, Scalar b, LogicalOp op);
/// Bitwise not of integer tensors, logical not of bool ones (torch.bitwise_not, Python's ~).
Tensor bitwise_not(const Tensor& t);
/// In place: self = bitwise op(self, other); returns self.
Tensor& bitwise_(Tensor& self, const Tensor& other, LogicalOp op);
/// In place: self = bitwise op(self, other); returns self.
Tensor& bitwise_(Tensor& self, Scalar other, LogicalOp op);
/// In place: self = bitwise_not(self); returns self.
Tensor& bitwise_not_(Tensor& self);
/// True where the element is NaN.
Tensor isnan(const Tensor& t);
/// True where the element is +inf or -inf.
Tensor isinf(const Tensor& t);
/// True where the element is neither infinite nor NaN.
Tensor isfinite(const Tensor& t);
/// True where the element is +inf.
Tensor isposinf(const Tensor& t);
/// True where the element is -inf.
Tensor isneginf(const Tensor& t);

// ---- elementwise unary (cpp/src/ops/unary.cpp: dtype-preserving; unary_float.cpp: float functions) ----
// Float functions of integer or bool tensors return the default float dtype, as in PyTorch.
/// -t elementwise.
Tensor neg(const Tensor& t);
/// |t| elementwise.
Tensor abs(const Tensor& t);
/// -1, 0 or 1 by the sign of each element.
Tensor sign(const Tensor& t);
/// t * t elementwise; pow(t, 2).
Tensor square(const Tensor& t);
/// max(t, 0) elementwise.
Tensor relu(const Tensor& t);
/// Rounds down to an integer value.
Tensor floor(const Tensor& t);
/// Rounds up to an integer value.
Tensor ceil(const Tensor& t);
/// Rounds half to even (to `decimals` decimal places when given); half to even.
Tensor round(const Tensor& t);
/// Rounds half to even (to `decimals` decimal places when given).
Tensor round(const Tensor& t, int64_t decimals);
/// Rounds toward zero.
Tensor trunc(const Tensor& t);
/// t - trunc(t).
Tensor frac(const Tensor& t);
/// clamp with Python numbers (at least one given) or with tensors (either may be undefined, not both).
Tensor clamp(const Tensor& t, std::optional<Scalar> min, std::optional<Scalar> max);
/// Each element limited to [min, max] (either bound may be absent) (torch.clamp).
Tensor clamp(const Tensor& t, const Tensor& min, const Tensor& max);
/// max(t, min) elementwise.
Tensor clamp_min(const Tensor& t, Scalar min);
/// max(t, min) elementwise.
Tensor clamp_min(const Tensor& t, const Tensor& min);
/// min(t, max) elementwise.
Tensor clamp_max(const Tensor& t, Scalar max);
/// min(t, max) elementwise.
Tensor clamp_max(const Tensor& t, const Tensor& max);
/// NaN -> nan, +inf -> posinf (default: the dtype's largest value), -inf -> neginf (default: its lowest).
Tensor nan_to_num(const Tensor& t, std::optional<double> nan = std::nullopt,
                  std::optional<double> posinf = std::nullopt, std::optional<double> neginf = std::nullopt);

/// e^t elementwise.
Tensor exp(const Tensor& t);
/// 2^t elementwise.
Tensor exp2(const Tensor& t);
/// e^t - 1 elementwise, accurate near 0.
Tensor expm1(const Tensor& t);
/// Natural logarithm elementwise.
Tensor log(const Tensor& t);
/// log(1 + t) elementwise, accurate near 0.
Tensor log1p(const Tensor& t);
/// Base-2 logarithm elementwise.
Tensor log2(const Tensor& t);
/// Base-10 logarithm elementwise.
Tensor log10(const Tensor& t);
/// Square root elementwise.
Tensor sqrt(const Tensor& t);
/// 1 / sqrt(t) elementwise.
Tensor rsqrt(const Tensor& t);
/// 1 / t elementwise.
Tensor reciprocal(const Tensor& t);
/// Sine elementwise.
Tensor sin(const Tensor& t);
/// Cosine elementwise.
Tensor cos(const Tensor& t);
/// Tangent elementwise.
Tensor tan(const Tensor& t);
/// Arcsine elementwise.
Tensor asin(const Tensor& t);
/// Arccosine elementwise.
Tensor acos(const Tensor& t);
/// Arctangent elementwise.
Tensor atan(const Tensor& t);
/// Hyperbolic sine elementwise.
Tensor sinh(const Tensor& t);
/// Hyperbolic cosine elementwise.
Tensor cosh(const Tensor& t);
/// Hyperbolic tangent elementwise.
Tensor tanh(const Tensor& t);
/// Inverse hyperbolic sine elementwise.
Tensor asinh(const Tensor& t);
/// Inverse hyperbolic cosine elementwise.
Tensor acosh(const Tensor& t);
/// Inverse hyperbolic tangent elementwise.
Tensor atanh(const Tensor& t);
/// 1 / (1 + e^-t) elementwise.
Tensor sigmoid(const Tensor& t);
/// log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given; log(p / (1 - p)), p clamped to [eps, 1-eps].
Tensor logit(const Tensor& t, std::optional<double> eps = std::nullopt);
/// The error function elementwise.
Tensor erf(const Tensor& t);
/// 1 - erf(t) elementwise.
Tensor erfc(const Tensor& t);
// The gamma family and torch.special (derivatives where PyTorch has them; computed in double).
/// log|Gamma(t)| elementwise (+inf at the poles).
Tensor lgamma(const Tensor& t);
/// The digamma function Gamma'(t) / Gamma(t) elementwise.
Tensor digamma(const Tensor& t);
/// The n-th derivative of digamma elementwise (n >= 0).
Tensor polygamma(int64_t n, const Tensor& t);
/// The log of the multivariate gamma function of dimension p (p >= 1) elementwise.
Tensor mvlgamma(const Tensor& t, int64_t p);
/// The inverse of erf on [-1, 1] elementwise.
Tensor erfinv(const Tensor& t);
/// The modified Bessel function of the first kind of order 0 elementwise.
Tensor i0(const Tensor& t);
/// exp(-|t|) i0(t) elementwise (torch.special.i0e).
Tensor special_i0e(const Tensor& t);
/// The modified Bessel function of the first kind of order 1 elementwise (torch.special.i1).
Tensor special_i1(const Tensor& t);
/// exp(-|t|) i1(t) elementwise (torch.special.i1e).
Tensor special_i1e(const Tensor& t);
/// The standard normal quantile elementwise (torch.special.ndtri).
Tensor special_ndtri(const Tensor& t);
/// The log of the standard normal CDF elementwise (torch.special.log_ndtr).
Tensor special_log_ndtr(const Tensor& t);
/// exp(t^2) erfc(t) elementwise (torch.special.erfcx).
Tensor special_erfcx(const Tensor& t);
/// -t ln t elementwise: 0 at 0, -inf below (torch.special.entr).
Tensor special_entr(const Tensor& t);
/// sin(pi t) / (pi t) elementwise, 1 at 0.
Tensor sinc(const Tensor& t);
/// x log1p(y), 0 where x == 0 (torch.special.xlog1py), with broadcasting.
Tensor special_xlog1py(const Tensor& x, const Tensor& y);
/// special_xlog1py with a number for x.
Tensor special_xlog1py(Scalar x, const Tensor& y);
/// special_xlog1py with a number for y.
Tensor special_xlog1py(const Tensor& x, Scalar y);
/// The Hurwitz zeta function sum_k (q + k)^-x (torch.special.zeta), with broadcasting.
Tensor special_zeta(const Tensor& x, const Tensor& q);
/// special_zeta with a number for x.
Tensor special_zeta(Scalar x, const Tensor& q);
/// special_zeta with a number for q.
Tensor special_zeta(const Tensor& x, Scalar q);

/// In-place unary variants (PyTorch's `_` methods).
Tensor& neg_(Tensor& t);
/// In place: self = abs(self, ...); returns self.
Tensor& abs_(Tensor& t);
/// In place: self = sign(self, ...); returns self.
Tensor& sign_(Tensor& t);
/// In place: self = square(self, ...); returns self.
Tensor& square_(Tensor& t);
/// In place: self = relu(self, ...); returns self.
Tensor& relu_(Tensor& t);
/// In place: self = floor(self, ...); returns self.
Tensor& floor_(Tensor& t);
/// In place: self = ceil(self, ...); returns self.
Tensor& ceil_(Tensor& t);
/// In place: self = round(self, ...); returns self.
Tensor& round_(Tensor& t);
/// In place: self = round(self, ...); returns self.
Tensor& round_(Tensor& t, int64_t decimals);
/// In place: self = trunc(self, ...); returns self.
Tensor& trunc_(Tensor& t);
/// In place: self = frac(self, ...); returns self.
Tensor& frac_(Tensor& t);
/// In place: self = clamp(self, ...); returns self.
Tensor& clamp_(Tensor& t, std::optional<Scalar> min, std::optional<Scalar> max);
/// In place: self = clamp(self, ...); returns self.
Tensor& clamp_(Tensor& t, const Tensor& min, const Tensor& max);
/// In place: self = clamp_min(self, ...); returns self.
Tensor& clamp_min_(Tensor& t, Scalar min);
/// In place: self = clamp_min(self, ...); returns self.
Tensor& clamp_min_(Tensor& t, const Tensor& min);
/// In place: self = clamp_max(self, ...); returns self.
Tensor& clamp_max_(Tensor& t, Scalar max);
/// In place: self = clamp_max(self, ...); returns self.
Tensor& clamp_max_(Tensor& t, const Tensor& max);
/// In place: self = nan_to_num(self, ...); returns self.
Tensor& nan_to_num_(Tensor& t, std::optional<double> nan = std::nullopt, std::optional<double> posinf = std::nullopt,
                    std::optional<double> neginf = std::nullopt);
/// In place: self = exp(self, ...); returns self.
Tensor& exp_(Tensor& t);
/// In place: self = exp2(self, ...); returns self.
Tensor& exp2_(Tensor& t);
/// In place: self = expm1(self, ...); returns self.
Tensor& expm1_(Tensor& t);
/// In place: self = log(self, ...); returns self.
Tensor& log_(Tensor& t);
/// In place: self = log1p(self, ...); returns self.
Tensor& log1p_(Tensor& t);
/// In place: self = log2(self, ...); returns self.
Tensor& log2_(Tensor& t);
/// In place: self = log10(self, ...); returns self.
Tensor& log10_(Tensor& t);
/// In place: self = sqrt(self, ...); returns self.
Tensor& sqrt_(Tensor& t);
/// In place: self = rsqrt(self, ...); returns self.
Tensor& rsqrt_(Tensor& t);
/// In place: self = reciprocal(self, ...); returns self.
Tensor& reciprocal_(Tensor& t);
/// In place: self = sin(self, ...); returns self.
Tensor& sin_(Tensor& t);
/// In place: self = cos(self, ...); returns self.
Tensor& cos_(Tensor& t);
/// In place: self = tan(self, ...); returns self.
Tensor& tan_(Tensor& t);
/// In place: self = asin(self, ...); returns self.
Tensor& asin_(Tensor& t);
/// In place: self = acos(self, ...); returns self.
Tensor& acos_(Tensor& t);
/// In place: self = atan(self, ...); returns self.
Tensor& atan_(Tensor& t);
/// In place: self = sinh(self, ...); returns self.
Tensor& sinh_(Tensor& t);
/// In place: self = cosh(self, ...); returns self.
Tensor& cosh_(Tensor& t);
/// In place: self = tanh(self, ...); returns self.
Tensor& tanh_(Tensor& t);
/// In place: self = asinh(self, ...); returns self.
Tensor& asinh_(Tensor& t);
/// In place: self = acosh(self, ...); returns self.
Tensor& acosh_(Tensor& t);
/// In place: self = atanh(self, ...); returns self.
Tensor& atanh_(Tensor& t);
/// In place: self = sigmoid(self, ...); returns self.
Tensor& sigmoid_(Tensor& t);
/// In place: self = logit(self, ...); returns self.
Tensor& logit_(Tensor& t, std::optional<double> eps = std::nullopt);
/// In place: self = erf(self, ...); returns self.
Tensor& erf_(Tensor& t);
/// In place: self = erfc(self, ...); returns self.
Tensor& erfc_(Tensor& t);
/// In place: t = lgamma(t); returns t.
Tensor& lgamma_(Tensor& t);
/// In place: t = digamma(t); returns t.
Tensor& digamma_(Tensor& t);
/// In place: t = polygamma(n, t); returns t.
Tensor& polygamma_(Tensor& t, int64_t n);
/// In place: t = mvlgamma(t, p); returns t.
Tensor& mvlgamma_(Tensor& t, int64_t p);
/// In place: t = erfinv(t); returns t.
Tensor& erfinv_(Tensor& t);
/// In place: t = i0(t); returns t.
Tensor& i0_(Tensor& t);
/// In place: t = sinc(t); returns t.
Tensor& sinc_(Tensor& t);

// ---- reductions (cpp/src/ops/reduce.cpp, minmax.cpp, scan.cpp) ----
// `dims` lists the reduced dimensions; empty means all of them.
/// The sum of all elements, or over dims (torch.sum); `dtype` casts first.
Tensor sum(const Tensor& t, std::optional<ScalarType> dtype = std::nullopt);
/// The sum of all elements, or over dims (torch.sum); `dtype` casts first.
Tensor sum(const Tensor& t, const Dims& dims, bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
/// The mean of all elements, or over dims (torch.mean).
Tensor mean(const Tensor& t, std::optional<ScalarType> dtype = std::nullopt);
/// The mean of all elements, or over dims (torch.mean).
Tensor mean(const Tensor& t, const Dims& dims, bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
/// The product of all elements, or along dim (torch.prod).
Tensor prod(const Tensor& t, std::optional<ScalarType> dtype = std::nullopt);
/// The product of all elements, or along dim (torch.prod).
Tensor prod(const Tensor& t, int64_t dim, bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
/// var/std divide by max(0, N - correction); correction 1 is Bessel's (PyTorch's `unbiased=True`).
Tensor var(const Tensor& t, const Dims& dims = {}, double correction = 1, bool keepdim = false);
/// The standard deviation over dims, dividing by N - correction (torch.std).
Tensor std(const Tensor& t, const Dims& dims = {}, double correction = 1, bool keepdim = false);
/// (var, mean) over dims in one pass (torch.var_mean).
std::tuple<Tensor, Tensor> var_mean(const Tensor& t, const Dims& dims = {}, double correction = 1,
                                    bool keepdim = false);
/// (std, mean) over dims in one pass (torch.std_mean).
std::tuple<Tensor, Tensor> std_mean(const Tensor& t, const Dims& dims = {}, double correction = 1,
                                    bool keepdim = false);
/// Vector p-norm (any p, including 0 and +-infinity) over all elements (dims empty) or over dims.
Tensor norm(const Tensor& t, double p = 2, const Dims& dims = {}, bool keepdim = false,
            std::optional<ScalarType> dtype = std::nullopt);
/// log(sum(exp(t))) over dims, computed stably (torch.logsumexp).
Tensor logsumexp(const Tensor& t, const Dims& dims, bool keepdim = false);
/// True when every element (over dims) is nonzero: a bool tensor (torch.all).
Tensor all(const Tensor& t);
/// True when every element (over dims) is nonzero: a bool tensor (torch.all).
Tensor all(const Tensor& t, const Dims& dims, bool keepdim = false);
/// True when any element (over dims) is nonzero: a bool tensor (torch.any).
Tensor any(const Tensor& t);
/// True when any element (over dims) is nonzero: a bool tensor (torch.any).
Tensor any(const Tensor& t, const Dims& dims, bool keepdim = false);
/// The number of nonzero elements over dims (torch.count_nonzero).
Tensor count_nonzero(const Tensor& t, const Dims& dims = {});
/// Sums a broadcast gradient back to `shape` (the inverse of broadcasting).
Tensor sum_to(const Tensor& t, const Dims& shape);

/// max/min of all elements, or along `dim` as (values, indices); amax/amin over dims; argmax/argmin of the
/// flattened tensor (dim empty) or along dim. NaN propagates; ties give the first index.
Tensor max(const Tensor& t);
/// The smallest element, or (values, indices) along dim (torch.min).
Tensor min(const Tensor& t);
/// The largest element, or (values, indices) along dim (torch.max).
std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim = false);
/// The smallest element, or (values, indices) along dim (torch.min).
std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim = false);
/// The largest elements over dims (torch.amax).
Tensor amax(const Tensor& t, const Dims& dims = {}, bool keepdim = false);
/// The smallest elements over dims (torch.amin).
Tensor amin(const Tensor& t, const Dims& dims = {}, bool keepdim = false);
/// The index of the largest element, of the flattened tensor or along dim (torch.argmax).
Tensor argmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
/// The index of the smallest element, of the flattened tensor or along dim (torch.argmin).
Tensor argmin(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);

/// Running sums along dim (torch.cumsum).
Tensor cumsum(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
/// Running products along dim (torch.cumprod).
Tensor cumprod(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
/// In place: self = cumsum(self, dim); returns self.
Tensor& cumsum_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
/// In place: self = cumprod(self, dim); returns self.
Tensor& cumprod_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);

// ---- ordering (cpp/src/ops/sorting.cpp): see Note [Sort order] there ----
// (values, int64 indices) along dim; every sort is stable. `stable` given (any value) is PyTorch's sort.stable
// overload, whose Node is SortBackward1.
/// (values, indices) sorted along dim (torch.sort; stable).
std::tuple<Tensor, Tensor> sort(const Tensor& t, int64_t dim = -1, bool descending = false,
                                std::optional<bool> stable = std::nullopt);
/// The indices that sort t along dim (torch.argsort).
Tensor argsort(const Tensor& t, int64_t dim = -1, bool descending = false, bool stable = false);
/// sort(t, 0)'s values (torch.msort); sort(t, 0) values.
Tensor msort(const Tensor& t);
/// The k largest (smallest) elements along dim and their indices, always in order.
std::tuple<Tensor, Tensor> topk(const Tensor& t, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);
/// The k-th smallest element (1-based) along dim and its index.
std::tuple<Tensor, Tensor> kthvalue(const Tensor& t, int64_t k, int64_t dim = -1, bool keepdim = false);
/// (distinct values, inverse, counts), as PyTorch's _unique2 / unique_dim / unique_consecutive: inverse and
/// counts are empty int64 tensors unless asked for. Not differentiable (the values' Node raises).
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& t, bool sorted = true, bool return_inverse = false,
                                          bool return_counts = false, std::optional<int64_t> dim = std::nullopt);
/// (values without consecutive repeats, inverse, counts) (torch.unique_consecutive).
std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& t, bool return_inverse = false,
                                                      bool return_counts = false,
                                                      std::optional<int64_t> dim = std::nullopt);

// ---- counting (cpp/src/ops/histogram.cpp): see Note [Histogram bins] there; none is differentiable ----
// Occurrences of each value of a 1-D non-negative integer tensor (int64), or the sums of `weights` (float32 for
// float32 weights, float64 otherwise; undefined: no weights), with at least minlength entries.
/// Occurrences (or summed weights) of each value of a 1-D non-negative integer tensor (torch.bincount).
Tensor bincount(const Tensor& self, const Tensor& weights = Tensor(), int64_t minlength = 0);
/// Counts in `bins` equal bins over [min, max] (min == max: the data's range), in the input's float dtype.
Tensor histc(const Tensor& self, int64_t bins = 100, double min = 0, double max = 0);
/// (hist, bin_edges) over `bins` equal bins of `range` (default: the data's range), or over the given edges.
/// weight: undefined for none; density divides by the total and the bin widths.
std::tuple<Tensor, Tensor> histogram(const Tensor& self, int64_t bins,
                                     std::optional<std::pair<double, double>> range = std::nullopt,
                                     const Tensor& weight = Tensor(), bool density = false);
/// (hist, bin_edges) of the values (torch.histogram).
std::tuple<Tensor, Tensor> histogram(const Tensor& self, const Tensor& bins, const Tensor& weight = Tensor(),
                                     bool density = false);

// ---- shape and views (cpp/src/ops/shape.cpp) ----
// Views share the input's storage; each records its own backward Node.
/// A view with another shape; one size may be -1 (Tensor.view); may contain one -1.
Tensor view(const Tensor& t, const Dims& shape);
/// The same bytes seen as another dtype (Tensor.view(dtype)); the same bytes as another dtype (not differentiable).
Tensor view_dtype(const Tensor& t, ScalarType dtype);
/// A view with another shape when possible, else a copy (torch.reshape); view when possible, else a copy (UnsafeViewBackward0).
Tensor reshape(const Tensor& t, const Dims& shape);
/// Dims start_dim..end_dim merged into one (torch.flatten).
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
/// Dim `dim` split into `sizes` (torch.unflatten).
Tensor unflatten(const Tensor& t, int64_t dim, const Dims& sizes);
/// torch.as_strided: a view of t's storage with these sizes and strides from storage_offset (t's by default).
Tensor as_strided(const Tensor& t, const Dims& size, const Dims& stride, std::optional<int64_t> storage_offset = {});
/// A broadcast view to `shape`; -1 keeps a size (Tensor.expand).
Tensor expand(const Tensor& t, const Dims& shape);
/// A broadcast view to `shape` (torch.broadcast_to).
Tensor broadcast_to(const Tensor& t, const Dims& shape);
/// The tensors broadcast to their common shape (views) (torch.broadcast_tensors).
tensor_list broadcast_tensors(const tensor_list& tensors);
/// Coordinate grids of 0-d and 1-d tensors: each output is a view of its input, expanded (indexing "ij" or "xy").
tensor_list meshgrid(const tensor_list& tensors, const std::string& indexing = "ij");
/// Dims dim0 and dim1 swapped (a view) (torch.transpose).
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1);
/// The transpose of a 0-, 1- or 2-d tensor (a view) (torch.t); TBackward0; 0-d, 1-d and 2-d only.
Tensor t(const Tensor& t);
/// The dims reordered (a view) (torch.permute).
Tensor permute(const Tensor& t, const Dims& dims);
/// Dims moved from source to destination positions (a view) (torch.movedim); a permute.
Tensor movedim(const Tensor& t, const Dims& source, const Dims& destination);
/// Tensor.T: all dims reversed (a view); Tensor.T: all dims reversed.
Tensor numpy_T(const Tensor& t);
/// Tensor.mT: the last two dims swapped (a view); Tensor.mT: the last two dims swapped.
Tensor mT(const Tensor& t);
/// A new dim of size 1 at dim (a view) (torch.unsqueeze).
Tensor unsqueeze(const Tensor& t, int64_t dim);
/// Dims of size 1 removed (all, or the given ones) (a view) (torch.squeeze).
Tensor squeeze(const Tensor& t);
/// Dims of size 1 removed (all, or the given ones) (a view) (torch.squeeze).
Tensor squeeze(const Tensor& t, int64_t dim);
/// Dims of size 1 removed (all, or the given ones) (a view) (torch.squeeze).
Tensor squeeze(const Tensor& t, const Dims& dims);
/// In place, changing only sizes and strides (the version is bumped, history rebased, as in PyTorch).
Tensor& t_(Tensor& t);
/// In place: dims dim0 and dim1 swapped (metadata only); returns t.
Tensor& transpose_(Tensor& t, int64_t dim0, int64_t dim1);
/// In place: a new dim of size 1 at dim (metadata only); returns t.
Tensor& unsqueeze_(Tensor& t, int64_t dim);
/// In place: dims of size 1 removed (metadata only); returns t.
Tensor& squeeze_(Tensor& t);
/// In place: dims of size 1 removed (metadata only); returns t.
Tensor& squeeze_(Tensor& t, int64_t dim);
/// In place: dims of size 1 removed (metadata only); returns t.
Tensor& squeeze_(Tensor& t, const Dims& dims);
/// The slice at `index` along dim, without that dim (a view) (torch.select).
Tensor select(const Tensor& t, int64_t dim, int64_t index);
/// Elements start, start + step, ... before end along dim (a view), Python's t[start:end:step].
Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1);
/// `length` elements from start along dim (a view) (torch.narrow).
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
/// The diagonal of dims dim1 and dim2 as the last dim (a view) (torch.diagonal).
Tensor diagonal(const Tensor& t, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
/// The windows of `size` elements every `step` along dimension as a new last dimension (a view; UnfoldBackward0).
Tensor unfold(const Tensor& t, int64_t dimension, int64_t size, int64_t step);
/// Zeros of input_sizes with `grad` on the diagonal (the derivative of diagonal).
Tensor diagonal_backward(const Tensor& grad, const Dims& input_sizes, int64_t offset, int64_t dim1, int64_t dim2);

// ---- joining and splitting (cpp/src/ops/join.cpp) ----
/// The tensors joined along dim (torch.cat).
Tensor cat(const tensor_list& tensors, int64_t dim = 0);
/// The tensors stacked along a new dim (torch.stack).
Tensor stack(const tensor_list& tensors, int64_t dim = 0);
/// The tensors joined column-wise (torch.hstack).
Tensor hstack(const tensor_list& tensors);
/// The tensors joined row-wise (torch.vstack).
Tensor vstack(const tensor_list& tensors);
/// The tensors joined depth-wise (torch.dstack).
Tensor dstack(const tensor_list& tensors);
/// 0-d and 1-d inputs as columns, joined along dim 1 (torch.column_stack); 0-d and 1-d inputs as columns, then cat along dim 1.
Tensor column_stack(const tensor_list& tensors);
/// At least 1, 2 or 3 dims: [] -> [1], [1, 1], [1, 1, 1]; [k] -> [1, k], [1, k, 1]; [m, k] -> [m, k, 1].
Tensor atleast_1d(const Tensor& t);
/// t with at least two dims.
Tensor atleast_2d(const Tensor& t);
/// t with at least three dims.
Tensor atleast_3d(const Tensor& t);
/// The slices along dim, each without it (views) (torch.unbind).
tensor_list unbind(const Tensor& t, int64_t dim = 0);
/// Pieces of split_size along dim (views) (torch.split).
tensor_list split(const Tensor& t, int64_t split_size, int64_t dim = 0);
/// Pieces of the given sizes along dim (views) (torch.split).
tensor_list split_with_sizes(const Tensor& t, const Dims& split_sizes, int64_t dim = 0);
/// `chunks` nearly equal pieces along dim (views) (torch.chunk).
tensor_list chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);
/// `sections` nearly equal pieces along dim (views) (torch.tensor_split).
tensor_list tensor_split(const Tensor& t, int64_t sections, int64_t dim = 0);
/// Pieces cut at the given indices along dim (views) (torch.tensor_split).
tensor_list tensor_split_indices(const Tensor& t, const Dims& indices, int64_t dim = 0);

// ---- copies into a new arrangement (cpp/src/ops/rearrange.cpp) ----
/// t tiled `repeats` times along each dim (Tensor.repeat).
Tensor repeat(const Tensor& t, const Dims& repeats);
/// t tiled along each dim (torch.tile).
Tensor tile(const Tensor& t, const Dims& dims);
/// The order of the elements reversed along dims (torch.flip).
Tensor flip(const Tensor& t, const Dims& dims);
/// Elements shifted cyclically along dims (torch.roll).
Tensor roll(const Tensor& t, const Dims& shifts, const Dims& dims = {});
/// The lower triangle (below diagonal + 1 set to 0) (torch.tril).
Tensor tril(const Tensor& t, int64_t diagonal = 0);
/// The upper triangle (above diagonal - 1 set to 0) (torch.triu).
Tensor triu(const Tensor& t, int64_t diagonal = 0);
/// In place: self = tril(self, diagonal); returns self.
Tensor& tril_(Tensor& self, int64_t diagonal = 0);
/// In place: self = triu(self, diagonal); returns self.
Tensor& triu_(Tensor& self, int64_t diagonal = 0);
/// 1-D -> a diagonal matrix; 2-D -> a copy of a diagonal (torch.diag); 1-D -> 2-D matrix, 2-D -> 1-D copy of a diagonal.
Tensor diag(const Tensor& t, int64_t diagonal = 0);
/// Each element (dim empty: of the flattened tensor) or slice along dim repeated `repeats` times in place, as
/// PyTorch composes it (int repeats: unsqueeze, expand, clone, view; tensor repeats: index_select), so the
/// gradients and grad_fn are those of the parts. output_size, when given, must be the result's size along dim.
Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim = std::nullopt,
                         std::optional<int64_t> output_size = std::nullopt);
/// Each element (or slice) repeated (torch.repeat_interleave).
Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim = std::nullopt,
                         std::optional<int64_t> output_size = std::nullopt);
/// repeat_interleave(repeats): i repeated repeats[i] times, for a 1-D integer tensor of counts.
Tensor repeat_interleave(const Tensor& repeats, std::optional<int64_t> output_size = std::nullopt);

// ---- indexing (cpp/src/ops/index.cpp, subscript.cpp, scatter.cpp) ----
/// Entries of a C++ subscript, as libtorch's torch::indexing: `t.index({0, Slice(1, None), None, Ellipsis})`
/// is Python's `t[0, 1:, None, ...]`.
namespace indexing {
/// Python's `None` in a subscript (a new axis of size 1).
struct NoneIndex {};
/// Python's `...` in a subscript (all remaining dimensions).
struct EllipsisIndex {};
/// `None` as a subscript entry, or as an absent start/stop of a Slice.
inline constexpr NoneIndex None{};
/// `...` as a subscript entry.
inline constexpr EllipsisIndex Ellipsis{};
/// Python's `start:stop:step`; an absent start/stop (std::nullopt or None) means the whole range.
struct Slice {
  /// The first index (absent: the start).
  std::optional<int64_t> start, stop;
  /// The step (PyTorch refuses steps below 1).
  int64_t step = 1;
  /// `:` (everything).
  Slice() = default;
  /// `start:stop:step`; pass None for an absent bound.
  Slice(std::optional<int64_t> start_, std::optional<int64_t> stop_ = std::nullopt, int64_t step_ = 1)
      : start(start_), stop(stop_), step(step_) {}
  /// `:stop` etc. with None as a bound.
  Slice(NoneIndex, std::optional<int64_t> stop_ = std::nullopt, int64_t step_ = 1) : stop(stop_), step(step_) {}
  /// `start:` etc. with None as the stop.
  Slice(std::optional<int64_t> start_, NoneIndex, int64_t step_ = 1) : start(start_), step(step_) {}
  /// `::step` with None as both bounds.
  Slice(NoneIndex, NoneIndex, int64_t step_ = 1) : step(step_) {}
};
}  // namespace indexing

/// One entry of a subscript `t[a, b:c, None, ..., mask, idx]`. Converts implicitly from an integer, a
/// Tensor (indices or a bool mask), indexing::Slice, indexing::None and indexing::Ellipsis; a bool entry
/// (Python's `t[True]`) comes from from_bool.
struct TensorIndex {
  /// Which kind of entry this is.
  enum class Kind : uint8_t { Integer, Slice, None, Ellipsis, Boolean, Tensor };
  /// Which kind of entry this is.
  Kind kind = Kind::Integer;
  /// The index of an Integer entry.
  int64_t integer = 0;
  /// The bounds of a Slice entry (absent: the whole range).
  std::optional<int64_t> start, stop;
  /// The step of a Slice entry.
  int64_t step = 1;
  /// The value of a Boolean entry.
  bool boolean = false;
  Tensor tensor;  ///< integer indices or a bool mask

  /// The integer 0.
  TensorIndex() = default;
  /// An integer entry (selects one position and removes the dimension).
  TensorIndex(int64_t i) : integer(i) {}                          // NOLINT
  /// An integer entry.
  TensorIndex(int i) : integer(i) {}                              // NOLINT
  /// A tensor entry: integer indices or a bool mask.
  TensorIndex(Tensor t) : kind(Kind::Tensor), tensor(std::move(t)) {}  // NOLINT
  /// A slice entry.
  TensorIndex(indexing::Slice s) : kind(Kind::Slice), start(s.start), stop(s.stop), step(s.step) {}  // NOLINT
  /// `None`: a new axis.
  TensorIndex(indexing::NoneIndex) : kind(Kind::None) {}          // NOLINT
  /// `...`: the remaining dimensions.
  TensorIndex(indexing::EllipsisIndex) : kind(Kind::Ellipsis) {}  // NOLINT

  /// An integer entry.
  static TensorIndex from_integer(int64_t i) { return make(Kind::Integer, i); }
  /// A slice entry `start:stop:step`.
  static TensorIndex from_slice(std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step = 1) {
    TensorIndex r = make(Kind::Slice);
    r.start = start;
    r.stop = stop;
    r.step = step;
    return r;
  }
  /// `None`: a new axis.
  static TensorIndex new_axis() { return make(Kind::None); }
  /// `...`: the remaining dimensions.
  static TensorIndex ellipsis() { return make(Kind::Ellipsis); }
  /// Python's `t[True]` / `t[False]`.
  static TensorIndex from_bool(bool b) {
    TensorIndex r = make(Kind::Boolean);
    r.boolean = b;
    return r;
  }
  /// A tensor entry: integer indices or a bool mask.
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
/// t[indices]: a view for basic subscripts (select/slice/unsqueeze), a copy with tensor subscripts (IndexBackward0).
Tensor index(const Tensor& t, const std::vector<TensorIndex>& indices);
/// t[indices] = value (value broadcasts to the selected shape); see Note [setitem under autograd] in subscript.cpp.
void index_put_(Tensor& t, const std::vector<TensorIndex>& indices, const Tensor& value);
/// Advanced indexing proper: indices[d] indexes dimension d (undefined: all of it; a k-dim bool mask indexes k
/// dimensions). See Note [Advanced indexing] in index_plan.h.
Tensor index(const Tensor& self, const tensor_list& indices);
/// A copy of self with self[indices] = values (torch.index_put).
Tensor index_put(const Tensor& self, const tensor_list& indices, const Tensor& values, bool accumulate = false);
/// In place: t[indices] = values (accumulating when asked); returns t.
Tensor& index_put_(Tensor& self, const tensor_list& indices, const Tensor& values, bool accumulate = false);
/// The coordinates of nonzero elements, (count, dim) int64 (torch.nonzero); (count, dim) int64 coordinates.
Tensor nonzero(const Tensor& self);
/// nonzero(as_tuple=True): one int64 tensor per dim; nonzero(as_tuple=True).
tensor_list nonzero_numpy(const Tensor& self);
/// The slices of self at `index` along dim (torch.index_select).
Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);
/// out[i][j] = self[index[i][j]][j] along dim (torch.gather).
Tensor gather(const Tensor& self, int64_t dim, const Tensor& index);
/// reduce: "" (replace), "add" or "multiply".
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce = "");
/// A copy of self with src (or value) written at index along dim (torch.scatter).
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, Scalar value, const std::string& reduce = "");
/// In place: scatter into self; returns self.
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce = "");
/// In place: scatter into self; returns self.
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, Scalar value, const std::string& reduce = "");
/// A copy of self with src added at index along dim (torch.scatter_add).
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
/// In place: scatter_add into self; returns self.
Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
/// A copy of self with alpha * source added at index along dim (torch.index_add).
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha = 1);
/// In place: index_add into self; returns self.
Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha = 1);
/// A copy of self with value where mask is true (torch.masked_fill).
Tensor masked_fill(const Tensor& self, const Tensor& mask, Scalar value);
/// A copy of self with value where mask is true (torch.masked_fill); value: 0-d.
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value);
/// In place: value written where mask is true; returns self.
Tensor& masked_fill_(Tensor& self, const Tensor& mask, Scalar value);
/// In place: value written where mask is true; returns self.
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value);
/// The elements where mask is true, as a 1-d tensor (torch.masked_select).
Tensor masked_select(const Tensor& self, const Tensor& mask);
/// The elements at flat indices (torch.take).
Tensor take(const Tensor& self, const Tensor& index);
/// Gathers values along dim at indices (torch.take_along_dim).
Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<int64_t> dim = std::nullopt);

// ---- linear algebra (cpp/src/ops/linalg.cpp, einsum.cpp) ----
/// The matrix product of two 2-d tensors (torch.mm).
Tensor mm(const Tensor& a, const Tensor& b);
/// Batched matrix products of (b, n, m) and (b, m, p) (torch.bmm).
Tensor bmm(const Tensor& a, const Tensor& b);
/// Matrix-vector product (torch.mv).
Tensor mv(const Tensor& a, const Tensor& v);
/// Dot product of two 1-d tensors (torch.dot).
Tensor dot(const Tensor& a, const Tensor& b);
/// Outer product of two 1-d tensors (torch.outer).
Tensor outer(const Tensor& a, const Tensor& b);
/// The matrix product with broadcasting (torch.matmul; see Note [matmul's graph]); see Note [matmul's graph].
Tensor matmul(const Tensor& a, const Tensor& b);
/// beta * self + alpha * (mat1 @ mat2) (torch.addmm).
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, Scalar beta = 1, Scalar alpha = 1);
/// beta * self + alpha * (mat @ vec) (torch.addmv).
Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, Scalar beta = 1, Scalar alpha = 1);
/// beta * self + alpha * (batch1 @ batch2) per batch (torch.baddbmm).
Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, Scalar beta = 1, Scalar alpha = 1);
/// In place: self = addmm(self, mat1, mat2); returns self.
Tensor& addmm_(Tensor& self, const Tensor& mat1, const Tensor& mat2, Scalar beta = 1, Scalar alpha = 1);
/// In place: self = addmv(self, mat, vec); returns self.
Tensor& addmv_(Tensor& self, const Tensor& mat, const Tensor& vec, Scalar beta = 1, Scalar alpha = 1);
/// In place: self = baddbmm(self, batch1, batch2); returns self.
Tensor& baddbmm_(Tensor& self, const Tensor& batch1, const Tensor& batch2, Scalar beta = 1, Scalar alpha = 1);
/// The sum of the diagonal of a 2-d tensor (torch.trace).
Tensor trace(const Tensor& self);
/// Einstein summation over the operands (torch.einsum).
Tensor einsum(const std::string& equation, const tensor_list& operands);

// ---- LAPACK-backed linear algebra (cpp/src/ops/linalg_lapack.cpp): float32 / float64, batched over leading
// dims, any strides. Singular or non-positive-definite input throws LinAlgError (the *_ex forms return LAPACK's
// info per matrix instead, as int32). `api` is the name the messages start with ("linalg.inv", ...).
/// (inverse, info) of each square matrix of A; raises LinAlgError for a singular one when check_errors.
std::tuple<Tensor, Tensor> linalg_inv_ex(const Tensor& A, bool check_errors = false,
                                         const char* api = "linalg.inv_ex");
/// The inverse of each square matrix of A (LinalgInvExBackward0); LinAlgError when singular.
Tensor linalg_inv(const Tensor& A);
/// The determinant of each square matrix of A (LinalgDetBackward0).
Tensor linalg_det(const Tensor& A);
/// (sign, log|det|) of each square matrix of A.
std::tuple<Tensor, Tensor> linalg_slogdet(const Tensor& A);
/// log det(A): NaN for a negative determinant (WhereBackward0 over the slogdet).
Tensor logdet(const Tensor& A);
/// (X, info) with AX = B (left) or XA = B; B a vector or a batch of vectors when B.dim() == 1 or B's shape is A's
/// without its last dim.
std::tuple<Tensor, Tensor> linalg_solve_ex(const Tensor& A, const Tensor& B, bool left = true,
                                           bool check_errors = false, const char* api = "linalg.solve_ex");
/// X with AX = B (left) or XA = B (LinalgSolveExBackward0); LinAlgError when A is singular.
Tensor linalg_solve(const Tensor& A, const Tensor& B, bool left = true);
/// (L, info): the Cholesky factor of each symmetric positive-definite matrix of A (upper: U = L^H).
std::tuple<Tensor, Tensor> linalg_cholesky_ex(const Tensor& A, bool upper = false, bool check_errors = false,
                                              const char* api = "linalg.cholesky_ex");
/// The Cholesky factor (LinalgCholeskyExBackward0); LinAlgError when A is not positive-definite.
Tensor linalg_cholesky(const Tensor& A, bool upper = false);
/// torch.cholesky: the Cholesky factor (CholeskyBackward0).
Tensor cholesky(const Tensor& A, bool upper = false);
/// X with AX = B (left) or XA = B for triangular A (LinalgSolveTriangularBackward0).
Tensor linalg_solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left = true,
                               bool unitriangular = false);
/// torch.triangular_solve(b, A): (solution, cloned_coefficient), TriangularSolveBackward0.
std::tuple<Tensor, Tensor> triangular_solve(const Tensor& b, const Tensor& A, bool upper = true,
                                            bool transpose = false, bool unitriangular = false);
/// X with A X = B for A = L L^H given its Cholesky factor L (CholeskySolveBackward0).
Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper = false);
/// (eigenvalues ascending, eigenvectors as columns) of the symmetric matrix in A's `uplo` ('L' or 'U') triangle
/// (LinalgEighBackward0).
std::tuple<Tensor, Tensor> linalg_eigh(const Tensor& A, const std::string& uplo = "L");
/// The eigenvalues (ascending) of the symmetric matrix in A's `uplo` triangle.
Tensor linalg_eigvalsh(const Tensor& A, const std::string& uplo = "L");

/// The BLAS behind mm/matmul: "scipy-openblas", "cblas" or "none".
const char* blas_name();

// ---- nn (cpp/src/ops/nn.cpp, nn_activation.cpp, nn_loss.cpp; dropout in sampling.cpp) ----
/// How a loss reduces: none (per element), mean or sum.
enum class Reduction : uint8_t { None, Mean, Sum };
/// "none", "mean" or "sum" as a Reduction.
Reduction reduction_from_string(const std::string& s);

/// Activations (torch.nn.functional names; each one fused Node). The `_` forms work in place.
Tensor relu6(const Tensor& t);  // hardtanh(t, 0, 6)
/// t clamped to [min_val, max_val] (F.hardtanh).
Tensor hardtanh(const Tensor& t, Scalar min_val = -1.0, Scalar max_val = 1.0);
/// In place: self = hardtanh(self); returns self.
Tensor& hardtanh_(Tensor& t, Scalar min_val = -1.0, Scalar max_val = 1.0);
/// relu6(t + 3) / 6 (F.hardsigmoid); relu6(t + 3) / 6.
Tensor hardsigmoid(const Tensor& t);
/// In place: self = hardsigmoid(self, ...); returns self.
Tensor& hardsigmoid_(Tensor& t);
/// t * relu6(t + 3) / 6 (F.hardswish); t * relu6(t + 3) / 6.
Tensor hardswish(const Tensor& t);
/// In place: self = hardswish(self, ...); returns self.
Tensor& hardswish_(Tensor& t);
/// t where t > 0, else negative_slope * t (F.leaky_relu).
Tensor leaky_relu(const Tensor& t, double negative_slope = 0.01);
/// In place: self = leaky_relu(self, ...); returns self.
Tensor& leaky_relu_(Tensor& t, double negative_slope = 0.01);
/// t where t > 0, else alpha * (e^t - 1) (F.elu).
Tensor elu(const Tensor& t, double alpha = 1.0);
/// In place: self = elu(self, ...); returns self.
Tensor& elu_(Tensor& t, double alpha = 1.0);
/// max(0, t) + min(0, alpha * (e^(t / alpha) - 1)) (F.celu); elu with input_scale 1 / alpha.
Tensor celu(const Tensor& t, double alpha = 1.0);
/// In place: self = celu(self, ...); returns self.
Tensor& celu_(Tensor& t, double alpha = 1.0);
/// scale * elu(t, alpha) with SELU's constants (F.selu).
Tensor selu(const Tensor& t);
/// In place: self = selu(self, ...); returns self.
Tensor& selu_(Tensor& t);
/// t * Phi(t), with the erf form or the tanh approximation (F.gelu); "none" (erf) or "tanh".
Tensor gelu(const Tensor& t, const std::string& approximate = "none");
/// The derivative of gelu times grad.
Tensor gelu_backward(const Tensor& grad, const Tensor& x, const std::string& approximate = "none");
/// t * sigmoid(t) (F.silu).
Tensor silu(const Tensor& t);
/// In place: self = silu(self, ...); returns self.
Tensor& silu_(Tensor& t);
/// t * tanh(softplus(t)) (F.mish).
Tensor mish(const Tensor& t);
/// In place: self = mish(self, ...); returns self.
Tensor& mish_(Tensor& t);
/// log(1 + e^(beta t)) / beta, linear above threshold (F.softplus).
Tensor softplus(const Tensor& t, double beta = 1.0, double threshold = 20.0);
/// Along `dim`, numerically stable; `dtype` casts the input first.
Tensor softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
/// t - logsumexp(t) along dim (F.log_softmax).
Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);

/// input @ weight^T + bias (bias may be undefined).
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());
/// Zeroes each element with probability p (from the default generator, as torch's CPU dropout draws) and
/// scales the rest by 1 / (1 - p); returns the input itself when p == 0 or not training.
Tensor dropout(const Tensor& input, double p = 0.5, bool train = true);
/// In place dropout; returns input.
Tensor& dropout_(Tensor& input, double p = 0.5, bool train = true);
/// int64 indices -> int64 one-hot rows; num_classes -1 means max + 1.
Tensor one_hot(const Tensor& tensor, int64_t num_classes = -1);

/// Losses. `weight` and `pos_weight` may be undefined.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
/// Smooth L1 loss with threshold beta (F.smooth_l1_loss).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      double beta = 1.0);
/// Huber loss with threshold delta (F.huber_loss).
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, double delta = 1.0);
/// -(t log p + (1 - t) log(1 - p)), weighted and reduced (F.binary_cross_entropy).
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            Reduction reduction = Reduction::Mean);
/// binary_cross_entropy of sigmoid(input), computed stably (F.binary_cross_entropy_with_logits).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                                        const Tensor& pos_weight = Tensor(), Reduction reduction = Reduction::Mean);
/// input (C), (N, C) or (N, C, d1, ...) of log-probabilities; target of class indices (int64).
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                Reduction reduction = Reduction::Mean, int64_t ignore_index = -100);
/// target: class indices (as nll_loss) or class probabilities (input's shape).
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                     Reduction reduction = Reduction::Mean, int64_t ignore_index = -100, double label_smoothing = 0.0);

/// Pooling (cpp/src/ops/pooling.cpp): input (N, C, *spatial) or unbatched (C, *spatial) with 1, 2 or 3 spatial
/// dims. kernel_size, padding and dilation hold one value for every spatial dim or one for all; stride empty
/// means kernel_size. padding is implicit (never read) and at most half the kernel. In ceil_mode the output
/// size rounds up, but a window must start inside the input or its left padding. Max pooling's indices
/// (int64, the output's shape) are flat positions in each input plane, as max_unpool takes them; a NaN in a
/// window is its maximum. float32 and float64; max pooling also int32 and int64, average pooling int64
/// (truncated). The 1-d ops run as the 2-d ones on a height-1 input, as PyTorch runs them.
Tensor max_pool1d(const Tensor& input, const Dims& kernel_size, const Dims& stride = {}, const Dims& padding = {0},
                  const Dims& dilation = {1}, bool ceil_mode = false);
/// Max pooling over 2 spatial dims (F.max_pool2d).
Tensor max_pool2d(const Tensor& input, const Dims& kernel_size, const Dims& stride = {}, const Dims& padding = {0},
                  const Dims& dilation = {1}, bool ceil_mode = false);
/// Max pooling over 3 spatial dims (F.max_pool3d).
Tensor max_pool3d(const Tensor& input, const Dims& kernel_size, const Dims& stride = {}, const Dims& padding = {0},
                  const Dims& dilation = {1}, bool ceil_mode = false);
/// (values, indices)
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const Dims& kernel_size,
                                                   const Dims& stride = {}, const Dims& padding = {0},
                                                   const Dims& dilation = {1}, bool ceil_mode = false);
/// Max pooling over 2 spatial dims with the indices of the maxima.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Dims& kernel_size,
                                                   const Dims& stride = {}, const Dims& padding = {0},
                                                   const Dims& dilation = {1}, bool ceil_mode = false);
/// Max pooling over 3 spatial dims with the indices of the maxima.
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, const Dims& kernel_size,
                                                   const Dims& stride = {}, const Dims& padding = {0},
                                                   const Dims& dilation = {1}, bool ceil_mode = false);
/// Zeros of output_size (the spatial sizes) with each input value written at its index (a max pooling's);
/// differentiable in input.
Tensor max_unpool1d(const Tensor& input, const Tensor& indices, const Dims& output_size);
/// The inverse of max_pool2d: values written at their indices (F.max_unpool2d).
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, const Dims& output_size);
/// The inverse of max_pool3d: values written at their indices (F.max_unpool3d).
Tensor max_unpool3d(const Tensor& input, const Tensor& indices, const Dims& output_size);
/// divisor_override (non-zero) replaces every window's divisor; otherwise a window divides by its size within
/// the padded input (count_include_pad) or within the input.
Tensor avg_pool1d(const Tensor& input, const Dims& kernel_size, const Dims& stride = {}, const Dims& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true);
/// Average pooling over 2 spatial dims (F.avg_pool2d).
Tensor avg_pool2d(const Tensor& input, const Dims& kernel_size, const Dims& stride = {}, const Dims& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
/// Average pooling over 3 spatial dims (F.avg_pool3d).
Tensor avg_pool3d(const Tensor& input, const Dims& kernel_size, const Dims& stride = {}, const Dims& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
/// Output position i along a dim of size n pooled to m reads [floor(i * n / m), ceil((i + 1) * n / m)).
Tensor adaptive_avg_pool1d(const Tensor& input, const Dims& output_size);
/// Average pooling to output_size over 2 spatial dims (F.adaptive_avg_pool2d).
Tensor adaptive_avg_pool2d(const Tensor& input, const Dims& output_size);
/// Average pooling to output_size over 3 spatial dims (F.adaptive_avg_pool3d).
Tensor adaptive_avg_pool3d(const Tensor& input, const Dims& output_size);
/// Max pooling to output_size over 1 spatial dim, with indices (F.adaptive_max_pool1d); (values, indices).
std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, const Dims& output_size);
/// Max pooling to output_size over 2 spatial dims, with indices (F.adaptive_max_pool2d).
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const Dims& output_size);
/// Max pooling to output_size over 3 spatial dims, with indices (F.adaptive_max_pool3d).
std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& input, const Dims& output_size);

/// Upsampling (cpp/src/ops/upsample.cpp), F.interpolate's modes: input (N, C, *spatial) with 1, 2 or 3 spatial
/// dims (the op's name says how many), float32 or float64. Exactly one of output_size (the spatial sizes) and
/// scale_factors (one per spatial dim; the output size is floor(size * factor)) is given; a given factor also sets
/// the source-index step to 1 / factor, as PyTorch's ops do (interpolate's recompute_scale_factor=True passes the
/// computed output_size instead). The coordinates are PyTorch's (Note [Upsampling coordinates] in
/// cpp/src/cpu/upsample_kernels.h); differentiable in input any number of times.
Tensor upsample_nearest1d(const Tensor& input, const std::optional<Dims>& output_size,
                          const std::optional<std::vector<double>>& scale_factors = std::nullopt);
/// F.interpolate(mode="nearest") over 2 spatial dims.
Tensor upsample_nearest2d(const Tensor& input, const std::optional<Dims>& output_size,
                          const std::optional<std::vector<double>>& scale_factors = std::nullopt);
/// F.interpolate(mode="nearest") over 3 spatial dims.
Tensor upsample_nearest3d(const Tensor& input, const std::optional<Dims>& output_size,
                          const std::optional<std::vector<double>>& scale_factors = std::nullopt);
/// 'nearest-exact': source index floor((o + 0.5) * in / out) instead of nearest's floor(o * in / out).
Tensor upsample_nearest_exact1d(const Tensor& input, const std::optional<Dims>& output_size,
                                const std::optional<std::vector<double>>& scale_factors = std::nullopt);
/// F.interpolate(mode="nearest-exact") over 2 spatial dims.
Tensor upsample_nearest_exact2d(const Tensor& input, const std::optional<Dims>& output_size,
                                const std::optional<std::vector<double>>& scale_factors = std::nullopt);
/// F.interpolate(mode="nearest-exact") over 3 spatial dims.
Tensor upsample_nearest_exact3d(const Tensor& input, const std::optional<Dims>& output_size,
                                const std::optional<std::vector<double>>& scale_factors = std::nullopt);
/// F.interpolate(mode="linear").
Tensor upsample_linear1d(const Tensor& input, const std::optional<Dims>& output_size, bool align_corners,
                         const std::optional<std::vector<double>>& scale_factors = std::nullopt);
/// F.interpolate(mode="bilinear").
Tensor upsample_bilinear2d(const Tensor& input, const std::optional<Dims>& output_size, bool align_corners,
                           const std::optional<std::vector<double>>& scale_factors = std::nullopt);
/// F.interpolate(mode="trilinear").
Tensor upsample_trilinear3d(const Tensor& input, const std::optional<Dims>& output_size, bool align_corners,
                            const std::optional<std::vector<double>>& scale_factors = std::nullopt);
/// Keys' cubic convolution (A = -0.75) over 4x4 taps, indices clamped at the borders.
Tensor upsample_bicubic2d(const Tensor& input, const std::optional<Dims>& output_size, bool align_corners,
                          const std::optional<std::vector<double>>& scale_factors = std::nullopt);

/// Embedding (cpp/src/ops/embedding.cpp) and normalisation layers (cpp/src/ops/nn_norm.cpp). `indices` int64 or
/// int32, in [0, weight.size(0)); padding_idx -1 means none (else its row gets no gradient); scale_grad_by_freq
/// divides each looked-up row's gradient by how often its index occurs in `indices`.
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx = -1,
                 bool scale_grad_by_freq = false);
/// Normalises over the trailing dims given by normalized_shape; weight and bias (that shape) may be undefined.
Tensor layer_norm(const Tensor& input, const Dims& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
/// input (N, C, ...): statistics per channel C from the batch when training (updating the running buffers
/// in place when given), else from the running buffers. Any of the four tensors may be undefined in training.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  double momentum = 0.1, double eps = 1e-5);
/// x * rsqrt(mean(x^2 over the trailing dims given by normalized_shape) + eps) [* weight].
Tensor rms_norm(const Tensor& input, const Dims& normalized_shape, const Tensor& weight, double eps);
/// input (N, C, ...) normalised over each of num_groups groups of C / num_groups channels per sample, then
/// scaled and shifted per channel by weight and bias (C each, may be undefined).
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
/// softmax(scale * query @ key^T + bias) @ value without dropout, one Node (PyTorch's CPU flash attention for
/// 4-D inputs): query (..., L, E), key (..., S, E), value (..., S, Ev) with the same leading dims; attn_mask
/// (optional) bool (true = attend) or of query's dtype (added), broadcast to (..., L, S); is_causal masks keys
/// after the query's position (top-left aligned); scale defaults to 1 / sqrt(E). Rows that attend to no key give 0.
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = Tensor(), bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);

// ---- recurrent layers and cells (cpp/src/ops/rnn.cpp) ----
// PyTorch's layouts: weight_ih (G * H, input_size), weight_hh (G * H, H_out), bias_ih and bias_hh (G * H), with
// G = 1 (RNN), 4 (LSTM: gates i, f, g, o) or 3 (GRU: r, z, n); H_out = H, or proj_size for an LSTM with a
// projection weight_hr (proj_size, H). Biases and weight_hr may be undefined. float32 or float64, one dtype.
/// Which recurrent cell: Elman tanh, Elman relu, LSTM or GRU.
enum class RnnMode : uint8_t { Tanh, Relu, LSTM, GRU };
/// "RNN_TANH", "RNN_RELU", "LSTM" or "GRU" as an RnnMode; "RNN_TANH", "RNN_RELU", "LSTM" or "GRU".
RnnMode rnn_mode_from_string(const std::string& mode);

/// One layer in one direction over a whole sequence, one Node (MkldnnRnnLayerBackward0; outputs output, h_n,
/// c_n). input (T, B, input_size) or, with batch_sizes, a packed (N, input_size) whose step t is batch_sizes[t]
/// consecutive rows (non-increasing, the first B). hx (B, H_out) and, for LSTM, cx (B, H): the initial states.
/// Returns output ((T, B, H_out) or (N, H_out)), h_n (B, H_out) and c_n (B, H; undefined unless LSTM); with
/// `reverse` the steps run from the last to the first. A sequence of a packed batch keeps its state once it ends.
std::tuple<Tensor, Tensor, Tensor> rnn_layer(const Tensor& input, const Tensor& hx, const Tensor& cx,
                                             const Tensor& weight_ih, const Tensor& weight_hh, const Tensor& bias_ih,
                                             const Tensor& bias_hh, const Tensor& weight_hr, RnnMode mode,
                                             bool reverse = false, const std::vector<int64_t>& batch_sizes = {});

/// A whole multi-layer (bidirectional) network, as torch's _VF.lstm / gru / rnn_tanh: params per layer and
/// direction in PyTorch's order (weight_ih, weight_hh[, bias_ih, bias_hh][, weight_hr]), layer 0 forward, layer 0
/// reverse, layer 1, ...; hx (and cx) (num_layers * directions, B, H_out (H)). Dropout p on every layer's output
/// but the last when train. input (T, B, I), (B, T, I) with batch_first, or packed with batch_sizes.
/// Returns (output, h_n, c_n); h_n and c_n stack the layers' final states (StackBackward0), c_n undefined
/// unless LSTM.
std::tuple<Tensor, Tensor, Tensor> rnn(const Tensor& input, const Tensor& hx, const Tensor& cx,
                                       const tensor_list& params, RnnMode mode, bool has_biases, int64_t num_layers,
                                       double dropout, bool train, bool bidirectional, bool batch_first,
                                       const std::vector<int64_t>& batch_sizes = {});
/// A multi-layer LSTM: (output, h_n, c_n).
std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, const Tensor& hx, const Tensor& cx,
                                        const tensor_list& params, bool has_biases, int64_t num_layers, double dropout,
                                        bool train, bool bidirectional, bool batch_first);
/// A multi-layer GRU: (output, h_n).
std::tuple<Tensor, Tensor> gru(const Tensor& input, const Tensor& hx, const tensor_list& params, bool has_biases,
                               int64_t num_layers, double dropout, bool train, bool bidirectional, bool batch_first);
/// A multi-layer Elman RNN with tanh: (output, h_n).
std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& input, const Tensor& hx, const tensor_list& params, bool has_biases,
                                    int64_t num_layers, double dropout, bool train, bool bidirectional,
                                    bool batch_first);
/// A multi-layer Elman RNN with relu: (output, h_n).
std::tuple<Tensor, Tensor> rnn_relu(const Tensor& input, const Tensor& hx, const tensor_list& params, bool has_biases,
                                    int64_t num_layers, double dropout, bool train, bool bidirectional,
                                    bool batch_first);

/// One step of a cell on input (B, input_size) and states (B, H): one fused op and Node each
/// (ThnnFusedLstmCellBackward0, ThnnFusedGruCellBackward0; TanhBackward0 / ReluBackward0 for the Elman cells).
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const Tensor& hx, const Tensor& cx, const Tensor& weight_ih,
                                     const Tensor& weight_hh, const Tensor& bias_ih = Tensor(),
                                     const Tensor& bias_hh = Tensor());
/// One GRU step: h'.
Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& weight_ih, const Tensor& weight_hh,
                const Tensor& bias_ih = Tensor(), const Tensor& bias_hh = Tensor());
/// One Elman step with tanh: h'.
Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& weight_ih, const Tensor& weight_hh,
                     const Tensor& bias_ih = Tensor(), const Tensor& bias_hh = Tensor());
/// One Elman step with relu: h'.
Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& weight_ih, const Tensor& weight_hh,
                     const Tensor& bias_ih = Tensor(), const Tensor& bias_hh = Tensor());
// ---- convolution (cpp/src/ops/conv.cpp) ----
// input (N, C_in, *spatial), or (C_in, *spatial) unbatched for the convN / conv_transposeN forms; weight
// (C_out, C_in / groups, *kernel) for a convolution, (C_in, C_out / groups, *kernel) for a transposed one; bias
// (C_out) or undefined. stride, padding, dilation and output_padding hold one value per spatial dim or one for
// all. float32, float64, int64 and (undilated) int32. The result records ConvolutionBackward0, as in PyTorch.
/// The general convolution (transposed or not, any groups) that the conv ops call.
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride,
                   const Dims& padding, const Dims& dilation, bool transposed, const Dims& output_padding,
                   int64_t groups);
/// 1-d convolution (F.conv1d).
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), const Dims& stride = {1},
              const Dims& padding = {0}, const Dims& dilation = {1}, int64_t groups = 1);
/// 2-d convolution (F.conv2d).
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), const Dims& stride = {1},
              const Dims& padding = {0}, const Dims& dilation = {1}, int64_t groups = 1);
/// 3-d convolution (F.conv3d).
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), const Dims& stride = {1},
              const Dims& padding = {0}, const Dims& dilation = {1}, int64_t groups = 1);
/// padding="valid" (none) or "same" (the output has the input's size; stride 1 only): PyTorch's string forms.
enum class ConvPadding : uint8_t { Valid, Same };
/// "valid" / "same" as a ConvPadding; "valid" / "same", else PyTorch's RuntimeError.
ConvPadding conv_padding_from_string(const std::string& s);
/// 1-d convolution (F.conv1d).
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride, ConvPadding padding,
              const Dims& dilation = {1}, int64_t groups = 1);
/// 2-d convolution (F.conv2d).
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride, ConvPadding padding,
              const Dims& dilation = {1}, int64_t groups = 1);
/// 3-d convolution (F.conv3d).
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride, ConvPadding padding,
              const Dims& dilation = {1}, int64_t groups = 1);
/// 1-d transposed convolution (F.conv_transpose1d).
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                        const Dims& stride = {1}, const Dims& padding = {0}, const Dims& output_padding = {0},
                        int64_t groups = 1, const Dims& dilation = {1});
/// 2-d transposed convolution (F.conv_transpose2d).
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                        const Dims& stride = {1}, const Dims& padding = {0}, const Dims& output_padding = {0},
                        int64_t groups = 1, const Dims& dilation = {1});
/// 3-d transposed convolution (F.conv_transpose3d).
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                        const Dims& stride = {1}, const Dims& padding = {0}, const Dims& output_padding = {0},
                        int64_t groups = 1, const Dims& dilation = {1});
/// F.unfold: every sliding block of input (N, C, H, W) or (C, H, W) as a column, (N, C * kh * kw, L)
/// (Im2ColBackward0). F.fold: the inverse layout, summing overlapping values, into (N, C, *output_size)
/// (Col2ImBackward0). Each parameter has two values (height, width). float32, float64 and bool.
Tensor im2col(const Tensor& input, const Dims& kernel_size, const Dims& dilation, const Dims& padding,
              const Dims& stride);
/// F.fold: columns summed back into an image.
Tensor col2im(const Tensor& input, const Dims& output_size, const Dims& kernel_size, const Dims& dilation,
              const Dims& padding, const Dims& stride);

// ---- operators for C++ users (PyTorch's Python operators; type promotion as the ops above) ----
/// a + b (broadcasting).
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
/// a - b (broadcasting).
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
/// a * b (broadcasting).
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
/// a / b (true division; broadcasting).
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
/// a % b (Python's remainder: the sign of the divisor).
inline Tensor operator%(const Tensor& a, const Tensor& b) { return remainder(a, b); }
/// a + number.
inline Tensor operator+(const Tensor& a, Scalar b) { return add(a, b); }
/// a - number.
inline Tensor operator-(const Tensor& a, Scalar b) { return sub(a, b); }
/// a * number.
inline Tensor operator*(const Tensor& a, Scalar b) { return mul(a, b); }
/// a / number.
inline Tensor operator/(const Tensor& a, Scalar b) { return div(a, b); }
/// a % number.
inline Tensor operator%(const Tensor& a, Scalar b) { return remainder(a, b); }
/// number + b.
inline Tensor operator+(Scalar a, const Tensor& b) { return add(b, a); }
/// number - b.
inline Tensor operator-(Scalar a, const Tensor& b) { return rsub(b, a); }
/// number * b.
inline Tensor operator*(Scalar a, const Tensor& b) { return mul(b, a); }
/// number / b.
inline Tensor operator/(Scalar a, const Tensor& b) { return rdiv(b, a); }
/// -a.
inline Tensor operator-(const Tensor& a) { return neg(a); }

/// In place a += b (b broadcasts to a's shape; the result must fit a's dtype); returns a.
inline Tensor& operator+=(Tensor& a, const Tensor& b) { return add_(a, b); }
/// In place a -= b; returns a.
inline Tensor& operator-=(Tensor& a, const Tensor& b) { return sub_(a, b); }
/// In place a *= b; returns a.
inline Tensor& operator*=(Tensor& a, const Tensor& b) { return mul_(a, b); }
/// In place a /= b (true division: a must be floating); returns a.
inline Tensor& operator/=(Tensor& a, const Tensor& b) { return div_(a, b); }
/// In place a += number; returns a.
inline Tensor& operator+=(Tensor& a, Scalar b) { return add_(a, b); }
/// In place a -= number; returns a.
inline Tensor& operator-=(Tensor& a, Scalar b) { return sub_(a, b); }
/// In place a *= number; returns a.
inline Tensor& operator*=(Tensor& a, Scalar b) { return mul_(a, b); }
/// In place a /= number; returns a.
inline Tensor& operator/=(Tensor& a, Scalar b) { return div_(a, b); }

/// Elementwise a == b: a bool tensor (as in PyTorch; use equal() for one bool).
inline Tensor operator==(const Tensor& a, const Tensor& b) { return compare(a, b, CompareOp::Eq); }
/// Elementwise a != b: a bool tensor.
inline Tensor operator!=(const Tensor& a, const Tensor& b) { return compare(a, b, CompareOp::Ne); }
/// Elementwise a < b: a bool tensor.
inline Tensor operator<(const Tensor& a, const Tensor& b) { return compare(a, b, CompareOp::Lt); }
/// Elementwise a <= b: a bool tensor.
inline Tensor operator<=(const Tensor& a, const Tensor& b) { return compare(a, b, CompareOp::Le); }
/// Elementwise a > b: a bool tensor.
inline Tensor operator>(const Tensor& a, const Tensor& b) { return compare(a, b, CompareOp::Gt); }
/// Elementwise a >= b: a bool tensor.
inline Tensor operator>=(const Tensor& a, const Tensor& b) { return compare(a, b, CompareOp::Ge); }
/// Elementwise a == number: a bool tensor.
inline Tensor operator==(const Tensor& a, Scalar b) { return compare(a, b, CompareOp::Eq); }
/// Elementwise a != number: a bool tensor.
inline Tensor operator!=(const Tensor& a, Scalar b) { return compare(a, b, CompareOp::Ne); }
/// Elementwise a < number: a bool tensor.
inline Tensor operator<(const Tensor& a, Scalar b) { return compare(a, b, CompareOp::Lt); }
/// Elementwise a <= number: a bool tensor.
inline Tensor operator<=(const Tensor& a, Scalar b) { return compare(a, b, CompareOp::Le); }
/// Elementwise a > number: a bool tensor.
inline Tensor operator>(const Tensor& a, Scalar b) { return compare(a, b, CompareOp::Gt); }
/// Elementwise a >= number: a bool tensor.
inline Tensor operator>=(const Tensor& a, Scalar b) { return compare(a, b, CompareOp::Ge); }
/// Elementwise number == b: a bool tensor.
inline Tensor operator==(Scalar a, const Tensor& b) { return compare(b, a, CompareOp::Eq); }
/// Elementwise number != b: a bool tensor.
inline Tensor operator!=(Scalar a, const Tensor& b) { return compare(b, a, CompareOp::Ne); }
/// Elementwise number < b (that is, b > number): a bool tensor.
inline Tensor operator<(Scalar a, const Tensor& b) { return compare(b, a, CompareOp::Gt); }
/// Elementwise number <= b: a bool tensor.
inline Tensor operator<=(Scalar a, const Tensor& b) { return compare(b, a, CompareOp::Ge); }
/// Elementwise number > b: a bool tensor.
inline Tensor operator>(Scalar a, const Tensor& b) { return compare(b, a, CompareOp::Lt); }
/// Elementwise number >= b: a bool tensor.
inline Tensor operator>=(Scalar a, const Tensor& b) { return compare(b, a, CompareOp::Le); }
/// Elementwise logical not of a bool tensor, bitwise not of an integer one (Python's `~`).
inline Tensor operator~(const Tensor& a) { return bitwise_not(a); }
/// Elementwise a & b on bool or integer tensors.
inline Tensor operator&(const Tensor& a, const Tensor& b) { return bitwise(a, b, LogicalOp::And); }
/// Elementwise a | b on bool or integer tensors.
inline Tensor operator|(const Tensor& a, const Tensor& b) { return bitwise(a, b, LogicalOp::Or); }
/// Elementwise a ^ b on bool or integer tensors.
inline Tensor operator^(const Tensor& a, const Tensor& b) { return bitwise(a, b, LogicalOp::Xor); }

// ---- tensors from C++ values (cpp/src/ops/tensor_data.cpp) ----
/// The data of fastgrad::tensor: a number, or a braced list of TensorData (nested lists make more
/// dimensions): `tensor({{1, 2}, {3, 4}})`. Like libtorch's TensorDataContainer; built implicitly.
class TensorData {
 public:
  /// An empty list: tensor({}) is a 1-d tensor of no elements.
  TensorData() = default;
  /// A bool element.
  TensorData(bool v) : scalar_(v), is_scalar_(true) {}              // NOLINT
  /// An integer element.
  TensorData(int v) : scalar_(v), is_scalar_(true) {}               // NOLINT
  /// An integer element.
  TensorData(int64_t v) : scalar_(v), is_scalar_(true) {}           // NOLINT
  /// A floating element.
  TensorData(float v) : scalar_(v), is_scalar_(true) {}             // NOLINT
  /// A floating element.
  TensorData(double v) : scalar_(v), is_scalar_(true) {}            // NOLINT
  /// A list (one more dimension).
  TensorData(std::initializer_list<TensorData> items) : items_(items) {}  // NOLINT
  /// A list from a vector of elements or sub-lists.
  TensorData(std::vector<TensorData> items) : items_(std::move(items)) {}  // NOLINT

  /// True for a single number (a 0-d tensor).
  bool is_scalar() const { return is_scalar_; }
  /// The number (when is_scalar()).
  const Scalar& scalar() const { return scalar_; }
  /// The elements or sub-lists (when not is_scalar()).
  const std::vector<TensorData>& items() const { return items_; }

 private:
  Scalar scalar_;
  bool is_scalar_ = false;
  std::vector<TensorData> items_;
};

/// PyTorch's `torch.tensor(data)`: a new tensor holding a copy of `data` (a number or nested braced lists of
/// one shape). The dtype is inferred as PyTorch infers it -- the default float dtype if any element is
/// floating, else int64 if any is an integer, else bool -- unless given. Ragged lists throw
/// fastgrad::ValueError ("expected sequence of length 2 at dim 1 (got 3)").
///   auto x = fastgrad::tensor({{1., 2.}, {3., 4.}});      // float32, shape (2, 2)
Tensor tensor(const TensorData& data, std::optional<ScalarType> dtype = std::nullopt);
/// A 1-d tensor holding a copy of `values` (dtype inferred from T as above unless given).
template <class T>
Tensor tensor(const std::vector<T>& values, std::optional<ScalarType> dtype = std::nullopt) {
  std::vector<TensorData> items(values.begin(), values.end());
  return tensor(TensorData(std::move(items)), dtype);
}

/// Seeds the default generator (torch.manual_seed): the same seed gives the same random numbers as
/// PyTorch's CPU generator and as fastgrad's Python `manual_seed`.
void manual_seed(uint64_t seed);

}  // namespace fastgrad
