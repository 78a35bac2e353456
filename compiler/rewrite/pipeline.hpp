/// \file
/// The rewrite pipeline, a flat sequence of phases:
/// merge -> canonicalize -> stabilize -> constant_fold -> merge. Runs only on
/// a cache miss (the key is taken before rewrites).
#pragma once

#include "compiler/graph/function_graph.hpp"

namespace tensorjit {

/// Returns g rewritten; the outputs compute the same values.
FunctionGraph rewrite_pipeline(FunctionGraph g);

/// Applies the local rewrites of a phase ("canonicalize", "stabilize") to every root.
FunctionGraph rewrite_phase(FunctionGraph g, const char* phase);

/// Merges structurally identical nodes (same op, attrs, type and inputs; constants by value):
/// common subexpression elimination. Precondition: none.
FunctionGraph merge(FunctionGraph g);

/// Replaces nodes whose inputs are all constants by their value (reference evaluation), when the
/// value is small (at most 64 elements). Precondition: none.
FunctionGraph constant_fold(FunctionGraph g);

} // namespace tensorjit
