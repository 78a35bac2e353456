// tj::config(): the process-wide settings and their environment variables.
#include <tensorjit/config.hpp>

#include <tensorjit/error.hpp>

#include <cstdlib>
#include <string_view>

namespace tensorjit {

namespace {

void check_float(DType t, const char* what) {
    TJ_CHECK(t == DType::Float32 || t == DType::Float64, ValueError)
        << what << " must be float32 or float64, got " << dtype_name(t);
}

DType floatx_from_environment() {
    const char* v = std::getenv("TJ_FLOATX");
    if (!v || !*v) return DType::Float64;
    const std::string_view s(v);
    TJ_CHECK(s == "float32" || s == "float64", ValueError)
        << "TJ_FLOATX must be float32 or float64, got \"" << s << "\"";
    return s == "float32" ? DType::Float32 : DType::Float64;
}

} // namespace

FloatXSetting::FloatXSetting(DType initial) : value_(initial) { check_float(initial, "floatX"); }

FloatXSetting& FloatXSetting::operator=(DType dtype) {
    check_float(dtype, "floatX");
    value_.store(dtype, std::memory_order_relaxed);
    return *this;
}

Config& config() {
    // A function-local static: initialized once, thread-safely, on first use; an exception (bad
    // TJ_FLOATX) leaves it uninitialized, so the next call reports it again.
    static Config settings(floatx_from_environment());
    return settings;
}

} // namespace tensorjit
