/// \file
/// Precompiling: filling the kernel cache from graph files (tj::save_function) ahead of time,
/// for this host or for other CPUs, and asking why a function misses the cache. The library
/// side of `tensorjit-cache warm` and `tensorjit-cache explain`.
///
///     tj::save_function("train.tjgraph", {x, y}, {cost}, {.updates = ...});  // in the app
///     tj::warm_graph_file("train.tjgraph", "x86-64-v3");  // in CI: an entry for AVX2 hosts
///
/// The cache used is the process's (TJ_CACHE_DIR, ...), with its shared layers (TJ_CACHE_SHARED,
/// TJ_CACHE_REDIS); an application started with TJ_TARGET_CPU=x86-64-v3 on any host that can run
/// that code then gets disk hits.
#pragma once

#include <tensorjit/export.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

TJ_API_BEGIN
namespace tensorjit {

/// What warm_graph_file did with one graph file.
struct WarmResult {
    enum class Status {
        Compiled, ///< compiled and stored
        Cached,   ///< a cache layer already had it
        Failed,   ///< see error
    };
    Status status = Status::Failed;
    std::string function;     ///< the function's name in the file, or the file's stem
    std::string target;       ///< "native" or the CPU name
    std::string key;          ///< its cache key ("" when the file could not be read)
    std::string error;        ///< why it failed (a ValueError naming the file, a CompileError...)
    double seconds = 0;       ///< wall time of this file
    std::uintmax_t bytes = 0; ///< size of the entry (object, source, metadata)
};

/// Compiles the function of a graph file into the kernel cache for `target_cpu` (an LLVM CPU
/// name: x86-64, x86-64-v2/v3/v4, haswell, skylake-avx512, znver3, ...; "native" for this host;
/// "" for the process's target, TJ_TARGET_CPU or native), unless a cache layer has it already.
/// Code for another CPU is compiled and stored, never loaded or run. Never throws for a bad file
/// or a failed compile: the result says Failed and why. Thread-safe: warm several files at once.
WarmResult warm_graph_file(const std::filesystem::path& file, const std::string& target_cpu = "");

/// Throws ValueError when LLVM does not know `cpu` ("native" and "" are fine).
void check_target_cpu(const std::string& cpu);

/// Why a function is or is not in the cache, as `tensorjit-cache explain` prints it. For a key
/// (hex digits): its entry's function, key components and build time, and the other entries of
/// the same function graph with the components they differ in. For a graph file: its key for
/// `target_cpu` (as warm_graph_file), whether it is cached, and otherwise the nearest entry of
/// the same function graph and what differs (signature, toolchain, templates, target,
/// codegen options). Throws ValueError for a bad graph file.
std::string explain_cache(const std::string& key_or_file, const std::string& target_cpu = "");

} // namespace tensorjit
TJ_API_END
