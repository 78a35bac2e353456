/// \file
/// Graph files: a function's graph saved as a versioned JSON document and loaded back as a
/// callable function that computes, updates and caches exactly as the one built in C++.
///
///     tj::save_function("train.tjgraph", {x, y}, {prediction, cost},
///                       {.updates = {{w, w - 0.1 * gw}}});
///     auto train = tj::load_multi_function("train.tjgraph");
///     train.save("copy.tjgraph"); // a built function writes the same document
///
/// The document holds data only (the graph as built, givens and default updates of random
/// streams already applied, inputs with their defaults, shared variables with their types and
/// values): loading never executes or evaluates anything from it. Every node is re-made through
/// its op's type rule, and a file that is not a valid graph file (truncated, wrong version,
/// unknown op, wrong arity, inconsistent types, forward references, absurd sizes, invalid
/// UTF-8...) raises tj::ValueError whose message starts with the file's path and names the node.
/// The loaded graph has the cache key of the graph built in C++: a warm kernel cache serves it.
/// Scans (tj::scan, their gradients, nested scans) are saved with their loop bodies: a "bodies"
/// list, each body's placeholders, nodes (the same encoding) and outputs, inner bodies first.
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/function.hpp>

#include <filesystem>
#include <vector>

TJ_API_BEGIN
namespace tensorjit {

/// Options of save_function.
struct GraphFileOptions {
    /// Where the values of shared variables go.
    enum class Values {
        Embedded, ///< in the document, as base64 of their `.npy` bytes
        Beside,   ///< as `.npy` files next to the document (`<file name>.shared<k>.npy`)
        None,     ///< nowhere: load_function must bind every shared variable (GraphLoadOptions)
    };
    Values values = Values::Embedded;
};

/// Options of load_function.
struct GraphLoadOptions {
    /// Existing shared variables to use instead of new ones, matched by name with the file's
    /// (the types must be equal): functions loaded with the same variables share their state.
    std::vector<SharedVar> bind;
    /// When set, receives the shared variables of the loaded function in the file's order
    /// (bound ones and the new ones holding the file's values).
    std::vector<SharedVar>* shared = nullptr;
};

/// Writes the graph tj::function(inputs, outputs, options) would compile to `path` (replacing
/// it). Runs every check tj::function runs (same exceptions); ValueError naming the file when it
/// cannot be written.
void save_function(const std::filesystem::path& path, const std::vector<In>& inputs,
                   const std::vector<Var>& outputs, const FunctionOptions& options = {},
                   const GraphFileOptions& file_options = {});

/// Loads a graph file with exactly one output as a Function (ValueError otherwise).
Function load_function(const std::filesystem::path& path, const GraphLoadOptions& options = {});

/// Loads a graph file with any number of outputs as a MultiFunction.
MultiFunction load_multi_function(const std::filesystem::path& path,
                                  const GraphLoadOptions& options = {});

} // namespace tensorjit
TJ_API_END
