// Tests of the public cache API (tensorjit/cache.hpp) on temporary directories: list, stats,
// verify (and repair), prune, clear, read-only use and refused directories. The entries are put
// there with the internal DiskCache, as tj::function would.
#include <tensorjit/cache.hpp>

#include "cache/disk_cache.hpp"

#include "support/test_util.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

namespace fs = std::filesystem;
namespace tj = tensorjit;
using tensorjit::cache::DiskCache;
using tensorjit::cache::Entry;

namespace {

// Four entries, keys[0] most recently used, keys[3] least; returns the keys.
std::vector<std::string> fill(const fs::path& dir) {
    DiskCache disk(dir);
    std::vector<std::string> keys;
    const auto now = fs::file_time_type::clock::now();
    for (int i = 0; i < 4; ++i) {
        const std::string key(24, static_cast<char>('a' + i));
        disk.store(key, Entry{std::string(500, 'o'), "src", R"({"key": ")" + key + "\"}"});
        fs::last_write_time(dir / (key + ".tjk"), now - std::chrono::hours(i + 1));
        keys.push_back(key);
    }
    return keys;
}

std::vector<std::string> keys_of(const std::vector<tj::CacheEntryInfo>& entries) {
    std::vector<std::string> keys;
    for (const auto& e : entries) keys.push_back(e.key);
    return keys;
}

} // namespace

TEST_CASE("public cache: list and stats", "[cache]") {
    tj_test::TempDir tmp;
    const auto keys = fill(tmp.path());
    // A temporary a killed writer left an hour ago, and one being written now.
    const fs::path old_tmp = tmp.path() / (keys[0] + ".tjk.tmp.1.2.3");
    std::ofstream(old_tmp) << std::string(40, 'p');
    fs::last_write_time(old_tmp, fs::file_time_type::clock::now() - std::chrono::hours(1));
    std::ofstream(tmp.path() / (keys[1] + ".tjk.tmp.4.5.6")) << "young";

    tj::KernelCache cache(tmp.path());
    CHECK(cache.dir() == tmp.path());
    CHECK_FALSE(cache.read_only());
    const auto entries = cache.list();
    CHECK(keys_of(entries) == keys);
    for (const auto& e : entries) {
        CHECK(e.bytes == fs::file_size(tmp.path() / (e.key + ".tjk")) + 3); // + "src"
        CHECK(e.last_used < fs::file_time_type::clock::now() - std::chrono::minutes(59));
    }
    const tj::CacheStats stats = cache.stats();
    CHECK(stats.entries == 4);
    CHECK(stats.bytes == 4 * entries[0].bytes);
    CHECK(stats.stale_temporaries.count == 1);
    CHECK(stats.stale_temporaries.bytes == 40);
    CHECK(cache.temporaries(std::chrono::seconds(0)).count == 2);
}

TEST_CASE("public cache: verify reports bad entries, repair removes them", "[cache]") {
    tj_test::TempDir tmp;
    const auto keys = fill(tmp.path());
    tj::KernelCache cache(tmp.path());
    CHECK(cache.verify().empty());
    // A flipped byte in one, garbage in another.
    const fs::path flipped = tmp.path() / (keys[1] + ".tjk");
    {
        std::fstream f(flipped, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(100);
        f.put('X');
    }
    std::ofstream(tmp.path() / (keys[3] + ".tjk"), std::ios::trunc) << "garbage";
    tj_test::StderrCapture err;
    const std::vector<std::string> bad{keys[1], keys[3]};
    CHECK(cache.verify() == bad);
    CHECK(fs::exists(flipped));
    CHECK(cache.verify(true) == bad);
    err.text();
    CHECK_FALSE(fs::exists(flipped));
    CHECK_FALSE(fs::exists(tmp.path() / (keys[1] + ".cpp")));
    CHECK(cache.verify().empty());
    CHECK(keys_of(cache.list()) == std::vector<std::string>{keys[0], keys[2]});
}

TEST_CASE("public cache: prune goes by last use, clear removes every entry", "[cache]") {
    tj_test::TempDir tmp;
    const auto keys = fill(tmp.path());
    std::ofstream(tmp.path() / "notes.txt") << "not the cache's";
    tj::KernelCache cache(tmp.path());
    const std::uintmax_t each = cache.list().front().bytes;
    CHECK(cache.prune(4 * each) == 0);
    CHECK(cache.prune(2 * each + each / 2) == 2); // the two least recently used
    CHECK(keys_of(cache.list()) == std::vector<std::string>{keys[0], keys[1]});
    CHECK(cache.clear() == 2);
    CHECK(cache.list().empty());
    CHECK(cache.stats().entries == 0);
    CHECK(fs::exists(tmp.path() / "notes.txt"));
    CHECK(cache.clear() == 0);
}

TEST_CASE("public cache: a read-only cache lists and verifies but refuses changes", "[cache]") {
    tj_test::TempDir tmp;
    const auto keys = fill(tmp.path());
    tj::KernelCache cache(tmp.path(), true);
    CHECK(cache.read_only());
    CHECK(cache.list().size() == 4);
    CHECK(cache.verify().empty());
    tj_test::expect_error<tj::CacheError>([&] { cache.verify(true); },
                                          {tmp.path().string(), "read-only", "repair"});
    tj_test::expect_error<tj::CacheError>([&] { cache.prune(0); }, {"read-only", "prune"});
    tj_test::expect_error<tj::CacheError>([&] { cache.clear(); }, {"read-only", "clear"});
    CHECK(cache.list().size() == 4);
}

TEST_CASE("public cache: a directory that may not be used throws CacheError", "[cache]") {
    tj_test::TempDir tmp;
    tj_test::StderrCapture err;
    const fs::path shared = tmp.path() / "shared";
    fs::create_directory(shared);
    fs::permissions(shared, fs::perms::all);
    tj_test::expect_error<tj::CacheError>([&] { tj::KernelCache c(shared); },
                                          {shared.string(), "writable by other users"});
    std::ofstream(tmp.path() / "file") << "x";
    tj_test::expect_error<tj::CacheError>([&] { tj::KernelCache c(tmp.path() / "file"); },
                                          {"is not a directory"});
    // CacheError is a tensorjit::Error.
    CHECK_THROWS_AS(tj::KernelCache(tmp.path() / "file"), tj::Error);
    err.text();
}

TEST_CASE("public cache: default_dir and moves", "[cache]") {
    if (const char* dir = std::getenv("TJ_CACHE_DIR"); dir && *dir)
        CHECK(tj::KernelCache::default_dir() == fs::path(dir));
    CHECK(tj::KernelCache::default_dir().is_absolute());
    tj_test::TempDir tmp;
    fill(tmp.path());
    tj::KernelCache a(tmp.path());
    tj::KernelCache b = std::move(a);
    CHECK(b.list().size() == 4);
    tj::KernelCache c(tmp.path(), true);
    c = std::move(b);
    CHECK_FALSE(c.read_only());
    CHECK(c.clear() == 4);
}
