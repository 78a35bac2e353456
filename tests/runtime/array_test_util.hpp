/// \file
/// Values and helpers shared by the tj::Array tests (test_array.cpp, test_dtype.cpp,
/// test_array_print.cpp).
#pragma once

#include <tensorjit/array.hpp>

#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

namespace array_test {

using tensorjit::Array;
using tensorjit::DType;

inline constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr float kNanF = std::numeric_limits<float>::quiet_NaN();

inline constexpr DType kAllDTypes[] = {DType::Bool,   DType::Int8,    DType::Int16,  DType::Int32,
                                       DType::Int64,  DType::UInt8,   DType::UInt16, DType::UInt32,
                                       DType::UInt64, DType::Float32, DType::Float64};

/// np.arange(n).astype(dtype).
inline Array arange(std::int64_t n, DType dtype) {
    std::vector<double> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), 0.0);
    return Array(v).astype(dtype);
}

/// a / d element-wise, as a C-contiguous float64 array of a's shape (Array has no arithmetic).
inline Array div(const Array& a, double d) {
    std::vector<double> v;
    for (std::int64_t i = 0; i < a.size(); ++i) v.push_back(a.flat(i) / d);
    return Array(v, a.shape());
}

/// The logical values of a in C order.
inline std::vector<double> values(const Array& a) {
    std::vector<double> v;
    for (std::int64_t i = 0; i < a.size(); ++i) v.push_back(a.flat(i));
    return v;
}

} // namespace array_test
