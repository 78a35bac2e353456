/// \file
/// Helpers of the graph file tests (test_graph_file*.cpp): files as text, nodes of a document,
/// and the check that a bad file raises ValueError whose message starts with the file.
#pragma once

#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace tj_test {

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
}

/// The id of the first node with op `op` for which `pred` holds (any when not given); fails the
/// test when there is none.
inline std::size_t find_node(const nlohmann::json& doc, const std::string& op,
                             const std::function<bool(const nlohmann::json&)>& pred = {}) {
    for (std::size_t i = 0; i < doc["nodes"].size(); ++i)
        if (doc["nodes"][i]["op"] == op && (!pred || pred(doc["nodes"][i]))) return i;
    FAIL("no node " << op);
    return 0;
}

/// Writes text to file and requires that tj::load_function raises ValueError whose message
/// starts with the file's path and contains every one of parts; returns the message.
inline std::string expect_bad_file(const std::filesystem::path& file, const std::string& text,
                                   const std::vector<std::string>& parts) {
    write_text(file, text);
    std::vector<std::string> all = {file.string() + ": "};
    all.insert(all.end(), parts.begin(), parts.end());
    const std::string m =
        expect_error<tensorjit::ValueError>([&] { tensorjit::load_function(file); }, all);
    CHECK(m.rfind(file.string(), 0) == 0);
    return m;
}

} // namespace tj_test
