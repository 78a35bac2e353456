// ScanBody: the positions of its placeholders and its digest.
#include "compiler/graph/scan_body.hpp"

#include "runtime/hash.hpp"

#include <algorithm>
#include <sstream>
#include <unordered_map>

namespace tensorjit {

int ScanBody::depth(int k) const {
    int d = 0;
    for (int t : state_taps[static_cast<std::size_t>(k)]) d = std::max(d, -t);
    return d;
}

int ScanBody::seq_input(int i) const {
    int p = 0;
    for (int j = 0; j < i; ++j) p += static_cast<int>(seq_taps[static_cast<std::size_t>(j)].size());
    return p;
}

int ScanBody::state_input(int k) const {
    int p = seq_input(n_seqs());
    for (int j = 0; j < k; ++j)
        p += static_cast<int>(state_taps[static_cast<std::size_t>(j)].size());
    return p;
}

int ScanBody::nonseq_input() const { return state_input(n_states()); }

void ScanBody::seal() {
    std::ostringstream os;
    os << "scan body: sequences";
    for (const auto& taps : seq_taps) {
        os << " [";
        for (int t : taps) os << t << ";";
        os << "]";
    }
    os << " states";
    for (const auto& taps : state_taps) {
        os << " [";
        for (int t : taps) os << t << ";";
        os << "]";
    }
    os << " nonseq " << n_nonseq << " visible " << n_visible << " backwards " << go_backwards
       << " until " << has_until << "\n";
    std::unordered_map<const Node*, std::string> ref;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        ref[inputs[i].get()] = "p" + std::to_string(i);
        os << "p" << i << " " << inputs[i]->type.str() << "\n";
    }
    std::size_t next = 0;
    for (const Node* n : topo_order(outputs)) {
        if (ref.count(n)) continue;
        const std::string name = "n" + std::to_string(next++);
        if (n->op == OpKind::Constant) {
            const Array& v = *n->value;
            std::string bytes(static_cast<const char*>(v.raw_data()),
                              static_cast<std::size_t>(v.size()) * v.itemsize());
            os << name << " = constant " << n->type.str() << " " << sha256_hex(bytes) << "\n";
        } else {
            // Leaves other than placeholders and constants were made placeholders by the builder.
            os << name << " = " << op_name(n->op) << "{" << n->attrs.canonical() << "} "
               << n->type.str() << " (";
            for (std::size_t i = 0; i < n->inputs.size(); ++i)
                os << (i ? ", " : "") << ref.at(n->inputs[i].get());
            os << ")\n";
        }
        ref[n] = name;
    }
    for (const auto& o : outputs) os << "output " << ref.at(o.get()) << "\n";
    digest = sha256_hex(os.str());
}

} // namespace tensorjit
