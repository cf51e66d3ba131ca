// Tensor's member functions: each is the free function of ops.h with the same name (no math here).
#include "fastgrad/ops.h"
#include "fastgrad/print.h"

namespace fastgrad {

Tensor Tensor::sum(std::optional<ScalarType> dtype) const { return fastgrad::sum(*this, dtype); }
Tensor Tensor::sum(const Dims& dims, bool keepdim, std::optional<ScalarType> dtype) const {
  return fastgrad::sum(*this, dims, keepdim, dtype);
}
Tensor Tensor::mean(std::optional<ScalarType> dtype) const { return fastgrad::mean(*this, dtype); }
Tensor Tensor::mean(const Dims& dims, bool keepdim, std::optional<ScalarType> dtype) const {
  return fastgrad::mean(*this, dims, keepdim, dtype);
}
Tensor Tensor::prod(std::optional<ScalarType> dtype) const { return fastgrad::prod(*this, dtype); }
Tensor Tensor::var(const Dims& dims, double correction, bool keepdim) const {
  return fastgrad::var(*this, dims, correction, keepdim);
}
Tensor Tensor::std(const Dims& dims, double correction, bool keepdim) const {
  return fastgrad::std(*this, dims, correction, keepdim);
}
Tensor Tensor::norm(double p, const Dims& dims, bool keepdim) const { return fastgrad::norm(*this, p, dims, keepdim); }
Tensor Tensor::max() const { return fastgrad::max(*this); }
Tensor Tensor::min() const { return fastgrad::min(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const { return fastgrad::max(*this, dim, keepdim); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const { return fastgrad::min(*this, dim, keepdim); }
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const { return fastgrad::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const { return fastgrad::argmin(*this, dim, keepdim); }
Tensor Tensor::all() const { return fastgrad::all(*this); }
Tensor Tensor::any() const { return fastgrad::any(*this); }

Tensor Tensor::matmul(const Tensor& other) const { return fastgrad::matmul(*this, other); }
Tensor Tensor::mm(const Tensor& other) const { return fastgrad::mm(*this, other); }
Tensor Tensor::dot(const Tensor& other) const { return fastgrad::dot(*this, other); }

Tensor Tensor::view(const Dims& shape) const { return fastgrad::view(*this, shape); }
Tensor Tensor::reshape(const Dims& shape) const { return fastgrad::reshape(*this, shape); }
Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  return fastgrad::flatten(*this, start_dim, end_dim);
}
Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const { return fastgrad::transpose(*this, dim0, dim1); }
Tensor Tensor::permute(const Dims& dims) const { return fastgrad::permute(*this, dims); }
Tensor Tensor::t() const { return fastgrad::t(*this); }
Tensor Tensor::unsqueeze(int64_t dim) const { return fastgrad::unsqueeze(*this, dim); }
Tensor Tensor::squeeze() const { return fastgrad::squeeze(*this); }
Tensor Tensor::squeeze(int64_t dim) const { return fastgrad::squeeze(*this, dim); }
Tensor Tensor::expand(const Dims& shape) const { return fastgrad::expand(*this, shape); }
Tensor Tensor::contiguous() const { return fastgrad::contiguous(*this); }
Tensor Tensor::clone() const { return fastgrad::clone(*this); }
Tensor Tensor::to(ScalarType dtype, bool copy) const { return fastgrad::to_dtype(*this, dtype, copy); }
Tensor Tensor::select(int64_t dim, int64_t index) const { return fastgrad::select(*this, dim, index); }
Tensor Tensor::slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) const {
  return fastgrad::slice(*this, dim, start, end, step);
}
Tensor Tensor::operator[](int64_t index) const { return fastgrad::index(*this, {TensorIndex(index)}); }
Tensor Tensor::operator[](const Tensor& index) const { return fastgrad::index(*this, {TensorIndex(index)}); }
Tensor Tensor::index(const std::vector<TensorIndex>& indices) const { return fastgrad::index(*this, indices); }
Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, const Tensor& value) {
  fastgrad::index_put_(*this, indices, value);
  return *this;
}
Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, Scalar value) {
  // The number takes the tensor's dtype, as Python's `t[...] = v` converts it (checked).
  fastgrad::index_put_(*this, indices, fastgrad::full({}, value, dtype()));
  return *this;
}

Tensor Tensor::exp() const { return fastgrad::exp(*this); }
Tensor Tensor::log() const { return fastgrad::log(*this); }
Tensor Tensor::sqrt() const { return fastgrad::sqrt(*this); }
Tensor Tensor::abs() const { return fastgrad::abs(*this); }
Tensor Tensor::neg() const { return fastgrad::neg(*this); }
Tensor Tensor::tanh() const { return fastgrad::tanh(*this); }
Tensor Tensor::sigmoid() const { return fastgrad::sigmoid(*this); }
Tensor Tensor::relu() const { return fastgrad::relu(*this); }
Tensor Tensor::sin() const { return fastgrad::sin(*this); }
Tensor Tensor::cos() const { return fastgrad::cos(*this); }
Tensor Tensor::pow(Scalar exponent) const { return fastgrad::pow(*this, exponent); }
Tensor Tensor::pow(const Tensor& exponent) const { return fastgrad::pow(*this, exponent); }
Tensor Tensor::square() const { return fastgrad::square(*this); }
Tensor Tensor::clamp(std::optional<Scalar> min, std::optional<Scalar> max) const {
  return fastgrad::clamp(*this, min, max);
}
Tensor Tensor::softmax(int64_t dim) const { return fastgrad::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return fastgrad::log_softmax(*this, dim); }

Tensor& Tensor::zero_() { return fastgrad::zero_(*this); }
Tensor& Tensor::fill_(Scalar value) { return fastgrad::fill_(*this, value); }
Tensor& Tensor::add_(const Tensor& other, Scalar alpha) { return fastgrad::add_(*this, other, alpha); }
Tensor& Tensor::add_(Scalar other, Scalar alpha) { return fastgrad::add_(*this, other, alpha); }
Tensor& Tensor::sub_(const Tensor& other, Scalar alpha) { return fastgrad::sub_(*this, other, alpha); }
Tensor& Tensor::sub_(Scalar other, Scalar alpha) { return fastgrad::sub_(*this, other, alpha); }
Tensor& Tensor::mul_(const Tensor& other) { return fastgrad::mul_(*this, other); }
Tensor& Tensor::mul_(Scalar other) { return fastgrad::mul_(*this, other); }
Tensor& Tensor::div_(const Tensor& other) { return fastgrad::div_(*this, other); }
Tensor& Tensor::div_(Scalar other) { return fastgrad::div_(*this, other); }
Tensor& Tensor::copy_(const Tensor& src) { return fastgrad::copy_(*this, src); }

std::string Tensor::to_string() const { return format_tensor(*this); }

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace fastgrad
