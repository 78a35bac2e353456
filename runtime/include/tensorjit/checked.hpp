/// \file
/// Overflow-checked size arithmetic for shapes (NumPy's rule): every extent is >= 0 and the
/// product of the non-zero extents times the item size fits in a signed 64-bit integer. An array
/// whose shape passes this check has element and byte counts, C strides and element offsets that
/// cannot overflow. The kernels repeat the same check in codegen_templates/shape_ops.hpp
/// (tj_check_shape), which cannot include this header.
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/dtype.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

TJ_API_BEGIN
namespace tensorjit {

class Dims;

namespace checked {

/// a * b, or false when it overflows int64.
inline bool mul(std::int64_t a, std::int64_t b, std::int64_t* out) {
    return !__builtin_mul_overflow(a, b, out);
}
/// a + b, or false when it overflows int64.
inline bool add(std::int64_t a, std::int64_t b, std::int64_t* out) {
    return !__builtin_add_overflow(a, b, out);
}

/// Why a shape does not fit (kOk when it does).
enum class ShapeFit { kOk, kNegative, kTooBig };

/// Checks n extents for an item size: negative extents, then whether the product of the non-zero
/// extents times itemsize overflows int64. On kOk, *elements (if given) is the element count.
inline ShapeFit shape_fit(const std::int64_t* dims, int n, std::int64_t itemsize,
                          std::int64_t* elements = nullptr) {
    for (int i = 0; i < n; ++i)
        if (dims[i] < 0) return ShapeFit::kNegative;
    std::int64_t bytes = itemsize > 0 ? itemsize : 1, count = 1;
    bool zero = false;
    for (int i = 0; i < n; ++i) {
        if (dims[i] == 0) {
            zero = true;
            continue;
        }
        if (!mul(bytes, dims[i], &bytes) || !mul(count, dims[i], &count)) return ShapeFit::kTooBig;
    }
    if (elements) *elements = zero ? 0 : count;
    return ShapeFit::kOk;
}

} // namespace checked

/// True when an array of this shape and dtype can exist: no negative extent and a byte count
/// (non-zero extents times the item size) that fits in int64.
bool shape_size_ok(const Dims& shape, DType dtype) noexcept;

/// Throws tj::ValueError naming `what` and the shape when shape_size_ok is false:
/// "<what>: negative dimensions are not allowed: shape (2, -5)" or
/// "<what>: shape (4294967296, 4294967296) of dtype float64 is too big: its size in bytes
/// overflows a 64-bit integer". Call it when binding arguments to a kernel.
void check_shape_fits(const Dims& shape, DType dtype, std::string_view what);

/// The byte count of an array of this shape and dtype; ValueError naming `what` when it does not
/// fit (check_shape_fits).
std::size_t checked_nbytes(const Dims& shape, DType dtype, std::string_view what);

} // namespace tensorjit
TJ_API_END
