/// \file
/// Element types of tensorjit arrays and NumPy's type-promotion rules.
#pragma once

#include <tensorjit/export.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

TJ_API_BEGIN
namespace tensorjit {

/// X-macro over every dtype: X(Enumerator, c_type, numpy_name, kernel_c_type).
#define TJ_FOR_EACH_DTYPE(X)                                                                       \
    X(Bool, bool, "bool", "bool")                                                                  \
    X(Int8, std::int8_t, "int8", "signed char")                                                    \
    X(Int16, std::int16_t, "int16", "short")                                                       \
    X(Int32, std::int32_t, "int32", "int")                                                         \
    X(Int64, std::int64_t, "int64", "long long")                                                   \
    X(UInt8, std::uint8_t, "uint8", "unsigned char")                                               \
    X(UInt16, std::uint16_t, "uint16", "unsigned short")                                           \
    X(UInt32, std::uint32_t, "uint32", "unsigned int")                                             \
    X(UInt64, std::uint64_t, "uint64", "unsigned long long")                                       \
    X(Float32, float, "float32", "float")                                                          \
    X(Float64, double, "float64", "double")

/// The element type of an array or a symbolic tensor. The numeric values are part of the kernel
/// ABI (codegen_templates/kernel_abi.h) and of the cache key: never reorder.
enum class DType : std::uint8_t {
#define TJ_DTYPE_ENUM(E, T, N, K) E,
    TJ_FOR_EACH_DTYPE(TJ_DTYPE_ENUM)
#undef TJ_DTYPE_ENUM
};

inline constexpr int kNumDTypes = 11;

/// NumPy's name of the dtype ("float64").
std::string_view dtype_name(DType t);
/// The C type the generated kernels use for the dtype ("double").
std::string_view dtype_kernel_type(DType t);
/// Size of one element in bytes (inline: every array construction asks).
inline constexpr std::size_t dtype_size(DType t) {
    constexpr std::size_t kSizes[] = {
#define TJ_DTYPE_SIZE(E, T, N, K) sizeof(T),
        TJ_FOR_EACH_DTYPE(TJ_DTYPE_SIZE)
#undef TJ_DTYPE_SIZE
    };
    return kSizes[static_cast<int>(t)];
}

inline constexpr bool is_bool(DType t) { return t == DType::Bool; }
inline constexpr bool is_float(DType t) { return t == DType::Float32 || t == DType::Float64; }
inline constexpr bool is_signed_int(DType t) { return t >= DType::Int8 && t <= DType::Int64; }
inline constexpr bool is_unsigned_int(DType t) { return t >= DType::UInt8 && t <= DType::UInt64; }
inline constexpr bool is_integer(DType t) { return is_signed_int(t) || is_unsigned_int(t); }

/// NumPy's result type of a binary operation between arrays of dtypes a and b
/// (np.result_type for arrays: int32 + int64 -> int64, int64 + float32 -> float64,
/// uint64 + int64 -> float64).
DType promote(DType a, DType b);

/// True when every value of `from` is representable in `to` (np.can_cast(from, to, "safe")).
bool can_cast_safely(DType from, DType to);

/// The float type true division produces for inputs of dtype t (int -> float64, float32 stays).
DType true_divide_dtype(DType t);

/// Maps a C++ arithmetic type to its dtype.
template <class T> struct dtype_of;
#define TJ_DTYPE_OF(E, T, N, K)                                                                    \
    template <> struct dtype_of<T> { static constexpr DType value = DType::E; };
TJ_FOR_EACH_DTYPE(TJ_DTYPE_OF)
#undef TJ_DTYPE_OF
// `long` and `long long` are distinct C++ types; both are int64 here (LP64).
template <> struct dtype_of<long long> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<unsigned long long> { static constexpr DType value = DType::UInt64; };
template <class T> inline constexpr DType dtype_v = dtype_of<T>::value;

/// Calls f with a value of the C++ type that stores dtype t (`f(double{})` for Float64).
template <class F> decltype(auto) visit_dtype(DType t, F&& f) {
    switch (t) {
#define TJ_VISIT_CASE(E, T, N, K)                                                                  \
    case DType::E:                                                                                 \
        return f(T{});
        TJ_FOR_EACH_DTYPE(TJ_VISIT_CASE)
#undef TJ_VISIT_CASE
    }
    return f(double{});
}

} // namespace tensorjit
TJ_API_END
