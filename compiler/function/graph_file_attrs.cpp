// Checks of the attributes of every op, and of the inputs the attributes describe: type rules,
// references, rewrites and the kernel emitters take attributes on trust (the public builders
// make them), so a graph file is checked here before its nodes are typed. What passes has the
// form a builder makes: indices in range, counts that match, ranks within kMaxNdim, extents
// that are not negative, enumerations within their values, dtypes the emitted code reads.
#include "compiler/function/graph_file_format.hpp"
#include "compiler/ops/indexing_util.hpp"
#include "compiler/ops/op_def.hpp"
#include "compiler/ops/random_util.hpp"

#include <tensorjit/checked.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>

namespace tensorjit::graph_file {

namespace {

using Problem = std::optional<std::string>;

std::string str(std::int64_t v) { return std::to_string(v); }
std::string dt(DType t) { return std::string(dtype_name(t)); }

// The ops whose attrs.dtype means something; every other op has the default (float64).
bool uses_dtype(OpKind op) {
    return op == OpKind::Cast || op == OpKind::Arange || op == OpKind::Eye ||
           op == OpKind::RandomDraw || op == OpKind::RandomNextState || op == OpKind::Scan;
}

Problem input_count(std::span<const NodePtr> in, std::size_t lo, std::size_t hi) {
    if (in.size() >= lo && in.size() <= hi) return std::nullopt;
    return "takes " + str(static_cast<std::int64_t>(lo)) +
           (hi == lo         ? ""
            : hi == SIZE_MAX ? " or more"
                             : " or " + str(static_cast<std::int64_t>(hi))) +
           " inputs, the file gives " + str(static_cast<std::int64_t>(in.size()));
}

Problem ints_count(const Attrs& a, std::size_t n, const char* layout) {
    if (a.ints.size() == n) return std::nullopt;
    return "attrs.ints has " + str(static_cast<std::int64_t>(a.ints.size())) +
           " entries, the op takes " + layout;
}

// An int64 scalar (the kernels read it as long long).
bool int64_scalar(const NodePtr& n) { return n->type.dtype == DType::Int64 && n->type.ndim() == 0; }

// A symbolic shape: an int64 vector whose static length is the number of target axes.
Problem shape_input(const NodePtr& n, std::size_t axes) {
    const TensorType& t = n->type;
    if (t.dtype == DType::Int64 && t.ndim() == 1 && t.shape[0] == static_cast<std::int64_t>(axes))
        return std::nullopt;
    return "the shape input must be an int64 vector of static length " +
           str(static_cast<std::int64_t>(axes)) + " (one per entry of attrs.ints), got " + t.str();
}

// Hints of a symbolic shape: a known extent, or -1.
Problem hints(const Attrs& a) {
    for (const auto v : a.ints)
        if (v < -1) return "shape hint " + str(v) + " is neither an extent nor -1 (unknown)";
    return std::nullopt;
}

Problem rank_limit(std::size_t rank, const char* what) {
    if (rank <= static_cast<std::size_t>(kMaxNdim)) return std::nullopt;
    return std::string(what) + " would have rank " + str(static_cast<std::int64_t>(rank)) +
           ", more than " + str(kMaxNdim);
}

// Strictly increasing axes in [0, ndim) from ints[first] on.
Problem axes_problem(const Attrs& a, std::size_t first, int ndim) {
    for (std::size_t k = first; k < a.ints.size(); ++k) {
        const std::int64_t d = a.ints[k];
        if (d < 0 || d >= ndim) return "axis " + str(d) + " is out of bounds for rank " + str(ndim);
        if (k > first && d <= a.ints[k - 1])
            return "axes must be distinct and increasing (" + str(a.ints[k - 1]) + ", then " +
                   str(d) + ")";
    }
    return std::nullopt;
}

// Distinct axes in [0, ndim), in any order.
Problem distinct_axes_problem(const std::vector<std::int64_t>& axes, int ndim) {
    std::vector<bool> seen(static_cast<std::size_t>(std::max(ndim, 0)), false);
    for (const std::int64_t d : axes) {
        if (d < 0 || d >= ndim) return "axis " + str(d) + " is out of bounds for rank " + str(ndim);
        if (seen[static_cast<std::size_t>(d)]) return "axis " + str(d) + " is repeated";
        seen[static_cast<std::size_t>(d)] = true;
    }
    return std::nullopt;
}

// A diagonal offset, an `int` in the public functions (diag, trace, eye): larger ones would
// overflow the extent arithmetic of the references and kernels.
Problem diagonal_offset(std::int64_t k) {
    if (k >= std::numeric_limits<int>::min() && k <= std::numeric_limits<int>::max())
        return std::nullopt;
    return "diagonal offset " + str(k) + " is outside the range of an int";
}

// ---- reshape, alloc, broadcast_to ------------------------------------------------------------

// One input: targets (>= 0, one -1 inferred, -(2 + k) = the input's extent k). Two: hints.
Problem reshape_problem(std::span<const NodePtr> in, const Attrs& a) {
    if (auto p = input_count(in, 1, 2)) return p;
    if (auto p = rank_limit(a.ints.size(), "the result")) return p;
    if (in.size() == 2) {
        if (auto p = shape_input(in[1], a.ints.size())) return p;
        return hints(a);
    }
    const int nd = in[0]->type.ndim();
    int inferred = 0;
    for (const auto v : a.ints) {
        if (v == -1 && ++inferred > 1) return std::string("more than one -1 in the target shape");
        // -(v + 2) cannot overflow for v <= -2.
        if (v <= -2 && -(v + 2) >= nd)
            return "target " + str(v) + " names axis " + str(-(v + 2)) + " of a rank-" + str(nd) +
                   " input";
    }
    return std::nullopt;
}

// One input: the static target shape. Two: hints, with the shape as input 1.
Problem alloc_problem(std::span<const NodePtr> in, const Attrs& a) {
    if (auto p = input_count(in, 1, 2)) return p;
    if (auto p = rank_limit(a.ints.size(), "the result")) return p;
    if (in.size() == 2) {
        if (auto p = shape_input(in[1], a.ints.size())) return p;
        return hints(a);
    }
    for (const auto v : a.ints)
        if (v < 0) return "negative extent " + str(v) + " in the target shape";
    return std::nullopt;
}

// ---- indexing (compiler/ops/indexing_util.hpp) ------------------------------------------------

// Basic index attributes over input 0 with symbolic bounds from input `base` on: groups of
// {kind, tag, v, tag, v, tag, v} as Var::index writes them, and split's trailing check.
Problem basic_index_problem(std::span<const NodePtr> in, const Attrs& a, std::size_t base) {
    using index_detail::kEntry;
    using index_detail::kSplitCheck;
    if (auto p = input_count(in, base, SIZE_MAX)) return p;
    const std::size_t scalars = in.size() - base;
    for (std::size_t k = base; k < in.size(); ++k)
        if (!int64_scalar(in[k]))
            return "symbolic bound " + str(static_cast<std::int64_t>(k - base)) + " (input " +
                   str(static_cast<std::int64_t>(k)) + ") must be an int64 scalar, got " +
                   in[k]->type.str();
    const int nd = in[0]->type.ndim();
    const std::size_t groups = a.ints.size() / kEntry, rest = a.ints.size() % kEntry;
    if (rest != 0 && rest != 3)
        return "attrs.ints has " + str(static_cast<std::int64_t>(a.ints.size())) +
               " entries: not groups of " + str(kEntry) + " (and a split check of 3)";
    if (groups > static_cast<std::size_t>(nd))
        return "indexes " + str(static_cast<std::int64_t>(groups)) + " axes of a rank-" + str(nd) +
               " input";
    std::vector<bool> used(scalars, false);
    for (std::size_t g = 0; g < groups; ++g) {
        const std::int64_t* e = a.ints.data() + g * kEntry;
        const std::string where = "index " + str(static_cast<std::int64_t>(g)) + ": ";
        if (e[0] != 0 && e[0] != 1)
            return where + "kind " + str(e[0]) + " is neither 0 (an integer) nor 1 (a slice)";
        for (int b = 0; b < 3; ++b) {
            const std::int64_t tag = e[1 + 2 * b], v = e[2 + 2 * b];
            if (tag < 0 || tag > 2) return where + "bound tag " + str(tag) + " is not 0, 1 or 2";
            if (tag == 0 && v != 0) return where + "an absent bound has value " + str(v);
            if (tag == 2) {
                if (v < 0 || v >= static_cast<std::int64_t>(scalars))
                    return where + "symbolic bound " + str(v) + " does not exist (the node has " +
                           str(static_cast<std::int64_t>(scalars)) + ")";
                used[static_cast<std::size_t>(v)] = true;
            }
        }
        if (e[0] == 0) {
            // An integer: its value, no stop, step 1.
            if (e[1] == 0 || e[3] != 0 || e[5] != 1 || e[6] != 1)
                return where + "an integer index must be {0, tag, v, 0, 0, 1, 1}";
        } else if (e[5] != 1 || e[6] == 0) {
            return where + "a slice step must be a nonzero constant";
        }
    }
    for (std::size_t k = 0; k < scalars; ++k)
        if (!used[k]) return "symbolic bound " + str(static_cast<std::int64_t>(k)) + " is not used";
    if (rest == 3) {
        const std::int64_t* s = a.ints.data() + groups * kEntry;
        if (s[0] != kSplitCheck)
            return "the trailing group starts with " + str(s[0]) + ", not " + str(kSplitCheck) +
                   " (split check)";
        if (s[1] < 0 || s[1] >= nd)
            return "split check: axis " + str(s[1]) + " is out of bounds for rank " + str(nd);
        if (s[2] < 0) return "split check: negative extent " + str(s[2]);
    }
    return std::nullopt;
}

// {axis} of x, and the int64 index tensor (rank >= 1) at input `idx`.
Problem advanced_index_problem(std::span<const NodePtr> in, const Attrs& a, std::size_t idx) {
    if (auto p = ints_count(a, 1, "{axis}")) return p;
    const int nx = in[0]->type.ndim();
    const TensorType& it = in[idx]->type;
    if (a.ints[0] < 0 || a.ints[0] >= nx)
        return "axis " + str(a.ints[0]) + " is out of bounds for rank " + str(nx);
    if (it.dtype != DType::Int64 || it.ndim() < 1)
        return "the index must be an int64 tensor of rank 1 or more, got " + it.str();
    return rank_limit(static_cast<std::size_t>(nx - 1 + it.ndim()), "the indexed region");
}

// ---- linear algebra ----------------------------------------------------------------------------

// {n, axes of a (n), axes of b (n)}: distinct, in range, pairwise contracted.
Problem tensordot_problem(std::span<const NodePtr> in, const Attrs& a) {
    const int ra = in[0]->type.ndim(), rb = in[1]->type.ndim();
    if (a.ints.empty()) return std::string("attrs.ints is empty (needs n, axes of a, axes of b)");
    const std::int64_t n = a.ints[0];
    if (n < 0 || n > std::min(ra, rb))
        return "contracts " + str(n) + " axes of inputs of ranks " + str(ra) + " and " + str(rb);
    if (a.ints.size() != static_cast<std::size_t>(1 + 2 * n))
        return "attrs.ints has " + str(static_cast<std::int64_t>(a.ints.size())) + " entries for " +
               str(n) + " contracted axes (needs " + str(1 + 2 * n) + ")";
    const std::vector<std::int64_t> ca(a.ints.begin() + 1, a.ints.begin() + 1 + n);
    const std::vector<std::int64_t> cb(a.ints.begin() + 1 + n, a.ints.end());
    if (auto p = distinct_axes_problem(ca, ra)) return "input 0: " + *p;
    if (auto p = distinct_axes_problem(cb, rb)) return "input 1: " + *p;
    return std::nullopt;
}

// {k}; one input (a vector or a matrix), or (vector, matrix) for v on the k-th diagonal.
Problem diag_problem(std::span<const NodePtr> in, const Attrs& a) {
    if (auto p = input_count(in, 1, 2)) return p;
    if (auto p = ints_count(a, 1, "{k}")) return p;
    if (auto p = diagonal_offset(a.ints[0])) return p;
    if (in.size() == 2 && (in[0]->type.ndim() != 1 || in[1]->type.ndim() != 2))
        return "with two inputs, a vector and a matrix, got " + in[0]->type.str() + " and " +
               in[1]->type.str();
    return std::nullopt;
}

// ---- random variables (compiler/ops/random_ops.hpp) ---------------------------------------------

// {distribution, has_size, flags, size...}, attrs.dtype the result's dtype; the parameters.
Problem random_draw_problem(std::span<const NodePtr> in, const Attrs& a) {
    using namespace random_detail;
    if (auto p = input_count(in, 2, SIZE_MAX)) return p;
    if (a.ints.size() < 3)
        return std::string("attrs.ints must be {distribution, has_size, flags, size...}");
    const std::int64_t d = a.ints[0], flags = a.ints[2];
    if (d < 0 || d > static_cast<std::int64_t>(RandomDist::Permutation))
        return "unknown distribution " + str(d);
    const RandomDist dist = static_cast<RandomDist>(d);
    const char* name = random_dist_name(dist);
    if (a.ints[1] != 0 && a.ints[1] != 1) return "has_size is " + str(a.ints[1]) + ", not 0 or 1";
    const Dims size = Dims(std::vector<std::int64_t>(
        a.ints.begin() + std::min<std::size_t>(3, a.ints.size()),
        a.ints.begin() + std::min<std::size_t>(3 + kMaxNdim, a.ints.size())));
    if (a.ints.size() > 3 + static_cast<std::size_t>(kMaxNdim))
        return "the size has more than " + str(kMaxNdim) + " extents";
    if ((a.ints[1] != 0) != !size.empty())
        return "has_size is " + str(a.ints[1]) + " and the size has " + str(size.size()) +
               " extents";
    const auto fit = checked::shape_fit(size.data(), size.size(),
                                        static_cast<std::int64_t>(dtype_size(a.dtype)));
    if (fit != checked::ShapeFit::kOk)
        return "size " + shape_str(size) + " has a negative extent or is too big";
    const std::int64_t allowed = dist == RandomDist::Choice ? kChoiceReplace | kChoicePFloat32 : 0;
    if (flags & ~allowed) return std::string(name) + ": flags " + str(flags) + " are not valid";
    const std::span<const NodePtr> params = in.subspan(1);
    if (dist == RandomDist::Choice || dist == RandomDist::Permutation) {
        const std::size_t most = dist == RandomDist::Choice ? 2 : 1;
        if (params.size() > most)
            return std::string(name) + " takes at most " + str(static_cast<std::int64_t>(most)) +
                   " parameters, the file gives " + str(static_cast<std::int64_t>(params.size()));
        if (dist == RandomDist::Permutation && a.ints[1] != 0)
            return std::string("permutation takes no size");
        // A scalar population is an int64 count (the result int64), else the rows' dtype.
        const TensorType& x = params[0]->type;
        if (x.ndim() == 0 && x.dtype != DType::Int64)
            return std::string(name) + ": a scalar parameter must be int64, got " + x.str();
        const DType out = x.ndim() == 0 ? DType::Int64 : x.dtype;
        if (a.dtype != out)
            return std::string(name) + ": attrs.dtype is " + dt(a.dtype) +
                   ", the result's dtype is " + dt(out);
        return std::nullopt;
    }
    if (params.size() != params_of(dist).size())
        return std::string(name) + " takes " +
               str(static_cast<std::int64_t>(params_of(dist).size())) +
               " parameters, the file gives " + str(static_cast<std::int64_t>(params.size()));
    bool dtype_ok = false;
    switch (dist) {
    case RandomDist::Integers:
        dtype_ok = is_integer(a.dtype) || is_bool(a.dtype);
        break;
    case RandomDist::Bernoulli:
    case RandomDist::Binomial:
    case RandomDist::Poisson:
        dtype_ok = a.dtype == DType::Int64;
        break;
    default: // drawn in float64, stored in floatX (float32 or float64)
        dtype_ok = is_float(a.dtype);
        break;
    }
    if (!dtype_ok)
        return std::string(name) + ": attrs.dtype " + dt(a.dtype) + " is not a dtype of its draws";
    return std::nullopt;
}

// (draw, the draw's state and parameters...) with the draw's attributes.
Problem random_next_state_problem(std::span<const NodePtr> in, const Attrs& a) {
    if (auto p = input_count(in, 3, SIZE_MAX)) return p;
    const Node& draw = *in[0];
    bool same =
        draw.op == OpKind::RandomDraw && draw.inputs.size() + 1 == in.size() && draw.attrs == a;
    for (std::size_t k = 0; same && k < draw.inputs.size(); ++k) same = draw.inputs[k] == in[k + 1];
    if (!same)
        return std::string("input 0 must be a random_draw with the same attributes, whose state "
                           "and parameters are the other inputs");
    return std::nullopt;
}

// ---- scan (compiler/graph/scan_body.hpp) ----------------------------------------------------

std::string taps_text(const std::vector<int>& taps) {
    std::string s = "{";
    for (std::size_t i = 0; i < taps.size(); ++i) s += (i ? ", " : "") + str(taps[i]);
    return s + "}";
}

// What the loop reads through a placeholder of type `inner`: `outer` (skip = 0) or its rows
// (skip = 1). The body's code is compiled for the placeholder's type and nothing checks the
// rows at run time: same dtype and rank, and each extent the placeholder fixes fixed alike by
// the outer value (whose extents the function's checks and type rules guarantee).
Problem reads_problem(const TensorType& outer, int skip, const NodePtr& inner,
                      const std::string& what) {
    const TensorType& p = inner->type;
    bool fits = outer.dtype == p.dtype && outer.ndim() == p.ndim() + skip;
    for (int d = 0; fits && d < p.ndim(); ++d)
        fits = p.shape[d] == dyn || outer.shape[d + skip] == p.shape[d];
    if (fits) return std::nullopt;
    return what + " has type " + outer.str() + ", its placeholder \"" + inner->name + "\" " +
           (skip ? "reads its rows as " : "reads it as ") + p.str();
}

// {result k, keep_last}, attrs.dtype the dtype of body output k; n_steps, the sequences, the
// initial values of the fed-back states and the non-sequences, as the body reads them.
Problem scan_problem(std::span<const NodePtr> in, const Attrs& a) {
    if (!a.body) return std::string("a scan node needs a body");
    const ScanBody& b = *a.body;
    if (auto p = ints_count(a, 2, "{result index, keep_last}")) return p;
    const std::int64_t k = a.ints[kScanResult];
    if (k < 0 || k >= b.n_states())
        return "result index " + str(k) + " is out of range (body \"" + b.name + "\" has " +
               str(b.n_states()) + " states)";
    if (a.ints[kScanKeepLast] != 0 && a.ints[kScanKeepLast] != 1)
        return "keep_last is " + str(a.ints[kScanKeepLast]) + ", not 0 or 1";
    const DType out = b.outputs[static_cast<std::size_t>(k)]->type.dtype;
    if (a.dtype != out)
        return "attrs.dtype is " + dt(a.dtype) + ", result " + str(k) + " of the body has " +
               dt(out);
    std::size_t fed = 0;
    for (const auto& taps : b.state_taps) fed += taps.empty() ? 0 : 1;
    const std::size_t want = 1 + b.seq_taps.size() + fed + static_cast<std::size_t>(b.n_nonseq);
    if (in.size() != want)
        return "takes " + str(static_cast<std::int64_t>(want)) + " inputs for body \"" + b.name +
               "\" (n_steps, " + str(b.n_seqs()) + " sequences, " +
               str(static_cast<std::int64_t>(fed)) + " initial values, " + str(b.n_nonseq) +
               " non-sequences), the file gives " + str(static_cast<std::int64_t>(in.size()));
    // n_steps: an int64 scalar; a negative constant (-1) when not given.
    if (!int64_scalar(in[0]))
        return "n_steps (input 0) must be an int64 scalar, got " + in[0]->type.str();
    if (in[0]->op == OpKind::Constant) {
        const std::int64_t n = *static_cast<const std::int64_t*>(in[0]->value->raw_data());
        if (n < -1) return "n_steps is " + str(n) + " (-1: not given)";
        if (n == -1 && b.n_seqs() == 0 && !b.has_until)
            return std::string("n_steps is not given, and the loop has neither sequences nor an "
                               "until condition to end it");
    }
    std::size_t pos = 1;
    for (int i = 0; i < b.n_seqs(); ++i, ++pos) {
        const NodePtr& p = b.inputs[static_cast<std::size_t>(b.seq_input(i))];
        if (auto q = reads_problem(in[pos]->type, 1, p,
                                   "sequence " + str(i) + " (input " +
                                       str(static_cast<std::int64_t>(pos)) + ")"))
            return q;
    }
    for (int s = 0; s < b.n_states(); ++s) {
        const auto& taps = b.state_taps[static_cast<std::size_t>(s)];
        if (taps.empty()) continue;
        const NodePtr& p = b.inputs[static_cast<std::size_t>(b.state_input(s))];
        const TensorType& t = in[pos]->type;
        // One tap -1: the initial value itself; else one row per step back.
        const bool single = taps == std::vector<int>{-1};
        const std::string what = "the initial value of state " + str(s) + " (input " +
                                 str(static_cast<std::int64_t>(pos)) + ")";
        if (auto q = reads_problem(t, single ? 0 : 1, p, what)) return q;
        if (!single && t.shape[0] != dyn && t.shape[0] < b.depth(s))
            return what + " has " + str(t.shape[0]) + " rows, taps " + taps_text(taps) + " need " +
                   str(b.depth(s));
        ++pos;
    }
    for (int j = 0; j < b.n_nonseq; ++j, ++pos) {
        const NodePtr& p = b.inputs[static_cast<std::size_t>(b.nonseq_input() + j)];
        if (auto q = reads_problem(in[pos]->type, 0, p,
                                   "non-sequence " + str(j) + " (input " +
                                       str(static_cast<std::int64_t>(pos)) + ")"))
            return q;
    }
    return std::nullopt;
}

// A name the generated kernel writes in a comment (a body's, a placeholder's): nothing that ends
// the comment or splices lines into it.
Problem comment_name_problem(const std::string& name, const std::string& what) {
    for (const char c : name)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return what + " contains a control character";
    if (name.find("*/") != std::string::npos) return what + " contains \"*/\"";
    return std::nullopt;
}

} // namespace

std::optional<std::string> scan_body_problem(const ScanBody& b) {
    if (auto p = comment_name_problem(b.name, "the name")) return p;
    for (std::size_t i = 0; i < b.inputs.size(); ++i)
        if (auto p = comment_name_problem(b.inputs[i]->name, "the name of placeholder " +
                                                                 str(static_cast<std::int64_t>(i))))
            return p;
    // Taps: distinct; a sequence's any offset, a fed-back state's steps back.
    std::size_t placeholders = static_cast<std::size_t>(b.n_nonseq);
    for (int i = 0; i < b.n_seqs(); ++i) {
        const auto& taps = b.seq_taps[static_cast<std::size_t>(i)];
        const std::string what = "sequence " + str(i) + ": taps " + taps_text(taps);
        if (taps.empty()) return "sequence " + str(i) + " has no taps";
        if (std::set<int>(taps.begin(), taps.end()).size() != taps.size())
            return what + " repeat a tap";
        placeholders += taps.size();
    }
    if (b.n_visible > b.n_states())
        return "n_visible is " + str(b.n_visible) + ", more than the " + str(b.n_states()) +
               " states";
    for (int k = 0; k < b.n_states(); ++k) {
        const auto& taps = b.state_taps[static_cast<std::size_t>(k)];
        const std::string what = "state " + str(k) + ": taps " + taps_text(taps);
        if (std::set<int>(taps.begin(), taps.end()).size() != taps.size())
            return what + " repeat a tap";
        for (int t : taps)
            if (t >= 0) return what + " must be negative (steps back)";
        // Hidden states carry shared variables and generators from one step to the next.
        if (k >= b.n_visible && taps != std::vector<int>{-1})
            return what + ": a hidden state (after the " + str(b.n_visible) +
                   " visible ones) is fed back with taps {-1}";
        placeholders += taps.size();
    }
    if (placeholders != b.inputs.size())
        return "the taps and non-sequences read " + str(static_cast<std::int64_t>(placeholders)) +
               " placeholders, the body has " + str(static_cast<std::int64_t>(b.inputs.size()));
    const std::size_t outputs = static_cast<std::size_t>(b.n_states()) + (b.has_until ? 1 : 0);
    if (b.outputs.size() != outputs)
        return "has " + str(static_cast<std::int64_t>(b.outputs.size())) + " outputs, its " +
               str(b.n_states()) + " states" + (b.has_until ? " and until condition" : "") +
               " need " + str(static_cast<std::int64_t>(outputs));
    if (b.has_until) {
        const TensorType& t = b.outputs.back()->type;
        if (t.dtype != DType::Bool || t.ndim() != 0)
            return "the until condition (the last output) must be a bool scalar, got " + t.str();
    }
    // The placeholders of one sequence or state read rows of one type; a fed-back state's new
    // value has its type (the extents the loop checks at each step).
    auto same_type = [&](int first, std::size_t n, const std::string& what) -> Problem {
        for (std::size_t t = 1; t < n; ++t)
            if (!(b.inputs[static_cast<std::size_t>(first) + t]->type ==
                  b.inputs[static_cast<std::size_t>(first)]->type))
                return what + ": its placeholders have types " +
                       b.inputs[static_cast<std::size_t>(first)]->type.str() + " and " +
                       b.inputs[static_cast<std::size_t>(first) + t]->type.str();
        return std::nullopt;
    };
    for (int i = 0; i < b.n_seqs(); ++i)
        if (auto p = same_type(b.seq_input(i), b.seq_taps[static_cast<std::size_t>(i)].size(),
                               "sequence " + str(i)))
            return p;
    for (int k = 0; k < b.n_states(); ++k) {
        const auto& taps = b.state_taps[static_cast<std::size_t>(k)];
        if (taps.empty()) continue;
        if (auto p = same_type(b.state_input(k), taps.size(), "state " + str(k))) return p;
        const TensorType& st = b.inputs[static_cast<std::size_t>(b.state_input(k))]->type;
        const TensorType& o = b.outputs[static_cast<std::size_t>(k)]->type;
        bool fits = o.dtype == st.dtype && o.ndim() == st.ndim();
        for (int d = 0; fits && d < st.ndim(); ++d)
            fits = o.shape[d] == dyn || st.shape[d] == dyn || o.shape[d] == st.shape[d];
        if (!fits)
            return "state " + str(k) + ": the step's new value has type " + o.str() +
                   ", the state has " + st.str();
    }
    return std::nullopt;
}

std::optional<std::string> attrs_problem(OpKind op, std::span<const NodePtr> inputs,
                                         const Attrs& a) {
    // Every op with a fixed arity has it (the caller checked); the others are checked below
    // before any input is looked at.
    if (!uses_dtype(op) && a.dtype != DType::Float64)
        return "attrs.dtype is " + dt(a.dtype) + ", but " + op_name(op) +
               " takes no dtype (its attrs.dtype is float64)";
    const std::span<const NodePtr> in = inputs;
    switch (op) {
    case OpKind::Input:
    case OpKind::Constant:
    case OpKind::Shared:
        return std::nullopt; // leaves: read separately
#define TJ_ELEMWISE(E, ...) case OpKind::E:
#include <tensorjit/elementwise_ops.def>
#undef TJ_ELEMWISE
    case OpKind::Fill:
    case OpKind::ShapeOf:
    case OpKind::Dot:
    case OpKind::Matmul:
    case OpKind::Outer:
    case OpKind::DisconnectedGrad:
    case OpKind::IfElse:
        // No attributes (their builders pass none): any would only make a different cache key
        // for the same kernel.
        if (!(a == Attrs{}))
            return std::string(op_def(op).is_elementwise() ? "element-wise ops take"
                                                           : "the op takes") +
                   " no attributes";
        return std::nullopt;
    case OpKind::Cast:
        if (!a.ints.empty()) return std::string("cast takes no integer attributes");
        return std::nullopt;
    // reduce_attrs: ints = {keepdims, sorted distinct axes...} of input 0.
    case OpKind::Sum:
    case OpKind::Mean:
    case OpKind::Prod:
    case OpKind::Max:
    case OpKind::Min:
    case OpKind::Argmax:
    case OpKind::Argmin:
    case OpKind::All:
    case OpKind::Any:
    case OpKind::Softmax:
    case OpKind::LogSoftmax:
        if (a.ints.empty()) return std::string("attrs.ints is empty (needs keepdims, axes...)");
        if (a.ints[0] != 0 && a.ints[0] != 1)
            return "keepdims is " + str(a.ints[0]) + ", not 0 or 1";
        return axes_problem(a, 1, in[0]->type.ndim());
    case OpKind::AxesSize:
        return axes_problem(a, 0, in[0]->type.ndim());
    // {axis (-1: over the flattened input), reverse}; a second input (the result's shape) only
    // when flattened.
    case OpKind::Cumsum:
    case OpKind::Cumprod: {
        if (auto p = input_count(in, 1, 2)) return p;
        if (auto p = ints_count(a, 2, "{axis, reverse}")) return p;
        const int nd = in[0]->type.ndim();
        if (a.ints[0] < -1 || a.ints[0] >= nd)
            return "axis " + str(a.ints[0]) + " is out of bounds for rank " + str(nd) +
                   " (-1: flattened)";
        if (in.size() == 2 && a.ints[0] != -1)
            return std::string("a second input (the result's shape) needs axis -1 (flattened)");
        if (a.ints[1] != 0 && a.ints[1] != 1)
            return "reverse is " + str(a.ints[1]) + ", not 0 or 1";
        return std::nullopt;
    }
    // ints: a permutation of the input's axes.
    case OpKind::Transpose:
        if (a.ints.size() != static_cast<std::size_t>(in[0]->type.ndim()))
            return "the permutation has " + str(static_cast<std::int64_t>(a.ints.size())) +
                   " axes for rank " + str(in[0]->type.ndim());
        return distinct_axes_problem(a.ints, in[0]->type.ndim());
    // ints: axes of the output (inserted) or of the input (dropped).
    case OpKind::ExpandDims: {
        const std::size_t out_nd = static_cast<std::size_t>(in[0]->type.ndim()) + a.ints.size();
        if (auto p = rank_limit(out_nd, "the result")) return p;
        return distinct_axes_problem(a.ints, static_cast<int>(out_nd));
    }
    case OpKind::Squeeze:
        return distinct_axes_problem(a.ints, in[0]->type.ndim());
    case OpKind::Reshape:
        return reshape_problem(in, a);
    // {axis} of inputs of one rank (their type rule checks the ranks).
    case OpKind::Concatenate: {
        if (auto p = input_count(in, 1, SIZE_MAX)) return p;
        if (auto p = ints_count(a, 1, "{axis}")) return p;
        const int nd = in[0]->type.ndim();
        if (a.ints[0] < 0 || a.ints[0] >= nd)
            return "axis " + str(a.ints[0]) + " is out of bounds for rank " + str(nd);
        return std::nullopt;
    }
    case OpKind::Alloc:
    case OpKind::BroadcastTo:
        return alloc_problem(in, a);
    // Scalar bounds of the result's dtype (the kernel reads them as such); not bool.
    case OpKind::Arange:
        if (auto p = ints_count(a, 0, "none")) return p;
        if (a.dtype == DType::Bool) return std::string("bool is not a dtype of arange");
        for (std::size_t k = 0; k < in.size(); ++k)
            if (in[k]->type.dtype != a.dtype)
                return "input " + str(static_cast<std::int64_t>(k)) + " has type " +
                       in[k]->type.str() + ", the bounds must have attrs.dtype " + dt(a.dtype);
        return std::nullopt;
    // {k}; n and m are int64 scalars.
    case OpKind::Eye:
        if (auto p = ints_count(a, 1, "{k}")) return p;
        if (auto p = diagonal_offset(a.ints[0])) return p;
        for (std::size_t k = 0; k < in.size(); ++k)
            if (!int64_scalar(in[k]))
                return "input " + str(static_cast<std::int64_t>(k)) +
                       " must be an int64 scalar, got " + in[k]->type.str();
        return std::nullopt;
    case OpKind::Subtensor:
        return basic_index_problem(in, a, 1);
    case OpKind::SetSubtensor:
    case OpKind::IncSubtensor:
        return basic_index_problem(in, a, 2);
    case OpKind::AdvancedSubtensor:
        return advanced_index_problem(in, a, 1);
    case OpKind::AdvancedSetSubtensor:
    case OpKind::AdvancedIncSubtensor:
        return advanced_index_problem(in, a, 2);
    case OpKind::Tensordot:
        return tensordot_problem(in, a);
    case OpKind::Diag:
        return diag_problem(in, a);
    case OpKind::Trace:
        if (auto p = ints_count(a, 1, "{k}")) return p;
        return diagonal_offset(a.ints[0]);
    case OpKind::RandomDraw:
        return random_draw_problem(in, a);
    case OpKind::RandomNextState:
        return random_next_state_problem(in, a);
    case OpKind::Scan:
        return scan_problem(in, a);
    }
    // No default: a new op kind is a -Wswitch warning until its attributes are checked here.
    return "op " + std::string(op_name(op)) + " has no attribute checks";
}

} // namespace tensorjit::graph_file
