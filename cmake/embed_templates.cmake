# Turns every file of codegen_templates/ into a string in one C++ source, with the SHA-256 of all
# of them (part of the cache key, so a template edit invalidates cached kernels by itself).
file(GLOB files RELATIVE ${DIR} ${DIR}/*.h ${DIR}/*.hpp)
list(SORT files)
set(body "")
set(all "")
set(entries "")
foreach(f ${files})
    file(READ ${DIR}/${f} text)
    string(APPEND all "${f}\n${text}\n")
    string(MAKE_C_IDENTIFIER ${f} id)
    string(APPEND body "static const char k_${id}[] = R\"tj_tpl(${text})tj_tpl\";\n")
    string(APPEND entries "    {\"${f}\", k_${id}},\n")
endforeach()
string(SHA256 hash "${all}")
file(WRITE ${OUT}.tmp "// Generated from codegen_templates/ by cmake/embed_templates.cmake. Do not edit.
#include \"compiler/codegen/templates.hpp\"
namespace tensorjit::codegen {
${body}
static const TemplateFile k_files[] = {
${entries}};
std::span<const TemplateFile> template_files() { return k_files; }
std::string_view templates_hash() { return \"${hash}\"; }
} // namespace tensorjit::codegen
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
