/// \file
/// Why a kernel is not in the cache: the entries of the same function graph (KeyComponents::graph)
/// are compared with the key that missed, component by component (the debug log of a miss, and
/// `tensorjit-cache explain`).
#pragma once

#include "compiler/function/graph_key.hpp"

#include <string>

namespace tensorjit {

namespace cache {
class DiskCache;
}

/// One line per finding: "nearest entry <key> (<function>) differs in target: ..." with the
/// values of each differing component (feature lists as the features added and removed), or
/// "no entry of this function graph among N entries". Reads only entry headers and metadata.
std::string explain_miss(const cache::DiskCache& disk, const KeyComponents& wanted);

/// What the cache holds for `key`: its function, components and build times, and the other
/// entries of its function graph with the components they differ in; or that there is none.
std::string explain_key(const cache::DiskCache& disk, const std::string& key);

} // namespace tensorjit
