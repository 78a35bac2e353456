/// \file
/// Several ELF objects as one byte string (what compile_to_object returns and the cache stores
/// when a large kernel's code was generated in parallel partitions): "TJOBJS1\n", a u32 count,
/// then per object a u64 length and its bytes (little endian). A single object is stored as
/// itself. Internal to compiler/jit/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tensorjit::jit::detail {

/// The objects as one string (the object itself when there is one).
std::string bundle_objects(const std::vector<std::string>& objects);

/// The objects of a string made by bundle_objects (or one plain object). Throws CompileError
/// naming `symbol` when a bundle is truncated or malformed.
std::vector<std::string_view> unbundle_objects(std::string_view bytes, const std::string& symbol);

} // namespace tensorjit::jit::detail
