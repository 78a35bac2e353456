// Tests of the disk cache's entry format 3: the object and metadata come first under one XXH3
// checksum, the source last under its own, so that loading a kernel (DiskCache::load_code) reads
// and checks the first part only; every flipped bit is still caught by whatever reads it.
// Entries of another format version (format 1: a SHA-256 checksum in a 96-byte header; format 2:
// the source before the metadata under one XXH3 checksum) are stale: a miss, removed, never
// misread as an entry of this format.
#include "cache/disk_cache.hpp"
#include "runtime/hash.hpp"

#include "support/test_util.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

namespace fs = std::filesystem;
using tensorjit::cache::DiskCache;
using tensorjit::cache::Entry;

namespace {

const std::string kKey = "00112233445566778899aabbccddeeff";

std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& path, const std::string& data) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

Entry small_entry() {
    return Entry{std::string("\177ELF\0obj", 8), "int k();\n", R"({"key": ")" + kKey + "\"}"};
}

void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A valid entry file of format 1, as tensorjit wrote it before format 2: "TJCACHE1", the three
// lengths, the SHA-256 hex of bytes 0..32 and 96.., then the sections.
std::string format1_file(const Entry& e) {
    std::string head = "TJCACHE1";
    put_u64(head, e.object.size());
    put_u64(head, e.source.size());
    put_u64(head, e.metadata.size());
    const std::string payload = e.object + e.source + e.metadata;
    return head + tensorjit::Sha256().update(head).update(payload).hex() + payload;
}

// A valid entry file of format 2, as tensorjit wrote it before format 3: "TJCACHE2", the lengths
// of object, source and metadata, the XXH3-128 hex of bytes 0..32 and 64.., then the sections.
std::string format2_file(const Entry& e) {
    std::string head = "TJCACHE2";
    put_u64(head, e.object.size());
    put_u64(head, e.source.size());
    put_u64(head, e.metadata.size());
    const std::string payload = e.object + e.source + e.metadata;
    return head + tensorjit::xxh3_128_hex(head + payload) + payload;
}

// The sections of a format-3 file of e, where they start.
struct Layout {
    std::size_t object = 96, metadata, source, end;
    explicit Layout(const Entry& e)
        : metadata(object + e.object.size()), source(metadata + e.metadata.size()),
          end(source + e.source.size()) {}
};

} // namespace

TEST_CASE("entry format: a 96-byte header with two XXH3-128 checksums", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const Entry e = small_entry();
    cache.store(kKey, e);
    const std::string file = read_bytes(tmp.path() / (kKey + ".tjk"));
    const Layout at(e);
    REQUIRE(file.size() == at.end);
    CHECK(file.substr(0, 8) == "TJCACHE3");
    // Object, metadata, source: the part a kernel load reads comes first.
    CHECK(file.substr(at.object, e.object.size()) == e.object);
    CHECK(file.substr(at.metadata, e.metadata.size()) == e.metadata);
    CHECK(file.substr(at.source) == e.source);
    const std::string code = file.substr(0, 32) + file.substr(96, at.source - 96);
    CHECK(file.substr(32, 32) == tensorjit::xxh3_128_hex(code));
    CHECK(file.substr(64, 32) == tensorjit::xxh3_128_hex(e.source));
}

TEST_CASE("entry format: every single flipped bit of an entry file is refused", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const Entry e = small_entry();
    cache.store(kKey, e);
    const fs::path path = tmp.path() / (kKey + ".tjk");
    const std::string good = read_bytes(path);
    tj_test::StderrCapture err; // one warning per process; the rest go to the logger
    std::size_t accepted = 0;
    for (std::size_t byte = 0; byte < good.size(); ++byte)
        for (int bit = 0; bit < 8; ++bit) {
            std::string bad = good;
            bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
            write_bytes(path, bad);
            if (cache.load(kKey)) {
                ++accepted;
                UNSCOPED_INFO("accepted with byte " << byte << " bit " << bit << " flipped");
            }
            // Refused entries are removed.
            CHECK_FALSE(fs::exists(path));
        }
    err.text();
    CHECK(accepted == 0);
    write_bytes(path, good);
    auto loaded = cache.load(kKey);
    REQUIRE(loaded);
    CHECK(loaded->metadata == e.metadata);
}

TEST_CASE("entry format: load_code reads and checks all but the source", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const Entry e = small_entry();
    cache.store(kKey, e);
    const fs::path path = tmp.path() / (kKey + ".tjk");
    const std::string good = read_bytes(path);
    const Layout at(e);
    std::string stamp;
    auto loaded = cache.load_code(kKey, &stamp);
    REQUIRE(loaded);
    CHECK(loaded->object == e.object);
    CHECK(loaded->metadata == e.metadata);
    CHECK(loaded->source.empty());
    CHECK(stamp == good.substr(32, 32));
    CHECK(cache.load_source(kKey, stamp) == e.source);

    tj_test::StderrCapture err;
    SECTION("every flipped bit before the source, its checksum aside, is refused") {
        std::size_t accepted = 0;
        for (std::size_t byte = 0; byte < at.source; ++byte) {
            if (byte >= 64 && byte < 96) continue; // the source's checksum
            for (int bit = 0; bit < 8; ++bit) {
                std::string bad = good;
                bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
                write_bytes(path, bad);
                if (cache.load_code(kKey)) {
                    ++accepted;
                    UNSCOPED_INFO("accepted with byte " << byte << " bit " << bit << " flipped");
                }
                CHECK_FALSE(fs::exists(path)); // refused entries are removed
            }
        }
        CHECK(accepted == 0);
    }
    SECTION("a flipped bit in the source or its checksum: the code loads, the source does not") {
        for (std::size_t byte : {std::size_t(64), std::size_t(95), at.source, at.end - 1}) {
            CAPTURE(byte);
            std::string bad = good;
            bad[byte] = static_cast<char>(bad[byte] ^ 0x10);
            write_bytes(path, bad);
            std::string bad_stamp;
            auto code = cache.load_code(kKey, &bad_stamp);
            REQUIRE(code);
            CHECK(code->object == e.object);
            CHECK(bad_stamp == stamp);
            CHECK_FALSE(cache.load_source(kKey, bad_stamp));
            CHECK(fs::exists(path));       // load_source removes nothing
            CHECK_FALSE(cache.load(kKey)); // a whole load checks the source too
            CHECK_FALSE(fs::exists(path));
        }
    }
    SECTION("the source of another copy of the entry is not taken for this one's") {
        Entry other = e;
        other.object += "2";
        other.source += "// another compile\n";
        cache.store(kKey, other);
        CHECK_FALSE(cache.load_source(kKey, stamp));
        std::string other_stamp;
        REQUIRE(cache.load_code(kKey, &other_stamp));
        CHECK(cache.load_source(kKey, other_stamp) == other.source);
        fs::remove(path);
        CHECK_FALSE(cache.load_source(kKey, other_stamp));
    }
    SECTION("truncated anywhere, the code does not load") {
        for (std::size_t length : {std::size_t(0), std::size_t(50), std::size_t(95),
                                   std::size_t(96), at.metadata, at.source - 1}) {
            CAPTURE(length);
            write_bytes(path, good.substr(0, length));
            CHECK_FALSE(cache.load_code(kKey));
            CHECK_FALSE(fs::exists(path));
        }
    }
    err.text();
}

TEST_CASE("entry format: a format-1 entry is stale: a miss, removed, then replaced", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const fs::path path = tmp.path() / (kKey + ".tjk");
    const Entry e = small_entry();
    write_bytes(path, format1_file(e));

    SECTION("load") {
        tj_test::StderrCapture err;
        CHECK_FALSE(cache.load(kKey));
        // Not a corruption: no warning (an upgrade must not alarm the user). Under ctest each test
        // case is a fresh process, so the once-per-process warning has not been used up.
        CHECK_THAT(err.text(), !Catch::Contains("tensorjit: warning"));
        CHECK_FALSE(fs::exists(path));
        cache.store(kKey, e);
        auto loaded = cache.load(kKey);
        REQUIRE(loaded);
        CHECK(loaded->object == e.object);
        CHECK(read_bytes(path).substr(0, 8) == "TJCACHE3");
    }
    SECTION("verify reports it, repair removes it") {
        CHECK(cache.verify(false) == std::vector<std::string>{kKey});
        CHECK(fs::exists(path));
        CHECK(cache.verify(true) == std::vector<std::string>{kKey});
        CHECK_FALSE(fs::exists(path));
    }
    SECTION("a read-only cache leaves it") {
        DiskCache ro(tmp.path(), true);
        CHECK_FALSE(ro.load(kKey));
        CHECK(fs::exists(path));
    }
    SECTION("format 2, a newer format, or a version byte that is not a digit, is stale too") {
        for (const char* magic : {"TJCACHE2", "TJCACHE4", "TJCACHE9", "TJCACHE\n"}) {
            CAPTURE(magic);
            std::string file = format1_file(e);
            file.replace(0, 8, magic);
            write_bytes(path, file);
            tj_test::StderrCapture err;
            CHECK_FALSE(cache.load(kKey));
            CHECK_THAT(err.text(), !Catch::Contains("tensorjit: warning"));
            CHECK_FALSE(fs::exists(path));
        }
    }
}

TEST_CASE("entry format: a format-2 entry is stale for load and load_code alike", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const fs::path path = tmp.path() / (kKey + ".tjk");
    const Entry e = small_entry();
    for (bool code_only : {false, true}) {
        CAPTURE(code_only);
        write_bytes(path, format2_file(e));
        tj_test::StderrCapture err;
        const bool loaded = (code_only ? cache.load_code(kKey) : cache.load(kKey)).has_value();
        CHECK_FALSE(loaded);
        CHECK_THAT(err.text(), !Catch::Contains("tensorjit: warning"));
        CHECK_FALSE(fs::exists(path));
    }
    // Shorter than a format-3 header: still stale, not truncated.
    write_bytes(path, format2_file(Entry{"o", "s", "m"}).substr(0, 80));
    tj_test::StderrCapture err;
    CHECK_FALSE(cache.load_code(kKey));
    CHECK_THAT(err.text(), !Catch::Contains("tensorjit: warning"));
    CHECK_FALSE(fs::exists(path));
}
