#include "fastgrad/allocator.h"
#include "fastgrad/error.h"
#include "fastgrad/tensor.h"

#include "asan.h"

namespace fastgrad {

namespace {
// The block's size travels in the context pointer, so a release needs no lookup.
void release_to_allocator(void* context, void* data) { release_block(data, reinterpret_cast<size_t>(context)); }
}  // namespace

std::shared_ptr<Storage> Storage::allocate(size_t nbytes) {
  auto s = std::make_shared<Storage>();
  s->nbytes_ = nbytes;
  if (nbytes <= kInlineBytes) {
    s->data_ = s->inline_;  // small tensors: one allocation for storage and data together
    detail::asan_poison(s->inline_ + nbytes, kInlineBytes - nbytes);  // See Note [ASan and the pools]
    return s;
  }
  size_t block = 0;
  s->data_ = allocate_block(nbytes, block);  // See Note [Caching allocator]
  s->deleter_ = release_to_allocator;
  s->context_ = reinterpret_cast<void*>(block);
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
  if (data_ == inline_) detail::asan_unpoison(inline_, kInlineBytes);
}

}  // namespace fastgrad
