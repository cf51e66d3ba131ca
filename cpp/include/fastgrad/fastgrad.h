// Umbrella header: everything a native app needs.
//
//   #include <fastgrad/fastgrad.h>
//   auto w = fastgrad::randn({3}).set_requires_grad(true);
//   auto loss = fastgrad::sum(w * w);
//   loss.backward();            // w.grad() == 2 * w
#pragma once

#include "fastgrad/allocator.h"
#include "fastgrad/autograd.h"
#include "fastgrad/cpu.h"
#include "fastgrad/dtype.h"
#include "fastgrad/error.h"
#include "fastgrad/function.h"
#include "fastgrad/generator.h"
#include "fastgrad/node.h"
#include "fastgrad/ops.h"
#include "fastgrad/parallel.h"
#include "fastgrad/shape.h"
#include "fastgrad/tensor.h"
