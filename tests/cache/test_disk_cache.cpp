// Tests of cache/: SHA-256 against the FIPS 180-4 vectors, and the disk cache's round trip,
// corruption handling, directory safety checks, concurrency and maintenance (list, verify,
// prune, clear).
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
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using tensorjit::cache::DiskCache;
using tensorjit::cache::Entry;
using tensorjit::cache::Sha256;
using tensorjit::cache::sha256_hex;

namespace {

constexpr std::size_t kHeaderSize = 96;
const std::string kKey = "0123456789abcdef0123456789abcdef";

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(const fs::path& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
}

// An entry whose metadata names key (as the entries function() stores do).
Entry sample_entry(const std::string& tag = "", const std::string& key = kKey) {
    Entry e;
    e.object = std::string("\177ELF\0\1\2object bytes ", 20) + tag;
    e.source = "extern \"C\" void tj_k_0123(void** args) { /* " + tag + " */ }\n";
    e.metadata = R"({"version": 1, "key": ")" + key + R"(", "tag": ")" + tag + "\"}";
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

// Captures what is written to file descriptor 2 during the object's lifetime.
class StderrCapture {
  public:
    StderrCapture() : file_(dir_.path() / "stderr") {
        std::fflush(stderr);
        saved_ = ::dup(2);
        int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 2);
        ::close(fd);
    }
    ~StderrCapture() { restore(); }
    std::string text() {
        restore();
        return read_all(file_);
    }

  private:
    void restore() {
        if (saved_ < 0) return;
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
        saved_ = -1;
    }
    tj_test::TempDir dir_;
    fs::path file_;
    int saved_ = -1;
};

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

} // namespace

TEST_CASE("sha256 matches the FIPS 180-4 test vectors", "[cache]") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha256_hex(
              "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
              "klmnopqrlmnopqrsmnopqrstnopqrstu") ==
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    CHECK(sha256_hex(std::string(1000000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 padding boundaries at 55 56 63 and 64 bytes", "[cache]") {
    // Lengths around the point where the length field no longer fits in the last block.
    CHECK(sha256_hex(std::string(55, 'a')) ==
          "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    CHECK(sha256_hex(std::string(56, 'a')) ==
          "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    CHECK(sha256_hex(std::string(63, 'a')) ==
          "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
    CHECK(sha256_hex(std::string(64, 'a')) ==
          "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST_CASE("sha256 incremental updates equal the one-shot digest", "[cache]") {
    std::string message;
    for (int i = 0; i < 131; ++i) message.push_back(static_cast<char>((i * 37 + 11) & 0xff));
    const std::string expected = sha256_hex(message);
    for (std::size_t split = 0; split <= message.size(); ++split) {
        CAPTURE(split);
        Sha256 h;
        h.update(std::string_view(message).substr(0, split));
        h.update(std::string_view(message).substr(split));
        CHECK(h.final_hex() == expected);
    }
    // Byte by byte, with empty updates in between.
    Sha256 h;
    for (char c : message) h.update(std::string_view(&c, 1)).update("");
    CHECK(h.final_hex() == expected);
}

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
        cache.store(kKey, Entry{});  // no metadata: refused when loaded
        CHECK_FALSE(cache.load(kKey));
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
    std::string header = "TJCACHE1" + std::string(24, '\xff') + std::string(64, '0') + "payload";
    write_all(path, header);
    CHECK_FALSE(cache.load(kKey));
    CHECK_FALSE(fs::exists(path));

    // Lengths that add up modulo 2^64 to the payload size.
    std::string wrap = "TJCACHE1";
    for (std::uint64_t v : {std::uint64_t(1), ~std::uint64_t(0), std::uint64_t(3)})
        for (int i = 0; i < 8; ++i) wrap.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    wrap += std::string(64, '0') + "abc";
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

TEST_CASE("disk cache: a valid entry under another key's name is refused", "[cache]") {
    tj_test::TempDir dir;
    DiskCache cache(dir.path());
    const std::string other = "fedcba9876543210fedcba9876543210";
    cache.store(kKey, sample_entry("mine"));
    // Copy the valid entry file under another key's name: its checksum is fine, its key is not.
    fs::copy_file(dir.path() / (kKey + ".tjk"), dir.path() / (other + ".tjk"));
    auto bad = cache.verify(false);
    REQUIRE(bad.size() == 1);
    CHECK(bad[0] == other);
    CHECK_FALSE(cache.load(other).has_value());
    CHECK_FALSE(fs::exists(dir.path() / (other + ".tjk")));  // removed as unusable
    REQUIRE(cache.load(kKey).has_value());                   // the real one still loads
    CHECK(tensorjit::cache::metadata_key(cache.load(kKey)->metadata) == kKey);
    CHECK_FALSE(tensorjit::cache::metadata_key(R"({"key": "not hex"})").has_value());
    CHECK_FALSE(tensorjit::cache::metadata_key("{}").has_value());
}

TEST_CASE("disk cache: a FIFO or a huge file under an entry's name is refused without reading it", "[cache]") {
    tj_test::TempDir dir;
    DiskCache cache(dir.path());
    const fs::path entry = dir.path() / (kKey + ".tjk");
    SECTION("a FIFO does not block the reader") {
        REQUIRE(::mkfifo(entry.c_str(), 0600) == 0);
        CHECK_FALSE(cache.load(kKey).has_value());  // would hang forever if opened blocking
        CHECK(cache.verify(false).size() <= 1);
    }
    SECTION("a sparse 2 GiB file with a garbage header") {
        {
            std::ofstream out(entry, std::ios::binary);
            out << std::string(kHeaderSize, 'G');
        }
        fs::resize_file(entry, std::uintmax_t(2) << 30);  // sparse: no disk space used
        CHECK_FALSE(cache.load(kKey).has_value());
        CHECK_FALSE(fs::exists(entry));
    }
    SECTION("a sparse file under the size bound whose header does not fit its size") {
        Entry e = sample_entry("big");
        cache.store(kKey, e);
        fs::resize_file(entry, std::uintmax_t(512) << 20);  // header lengths no longer add up
        CHECK_FALSE(cache.load(kKey).has_value());
    }
}

TEST_CASE("disk cache: stale temporaries are counted, then removed by prune and verify --repair", "[cache]") {
    tj_test::TempDir dir;
    DiskCache cache(dir.path());
    cache.store(kKey, sample_entry());
    const fs::path old_tmp = dir.path() / (kKey + ".tjk.tmp.123.4.00000000deadbeef");
    const fs::path young_tmp = dir.path() / (kKey + ".cpp.tmp.123.5.00000000deadbeef");
    write_all(old_tmp, std::string(100, 'x'));
    write_all(young_tmp, std::string(50, 'y'));
    fs::last_write_time(old_tmp, fs::file_time_type::clock::now() - std::chrono::hours(1));
    auto stale = cache.stale_temporaries();
    CHECK(stale.count == 1);
    CHECK(stale.bytes == 100);
    CHECK(cache.stale_temporaries(std::chrono::seconds(0)).count == 2);
    SECTION("prune") { cache.prune(std::uintmax_t(1) << 40); }
    SECTION("verify --repair") { cache.verify(true); }
    CHECK_FALSE(fs::exists(old_tmp));
    CHECK(fs::exists(young_tmp));  // a live writer may still rename it
    CHECK(cache.load(kKey).has_value());
}

TEST_CASE("disk cache: a read-only cache serves hits and writes nothing", "[cache]") {
    tj_test::TempDir dir;
    {
        DiskCache writer(dir.path());
        writer.store(kKey, sample_entry("shared"));
    }
    const auto before = names_in(dir.path());
    DiskCache ro(dir.path(), true);
    CHECK(ro.enabled());
    CHECK(ro.read_only());
    REQUIRE(ro.load(kKey).has_value());
    CHECK(same(*ro.load(kKey), sample_entry("shared")));
    ro.store("fedcba9876543210fedcba9876543210", sample_entry("new"));
    write_all(dir.path() / ("fedcba9876543210fedcba9876543211.tjk"), "garbage");
    CHECK(ro.verify(true).size() == 1);  // reported, not removed
    CHECK(ro.prune(0) == 0);
    CHECK(ro.clear() == 0);
    auto after = names_in(dir.path());
    after.erase(std::remove(after.begin(), after.end(), "fedcba9876543210fedcba9876543211.tjk"), after.end());
    CHECK(after == before);
    // The source of a failed compile goes to a private temporary directory instead.
    CHECK(ro.source_path(kKey).parent_path() != dir.path());
    if (::geteuid() != 0) {
        // Not root: a directory without write permission is detected as read-only.
        fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
        DiskCache detected(dir.path());
        CHECK(detected.enabled());
        CHECK(detected.read_only());
        CHECK(detected.load(kKey).has_value());
        fs::permissions(dir.path(), fs::perms::owner_all);
    }
}
