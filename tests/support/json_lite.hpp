/// \file
/// A small header-only JSON reader for test data (golden files): objects, arrays, strings, numbers,
/// true/false/null. Numbers keep their source text, so 64-bit integers and hex-float strings lose
/// nothing; objects keep their key order. Errors throw std::runtime_error with the byte offset.
#pragma once

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace json_lite {

/// One JSON value.
class Value {
  public:
    enum class Kind { Null, Bool, Number, String, Array, Object };

    Kind kind() const { return kind_; }
    bool is_null() const { return kind_ == Kind::Null; }
    bool is_number() const { return kind_ == Kind::Number; }
    bool is_string() const { return kind_ == Kind::String; }
    bool is_array() const { return kind_ == Kind::Array; }
    bool is_object() const { return kind_ == Kind::Object; }

    bool as_bool() const {
        expect(Kind::Bool, "a boolean");
        return bool_;
    }
    /// The number (or a numeric string, e.g. a hex float "0x1.8p+1") read by std::strtod.
    double as_double() const {
        const std::string& t = number_or_string("a number");
        char* end = nullptr;
        double v = std::strtod(t.c_str(), &end);
        if (end != t.c_str() + t.size()) fail("not a floating-point number: " + t);
        return v;
    }
    /// An integer number, or a string of decimal digits, as int64 (range-checked).
    std::int64_t as_int64() const {
        const std::string& t = number_or_string("an integer");
        errno = 0;
        char* end = nullptr;
        long long v = std::strtoll(t.c_str(), &end, 10);
        if (errno || end != t.c_str() + t.size()) fail("not an int64: " + t);
        return v;
    }
    /// A non-negative integer number, or a string of decimal digits, as uint64 (range-checked).
    std::uint64_t as_uint64() const {
        const std::string& t = number_or_string("an integer");
        errno = 0;
        char* end = nullptr;
        if (t.empty() || t[0] == '-') fail("not a uint64: " + t);
        unsigned long long v = std::strtoull(t.c_str(), &end, 10);
        if (errno || end != t.c_str() + t.size()) fail("not a uint64: " + t);
        return v;
    }
    /// The source text of a number, or the value of a string.
    const std::string& text() const { return number_or_string("a number or a string"); }
    const std::string& as_string() const {
        expect(Kind::String, "a string");
        return text_;
    }
    const std::vector<Value>& as_array() const {
        expect(Kind::Array, "an array");
        return items_;
    }
    /// Keys of an object, in file order (values() gives the values in the same order).
    const std::vector<std::string>& keys() const {
        expect(Kind::Object, "an object");
        return keys_;
    }
    const std::vector<Value>& values() const {
        expect(Kind::Object, "an object");
        return items_;
    }
    /// Number of elements of an array or members of an object.
    std::size_t size() const {
        if (kind_ != Kind::Array && kind_ != Kind::Object) fail("size of a scalar");
        return items_.size();
    }
    bool contains(std::string_view key) const {
        expect(Kind::Object, "an object");
        for (const auto& k : keys_)
            if (k == key) return true;
        return false;
    }
    /// The member `key` of an object; throws when missing.
    const Value& operator[](std::string_view key) const {
        expect(Kind::Object, "an object");
        for (std::size_t i = 0; i < keys_.size(); ++i)
            if (keys_[i] == key) return items_[i];
        fail("no member \"" + std::string(key) + "\"");
    }
    const Value& operator[](std::size_t i) const {
        expect(Kind::Array, "an array");
        if (i >= items_.size()) fail("index " + std::to_string(i) + " out of range");
        return items_[i];
    }

  private:
    friend class Parser;
    [[noreturn]] static void fail(const std::string& what) {
        throw std::runtime_error("json_lite: " + what);
    }
    void expect(Kind k, const char* what) const {
        if (kind_ != k) fail(std::string("value is not ") + what);
    }
    const std::string& number_or_string(const char* what) const {
        if (kind_ != Kind::Number && kind_ != Kind::String)
            fail(std::string("value is not ") + what);
        return text_;
    }

    Kind kind_ = Kind::Null;
    bool bool_ = false;
    std::string text_;              // number source text or string value
    std::vector<std::string> keys_; // object keys
    std::vector<Value> items_;      // array elements or object values
};

/// Recursive-descent parser over a string (use parse() / parse_file()).
class Parser {
  public:
    explicit Parser(std::string_view text) : s_(text) {}

    Value parse_document() {
        Value v = parse_value(0);
        skip_ws();
        if (pos_ != s_.size()) error("trailing characters");
        return v;
    }

  private:
    [[noreturn]] void error(const std::string& what) const {
        throw std::runtime_error("json_lite: " + what + " at byte " + std::to_string(pos_));
    }
    void skip_ws() {
        while (pos_ < s_.size() &&
               (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
            ++pos_;
    }
    char peek() {
        skip_ws();
        if (pos_ >= s_.size()) error("unexpected end of input");
        return s_[pos_];
    }
    void expect_char(char c) {
        if (peek() != c) error(std::string("expected '") + c + "'");
        ++pos_;
    }
    void expect_word(std::string_view w) {
        if (s_.substr(pos_, w.size()) != w) error("expected " + std::string(w));
        pos_ += w.size();
    }

    Value parse_value(int depth) {
        // Deep nesting would overflow the stack before it is useful in test data.
        if (depth > 256) error("nesting too deep");
        Value v;
        char c = peek();
        if (c == '{') {
            v.kind_ = Value::Kind::Object;
            ++pos_;
            if (peek() == '}') {
                ++pos_;
                return v;
            }
            for (;;) {
                if (peek() != '"') error("expected a string key");
                v.keys_.push_back(parse_string());
                expect_char(':');
                v.items_.push_back(parse_value(depth + 1));
                if (peek() == ',') {
                    ++pos_;
                    continue;
                }
                expect_char('}');
                return v;
            }
        }
        if (c == '[') {
            v.kind_ = Value::Kind::Array;
            ++pos_;
            if (peek() == ']') {
                ++pos_;
                return v;
            }
            for (;;) {
                v.items_.push_back(parse_value(depth + 1));
                if (peek() == ',') {
                    ++pos_;
                    continue;
                }
                expect_char(']');
                return v;
            }
        }
        if (c == '"') {
            v.kind_ = Value::Kind::String;
            v.text_ = parse_string();
            return v;
        }
        if (c == 't') {
            expect_word("true");
            v.kind_ = Value::Kind::Bool;
            v.bool_ = true;
            return v;
        }
        if (c == 'f') {
            expect_word("false");
            v.kind_ = Value::Kind::Bool;
            return v;
        }
        if (c == 'n') {
            expect_word("null");
            return v;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            std::size_t start = pos_;
            while (pos_ < s_.size() &&
                   (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '-' ||
                    s_[pos_] == '+' || s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E'))
                ++pos_;
            v.kind_ = Value::Kind::Number;
            v.text_ = std::string(s_.substr(start, pos_ - start));
            return v;
        }
        error(std::string("unexpected character '") + c + "'");
    }

    unsigned parse_hex4() {
        if (pos_ + 4 > s_.size()) error("truncated \\u escape");
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            char h = s_[pos_++];
            v <<= 4;
            if (h >= '0' && h <= '9')
                v |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f')
                v |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
                v |= static_cast<unsigned>(h - 'A' + 10);
            else
                error("bad \\u escape");
        }
        return v;
    }

    static void append_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }

    std::string parse_string() {
        expect_char('"');
        std::string out;
        for (;;) {
            if (pos_ >= s_.size()) error("unterminated string");
            char c = s_[pos_++];
            if (c == '"') return out;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size()) error("unterminated escape");
            char e = s_[pos_++];
            switch (e) {
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case '/':
                out += '/';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                unsigned cp = parse_hex4();
                // A surrogate pair encodes one code point above U+FFFF.
                if (cp >= 0xd800 && cp < 0xdc00 && s_.substr(pos_, 2) == "\\u") {
                    pos_ += 2;
                    unsigned lo = parse_hex4();
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }
                append_utf8(out, cp);
                break;
            }
            default:
                error(std::string("bad escape \\") + e);
            }
        }
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

/// Parses a JSON document.
inline Value parse(std::string_view text) { return Parser(text).parse_document(); }

/// Reads and parses a JSON file; throws std::runtime_error naming the path when unreadable.
inline Value parse_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("json_lite: cannot open " + path.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse(ss.str());
}

} // namespace json_lite
