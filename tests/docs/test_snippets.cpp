// The documentation's code compiles as written: every ```cpp block of README.md and of the
// tutorial specification (../shared/spec/TUTORIAL.md), extracted from the files themselves so
// that they cannot drift, compiled against the public headers by GCC and by Clang 16.
#include <catch2/catch.hpp>

#include "support/test_util.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

struct Snippet {
    std::string file;
    int line = 0; // of the opening fence
    std::string code;
};

std::vector<Snippet> cpp_blocks(const std::filesystem::path& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    std::vector<Snippet> out;
    std::string line;
    int n = 0;
    bool inside = false;
    std::size_t indent = 0; // of the fence: blocks inside list items are indented
    while (std::getline(in, line)) {
        ++n;
        const std::size_t lead = std::min(line.find_first_not_of(' '), line.size());
        if (!inside && line.compare(lead, 6, "```cpp") == 0) {
            inside = true;
            indent = lead;
            out.push_back({path.filename().string(), n, ""});
        } else if (inside && line.compare(lead, 3, "```") == 0) {
            inside = false;
        } else if (inside) {
            out.back().code += line.substr(std::min(indent, lead)) + "\n";
        }
    }
    REQUIRE_FALSE(inside);
    return out;
}

// A block is a fragment of a function body (as the tutorial writes them) unless it defines main;
// its own #include lines go to the top.
std::string translation_unit(const Snippet& s) {
    std::string includes, body;
    std::istringstream lines(s.code);
    std::string line;
    while (std::getline(lines, line))
        (line.rfind("#include", 0) == 0 ? includes : body) += line + "\n";
    std::string tu =
        "#include <tensorjit/tensorjit.hpp>\n#include <iostream>\n#include <utility>\n" + includes +
        "namespace tj = tensorjit;\nusing namespace tj::literals;\n";
    if (body.find("int main") != std::string::npos) return tu + body;
    return tu + "[[maybe_unused]] static void snippet() {\n#line " + std::to_string(s.line + 1) +
           " \"" + s.file + "\"\n" + body + "}\n";
}

} // namespace

TEST_CASE("docs: every C++ block of README.md and TUTORIAL.md compiles with GCC and Clang",
          "[docs]") {
    std::vector<Snippet> snippets = cpp_blocks(std::filesystem::path(TJ_SOURCE_DIR) / "README.md");
    const std::size_t in_readme = snippets.size();
    for (auto& s : cpp_blocks(tj_test::shared_dir() / "spec" / "TUTORIAL.md"))
        snippets.push_back(std::move(s));
    CHECK(in_readme >= 1);
    CHECK(snippets.size() >= in_readme + 7); // the tutorial's seven sections
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("tj_snippets_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string includes = std::string(" -I") + TJ_SOURCE_DIR + "/compiler/include -I" +
                                 TJ_SOURCE_DIR + "/runtime/include";
    for (std::size_t i = 0; i < snippets.size(); ++i) {
        const Snippet& s = snippets[i];
        const auto path = dir / ("snippet" + std::to_string(i) + ".cpp");
        std::ofstream(path) << translation_unit(s);
        for (const char* cxx : {"g++", "clang++-16"}) {
            std::string output;
            const int rc = tj_test::run_command(std::string(cxx) + " -std=c++20 -fsyntax-only" +
                                                    includes + " " + path.string() + " 2>&1",
                                                &output);
            INFO(s.file << ":" << s.line << " with " << cxx << ":\n" << output);
            CHECK(rc == 0);
        }
    }
    std::filesystem::remove_all(dir);
}
