// KernelMetadata <-> JSON through nlohmann-json. The text may come from a hostile cache entry
// (one with a valid checksum and the right key): every nlohmann exception becomes MetadataError.
#include "compiler/function/kernel_metadata.hpp"

#include <nlohmann/json.hpp>

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

} // namespace

std::string KernelMetadata::to_json() const {
    Json j;
    j["format"] = format;
    j["key"] = key;
    j["function"] = function;
    j["target"] = target;
    j["templates"] = templates;
    Json c = Json::object();
    for (const auto& [name, value] : components) c[name] = value;
    j["components"] = std::move(c);
    j["timings_ms"] = {{"rewrite", timings_ms.rewrite},
                       {"codegen", timings_ms.codegen},
                       {"frontend", timings_ms.frontend},
                       {"optimize", timings_ms.optimize},
                       {"object", timings_ms.object}};
    j["plan"] = plan;
    return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
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
