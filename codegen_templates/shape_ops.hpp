// \file
// Shape and indexing helpers for generated kernels (compiler/ops/shape_*.cpp, indexing_*.cpp):
// Python slice bounds, strided block copies with broadcasting, and integer-array gathers and
// scatters. Pasted after kernel_abi.h and loops.hpp.
#ifndef TJ_SHAPE_OPS_HPP
#define TJ_SHAPE_OPS_HPP

// Value-error codes: the TJ_E_* rows of the kernel error table (kernel_abi.h).

// Checks a shape computed at run time before it is allocated or viewed (NumPy's rule, as
// runtime/include/tensorjit/checked.hpp): no negative extent, and the product of the non-zero
// extents times itemsize fits in a signed 64-bit integer. Reports the error against node and
// returns 1, or returns 0 when the shape fits.
static inline int tj_check_shape(tj_frame* f, int node, int nd, const long long* shape,
                                 long long itemsize) {
    for (int d = 0; d < nd; ++d)
        if (shape[d] < 0) return tj_rt_value_error(f, node, TJ_E_NEGATIVE_DIM, shape[d]);
    long long bytes = itemsize;
    for (int d = 0; d < nd; ++d)
        if (shape[d] != 0 && __builtin_mul_overflow(bytes, shape[d], &bytes))
            return tj_rt_value_error(f, node, TJ_E_SHAPE_TOO_BIG, shape[d]);
    return 0;
}

// Python's slice.indices() for an axis of extent n: the first position and the length.
static inline void tj_slice_norm(long long n, int has_start, long long start, int has_stop,
                                 long long stop, long long step, long long* first, long long* len) {
    long long b, e;
    if (step > 0) {
        b = has_start ? (start < 0 ? start + n : start) : 0;
        e = has_stop ? (stop < 0 ? stop + n : stop) : n;
        b = b < 0 ? 0 : (b > n ? n : b);
        e = e < 0 ? 0 : (e > n ? n : e);
        *len = e > b ? (e - b - 1) / step + 1 : 0; /* no overflow for any step */
    } else {
        b = has_start ? (start < 0 ? start + n : start) : n - 1;
        e = has_stop ? (stop < 0 ? stop + n : stop) : -1;
        b = b < -1 ? -1 : (b > n - 1 ? n - 1 : b);
        if (has_stop) e = e < -1 ? -1 : (e > n - 1 ? n - 1 : e);
        *len =
            b > e
                ? (long long)((unsigned long long)(b - e - 1) / (0ULL - (unsigned long long)step)) +
                      1
                : 0;
    }
    *first = *len > 0 ? b : 0;
}

// Reports "index i is out of bounds for axis a with size n" (compiler/function/call.cpp unpacks the
// value: the index in the high 32 bits, the size in the low 32); returns 1.
static inline int tj_index_error(tj_frame* f, int node, int axis, long long index, long long n) {
    if (index < -2147483647LL || index > 2147483647LL || n > 4294967295LL || axis > 7)
        return tj_rt_value_error(f, node, TJ_E_INDEX, index);
    return tj_rt_value_error(
        f, node, TJ_E_INDEX_AXIS0 + axis,
        (long long)(((unsigned long long)index << 32) | (unsigned long long)n));
}

// The offset (in elements) of C-order position i of a block of rank nd.
static inline long long tj_offset_of(int nd, const long long* shape, const long long* strides,
                                     long long i) {
    long long off = 0;
    for (int d = nd - 1; d >= 0; --d) {
        off += (i % shape[d]) * strides[d];
        i /= shape[d];
    }
    return off;
}

// True when a (rank nd) is laid out in C order without gaps (extent-1 axes may have any stride).
static inline int tj_is_c_contiguous(int nd, const tj_arr* a) {
    long long acc = 1;
    for (int d = nd - 1; d >= 0; --d) {
        if (a->shape[d] == 0) return 1;
        if (a->shape[d] != 1 && a->strides[d] != acc) return 0;
        acc *= a->shape[d];
    }
    return 1;
}

// dst[p] = op(dst[p], src[p]) for every position p of a block of rank nd (src strides are 0 on
// the axes it is broadcast along).
template <class T, class S, class Op>
static inline void tj_apply_strided(int nd, const long long* shape, T* dst, const long long* dst_st,
                                    const S* src, const long long* src_st, Op op) {
    long long shp[TJ_MAX_NDIM + 1], st[2][TJ_MAX_NDIM];
    for (int d = 0; d < nd; ++d) {
        shp[d] = shape[d];
        st[0][d] = dst_st[d];
        st[1][d] = src_st[d];
    }
    tj_loop<2>(nd, shp, st, [&](long long n, const long long* off, const long long* t) {
        T* p0 = dst + off[0];
        const S* p1 = src + off[1];
        for (long long i = 0; i < n; ++i) p0[i * t[0]] = op(p0[i * t[0]], p1[i * t[1]]);
        return 0;
    });
}

template <class T> struct tj_assign_op {
    template <class S> T operator()(T, S v) const { return (T)v; }
};
template <class T> struct tj_add_op {
    template <class S> T operator()(T u, S v) const { return (T)(u + (T)v); }
};

// The positions (in [0, n)) of the integers of idx (int64, any strides, rank ni) in scratch
// buffer 7, or 0 after reporting an index out of bounds for axis `axis`.
static inline long long* tj_index_positions(tj_frame* f, int node, int axis, const tj_arr* idx,
                                            int ni, long long n) {
    const long long cnt = tj_prod(ni, idx->shape);
    long long* pos = (long long*)tj_rt_scratch(f, 7, (cnt > 0 ? cnt : 1) * 8);
    if (!pos) return 0;
    const long long* iv = (const long long*)idx->data;
    for (long long j = 0; j < cnt; ++j) {
        const long long v = iv[tj_offset_of(ni, idx->shape, idx->strides, j)];
        const long long p = v < 0 ? v + n : v;
        if (p < 0 || p >= n) {
            tj_index_error(f, node, axis, v, n);
            return 0;
        }
        pos[j] = p;
    }
    return pos;
}

// out (C-contiguous) = x taken at positions pos[0..cnt) along axis (NumPy's take).
template <class T>
static inline void tj_take(const tj_arr* x, int nd, int axis, const long long* pos, long long cnt,
                           T* out) {
    const long long n_outer = tj_prod(axis, x->shape);
    const long long n_inner = tj_prod(nd - axis - 1, x->shape + axis + 1);
    const T* xd = (const T*)x->data;
    long long o = 0;
    for (long long a = 0; a < n_outer; ++a) {
        const long long oa = tj_offset_of(axis, x->shape, x->strides, a);
        for (long long j = 0; j < cnt; ++j) {
            const long long oj = oa + pos[j] * x->strides[axis];
            for (long long k = 0; k < n_inner; ++k)
                out[o++] = xd[oj + tj_offset_of(nd - axis - 1, x->shape + axis + 1,
                                                x->strides + axis + 1, k)];
        }
    }
}

// r[..., pos[j], ...] = op(r[..., pos[j], ...], v[..., j, ...]) in order (repeated positions
// accumulate as np.add.at). r has rank nd; v is read with strides vst over the taken block of
// rank ndo and extents oshape.
template <class T, class Op>
static inline void tj_scatter(const tj_arr* r, int nd, int axis, const long long* pos,
                              long long cnt, const T* v, int ndo, const long long* oshape,
                              const long long* vst, Op op) {
    const long long n_outer = tj_prod(axis, r->shape);
    const long long n_inner = tj_prod(nd - axis - 1, r->shape + axis + 1);
    T* rd = (T*)r->data;
    long long o = 0;
    for (long long a = 0; a < n_outer; ++a) {
        const long long oa = tj_offset_of(axis, r->shape, r->strides, a);
        for (long long j = 0; j < cnt; ++j) {
            const long long oj = oa + pos[j] * r->strides[axis];
            for (long long k = 0; k < n_inner; ++k, ++o) {
                T* p = rd + oj +
                       tj_offset_of(nd - axis - 1, r->shape + axis + 1, r->strides + axis + 1, k);
                *p = op(*p, v[tj_offset_of(ndo, oshape, vst, o)]);
            }
        }
    }
}

#endif
