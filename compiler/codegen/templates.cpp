// Lookup of embedded template text by name.
#include "compiler/codegen/templates.hpp"

#include <tensorjit/error.hpp>

#include <string>

namespace tensorjit::codegen {

std::string_view template_text(std::string_view name) {
    for (const auto& f : template_files())
        if (f.name == name) return f.text;
    TJ_THROW(InternalError) << "codegen: no template named " << std::string(name);
}

} // namespace tensorjit::codegen
