// tensorjit-cache: inspect and maintain the kernel cache (list, verify, prune, clear, path).
#include <tensorjit/cache.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <string>

namespace tj = tensorjit;

namespace {

int usage(std::ostream& os, int code) {
    os << "usage: tensorjit-cache [--dir DIR] COMMAND\n"
          "  path                 print the cache directory (TJ_CACHE_DIR, XDG_CACHE_HOME, "
          "~/.cache)\n"
          "  list                 entries, most recently used first: key, bytes, last use; and\n"
          "                       how many temporaries killed writers left\n"
          "  verify [--repair]    check every entry's checksum and key; --repair removes bad ones\n"
          "                       and temporaries older than 10 minutes\n"
          "  prune --max-bytes N  remove temporaries older than 10 minutes, then least recently\n"
          "                       used entries until at most N bytes remain\n"
          "  clear                remove every entry\n";
    return code;
}

std::string age(std::filesystem::file_time_type t) {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                    std::filesystem::file_time_type::clock::now() - t)
                    .count();
    if (secs < 120) return std::to_string(secs) + " s ago";
    if (secs < 7200) return std::to_string(secs / 60) + " min ago";
    if (secs < 172800) return std::to_string(secs / 3600) + " h ago";
    return std::to_string(secs / 86400) + " days ago";
}

int run(int argc, char** argv) {
    std::filesystem::path dir = tj::KernelCache::default_dir();
    int i = 1;
    if (i + 1 < argc && std::strcmp(argv[i], "--dir") == 0) {
        dir = argv[i + 1];
        i += 2;
    }
    if (i >= argc) return usage(std::cerr, 2);
    const std::string cmd = argv[i++];
    if (cmd == "-h" || cmd == "--help") return usage(std::cout, 0);
    if (cmd == "path") {
        std::cout << dir.string() << "\n";
        return 0;
    }
    tj::KernelCache c(dir);
    const bool changes = cmd == "prune" || cmd == "clear" ||
                         (cmd == "verify" && i < argc && std::strcmp(argv[i], "--repair") == 0);
    if (changes && c.read_only()) {
        std::cerr << "tensorjit-cache: " << dir.string()
                  << " is read-only; nothing can be removed\n";
        return 1;
    }
    if (cmd == "list") {
        const auto entries = c.list();
        std::uintmax_t total = 0;
        for (const auto& e : entries) {
            std::cout << e.key << "  " << std::setw(10) << e.bytes << "  " << age(e.last_used)
                      << "\n";
            total += e.bytes;
        }
        std::cout << entries.size() << " entries, " << total << " bytes in " << dir.string()
                  << (c.read_only() ? " (read-only)" : "") << "\n";
        // Leftovers of killed writers; prune and verify --repair remove them.
        const auto stale = c.temporaries();
        std::cout << stale.count << " stale temporaries (" << stale.bytes << " bytes)\n";
        return 0;
    }
    if (cmd == "verify") {
        const bool repair = i < argc && std::strcmp(argv[i], "--repair") == 0;
        auto bad = c.verify(repair);
        for (const auto& k : bad)
            std::cout << "corrupted: " << k << (repair ? " (removed)" : "") << "\n";
        std::cout << bad.size() << " corrupted entries\n";
        return bad.empty() || repair ? 0 : 1;
    }
    if (cmd == "prune") {
        if (i + 1 >= argc || std::strcmp(argv[i], "--max-bytes") != 0) return usage(std::cerr, 2);
        char* end = nullptr;
        const unsigned long long max = std::strtoull(argv[i + 1], &end, 10);
        if (!end || *end) {
            std::cerr << "tensorjit-cache: --max-bytes needs a number, got '" << argv[i + 1]
                      << "'\n";
            return 2;
        }
        std::cout << c.prune(max) << " entries removed\n";
        return 0;
    }
    if (cmd == "clear") {
        std::cout << c.clear() << " entries removed\n";
        return 0;
    }
    std::cerr << "tensorjit-cache: unknown command '" << cmd << "'\n";
    return usage(std::cerr, 2);
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        // A refused directory (CacheError says why), or anything unexpected.
        std::cerr << "tensorjit-cache: " << e.what() << "\n";
        return 1;
    }
}
