/// \file
/// Helpers shared by the random variable ops (random_draw.cpp, random_params.cpp,
/// random_reference.cpp, random_kernels.cpp): the attributes of a draw, the parameters of the
/// distributions and their domains, the reference draws and the kernel code of the records.
#pragma once

#include "compiler/graph/node.hpp"
#include "compiler/ops/random_ops.hpp"

#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace tensorjit {

class EmitContext;

namespace random_detail {

using u64 = unsigned long long;

/// The attributes of a draw: attrs.ints = {distribution, has_size, flags, size...}; attrs.dtype =
/// the output dtype.
inline RandomDist dist_of(const Attrs& a) { return static_cast<RandomDist>(a.ints.at(0)); }
inline bool has_size(const Attrs& a) { return a.ints.at(1) != 0; }
inline std::int64_t flags_of(const Attrs& a) { return a.ints.at(2); }
inline Dims size_of(const Attrs& a) {
    Dims d;
    for (std::size_t i = 3; i < a.ints.size(); ++i) d.push_back(a.ints[i]);
    return d;
}

/// The name and kind of a parameter of an element-wise distribution.
struct ParamInfo {
    const char* name;
    bool integer; // int64 (else float64)
};

/// The parameters of the element-wise distributions (choice and permutation have their own).
std::vector<ParamInfo> params_of(RandomDist d);

/// True for the element-wise distributions (all but choice and permutation).
bool is_elementwise_dist(RandomDist d);

/// One parameter's domain: `v` must satisfy it, else the error `code`. The same test exists as C++
/// (constants, reference) and as kernel code.
enum class Domain { NonNegative, Positive, Probability, AtMost, IntAtLeast, IntAtMost };

struct Check {
    int param;
    Domain domain;
    int code;
    double bound = 0;     // AtMost
    long long ibound = 0; // IntAtLeast / IntAtMost
};

/// Single-parameter checks in NumPy's order (integers: the bounds of the dtype, as NumPy checks
/// them before low < high).
std::vector<Check> checks_of(RandomDist d, DType out);

/// The kernel's test of `v` (a C expression).
std::string check_expr(const Check& c);

/// The bits of a double as kernel error values carry it.
inline long long double_bits(double v) { return std::bit_cast<long long>(v); }

/// ValueError with the kernel error table's message for `code` and `value`.
[[noreturn]] void throw_param_error(int code, long long value);

/// Checks every element of a float64/int64 array against c (ValueError for the first failure).
void check_values(const Check& c, const Array& values);

/// The checks of two constant parameters together (uniform's range, integers' low < high), element
/// by element over their broadcast.
void check_pairs(RandomDist dist, const Array& a, const Array& b);

/// NumPy's tolerance on sum(p) == 1: the square root of the epsilon of p's dtype (before its cast
/// to float64), at least float64's.
double choice_atol(const Attrs& a);

/// NumPy broadcasting of actual shapes (for the reference; the kernel follows the static rule).
Dims broadcast_shapes(const std::vector<Array>& params, const char* name);

/// Offset of the element of p (C-contiguous) read at flat output index i of shape `shape`.
std::int64_t bcast_offset(const Array& p, const Dims& shape, std::int64_t i);

/// Draws `node`'s value from the state in[0] and parameters in[1..] with the C routines kernels
/// use (same draws, same order); the advanced state is left in words.
Array reference_draw(std::span<const Array> in, const Attrs& a, DType out_dtype, u64* words);

/// The state words as a uint64[6] array.
inline Array state_array(const u64* words) {
    return Array(std::vector<std::uint64_t>(words, words + 6));
}

/// The kernel code of a RandomDraw node.
void emit_draw(EmitContext& e, const Node& n);

/// The kernel code of a RandomNextState node.
void emit_next_state(EmitContext& e, const Node& n);

} // namespace random_detail

} // namespace tensorjit
