// Internal helpers shared by the op files, in three headers by job: recording Nodes (record.h), element
// helpers without autograd (element.h) and the in-place protocol (inplace.h).
#pragma once

#include "element.h"
#include "inplace.h"
#include "record.h"
