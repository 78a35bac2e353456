/// \file
/// The metadata of a kernel's disk cache entry: what built it (key, target, templates), how long
/// the build took and the binding plan, as JSON (nlohmann-json in the .cpp only).
#pragma once

#include <tensorjit/error.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tensorjit {

/// Metadata that cannot be used: not JSON, not an object, a field missing or of the wrong type,
/// another format. The loader treats it as a cache miss and recompiles.
class MetadataError : public Error {
  public:
    using Error::Error;
};

/// How long each step of a kernel's build took, in milliseconds.
struct KernelTimings {
    double rewrite = 0;
    double codegen = 0;
    double frontend = 0; ///< Clang's frontend
    double optimize = 0; ///< LLVM's optimization passes
    double object = 0;   ///< LLVM's machine code generation
};

/// The fields of the metadata JSON object, one member each.
struct KernelMetadata {
    /// The version of this layout; from_json() refuses any other.
    static constexpr int kFormat = 2;

    int format = kFormat;
    std::string key;       ///< the cache key the entry is filed under
    std::string function;  ///< FunctionOptions::name, or "" (for listings)
    std::string target;    ///< jit::Target::id of the build
    std::string templates; ///< codegen::templates_hash() of the build
    /// What the key was computed from (KeyComponents::fields(): graph, signature, toolchain,
    /// templates, target, codegen), by name, in key order.
    std::vector<std::pair<std::string, std::string>> components;
    KernelTimings timings_ms;
    std::string plan; ///< codegen::BindingPlan::serialize()

    /// The JSON text (an object, indented, ending in a newline). Bytes that are not UTF-8 in a
    /// string are replaced by U+FFFD.
    std::string to_json() const;
    /// Parses to_json()'s output; every field must be present with its type, and the format must
    /// be kFormat. Throws MetadataError otherwise.
    static KernelMetadata from_json(std::string_view text);
    /// What loading a kernel needs: format, key, timings and plan (the other members stay
    /// empty). to_json() writes them first, and the text is read up to them and no further: the
    /// rest describes the entry for listings and explanations, and costs as much again to parse.
    /// Throws MetadataError as from_json() does when one of them is missing or of the wrong
    /// type, the format is not kFormat, or the text up to them is not a JSON object.
    static KernelMetadata load_fields(std::string_view text);
};

} // namespace tensorjit
