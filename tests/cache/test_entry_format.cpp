// Tests of the disk cache's entry format 2: the XXH3 checksum catches every flipped bit, and
// entries of another format version (format 1 had a SHA-256 checksum in a 96-byte header) are
// stale: a miss, removed, never misread as an entry of this format.
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

} // namespace

TEST_CASE("entry format: the header is 64 bytes with an XXH3-128 checksum", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const Entry e = small_entry();
    cache.store(kKey, e);
    const std::string file = read_bytes(tmp.path() / (kKey + ".tjk"));
    REQUIRE(file.size() == 64 + e.object.size() + e.source.size() + e.metadata.size());
    CHECK(file.substr(0, 8) == "TJCACHE2");
    const std::string checked = file.substr(0, 32) + file.substr(64);
    CHECK(file.substr(32, 32) == tensorjit::xxh3_128_hex(checked));
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
        CHECK(read_bytes(path).substr(0, 8) == "TJCACHE2");
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
    SECTION("a newer format, or a version byte that is not a digit, is stale too") {
        for (const char* magic : {"TJCACHE3", "TJCACHE9", "TJCACHE\n"}) {
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
