// The disk cache seen from separate processes: a second process loads the kernel without Clang; a
// corrupted entry is recompiled and replaced; an unsafe directory is refused with a warning.
#include <catch2/catch.hpp>

#include "support/test_util.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <sys/stat.h>

namespace fs = std::filesystem;

namespace {

struct ProbeResult {
    int status = -1;
    std::string out;
    int compiles = -1;
    int disk_hits = -1;
};

ProbeResult run_probe(const fs::path& cache_dir, const std::string& extra_env = "") {
    ProbeResult r;
    std::string cmd = "TJ_CACHE_DIR='" + cache_dir.string() + "' " + extra_env + " '" +
                      std::string(TJ_BINARY_DIR) + "/tests/tj_tool_cache_probe' 2>&1";
    r.status = tj_test::run_command(cmd, &r.out);
    std::smatch m;
    if (std::regex_search(r.out, m, std::regex("clang_compiles=(\\d+) disk_hits=(\\d+)"))) {
        r.compiles = std::stoi(m[1]);
        r.disk_hits = std::stoi(m[2]);
    }
    return r;
}

const char* kExpected = "array([[0.5       , 0.73105858],\n       [0.26894142, 0.11920292]])";

std::vector<fs::path> entries(const fs::path& dir) {
    std::vector<fs::path> v;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".tjk") v.push_back(e.path());
    return v;
}

} // namespace

TEST_CASE("a second process loads the kernel from disk without running clang", "[cache][process]") {
    tj_test::TempDir dir;
    auto first = run_probe(dir.path() / "cache");
    INFO(first.out);
    REQUIRE(first.status == 0);
    CHECK(first.out.find(kExpected) != std::string::npos);
    CHECK(first.compiles == 1);
    CHECK(first.disk_hits == 0);
    REQUIRE(entries(dir.path() / "cache").size() == 1);

    auto second = run_probe(dir.path() / "cache");
    INFO(second.out);
    REQUIRE(second.status == 0);
    CHECK(second.out.find(kExpected) != std::string::npos);
    CHECK(second.compiles == 0);
    CHECK(second.disk_hits == 1);
}

TEST_CASE("a corrupted or truncated cache entry is recompiled and replaced", "[cache][process]") {
    tj_test::TempDir dir;
    fs::path cache = dir.path() / "cache";
    REQUIRE(run_probe(cache).compiles == 1);
    auto files = entries(cache);
    REQUIRE(files.size() == 1);
    const fs::path entry = files[0];
    const auto good_size = fs::file_size(entry);

    SECTION("truncated") { fs::resize_file(entry, good_size / 2); }
    SECTION("emptied") { fs::resize_file(entry, 0); }
    SECTION("a flipped byte in the object code") {
        // The object is the first section, after the 96-byte header (cache/entry_format.hpp):
        // its middle byte.
        std::fstream f(entry, std::ios::in | std::ios::out | std::ios::binary);
        unsigned char length[8];
        f.seekg(8);
        f.read(reinterpret_cast<char*>(length), 8);
        std::uint64_t object = 0;
        for (int i = 7; i >= 0; --i) object = object << 8 | length[i];
        REQUIRE(object > 0);
        const auto at = static_cast<std::streamoff>(96 + object / 2);
        f.seekg(at);
        char c;
        f.get(c);
        f.seekp(at);
        f.put(static_cast<char>(c ^ 0x5a));
    }
    SECTION("garbage") { std::ofstream(entry, std::ios::binary | std::ios::trunc) << "not a cache entry"; }

    auto again = run_probe(cache);
    INFO(again.out);
    REQUIRE(again.status == 0);
    CHECK(again.out.find(kExpected) != std::string::npos);
    CHECK(again.compiles == 1);
    CHECK(again.disk_hits == 0);
    // The entry was replaced by a good one (its metadata's timings differ, so its size may differ
    // by a few bytes): the next process hits it.
    REQUIRE(fs::exists(entry));
    CHECK(fs::file_size(entry) > good_size / 2);
    auto third = run_probe(cache);
    CHECK(third.compiles == 0);
    CHECK(third.disk_hits == 1);
}

TEST_CASE("a cache directory writable by other users is refused and the library keeps working",
          "[cache][process]") {
    tj_test::TempDir dir;
    fs::path cache = dir.path() / "cache";
    fs::create_directories(cache);
    REQUIRE(chmod(cache.c_str(), 0777) == 0);
    auto r = run_probe(cache);
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(r.out.find(kExpected) != std::string::npos);
    CHECK(r.out.find("warning") != std::string::npos);
    CHECK(r.out.find(cache.string()) != std::string::npos);
    CHECK(r.compiles == 1);
    CHECK(entries(cache).empty());
    // And it keeps refusing: nothing is loaded from it either.
    auto again = run_probe(cache);
    CHECK(again.compiles == 1);
    CHECK(again.disk_hits == 0);
}

TEST_CASE("the cache key is stable across processes and independent of variable names",
          "[cache][process]") {
    tj_test::TempDir dir;
    auto a = run_probe(dir.path() / "c1");
    auto b = run_probe(dir.path() / "c2");
    std::smatch ma, mb;
    REQUIRE(std::regex_search(a.out, ma, std::regex("key=([0-9a-f]{64})")));
    REQUIRE(std::regex_search(b.out, mb, std::regex("key=([0-9a-f]{64})")));
    CHECK(ma[1] == mb[1]);
}

TEST_CASE("tensorjit-cache lists, verifies, prunes and clears entries", "[cache][process][cli]") {
    tj_test::TempDir dir;
    fs::path cache = dir.path() / "cache";
    REQUIRE(run_probe(cache).compiles == 1);
    const std::string cli = "'" + std::string(TJ_BINARY_DIR) + "/tensorjit-cache' --dir '" + cache.string() + "' ";
    std::string out;
    REQUIRE(tj_test::run_command(cli + "list", &out) == 0);
    CHECK(out.find("1 entries") != std::string::npos);
    out.clear();
    REQUIRE(tj_test::run_command(cli + "verify", &out) == 0);
    CHECK(out.find("0 corrupted entries") != std::string::npos);
    // Corrupt the entry: verify reports it (exit 1), --repair removes it.
    auto files = entries(cache);
    REQUIRE(files.size() == 1);
    fs::resize_file(files[0], fs::file_size(files[0]) - 1);
    out.clear();
    CHECK(tj_test::run_command(cli + "verify", &out) == 1);
    CHECK(out.find("corrupted: ") != std::string::npos);
    out.clear();
    CHECK(tj_test::run_command(cli + "verify --repair", &out) == 0);
    CHECK(entries(cache).empty());
    REQUIRE(run_probe(cache).compiles == 1);
    out.clear();
    REQUIRE(tj_test::run_command(cli + "prune --max-bytes 0", &out) == 0);
    CHECK(out.find("1 entries removed") != std::string::npos);
    CHECK(entries(cache).empty());
    REQUIRE(run_probe(cache).compiles == 1);
    out.clear();
    REQUIRE(tj_test::run_command(cli + "clear", &out) == 0);
    CHECK(entries(cache).empty());
    CHECK(tj_test::run_command(cli + "bogus 2>/dev/null") == 2);
}
