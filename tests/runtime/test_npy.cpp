// Tests of tj::save_npy / tj::load_npy without NumPy: round trips, the exact header bytes (the
// expected headers were written by NumPy 1.24's numpy.save), hand-made files in the layouts
// NumPy can produce (Fortran order, big-endian, versions 2.0 and 3.0), and bad files.
// test_npy_numpy.cpp checks the same against NumPy itself.
#include <tensorjit/npy.hpp>

#include "array_test_util.hpp"
#include "npy_test_util.hpp"
#include "support/test_util.hpp"

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace tensorjit;
using namespace npy_test;
using array_test::kAllDTypes;
using tj_test::expect_error;
using tj_test::TempDir;

namespace {

// Values of every kind a dtype has (negative for signed types) in a C-contiguous array.
Array sample(std::mt19937_64& rng, DType t, const Dims& shape) {
    if (is_unsigned_int(t)) return tj_test::random_array(rng, t, shape, 0, 250);
    if (is_signed_int(t)) return tj_test::random_array(rng, t, shape, -120, 120);
    return tj_test::random_array(rng, t, shape, -1e3, 1e3);
}

// The header numpy.save writes: magic, version 1.0, length 118, the dict, spaces, newline.
std::string numpy_header(const std::string& dict) {
    std::string h("\x93NUMPY\x01\x00v\x00", 10);
    h += dict;
    h.append(127 - h.size(), ' ');
    return h + '\n';
}

} // namespace

TEST_CASE("npy: every dtype and shape round-trips", "[npy]") {
    TempDir dir;
    std::mt19937_64 rng(7);
    const std::vector<Dims> shapes = {
        {}, {0}, {7}, {2, 3}, {2, 3, 4}, {3, 0, 2}, {1, 2, 1, 2, 1, 2, 1, 2}};
    for (DType t : kAllDTypes)
        for (const Dims& shape : shapes) {
            INFO(dtype_name(t) << " " << shape_str(shape));
            const Array a = sample(rng, t, shape);
            const auto path = dir.path() / "a.npy";
            save_npy(path, a);
            const Array b = load_npy(path);
            CHECK(b.dtype() == t);
            CHECK(b.shape() == shape);
            CHECK(b.is_c_contiguous());
            CHECK(same_bits(a, b));
            CHECK(read_bytes(path).size() == 128 + std::size_t(a.size()) * a.itemsize());
        }
}

TEST_CASE("npy: extreme values keep every bit", "[npy]") {
    TempDir dir;
    const auto path = dir.path() / "x.npy";
    const double nan_payload = std::bit_cast<double>(std::uint64_t{0x7FF8000000012345});
    const std::vector<Array> arrays = {
        Array(std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), -1, 0,
                                        std::numeric_limits<std::int64_t>::max()}),
        Array(std::vector<std::uint64_t>{0, 1, std::numeric_limits<std::uint64_t>::max()}),
        Array(std::vector<std::int8_t>{-128, 127}),
        Array(std::vector<std::uint16_t>{0, 65535}),
        Array(std::vector<std::int32_t>{std::numeric_limits<std::int32_t>::min(), 7}),
        Array(std::vector<double>{nan_payload, -0.0, std::numeric_limits<double>::infinity(),
                                  -std::numeric_limits<double>::infinity(),
                                  std::numeric_limits<double>::denorm_min(),
                                  std::numeric_limits<double>::max()}),
        Array(std::vector<float>{std::numeric_limits<float>::quiet_NaN(), -0.0f,
                                 std::numeric_limits<float>::denorm_min(),
                                 std::numeric_limits<float>::lowest()}),
        Array(std::vector<bool>{true, false, true}),
    };
    for (const Array& a : arrays) {
        INFO(dtype_name(a.dtype()));
        save_npy(path, a);
        CHECK(same_bits(load_npy(path), a));
    }
}

TEST_CASE("npy: the header is numpy.save's, byte for byte", "[npy]") {
    TempDir dir;
    const auto path = dir.path() / "h.npy";
    auto header_of = [&](const Array& a) {
        save_npy(path, a);
        return read_bytes(path).substr(0, 128);
    };
    CHECK(header_of(Array::zeros(DType::Float64, {2, 3})) ==
          numpy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"));
    CHECK(header_of(Array::zeros(DType::Int32, {})) ==
          numpy_header("{'descr': '<i4', 'fortran_order': False, 'shape': (), }"));
    CHECK(header_of(Array::zeros(DType::Bool, {0})) ==
          numpy_header("{'descr': '|b1', 'fortran_order': False, 'shape': (0,), }"));
    // np.zeros((3, 4), np.uint16).T is Fortran-contiguous.
    CHECK(header_of(Array::zeros(DType::UInt16, {3, 4}).transpose()) ==
          numpy_header("{'descr': '<u2', 'fortran_order': True, 'shape': (4, 3), }"));
    CHECK(header_of(Array::zeros(DType::Int8, {123456789, 0, 1, 1, 1, 1, 1, 7})) ==
          numpy_header("{'descr': '|i1', 'fortran_order': False, 'shape': (123456789, 0, 1, 1, 1, "
                       "1, 1, 7), }"));
    // An empty array is C-contiguous whatever its strides.
    CHECK(header_of(Array::zeros(DType::Int8, {2, 0, 3}).transpose()) ==
          numpy_header("{'descr': '|i1', 'fortran_order': False, 'shape': (3, 0, 2), }"));
    CHECK(
        header_of(Array::zeros(DType::Float32, {0, 1, 1, 1, 1, 1, 1, 123456789012}).transpose()) ==
        numpy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (123456789012, 1, 1, 1, "
                     "1, 1, 1, 0), }"));
}

TEST_CASE("npy: views are written in C order, Fortran-contiguous ones in Fortran order", "[npy]") {
    TempDir dir;
    const auto path = dir.path() / "v.npy";
    const Array base = array_test::arange(24, DType::Int32).reshape({2, 3, 4});
    const std::vector<std::pair<const char*, Array>> c_order = {
        {"axes permuted", base.transpose({1, 0, 2})},
        {"every other column", base.slice(2, 0, 4, 2)},
        {"reversed axis", base.slice(1, -1, -4, -1)},
        {"broadcast", Array{1, 2, 3, 4}.broadcast_to({3, 4})},
        {"transposed with unit extents", Array::zeros(DType::Int16, {1, 5}).transpose()},
    };
    for (const auto& [what, view] : c_order) {
        INFO(what);
        save_npy(path, view);
        CHECK(read_bytes(path).find("'fortran_order': False") != std::string::npos);
        const Array back = load_npy(path);
        CHECK(back.is_c_contiguous());
        CHECK(same_bits(back, view));
    }

    // base.T is Fortran-contiguous: its buffer is written as is, and loads as a view with
    // Fortran strides, as numpy.load returns it.
    const Array t = base.transpose();
    save_npy(path, t);
    const std::string bytes = read_bytes(path);
    CHECK(bytes.find("'fortran_order': True, 'shape': (4, 3, 2)") != std::string::npos);
    CHECK(bytes.substr(128) == std::string(static_cast<const char*>(base.raw_data()), 24 * 4));
    const Array back = load_npy(path);
    CHECK(same_bits(back, t));
    CHECK(back.strides() == Dims{1, 4, 12});
}

TEST_CASE("npy: files in NumPy's other layouts", "[npy]") {
    TempDir dir;
    const auto path = dir.path() / "f.npy";
    auto load = [&](const std::string& image) {
        write_bytes(path, image);
        return load_npy(path);
    };
    const Array expected = Array(std::vector<std::int32_t>{1, -2, 3, 400000, -5, 6}, {2, 3});
    // Big-endian int32, C order.
    std::string be;
    for (std::int32_t v : {1, -2, 3, 400000, -5, 6}) {
        const auto u = static_cast<std::uint32_t>(v);
        for (int s = 24; s >= 0; s -= 8) be += char((u >> s) & 0xFF);
    }
    CHECK(same_bits(
        load(npy_image("{'descr': '>i4', 'fortran_order': False, 'shape': (2, 3), }", be)),
        expected));
    // Fortran order: the columns one after the other; keys in another order, double quotes,
    // other spacing, no trailing comma.
    std::string f;
    for (std::int32_t v : {1, 400000, -2, -5, 3, 6}) f += le(static_cast<std::uint32_t>(v), 4);
    const Array fa =
        load(npy_image("{\"shape\":(2,3),\"fortran_order\":True,\"descr\":\"<i4\"}", f));
    CHECK(same_bits(fa, expected));
    CHECK(fa.strides() == Dims{1, 2});
    // Both: big-endian float64 in Fortran order, '=' and '|' orders, version 2.0 and 3.0.
    std::string bf;
    for (double v : {0.5, -2.0, 1e300, 3.25}) {
        const auto u = std::bit_cast<std::uint64_t>(v);
        for (int s = 56; s >= 0; s -= 8) bf += char((u >> s) & 0xFF);
    }
    CHECK(same_bits(
        load(npy_image("{'descr': '>f8', 'fortran_order': True, 'shape': (2, 2), }", bf, 2)),
        Array(std::vector<double>{0.5, 1e300, -2.0, 3.25}, {2, 2})));
    CHECK(same_bits(load(npy_image("{'descr': '=u2', 'fortran_order': False, 'shape': (2,), }",
                                   le(7, 2) + le(65535, 2), 3)),
                    Array(std::vector<std::uint16_t>{7, 65535})));
    CHECK(same_bits(
        load(npy_image("{'descr': '|u1', 'fortran_order': False, 'shape': (), }", "\xff")),
        Array(std::uint8_t{255})));
    // Python 2's long integers in a version 1.0 header.
    CHECK(load(npy_image("{'descr': '<i8', 'fortran_order': False, 'shape': (2L,), }",
                         le(5, 8) + le(6, 8)))
              .shape() == Dims{2});
    // Any non-zero byte is True; bytes after the data are ignored, as NumPy ignores them.
    const Array flags = load(npy_image("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
                                       std::string("\x00\x02\x01trailing", 11)));
    CHECK(same_bits(flags, Array(std::vector<bool>{false, true, true})));
}

TEST_CASE("npy: bad files raise ValueError naming the file and the problem", "[npy]") {
    TempDir dir;
    const auto path = dir.path() / "bad_file.npy";
    const std::string name = path.string();
    auto fails = [&](const std::string& bytes, const std::string& problem) {
        INFO("expected: " << problem);
        write_bytes(path, bytes);
        expect_error<ValueError>([&] { load_npy(path); }, {name, problem});
    };
    auto header = [](const std::string& dict, const std::string& data = std::string(48, '\0')) {
        return npy_image(dict, data);
    };

    save_npy(path, Array::zeros(DType::Float64, {2, 3}));
    const std::string good = read_bytes(path);
    REQUIRE(good.size() == 128 + 48);
    fails("", "empty");
    for (std::size_t cut : {3, 7})
        fails(good.substr(0, cut), "truncated .npy file: it ends inside the magic string");
    fails(good.substr(0, 9), "ends inside the header length");
    for (std::size_t cut : {10, 60, 127}) fails(good.substr(0, cut), "truncated .npy header");
    for (std::size_t cut : {128, 150, 175}) fails(good.substr(0, cut), "truncated .npy data");

    std::string bad = good;
    bad[5] = 'Z';
    fails(bad, "bad magic string");
    fails("PK\x03\x04 is a zip file", "bad magic string");
    bad = good;
    bad[6] = 9;
    bad[7] = 9;
    fails(bad, "unsupported .npy format version 9.9");

    fails(header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'foo': 1}"),
          "unknown key 'foo'");
    fails(header("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"),
          "unsupported dtype '|O'");
    fails(header("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }"),
          "unsupported dtype '<c16'");
    fails(header("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }"),
          "unsupported dtype '<f2'");
    fails(header("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,), }"),
          "structured");
    fails(header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3), }"),
          "negative dimension in shape (2, -3)");
    fails(header("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"),
          "too big");
    fails(header("{'descr': '<f8', 'fortran_order': False, 'shape': (1152921504606846976,), }"),
          "too big");
    fails(header("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }"),
          "does not fit in a 64-bit integer");
    // Data shorter than the shape needs, even when the shape is huge: nothing is allocated.
    fails(header("{'descr': '<f8', 'fortran_order': False, 'shape': (7,), }"),
          "needs 56 bytes, only 48 follow");
    fails(header("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }"),
          "truncated .npy data");
    fails(
        header("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }"),
        "rank 9");
    fails(header("[1, 2]"), "not a Python dict");
    fails(header("{'descr': '<f8', 'fortran_order': False}"), "missing key 'shape'");
    fails(header("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (6,)}"),
          "duplicate key 'descr'");
    fails(header("{'descr': '<f8', 'fortran_order': 0, 'shape': (6,)}"), "True or False");
    fails(header("{'descr': '<f8', 'fortran_order': False, 'shape': (6)}"), "got an integer");
    fails(header("{'descr': '<f8', 'fortran_order': False, 'shape': [6]}"), "tuple");
    fails(header("{'descr': '<f8', 'fortran_order': False, 'shape': (6.0,)}"), "tuple");
    fails(header("{'descr': '<f8', 'fortran_order': False, 'shape': (6,)} + 1"),
          "unexpected text after the dict");
    fails(header("{'descr': '<f8', 'fortran_order': False, 'shape': (__import__('os'),)}"),
          "tuple");
    // Version 2.0's 4-byte length, claiming more than the file holds.
    fails(std::string("\x93NUMPY\x02\x00", 8) + le(0xFFFFFFF0u, 4) + "{}",
          "the header length is 4294967280 bytes, only 2 follow");

    expect_error<ValueError>([&] { load_npy(dir.path() / "missing.npy"); },
                             {(dir.path() / "missing.npy").string(), "cannot open"});
    expect_error<ValueError>([&] { load_npy(dir.path()); }, {dir.path().string(), "not a regular"});
    expect_error<ValueError>([&] { save_npy(dir.path() / "no" / "such" / "dir.npy", Array(1.0)); },
                             {"dir.npy", "cannot open for writing"});
}
