// The kernel error table (codegen_templates/kernel_abi.h) and its messages.
#include "runtime/kernel_errors.hpp"

#include "codegen_templates/kernel_abi.h"

#include <catch2/catch.hpp>

#include <bit>
#include <string>

using tensorjit::kernel_error_text;

TEST_CASE("kernel errors: every row formats its value, with no placeholder left", "[errors]") {
    int rows = 0;
#define TJ_E_CHECK(name, code, kind, message)                                                      \
    do {                                                                                           \
        const long long v = kind == TJ_EV_REAL    ? std::bit_cast<long long>(-2.5)                 \
                            : kind == TJ_EV_INDEX ? (7LL << 32 | 3LL)                              \
                                                  : -5LL;                                          \
        const std::string text = kernel_error_text(name, v);                                       \
        INFO(#name << ": " << text);                                                               \
        CHECK(text.find("{}") == std::string::npos);                                               \
        CHECK_FALSE(text.empty());                                                                 \
        ++rows;                                                                                    \
    } while (0);
    TJ_KERNEL_ERRORS(TJ_E_CHECK)
#undef TJ_E_CHECK
    CHECK(rows >= 46); // 8 general, 8 index, 5 shape, 25 random-parameter rows today
}

TEST_CASE("kernel errors: the values are printed as their kind says", "[errors]") {
    CHECK(kernel_error_text(TJ_E_NEGATIVE_DIM, -5) ==
          "negative dimensions are not allowed, got extent -5");
    CHECK(kernel_error_text(TJ_RNG_E_NORMAL_SCALE, std::bit_cast<long long>(-1.5)) ==
          "normal: scale must be non-negative, got -1.5");
    CHECK(kernel_error_text(TJ_E_INDEX_AXIS0 + 2, (static_cast<long long>(-9) << 32) | 4) ==
          "index -9 is out of bounds for axis 2 with size 4");
    CHECK(kernel_error_text(TJ_E_EMPTY_ARGMAX, 0) ==
          "attempt to get argmax of an empty sequence (0)");
    CHECK(kernel_error_text(9999, 42) == "invalid value (42)");
}
