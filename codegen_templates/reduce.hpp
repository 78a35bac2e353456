// \file
// Reductions for generated kernels: accumulate an input into an output whose strides, mapped
// onto the input's axes, are 0 along the reduced axes; walks over split index spaces (argmax,
// softmax) and cumulative ops. Pasted after kernel_abi.h, scalar_ops.hpp and loops.hpp.
#ifndef TJ_REDUCE_HPP
#define TJ_REDUCE_HPP

// out[j] = op(out[j], a[i]) for every input position i, j = i with the reduced axes dropped.
// ost: the output's strides per input axis (0 on reduced axes). `out` holds the initial values.
template <class T, class Op>
static inline void tj_reduce(const tj_arr* a, int nd, T* out, const long long* ost, Op op) {
    long long shp[TJ_MAX_NDIM + 1], st[2][TJ_MAX_NDIM];
    for (int d = 0; d < nd; ++d) {
        shp[d] = a->shape[d];
        st[0][d] = ost[d];
        st[1][d] = a->strides[d];
    }
    tj_loop<2>(nd, shp, st, [&](long long n, const long long* off, const long long* t) {
        T* p0 = out + off[0];
        const T* p1 = (const T*)a->data + off[1];
        if (t[0] == 0) {
            T acc = *p0;
            if (t[1] == 1) {
                // Reassociation lets the inner reduction vectorize (as NumPy's pairwise sum, the
                // order differs from a sequential loop by rounding only).
#pragma clang fp reassociate(on)
                for (long long i = 0; i < n; ++i) acc = op(acc, p1[i]);
            } else {
                for (long long i = 0; i < n; ++i) acc = op(acc, p1[i * t[1]]);
            }
            *p0 = acc;
        } else {
            for (long long i = 0; i < n; ++i) p0[i * t[0]] = op(p0[i * t[0]], p1[i * t[1]]);
        }
        return 0;
    });
}

template <class T> static inline void tj_fill(T* p, long long n, T v) {
    for (long long i = 0; i < n; ++i) p[i] = v;
}

template <class T> static inline void tj_scale(T* p, long long n, T v) {
    for (long long i = 0; i < n; ++i) p[i] = p[i] * v;
}

// Copies the logical elements of a (any strides) into contiguous dst, in C order.
template <class T> static inline void tj_copy_to_contiguous(const tj_arr* a, int nd, T* dst) {
    long long shp[TJ_MAX_NDIM + 1], st[2][TJ_MAX_NDIM];
    long long acc = 1;
    for (int d = nd - 1; d >= 0; --d) {
        shp[d] = a->shape[d];
        st[0][d] = acc;
        st[1][d] = a->strides[d];
        acc *= a->shape[d];
    }
    tj_loop<2>(nd, shp, st, [&](long long n, const long long* off, const long long* t) {
        T* p0 = dst + off[0];
        const T* p1 = (const T*)a->data + off[1];
        if (t[1] == 1)
            for (long long i = 0; i < n; ++i) p0[i] = p1[i];
        else
            for (long long i = 0; i < n; ++i) p0[i] = p1[i * t[1]];
        return 0;
    });
}

// ---- identities of max and min ----------------------------------------------------------------

// The lowest and highest values of each kernel type (-inf and +inf for floats): the initial
// values of max and min reductions. The argument only selects the overload.
#define TJ_LIMITS(T, LO, HI)                                                                       \
    static inline T tj_lowest(T) { return LO; }                                                    \
    static inline T tj_highest(T) { return HI; }
TJ_LIMITS(bool, false, true)
TJ_LIMITS(signed char, (signed char)-128, (signed char)127)
TJ_LIMITS(short, (short)-32768, (short)32767)
TJ_LIMITS(int, -2147483647 - 1, 2147483647)
TJ_LIMITS(long long, -9223372036854775807LL - 1, 9223372036854775807LL)
TJ_LIMITS(unsigned char, (unsigned char)0, (unsigned char)255)
TJ_LIMITS(unsigned short, (unsigned short)0, (unsigned short)65535)
TJ_LIMITS(unsigned int, 0u, 4294967295u)
TJ_LIMITS(unsigned long long, 0ull, 18446744073709551615ull)
TJ_LIMITS(float, -__builtin_inff(), __builtin_inff())
TJ_LIMITS(double, -__builtin_inf(), __builtin_inf())
#undef TJ_LIMITS

// ---- folding functors -------------------------------------------------------------------------

// Named (rather than lambdas) so that every reduction of a kernel with the same op and dtype
// shares one instantiation of the loops.
struct tj_op_add {
    template <class T> T operator()(T u, T v) const {
        // The pragma must be where the addition is written: in tj_reduce's loop it would not
        // cover an op defined elsewhere, and float sums would not vectorize.
#pragma clang fp reassociate(on)
        return (T)(u + v);
    }
};
struct tj_op_mul {
    template <class T> T operator()(T u, T v) const { return (T)(u * v); }
};
// max/min propagating NaN: once u is NaN it stays (v > u and v < u are false).
struct tj_op_max {
    template <class T> T operator()(T u, T v) const { return (v > u || v != v) ? v : u; }
};
struct tj_op_min {
    template <class T> T operator()(T u, T v) const { return (v < u || v != v) ? v : u; }
};
struct tj_op_and {
    bool operator()(bool u, bool v) const { return u && v; }
};
struct tj_op_or {
    bool operator()(bool u, bool v) const { return u || v; }
};
// argmax/argmin: whether v replaces best. A NaN is better than anything and nothing is better
// than a NaN, so the first NaN wins (NumPy).
struct tj_better_max {
    template <class T> bool operator()(T v, T best) const {
        return best == best && (v > best || v != v);
    }
};
struct tj_better_min {
    template <class T> bool operator()(T v, T best) const {
        return best == best && (v < best || v != v);
    }
};

// ---- walks over split index spaces ------------------------------------------------------------

// An index space walked in C order: its extents and the strides of two operands.
struct tj_walk {
    int nd;
    long long shape[TJ_MAX_NDIM + 1];
    long long st[2][TJ_MAX_NDIM];
};

// Splits the axes of a (rank nd) between `outer` (red[d] == 0) and `inner` (red[d] != 0), in
// order. Operand 0 is a; operand 1 has the strides ost (one per axis of a).
static inline void tj_split_axes(const tj_arr* a, int nd, const long long* ost, const int* red,
                                 tj_walk* outer, tj_walk* inner) {
    outer->nd = 0;
    inner->nd = 0;
    for (int d = 0; d < nd; ++d) {
        tj_walk* w = red[d] ? inner : outer;
        w->shape[w->nd] = a->shape[d];
        w->st[0][w->nd] = a->strides[d];
        w->st[1][w->nd] = ost[d];
        ++w->nd;
    }
}

// Calls f(off0, off1) at every position of w in C order (once for a 0-d space, never for an
// empty one).
template <class F> static inline void tj_walk_each(tj_walk w, F f) {
    tj_loop<2>(w.nd, w.shape, w.st, [&](long long n, const long long* off, const long long* t) {
        for (long long i = 0; i < n; ++i) f(off[0] + i * t[0], off[1] + i * t[1]);
        return 0;
    });
}

// argmax/argmin: out[o] = the C-order position, within the inner space, of the first element v
// of a for which no later one is better(v, best). Precondition: the inner space is not empty.
template <class T, class Better>
static inline void tj_argreduce(const tj_arr* a, const tj_walk& outer, const tj_walk& inner,
                                long long* out, Better better) {
    const T* x = (const T*)a->data;
    tj_walk_each(outer, [&](long long xo, long long oo) {
        long long i = 0, best_i = 0;
        T best = x[xo];
        tj_walk_each(inner, [&](long long xi, long long) {
            const T v = x[xo + xi];
            if (better(v, best)) {
                best = v;
                best_i = i;
            }
            ++i;
        });
        out[oo] = best_i;
    });
}

// softmax (log_out = 0) or log_softmax (1) of a over the inner space, written to out (strides
// of operand 1). The maximum is subtracted first; a NaN makes its whole slice NaN.
template <class T>
static inline void tj_softmax(const tj_arr* a, const tj_walk& outer, const tj_walk& inner, T* out,
                              int log_out) {
    const T* x = (const T*)a->data;
    tj_walk_each(outer, [&](long long xo, long long oo) {
        T m = tj_lowest((T)0);
        tj_walk_each(inner, [&](long long xi, long long) {
            const T v = x[xo + xi];
            if (m == m && (v > m || v != v)) m = v;
        });
        T s = 0;
        tj_walk_each(inner, [&](long long xi, long long oi) {
            const T e = tj_exp((T)(x[xo + xi] - m));
            if (!log_out) out[oo + oi] = e;
            s += e;
        });
        const T ls = tj_log(s);
        tj_walk_each(inner, [&](long long xi, long long oi) {
            if (log_out)
                out[oo + oi] = (T)(x[xo + xi] - m) - ls;
            else
                out[oo + oi] = out[oo + oi] / s;
        });
    });
}

// Cumulative op along `axis` of a (rank nd), or over its elements in C order when axis < 0;
// from the last element backwards when reverse. out is C-contiguous with a's elements.
template <class T, class Op>
static inline void tj_cumulate(const tj_arr* a, int nd, int axis, int reverse, T* out, Op op) {
    const long long n = tj_prod(nd, a->shape);
    if (n == 0) return;
    long long cst[TJ_MAX_NDIM + 1], acc = 1;
    for (int d = nd - 1; d >= 0; --d) {
        cst[d] = acc;
        acc *= a->shape[d];
    }
    const long long back = axis < 0 ? 1 : cst[axis];
    long long idx[TJ_MAX_NDIM] = {0}, off = 0;
    if (reverse)
        for (int d = 0; d < nd; ++d) {
            idx[d] = a->shape[d] - 1;
            off += idx[d] * a->strides[d];
        }
    const T* x = (const T*)a->data;
    for (long long it = 0; it < n; ++it) {
        const long long lin = reverse ? n - 1 - it : it;
        const int first = axis < 0  ? it == 0
                          : reverse ? idx[axis] == a->shape[axis] - 1
                                    : idx[axis] == 0;
        out[lin] = first ? x[off] : op(out[reverse ? lin + back : lin - back], x[off]);
        for (int d = nd - 1; d >= 0; --d) {
            if (!reverse) {
                if (++idx[d] < a->shape[d]) {
                    off += a->strides[d];
                    break;
                }
                off -= a->strides[d] * (a->shape[d] - 1);
                idx[d] = 0;
            } else {
                if (--idx[d] >= 0) {
                    off -= a->strides[d];
                    break;
                }
                off += a->strides[d] * (a->shape[d] - 1);
                idx[d] = a->shape[d] - 1;
            }
        }
    }
}

#endif
