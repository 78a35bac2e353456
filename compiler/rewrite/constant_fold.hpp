/// \file
/// Constant folding of one node: the value of a node whose inputs are all constants, computed by
/// the op's reference implementation, when it is small enough to keep in the graph.
#pragma once

#include "compiler/graph/node.hpp"

#include <cstdint>

namespace tensorjit {

/// Largest number of elements a folded constant may have.
constexpr std::int64_t kMaxFoldedElements = 64;

/// n's value as a constant node when every input of n is a constant, n has a reference
/// implementation and its value has at most kMaxFoldedElements elements (judged from the static
/// shape before anything is computed); nullptr otherwise, and when the reference raises a user
/// error (left to fail at run time with the kernel's message).
NodePtr fold_constant(const Node& n);

} // namespace tensorjit
