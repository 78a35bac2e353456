/// \file
/// Literal arguments and defaults: C++ scalars and braced lists, weakly typed as Python values
/// are in PyTensor. An input of any dtype accepts a literal whose values survive the conversion
/// to its dtype (TensorType.filter's check that the converted value equals the given one):
/// integers exactly; an integral float into an integer dtype; any float into float64, and into
/// float32 rounded, when within float32's range (PyTensor accepts Python floats into a float32
/// input); a bool anywhere. Typed values (tj::Array, std::vector) keep the safe-cast rule.
#pragma once

#include <tensorjit/array.hpp>
#include <tensorjit/function.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace tensorjit::detail {

/// One literal value: its C++ kind as a dtype (Bool, Int64, UInt64, Float32 or Float64) and the
/// value (integers and bools in `bits`, an unsigned value as its bit pattern; floats in `real`).
struct Literal {
    DType dtype = DType::Int64;
    std::uint64_t bits = 0;
    double real = 0;
};

/// The usual cases of the call path, inline so that binding a C++ scalar costs what a store
/// does: an int literal into int64, int32, float64 or float32 when exactly representable, a
/// float literal into float64, or into float32 when within its range. Writes the value converted
/// to dtype t at `out` and returns true when the value survives the conversion (what survives
/// and store_literal would do); false, writing nothing, leaves the call to them.
inline bool store_usual_literal(const Arg& scalar, DType t, void* out) {
    if (scalar.scalar_dtype() == DType::Int64) {
        const long long i = scalar.scalar_int();
        constexpr long long kExactDouble = 1LL << 53, kExactFloat = 1LL << 24;
        if (t == DType::Float64 && i >= -kExactDouble && i <= kExactDouble) {
            *static_cast<double*>(out) = static_cast<double>(i);
            return true;
        }
        if (t == DType::Int64) {
            *static_cast<std::int64_t*>(out) = i;
            return true;
        }
        if (t == DType::Int32 && i >= std::numeric_limits<std::int32_t>::min() &&
            i <= std::numeric_limits<std::int32_t>::max()) {
            *static_cast<std::int32_t*>(out) = static_cast<std::int32_t>(i);
            return true;
        }
        if (t == DType::Float32 && i >= -kExactFloat && i <= kExactFloat) {
            *static_cast<float*>(out) = static_cast<float>(i);
            return true;
        }
        return false;
    }
    if (is_float(scalar.scalar_dtype())) {
        const double d = scalar.scalar_double();
        if (t == DType::Float64) {
            *static_cast<double*>(out) = d;
            return true;
        }
        // NaN and the infinities fail the comparison: survives decides them.
        constexpr double kFloatMax = std::numeric_limits<float>::max();
        if (t == DType::Float32 && d >= -kFloatMax && d <= kFloatMax) {
            *static_cast<float*>(out) = static_cast<float>(d);
            return true;
        }
    }
    return false;
}

/// The value of a scalar argument (Arg::Kind::Scalar).
Literal literal_of(const Arg& scalar);
/// Element `flat` (C order) of an array, read in its dtype.
Literal literal_at(const Array& a, std::int64_t flat);

/// Whether the value survives the conversion to dtype t. Allocates nothing (the call path).
bool survives(const Literal& v, DType t);
/// Why it does not: "is not an integer", "does not fit in int8", "overflows float32"...
std::string misfit_reason(const Literal& v, DType t);
/// The value as C++ would write it: "2147483648", "0.1", "true".
std::string literal_text(const Literal& v);

/// Writes the value converted to dtype t at `out` (C conversions; a float outside an integer
/// dtype's range saturates and NaN gives 0 rather than being undefined).
void store_literal(const Literal& v, DType t, void* out);

/// The C-order position of the first element of `a` that does not survive the conversion to t,
/// or -1 when they all do.
std::int64_t first_misfit(const Array& a, DType t);
/// "[1, 2]": the multi-index of C-order position `flat` in shape.
std::string index_text(const Dims& shape, std::int64_t flat);

/// The DType enumerator's name ("Float32"), for messages that show code.
std::string dtype_enumerator(DType t);

/// A 0-d array holding a scalar argument in its own dtype (an In default).
Array literal_array(const Arg& scalar);

} // namespace tensorjit::detail
