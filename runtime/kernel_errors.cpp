// Formatting kernel value errors from the table of codegen_templates/kernel_abi.h.
#include "runtime/kernel_errors.hpp"

#include "codegen_templates/kernel_abi.h"

#include <fmt/format.h>

#include <bit>
#include <cstdint>

namespace tensorjit {

namespace {

struct Row {
    int code;
    int kind;
    const char* message;
};

#define TJ_E_ROW(name, code, kind, message) Row{code, kind, message},
constexpr Row kRows[] = {TJ_KERNEL_ERRORS(TJ_E_ROW)};
#undef TJ_E_ROW

constexpr bool codes_unique() {
    for (const Row& a : kRows)
        for (const Row& b : kRows)
            if (&a != &b && a.code == b.code) return false;
    return true;
}
static_assert(codes_unique(), "two rows of TJ_KERNEL_ERRORS have the same code");

} // namespace

std::string kernel_error_text(int code, long long value) {
    for (const Row& r : kRows) {
        if (r.code != code) continue;
        switch (r.kind) {
        case TJ_EV_REAL:
            return fmt::format(fmt::runtime(r.message), std::bit_cast<double>(value));
        case TJ_EV_INDEX: {
            const auto bits = static_cast<std::uint64_t>(value);
            return fmt::format(fmt::runtime(r.message), static_cast<std::int32_t>(bits >> 32),
                               code - TJ_E_INDEX_AXIS0, bits & 0xffffffffULL);
        }
        default:
            return fmt::format(fmt::runtime(r.message), value);
        }
    }
    return fmt::format("invalid value ({})", value);
}

} // namespace tensorjit
