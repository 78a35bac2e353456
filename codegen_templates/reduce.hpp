// \file
// Reductions for generated kernels: accumulate an input into an output whose strides, mapped
// onto the input's axes, are 0 along the reduced axes. Pasted after kernel_abi.h and loops.hpp.
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
    if (tj_prod(nd, shp) == 0) return;
    const int m = tj_collapse(nd, shp, 2, st);
    const long long n_in = shp[m - 1], n_out = tj_prod(m - 1, shp);
    const long long t0 = st[0][m - 1], t1 = st[1][m - 1];
    long long idx[TJ_MAX_NDIM] = {0}, off0 = 0, off1 = 0;
    for (long long it = 0; it < n_out; ++it) {
        T* p0 = out + off0;
        const T* p1 = (const T*)a->data + off1;
        if (t0 == 0) {
            T acc = *p0;
            if (t1 == 1) {
                // Reassociation lets the inner reduction vectorize (as NumPy's pairwise sum, the
                // order differs from a sequential loop by rounding only).
#pragma clang fp reassociate(on)
                for (long long i = 0; i < n_in; ++i) acc = op(acc, p1[i]);
            } else {
                for (long long i = 0; i < n_in; ++i) acc = op(acc, p1[i * t1]);
            }
            *p0 = acc;
        } else {
            for (long long i = 0; i < n_in; ++i) p0[i * t0] = op(p0[i * t0], p1[i * t1]);
        }
        for (int d = m - 2; d >= 0; --d) {
            if (++idx[d] < shp[d]) {
                off0 += st[0][d];
                off1 += st[1][d];
                break;
            }
            off0 -= st[0][d] * (shp[d] - 1);
            off1 -= st[1][d] * (shp[d] - 1);
            idx[d] = 0;
        }
    }
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
    if (tj_prod(nd, shp) == 0) return;
    const int m = tj_collapse(nd, shp, 2, st);
    const long long n_in = shp[m - 1], n_out = tj_prod(m - 1, shp);
    const long long t1 = st[1][m - 1];
    long long idx[TJ_MAX_NDIM] = {0}, off0 = 0, off1 = 0;
    for (long long it = 0; it < n_out; ++it) {
        T* p0 = dst + off0;
        const T* p1 = (const T*)a->data + off1;
        if (t1 == 1)
            for (long long i = 0; i < n_in; ++i) p0[i] = p1[i];
        else
            for (long long i = 0; i < n_in; ++i) p0[i] = p1[i * t1];
        for (int d = m - 2; d >= 0; --d) {
            if (++idx[d] < shp[d]) {
                off0 += st[0][d];
                off1 += st[1][d];
                break;
            }
            off0 -= st[0][d] * (shp[d] - 1);
            off1 -= st[1][d] * (shp[d] - 1);
            idx[d] = 0;
        }
    }
}

#endif
