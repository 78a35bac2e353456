// The cache never runs the wrong code: a valid entry of one function copied under another
// function's key is refused (its metadata names its own key), and the function recompiles.
#include "cache/disk_cache.hpp"

#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <random>

namespace tj = tensorjit;
namespace fs = std::filesystem;

TEST_CASE("a cache entry copied under another function's key is never run", "[function][disk]") {
    const fs::path dir = tj::cache::DiskCache::global().dir();
    REQUIRE(tj::cache::DiskCache::global().enabled());
    // Constants unique to this run, so that both keys are new.
    const double c = 2.0 + static_cast<double>(std::random_device{}() % 100000) / 1024.0;
    std::string key_f, key_g;
    {
        auto x = tj::dvector("x");
        auto f = tj::function({x}, x * c);
        // g has another binding plan: two inputs, two outputs.
        auto y = tj::dvector("y");
        auto g = tj::function({x, y}, {x + y + c, x - y});
        key_f = f.cache_key();
        key_g = g.cache_key();
    } // both kernels are dropped from memory: the next build goes to disk
    REQUIRE(fs::exists(dir / (key_f + ".tjk")));
    REQUIRE(fs::exists(dir / (key_g + ".tjk")));
    fs::copy_file(dir / (key_g + ".tjk"), dir / (key_f + ".tjk"),
                  fs::copy_options::overwrite_existing);

    const auto before = tj::compile_stats();
    auto x = tj::dvector("x");
    auto f = tj::function({x}, x * c);
    CHECK(tj::compile_stats().clang_compiles == before.clang_compiles + 1); // recompiled
    CHECK(tj::compile_stats().disk_hits == before.disk_hits);
    CHECK(tj::allclose(f(tj::Array({1.0, 2.0})), tj::Array({c, 2 * c})));
    // The replaced entry is good again: the next process (or build) gets a disk hit. (Only this
    // key: tests running beside this one damage entries of their own in the same directory.)
    const auto bad = tj::cache::DiskCache(dir).verify(false);
    CHECK(std::find(bad.begin(), bad.end(), key_f) == bad.end());
}
