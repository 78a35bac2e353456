/// \file
/// Helpers shared by the tests: random arrays, temporary directories, paths, the error check.
#pragma once

#include <tensorjit/array.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <vector>

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

/// Captures what is written to file descriptor 2 (stderr) during the object's lifetime.
class StderrCapture {
  public:
    StderrCapture();
    ~StderrCapture();
    StderrCapture(const StderrCapture&) = delete;
    /// Everything written so far; stops capturing.
    std::string text();

  private:
    void restore();
    TempDir dir_;
    std::filesystem::path file_;
    int saved_ = -1;
};

/// Same shape, and every element within `rtol` relative (plus `rtol` absolute) of b's.
bool all_close(const tensorjit::Array& a, const tensorjit::Array& b, double rtol = 1e-12);

/// Uniform random values in [lo, hi) of the given dtype and shape (C-contiguous); integer dtypes
/// get integers in [lo, hi).
tensorjit::Array random_array(std::mt19937_64& rng, tensorjit::DType dtype,
                              const tensorjit::Dims& shape, double lo = -1, double hi = 1);

/// ../shared/ beside the project root.
std::filesystem::path shared_dir();

/// Runs a command, returns its exit status and captures stdout into out.
int run_command(const std::string& command, std::string* out = nullptr);

/// Compares text with the reviewed golden file at path, or writes the file when the environment
/// has TJ_UPDATE_GOLDEN=1 (tests/update_golden.sh).
void check_golden(const std::filesystem::path& path, const std::string& text);

/// The one error check of the tests: runs fn and requires that it throws E (no exception fails
/// the test; an exception of another type escapes and fails it too). Checks that the message
/// contains every one of parts, hands the exception to inspect (if given) for checks of its other
/// members (a CompileError's diagnostics), and returns the message for checks beyond "contains".
template <class E>
std::string expect_error(const std::function<void()>& fn,
                         const std::vector<std::string>& parts = {},
                         const std::function<void(const E&)>& inspect = {}) {
    try {
        fn();
    } catch (const E& e) {
        const std::string m = e.what();
        INFO("message: " << m);
        for (const auto& p : parts) CHECK_THAT(m, Catch::Contains(p));
        if (inspect) inspect(e);
        return m;
    }
    FAIL("expected an exception, none was thrown");
    return {};
}

/// Whether Linux refuses an allocation beyond RAM and swap (overcommit mode 0 or 2); with mode 1
/// a huge allocation succeeds and touching it would exhaust memory.
inline bool overcommit_refuses_huge() {
    std::ifstream in("/proc/sys/vm/overcommit_memory");
    int mode = -1;
    in >> mode;
    return mode == 0 || mode == 2;
}

} // namespace tj_test
