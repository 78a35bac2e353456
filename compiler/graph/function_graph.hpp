/// \file
/// The function graph: what one compiled function computes, with givens applied, outputs and
/// updates as roots, and shared variables collected as implicit inputs.
#pragma once

#include "compiler/graph/node.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tensorjit {

struct FunctionGraph {
    std::vector<NodePtr> inputs;  ///< explicit Input nodes, by position
    std::vector<NodePtr> shared;  ///< Shared nodes, in order of first use (outputs, then updates)
    std::vector<NodePtr> outputs; ///< output expressions (never a bare leaf: see make)
    std::vector<std::pair<int, NodePtr>> updates; ///< (index into shared, new value)
    bool rewrites = true; ///< run the rewrite pipeline (off: the graph is lowered as built)
    /// The signature's layout flags: bit k is set when leaf k (explicit inputs by position, then
    /// shared variables; leaves past 63 share bit 63) may be strided in the calls this kernel
    /// serves. 0, the common case, promises C-contiguous arrays: loops over them then have no
    /// stride arithmetic at all.
    std::uint64_t strided_leaves = 0;
    /// FunctionOptions::name (or ""): named in logs and cache metadata, not part of the key.
    std::string name;
    /// Instrument the kernel (FunctionOptions::profile): each step is timed and its bytes
    /// counted. Part of the key (its codegen component): a profiled kernel is another entry.
    bool profile = false;

    /// Outputs then update values.
    std::vector<NodePtr> roots() const;
};

} // namespace tensorjit
