// Tests of runtime/hash: SHA-256 (OpenSSL) against the FIPS 180-4 vectors and streamed in odd
// chunks, XXH3 against the reference values and its use as a checksum (every flipped bit shows).
#include "runtime/hash.hpp"

#include <tensorjit/error.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <utility>

using tensorjit::Sha256;
using tensorjit::sha256_hex;
using tensorjit::Xxh3;
using tensorjit::xxh3_128_hex;
using tensorjit::xxh3_64;

namespace {

// 1 MiB that does not repeat with a short period (a multiplicative hash of the offset).
std::string mebibyte() {
    std::string data(std::size_t(1) << 20, '\0');
    for (std::uint32_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>(((i * 2654435761u) >> 13) & 0xff);
    return data;
}

} // namespace

TEST_CASE("sha256 matches the FIPS 180-4 test vectors", "[hash]") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha256_hex(std::string(1000000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // A fresh object with nothing appended is the empty message.
    CHECK(Sha256().hex() == sha256_hex(""));
}

TEST_CASE("sha256 of 1 MiB streamed in odd-sized chunks equals the one-shot digest", "[hash]") {
    const std::string data = mebibyte();
    // From Python's hashlib over the same bytes.
    const std::string expected = "f5600770a8695a85fc7bb6d18a40a5b80a2b8a39c86f346a1b58f8ccc1e8fde6";
    REQUIRE(sha256_hex(data) == expected);
    for (std::size_t chunk : {1, 3, 7, 63, 65, 1000, 4099, 65537}) {
        CAPTURE(chunk);
        Sha256 h;
        for (std::size_t at = 0; at < data.size(); at += chunk)
            h.update(std::string_view(data).substr(at, chunk));
        CHECK(h.hex() == expected);
    }
    // Chunk sizes that change as it goes, with empty updates in between.
    Sha256 h;
    for (std::size_t at = 0, n = 1; at < data.size(); at += n, n = n * 3 % 1021 + 1)
        h.update(std::string_view(data).substr(at, n)).update("");
    CHECK(h.hex() == expected);
}

TEST_CASE("sha256 hex() does not end the stream", "[hash]") {
    Sha256 h;
    h.update("ab");
    const std::string partial = h.hex();
    CHECK(partial == sha256_hex("ab"));
    CHECK(h.hex() == partial); // asking twice changes nothing
    h.update("c");
    CHECK(h.hex() == sha256_hex("abc"));
}

TEST_CASE("sha256 moved-from objects refuse use, moved-to ones go on", "[hash]") {
    Sha256 a;
    a.update("a");
    Sha256 b = std::move(a);
    b.update("bc");
    CHECK(b.hex() == sha256_hex("abc"));
    CHECK_THROWS_AS(a.update("x"), tensorjit::InternalError);
    CHECK_THROWS_AS(a.hex(), tensorjit::InternalError);
    a = std::move(b);
    CHECK(a.hex() == sha256_hex("abc"));
}

TEST_CASE("xxh3 matches the reference values", "[hash]") {
    // xxHash's own sanity values for the empty input.
    CHECK(xxh3_64("") == 0x2d06800538d394c2ull);
    CHECK(xxh3_128_hex("") == "99aa06d3014798d86001c324468d497f");
    CHECK(Xxh3().hex128() == xxh3_128_hex(""));
    CHECK(xxh3_128_hex("abc").size() == 32);
    CHECK(xxh3_128_hex("abc") != xxh3_128_hex("abd"));
}

TEST_CASE("xxh3 streamed equals one-shot", "[hash]") {
    const std::string data = mebibyte().substr(0, 5000);
    const std::string expected = xxh3_128_hex(data);
    for (std::size_t chunk : {1, 13, 240, 241, 1024, 4999}) {
        CAPTURE(chunk);
        Xxh3 h;
        for (std::size_t at = 0; at < data.size(); at += chunk)
            h.update(std::string_view(data).substr(at, chunk));
        CHECK(h.hex128() == expected);
        CHECK(h.hex128() == expected); // the digest leaves the state as it was
    }
}

TEST_CASE("xxh3 checksum detects every single flipped bit", "[hash]") {
    // Sizes on both sides of XXH3's short-input and block boundaries.
    for (std::size_t size : {1, 16, 17, 128, 129, 240, 241, 1500}) {
        CAPTURE(size);
        const std::string data = mebibyte().substr(1000, size);
        const std::string good = xxh3_128_hex(data);
        const std::uint64_t good64 = xxh3_64(data);
        int missed = 0, missed64 = 0;
        for (std::size_t byte = 0; byte < size; ++byte)
            for (int bit = 0; bit < 8; ++bit) {
                std::string bad = data;
                bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
                missed += xxh3_128_hex(bad) == good;
                missed64 += xxh3_64(bad) == good64;
            }
        CHECK(missed == 0);
        CHECK(missed64 == 0);
    }
}
