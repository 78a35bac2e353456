/// \file
/// The text of codegen_templates/, embedded in the library at build time.
#pragma once

#include <span>
#include <string_view>

namespace tensorjit::codegen {

struct TemplateFile {
    std::string_view name;
    std::string_view text;
};

/// Every file of codegen_templates/, sorted by name.
std::span<const TemplateFile> template_files();
/// The text of one template file; InternalError when there is none of that name.
std::string_view template_text(std::string_view name);
/// SHA-256 (hex) over the names and texts of all template files.
std::string_view templates_hash();

} // namespace tensorjit::codegen
