// Sizes and strides. Tensors up to kInlineDims dimensions keep them inline, so creating a small tensor
// does not allocate for its shape (see docs/design.md, section 8: the per-op budget is in allocation).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

namespace fastgrad {

/// A shape or list of dims: a small vector of int64 that keeps up to kInlineDims values without allocating.
class Dims {
 public:
  /// How many values live inline (no allocation).
  static constexpr size_t kInlineDims = 5;

  /// No dims (the shape of a 0-d tensor).
  Dims() = default;
  /// n copies of value.
  explicit Dims(size_t n, int64_t value = 0) { assign(n, value); }
  /// The listed values: Dims{2, 3}.
  Dims(std::initializer_list<int64_t> v) { assign(v.begin(), v.end()); }
  /// The values of a vector.
  Dims(const std::vector<int64_t>& v) { assign(v.data(), v.data() + v.size()); }  // NOLINT
  /// The values in [b, e).
  Dims(const int64_t* b, const int64_t* e) { assign(b, e); }
  /// A copy.
  Dims(const Dims& o) { assign(o.begin(), o.end()); }
  /// Takes o's values, leaving o empty.
  Dims(Dims&& o) noexcept { steal(o); }
  /// Copies o's values.
  Dims& operator=(const Dims& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  /// Takes o's values, leaving o empty.
  Dims& operator=(Dims&& o) noexcept {
    if (this != &o) {
      release();
      steal(o);
    }
    return *this;
  }
  ~Dims() { release(); }

  /// The number of values.
  size_t size() const { return size_; }
  /// True when there are none.
  bool empty() const { return size_ == 0; }
  /// The values.
  int64_t* data() { return heap_ ? heap_ : inline_; }
  /// The values.
  const int64_t* data() const { return heap_ ? heap_ : inline_; }
  /// The i-th value.
  int64_t& operator[](size_t i) { return data()[i]; }
  /// The i-th value.
  int64_t operator[](size_t i) const { return data()[i]; }
  /// Iteration.
  int64_t* begin() { return data(); }
  /// Iteration.
  int64_t* end() { return data() + size_; }
  /// Iteration.
  const int64_t* begin() const { return data(); }
  /// Iteration.
  const int64_t* end() const { return data() + size_; }
  /// The last value (requires size() > 0).
  int64_t back() const { return data()[size_ - 1]; }
  /// The values as a std::vector.
  std::vector<int64_t> vec() const { return std::vector<int64_t>(begin(), end()); }

  /// Appends v.
  void push_back(int64_t v) {
    reserve(size_ + 1);
    data()[size_++] = v;
  }
  /// Inserts v before position pos.
  void insert(size_t pos, int64_t v) {
    reserve(size_ + 1);
    int64_t* d = data();
    std::memmove(d + pos + 1, d + pos, (size_ - pos) * sizeof(int64_t));
    d[pos] = v;
    ++size_;
  }
  /// Removes the value at pos.
  void erase(size_t pos) {
    int64_t* d = data();
    std::memmove(d + pos, d + pos + 1, (size_ - pos - 1) * sizeof(int64_t));
    --size_;
  }
  /// n values, new ones set to value.
  void resize(size_t n, int64_t value = 0) {
    reserve(n);
    for (size_t i = size_; i < n; ++i) data()[i] = value;
    size_ = static_cast<uint32_t>(n);
  }

  /// Same values in the same order.
  bool operator==(const Dims& o) const {  // a plain loop: std::equal calls memcmp, dear on a few dims
    if (size_ != o.size_) return false;
    const int64_t *a = data(), *b = o.data();
    for (size_t i = 0; i < size_; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  /// Not the same values.
  bool operator!=(const Dims& o) const { return !(*this == o); }

 private:
  void reserve(size_t n) {
    if (n <= capacity()) return;
    size_t cap = std::max(n, 2 * capacity());
    auto* h = new int64_t[cap];
    std::memcpy(h, data(), size_ * sizeof(int64_t));
    delete[] heap_;
    heap_ = h;
    heap_cap_ = static_cast<uint32_t>(cap);
  }
  size_t capacity() const { return heap_ ? heap_cap_ : kInlineDims; }
  void assign(size_t n, int64_t value) {
    size_ = 0;
    resize(n, value);
  }
  void assign(const int64_t* b, const int64_t* e) {
    size_ = 0;
    reserve(static_cast<size_t>(e - b));
    std::copy(b, e, data());
    size_ = static_cast<uint32_t>(e - b);
  }
  void steal(Dims& o) {
    size_ = o.size_;
    heap_ = o.heap_;
    heap_cap_ = o.heap_cap_;
    if (!heap_) std::memcpy(inline_, o.inline_, size_ * sizeof(int64_t));
    o.heap_ = nullptr;
    o.size_ = 0;
  }
  void release() {
    delete[] heap_;
    heap_ = nullptr;
  }

  int64_t inline_[kInlineDims];
  int64_t* heap_ = nullptr;
  uint32_t heap_cap_ = 0;  // 32-bit counts: a Dims is 56 bytes (TensorImpl has two, every Node one)
  uint32_t size_ = 0;
};

/// Number of elements of a shape (1 for 0-d).
inline int64_t numel_of(const Dims& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

/// Row-major strides for a shape.
Dims contiguous_strides(const Dims& sizes);

/// "[2, 3]" as PyTorch prints shapes in messages.
std::string shape_str(const Dims& sizes);

/// Wraps a possibly negative dimension index into [0, ndim); IndexError naming the op otherwise.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
/// The dims of a dim list (sum(dim=(0, 2)), flip, squeeze) as a mask over the ndim dimensions, each wrapped as
/// wrap_dim does (a 0-d tensor takes 0 and -1, and its mask is empty); a dimension listed twice, also on a 0-d
/// tensor, is PyTorch's RuntimeError "dim d appears multiple times in the list of dims".
std::vector<bool> dim_list_mask(int64_t ndim, const Dims& dims, const char* op);
/// wrap_dim for a dimension that must exist: where wrap_dim lets a 0-d tensor take dim 0 and -1 (as PyTorch's
/// reductions do), this raises PyTorch's IndexError "Dimension specified as <dim> but tensor has no dimensions"
/// (size(), stride(), unbind, roll, take_along_dim).
int64_t wrap_existing_dim(int64_t dim, int64_t ndim, const char* op);

/// The shape two shapes broadcast to; RuntimeError naming the op when they don't.
Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op);

}  // namespace fastgrad
