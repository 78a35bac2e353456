/// \file
/// Helpers shared by the tj::RandomStream tests (test_random_stream.cpp,
/// test_random_stream_errors.cpp).
#pragma once

#include <tensorjit/generator.hpp>
#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>

namespace random_stream_test {

/// Same dtype, shape and bytes (so -0.0 differs from 0.0 and NaNs compare by payload).
inline bool same_bits(const tj::Array& a, const tj::Array& b) {
    if (a.dtype() != b.dtype() || !(a.shape() == b.shape())) return false;
    const tj::Array ca = a.copy(), cb = b.copy();
    return std::memcmp(ca.raw_data(), cb.raw_data(),
                       static_cast<std::size_t>(ca.size()) * ca.itemsize()) == 0;
}

/// The generator variable k of RandomStream(seed) draws from.
inline tj::Generator child(std::uint64_t seed, std::uint64_t k) {
    return tj::Generator(tj::SeedSequence(seed, {k}));
}

} // namespace random_stream_test

/// Checks that expr throws tj::ValueError with a message containing text.
#define CHECK_VALUE_ERROR(expr, text)                                                              \
    do {                                                                                           \
        CHECK_THROWS_AS(expr, tj::ValueError);                                                     \
        CHECK_THROWS_WITH(expr, Catch::Contains(text));                                            \
    } while (0)
