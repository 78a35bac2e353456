/// \file
/// Helpers shared by element-wise ops and by ops that broadcast.
#pragma once

#include "compiler/graph/node.hpp"

#include <span>

namespace tensorjit {

/// Static broadcast of the input types' shapes (NumPy rules; `dyn` stays unknown unless another
/// input fixes it). ShapeError naming the op and both shapes when known extents disagree.
Dims broadcast_static(std::span<const NodePtr> inputs, const char* op);

/// The gradient g (of a broadcast result) summed back to the shape of x.
Var sum_to(const Var& g, const Var& x);

} // namespace tensorjit
