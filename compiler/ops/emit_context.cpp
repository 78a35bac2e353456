// The static helpers of EmitContext: C types and exact C literals.
#include "compiler/ops/emit_context.hpp"

#include <cmath>
#include <cstdio>

namespace tensorjit {

std::string EmitContext::ctype(DType t) { return std::string(dtype_kernel_type(t)); }

std::string c_literal(DType t, const void* p) {
    char buf[64];
    switch (t) {
    case DType::Float64:
    case DType::Float32: {
        double v = t == DType::Float64 ? *static_cast<const double*>(p)
                                       : static_cast<double>(*static_cast<const float*>(p));
        std::string c = t == DType::Float64 ? "" : "(float)";
        if (std::isnan(v)) return c + "__builtin_nan(\"\")";
        if (std::isinf(v)) return c + (v < 0 ? "(-__builtin_inf())" : "__builtin_inf()");
        std::snprintf(buf, sizeof buf, "%a", v);
        return c + buf;
    }
    case DType::Bool:
        return *static_cast<const bool*>(p) ? "true" : "false";
    default:
        break;
    }
    if (is_signed_int(t)) {
        long long v = 0;
        visit_dtype(
            t, [&](auto x) { v = static_cast<long long>(*static_cast<const decltype(x)*>(p)); });
        // The most negative value has no literal of its own.
        if (v == (-9223372036854775807LL - 1)) return "(-9223372036854775807LL - 1)";
        std::snprintf(buf, sizeof buf, "(%s)%lldLL", std::string(dtype_kernel_type(t)).c_str(), v);
        return buf;
    }
    unsigned long long v = 0;
    visit_dtype(t, [&](auto x) {
        v = static_cast<unsigned long long>(*static_cast<const decltype(x)*>(p));
    });
    std::snprintf(buf, sizeof buf, "(%s)%lluULL", std::string(dtype_kernel_type(t)).c_str(), v);
    return buf;
}

std::string EmitContext::literal(DType t, double value) {
    Array a = Array::full(t, Dims{}, value);
    return c_literal(t, a.raw_data());
}

} // namespace tensorjit
