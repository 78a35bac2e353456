// Tests of tj::save_npz / tj::load_npz without NumPy: round trips (stored and deflated), archives
// made by a second, hand-written ZIP writer (npy_test_util.hpp; ZIP64 records included), and
// damaged archives. test_npy_numpy.cpp checks the same against NumPy itself.
#include <tensorjit/npy.hpp>

#include "array_test_util.hpp"
#include "npy_test_util.hpp"
#include "support/test_util.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace tensorjit;
using namespace npy_test;
using array_test::kAllDTypes;
using tj_test::expect_error;
using tj_test::TempDir;

namespace {

// The offset of the last occurrence of a 4-byte signature ("PK\1\2": a central directory entry).
std::size_t find_sig(const std::string& zip, std::uint32_t sig) {
    const std::size_t at = zip.rfind(le(sig, 4));
    REQUIRE(at != std::string::npos);
    return at;
}

void put(std::string& bytes, std::size_t at, std::uint64_t v, int n) {
    bytes.replace(at, std::size_t(n), le(v, n));
}

} // namespace

TEST_CASE("npz: arrays round-trip, stored and compressed", "[npy]") {
    TempDir dir;
    std::mt19937_64 rng(11);
    std::vector<std::pair<std::string, Array>> arrays;
    for (DType t : kAllDTypes)
        arrays.emplace_back(std::string(dtype_name(t)),
                            tj_test::random_array(rng, t, {3, 5}, 0, 100));
    const Array base = array_test::arange(12, DType::Float64).reshape({3, 4});
    arrays.emplace_back("scalar", Array(2.5));
    arrays.emplace_back("empty", Array::zeros(DType::Int16, {0, 4}));
    arrays.emplace_back("layer1/w", base.transpose());      // Fortran order
    arrays.emplace_back("strided", base.slice(1, 0, 4, 3)); // gathered in C order
    arrays.emplace_back("zeros", Array::zeros(DType::Float64, {100000}));

    for (bool compressed : {false, true}) {
        INFO((compressed ? "compressed" : "stored"));
        const auto path = dir.path() / "a.npz";
        save_npz(path, arrays, compressed);
        const auto back = load_npz(path);
        REQUIRE(back.size() == arrays.size());
        for (const auto& [name, a] : arrays) {
            INFO(name);
            REQUIRE(back.count(name) == 1);
            CHECK(same_bits(back.at(name), a));
        }
        CHECK(back.at("layer1/w").strides() == Dims{1, 4});
        const auto size = read_bytes(path).size();
        if (compressed)
            CHECK(size < 100000); // 800000 bytes of zeros deflate to about 1 KB
        else
            CHECK(size > 800000);
    }
}

TEST_CASE("npz: a braced list of name/array pairs, and the empty archive", "[npy]") {
    TempDir dir;
    const auto path = dir.path() / "model.npz";
    const Array w{{1.0, 2.0}, {3.0, 4.0}};
    const Array b{0.5, -0.5};
    save_npz(path, {{"w", w}, {"b", b}});
    auto params = load_npz(path);
    CHECK(params.size() == 2);
    CHECK(same_bits(params.at("w"), w));
    CHECK(same_bits(params.at("b"), b));
    save_npz(path, {{"w", w}}, /*compressed=*/true);
    CHECK(same_bits(load_npz(path).at("w"), w));

    save_npz(path, {});
    CHECK(read_bytes(path).size() == 22); // the end-of-central-directory record alone
    CHECK(load_npz(path).empty());

    expect_error<ValueError>(
        [&] {
            save_npz(path, {{"w", w}, {"w", b}});
        },
        {path.string(), "two arrays named 'w'"});
}

TEST_CASE("npz: archives from another ZIP writer, ZIP64 records included", "[npy]") {
    TempDir dir;
    const auto path = dir.path() / "z.npz";
    const auto npy = dir.path() / "m.npy";
    save_npy(npy, Array{1, 2, 3});
    const std::string one = read_bytes(npy);
    save_npy(npy, Array::zeros(DType::Float32, {2, 2}).transpose());
    const std::string two = read_bytes(npy);
    for (bool zip64 : {false, true}) {
        INFO("zip64 " << zip64);
        write_bytes(path, zip_archive({{"one.npy", one}, {"two.npy", two}}, zip64));
        const auto back = load_npz(path);
        REQUIRE(back.size() == 2);
        CHECK(same_bits(back.at("one"), Array{1, 2, 3}));
        CHECK(same_bits(back.at("two"), Array::zeros(DType::Float32, {2, 2})));
    }
}

TEST_CASE("npz: damaged archives raise ValueError naming the file and the problem", "[npy]") {
    TempDir dir;
    const auto path = dir.path() / "bad_archive.npz";
    const std::string name = path.string();
    auto fails = [&](const std::string& bytes, const std::vector<std::string>& problem) {
        write_bytes(path, bytes);
        std::vector<std::string> parts = problem;
        parts.push_back(name);
        expect_error<ValueError>([&] { load_npz(path); }, parts);
    };
    const Array w = array_test::arange(10, DType::Float64);
    save_npz(path, {{"w", w}, {"b", Array{1, 2}}});
    const std::string stored = read_bytes(path);
    save_npz(path, {{"w", w}, {"b", Array{1, 2}}}, true);
    const std::string deflated = read_bytes(path);

    // Truncated anywhere: the end record is gone.
    for (std::size_t cut : {std::size_t{0}, std::size_t{10}, stored.size() / 2, stored.size() - 1})
        fails(stored.substr(0, cut), {"no ZIP end-of-central-directory record"});

    // A flipped bit in the data of member 'w' (its last byte), or in its .npy header.
    std::string bad = stored;
    const std::size_t w_data_end = stored.find("b.npy") - 30;
    bad[w_data_end - 1] ^= 1;
    fails(bad, {"member 'w.npy'", "CRC-32 mismatch"});
    bad = stored;
    bad[stored.find("'descr'") + 1] = 'x';
    fails(bad, {"member 'w.npy'", "CRC-32 mismatch"});
    // The central directory's CRC itself.
    bad = stored;
    const std::size_t central = stored.find(le(0x02014b50, 4));
    bad[central + 16] ^= 0x55;
    fails(bad, {"member 'w.npy'", "CRC-32 mismatch"});

    // Corrupt deflate data.
    bad = deflated;
    const std::size_t w_start = deflated.find("w.npy") + 5; // no extra field
    for (std::size_t i = 0; i < 8; ++i) bad[w_start + i] = char(0xFF);
    fails(bad, {"member 'w.npy'", "corrupt"});

    // A member offset past the end of the file.
    bad = stored;
    put(bad, find_sig(stored, 0x02014b50) + 42, 0x7FFFFFF0, 4);
    fails(bad, {"member 'b.npy'", "past the end of the file"});
    // Member data running past the end: the directory claims a larger stored size.
    bad = stored;
    put(bad, find_sig(stored, 0x02014b50) + 20, 0x10000000, 4);
    put(bad, find_sig(stored, 0x02014b50) + 24, 0x10000000, 4);
    fails(bad, {"member 'b.npy'", "run past the end of the file"});
    // A deflated member claiming more than deflate can produce.
    bad = deflated;
    put(bad, find_sig(deflated, 0x02014b50) + 24, 0xFFFFFFF0, 4);
    fails(bad, {"member 'b.npy'", "cannot hold"});
    // The central directory outside the file.
    bad = stored;
    put(bad, find_sig(stored, 0x06054b50) + 16, 0x7FFFFFF0, 4);
    fails(bad, {"central directory"});

    // Encrypted, another method, not an .npy, duplicate names.
    bad = stored;
    put(bad, find_sig(stored, 0x02014b50) + 8, 1, 2);
    fails(bad, {"member 'b.npy'", "encrypted"});
    bad = stored;
    put(bad, find_sig(stored, 0x02014b50) + 10, 12, 2);
    fails(bad, {"member 'b.npy'", "compression method 12"});
    const auto npy = dir.path() / "m.npy";
    save_npy(npy, w);
    fails(zip_archive({{"w.npy", read_bytes(npy)}, {"notes.txt", "hello"}}, false),
          {"member 'notes.txt' is not an .npy file"});
    fails(zip_archive({{"w.npy", read_bytes(npy)}, {"w.npy", read_bytes(npy)}}, false),
          {"two members named 'w.npy'"});
    // A member that is not a valid .npy.
    fails(zip_archive({{"w.npy", "not an array"}}, false), {"member 'w.npy'", "bad magic"});

    // One format for the other.
    expect_error<ValueError>([&] { load_npy(path); }, {name, "bad magic"});
    fails(read_bytes(npy), {"no ZIP end-of-central-directory record"});
}
