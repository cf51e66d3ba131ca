// Umbrella header: everything a native app needs (see docs/cpp.md).
//
//   #include <fastgrad/fastgrad.h>
//   auto w = fastgrad::randn({3}).requires_grad_();
//   auto loss = (w * w).sum();
//   loss.backward();            // w.grad() == 2 * w
//   std::cout << w.grad() << "\n";
#pragma once

#include "fastgrad/allocator.h"
#include "fastgrad/autocast.h"
#include "fastgrad/autograd.h"
#include "fastgrad/cpu.h"
#include "fastgrad/dtype.h"
#include "fastgrad/error.h"
#include "fastgrad/function.h"
#include "fastgrad/generator.h"
#include "fastgrad/linalg.h"
#include "fastgrad/nn.h"
#include "fastgrad/node.h"
#include "fastgrad/ops.h"
#include "fastgrad/optim.h"
#include "fastgrad/parallel.h"
#include "fastgrad/print.h"
#include "fastgrad/shape.h"
#include "fastgrad/tensor.h"
