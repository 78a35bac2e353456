// Several ELF objects as one byte string (object_bundle.hpp).
#include "compiler/jit/object_bundle.hpp"

#include "tensorjit/error.hpp"

#include <cstdint>

namespace tensorjit::jit::detail {

namespace {

constexpr std::string_view kMagic = "TJOBJS1\n";

void put(std::string& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint64_t get(std::string_view s, std::size_t at, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v |= std::uint64_t{static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)])}
             << (8 * i);
    return v;
}

[[noreturn]] void malformed(const std::string& symbol, const std::string& what) {
    const std::string text = "malformed object bundle: " + what;
    throw CompileError("could not load kernel " + symbol + ": " + text, text, "");
}

} // namespace

std::string bundle_objects(const std::vector<std::string>& objects) {
    if (objects.size() == 1) return objects.front();
    std::string out(kMagic);
    put(out, objects.size(), 4);
    for (const std::string& o : objects) {
        put(out, o.size(), 8);
        out += o;
    }
    return out;
}

std::vector<std::string_view> unbundle_objects(std::string_view bytes, const std::string& symbol) {
    if (bytes.substr(0, kMagic.size()) != kMagic) return {bytes};
    std::size_t at = kMagic.size();
    if (bytes.size() < at + 4) malformed(symbol, "no object count");
    const std::uint64_t count = get(bytes, at, 4);
    at += 4;
    std::vector<std::string_view> objects;
    for (std::uint64_t k = 0; k < count; ++k) {
        if (bytes.size() - at < 8)
            malformed(symbol, "object " + std::to_string(k) + " has no size");
        const std::uint64_t size = get(bytes, at, 8);
        at += 8;
        if (size > bytes.size() - at)
            malformed(symbol, "object " + std::to_string(k) + " runs past the end");
        objects.push_back(bytes.substr(at, size));
        at += size;
    }
    if (at != bytes.size()) malformed(symbol, "bytes after the last object");
    if (objects.empty()) malformed(symbol, "no objects");
    return objects;
}

} // namespace tensorjit::jit::detail
