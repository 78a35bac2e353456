// .npz archives: ZIP files (PKWARE's APPNOTE.TXT 6.3) with one .npy member per array, written
// and read here by hand; zlib provides CRC-32 and raw deflate. The writer streams each member
// and patches its CRC and sizes into the local header afterwards; ZIP64 fields appear only where
// a size or offset needs them (4 GiB and beyond). The reader trusts nothing: every offset and
// size is checked against the file before it is used, and every member's CRC-32 is verified.
// (numpy.savez always puts a ZIP64 field in the local headers: the reader accepts either.)
#include "runtime/binary_file.hpp"
#include "runtime/npy_format.hpp"

#include <tensorjit/error.hpp>
#include <tensorjit/npy.hpp>

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

namespace tensorjit {

namespace {

constexpr std::uint32_t kLocalHeaderSig = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSig = 0x02014b50;
constexpr std::uint32_t kEndSig = 0x06054b50;
constexpr std::uint32_t kZip64EndSig = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kEndSize = 22;
constexpr std::size_t kZip64EndSize = 56;
constexpr std::size_t kZip64LocatorSize = 20;
// The end record sits in the last 22 bytes plus a comment of at most 65535 bytes.
constexpr std::size_t kMaxEndSearch = kEndSize + 0xFFFF;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
constexpr std::uint32_t kMax32 = 0xFFFFFFFF;
constexpr std::uint16_t kMax16 = 0xFFFF;
// Version needed to extract: 2.0 (deflate), 4.5 for ZIP64 records.
constexpr std::uint16_t kVersionDeflate = 20;
constexpr std::uint16_t kVersionZip64 = 45;
// Made by: Unix (3, so that the external attributes are permission bits), APPNOTE 4.5.
constexpr std::uint16_t kVersionMadeBy = (3 << 8) | 45;
// A regular file, rw-r--r--, for unzip (numpy.savez's members say rw-------).
constexpr std::uint32_t kExternalAttributes = 0100644u << 16;
constexpr std::uint16_t kMethodStored = 0;
constexpr std::uint16_t kMethodDeflated = 8;
constexpr std::uint16_t kFlagEncrypted = 1;
constexpr std::uint16_t kFlagUtf8Name = 1 << 11;
// 1980-01-01 00:00, the earliest DOS date, which numpy.savez stores too (Python's ZipInfo
// default): the archive is a function of its arrays alone.
constexpr std::uint16_t kDosTime = 0;
constexpr std::uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;
// Deflate's largest compression ratio (zlib's documentation: 1032:1): a member that declares
// more bytes than this from its compressed size lies, and must not size an allocation.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
constexpr std::size_t kChunk = std::size_t{1} << 16;

// ---- little-endian fields ---------------------------------------------------------------------

class Fields {
  public:
    Fields& u16(std::uint16_t v) { return put(v, 2); }
    Fields& u32(std::uint32_t v) { return put(v, 4); }
    Fields& u64(std::uint64_t v) { return put(v, 8); }
    Fields& bytes(std::string_view s) {
        out_ += s;
        return *this;
    }
    const std::string& str() const { return out_; }

  private:
    Fields& put(std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) out_ += static_cast<char>((v >> (8 * i)) & 0xFF);
        return *this;
    }
    std::string out_;
};

std::uint64_t get_le(const unsigned char* p, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    return v;
}
std::uint16_t get16(const unsigned char* p) { return static_cast<std::uint16_t>(get_le(p, 2)); }
std::uint32_t get32(const unsigned char* p) { return static_cast<std::uint32_t>(get_le(p, 4)); }
std::uint64_t get64(const unsigned char* p) { return get_le(p, 8); }

std::uint32_t crc32_of(std::uint32_t crc, const void* data, std::size_t n) {
    return static_cast<std::uint32_t>(
        crc32_z(crc, static_cast<const Bytef*>(data), static_cast<z_size_t>(n)));
}

bool ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// ---- writing ----------------------------------------------------------------------------------

struct Member {
    std::string name;
    // The local header has ZIP64 sizes (decided before the data is written, from its bound).
    bool zip64 = false;
    std::uint16_t flags = 0;
    std::uint16_t method = kMethodStored;
    std::uint32_t crc = 0;
    std::uint64_t compressed = 0, uncompressed = 0, offset = 0;
};

// Where the .npy image of a member goes: counted, CRC'd and, for a deflated member, compressed
// (raw deflate, zlib's default level, as Python's zipfile) on its way into the file.
class MemberSink final : public npy::Sink {
  public:
    MemberSink(OutputFile& out, bool deflate) : out_(out), deflate_(deflate) {
        if (!deflate_) return;
        // windowBits -15: a raw deflate stream, without the zlib header and trailer.
        const int rc =
            deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
        TJ_CHECK(rc == Z_OK, ValueError) << out_.name() << ": cannot start zlib's deflate";
    }
    ~MemberSink() override {
        if (deflate_) deflateEnd(&z_);
    }
    MemberSink(const MemberSink&) = delete;
    MemberSink& operator=(const MemberSink&) = delete;

    void write(const void* data, std::size_t n) override {
        crc_ = crc32_of(crc_, data, n);
        uncompressed_ += n;
        if (deflate_) {
            pump(data, n, Z_NO_FLUSH);
        } else {
            out_.write(data, n);
            compressed_ += n;
        }
    }
    /// Ends the deflate stream.
    void finish() {
        if (deflate_) pump(nullptr, 0, Z_FINISH);
    }
    std::uint32_t crc() const { return crc_; }
    std::uint64_t compressed() const { return compressed_; }
    std::uint64_t uncompressed() const { return uncompressed_; }

  private:
    void pump(const void* data, std::size_t n, int flush) {
        auto* in = static_cast<Bytef*>(const_cast<void*>(data));
        // avail_in is 32 bits: feed large arrays in pieces.
        do {
            const std::size_t piece = std::min<std::size_t>(n, UINT_MAX / 2);
            z_.next_in = in;
            z_.avail_in = static_cast<uInt>(piece);
            in += piece;
            n -= piece;
            const int mode = n == 0 ? flush : Z_NO_FLUSH;
            int rc = Z_OK;
            do {
                z_.next_out = buf_.data();
                z_.avail_out = static_cast<uInt>(buf_.size());
                rc = deflate(&z_, mode);
                TJ_CHECK(rc != Z_STREAM_ERROR, InternalError) << "zlib deflate state";
                const std::size_t have = buf_.size() - z_.avail_out;
                out_.write(buf_.data(), have);
                compressed_ += have;
            } while (z_.avail_out == 0);
            TJ_CHECK(mode != Z_FINISH || rc == Z_STREAM_END, InternalError)
                << "zlib deflate did not finish";
        } while (n > 0);
    }

    OutputFile& out_;
    bool deflate_;
    z_stream z_{};
    std::vector<Bytef> buf_ = std::vector<Bytef>(kChunk);
    std::uint32_t crc_ = 0;
    std::uint64_t compressed_ = 0, uncompressed_ = 0;
};

std::string local_header(const Member& m) {
    Fields h;
    h.u32(kLocalHeaderSig)
        .u16(m.zip64 ? kVersionZip64 : kVersionDeflate)
        .u16(m.flags)
        .u16(m.method)
        .u16(kDosTime)
        .u16(kDosDate)
        .u32(m.crc);
    if (!m.zip64)
        return h.u32(static_cast<std::uint32_t>(m.compressed))
            .u32(static_cast<std::uint32_t>(m.uncompressed))
            .u16(static_cast<std::uint16_t>(m.name.size()))
            .u16(0)
            .bytes(m.name)
            .str();
    // The 32-bit sizes say "see the ZIP64 field", which in a local header holds both sizes.
    return h.u32(kMax32)
        .u32(kMax32)
        .u16(static_cast<std::uint16_t>(m.name.size()))
        .u16(20)
        .bytes(m.name)
        .u16(kZip64ExtraId)
        .u16(16)
        .u64(m.uncompressed)
        .u64(m.compressed)
        .str();
}

std::string central_header(const Member& m) {
    // The ZIP64 field holds, in this order, those of the sizes and the offset that do not fit.
    Fields zip64;
    const bool big_u = m.uncompressed >= kMax32, big_c = m.compressed >= kMax32,
               big_o = m.offset >= kMax32;
    if (big_u) zip64.u64(m.uncompressed);
    if (big_c) zip64.u64(m.compressed);
    if (big_o) zip64.u64(m.offset);
    Fields extra;
    if (!zip64.str().empty())
        extra.u16(kZip64ExtraId)
            .u16(static_cast<std::uint16_t>(zip64.str().size()))
            .bytes(zip64.str());
    return Fields()
        .u32(kCentralHeaderSig)
        .u16(kVersionMadeBy)
        .u16(m.zip64 || !zip64.str().empty() ? kVersionZip64 : kVersionDeflate)
        .u16(m.flags)
        .u16(m.method)
        .u16(kDosTime)
        .u16(kDosDate)
        .u32(m.crc)
        .u32(big_c ? kMax32 : static_cast<std::uint32_t>(m.compressed))
        .u32(big_u ? kMax32 : static_cast<std::uint32_t>(m.uncompressed))
        .u16(static_cast<std::uint16_t>(m.name.size()))
        .u16(static_cast<std::uint16_t>(extra.str().size()))
        .u16(0) // comment
        .u16(0) // disk
        .u16(0) // internal attributes
        .u32(kExternalAttributes)
        .u32(big_o ? kMax32 : static_cast<std::uint32_t>(m.offset))
        .bytes(m.name)
        .bytes(extra.str())
        .str();
}

std::string end_records(std::uint64_t entries, std::uint64_t dir_offset, std::uint64_t dir_size,
                        std::uint64_t end_offset) {
    Fields out;
    const bool zip64 = entries >= kMax16 || dir_offset >= kMax32 || dir_size >= kMax32;
    if (zip64) {
        out.u32(kZip64EndSig)
            .u64(kZip64EndSize - 12) // the size of the rest of the record
            .u16(kVersionMadeBy)
            .u16(kVersionZip64)
            .u32(0)
            .u32(0)
            .u64(entries)
            .u64(entries)
            .u64(dir_size)
            .u64(dir_offset);
        out.u32(kZip64LocatorSig).u32(0).u64(end_offset).u32(1);
    }
    const auto entries16 = static_cast<std::uint16_t>(zip64 ? kMax16 : entries);
    out.u32(kEndSig)
        .u16(0)
        .u16(0)
        .u16(entries16)
        .u16(entries16)
        .u32(zip64 ? kMax32 : static_cast<std::uint32_t>(dir_size))
        .u32(zip64 ? kMax32 : static_cast<std::uint32_t>(dir_offset))
        .u16(0);
    return out.str();
}

// ---- reading ----------------------------------------------------------------------------------

// The uncompressed bytes of a member, counted and CRC'd as the .npy reader takes them, and never
// more than the central directory declares.
class MemberSource : public npy::Source {
  public:
    MemberSource(const InputFile& file, const Member& m, std::uint64_t data_offset,
                 const std::string& where)
        : file_(file), member_(m), pos_(data_offset), end_(data_offset + m.compressed),
          where_(where) {}
    std::uint64_t remaining() const override { return member_.uncompressed - produced_; }
    std::size_t read(void* dst, std::size_t n) override {
        n = static_cast<std::size_t>(std::min<std::uint64_t>(n, remaining()));
        const std::size_t got = fill(dst, n);
        crc_ = crc32_of(crc_, dst, got);
        produced_ += got;
        return got;
    }
    /// Reads what the .npy reader left (NumPy ignores bytes after the data, but they count in
    /// the CRC), then checks the size and the CRC-32 the directory declares.
    void finish() {
        std::vector<unsigned char> buf(kChunk);
        while (read(buf.data(), buf.size()) > 0) {
        }
        TJ_CHECK(produced_ == member_.uncompressed, ValueError)
            << where_ << ": truncated member: the archive declares " << member_.uncompressed
            << " bytes, the data ends after " << produced_;
        check_end();
        TJ_CHECK(crc_ == member_.crc, ValueError)
            << where_ << ": CRC-32 mismatch (the member is corrupt): the archive declares "
            << hex(member_.crc) << ", the data has " << hex(crc_);
    }
    /// finish()'s complaint, if any: after a reader error, which the damage explains better.
    std::optional<std::string> damage() noexcept {
        try {
            finish();
            return std::nullopt;
        } catch (const Error& e) {
            return std::string(e.what());
        }
    }

  protected:
    /// Up to n uncompressed bytes (fewer only at the end of the member's data).
    virtual std::size_t fill(void* dst, std::size_t n) = 0;
    /// Throws when the data goes on past the declared size.
    virtual void check_end() {}
    static std::string hex(std::uint32_t v) {
        static constexpr char kHex[] = "0123456789abcdef";
        std::string s = "0x";
        for (int i = 28; i >= 0; i -= 4) s += kHex[(v >> i) & 15];
        return s;
    }

    const InputFile& file_;
    const Member& member_;
    std::uint64_t pos_, end_;
    const std::string& where_;

  private:
    std::uint64_t produced_ = 0;
    std::uint32_t crc_ = 0;
};

class StoredSource final : public MemberSource {
  public:
    using MemberSource::MemberSource;

  private:
    std::size_t fill(void* dst, std::size_t n) override {
        const std::size_t got = file_.read_at(
            pos_, dst, static_cast<std::size_t>(std::min<std::uint64_t>(n, end_ - pos_)));
        pos_ += got;
        return got;
    }
};

class InflateSource final : public MemberSource {
  public:
    InflateSource(const InputFile& file, const Member& m, std::uint64_t data_offset,
                  const std::string& where)
        : MemberSource(file, m, data_offset, where) {
        TJ_CHECK(inflateInit2(&z_, -15) == Z_OK, ValueError)
            << where_ << ": cannot start zlib's inflate";
    }
    ~InflateSource() override { inflateEnd(&z_); }
    InflateSource(const InflateSource&) = delete;
    InflateSource& operator=(const InflateSource&) = delete;

  private:
    std::size_t fill(void* dst, std::size_t n) override {
        std::size_t done = 0;
        while (done < n && !ended_) {
            if (z_.avail_in == 0 && pos_ < end_) {
                const auto want =
                    static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, end_ - pos_));
                const std::size_t got = file_.read_at(pos_, in_.data(), want);
                TJ_CHECK(got == want, ValueError) << where_ << ": truncated compressed data";
                pos_ += got;
                z_.next_in = in_.data();
                z_.avail_in = static_cast<uInt>(got);
            }
            const auto room = static_cast<uInt>(std::min<std::size_t>(n - done, UINT_MAX / 2));
            z_.next_out = static_cast<Bytef*>(dst) + done;
            z_.avail_out = room;
            const int rc = inflate(&z_, Z_NO_FLUSH);
            done += room - z_.avail_out;
            if (rc == Z_STREAM_END) {
                ended_ = true;
            } else if (rc == Z_BUF_ERROR && z_.avail_in == 0 && pos_ == end_) {
                TJ_THROW(ValueError) << where_ << ": truncated compressed data: the deflate "
                                     << "stream does not end within the member";
            } else {
                TJ_CHECK(rc == Z_OK || rc == Z_BUF_ERROR, ValueError)
                    << where_ << ": corrupt compressed data (zlib: "
                    << (z_.msg ? z_.msg : "error " + std::to_string(rc)) << ")";
            }
        }
        return done;
    }
    void check_end() override {
        unsigned char extra = 0;
        while (!ended_)
            TJ_CHECK(fill(&extra, 1) == 0, ValueError)
                << where_ << ": the compressed data holds more than the " << member_.uncompressed
                << " bytes the archive declares";
    }

    z_stream z_{};
    bool ended_ = false;
    std::vector<Bytef> in_ = std::vector<Bytef>(kChunk);
};

// The central directory: every member's name, method, CRC, sizes and local header offset.
std::vector<Member> read_directory(const InputFile& file) {
    const std::string& where = file.name();
    const std::uint64_t size = file.size();
    // An archive ends with the end-of-central-directory record and its comment: search for its
    // signature backwards from the end.
    const auto tail_len = static_cast<std::size_t>(std::min<std::uint64_t>(size, kMaxEndSearch));
    std::vector<unsigned char> tail(tail_len);
    TJ_CHECK(file.read_at(size - tail_len, tail.data(), tail_len) == tail_len, ValueError)
        << where << ": the file shrank while being read";
    std::size_t at = tail_len;
    for (std::size_t p = tail_len >= kEndSize ? tail_len - kEndSize + 1 : 0; p-- > 0;)
        if (get32(&tail[p]) == kEndSig && p + kEndSize + get16(&tail[p + 20]) <= tail_len) {
            at = p;
            break;
        }
    TJ_CHECK(at < tail_len, ValueError)
        << where << ": not an .npz file: no ZIP end-of-central-directory record (the file is "
        << "truncated, or not a ZIP archive)";
    const std::uint64_t end_offset = size - tail_len + at;
    const unsigned char* e = &tail[at];
    std::uint64_t disk = get16(e + 4), dir_disk = get16(e + 6), disk_entries = get16(e + 8),
                  entries = get16(e + 10), dir_size = get32(e + 12), dir_offset = get32(e + 16);
    std::uint64_t dir_limit = end_offset; // the directory ends before the records that follow it
    if (entries == kMax16 || dir_size == kMax32 || dir_offset == kMax32) {
        // ZIP64: a locator right before the record points at the ZIP64 end record.
        unsigned char loc[kZip64LocatorSize];
        if (end_offset >= kZip64LocatorSize &&
            file.read_at(end_offset - kZip64LocatorSize, loc, sizeof loc) == sizeof loc &&
            get32(loc) == kZip64LocatorSig) {
            const std::uint64_t z64 = get64(loc + 8);
            const std::uint64_t loc_offset = end_offset - kZip64LocatorSize;
            unsigned char r[kZip64EndSize];
            TJ_CHECK(loc_offset >= kZip64EndSize && z64 <= loc_offset - kZip64EndSize &&
                         file.read_at(z64, r, sizeof r) == sizeof r && get32(r) == kZip64EndSig,
                     ValueError)
                << where << ": corrupt ZIP archive: the ZIP64 locator points to offset " << z64
                << ", where there is no ZIP64 end-of-central-directory record";
            disk = get32(r + 16);
            dir_disk = get32(r + 20);
            disk_entries = get64(r + 24);
            entries = get64(r + 32);
            dir_size = get64(r + 40);
            dir_offset = get64(r + 48);
            dir_limit = z64;
        }
    }
    TJ_CHECK(disk == 0 && dir_disk == 0 && disk_entries == entries, ValueError)
        << where << ": split (multi-disk) ZIP archives are not supported";
    TJ_CHECK(dir_size <= dir_limit && dir_offset <= dir_limit - dir_size, ValueError)
        << where << ": corrupt ZIP archive: the central directory (offset " << dir_offset << ", "
        << dir_size << " bytes) does not lie within the file (" << size << " bytes)";
    TJ_CHECK(entries <= dir_size / kCentralHeaderSize, ValueError)
        << where << ": corrupt ZIP archive: " << entries << " entries cannot fit in a central "
        << "directory of " << dir_size << " bytes";

    std::vector<unsigned char> dir(static_cast<std::size_t>(dir_size));
    TJ_CHECK(file.read_at(dir_offset, dir.data(), dir.size()) == dir.size(), ValueError)
        << where << ": the file shrank while being read";
    std::vector<Member> members;
    members.reserve(static_cast<std::size_t>(entries));
    std::size_t p = 0;
    for (std::uint64_t k = 0; k < entries; ++k) {
        TJ_CHECK(dir.size() - p >= kCentralHeaderSize && get32(&dir[p]) == kCentralHeaderSig,
                 ValueError)
            << where << ": corrupt ZIP archive: bad central directory entry " << k;
        const unsigned char* h = &dir[p];
        const std::size_t name_len = get16(h + 28), extra_len = get16(h + 30),
                          comment_len = get16(h + 32);
        TJ_CHECK(dir.size() - p - kCentralHeaderSize >= name_len + extra_len + comment_len,
                 ValueError)
            << where << ": corrupt ZIP archive: central directory entry " << k
            << " runs past the directory";
        Member m;
        m.flags = get16(h + 8);
        m.method = get16(h + 10);
        m.crc = get32(h + 16);
        m.compressed = get32(h + 20);
        m.uncompressed = get32(h + 24);
        m.offset = get32(h + 42);
        m.name.assign(reinterpret_cast<const char*>(h + kCentralHeaderSize), name_len);
        // ZIP64: the fields that say 0xFFFFFFFF are in the extra field, in this order.
        const unsigned char* x = h + kCentralHeaderSize + name_len;
        for (std::size_t q = 0; q + 4 <= extra_len;) {
            const std::uint16_t id = get16(x + q), len = get16(x + q + 2);
            TJ_CHECK(q + 4 + len <= extra_len, ValueError)
                << where << ": member '" << m.name << "': corrupt ZIP extra field";
            if (id == kZip64ExtraId) {
                std::size_t r = q + 4;
                for (std::uint64_t* field : {&m.uncompressed, &m.compressed, &m.offset}) {
                    if (*field != kMax32) continue;
                    TJ_CHECK(r + 8 <= q + 4 + len, ValueError)
                        << where << ": member '" << m.name << "': corrupt ZIP64 extra field";
                    *field = get64(x + r);
                    r += 8;
                }
            }
            q += 4 + len;
        }
        members.push_back(std::move(m));
        p += kCentralHeaderSize + name_len + extra_len + comment_len;
    }
    return members;
}

Array read_member(const InputFile& file, const Member& m, const std::string& where) {
    TJ_CHECK(!(m.flags & kFlagEncrypted), ValueError)
        << where << ": encrypted members are not supported";
    TJ_CHECK(m.method == kMethodStored || m.method == kMethodDeflated, ValueError)
        << where << ": compression method " << m.method
        << " is not supported (only stored, 0, and deflated, 8)";
    const std::uint64_t size = file.size();
    unsigned char h[kLocalHeaderSize];
    TJ_CHECK(m.offset <= size && size - m.offset >= kLocalHeaderSize, ValueError)
        << where << ": corrupt ZIP archive: the local header offset " << m.offset
        << " is past the end of the file (" << size << " bytes)";
    TJ_CHECK(file.read_at(m.offset, h, sizeof h) == sizeof h && get32(h) == kLocalHeaderSig,
             ValueError)
        << where << ": corrupt ZIP archive: no local header at offset " << m.offset;
    const std::uint64_t name_len = get16(h + 26), extra_len = get16(h + 28);
    const std::uint64_t data_offset = m.offset + kLocalHeaderSize + name_len + extra_len;
    std::string local_name(static_cast<std::size_t>(name_len), '\0');
    TJ_CHECK(data_offset <= size &&
                 file.read_at(m.offset + kLocalHeaderSize, local_name.data(), local_name.size()) ==
                     local_name.size() &&
                 local_name == m.name,
             ValueError)
        << where << ": corrupt ZIP archive: the local header at offset " << m.offset
        << " does not name the member";
    TJ_CHECK(m.compressed <= size - data_offset, ValueError)
        << where << ": corrupt ZIP archive: the member's " << m.compressed
        << " bytes of data at offset " << data_offset << " run past the end of the file (" << size
        << " bytes)";
    if (m.method == kMethodStored)
        TJ_CHECK(m.compressed == m.uncompressed, ValueError)
            << where << ": corrupt ZIP archive: a stored member of " << m.uncompressed
            << " bytes occupies " << m.compressed;
    else
        TJ_CHECK(m.uncompressed / kMaxDeflateRatio <= m.compressed, ValueError)
            << where << ": corrupt ZIP archive: " << m.compressed
            << " bytes of deflate data cannot hold the " << m.uncompressed
            << " bytes the archive declares";

    auto read = [&](MemberSource& source) {
        Array a;
        try {
            a = npy::read_npy(source, where);
        } catch (const ValueError&) {
            // A damaged member looks like a bad header or short data: report the damage instead.
            if (auto why = source.damage()) throw ValueError(*why);
            throw;
        }
        source.finish();
        return a;
    };
    if (m.method == kMethodStored) {
        StoredSource source(file, m, data_offset, where);
        return read(source);
    }
    InflateSource source(file, m, data_offset, where);
    return read(source);
}

} // namespace

void save_npz(const std::filesystem::path& path,
              const std::vector<std::pair<std::string, Array>>& arrays, bool compressed) {
    // The names first: a bad one leaves no file behind.
    std::set<std::string> names;
    for (const auto& [name, array] : arrays) {
        TJ_CHECK(name.size() + 4 <= kMax16, ValueError)
            << path.string() << ": save_npz: an array name of " << name.size()
            << " bytes is too long for ZIP (at most " << kMax16 - 4 << ")";
        TJ_CHECK(names.insert(name).second, ValueError)
            << path.string() << ": save_npz: two arrays named '" << name << "'";
    }
    OutputFile out(path);
    std::vector<Member> members;
    for (const auto& [name, array] : arrays) {
        Member m;
        m.name = name + ".npy";
        // Bit 11: the name is UTF-8 (Python's zipfile sets it for non-ASCII names alike).
        m.flags = ascii(m.name) ? 0 : kFlagUtf8Name;
        m.method = compressed ? kMethodDeflated : kMethodStored;
        m.offset = out.offset();
        // The header's layout is fixed before the data is written: ZIP64 sizes when the
        // image, or its worst-case deflated size, may reach 4 GiB.
        bool fortran = false;
        const std::uint64_t image = npy::header_for(array, &fortran).size() +
                                    static_cast<std::uint64_t>(array.size()) * array.itemsize();
        m.zip64 = image >= kMax32 || (compressed && compressBound(image) >= kMax32);
        const std::string placeholder = local_header(m);
        out.write(placeholder.data(), placeholder.size());
        MemberSink sink(out, compressed);
        npy::write_npy(sink, array);
        sink.finish();
        m.crc = sink.crc();
        m.compressed = sink.compressed();
        m.uncompressed = sink.uncompressed();
        TJ_CHECK(m.zip64 || (m.compressed < kMax32 && m.uncompressed < kMax32), InternalError)
            << "npz member " << m.name << " outgrew its size bound";
        const std::string patched = local_header(m);
        out.write_at(m.offset, patched.data(), patched.size());
        members.push_back(std::move(m));
    }
    const std::uint64_t dir_offset = out.offset();
    for (const Member& m : members) {
        const std::string h = central_header(m);
        out.write(h.data(), h.size());
    }
    const std::uint64_t dir_size = out.offset() - dir_offset;
    const std::string end = end_records(members.size(), dir_offset, dir_size, out.offset());
    out.write(end.data(), end.size());
    out.close();
}

std::map<std::string, Array> load_npz(const std::filesystem::path& path) {
    const InputFile file(path);
    const std::vector<Member> members = read_directory(file);
    // Every name is checked before any data is read.
    std::set<std::string_view> seen;
    for (const Member& m : members) {
        TJ_CHECK(m.name.size() >= 4 && m.name.ends_with(".npy"), ValueError)
            << file.name() << ": member '" << m.name
            << "' is not an .npy file (tensorjit loads archives of arrays only)";
        TJ_CHECK(seen.insert(m.name).second, ValueError)
            << file.name() << ": two members named '" << m.name << "'";
    }
    std::map<std::string, Array> arrays;
    for (const Member& m : members)
        arrays.emplace(m.name.substr(0, m.name.size() - 4),
                       read_member(file, m, file.name() + ": member '" + m.name + "'"));
    return arrays;
}

} // namespace tensorjit
