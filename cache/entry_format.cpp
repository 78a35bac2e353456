// Encoding and decoding entry files (format in entry_format.hpp), and an entry's metadata key.
#include "cache/entry_format.hpp"

#include "runtime/hash.hpp"

#include <nlohmann/json.hpp>

namespace tensorjit::cache {

namespace detail {

namespace {

void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_u64(std::string_view bytes, std::size_t at) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
}

} // namespace

std::string check_header(std::string_view header, std::uint64_t file_size) {
    if (header.substr(0, kMagic.size()) != kMagic) {
        if (header.substr(0, kMagicStem.size()) == kMagicStem) {
            // The version byte comes from the file: named only when it is a digit.
            const char version = header[kMagicStem.size()];
            return std::string(kStaleFormat) + (version >= '0' && version <= '9'
                                                    ? std::string(" (entry format ") + version + ")"
                                                    : std::string());
        }
        return "bad magic, not a tensorjit cache entry";
    }
    const std::uint64_t payload = file_size - kHeaderSize;
    std::uint64_t total = 0;
    for (int i = 0; i < 3; ++i) {
        const std::uint64_t length = get_u64(header, 8 + 8 * i);
        // Compared this way round so that huge (corrupted) lengths cannot overflow the sum.
        if (length > payload - total) break;
        total += length;
        if (i == 2 && total == payload) return "";
    }
    return "section lengths do not add up to the file size, " + std::to_string(file_size) +
           " bytes: truncated or overwritten";
}

std::uint64_t header_length(std::string_view header, int i) { return get_u64(header, 8 + 8 * i); }

std::string checksum(std::string_view file) {
    return Xxh3().update(file.substr(0, kLengthsEnd)).update(file.substr(kHeaderSize)).hex128();
}

std::string encode(const Entry& entry) {
    std::string out;
    out.reserve(kHeaderSize + entry.object.size() + entry.source.size() + entry.metadata.size());
    out += kMagic;
    put_u64(out, entry.object.size());
    put_u64(out, entry.source.size());
    put_u64(out, entry.metadata.size());
    out.append(kChecksumSize, '0'); // filled in below
    out += entry.object;
    out += entry.source;
    out += entry.metadata;
    out.replace(kLengthsEnd, kChecksumSize, checksum(out));
    return out;
}

std::optional<Entry> decode(std::string_view file, std::string* why) {
    if (file.size() < kHeaderSize) {
        *why = "truncated: " + std::to_string(file.size()) + " bytes, shorter than the header";
        return std::nullopt;
    }
    if (*why = check_header(file, file.size()); !why->empty()) return std::nullopt;
    std::uint64_t lengths[3] = {};
    for (int i = 0; i < 3; ++i) lengths[i] = get_u64(file, 8 + 8 * i);
    if (checksum(file) != file.substr(kLengthsEnd, kChecksumSize)) {
        *why = "checksum mismatch";
        return std::nullopt;
    }
    Entry entry;
    entry.object = file.substr(kHeaderSize, lengths[0]);
    entry.source = file.substr(kHeaderSize + lengths[0], lengths[1]);
    entry.metadata = file.substr(kHeaderSize + lengths[0] + lengths[1], lengths[2]);
    return entry;
}

} // namespace detail

std::optional<std::string> metadata_key(std::string_view metadata) {
    // Without exceptions: text that is not JSON (or not UTF-8) parses to a discarded value.
    const nlohmann::json json = nlohmann::json::parse(metadata, nullptr, false);
    if (!json.is_object()) return std::nullopt;
    const auto it = json.find("key");
    if (it == json.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

} // namespace tensorjit::cache
