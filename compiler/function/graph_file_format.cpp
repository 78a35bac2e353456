// The encodings of graph files: base64, in-memory `.npy` images, dtype and op names.
#include "compiler/function/graph_file_format.hpp"

#include "runtime/npy_format.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <unordered_map>

namespace tensorjit::graph_file {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

class StringSink final : public npy::Sink {
  public:
    void write(const void* data, std::size_t n) override {
        out.append(static_cast<const char*>(data), n);
    }
    std::string out;
};

class StringSource final : public npy::Source {
  public:
    explicit StringSource(const std::string& s) : s_(s) {}
    std::uint64_t remaining() const override { return s_.size() - pos_; }
    std::size_t read(void* dst, std::size_t n) override {
        const std::size_t k = std::min(n, s_.size() - pos_);
        std::memcpy(dst, s_.data() + pos_, k);
        pos_ += k;
        return k;
    }

  private:
    const std::string& s_;
    std::size_t pos_ = 0;
};

} // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                                (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) |
                                std::uint8_t(bytes[i + 2]);
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest) {
        std::uint32_t v = std::uint32_t(std::uint8_t(bytes[i])) << 16;
        if (rest == 2) v |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    static const std::array<int, 256> value = [] {
        std::array<int, 256> t;
        t.fill(-1);
        for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = i;
        return t;
    }();
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = text[i + k];
            if (c == '=' && last && k >= 2) {
                v[k] = 0;
                ++pad;
                continue;
            }
            if (pad) return std::nullopt; // data after padding
            v[k] = value[static_cast<unsigned char>(c)];
            if (v[k] < 0) return std::nullopt;
        }
        const std::uint32_t w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
        out += static_cast<char>(w >> 16);
        if (pad < 2) out += static_cast<char>((w >> 8) & 255);
        if (pad < 1) out += static_cast<char>(w & 255);
    }
    return out;
}

std::string npy_bytes(const Array& a) {
    StringSink sink;
    npy::write_npy(sink, a);
    return std::move(sink.out);
}

Array npy_from_bytes(const std::string& bytes, const std::string& where) {
    StringSource source(bytes);
    return npy::read_npy(source, where);
}

std::optional<DType> dtype_from_name(std::string_view name) {
    for (int i = 0; i < kNumDTypes; ++i)
        if (dtype_name(static_cast<DType>(i)) == name) return static_cast<DType>(i);
    return std::nullopt;
}

std::optional<OpKind> op_from_name(std::string_view name) {
    static const std::unordered_map<std::string_view, OpKind> table = [] {
        std::unordered_map<std::string_view, OpKind> t;
#define X(E, N) t.emplace(N, OpKind::E);
#include "compiler/graph/op_kinds.def"
#undef X
        return t;
    }();
    auto it = table.find(name);
    if (it == table.end()) return std::nullopt;
    return it->second;
}

} // namespace tensorjit::graph_file
