/// \file
/// What the pullbacks of the element-wise table (<tensorjit/elementwise_ops.def>) are written
/// with: the node's inputs, zero and masked gradients, constants and digamma.
#pragma once

#include "compiler/graph/node.hpp"
#include "compiler/ops/elemwise.hpp" // sum_to

namespace tensorjit {

inline constexpr double kLn2 = 0.693147180559945309417;
inline constexpr double kLn10 = 2.302585092994045684018;
inline constexpr double kTwoOverSqrtPi = 1.128379167095512573896;
inline constexpr double kSqrtPiOverTwo = 0.886226925452758013649;

/// Input i of n.
inline Var in(const Node& n, int i) { return Var(n.inputs[i]); }

/// A zero gradient with x's shape and dtype (PyTensor's zeros_like): piecewise-constant ops
/// return it, so the cost stays connected to their inputs and grad() gives zeros instead of a
/// "does not depend on" error.
Var zero_grad(const Var& x);

/// g where mask holds, 0 elsewhere (a select, not a product: an infinite g stays out of the rest).
Var masked(const Var& mask, const Var& g);

/// digamma(x) = d/dx gammaln(x), built from element-wise ops so that it is differentiable in
/// turn.
Var digamma(const Var& x);

} // namespace tensorjit
