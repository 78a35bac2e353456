// A separate process for the graph file tests: loads the graph file named by argv[1] and prints
// what building it did, as JSON: {"clang_compiles": n, "disk_hits": n, "key": "..."}.
#include <tensorjit/tensorjit.hpp>

#include <iostream>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: graph_file_probe <graph file>\n";
        return 2;
    }
    try {
        auto f = tj::load_multi_function(argv[1]);
        const auto stats = tj::compile_stats();
        std::cout << "{\"clang_compiles\": " << stats.clang_compiles
                  << ", \"disk_hits\": " << stats.disk_hits << ", \"key\": \"" << f.cache_key()
                  << "\"}\n";
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
}
