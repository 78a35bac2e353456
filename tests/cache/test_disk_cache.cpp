// Tests of cache/: the disk cache's round trip, corruption handling, directory safety checks,
// concurrency and maintenance (list, verify, prune, clear). SHA-256 and XXH3 themselves are
// tested in tests/runtime/test_hash.cpp.
#include "cache/disk_cache.hpp"

#include "support/test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using tensorjit::cache::DiskCache;
using tensorjit::cache::Entry;
using tensorjit::cache::metadata_key;

namespace {

// Format 2: magic, three lengths, XXH3-128 hex.
constexpr std::size_t kHeaderSize = 64;
const std::string kKey = "0123456789abcdef0123456789abcdef";

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(const fs::path& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
}

// An entry for key; its metadata names the key, as get_kernel()'s does.
Entry sample_entry(const std::string& tag = "", const std::string& key = kKey) {
    Entry e;
    e.object = std::string("\177ELF\0\1\2object bytes ", 20) + tag;
    e.source = "extern \"C\" void tj_k_0123(void** args) { /* " + tag + " */ }\n";
    e.metadata = R"({"format": 1, "key": ")" + key + R"(", "tag": ")" + tag + "\"}";
    return e;
}

bool same(const Entry& a, const Entry& b) {
    return a.object == b.object && a.source == b.source && a.metadata == b.metadata;
}

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// Sets (or unsets, with nullptr) an environment variable for the scope of the object.
class EnvVar {
  public:
    EnvVar(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~EnvVar() {
        if (old_)
            ::setenv(name_.c_str(), old_->c_str(), 1);
        else
            ::unsetenv(name_.c_str());
    }

  private:
    std::string name_;
    std::optional<std::string> old_;
};

using tj_test::StderrCapture;

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

} // namespace

TEST_CASE("disk cache: store then load round trip", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path() / "a" / "b" / "cache");
    REQUIRE(cache.enabled());
    CHECK(cache.disabled_reason().empty());
    CHECK((fs::status(cache.dir()).permissions() & fs::perms::all) == fs::perms::owner_all);

    Entry e = sample_entry("round trip");
    e.object += std::string("\0\xff\x80", 3); // binary bytes survive
    cache.store(kKey, e);
    auto loaded = cache.load(kKey);
    REQUIRE(loaded);
    CHECK(same(*loaded, e));
    CHECK(cache.source_path(kKey) == cache.dir() / (kKey + ".cpp"));
    CHECK(read_all(cache.source_path(kKey)) == e.source);
    // Nothing but the entry and its source is left behind.
    CHECK(names_in(cache.dir()) == std::vector<std::string>{kKey + ".cpp", kKey + ".tjk"});

    SECTION("empty sections") {
        // Empty object and source; the metadata must still name the key.
        const Entry bare{"", "", R"({"key": ")" + kKey + "\"}"};
        cache.store(kKey, bare);
        auto empty = cache.load(kKey);
        REQUIRE(empty);
        CHECK(same(*empty, bare));
    }
    SECTION("a second store replaces the entry") {
        Entry other = sample_entry("other");
        cache.store(kKey, other);
        auto again = cache.load(kKey);
        REQUIRE(again);
        CHECK(same(*again, other));
    }
    SECTION("a second DiskCache on the same directory sees the entry") {
        DiskCache reopened(cache.dir());
        REQUIRE(reopened.enabled());
        auto again = reopened.load(kKey);
        REQUIRE(again);
        CHECK(same(*again, e));
    }
}

TEST_CASE("disk cache: a missing key is absent", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    REQUIRE(cache.enabled());
    CHECK_FALSE(cache.load(kKey));
    CHECK(names_in(tmp.path()).empty());
}

TEST_CASE("disk cache: invalid keys are absent and never written", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    for (std::string key : {std::string(""), std::string(15, 'a'), std::string(129, 'a'),
                            std::string("0123456789ABCDEF"), std::string("../../0123456789abcdef"),
                            std::string("0123456789abcdeg"), std::string("0123456789abcde/")}) {
        CAPTURE(key);
        cache.store(key, sample_entry());
        CHECK_FALSE(cache.load(key));
        CHECK(cache.source_path(key).empty());
    }
    CHECK(names_in(tmp.path()).empty());
    // The limits themselves are valid.
    for (std::string key : {std::string(16, 'f'), std::string(128, '0')}) {
        cache.store(key, sample_entry("", key));
        CHECK(cache.load(key));
    }
}

TEST_CASE("disk cache: a truncated entry is absent and removed", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    cache.store(kKey, sample_entry("truncate"));
    const fs::path path = tmp.path() / (kKey + ".tjk");
    const std::string full = read_all(path);
    REQUIRE(full.size() > kHeaderSize + 10);
    for (std::size_t length : {std::size_t(0), std::size_t(5), kHeaderSize - 1, kHeaderSize,
                               full.size() / 2, full.size() - 1}) {
        CAPTURE(length);
        write_all(path, full.substr(0, length));
        CHECK_FALSE(cache.load(kKey));
        CHECK_FALSE(fs::exists(path));
    }
    // Appended junk is caught too.
    write_all(path, full + "x");
    CHECK_FALSE(cache.load(kKey));
    CHECK_FALSE(fs::exists(path));
}

TEST_CASE("disk cache: a flipped byte anywhere makes the entry absent", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const Entry e = sample_entry("flip");
    cache.store(kKey, e);
    const fs::path path = tmp.path() / (kKey + ".tjk");
    const std::string good = read_all(path);
    const std::size_t object = kHeaderSize, source = object + e.object.size(),
                      metadata = source + e.source.size();
    REQUIRE(metadata + e.metadata.size() == good.size());

    struct Where {
        const char* what;
        std::size_t at;
    };
    for (Where w : {Where{"magic", 3}, Where{"object length", 8}, Where{"source length", 17},
                    Where{"metadata length", 31}, Where{"checksum", 40}, Where{"object", object},
                    Where{"object end", source - 1}, Where{"source", source + 5},
                    Where{"metadata", metadata + 2}, Where{"last byte", good.size() - 1}}) {
        CAPTURE(w.what, w.at);
        std::string bad = good;
        bad[w.at] = static_cast<char>(bad[w.at] ^ 0x01);
        write_all(path, bad);
        CHECK_FALSE(cache.load(kKey));
        CHECK_FALSE(fs::exists(path));
    }
    // And the pristine file still loads.
    write_all(path, good);
    auto loaded = cache.load(kKey);
    REQUIRE(loaded);
    CHECK(same(*loaded, e));
}

TEST_CASE("disk cache: garbage and huge lengths are rejected", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const fs::path path = tmp.path() / (kKey + ".tjk");

    std::string garbage;
    for (int i = 0; i < 500; ++i) garbage.push_back(static_cast<char>(i * 131 + 7));
    write_all(path, garbage);
    CHECK_FALSE(cache.load(kKey));
    CHECK_FALSE(fs::exists(path));

    // Right magic, lengths that would overflow a naive sum.
    std::string header = "TJCACHE2" + std::string(24, '\xff') + std::string(32, '0') + "payload";
    write_all(path, header);
    CHECK_FALSE(cache.load(kKey));
    CHECK_FALSE(fs::exists(path));

    // Lengths that add up modulo 2^64 to the payload size.
    std::string wrap = "TJCACHE2";
    for (std::uint64_t v : {std::uint64_t(1), ~std::uint64_t(0), std::uint64_t(3)})
        for (int i = 0; i < 8; ++i) wrap.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    wrap += std::string(32, '0') + "abc";
    write_all(path, wrap);
    CHECK_FALSE(cache.load(kKey));
    CHECK_FALSE(fs::exists(path));
}

TEST_CASE("disk cache: a directory or symlink under an entry's name", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const fs::path path = tmp.path() / (kKey + ".tjk");

    SECTION("directory") {
        fs::create_directory(path);
        write_all(path / "inside", "x");
        CHECK_FALSE(cache.load(kKey));
        CHECK_FALSE(fs::exists(path));
    }
    SECTION("directory found by store") {
        fs::create_directory(path);
        CHECK_NOTHROW(cache.store(kKey, sample_entry()));
        // The rename failed; the temporary was cleaned up.
        CHECK(names_in(tmp.path()) == std::vector<std::string>{kKey + ".cpp", kKey + ".tjk"});
        CHECK(fs::is_directory(path));
    }
    SECTION("dangling symlink") {
        fs::create_symlink(tmp.path() / "nowhere", path);
        CHECK_FALSE(cache.load(kKey));
        CHECK_FALSE(fs::is_symlink(fs::symlink_status(path)));
    }
    SECTION("fifo") {
        REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
        CHECK_FALSE(cache.load(kKey)); // must not block
        CHECK_FALSE(fs::exists(fs::symlink_status(path)));
    }
    // In every case the name can be reused afterwards.
    if (!fs::is_directory(path)) {
        cache.store(kKey, sample_entry("after"));
        auto loaded = cache.load(kKey);
        REQUIRE(loaded);
        CHECK(same(*loaded, sample_entry("after")));
    }
}

TEST_CASE("disk cache: load refreshes the last-used time", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    cache.store(kKey, sample_entry());
    const fs::path path = tmp.path() / (kKey + ".tjk");
    const auto old = fs::file_time_type::clock::now() - std::chrono::hours(48);
    fs::last_write_time(path, old);
    REQUIRE(cache.load(kKey));
    CHECK(fs::last_write_time(path) > old + std::chrono::hours(47));
}

TEST_CASE("disk cache: a directory others can write is refused", "[cache]") {
    tj_test::TempDir tmp;
    const fs::path dir = tmp.path() / "shared";
    fs::create_directory(dir);
    fs::permissions(dir, fs::perms::all);

    StderrCapture err;
    DiskCache cache(dir);
    DiskCache again(dir);
    const std::string printed = err.text();

    CHECK_FALSE(cache.enabled());
    CHECK_THAT(cache.disabled_reason(), Catch::Contains(dir.string()));
    CHECK_THAT(cache.disabled_reason(), Catch::Contains("writable by other users (mode 0777)"));
    // Visible by default, once per directory.
    CHECK(count_of(printed, "tensorjit: warning: cache directory " + dir.string()) == 1);
    CHECK_THAT(printed, Catch::Contains("kernels will not be cached on disk"));

    // Behaves as an empty cache that does not keep anything.
    write_all(dir / (kKey + ".tjk"), "planted");
    CHECK_FALSE(cache.load(kKey));
    CHECK(fs::exists(dir / (kKey + ".tjk")));
    fs::remove(dir / (kKey + ".tjk"));
    cache.store(kKey, sample_entry());
    CHECK(names_in(dir).empty());
    CHECK(cache.list().empty());
    CHECK(cache.verify(true).empty());
    CHECK(cache.prune(0) == 0);
    CHECK(cache.clear() == 0);
    // The source then goes to a private folder under the temporary directory.
    const fs::path source = cache.source_path(kKey);
    CHECK(source.filename() == kKey + ".cpp");
    CHECK(source.parent_path().filename() == "tensorjit-" + std::to_string(::geteuid()));

    SECTION("group-writable is refused too") {
        fs::permissions(dir, fs::perms::owner_all | fs::perms::group_all);
        DiskCache group(dir);
        CHECK_FALSE(group.enabled());
        CHECK_THAT(group.disabled_reason(), Catch::Contains("mode 0770"));
    }
    SECTION("the same directory at mode 0700 is accepted") {
        fs::permissions(dir, fs::perms::owner_all);
        DiskCache fixed(dir);
        CHECK(fixed.enabled());
    }
}

TEST_CASE("disk cache: a directory another user owns is refused", "[cache]") {
    tj_test::TempDir tmp;
    const fs::path dir = tmp.path() / "theirs";
    fs::create_directory(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    // The tests run as root, who can give the directory away; others cannot, so skip then.
    if (::chown(dir.c_str(), 65534, 65534) != 0) {
        WARN("cannot chown a directory to nobody; skipping");
        return;
    }
    StderrCapture err;
    DiskCache cache(dir);
    err.text();
    CHECK_FALSE(cache.enabled());
    CHECK_THAT(cache.disabled_reason(), Catch::Contains(dir.string()));
    CHECK_THAT(cache.disabled_reason(), Catch::Contains("owned by another user (uid 65534)"));
    cache.store(kKey, sample_entry());
    CHECK(names_in(dir).empty());
    CHECK_FALSE(cache.load(kKey));
}

TEST_CASE("disk cache: a directory that cannot be created is refused", "[cache]") {
    tj_test::TempDir tmp;
    write_all(tmp.path() / "file", "not a directory");
    StderrCapture err;
    DiskCache under_file(tmp.path() / "file" / "cache");
    DiskCache is_file(tmp.path() / "file");
    DiskCache empty{fs::path()};
    const std::string printed = err.text();
    CHECK_FALSE(under_file.enabled());
    CHECK_THAT(under_file.disabled_reason(), Catch::Contains("cannot be created"));
    CHECK_THAT(under_file.disabled_reason(),
               Catch::Contains((tmp.path() / "file" / "cache").string()));
    CHECK_FALSE(is_file.enabled());
    CHECK_THAT(is_file.disabled_reason(), Catch::Contains("is not a directory"));
    CHECK_FALSE(empty.enabled());
    CHECK_FALSE(under_file.load(kKey));
    CHECK_NOTHROW(under_file.store(kKey, sample_entry()));
    CHECK(count_of(printed, "tensorjit: warning: ") == 3);
}

TEST_CASE("disk cache: default_dir follows the environment", "[cache]") {
    EnvVar tj("TJ_CACHE_DIR", nullptr);
    EnvVar xdg("XDG_CACHE_HOME", nullptr);
    EnvVar home("HOME", "/home/someone");

    CHECK(DiskCache::default_dir() == fs::path("/home/someone/.cache/tensorjit"));
    {
        EnvVar set("XDG_CACHE_HOME", "/var/cache/me");
        CHECK(DiskCache::default_dir() == fs::path("/var/cache/me/tensorjit"));
        EnvVar explicit_dir("TJ_CACHE_DIR", "/opt/tj-cache");
        CHECK(DiskCache::default_dir() == fs::path("/opt/tj-cache"));
        EnvVar empty_dir("TJ_CACHE_DIR", "");
        CHECK(DiskCache::default_dir() == fs::path("/var/cache/me/tensorjit"));
    }
    {
        // A relative XDG_CACHE_HOME is invalid and ignored.
        EnvVar relative("XDG_CACHE_HOME", "relative/cache");
        CHECK(DiskCache::default_dir() == fs::path("/home/someone/.cache/tensorjit"));
    }
    {
        // Without HOME, the password database's home directory.
        EnvVar no_home("HOME", nullptr);
        const fs::path dir = DiskCache::default_dir();
        CHECK(dir.is_absolute());
        CHECK((dir.filename() == "cache" || dir.filename() == "tensorjit"));
        CHECK(dir != fs::path("/home/someone/.cache/tensorjit"));
    }
    CHECK(DiskCache::default_dir() == fs::path("/home/someone/.cache/tensorjit"));
}

TEST_CASE("disk cache: global() is one cache at default_dir()", "[cache]") {
    // Only under ctest, which points TJ_CACHE_DIR at the build tree: a test never touches the
    // user's own cache.
    if (!std::getenv("TJ_CACHE_DIR")) return;
    DiskCache& a = DiskCache::global();
    CHECK(&a == &DiskCache::global());
    CHECK(a.dir() == DiskCache::default_dir());
}

TEST_CASE("disk cache: concurrent stores of the same key all succeed", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    constexpr int kThreads = 8;
    std::vector<Entry> entries;
    for (int t = 0; t < kThreads; ++t)
        entries.push_back(sample_entry("writer " + std::to_string(t) + std::string(5000 * t, 'x')));

    for (int round = 0; round < 5; ++round) {
        std::vector<std::thread> threads;
        std::atomic<int> bad_loads{0};
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < 10; ++i) {
                    cache.store(kKey, entries[t]);
                    // A reader racing the writers sees a complete entry (never a partial one).
                    auto seen = cache.load(kKey);
                    if (!seen || std::none_of(entries.begin(), entries.end(),
                                              [&](const Entry& e) { return same(e, *seen); }))
                        ++bad_loads;
                }
            });
        for (auto& th : threads) th.join();
        CHECK(bad_loads == 0);
        auto loaded = cache.load(kKey);
        REQUIRE(loaded);
        CHECK(std::any_of(entries.begin(), entries.end(),
                          [&](const Entry& e) { return same(e, *loaded); }));
        // No temporaries left behind.
        CHECK(names_in(tmp.path()) == std::vector<std::string>{kKey + ".cpp", kKey + ".tjk"});
    }
}

TEST_CASE("disk cache: list and prune go by last use", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const auto now = fs::file_time_type::clock::now();
    std::vector<std::string> keys;
    for (int i = 0; i < 4; ++i) {
        std::string key = std::string(16, static_cast<char>('a' + i));
        keys.push_back(key);
        cache.store(key, sample_entry(std::string(1000, 'x'), key));
    }
    // keys[2] most recent, then 0, 3, 1.
    const int age_hours[4] = {2, 4, 1, 3};
    for (int i = 0; i < 4; ++i)
        fs::last_write_time(tmp.path() / (keys[i] + ".tjk"),
                            now - std::chrono::hours(age_hours[i]));

    auto listed = cache.list();
    REQUIRE(listed.size() == 4);
    CHECK(listed[0].key == keys[2]);
    CHECK(listed[1].key == keys[0]);
    CHECK(listed[2].key == keys[3]);
    CHECK(listed[3].key == keys[1]);
    const std::uintmax_t each = listed[0].bytes;
    for (const auto& info : listed) {
        CHECK(info.bytes == each);
        CHECK(info.bytes == fs::file_size(tmp.path() / (info.key + ".tjk")) +
                                fs::file_size(tmp.path() / (info.key + ".cpp")));
    }

    CHECK(cache.prune(4 * each) == 0);
    // Room for two and a half: the two least recently used go.
    CHECK(cache.prune(2 * each + each / 2) == 2);
    CHECK_FALSE(fs::exists(tmp.path() / (keys[1] + ".tjk")));
    CHECK_FALSE(fs::exists(tmp.path() / (keys[1] + ".cpp")));
    CHECK_FALSE(fs::exists(tmp.path() / (keys[3] + ".tjk")));
    CHECK_FALSE(fs::exists(tmp.path() / (keys[3] + ".cpp")));
    CHECK(cache.load(keys[0]));
    CHECK(cache.load(keys[2]));
    // load() made keys[0] the most recent, so it survives a prune down to one entry.
    CHECK(cache.prune(each) == 1);
    CHECK(cache.load(keys[0]));
    CHECK_FALSE(cache.load(keys[2]));
    CHECK(cache.prune(0) == 1);
    CHECK(cache.list().empty());
}

TEST_CASE("disk cache: verify repairs bad entries and clear empties the directory", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const std::string good1(20, '1'), good2(20, '2'), bad(20, '3'), gone(20, '4');
    for (const auto& key : {good1, good2, bad, gone}) cache.store(key, sample_entry(key, key));
    const fs::path bad_path = tmp.path() / (bad + ".tjk");
    std::string bytes = read_all(bad_path);
    bytes[kHeaderSize + 2] ^= 0x40;
    write_all(bad_path, bytes);
    fs::remove(tmp.path() / (gone + ".tjk"));
    fs::create_directory(tmp.path() / (gone + ".tjk"));

    CHECK(cache.verify(false) == std::vector<std::string>{bad, gone});
    CHECK(fs::exists(bad_path)); // reported, not removed
    CHECK(cache.verify(true) == std::vector<std::string>{bad, gone});
    CHECK_FALSE(fs::exists(bad_path));
    CHECK_FALSE(fs::exists(tmp.path() / (bad + ".cpp")));
    CHECK_FALSE(fs::exists(tmp.path() / (gone + ".tjk")));
    CHECK(cache.verify(false).empty());
    CHECK(cache.load(good1));
    CHECK(cache.load(good2));

    // Leftovers of a crashed store go with clear(); files the cache did not make stay.
    write_all(tmp.path() / (good1 + ".tjk.tmp.123.4.deadbeef"), "partial");
    write_all(tmp.path() / (bad + ".cpp.tmp.123.5.deadbeef"), "partial");
    write_all(tmp.path() / (bad + ".cpp"), "orphan source");
    write_all(tmp.path() / "notes.txt", "mine");
    write_all(tmp.path() / "README.tjk", "not a key");
    CHECK(cache.clear() == 2);
    CHECK(names_in(tmp.path()) == std::vector<std::string>{"README.tjk", "notes.txt"});
    CHECK(cache.list().empty());
    CHECK(cache.clear() == 0);
}

// ---- issue 8: never run the wrong code, hostile directories ---------------------------------

namespace {

// The peak resident set size of this process so far, in KiB.
long peak_rss_kib() {
    struct rusage usage;
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

std::string tool(const std::string& name) { return std::string(TJ_BINARY_DIR) + "/" + name; }

} // namespace

TEST_CASE("metadata_key reads the top-level key field", "[cache]") {
    CHECK(metadata_key(R"({"format": 1, "key": "00ff", "plan": "x"})") == "00ff");
    CHECK(metadata_key("{\n  \"format\": 1,\n  \"key\":\"abc\"\n}\n") == "abc");
    CHECK(metadata_key(R"({"format": 1})") == std::nullopt);
    CHECK(metadata_key("") == std::nullopt);
    CHECK(metadata_key("not json at all") == std::nullopt);
    // Only the top level counts: not a nested object's key, not a string value that says "key".
    CHECK(metadata_key(R"({"plan": {"key": "11"}, "key": "22"})") == "22");
    CHECK(metadata_key(R"({"plan": {"key": "11"}})") == std::nullopt);
    CHECK(metadata_key(R"({"note": "key", "x": ["key", "33"]})") == std::nullopt);
    CHECK(metadata_key(R"({"plan": "\"key\": \"44\"", "key": "55"})") == "55");
    // Not a plain string: refused.
    CHECK(metadata_key(R"({"key": 12})") == std::nullopt);
    CHECK(metadata_key(R"({"key": null})") == std::nullopt);
    CHECK(metadata_key(R"({"key": "unterminated)") == std::nullopt);
    // Parsed as JSON: escapes are decoded (the result must still equal the lookup key, which is
    // plain hex), and text after the object or a second document is refused.
    CHECK(metadata_key(R"({"key": "ab\u0063"})") == "abc");
    CHECK(metadata_key(R"({"key": "aa"} {"key": "bb"})") == std::nullopt);
    CHECK(metadata_key(R"(["key", "aa"])") == std::nullopt);
    CHECK(metadata_key("{\"key\": \"a\xff\"}") == std::nullopt); // not UTF-8
    // Deep nesting (hostile metadata) is refused or read, never a crash.
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    CHECK(metadata_key(R"({"x": )" + deep + R"(, "key": "cc"})") == "cc");
}

TEST_CASE("disk cache: an entry filed under another key's name is refused", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const std::string other(32, 'e');
    cache.store(kKey, sample_entry("mine"));
    const fs::path moved = tmp.path() / (other + ".tjk");
    fs::copy_file(tmp.path() / (kKey + ".tjk"), moved);

    StderrCapture err;
    CHECK_FALSE(cache.load(other));
    err.text();
    CHECK_FALSE(fs::exists(moved)); // treated like a corrupt entry: removed
    REQUIRE(cache.load(kKey));      // the original is untouched
    CHECK(same(*cache.load(kKey), sample_entry("mine")));

    SECTION("metadata without a key is refused too") {
        Entry e = sample_entry();
        e.metadata = R"({"format": 1})";
        cache.store(kKey, e);
        CHECK_FALSE(cache.load(kKey));
        CHECK_FALSE(fs::exists(tmp.path() / (kKey + ".tjk")));
    }
    SECTION("verify reports it and --repair removes it") {
        fs::copy_file(tmp.path() / (kKey + ".tjk"), moved);
        CHECK(cache.verify(false) == std::vector<std::string>{other});
        CHECK(fs::exists(moved));
        CHECK(cache.verify(true) == std::vector<std::string>{other});
        CHECK_FALSE(fs::exists(moved));
        CHECK(cache.verify(false).empty());
        CHECK(cache.load(kKey));
    }
    SECTION("tensorjit-cache verify reports it") {
        fs::copy_file(tmp.path() / (kKey + ".tjk"), moved);
        const std::string cli =
            "'" + tool("tensorjit-cache") + "' --dir '" + tmp.path().string() + "' ";
        std::string out;
        CHECK(tj_test::run_command(cli + "verify 2>&1", &out) == 1);
        CHECK_THAT(out, Catch::Contains("corrupted: " + other));
        CHECK_THAT(out, Catch::Contains("1 corrupted entries"));
        out.clear();
        CHECK(tj_test::run_command(cli + "verify --repair 2>&1", &out) == 0);
        CHECK_FALSE(fs::exists(moved));
        CHECK(fs::exists(tmp.path() / (kKey + ".tjk")));
    }
}

TEST_CASE("disk cache: a symlink to a valid entry is refused and its target kept", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const std::string other(32, 'c');
    cache.store(other, sample_entry("target", other));
    // Even a link to an entry that would be valid under this name.
    tj_test::TempDir elsewhere;
    DiskCache outside(elsewhere.path());
    outside.store(kKey, sample_entry("outside"));
    const fs::path path = tmp.path() / (kKey + ".tjk");
    fs::create_symlink(elsewhere.path() / (kKey + ".tjk"), path);
    StderrCapture err;
    CHECK_FALSE(cache.load(kKey));
    err.text();
    CHECK_FALSE(fs::exists(fs::symlink_status(path)));
    CHECK(outside.load(kKey)); // the target is not touched
    CHECK(cache.load(other));
}

TEST_CASE("disk cache: special files at an entry's name never block", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const fs::path path = tmp.path() / (kKey + ".tjk");
    StderrCapture err;
    SECTION("fifo, load") {
        REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
        CHECK_FALSE(cache.load(kKey));
    }
    SECTION("fifo, verify") {
        REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
        CHECK(cache.verify(false) == std::vector<std::string>{kKey});
        CHECK(cache.verify(true) == std::vector<std::string>{kKey});
        CHECK_FALSE(fs::exists(fs::symlink_status(path)));
    }
    SECTION("fifo, list skips it") {
        REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
        CHECK(cache.list().empty());
    }
    SECTION("directory") {
        fs::create_directory(path);
        CHECK_FALSE(cache.load(kKey));
        CHECK_FALSE(fs::exists(path));
    }
    err.text();
}

TEST_CASE("disk cache: a huge file with a bad header is not read", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const fs::path path = tmp.path() / (kKey + ".tjk");
    // Sparse: no disk space used. Reading one whole would raise the peak RSS by its size.
    const std::uintmax_t size = GENERATE(std::uintmax_t(512) << 20, std::uintmax_t(3) << 30);
    SECTION("garbage header") { write_all(path, std::string(200, 'G')); }
    SECTION("right magic, lengths that do not add up") {
        Entry e = sample_entry();
        cache.store(kKey, e);
    }
    fs::resize_file(path, size);
    const long before = peak_rss_kib();
    StderrCapture err;
    CHECK_FALSE(cache.load(kKey));
    err.text();
    CHECK(peak_rss_kib() - before < 64 * 1024);
    CHECK_FALSE(fs::exists(path));
    // verify too.
    write_all(path, std::string(200, 'G'));
    fs::resize_file(path, size);
    const long before_verify = peak_rss_kib();
    CHECK(cache.verify(true) == std::vector<std::string>{kKey});
    CHECK(peak_rss_kib() - before_verify < 64 * 1024);
    CHECK_FALSE(fs::exists(path));
}

TEST_CASE("disk cache: stale temporaries are counted, pruned and repaired away", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    cache.store(kKey, sample_entry());
    const fs::path old_tmp = tmp.path() / (kKey + ".tjk.tmp.123.4.deadbeef");
    const fs::path old_src = tmp.path() / (kKey + ".cpp.tmp.123.5.deadbeef");
    const fs::path young = tmp.path() / (kKey + ".tjk.tmp.999.1.cafe");
    const fs::path not_ours = tmp.path() / "notes.tmp.1";
    write_all(old_tmp, std::string(100, 'p'));
    write_all(old_src, std::string(30, 's'));
    write_all(young, std::string(7, 'y'));
    write_all(not_ours, "mine");
    const auto hour_ago = fs::file_time_type::clock::now() - std::chrono::hours(1);
    for (const auto& p : {old_tmp, old_src, not_ours}) fs::last_write_time(p, hour_ago);

    auto stale = cache.temporaries();
    CHECK(stale.count == 2);
    CHECK(stale.bytes == 130);
    auto all = cache.temporaries(std::chrono::seconds(0));
    CHECK(all.count == 3);
    CHECK(all.bytes == 137);
    CHECK(cache.list().size() == 1); // temporaries are not entries

    SECTION("prune removes the old ones, not the young one") {
        CHECK(cache.prune(std::uintmax_t(1) << 40) == 0);
        CHECK_FALSE(fs::exists(old_tmp));
        CHECK_FALSE(fs::exists(old_src));
        CHECK(fs::exists(young));
        CHECK(fs::exists(not_ours));
        CHECK(cache.load(kKey));
        CHECK(cache.prune(std::uintmax_t(1) << 40, std::chrono::seconds(0)) == 0);
        CHECK_FALSE(fs::exists(young));
    }
    SECTION("verify without repair keeps them, with repair removes the old ones") {
        CHECK(cache.verify(false).empty());
        CHECK(fs::exists(old_tmp));
        CHECK(cache.verify(true).empty());
        CHECK_FALSE(fs::exists(old_tmp));
        CHECK_FALSE(fs::exists(old_src));
        CHECK(fs::exists(young));
        CHECK(fs::exists(not_ours));
    }
    SECTION("tensorjit-cache list counts them, prune removes them") {
        const std::string cli =
            "'" + tool("tensorjit-cache") + "' --dir '" + tmp.path().string() + "' ";
        std::string out;
        REQUIRE(tj_test::run_command(cli + "list", &out) == 0);
        CHECK_THAT(out, Catch::Contains("1 entries"));
        CHECK_THAT(out, Catch::Contains("2 stale temporaries (130 bytes)"));
        out.clear();
        REQUIRE(tj_test::run_command(cli + "prune --max-bytes 1000000000", &out) == 0);
        CHECK_FALSE(fs::exists(old_tmp));
        CHECK(fs::exists(young));
        out.clear();
        REQUIRE(tj_test::run_command(cli + "list", &out) == 0);
        CHECK_THAT(out, Catch::Contains("0 stale temporaries (0 bytes)"));
    }
}

TEST_CASE("disk cache: a read-only cache serves hits and writes nothing", "[cache]") {
    tj_test::TempDir tmp;
    const std::string other(32, 'b'), corrupt(32, 'c');
    {
        DiskCache writer(tmp.path());
        writer.store(kKey, sample_entry("ro"));
        writer.store(corrupt, sample_entry("bad", corrupt));
    }
    write_all(tmp.path() / (corrupt + ".tjk"), "garbage");
    const fs::path stale = tmp.path() / (kKey + ".tjk.tmp.1.2.3");
    write_all(stale, "partial");
    const auto day_ago = fs::file_time_type::clock::now() - std::chrono::hours(24);
    fs::last_write_time(stale, day_ago);
    fs::last_write_time(tmp.path() / (kKey + ".tjk"), day_ago);
    const auto before = names_in(tmp.path());

    DiskCache cache(tmp.path(), true);
    CHECK(cache.enabled());
    CHECK(cache.read_only());
    CHECK(cache.disabled_reason().empty());
    StderrCapture err;
    auto hit = cache.load(kKey);
    REQUIRE(hit);
    CHECK(same(*hit, sample_entry("ro")));
    CHECK_FALSE(cache.load(corrupt)); // refused but not removed
    cache.store(other, sample_entry("new", other));
    cache.store(other, sample_entry("new", other));
    CHECK(cache.verify(true) == std::vector<std::string>{corrupt});
    CHECK(cache.prune(0, std::chrono::seconds(0)) == 0);
    CHECK(cache.clear() == 0);
    CHECK(cache.list().size() == 2); // list does not check contents
    const std::string printed = err.text();
    CHECK(names_in(tmp.path()) == before);
    CHECK(fs::last_write_time(tmp.path() / (kKey + ".tjk")) == day_ago); // not even the mtime
    CHECK_FALSE(cache.load(other));
    // store() warns at most once per process (the first read-only store of the process says so).
    CHECK(count_of(printed, "is read-only") <= 1);
    // The source of a new kernel goes where it can be written, as for a disabled cache.
    CHECK(cache.source_path(kKey).parent_path().filename() ==
          "tensorjit-" + std::to_string(::geteuid()));
}

TEST_CASE("disk cache: a directory of ours that we cannot write is used read-only", "[cache]") {
    tj_test::TempDir tmp;
    const fs::path dir = tmp.path() / "ro";
    {
        DiskCache writer(dir);
        writer.store(kKey, sample_entry("ro"));
    }
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec, fs::perm_options::replace);
    StderrCapture err;
    DiskCache cache(dir);
    const std::string printed = err.text();
    // Not refused: no "will not be cached" warning, hits work.
    CHECK(cache.enabled());
    CHECK_THAT(printed, !Catch::Contains("kernels will not be cached on disk"));
    CHECK(cache.load(kKey));
    if (::access(dir.c_str(), W_OK) == 0) {
        // Root: permission bits do not stop us, so the directory really is writable (a
        // read-only mount would not be); nothing to detect.
        WARN("running as root: mode 0500 does not make the directory read-only; skipped");
        CHECK_FALSE(cache.read_only());
    } else {
        CHECK(cache.read_only());
        cache.store(std::string(32, 'd'), sample_entry("x", std::string(32, 'd')));
        CHECK(names_in(dir) == std::vector<std::string>{kKey + ".cpp", kKey + ".tjk"});
    }
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);

    SECTION("others-writable stays refused even when read-only is asked for") {
        fs::permissions(dir, fs::perms::all, fs::perm_options::replace);
        StderrCapture err2;
        DiskCache shared(dir, true);
        err2.text();
        CHECK_FALSE(shared.enabled());
        CHECK_FALSE(shared.load(kKey));
        fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    }
}

TEST_CASE("disk cache: each kind of warning reaches stderr once per process", "[cache]") {
    tj_test::TempDir tmp;
    std::string out;
    const int rc =
        tj_test::run_command("env -u TJ_LOG_LEVEL '" + tool("tests/tj_tool_cache_warnings") +
                                 "' '" + (tmp.path() / "cache").string() + "' 2>&1",
                             &out);
    INFO(out);
    REQUIRE(rc == 0);
    CHECK_THAT(out, Catch::Contains("cache_warnings: done"));
    // Three corrupt entries (two garbage, one under the wrong key): one warning.
    CHECK(count_of(out, "tensorjit: warning: cache entry") == 1);
    CHECK_THAT(out, Catch::Contains("is unusable"));
    // Two failed stores: one warning.
    CHECK(count_of(out, "kernels are not being cached on disk") == 1);
    // Two stores into a read-only cache: one warning.
    CHECK(count_of(out, "is read-only; new kernels are not cached on disk") == 1);
    CHECK(count_of(out, "tensorjit: warning:") == 3);
}

TEST_CASE("disk cache: a read-only bind mount is detected and used read-only", "[cache]") {
    // The real case: even root gets EROFS there. Needs a private mount namespace (unshare, as
    // root or with user namespaces); skipped where there is none.
    tj_test::TempDir tmp;
    const fs::path dir = tmp.path() / "cache";
    std::string out;
    // A real kernel first, compiled by a separate process into the cache.
    const std::string probe = "'" + tool("tests/tj_tool_cache_probe") + "'";
    REQUIRE(tj_test::run_command("TJ_CACHE_DIR='" + dir.string() + "' " + probe, &out) == 0);
    REQUIRE_THAT(out, Catch::Contains("clang_compiles=1"));
    const auto before = names_in(dir);
    REQUIRE(before.size() == 2); // <key>.cpp, <key>.tjk
    REQUIRE(fs::path(before[1]).extension() == ".tjk");
    auto read_only = [&](const std::string& command, std::string* output) {
        output->clear();
        const std::string d = "'" + dir.string() + "'";
        return tj_test::run_command("unshare --mount sh -c \"mount --bind " + d + " " + d +
                                        " && mount -o remount,ro,bind " + d + " && " + command +
                                        "\" 2>&1",
                                    output);
    };
    if (read_only("true", &out) != 0) {
        WARN("cannot make a read-only bind mount here; skipped: " << out);
        return;
    }
    const std::string cli = "'" + tool("tensorjit-cache") + "' --dir '" + dir.string() + "' ";
    CHECK(read_only(cli + "list", &out) == 0);
    CHECK_THAT(out, Catch::Contains("1 entries") && Catch::Contains("(read-only)"));
    CHECK(read_only(cli + "verify", &out) == 0);
    CHECK(read_only(cli + "clear", &out) == 1);
    CHECK_THAT(out, Catch::Contains("read-only"));
    // The library serves the hit, compiles nothing, and neither refuses the directory nor
    // complains about it being read-only (nothing needed storing).
    CHECK(read_only("env -u TJ_LOG_LEVEL TJ_CACHE_DIR='" + dir.string() + "' " + probe, &out) == 0);
    CHECK_THAT(out, Catch::Contains("clang_compiles=0 disk_hits=1"));
    CHECK_THAT(out, !Catch::Contains("warning"));
    CHECK(names_in(dir) == before);
    // A kernel not in the cache is compiled and works; one warning says it is not kept.
    fs::remove(dir / before[1]); // the .tjk
    CHECK(read_only("env -u TJ_LOG_LEVEL TJ_CACHE_DIR='" + dir.string() + "' " + probe, &out) == 0);
    CHECK_THAT(out, Catch::Contains("clang_compiles=1"));
    CHECK(count_of(out, "is read-only; new kernels are not cached on disk") == 1);
}
