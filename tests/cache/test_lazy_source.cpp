// A kernel loaded from the disk cache reads its source only when kernel_source() asks for it
// (DiskCache::load_code reads the object and metadata only): the source it shows is the one of the
// entry it was loaded from, or, when that entry was removed or damaged after the load, a comment
// that says so; the kernel runs the same either way.
#include "cache/disk_cache.hpp"

#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>
#include <vector>

namespace tj = tensorjit;
namespace fs = std::filesystem;

namespace {

// A function of its own per call: the constant makes its key new to the cache.
tj::Function make_function(double c) {
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    return tj::function({x, y}, tj::exp(x) * c + tj::dot(x, y));
}

} // namespace

TEST_CASE("a kernel loaded from disk shows the source of its entry", "[cache][disk]") {
    auto& disk = tj::cache::DiskCache::global();
    REQUIRE(disk.enabled());
    REQUIRE_FALSE(disk.read_only());
    const double c = 3.0 + static_cast<double>(std::random_device{}() % 100000) / 1024.0;
    std::string compiled, key;
    {
        auto f = make_function(c);
        compiled = f.kernel_source();
        key = f.cache_key();
    } // dropped from memory: the next build goes to disk
    REQUIRE(compiled.find("tj_k_" + key.substr(0, 16)) != std::string::npos);
    const fs::path entry = disk.dir() / (key + ".tjk");
    REQUIRE(fs::exists(entry));
    const tj::Array x({0.5, -1.0}), y({2.0, 3.0});
    const tj::Array want({std::exp(0.5) * c + 1.0 - 3.0, std::exp(-1.0) * c + 1.0 - 3.0});

    auto hit = [&] {
        const auto before = tj::compile_stats();
        auto f = make_function(c);
        CHECK(tj::compile_stats().disk_hits == before.disk_hits + 1);
        CHECK(tj::compile_stats().clang_compiles == before.clang_compiles);
        return f;
    };
    SECTION("read from the entry") {
        auto f = hit();
        CHECK(f.kernel_source() == compiled);
        CHECK(tj::allclose(f(x, y), want));
    }
    // What kernel_source() says when the entry it was loaded from is gone or damaged.
    auto unavailable = [&](const std::string& text) {
        CHECK(text.find("tj_k_" + key.substr(0, 16)) != std::string::npos);
        CHECK(text.find("is not available") != std::string::npos);
        CHECK(text.size() < 400);
    };
    SECTION("the entry was removed after the load") {
        auto f = hit();
        fs::remove(entry);
        unavailable(f.kernel_source());
        CHECK(tj::allclose(f(x, y), want));
    }
    SECTION("the entry was replaced by another copy after the load") {
        auto f = hit();
        auto& global = tj::cache::DiskCache::global();
        auto copy = global.load(key);
        REQUIRE(copy);
        copy->metadata += " "; // another compile would differ in its timings
        global.store(key, *copy);
        unavailable(f.kernel_source());
    }
    SECTION("the entry's source was damaged after the load") {
        auto f = hit();
        std::string bytes;
        {
            std::ifstream in(entry, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        bytes[bytes.size() - 2] ^= 0x20; // in the source, the last section
        std::ofstream(entry, std::ios::binary | std::ios::trunc) << bytes;
        unavailable(f.kernel_source());
        CHECK(tj::allclose(f(x, y), want));
        // The damaged entry is still refused as a whole.
        tj_test::StderrCapture err; // the warning about it
        CHECK_FALSE(disk.load(key));
        err.text();
    }
    SECTION("a source damaged before the load does not stop the kernel from loading") {
        std::string bytes;
        {
            std::ifstream in(entry, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        bytes[bytes.size() - 2] ^= 0x20;
        std::ofstream(entry, std::ios::binary | std::ios::trunc) << bytes;
        auto f = hit(); // the object and metadata are intact: a hit, no compile
        CHECK(tj::allclose(f(x, y), want));
        unavailable(f.kernel_source());
    }
    SECTION("the same text for every copy and every thread") {
        auto f = hit();
        auto g = f.copy();
        std::vector<std::thread> threads;
        std::vector<const std::string*> seen(4);
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] { seen[t] = &(t % 2 ? g : f).kernel_source(); });
        for (auto& t : threads) t.join();
        for (const std::string* s : seen) {
            CHECK(s == seen[0]); // one string, read once
            CHECK(*s == compiled);
        }
    }
}
