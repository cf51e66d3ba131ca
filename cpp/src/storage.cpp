#include <cstdlib>
#include <new>

#include "fastgrad/error.h"
#include "fastgrad/tensor.h"

namespace fastgrad {

namespace {
constexpr size_t kAlignment = 64;  // cache line; also enough for any SIMD width we use

void free_aligned(void*, void* data) { std::free(data); }
}  // namespace

std::shared_ptr<Storage> Storage::allocate(size_t nbytes) {
  auto s = std::make_shared<Storage>();
  s->nbytes_ = nbytes;
  if (nbytes <= kInlineBytes) {
    s->data_ = s->inline_;  // small tensors: one allocation for storage and data together
    return s;
  }
  size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p)
    throw std::bad_alloc();  // the bindings turn this into MemoryError
  s->data_ = p;
  s->deleter_ = free_aligned;
  return s;
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, Deleter deleter, void* context) {
  auto s = std::make_shared<Storage>();
  s->data_ = data;
  s->nbytes_ = nbytes;
  s->deleter_ = deleter;
  s->context_ = context;
  return s;
}

Storage::~Storage() {
  if (deleter_) deleter_(context_, data_);
}

}  // namespace fastgrad
