/// \file
/// A private kernel cache for one benchmark process: include this header in a benchmark and
/// TJ_CACHE_DIR points at a fresh directory made by mkdtemp before main() (so before the library
/// opens its process-wide cache, which reads the variable once), removed at exit.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace tj_bench {

/// Owns the temporary cache directory of this process.
class TempCacheDir {
  public:
    TempCacheDir() {
        std::error_code ec;
        auto tmp = std::filesystem::temp_directory_path(ec);
        std::string templ =
            ((ec ? std::filesystem::path("/tmp") : tmp) / "tj_bench_XXXXXX").string();
        if (!mkdtemp(templ.data())) {
            std::perror("mkdtemp");
            std::exit(1);
        }
        path_ = templ;
        // A subdirectory, created by the library with mode 0700 as it expects of a cache.
        cache_ = path_ / "cache";
        setenv("TJ_CACHE_DIR", cache_.c_str(), 1);
    }
    ~TempCacheDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempCacheDir(const TempCacheDir&) = delete;
    TempCacheDir& operator=(const TempCacheDir&) = delete;
    /// The directory TJ_CACHE_DIR names.
    const std::filesystem::path& cache() const { return cache_; }

  private:
    std::filesystem::path path_;
    std::filesystem::path cache_;
};

/// The process's cache directory, created on first use (call it from a benchmark to make sure
/// the directory exists before anything builds a function).
inline TempCacheDir& temp_cache_dir() {
    static TempCacheDir dir;
    return dir;
}

namespace detail {
// Runs during static initialisation, before google benchmark's main() and before any function
// is built; `inline` keeps it to one instance however many files include the header.
inline const bool cache_dir_ready = (temp_cache_dir(), true);
} // namespace detail

} // namespace tj_bench
