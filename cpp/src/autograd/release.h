// Internal: iterative destruction of graphs. See Note [No recursion in destruction] in node.cpp.
#pragma once

#include <memory>

namespace fastgrad {
class Node;
void release_node(std::shared_ptr<Node>&& node);
}  // namespace fastgrad
