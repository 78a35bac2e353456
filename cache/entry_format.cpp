// Encoding and decoding entry files (format in entry_format.hpp), and an entry's metadata key.
#include "cache/entry_format.hpp"

#include "runtime/hash.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

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
            const char version = header.size() > kMagicStem.size() ? header[kMagicStem.size()] : 0;
            return std::string(kStaleFormat) + (version >= '0' && version <= '9'
                                                    ? std::string(" (entry format ") + version + ")"
                                                    : std::string());
        }
        return "bad magic, not a tensorjit cache entry";
    }
    if (header.size() < kHeaderSize || file_size < kHeaderSize)
        return "truncated: " + std::to_string(std::min<std::uint64_t>(header.size(), file_size)) +
               " bytes, shorter than the header";
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

std::uint64_t header_length(std::string_view header, Section section) {
    return get_u64(header, 8 + 8 * section);
}

std::uint64_t section_offset(std::string_view header, Section section) {
    std::uint64_t at = kHeaderSize;
    for (int i = 0; i < section; ++i) at += header_length(header, static_cast<Section>(i));
    return at;
}

std::string code_checksum(std::string_view header, std::string_view code) {
    return Xxh3().update(header.substr(0, kLengthsEnd)).update(code).hex128();
}

std::string encode(const Entry& entry) {
    std::string out;
    out.reserve(kHeaderSize + entry.object.size() + entry.metadata.size() + entry.source.size());
    out += kMagic;
    put_u64(out, entry.object.size());
    put_u64(out, entry.metadata.size());
    put_u64(out, entry.source.size());
    out += Xxh3().update(out).update(entry.object).update(entry.metadata).hex128();
    out += xxh3_128_hex(entry.source);
    out += entry.object;
    out += entry.metadata;
    out += entry.source;
    return out;
}

std::optional<Entry> decode_code(std::string_view file, std::uint64_t file_size, std::string* why) {
    if (*why = check_header(file, file_size); !why->empty()) return std::nullopt;
    const std::uint64_t object = header_length(file, kObject);
    const std::uint64_t metadata = header_length(file, kMetadata);
    const std::string_view code = file.substr(kHeaderSize, object + metadata);
    if (code.size() != object + metadata) {
        *why = "truncated: " + std::to_string(file.size()) + " bytes read of " +
               std::to_string(file_size);
        return std::nullopt;
    }
    if (code_checksum(file, code) != file.substr(kLengthsEnd, kChecksumSize)) {
        *why = "checksum mismatch";
        return std::nullopt;
    }
    Entry entry;
    entry.object = code.substr(0, object);
    entry.metadata = code.substr(object, metadata);
    return entry;
}

std::optional<Entry> decode(std::string_view file, std::string* why) {
    std::optional<Entry> entry = decode_code(file, file.size(), why);
    if (!entry) return std::nullopt;
    const std::string_view source = file.substr(section_offset(file, kSource));
    if (xxh3_128_hex(source) != file.substr(kSourceChecksumAt, kChecksumSize)) {
        *why = "source checksum mismatch";
        return std::nullopt;
    }
    entry->source = source;
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
