/// \file
/// The text form of a graph, one line per computed node, inputs first: what TJ_LOG_LEVEL=trace
/// prints after each compiler phase and what the rewrite goldens (tests/rewrite/) compare.
///
///     %0 = exp(x) : float64[?]
///     %1 = add(%0, 1) : float64[?]
///     out0 = %1
///
/// Inputs and shared variables print by name (or "<float64[?]>" when unnamed), scalar constants
/// by value with their dtype when it is not float64 ("2:int8"), other constants as
/// "constant<float64[3]>". Node numbers follow topo_order, so equal graphs print equal text.
#pragma once

#include "compiler/graph/function_graph.hpp"

#include <span>
#include <string>

namespace tensorjit {

/// The nodes reachable from roots; the roots are labelled `labels[i]` (or "out<i>").
std::string graph_text(std::span<const NodePtr> roots, std::span<const std::string> labels = {});

/// The function graph's outputs ("out<i>") and updates ("update <shared name>").
std::string graph_text(const FunctionGraph& g);

} // namespace tensorjit
