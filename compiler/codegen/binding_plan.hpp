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
        Input,   ///< explicit input `index`
        Shared,  ///< shared variable `index` (its value before the call)
        Output,  ///< a fresh array per call (a function output, maybe also an update)
        Update,  ///< the new value of a shared variable (a buffer reused across calls)
        Temp,    ///< an intermediate (a workspace buffer reused across calls)
    };
    Kind kind = Kind::Temp;
    int index = 0;
    DType dtype = DType::Float64;
    int ndim = 0;
};

struct BindingPlan {
    std::string symbol;                     ///< the kernel's entry point
    std::vector<SlotPlan> slots;
    std::vector<int> output_slots;          ///< per function output, the slot holding it
    std::vector<std::pair<int, int>> updates;  ///< (shared variable index, slot of its new value)
    std::vector<std::string> node_names;    ///< per node id: "add(x, y)" for error messages

    /// A line-oriented text form (stored inside the metadata JSON).
    std::string serialize() const;
    /// Parses serialize()'s output; InternalError when malformed.
    static BindingPlan parse(const std::string& text);
};

} // namespace tensorjit::codegen
