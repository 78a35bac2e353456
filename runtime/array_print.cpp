// NumPy-compatible printing of tj::Array: a port of NumPy 1.24's arrayprint.py (array_repr with
// the default print options), so that a tensorjit array prints character for character like the
// NumPy array holding the same values. The comments name the Python functions mirrored here.
#include <tensorjit/array.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

namespace tensorjit {

namespace {

// np.set_printoptions defaults.
constexpr int kPrecision = 8;
constexpr int kLineWidth = 75;
constexpr std::int64_t kThreshold = 1000;
constexpr std::int64_t kEdgeItems = 3;

// ---- float formatting (FloatingFormat and Dragon4) ---------------------------------------------

// A finite float split as NumPy's formatter splits it: sign and digits before the point, digits
// after it, and (scientific only) the exponent digits with their sign.
struct FloatParts {
    std::string int_part;
    std::string frac_part;
    std::string exp_part; // "+05", "-100"; empty in positional notation
};

template <class F> std::string chars(F x, std::chars_format fmt, int precision = -1) {
    char buf[512];
    auto r = precision < 0 ? std::to_chars(buf, buf + sizeof buf, x, fmt)
                           : std::to_chars(buf, buf + sizeof buf, x, fmt, precision);
    return std::string(buf, r.ptr);
}

// Splits to_chars' scientific output "d.ddde+XX" (or "de+XX") of a non-negative value.
void split_scientific(const std::string& s, std::string& digits, int& exponent,
                      std::string& exp_str) {
    auto e = s.find('e');
    digits.clear();
    for (std::size_t i = 0; i < e; ++i)
        if (s[i] != '.') digits += s[i];
    exp_str = s.substr(e + 1);
    exponent = std::stoi(exp_str);
}

// Drops the trailing zeros of a fraction (Dragon4's trim='.': the point itself stays).
std::string trim_zeros(std::string frac) {
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    return frac;
}

// dragon4_positional(x, precision=8, unique=True, fractional=True, trim='.'): the shortest
// round-trip digits, unless they need more than 8 fraction digits, in which case the exact value
// is rounded to 8 fraction digits (ties to even, as Dragon4 and to_chars both do).
template <class F> FloatParts positional(F x) {
    FloatParts p;
    std::string sign = std::signbit(x) ? "-" : "";
    F a = std::abs(x);
    if (a == 0) return {sign + "0", "", ""};
    std::string digits, exp_str;
    int e = 0;
    split_scientific(chars(a, std::chars_format::scientific), digits, e, exp_str);
    int n = static_cast<int>(digits.size());
    if (e > n - 1) {
        // Dragon4 prints every digit left of the point: float32 91147504 is "91147504.", not
        // the shortest round-trip "91147500.".
        p.int_part = chars(a, std::chars_format::fixed, 0);
    } else if (n - 1 - e <= kPrecision) {
        if (e >= 0) {
            p.int_part = digits.substr(0, e + 1);
            p.frac_part = digits.substr(e + 1);
        } else {
            p.int_part = "0";
            p.frac_part = std::string(-e - 1, '0') + digits;
        }
    } else {
        std::string s = chars(a, std::chars_format::fixed, kPrecision);
        auto dot = s.find('.');
        p.int_part = s.substr(0, dot);
        p.frac_part = trim_zeros(s.substr(dot + 1));
    }
    p.int_part = sign + p.int_part;
    return p;
}

// dragon4_scientific(x, precision=8, unique=True, trim='.'): the first pass, which only decides
// how many fraction digits and exponent digits the final pass uses.
template <class F> FloatParts scientific_first_pass(F x) {
    std::string sign = std::signbit(x) ? "-" : "";
    F a = std::abs(x);
    std::string digits, exp_str;
    int e = 0;
    split_scientific(chars(a, std::chars_format::scientific), digits, e, exp_str);
    if (static_cast<int>(digits.size()) - 1 > kPrecision)
        split_scientific(chars(a, std::chars_format::scientific, kPrecision), digits, e, exp_str);
    return {sign + digits.substr(0, 1), trim_zeros(digits.substr(1)), exp_str};
}

// dragon4_scientific(x, precision=P, min_digits=P, unique=True, trim='k', exp_digits=...): with
// min_digits equal to the precision Dragon4 keeps generating the exact digits past the shortest
// representation, so every value is its exact value rounded to P fraction digits. (This shows for
// float32: 1e-20f next to 1.2345678f prints 9.9999997e-21, as in NumPy, not 1.0000000e-20.)
template <class F> FloatParts scientific_final(F x, int precision, int exp_digits) {
    std::string sign = std::signbit(x) ? "-" : "";
    std::string digits, exp_str;
    int e = 0;
    split_scientific(chars(std::abs(x), std::chars_format::scientific, precision), digits, e,
                     exp_str);
    std::string exp_abs = exp_str.substr(1);
    if (static_cast<int>(exp_abs.size()) < exp_digits)
        exp_abs.insert(0, exp_digits - exp_abs.size(), '0');
    return {sign + digits.substr(0, 1), digits.substr(1), exp_str.substr(0, 1) + exp_abs};
}

// FloatingFormat(data, precision=8, floatmode='maxprec', suppress_small=False, sign='-'):
// decides notation and padding from all the printed values, then formats each of them.
template <class F> std::vector<std::string> format_floats(const std::vector<F>& data) {
    std::vector<F> finite;
    for (F x : data)
        if (std::isfinite(x)) finite.push_back(x);

    bool exp_format = false;
    F max_val = 0, min_val = 0;
    bool any_nonzero = false;
    for (F x : finite) {
        F a = std::abs(x);
        if (a == 0) continue;
        if (!any_nonzero || a > max_val) max_val = a;
        if (!any_nonzero || a < min_val) min_val = a;
        any_nonzero = true;
    }
    if (any_nonzero) {
        // NumPy divides in the array's own precision but compares with Python floats in double.
        F ratio = max_val / min_val;
        exp_format = static_cast<double>(max_val) >= 1.e8 ||
                     static_cast<double>(min_val) < 0.0001 || static_cast<double>(ratio) > 1000.;
    }

    int pad_left = 0, pad_right = 0, precision = kPrecision, exp_size = -1;
    if (finite.empty()) {
        // Only nan and inf: their width alone sets the padding (below).
    } else if (exp_format) {
        int frac_len = 0, exp_len = 0;
        for (F x : finite) {
            FloatParts p = scientific_first_pass(x);
            pad_left = std::max(pad_left, static_cast<int>(p.int_part.size()));
            frac_len = std::max(frac_len, static_cast<int>(p.frac_part.size()));
            exp_len = std::max(exp_len, static_cast<int>(p.exp_part.size()));
        }
        exp_size = exp_len - 1;
        precision = frac_len;
        pad_right = exp_size + 2 + precision;
    } else {
        for (F x : finite) {
            FloatParts p = positional(x);
            pad_left = std::max(pad_left, static_cast<int>(p.int_part.size()));
            pad_right = std::max(pad_right, static_cast<int>(p.frac_part.size()));
        }
    }
    if (finite.size() != data.size()) {
        bool neginf = false;
        for (F x : data)
            if (std::isinf(x) && x < 0) neginf = true;
        int offset = pad_right + 1;
        pad_left = std::max({pad_left, 3 - offset, 3 + (neginf ? 1 : 0) - offset});
    }

    std::vector<std::string> out;
    out.reserve(data.size());
    for (F x : data) {
        if (!std::isfinite(x)) {
            std::string s = std::isnan(x) ? "nan" : x < 0 ? "-inf" : "inf";
            int width = pad_left + pad_right + 1;
            out.push_back(std::string(std::max(0, width - static_cast<int>(s.size())), ' ') + s);
            continue;
        }
        if (exp_format) {
            FloatParts p = scientific_final(x, precision, exp_size);
            std::string s(std::max(0, pad_left - static_cast<int>(p.int_part.size())), ' ');
            out.push_back(s + p.int_part + "." + p.frac_part + "e" + p.exp_part);
        } else {
            FloatParts p = positional(x);
            std::string s(std::max(0, pad_left - static_cast<int>(p.int_part.size())), ' ');
            s += p.int_part + "." + p.frac_part;
            s.append(std::max(0, pad_right - static_cast<int>(p.frac_part.size())), ' ');
            out.push_back(std::move(s));
        }
    }
    return out;
}

// IntegerFormat: right-aligned to the widest of the largest and the smallest value.
template <class T> std::vector<std::string> format_integers(const std::vector<T>& data) {
    std::vector<std::string> strs;
    strs.reserve(data.size());
    std::size_t width = 0;
    for (T x : data) {
        strs.push_back(std::to_string(x));
        width = std::max(width, strs.back().size());
    }
    for (auto& s : strs) s.insert(0, width - s.size(), ' ');
    return strs;
}

// BoolFormat: " True" lines up with "False", except in a 0-d array.
std::vector<std::string> format_bools(const std::vector<bool>& data, bool zero_d) {
    std::vector<std::string> out;
    for (bool b : data) out.push_back(b ? (zero_d ? "True" : " True") : "False");
    return out;
}

// ---- layout (_formatArray) ----------------------------------------------------------------------

// The printed elements of an array: the whole array, or its corners when summarized
// (_leading_trailing), formatted and stored in C order of the reduced shape.
struct Grid {
    Dims shape;                     // reduced shape
    Dims strides;                   // C strides of the reduced shape
    std::vector<bool> summarized;   // per axis: "..." between the leading and trailing items
    std::vector<std::string> words; // the formatted elements
};

// _extendLine: appends word to line, first wrapping to a new line when it would not fit (but
// never leaving a line holding nothing but the indent).
void extend_line(std::string& s, std::string& line, const std::string& word, int line_width,
                 const std::string& next_line_prefix) {
    bool needs_wrap = static_cast<int>(line.size() + word.size()) > line_width;
    if (line.size() <= next_line_prefix.size()) needs_wrap = false;
    if (needs_wrap) {
        auto end = line.find_last_not_of(' ');
        s += line.substr(0, end == std::string::npos ? 0 : end + 1) + "\n";
        line = next_line_prefix;
    }
    line += word;
}

// _formatArray's recurser for the sub-array at `base` of the grid, from `axis` on.
std::string format_recursive(const Grid& g, int axis, std::int64_t base,
                             const std::string& hanging_indent, int curr_width) {
    const std::string separator = ", ";
    int axes_left = g.shape.size() - axis;
    if (axes_left == 0) return g.words[base];

    std::string next_hanging_indent = hanging_indent + " ";
    int next_width = curr_width - 1; // the "]" closing this level
    std::int64_t len = g.shape[axis];
    bool show_summary = g.summarized[axis];
    std::int64_t leading = show_summary ? kEdgeItems : 0;
    std::int64_t trailing = show_summary ? kEdgeItems : len;
    auto item = [&](std::int64_t i) {
        return format_recursive(g, axis + 1, base + i * g.strides[axis], next_hanging_indent,
                                next_width);
    };

    std::string s;
    if (axes_left == 1) {
        // The last axis: wrap elements that would not fit on the line.
        int elem_width = curr_width - 1; // max(len(separator.rstrip()), len("]"))
        std::string line = hanging_indent;
        for (std::int64_t i = 0; i < leading; ++i) {
            extend_line(s, line, item(i), elem_width, hanging_indent);
            line += separator;
        }
        if (show_summary) {
            extend_line(s, line, "...", elem_width, hanging_indent);
            line += separator;
        }
        for (std::int64_t i = len - trailing; i < len - 1; ++i) {
            extend_line(s, line, item(i), elem_width, hanging_indent);
            line += separator;
        }
        extend_line(s, line, item(len - 1), elem_width, hanging_indent);
        s += line;
    } else {
        // Outer axes: one sub-array per line, blank lines between blocks of rank >= 2.
        std::string line_sep = "," + std::string(axes_left - 1, '\n');
        for (std::int64_t i = 0; i < leading; ++i) s += hanging_indent + item(i) + line_sep;
        if (show_summary) s += hanging_indent + "..." + line_sep;
        for (std::int64_t i = len - trailing; i < len - 1; ++i)
            s += hanging_indent + item(i) + line_sep;
        s += hanging_indent + item(len - 1);
    }
    return "[" + s.substr(hanging_indent.size()) + "]";
}

// Gathers the printed elements of `a` (typed, in logical C order) and formats them.
Grid make_grid(const Array& a) {
    Grid g;
    bool summarize = a.size() > kThreshold;
    int nd = a.ndim();
    // The source index of each printed position, per axis.
    std::vector<std::vector<std::int64_t>> index(nd);
    for (int ax = 0; ax < nd; ++ax) {
        std::int64_t n = a.shape()[ax];
        bool cut = summarize && n > 2 * kEdgeItems;
        g.summarized.push_back(cut);
        if (cut) {
            for (std::int64_t i = 0; i < kEdgeItems; ++i) index[ax].push_back(i);
            for (std::int64_t i = n - kEdgeItems; i < n; ++i) index[ax].push_back(i);
        } else {
            for (std::int64_t i = 0; i < n; ++i) index[ax].push_back(i);
        }
        g.shape.push_back(static_cast<std::int64_t>(index[ax].size()));
    }
    g.strides = c_strides(g.shape);

    // Element offsets (in elements, from the view's origin) in C order of the reduced shape.
    std::int64_t count = g.shape.product();
    std::vector<std::int64_t> offsets;
    offsets.reserve(count);
    std::vector<std::int64_t> pos(nd, 0);
    for (std::int64_t k = 0; k < count; ++k) {
        std::int64_t off = 0;
        for (int ax = 0; ax < nd; ++ax) off += index[ax][pos[ax]] * a.strides()[ax];
        offsets.push_back(off);
        for (int ax = nd - 1; ax >= 0; --ax) {
            if (++pos[ax] < g.shape[ax]) break;
            pos[ax] = 0;
        }
    }

    visit_dtype(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* p = static_cast<const T*>(a.raw_data());
        if constexpr (std::is_same_v<T, bool>) {
            std::vector<bool> values;
            for (auto off : offsets) values.push_back(p[off]);
            g.words = format_bools(values, nd == 0);
        } else {
            std::vector<T> values;
            values.reserve(offsets.size());
            for (auto off : offsets) values.push_back(p[off]);
            if constexpr (std::is_floating_point_v<T>)
                g.words = format_floats(values);
            else
                g.words = format_integers(values);
        }
    });
    return g;
}

// dtype_is_implied: the dtypes a Python literal produces need no "dtype=" suffix.
bool dtype_is_implied(DType t) {
    return t == DType::Int64 || t == DType::Float64 || t == DType::Bool;
}

} // namespace

std::string repr(const Array& a) {
    const std::string prefix = "array(";
    bool skip_dtype = dtype_is_implied(a.dtype()) && a.size() > 0;
    std::string suffix = skip_dtype ? ")" : ",";

    std::string lst;
    if (a.size() > 0) {
        Grid g = make_grid(a);
        // array2string shortens the line by the suffix; the indent skips "array([".
        lst = format_recursive(g, 0, 0, " " + std::string(prefix.size(), ' '),
                               kLineWidth - static_cast<int>(suffix.size()));
    } else if (a.ndim() == 1) {
        lst = "[]";
    } else {
        lst = "[], shape=" + shape_str(a.shape());
    }

    std::string s = prefix + lst + suffix;
    if (skip_dtype) return s;

    // The dtype goes on a new line when it would push the last line past the line width.
    std::string dtype_str = "dtype=" + std::string(dtype_name(a.dtype())) + ")";
    auto nl = s.rfind('\n');
    std::size_t last_line_len = s.size() - (nl == std::string::npos ? 0 : nl + 1);
    bool wrap = static_cast<int>(last_line_len + dtype_str.size() + 1) > kLineWidth;
    return s + (wrap ? "\n" + std::string(prefix.size(), ' ') : " ") + dtype_str;
}

std::ostream& operator<<(std::ostream& os, const Array& a) { return os << repr(a); }

std::ostream& operator<<(std::ostream& os, const std::vector<Array>& list) {
    // Python's list repr: the elements' reprs, multi-line ones included as they are.
    os << '[';
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (i) os << ", ";
        os << repr(list[i]);
    }
    return os << ']';
}

} // namespace tensorjit
