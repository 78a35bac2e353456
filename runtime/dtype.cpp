// dtype names, sizes and NumPy's promotion and safe-cast rules.
#include <tensorjit/dtype.hpp>

#include <array>

namespace tensorjit {

std::string_view dtype_name(DType t) {
    switch (t) {
#define TJ_NAME_CASE(E, T, N, K)                                                                   \
    case DType::E:                                                                                 \
        return N;
        TJ_FOR_EACH_DTYPE(TJ_NAME_CASE)
#undef TJ_NAME_CASE
    }
    return "?";
}

std::string_view dtype_kernel_type(DType t) {
    switch (t) {
#define TJ_KTYPE_CASE(E, T, N, K)                                                                  \
    case DType::E:                                                                                 \
        return K;
        TJ_FOR_EACH_DTYPE(TJ_KTYPE_CASE)
#undef TJ_KTYPE_CASE
    }
    return "?";
}

bool can_cast_safely(DType from, DType to) {
    if (from == to || from == DType::Bool) return true;
    if (to == DType::Bool) return false;
    auto size = [](DType t) { return dtype_size(t); };
    if (is_float(from)) return is_float(to) && size(to) >= size(from);
    if (is_float(to)) {
        // float32 holds every int8/uint8/int16/uint16; float64 is NumPy's safe target for all
        // integers (int64 -> float64 counts as safe in NumPy).
        return to == DType::Float64 || size(from) <= 2;
    }
    if (is_signed_int(from)) return is_signed_int(to) && size(to) >= size(from);
    // from unsigned
    if (is_unsigned_int(to)) return size(to) >= size(from);
    return size(to) > size(from);
}

DType promote(DType a, DType b) {
    // NumPy's result type: the first type in this order both cast to safely.
    static constexpr std::array kOrder = {DType::Bool,   DType::Int8,    DType::UInt8,
                                          DType::Int16,  DType::UInt16,  DType::Int32,
                                          DType::UInt32, DType::Int64,   DType::UInt64,
                                          DType::Float32, DType::Float64};
    for (DType t : kOrder)
        if (can_cast_safely(a, t) && can_cast_safely(b, t)) return t;
    return DType::Float64;
}

DType true_divide_dtype(DType t) { return t == DType::Float32 ? DType::Float32 : DType::Float64; }

} // namespace tensorjit
