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
#include <string>

namespace tensorjit::detail {

/// One literal value: its C++ kind as a dtype (Bool, Int64, UInt64, Float32 or Float64) and the
/// value (integers and bools in `bits`, an unsigned value as its bit pattern; floats in `real`).
struct Literal {
    DType dtype = DType::Int64;
    std::uint64_t bits = 0;
    double real = 0;
};

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
