/// \file
/// Helpers shared by the tests: random arrays, temporary directories, paths.
#pragma once

#include <tensorjit/array.hpp>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>

namespace tj_test {

/// A fresh empty directory under the system temporary directory, removed by the destructor.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

/// Uniform random values in [lo, hi) of the given dtype and shape (C-contiguous); integer dtypes
/// get integers in [lo, hi).
tensorjit::Array random_array(std::mt19937_64& rng, tensorjit::DType dtype,
                              const tensorjit::Dims& shape, double lo = -1, double hi = 1);

/// ../shared/ beside the project root.
std::filesystem::path shared_dir();

/// Runs a command, returns its exit status and captures stdout into out.
int run_command(const std::string& command, std::string* out = nullptr);

} // namespace tj_test
