/// \file
/// The graph-to-graph phases of the compiler's middle, one free function per file. The pipeline
/// (compiler/codegen/pipeline.cpp) runs them in the order DESIGN.md names:
/// merge -> canonicalize -> stabilize -> canonicalize -> specialize, then the codegen phases.
/// Each returns a graph whose outputs and updates compute the same values as its argument's.
#pragma once

#include "compiler/graph/function_graph.hpp"

#include <span>
#include <unordered_map>

namespace tensorjit {

/// merge.cpp
FunctionGraph merge(FunctionGraph g);
/// canonicalize.cpp
FunctionGraph canonicalize(FunctionGraph g);
/// stabilize.cpp
FunctionGraph stabilize(FunctionGraph g);
/// specialize.cpp
FunctionGraph specialize(FunctionGraph g);

/// g with its outputs and update values replaced by roots (outputs first, as g.roots()).
FunctionGraph replace_roots(const FunctionGraph& g, std::span<const NodePtr> roots);
/// g with the nodes of `repl` replaced (replace_nodes on every root).
FunctionGraph replace_in(const FunctionGraph& g,
                         const std::unordered_map<const Node*, NodePtr>& repl);

} // namespace tensorjit
