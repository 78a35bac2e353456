// scan_group: the Scan nodes one loop computes. A scan has one node per result (Attrs::ints
// {k, keep}); the nodes with the same body and the same inputs are one loop, run at the first of
// their steps (storage_plan and emit_scan agree on it through this function).
#include "compiler/codegen/schedule.hpp"

namespace tensorjit::codegen {

std::vector<const Node*> scan_group(const Schedule& s, const Node* n) {
    std::vector<const Node*> group;
    for (const Step& st : s.steps) {
        const Node* m = st.node;
        if (st.loop >= 0 || m->op != OpKind::Scan) continue;
        if (m == n || (m->attrs.body == n->attrs.body && m->inputs == n->inputs))
            group.push_back(m);
    }
    return group;
}

} // namespace tensorjit::codegen
