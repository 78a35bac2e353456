// The .npy format: the header numpy.save writes (byte for byte as NumPy 1.24 writes it), a strict
// hand-written parser of the header's Python dict literal (nothing is evaluated), the array data,
// and tj::save_npy / tj::load_npy. npz.cpp puts the same images into ZIP members.
#include "runtime/npy_format.hpp"

#include "runtime/binary_file.hpp"

#include <tensorjit/checked.hpp>
#include <tensorjit/error.hpp>
#include <tensorjit/npy.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace tensorjit {
namespace npy {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;
// NumPy starts the data at a multiple of 64 bytes (ARRAY_ALIGN), so that a memory-mapped file
// holds every dtype aligned.
constexpr std::size_t kAlign = 64;
// numpy.save leaves room after the dict for the extent of the growth axis (the first, or the
// last in Fortran order) to reach 21 digits, so that an appending writer can rewrite the header
// in place (GROWTH_AXIS_MAX_DIGITS).
constexpr std::size_t kGrowthAxisDigits = 21;
constexpr bool kLittleEndianHost = std::endian::native == std::endian::little;
// Gathering a strided array and draining a stream go through buffers of this size.
constexpr std::size_t kChunk = std::size_t{1} << 16;

// ---- dtypes -----------------------------------------------------------------------------------

// NumPy's kind character: b(ool), i(nt), u(nsigned), f(loat).
char kind_of(DType t) {
    if (is_bool(t)) return 'b';
    if (is_signed_int(t)) return 'i';
    if (is_unsigned_int(t)) return 'u';
    return 'f';
}

// dtype.str: "<f8", "|u1", "|b1".
std::string descr_of(DType t) {
    const std::size_t size = dtype_size(t);
    // '|' (byte order not applicable) for one-byte types, else the machine's order, as NumPy.
    const char order = size == 1 ? '|' : kLittleEndianHost ? '<' : '>';
    return std::string{order, kind_of(t)} + std::to_string(size);
}

struct Descr {
    DType dtype;
    // The file's byte order is not the machine's.
    bool swap;
};

// The descr strings NumPy writes for tensorjit's dtypes, in any byte order ('=' and '|' mean
// the machine's); nullopt for everything else (float16, complex, strings, objects, datetimes).
std::optional<Descr> parse_descr(std::string_view d) {
    if (d.size() != 3 || d[2] < '1' || d[2] > '8') return std::nullopt;
    bool little = kLittleEndianHost;
    if (d[0] == '<')
        little = true;
    else if (d[0] == '>')
        little = false;
    else if (d[0] != '|' && d[0] != '=')
        return std::nullopt;
    const std::size_t size = static_cast<std::size_t>(d[2] - '0');
    for (int i = 0; i < kNumDTypes; ++i) {
        const auto t = static_cast<DType>(i);
        if (kind_of(t) == d[1] && dtype_size(t) == size)
            return Descr{t, size > 1 && little != kLittleEndianHost};
    }
    return std::nullopt;
}

// ---- writing ----------------------------------------------------------------------------------

bool is_f_contiguous(const Array& a) {
    std::int64_t expected = 1;
    for (int i = 0; i < a.ndim(); ++i) {
        const std::int64_t n = a.shape()[i];
        if (n == 1) continue; // any stride will do
        if (n == 0) return true;
        if (a.strides()[i] != expected) return false;
        expected *= n;
    }
    return true;
}

// Magic, version, header length, the dict, then spaces and a newline up to a multiple of 64.
std::string wrap_header(const std::string& dict) {
    // NumPy picks the oldest version whose length field holds the header: 1.0 has 2 bytes, 2.0
    // has 4 (tensorjit's headers, with at most kMaxNdim extents, always fit in 1.0).
    for (const int major : {1, 2}) {
        const std::size_t length_bytes = major == 1 ? 2 : 4;
        const std::size_t prefix = kMagicLen + 2 + length_bytes;
        const std::size_t with_newline = dict.size() + 1;
        // An already aligned header still gets 64 spaces: NumPy pads this way.
        const std::size_t pad = kAlign - (prefix + with_newline) % kAlign;
        const std::uint64_t length = with_newline + pad;
        if (major == 1 && length > 0xFFFF) continue;
        std::string out(kMagic, kMagicLen);
        out += static_cast<char>(major);
        out += '\0';
        for (std::size_t i = 0; i < length_bytes; ++i)
            out += static_cast<char>((length >> (8 * i)) & 0xFF);
        out += dict;
        out.append(pad, ' ');
        out += '\n';
        return out;
    }
    throw InternalError("npy header of " + std::to_string(dict.size()) + " bytes");
}

// Calls out.write with the elements of a in C order, a buffer at a time.
void write_gathered(Sink& out, const Array& a) {
    visit_dtype(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const std::int64_t n = a.size();
        const int nd = a.ndim();
        const std::size_t cap =
            std::min<std::size_t>(static_cast<std::size_t>(n), kChunk / sizeof(T));
        // Not std::vector: std::vector<bool> packs bits.
        const auto buf = std::make_unique<T[]>(cap);
        const T* base = static_cast<const T*>(a.raw_data());
        std::array<std::int64_t, kMaxNdim> idx{};
        std::int64_t off = 0;
        std::size_t fill = 0;
        for (std::int64_t k = 0; k < n; ++k) {
            buf[fill++] = base[off];
            if (fill == cap) {
                out.write(buf.get(), fill * sizeof(T));
                fill = 0;
            }
            for (int ax = nd - 1; ax >= 0; --ax) {
                if (++idx[ax] < a.shape()[ax]) {
                    off += a.strides()[ax];
                    break;
                }
                off -= a.strides()[ax] * (a.shape()[ax] - 1);
                idx[ax] = 0;
            }
        }
        if (fill) out.write(buf.get(), fill * sizeof(T));
    });
}

// ---- reading ----------------------------------------------------------------------------------

// Reads until n bytes or the end of the source.
std::size_t read_full(Source& in, void* dst, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
        const std::size_t got = in.read(static_cast<char*>(dst) + done, n - done);
        if (got == 0) break;
        done += got;
    }
    return done;
}

struct Header {
    std::string descr;
    bool fortran_order = false;
    std::vector<std::int64_t> shape;
};

// A parser of the header's dict literal: exactly what NumPy writes, with Python's freedom in
// spacing, quotes, key order and trailing commas; no expressions, escapes or other literals.
class HeaderParser {
  public:
    HeaderParser(std::string_view text, const std::string& where, bool python2_longs)
        : s_(text), where_(where), python2_longs_(python2_longs) {}

    Header parse() {
        std::optional<std::string> descr;
        std::optional<bool> fortran;
        std::optional<std::vector<std::int64_t>> shape;
        if (!eat('{')) fail("it is not a Python dict literal");
        while (!eat('}')) {
            const std::string key = parse_string("a key string or '}'");
            expect(':');
            if (key == "descr") {
                if (descr) fail("duplicate key 'descr'");
                skip_space();
                if (peek() == '[' || peek() == '(')
                    fail("structured and sub-array dtypes are not supported");
                descr = parse_string("a dtype string for 'descr'");
            } else if (key == "fortran_order") {
                if (fortran) fail("duplicate key 'fortran_order'");
                fortran = parse_bool();
            } else if (key == "shape") {
                if (shape) fail("duplicate key 'shape'");
                shape = parse_shape();
            } else {
                fail("unknown key '" + key +
                     "' (the keys are exactly 'descr', 'fortran_order' and 'shape')");
            }
            if (eat('}')) break;
            expect(',');
        }
        skip_space();
        if (i_ != s_.size()) fail("unexpected text after the dict");
        if (!descr) fail("missing key 'descr'");
        if (!fortran) fail("missing key 'fortran_order'");
        if (!shape) fail("missing key 'shape'");
        return {*descr, *fortran, *shape};
    }

  private:
    [[noreturn]] void fail(const std::string& what) const {
        // The header as Python's repr would show it, shortened: the text after the dict is only
        // padding.
        std::string shown;
        for (const char c : s_.substr(0, 200)) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '\n')
                shown += "\\n";
            else if (u < 0x20 || u >= 0x7F) {
                static constexpr char kHex[] = "0123456789abcdef";
                shown += "\\x";
                shown += kHex[u >> 4];
                shown += kHex[u & 15];
            } else
                shown += c;
        }
        while (!shown.empty() && shown.back() == ' ') shown.pop_back();
        if (s_.size() > 200) shown += "...";
        throw ValueError(where_ + ": invalid .npy header: " + what + " (at byte " +
                         std::to_string(i_) + " of the header \"" + shown + "\")");
    }

    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void skip_space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' ||
                                  s_[i_] == '\r' || s_[i_] == '\f'))
            ++i_;
    }
    bool eat(char c) {
        skip_space();
        if (peek() != c) return false;
        ++i_;
        return true;
    }
    void expect(char c) {
        if (!eat(c)) fail(std::string("expected '") + c + "'");
    }
    static bool is_name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.';
    }

    std::string parse_string(const char* expected) {
        skip_space();
        const char quote = peek();
        if (quote != '\'' && quote != '"') fail(std::string("expected ") + expected);
        const std::size_t begin = ++i_;
        while (i_ < s_.size() && s_[i_] != quote) {
            // No escapes: NumPy's keys and dtype strings never need them.
            if (s_[i_] == '\\' || s_[i_] == '\n') fail("unsupported character in a string");
            ++i_;
        }
        if (i_ == s_.size()) fail("unterminated string");
        return std::string(s_.substr(begin, i_++ - begin));
    }

    bool parse_bool() {
        skip_space();
        const std::size_t begin = i_;
        while (is_name_char(peek())) ++i_;
        const std::string_view word = s_.substr(begin, i_ - begin);
        if (word == "True") return true;
        if (word == "False") return false;
        i_ = begin;
        fail("fortran_order must be True or False");
    }

    std::vector<std::int64_t> parse_shape() {
        if (!eat('(')) fail("shape must be a tuple of integers");
        std::vector<std::int64_t> dims;
        if (eat(')')) return dims;
        for (;;) {
            dims.push_back(parse_int());
            if (eat(')')) {
                // "(5)" is the integer 5 in Python; the 1-tuple is "(5,)".
                if (dims.size() == 1) fail("shape must be a tuple of integers, got an integer");
                return dims;
            }
            expect(',');
            if (eat(')')) return dims;
        }
    }

    std::int64_t parse_int() {
        skip_space();
        bool negative = false;
        if (peek() == '-' || peek() == '+') {
            negative = peek() == '-';
            ++i_;
            skip_space();
        }
        const std::size_t begin = i_;
        std::int64_t value = 0;
        while (peek() >= '0' && peek() <= '9') {
            if (!checked::mul(value, 10, &value) || !checked::add(value, peek() - '0', &value))
                fail("a shape extent does not fit in a 64-bit integer");
            ++i_;
        }
        if (i_ == begin) fail("shape must be a tuple of integers");
        if (s_[begin] == '0' && i_ - begin > 1) fail("an integer with leading zeros");
        // Python 2 wrote long integers as "5L"; NumPy drops the suffix in version 1.0 and 2.0
        // headers.
        if (python2_longs_ && peek() == 'L') ++i_;
        if (is_name_char(peek())) fail("shape must be a tuple of integers");
        return negative ? -value : value;
    }

    std::string_view s_;
    const std::string& where_;
    bool python2_longs_;
    std::size_t i_ = 0;
};

void byte_swap(void* data, std::size_t count, std::size_t size) {
    auto* p = static_cast<unsigned char*>(data);
    for (std::size_t i = 0; i < count; ++i, p += size) std::reverse(p, p + size);
}

} // namespace

std::string header_for(const Array& array, bool* fortran_order) {
    // NumPy: C order whenever the array is C-contiguous (a 1-d or an empty array is, whatever
    // its strides); Fortran order for an F-contiguous array; a non-contiguous array is written in
    // C order.
    const bool fortran = array.size() != 0 && !array.is_c_contiguous() && is_f_contiguous(array);
    if (fortran_order) *fortran_order = fortran;
    // The keys sorted, each followed by ", ", as numpy.lib.format writes the dict.
    std::string dict = "{'descr': '" + descr_of(array.dtype()) +
                       "', 'fortran_order': " + (fortran ? "True" : "False") +
                       ", 'shape': " + shape_str(array.shape()) + ", }";
    if (array.ndim() > 0) {
        const std::int64_t growth = array.shape()[fortran ? array.ndim() - 1 : 0];
        dict.append(kGrowthAxisDigits - std::to_string(growth).size(), ' ');
    }
    return wrap_header(dict);
}

void write_npy(Sink& out, const Array& array) {
    bool fortran = false;
    const std::string header = header_for(array, &fortran);
    out.write(header.data(), header.size());
    if (array.size() == 0) return;
    if (fortran || array.is_c_contiguous()) {
        // The buffer holds the elements in the order the header records.
        out.write(array.raw_data(), static_cast<std::size_t>(array.size()) * array.itemsize());
        return;
    }
    write_gathered(out, array);
}

Array read_npy(Source& in, const std::string& where) {
    unsigned char lead[kMagicLen + 2];
    const std::size_t got = read_full(in, lead, sizeof lead);
    TJ_CHECK(got > 0, ValueError) << where << ": not an .npy file: the file is empty";
    TJ_CHECK(std::memcmp(lead, kMagic, std::min(got, kMagicLen)) == 0, ValueError)
        << where << ": not an .npy file: bad magic string (an .npy file starts with \\x93NUMPY)";
    TJ_CHECK(got == sizeof lead, ValueError)
        << where << ": truncated .npy file: it ends inside the magic string and version";
    const int major = lead[kMagicLen], minor = lead[kMagicLen + 1];
    TJ_CHECK(major >= 1 && major <= 3 && minor == 0, ValueError)
        << where << ": unsupported .npy format version " << major << "." << minor
        << " (tensorjit reads versions 1.0, 2.0 and 3.0)";

    unsigned char length_field[4] = {};
    const std::size_t length_bytes = major == 1 ? 2 : 4;
    TJ_CHECK(read_full(in, length_field, length_bytes) == length_bytes, ValueError)
        << where << ": truncated .npy file: it ends inside the header length";
    std::uint64_t length = 0;
    for (std::size_t i = 0; i < length_bytes; ++i)
        length |= static_cast<std::uint64_t>(length_field[i]) << (8 * i);
    TJ_CHECK(length <= in.remaining(), ValueError)
        << where << ": truncated .npy header: the header length is " << length << " bytes, only "
        << in.remaining() << " follow";
    std::string text(static_cast<std::size_t>(length), '\0');
    const std::size_t text_got = read_full(in, text.data(), text.size());
    TJ_CHECK(text_got == text.size(), ValueError)
        << where << ": truncated .npy header: the header length is " << length
        << " bytes, the data ends after " << text_got;

    const Header h = HeaderParser(text, where, major <= 2).parse();
    const auto descr = parse_descr(h.descr);
    TJ_CHECK(descr, ValueError)
        << where << ": unsupported dtype '" << h.descr
        << "' (tensorjit loads bool, int8..int64, uint8..uint64, float32 and float64)";
    TJ_CHECK(static_cast<int>(h.shape.size()) <= kMaxNdim, ValueError)
        << where << ": the array has rank " << h.shape.size() << ", tensorjit's maximum is "
        << kMaxNdim;
    const Dims shape(h.shape);
    const std::int64_t itemsize = static_cast<std::int64_t>(dtype_size(descr->dtype));
    std::int64_t count = 0;
    const auto fit = checked::shape_fit(shape.data(), shape.size(), itemsize, &count);
    TJ_CHECK(fit != checked::ShapeFit::kNegative, ValueError)
        << where << ": negative dimension in shape " << shape_str(shape);
    TJ_CHECK(fit == checked::ShapeFit::kOk, ValueError)
        << where << ": shape " << shape_str(shape) << " of dtype '" << h.descr
        << "' is too big: its size in bytes overflows a 64-bit integer";
    // Checked before allocating: a corrupt header must not reserve memory the file cannot fill.
    const auto nbytes = static_cast<std::uint64_t>(count) * static_cast<std::uint64_t>(itemsize);
    TJ_CHECK(nbytes <= in.remaining(), ValueError)
        << where << ": truncated .npy data: shape " << shape_str(shape) << " of dtype '" << h.descr
        << "' needs " << nbytes << " bytes, only " << in.remaining() << " follow the header";

    // Fortran order: the data is the C-order array of the reversed shape, transposed (a view
    // with Fortran strides, as numpy.load returns).
    Dims stored = shape;
    if (h.fortran_order) std::reverse(stored.begin(), stored.end());
    Array a;
    try {
        a = Array::empty(descr->dtype, stored);
    } catch (const ValueError& e) {
        TJ_THROW(ValueError) << where << ": " << e.what();
    }
    const std::size_t data_got = read_full(in, a.raw_data(), static_cast<std::size_t>(nbytes));
    TJ_CHECK(data_got == nbytes, ValueError)
        << where << ": truncated .npy data: shape " << shape_str(shape) << " of dtype '" << h.descr
        << "' needs " << nbytes << " bytes, the data ends after " << data_got;
    if (descr->swap) byte_swap(a.raw_data(), static_cast<std::size_t>(count), itemsize);
    if (descr->dtype == DType::Bool) {
        // A C++ bool must hold 0 or 1; NumPy treats any non-zero byte as True.
        auto* p = static_cast<unsigned char*>(a.raw_data());
        for (std::int64_t i = 0; i < count; ++i) p[i] = p[i] != 0;
    }
    return h.fortran_order ? a.transpose() : a;
}

std::size_t FileRangeSource::read(void* dst, std::size_t n) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n, end_ - pos_));
    const std::size_t got = file_.read_at(pos_, dst, want);
    pos_ += got;
    return got;
}

} // namespace npy

namespace {

class FileSink final : public npy::Sink {
  public:
    explicit FileSink(OutputFile& file) : file_(file) {}
    void write(const void* data, std::size_t n) override { file_.write(data, n); }

  private:
    OutputFile& file_;
};

} // namespace

void save_npy(const std::filesystem::path& path, const Array& array) {
    OutputFile file(path);
    FileSink sink(file);
    npy::write_npy(sink, array);
    file.close();
}

Array load_npy(const std::filesystem::path& path) {
    const InputFile file(path);
    npy::FileRangeSource source(file, 0, file.size());
    return npy::read_npy(source, file.name());
}

} // namespace tensorjit
