/// \file
/// The cache key of a function graph: SHA-256 over its canonical text (before rewrites), the
/// toolchain and target, the templates and the rewrite/emitter versions.
#pragma once

#include "compiler/graph/function_graph.hpp"

#include <string>

namespace tensorjit {

/// Canonical text of g: nodes renumbered by position in a deterministic order, inputs and shared
/// variables by position and type, constants by value (never by identity or name).
std::string canonical_text(const FunctionGraph& g);

/// Hex SHA-256 of the canonical text and everything else the generated code depends on.
std::string graph_key(const FunctionGraph& g);

/// Bump when the emitter's or the rewrites' output changes for the same graph.
inline constexpr int kCodegenVersion = 6;

} // namespace tensorjit
