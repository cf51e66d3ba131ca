// Internal: what the engine reads of the state in grad_mode.cpp.
#pragma once

#include "fastgrad/autograd.h"

namespace fastgrad {

// The poll installed with set_interrupt_poll(), or nullptr.
InterruptPoll current_interrupt_poll();

}  // namespace fastgrad
