// Tests of the dtype tables: names and sizes, promotion (np.result_type) and safe casting
// (np.can_cast). Every expected table below was generated with NumPy 1.24.
#include <tensorjit/array.hpp>

#include "array_test_util.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace tensorjit;
using namespace array_test;

TEST_CASE("dtype names and sizes", "[array]") {
    const char* names[] = {"bool",   "int8",   "int16",  "int32",   "int64",  "uint8",
                           "uint16", "uint32", "uint64", "float32", "float64"};
    std::size_t sizes[] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 4, 8};
    for (int i = 0; i < kNumDTypes; ++i) {
        CHECK(dtype_name(kAllDTypes[i]) == names[i]);
        CHECK(dtype_size(kAllDTypes[i]) == sizes[i]);
        CHECK(static_cast<int>(kAllDTypes[i]) == i);
    }
    CHECK(dtype_kernel_type(DType::Float64) == "double");
    CHECK(dtype_kernel_type(DType::UInt8) == "unsigned char");
    CHECK(true_divide_dtype(DType::Int32) == DType::Float64);
    CHECK(true_divide_dtype(DType::Float32) == DType::Float32);
    CHECK(true_divide_dtype(DType::Bool) == DType::Float64);
    CHECK(is_float(DType::Float32));
    CHECK(is_signed_int(DType::Int8));
    CHECK(!is_signed_int(DType::UInt8));
    CHECK(is_unsigned_int(DType::UInt64));
    CHECK(is_integer(DType::Int64));
    CHECK(!is_integer(DType::Bool));
    CHECK(is_bool(DType::Bool));
}

TEST_CASE("promote matches np.result_type for arrays", "[array]") {
    using enum DType;
    // Rows and columns in kAllDTypes order; generated with
    // np.result_type(np.zeros(1, a), np.zeros(1, b)).
    const DType expected[kNumDTypes][kNumDTypes] = {
        {Bool, Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64, Float32, Float64},
        {Int8, Int8, Int16, Int32, Int64, Int16, Int32, Int64, Float64, Float32, Float64},
        {Int16, Int16, Int16, Int32, Int64, Int16, Int32, Int64, Float64, Float32, Float64},
        {Int32, Int32, Int32, Int32, Int64, Int32, Int32, Int64, Float64, Float64, Float64},
        {Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Float64, Float64, Float64},
        {UInt8, Int16, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64, Float32, Float64},
        {UInt16, Int32, Int32, Int32, Int64, UInt16, UInt16, UInt32, UInt64, Float32, Float64},
        {UInt32, Int64, Int64, Int64, Int64, UInt32, UInt32, UInt32, UInt64, Float64, Float64},
        {UInt64, Float64, Float64, Float64, Float64, UInt64, UInt64, UInt64, UInt64, Float64,
         Float64},
        {Float32, Float32, Float32, Float64, Float64, Float32, Float32, Float64, Float64, Float32,
         Float64},
        {Float64, Float64, Float64, Float64, Float64, Float64, Float64, Float64, Float64, Float64,
         Float64},
    };
    for (int i = 0; i < kNumDTypes; ++i)
        for (int j = 0; j < kNumDTypes; ++j) {
            INFO(dtype_name(kAllDTypes[i]) << ", " << dtype_name(kAllDTypes[j]));
            CHECK(promote(kAllDTypes[i], kAllDTypes[j]) == expected[i][j]);
        }
}

TEST_CASE("can_cast_safely matches np.can_cast(a, b, 'safe')", "[array]") {
    // Rows are `from`, columns `to`, in kAllDTypes order.
    const int expected[kNumDTypes][kNumDTypes] = {
        {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1},
        {0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1}, {0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1},
        {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}, {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1},
        {0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1}, {0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 1},
        {0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1},
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
    };
    for (int i = 0; i < kNumDTypes; ++i)
        for (int j = 0; j < kNumDTypes; ++j) {
            INFO(dtype_name(kAllDTypes[i]) << " -> " << dtype_name(kAllDTypes[j]));
            CHECK(can_cast_safely(kAllDTypes[i], kAllDTypes[j]) == (expected[i][j] != 0));
        }
}
