/// \file
/// Random variables in graphs (compiler/ops/random_*.cpp): the distributions of RandomDraw
/// nodes, how RandomStream builds a draw and its next generator state, the messages of the
/// parameter errors, and the host symbols kernels call.
///
/// A random variable is one RandomDraw node, inputs (generator state, parameters...), attrs
/// {distribution, has_size, flags, size...} and attrs.dtype the output dtype. Its kernel copies
/// the state words into a kernel-local `rs<ID>[6]`, draws in C order through the runtime's tj_rng_*
/// routines (codegen_templates/random.h) and leaves the advanced state there. RandomNextState
/// (draw, state, parameters...) copies rs<ID> into its own value: the state's default update.
/// Its extra inputs only serve its reference evaluation (tj::eval, constant folding), which has
/// to draw again since it never sees rs<ID>.
#pragma once

#include "codegen_templates/random.h"
#include "compiler/graph/node.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tensorjit {

/// The distributions of RandomDraw (attrs.ints[0]); NumPy Generator method names.
enum class RandomDist : std::int64_t {
    Uniform,
    Normal,
    Integers,
    Bernoulli,
    Binomial,
    Poisson,
    Exponential,
    Gamma,
    Beta,
    Choice,
    Permutation,
};

/// Bits of attrs.ints[2] (choice only).
inline constexpr std::int64_t kChoiceReplace = 1;
/// p was float32 before its cast to float64: NumPy's larger tolerance on sum(p) == 1.
inline constexpr std::int64_t kChoicePFloat32 = 2;

/// The name of a distribution ("normal").
const char* random_dist_name(RandomDist d);

/// attrs of a RandomDraw: `size` is used only when has_size (otherwise the output has the
/// broadcast shape of the parameters).
Attrs random_draw_attrs(RandomDist dist, bool has_size, const Dims& size, DType dtype,
                        std::int64_t flags = 0);

/// A RandomDraw node and its RandomNextState, from a state node (uint64[6]) and parameters that
/// already have the distribution's dtypes. Throws TypeError/ShapeError naming the distribution for
/// parameters that do not fit, and ValueError (kernel_error_text) for constant parameters outside
/// the distribution's domain.
std::pair<NodePtr, NodePtr> make_random_draw(const NodePtr& state, std::vector<NodePtr> params,
                                             const Attrs& attrs);

} // namespace tensorjit
