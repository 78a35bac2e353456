/// \file
/// Helpers of the .npy/.npz tests (test_npy.cpp, test_npz.cpp, test_npy_numpy.cpp): raw file
/// bytes, hand-made .npy images and ZIP archives (built here independently of runtime/npz.cpp,
/// so that the reader is tested against a second writer), exact comparison of arrays.
#pragma once

#include <tensorjit/array.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace npy_test {

using tensorjit::Array;

inline std::string read_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

/// Same dtype, shape and element bytes in C order: floats compare by bit pattern, so NaN
/// payloads and -0.0 count.
inline bool same_bits(const Array& a, const Array& b) {
    if (a.dtype() != b.dtype() || !(a.shape() == b.shape())) return false;
    const Array ca = a.copy(), cb = b.copy();
    return std::memcmp(ca.raw_data(), cb.raw_data(), std::size_t(ca.size()) * ca.itemsize()) == 0;
}

/// Little-endian integer of n bytes.
inline std::string le(std::uint64_t v, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += char((v >> (8 * i)) & 0xFF);
    return s;
}

/// An .npy image: magic, version major.0, header length field (2 bytes for version 1, else 4),
/// `dict` padded with spaces and a newline to a multiple of 64 bytes, then `data`.
inline std::string npy_image(std::string_view dict, std::string_view data, int major = 1) {
    const std::size_t prefix = major == 1 ? 10 : 12;
    std::string header(dict);
    while ((prefix + header.size() + 1) % 64) header += ' ';
    header += '\n';
    std::string out = "\x93NUMPY";
    out += char(major);
    out += '\0';
    out += le(header.size(), major == 1 ? 2 : 4);
    return out + header + std::string(data);
}

/// CRC-32 (ISO-HDLC, the one ZIP uses), bit by bit.
inline std::uint32_t crc32(std::string_view data) {
    std::uint32_t c = 0xFFFFFFFF;
    for (unsigned char byte : data) {
        c ^= byte;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

struct ZipMember {
    std::string name;
    std::string data; // stored (method 0) as is
};

/// A ZIP archive of stored members. With zip64, every size and offset of the central directory
/// is in a ZIP64 extra field and the archive ends with the ZIP64 end records, as an archive
/// beyond 4 GiB must.
inline std::string zip_archive(const std::vector<ZipMember>& members, bool zip64) {
    std::string out, dir;
    for (const auto& m : members) {
        const std::uint64_t offset = out.size();
        const std::uint32_t crc = crc32(m.data);
        out += le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0x21, 2) +
               le(crc, 4) + le(m.data.size(), 4) + le(m.data.size(), 4) + le(m.name.size(), 2) +
               le(0, 2) + m.name + m.data;
        const std::string extra = zip64 ? le(1, 2) + le(24, 2) + le(m.data.size(), 8) +
                                              le(m.data.size(), 8) + le(offset, 8)
                                        : std::string();
        const std::uint64_t big = 0xFFFFFFFF;
        dir += le(0x02014b50, 4) + le(45, 2) + le(45, 2) + le(0, 2) + le(0, 2) + le(0, 2) +
               le(0x21, 2) + le(crc, 4) + le(zip64 ? big : m.data.size(), 4) +
               le(zip64 ? big : m.data.size(), 4) + le(m.name.size(), 2) + le(extra.size(), 2) +
               le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(zip64 ? big : offset, 4) + m.name +
               extra;
    }
    const std::uint64_t dir_offset = out.size();
    out += dir;
    if (zip64) {
        const std::uint64_t end64 = out.size();
        out += le(0x06064b50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) +
               le(members.size(), 8) + le(members.size(), 8) + le(dir.size(), 8) +
               le(dir_offset, 8);
        out += le(0x07064b50, 4) + le(0, 4) + le(end64, 8) + le(1, 4);
        out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(0xFFFF, 2) + le(0xFFFF, 2) +
               le(0xFFFFFFFF, 4) + le(0xFFFFFFFF, 4) + le(0, 2);
    } else {
        out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(members.size(), 2) +
               le(members.size(), 2) + le(dir.size(), 4) + le(dir_offset, 4) + le(0, 2);
    }
    return out;
}

} // namespace npy_test
