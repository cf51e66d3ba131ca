// The advanced-index plan shared by the index ops (index.cpp, scatter.cpp).
#pragma once

#include <vector>

#include "common.h"

namespace fastgrad {

// Note [Advanced indexing]
// index(self, indices): indices[d] indexes dimension d of self (undefined: the whole dimension; a k-dim bool
// mask takes one entry and indexes k dimensions, as its nonzero() columns). The index tensors broadcast
// together to a shape B. When the indexed dimensions are adjacent, B takes their place; otherwise B comes
// first and the other dimensions follow in order. The result is a copy laid out as (pre, B, post), where pre
// and post are the non-indexed dimensions before and after B, so element offsets factor into
// pre_offset + base_offset(b) + post_offset and gather/put are three flat loops.
struct IndexPlan {
  IndexPlan(const Tensor& self, const tensor_list& indices);

  Dims self_sizes, b_shape, out_shape;
  int64_t nb = 1;                            // numel of B
  std::vector<int64_t> pre_dims, post_dims;  // non-indexed dimensions of self, in result order
  std::vector<int64_t> dims;                 // the indexed dimensions
  tensor_list values;                        // per indexed dimension: int64 of shape B, non-negative, checked
  // Fast path for the most common advanced index, t[mask] with a mask over t's leading dimensions: the
  // selected positions are read off the mask (a contiguous copy) instead of its nonzero() columns.
  Tensor mask;

  struct Offsets {
    std::vector<int64_t> pre, base, post;
  };
  Offsets offsets(const Dims& strides) const;
  // A new contiguous tensor of out_shape with self's selected elements.
  Tensor gather(const Tensor& self) const;
  // dst[selected] = values (or += when accumulating), values broadcast to out_shape and converted to dst's dtype.
  void put(const Tensor& dst, const Tensor& values, bool accumulate) const;
  // The checked index tensors in self-dimension positions (undefined where not indexed), for backward.
  tensor_list normalized_indices() const;
};

// Replaces each bool mask by the columns of its nonzero(), checking its shape against self's dimensions and
// every index's dtype.
tensor_list expand_masks(const Tensor& self, const tensor_list& indices);
// PyTorch's index_put_ writes through masked_fill_ (with value.item(), so a value of any dtype) when it does not
// accumulate, the value has one element and the indices are one bool mask beside undefined (full-slice) entries.
bool put_is_masked_fill(const tensor_list& indices, const Tensor& values, bool accumulate);
// index_put's checks on its values: PyTorch's rule is self's dtype, except where put_is_masked_fill; and they
// must broadcast to the indexing result.
void check_put_values(const Tensor& self, const tensor_list& indices, const Tensor& values, const IndexPlan& plan,
                      bool accumulate);
// dst[mask] = value in place, mask broadcasting to dst's shape (no autograd; scatter.cpp).
void masked_fill_kernel(const Tensor& dst, const Tensor& mask, Scalar value);
// The shape index tensors broadcast to (IndexError with PyTorch's message when they don't).
Dims broadcast_index_shapes(const tensor_list& indices);

}  // namespace fastgrad
