// A few lines of fastgrad from C++: build a small graph, run backward, print the gradients.
//
//   loss = sum((W @ x) ** 2)   with W = [[0, 1, 2], [3, 4, 5]] and x = [1, 2, 3]
//   W @ x = [8, 26];  dloss/dW = 2 (W @ x) x^T = [[16, 32, 48], [52, 104, 156]]
//                     dloss/dx = 2 W^T (W @ x) = [156, 224, 292]
#include <fastgrad/fastgrad.h>

#include <cstdio>

namespace fg = fastgrad;

static void print(const char* name, const fg::Tensor& t) {
  fg::Tensor c = fg::contiguous(t);
  std::printf("%s:", name);
  for (int64_t i = 0; i < c.numel(); ++i) std::printf(" %g", c.data<double>()[i]);
  std::printf("\n");
}

int main() {
  fg::Tensor W = fg::view(fg::arange(0, 6, 1, fg::ScalarType::Float64), {2, 3});
  W.set_requires_grad(true);
  fg::Tensor x = fg::arange(1, 4, 1, fg::ScalarType::Float64);
  x.set_requires_grad(true);

  fg::Tensor loss = fg::sum(fg::pow(fg::matmul(W, x), 2));
  loss.backward();

  std::printf("blas: %s\n", fg::blas_name());
  std::printf("loss grad_fn: %s\n", loss.grad_fn()->name().c_str());
  print("loss", loss);
  print("W.grad", W.grad());
  print("x.grad", x.grad());
  return 0;
}
