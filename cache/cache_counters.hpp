/// \file
/// The statistics a cache directory keeps about itself (`tensorjit-cache stats`): hits and misses
/// per layer and the compile time spent and saved, in <dir>/stats.json, updated under a file lock
/// by every process that uses the directory (as ccache keeps its counters in the cache).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace tensorjit::cache {

/// Hits and misses of one cache layer ("local", "shared", "redis").
struct LayerCounters {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
};

/// What stats.json holds; also a change to add to it.
struct Counters {
    std::map<std::string, LayerCounters> layers;
    std::uint64_t compiles = 0; ///< kernels compiled because every layer missed
    std::uint64_t compile_failures = 0;
    double compile_ms = 0; ///< time spent compiling them
    double saved_ms = 0;   ///< compile time of the entries hits served (from their metadata)
};

/// The name of the counters file in a cache directory.
inline constexpr const char* kCountersFile = "stats.json";

/// Adds `delta` to dir's counters under an exclusive lock of the file (created if missing).
/// Failures (read-only directory, a bad file: it is reset) are logged at debug level; never
/// throws. Not for the call path: a kernel build calls it once.
void add_counters(const std::filesystem::path& dir, const Counters& delta);

/// dir's counters (zero when there are none or the file is unreadable). Never throws.
Counters read_counters(const std::filesystem::path& dir);

/// Zeroes dir's counters; false when the file cannot be written.
bool zero_counters(const std::filesystem::path& dir);

} // namespace tensorjit::cache
