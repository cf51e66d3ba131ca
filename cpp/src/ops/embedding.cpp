// embedding: a row lookup whose derivative adds each output row's gradient back into the row it was read
// from (EmbeddingBackward0).
#include "../cpu/index_kernels.h"
#include "common.h"

namespace fastgrad {

namespace {
std::string legacy_type_name(const Tensor& t) {
  static const char* names[] = {"BoolTensor", "IntTensor", "LongTensor", "FloatTensor", "DoubleTensor", "ByteTensor", "CharTensor", "ShortTensor", "HalfTensor", "BFloat16Tensor"};
  return std::string("fastgrad.") + names[static_cast<int>(t.dtype())];
}
}  // namespace

struct EmbeddingBackward0 : NamedNode<EmbeddingBackward0> {
  static constexpr const char* kName = "EmbeddingBackward0";
  int64_t num_weights;
  int64_t padding_idx;  // -1: none (already made non-negative)
  bool scale_grad_by_freq;
  EmbeddingBackward0(int64_t n, int64_t pad, bool scale)
      : num_weights(n), padding_idx(pad), scale_grad_by_freq(scale) {}

  tensor_list apply(tensor_list&& g) override {
    // d out[i, :] / d weight[idx[i], :] = 1: the rows of g are summed into the rows they were read from,
    // except the padding row, which never receives a gradient.
    Tensor idx = saved(0);  // flat int64 indices
    const int64_t dim = g[0].dim() > 0 ? g[0].size(g[0].dim() - 1) : 1;
    if (!scale_grad_by_freq && !compute_requires_grad({&g[0]}) && is_floating(g[0].dtype())) {
      // Straight into a zeroed gradient, the padding row skipped (cpu/index_kernels.h).
      Tensor grad = zeros({num_weights, dim}, g[0].dtype()), gd = dense(g[0]);
      if (grad.dtype() == ScalarType::Float32)
        cpu::index_add_rows<float>(grad.data<float>(), gd.data<float>(), idx.data<int64_t>(), 1, num_weights,
                                   idx.numel(), dim, padding_idx);
      else
        cpu::index_add_rows<double>(grad.data<double>(), gd.data<double>(), idx.data<int64_t>(), 1, num_weights,
                                    idx.numel(), dim, padding_idx);
      return {grad};
    }
    Tensor rows = reshape(g[0], {idx.numel(), dim});
    if (padding_idx >= 0) rows = where(unsqueeze(compare(idx, Scalar(padding_idx), CompareOp::Ne), 1), rows, Scalar(0));
    if (scale_grad_by_freq) {  // each row's gradient divided by the number of times its index was looked up
      Tensor counts = index_add(zeros({num_weights}, g[0].dtype()), 0, idx, ones({idx.numel()}, g[0].dtype()));
      rows = div(rows, unsqueeze(index_select(counts, 0, idx), 1));
    }
    return {index_add(zeros({num_weights, dim}, g[0].dtype()), 0, idx, rows)};
  }
};

Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq) {
  FG_CHECK(weight.dim() == 2, Error, "'weight' must be 2-D");
  FG_CHECK(indices.dtype() == ScalarType::Int64 || indices.dtype() == ScalarType::Int32, Error,
           "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
           "but got ",
           legacy_type_name(indices), " instead (while checking arguments for embedding)");
  const int64_t num = weight.size(0);
  Tensor flat = cast(reshape(indices.detach(), {-1}), ScalarType::Int64, /*force_copy=*/true);
  const int64_t* iv = flat.data<int64_t>();
  for (int64_t i = 0; i < flat.numel(); ++i)
    FG_CHECK(iv[i] >= 0 && iv[i] < num, IndexError, "index out of range in self");
  Tensor out;
  {
    NoGradGuard no_grad;
    Dims shape = indices.sizes();
    shape.push_back(weight.size(1));
    out = reshape(index_select(weight, 0, flat), shape);
  }
  if (compute_requires_grad({&weight})) {
    auto node = make_node<EmbeddingBackward0>({&weight}, num, padding_idx, scale_grad_by_freq);
    node->save(flat);
    set_history(out, node);
  }
  return out;
}

}  // namespace fastgrad
