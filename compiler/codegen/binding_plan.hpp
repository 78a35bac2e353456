/// \file
/// The binding plan: what the runtime must put in a kernel's frame and what it gets back. Stored
/// in the cache entry's metadata, so a cache hit needs no rewrites and no codegen.
#pragma once

#include <tensorjit/dtype.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tensorjit::codegen {

/// One value slot of the frame.
struct SlotPlan {
    enum class Kind : std::uint8_t {
        Input,  ///< explicit input `index`
        Shared, ///< shared variable `index` (its value before the call)
        Output, ///< a fresh array per call (a function output, maybe also an update)
        Update, ///< the new value of a shared variable (a buffer reused across calls)
        Temp,   ///< an intermediate (a workspace buffer reused across calls)
    };
    Kind kind = Kind::Temp;
    int index = 0;
    DType dtype = DType::Float64;
    int ndim = 0;
};

struct BindingPlan {
    std::string symbol; ///< the kernel's entry point
    std::vector<SlotPlan> slots;
    std::vector<int> output_slots;            ///< per function output, the slot holding it
    std::vector<std::pair<int, int>> updates; ///< (shared variable index, slot of its new value)
    /// Per node id, "add({i0}, exp({s1}))" for error messages: {iK} stands for input K and {sK}
    /// for shared variable K, so that a kernel found in the cache by another function (same
    /// graph, other names) reports that function's names (see resolve_node_name).
    std::vector<std::string> node_names;
    /// Profiled kernels only (FunctionGraph::profile): per step the kernel times, in order, what
    /// it is ("loop 0: add, exp", "gemv: dot({i0}, {s0})"), names as in node_names.
    std::vector<std::string> profile_steps;

    /// A line-oriented text form (stored inside the metadata JSON).
    std::string serialize() const;
    /// Parses serialize()'s output; InternalError when malformed.
    static BindingPlan parse(const std::string& text);
};

/// A plan node name with {iK}/{sK} replaced by input_names[K] / shared_names[K].
std::string resolve_node_name(const std::string& name, const std::vector<std::string>& input_names,
                              const std::vector<std::string>& shared_names);

} // namespace tensorjit::codegen
