// Shared by the disk cache tests (tests/cache/): entry samples, file helpers, the environment.
#pragma once

#include "cache/disk_cache.hpp"

#include "support/test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using tensorjit::cache::DiskCache;
using tensorjit::cache::Entry;
using tensorjit::cache::metadata_key;

namespace {

// Format 3: magic, three lengths, two XXH3-128 hex checksums (object and metadata; source).
constexpr std::size_t kHeaderSize = 96;
const std::string kKey = "0123456789abcdef0123456789abcdef";

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(const fs::path& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
}

// An entry for key; its metadata names the key, as get_kernel()'s does.
Entry sample_entry(const std::string& tag = "", const std::string& key = kKey) {
    Entry e;
    e.object = std::string("\177ELF\0\1\2object bytes ", 20) + tag;
    e.source = "extern \"C\" void tj_k_0123(void** args) { /* " + tag + " */ }\n";
    e.metadata = R"({"format": 1, "key": ")" + key + R"(", "tag": ")" + tag + "\"}";
    return e;
}

bool same(const Entry& a, const Entry& b) {
    return a.object == b.object && a.source == b.source && a.metadata == b.metadata;
}

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// Sets (or unsets, with nullptr) an environment variable for the scope of the object.
class EnvVar {
  public:
    EnvVar(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~EnvVar() {
        if (old_)
            ::setenv(name_.c_str(), old_->c_str(), 1);
        else
            ::unsetenv(name_.c_str());
    }

  private:
    std::string name_;
    std::optional<std::string> old_;
};

using tj_test::StderrCapture;

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

} // namespace

namespace {

// The peak resident set size of this process so far, in KiB.
long peak_rss_kib() {
    struct rusage usage;
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

std::string tool(const std::string& name) { return std::string(TJ_BINARY_DIR) + "/" + name; }

} // namespace
