/// \file
/// The cache key of a function graph: SHA-256 over its canonical text (before rewrites), the
/// toolchain and target, the templates and the rewrite/emitter versions.
#pragma once

#include "compiler/graph/function_graph.hpp"

#include <string>
#include <utility>
#include <vector>

namespace tensorjit {

namespace jit {
struct Target;
}

/// Canonical text of g: nodes renumbered by position in a deterministic order, inputs and shared
/// variables by position and type, constants by value (never by identity or name). Without
/// `types`, the types of inputs, shared variables and nodes are left out: the text of the
/// function graph whatever the signature it is compiled for.
std::string canonical_text(const FunctionGraph& g, bool types = true);

/// What a cache key is made of, one component each, so that a miss can say which one differs
/// from the entries of the same function graph (kernel metadata keeps them).
struct KeyComponents {
    std::string graph;     ///< SHA-256 of canonical_text(g, false): the function graph
    std::string signature; ///< the types of inputs and shared variables and the layout flags
    std::string toolchain; ///< LLVM's version and the emitter's (kCodegenVersion)
    std::string templates; ///< codegen::templates_hash()
    std::string target;    ///< triple, CPU and features the code is built for
    std::string codegen;   ///< the code generation options (rewrites on or off, profile on)

    /// The components by name, in key order: ("graph", graph), ("signature", ...), ...
    std::vector<std::pair<const char*, const std::string*>> fields() const;
};

/// The components of g's key for `target`.
KeyComponents key_components(const FunctionGraph& g, const jit::Target& target);

/// Hex SHA-256 of the components and the canonical text with types.
std::string graph_key(const FunctionGraph& g, const KeyComponents& components);

/// key_components(g, target) into *components and graph_key(g, *components), in one walk of g.
std::string graph_key(const FunctionGraph& g, const jit::Target& target, KeyComponents* components);

/// graph_key for jit::default_target().
std::string graph_key(const FunctionGraph& g);

/// Bump when the emitter's or the rewrites' output changes for the same graph.
inline constexpr int kCodegenVersion = 7;

} // namespace tensorjit
