// KernelMetadata <-> JSON through nlohmann-json. The text may come from a hostile cache entry
// (one with a valid checksum and the right key): every nlohmann exception becomes MetadataError.
#include "compiler/function/kernel_metadata.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>

namespace tensorjit {

namespace {

using Json = nlohmann::ordered_json;

const Json& field(const Json& object, const char* name) {
    const auto it = object.find(name);
    if (it == object.end()) throw MetadataError(std::string("no field \"") + name + "\"");
    return *it;
}

std::string string_field(const Json& object, const char* name) {
    const Json& v = field(object, name);
    if (!v.is_string()) throw MetadataError(std::string("field \"") + name + "\" is not a string");
    return v.get<std::string>();
}

double number_field(const Json& object, const char* name) {
    const Json& v = field(object, name);
    if (!v.is_number()) throw MetadataError(std::string("field \"") + name + "\" is not a number");
    return v.get<double>();
}

// The SAX handler of load_fields(): keeps the top-level "format", "key", "timings_ms" and "plan",
// with the checks from_json() makes of them, and stops the parse (an event that returns false
// stops it) as soon as it has the four. Other values are parsed (nlohmann checks the syntax up to
// there) and dropped.
class LoadFields final : public nlohmann::json_sax<Json> {
  public:
    KernelMetadata m;
    std::string error; ///< why the text does not do, or ""

    bool complete() const { return found_ == kAll; }
    /// The first of the four fields not found.
    const char* missing() const {
        if (!(found_ & kFormatBit)) return "format";
        if (!(found_ & kKeyBit)) return "key";
        if (!(found_ & kTimingsBit)) return "timings_ms";
        return "plan";
    }

    bool null() override { return value(Kind::Other, "null"); }
    bool boolean(bool) override { return value(Kind::Other, "a boolean"); }
    bool number_integer(number_integer_t v) override {
        return value(Kind::Number, std::to_string(v), static_cast<double>(v), v == kFormat);
    }
    bool number_unsigned(number_unsigned_t v) override {
        return value(Kind::Number, std::to_string(v), static_cast<double>(v),
                     v == static_cast<number_unsigned_t>(kFormat));
    }
    bool number_float(number_float_t v, const string_t& text) override {
        return value(Kind::Number, text, v);
    }
    bool string(string_t& v) override { return value(Kind::String, v); }
    bool binary(binary_t&) override { return value(Kind::Other, "binary"); }
    bool start_object(std::size_t) override {
        if (depth_ == 1 && key_ == "timings_ms") {
            timings_ = true;
            std::fill(std::begin(timing_set_), std::end(timing_set_), false);
        } else if (depth_ > 0 && !value(Kind::Other, "an object")) {
            return false;
        }
        ++depth_;
        return true;
    }
    bool end_object() override {
        --depth_;
        if (timings_ && depth_ == 1) {
            timings_ = false;
            for (int i = 0; i < 5; ++i)
                if (!timing_set_[i])
                    return fail("no field \"" + std::string(kTimings[i].name) + "\"");
            found_ |= kTimingsBit;
        }
        return !complete(); // stop once everything is there
    }
    bool start_array(std::size_t) override {
        if (!value(Kind::Other, "an array")) return false;
        ++depth_;
        return true;
    }
    bool end_array() override {
        --depth_;
        return true;
    }
    bool key(string_t& k) override {
        if (depth_ == 1) key_ = k;
        if (depth_ == 2 && timings_) timing_ = k;
        return true;
    }
    bool parse_error(std::size_t, const std::string&,
                     const nlohmann::detail::exception& e) override {
        return fail(e.what());
    }

  private:
    static constexpr int kFormat = KernelMetadata::kFormat;
    enum class Kind { Number, String, Other };
    static constexpr int kFormatBit = 1, kKeyBit = 2, kTimingsBit = 4, kPlanBit = 8, kAll = 15;
    struct Timing {
        const char* name;
        double KernelTimings::*member;
    };
    static constexpr Timing kTimings[5] = {{"rewrite", &KernelTimings::rewrite},
                                           {"codegen", &KernelTimings::codegen},
                                           {"frontend", &KernelTimings::frontend},
                                           {"optimize", &KernelTimings::optimize},
                                           {"object", &KernelTimings::object}};

    bool fail(std::string why) {
        if (error.empty()) error = std::move(why);
        return false;
    }

    // A value, or the start of an object or array, at the current place in the text. `text` is
    // a string's value, a number as written, or what the value is ("an array"); `is_format`
    // whether it is the integer kFormat.
    bool value(Kind kind, const std::string& text, double number = 0, bool is_format = false) {
        if (depth_ == 0) return fail("metadata is not a JSON object");
        if (depth_ == 2 && timings_) {
            for (int i = 0; i < 5; ++i)
                if (timing_ == kTimings[i].name) {
                    if (kind != Kind::Number)
                        return fail("field \"" + timing_ + "\" is not a number");
                    m.timings_ms.*kTimings[i].member = number;
                    timing_set_[i] = true;
                }
            return true;
        }
        if (depth_ != 1) return true; // inside a value load_fields() does not read
        if (key_ == "format") {
            // Shortened: the text comes from the file.
            if (!is_format)
                return fail("metadata format " + text.substr(0, 64) + " is not " +
                            std::to_string(kFormat));
            m.format = kFormat;
            found_ |= kFormatBit;
        } else if (key_ == "key" || key_ == "plan") {
            if (kind != Kind::String) return fail("field \"" + key_ + "\" is not a string");
            (key_ == "key" ? m.key : m.plan) = text;
            found_ |= key_ == "key" ? kKeyBit : kPlanBit;
        } else if (key_ == "timings_ms") {
            return fail("field \"timings_ms\" is not an object");
        } else {
            return true;
        }
        return !complete();
    }

    int depth_ = 0;
    int found_ = 0;
    bool timings_ = false;
    bool timing_set_[5] = {};
    std::string key_, timing_;
};

} // namespace

std::string KernelMetadata::to_json() const {
    Json j;
    // What load_fields() reads first.
    j["format"] = format;
    j["key"] = key;
    j["timings_ms"] = {{"rewrite", timings_ms.rewrite},
                       {"codegen", timings_ms.codegen},
                       {"frontend", timings_ms.frontend},
                       {"optimize", timings_ms.optimize},
                       {"object", timings_ms.object}};
    j["plan"] = plan;
    j["function"] = function;
    j["target"] = target;
    j["templates"] = templates;
    Json c = Json::object();
    for (const auto& [name, value] : components) c[name] = value;
    j["components"] = std::move(c);
    return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

KernelMetadata KernelMetadata::load_fields(std::string_view text) {
    LoadFields fields;
    try {
        Json::sax_parse(text, &fields);
    } catch (const std::exception& e) {
        fields.error = e.what();
    }
    if (!fields.complete() && fields.error.empty())
        fields.error = std::string("no field \"") + fields.missing() + "\"";
    if (!fields.complete()) throw MetadataError("cache metadata: " + fields.error);
    return std::move(fields.m);
}

KernelMetadata KernelMetadata::from_json(std::string_view text) {
    try {
        const Json j = Json::parse(text);
        if (!j.is_object()) throw MetadataError("metadata is not a JSON object");
        KernelMetadata m;
        const Json& format = field(j, "format");
        if (!format.is_number_integer() || format.get<long long>() != kFormat)
            // Shortened: the text comes from the file.
            throw MetadataError("metadata format " + format.dump().substr(0, 64) + " is not " +
                                std::to_string(kFormat));
        m.key = string_field(j, "key");
        m.function = string_field(j, "function");
        m.target = string_field(j, "target");
        m.templates = string_field(j, "templates");
        const Json& c = field(j, "components");
        if (!c.is_object()) throw MetadataError("field \"components\" is not an object");
        for (const auto& [name, value] : c.items()) {
            if (!value.is_string())
                throw MetadataError("component \"" + name.substr(0, 64) + "\" is not a string");
            m.components.emplace_back(name, value.get<std::string>());
        }
        const Json& t = field(j, "timings_ms");
        if (!t.is_object()) throw MetadataError("field \"timings_ms\" is not an object");
        m.timings_ms = {number_field(t, "rewrite"), number_field(t, "codegen"),
                        number_field(t, "frontend"), number_field(t, "optimize"),
                        number_field(t, "object")};
        m.plan = string_field(j, "plan");
        return m;
    } catch (const MetadataError& e) {
        throw MetadataError(std::string("cache metadata: ") + e.what());
    } catch (const Json::exception& e) {
        throw MetadataError(std::string("cache metadata: ") + e.what());
    }
}

} // namespace tensorjit
