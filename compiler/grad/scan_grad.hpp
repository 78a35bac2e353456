/// \file
/// The gradient of a scan result (backpropagation through time), for grad.cpp.
#pragma once

#include "compiler/graph/node.hpp"

#include <vector>

namespace tensorjit {

/// Per input of the Scan node `node` (n_steps, sequences, initial values, non-sequences) its
/// gradient given the result's gradient `gout` (undefined where none flows, and for the inputs
/// `needed` marks false: their gradients are not computed). TypeError for an until loop.
std::vector<Var> scan_pullback(const Node& node, const Var& gout, const std::vector<bool>& needed);

} // namespace tensorjit
