// Scan rewrites. save_mem (PyTensor's scan_save_mem): a stacked scan result indexed at [-1]
// becomes the scan's last-step result. The loop computes every result of a scan at once, so this
// costs nothing; once no user needs the stacked rows, the state keeps a ring of depth + 1 rows
// instead of one row per step.
#include "compiler/graph/scan_body.hpp"
#include "compiler/rewrite/local_rewrite.hpp"

namespace tensorjit {

namespace {

// True for basic index attributes that are exactly the integer -1 on axis 0
// (compiler/ops/indexing_util.hpp: {kind 0 = integer, tag 1 = constant, v, unused...}).
bool is_last_index(const Node& n) {
    const auto& a = n.attrs.ints;
    return n.inputs.size() == 1 && a.size() == 7 && a[0] == 0 && a[1] == 1 && a[2] == -1;
}

} // namespace

TJ_REGISTER_REWRITE(canonicalize, local_scan_save_mem, OpKind::Subtensor) {
    if (!is_last_index(*n)) return nullptr;
    const Node& x = *n->inputs[0];
    if (x.op != OpKind::Scan || x.attrs.ints[kScanKeepLast] != 0) return nullptr;
    Attrs a = x.attrs;
    a.ints[kScanKeepLast] = 1;
    return make_node(OpKind::Scan, x.inputs, a);
}

} // namespace tensorjit
