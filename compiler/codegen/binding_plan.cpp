// Text form of the binding plan: one record per line, fields separated by spaces, node names last
// on their line (they may contain spaces).
#include "compiler/codegen/binding_plan.hpp"

#include <tensorjit/error.hpp>

#include <cstdlib>
#include <sstream>

namespace tensorjit::codegen {

std::string BindingPlan::serialize() const {
    std::ostringstream os;
    os << "tjplan 1\n";
    os << "symbol " << symbol << "\n";
    for (const auto& s : slots)
        os << "slot " << static_cast<int>(s.kind) << " " << s.index << " "
           << static_cast<int>(s.dtype) << " " << s.ndim << "\n";
    for (int o : output_slots) os << "output " << o << "\n";
    for (const auto& [sh, slot] : updates) os << "update " << sh << " " << slot << "\n";
    for (const auto& n : node_names) {
        std::string one_line = n;
        for (char& c : one_line)
            if (c == '\n') c = ' ';
        os << "node " << one_line << "\n";
    }
    for (const auto& n : profile_steps) {
        std::string one_line = n;
        for (char& c : one_line)
            if (c == '\n') c = ' ';
        os << "step " << one_line << "\n";
    }
    return os.str();
}

BindingPlan BindingPlan::parse(const std::string& text) {
    BindingPlan p;
    std::istringstream is(text);
    std::string line;
    TJ_INTERNAL_CHECK(std::getline(is, line) && line == "tjplan 1") << "binding plan: bad header";
    while (std::getline(is, line)) {
        std::istringstream ls(line);
        std::string tag;
        ls >> tag;
        if (tag == "symbol") {
            ls >> p.symbol;
        } else if (tag == "slot") {
            int kind, index, dtype, ndim;
            ls >> kind >> index >> dtype >> ndim;
            TJ_INTERNAL_CHECK(ls && kind >= 0 && kind <= 4 && dtype >= 0 && dtype < kNumDTypes)
                << "binding plan: bad slot line '" << line << "'";
            p.slots.push_back(
                {static_cast<SlotPlan::Kind>(kind), index, static_cast<DType>(dtype), ndim});
        } else if (tag == "output") {
            int s;
            ls >> s;
            p.output_slots.push_back(s);
        } else if (tag == "update") {
            int sh, s;
            ls >> sh >> s;
            p.updates.push_back({sh, s});
        } else if (tag == "node") {
            p.node_names.push_back(line.size() > 5 ? line.substr(5) : "");
        } else if (tag == "step") {
            p.profile_steps.push_back(line.size() > 5 ? line.substr(5) : "");
        } else {
            TJ_THROW(InternalError) << "binding plan: unknown line '" << line << "'";
        }
        TJ_INTERNAL_CHECK(!ls.fail()) << "binding plan: bad line '" << line << "'";
    }
    auto check_slot = [&](int s) {
        TJ_INTERNAL_CHECK(s >= 0 && s < static_cast<int>(p.slots.size()))
            << "binding plan: slot " << s << " out of range";
    };
    for (int s : p.output_slots) check_slot(s);
    for (const auto& u : p.updates) check_slot(u.second);
    TJ_INTERNAL_CHECK(!p.symbol.empty()) << "binding plan: no symbol";
    return p;
}

std::string resolve_node_name(const std::string& name, const std::vector<std::string>& input_names,
                              const std::vector<std::string>& shared_names) {
    std::string out;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '{' && i + 2 < name.size() && (name[i + 1] == 'i' || name[i + 1] == 's')) {
            std::size_t end = name.find('}', i);
            if (end != std::string::npos) {
                const auto& names = name[i + 1] == 'i' ? input_names : shared_names;
                std::size_t k = std::strtoul(name.c_str() + i + 2, nullptr, 10);
                out += k < names.size() ? names[k] : "?";
                i = end;
                continue;
            }
        }
        out += name[i];
    }
    return out;
}

} // namespace tensorjit::codegen
