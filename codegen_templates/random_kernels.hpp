// \file
// Helpers of random-variable kernels (compiler/ops/random_kernels.cpp): the generator state in, the
// scan of a parameter for values outside its domain, and row gathers (choice, permutation of an
// array). Pasted after kernel_abi.h, loops.hpp and random.h; includes no standard header.
#ifndef TJ_RANDOM_KERNELS_HPP
#define TJ_RANDOM_KERNELS_HPP

// Copies a generator state (a uint64 array of shape (6,), any stride) into 6 local words.
static inline void tj_rnd_load_state(unsigned long long* w, const tj_arr* st) {
    const unsigned long long* p = (const unsigned long long*)st->data;
    for (int i = 0; i < 6; ++i) w[i] = p[i * st->strides[0]];
}

// Looks through the elements of a (rank nd, values of type T) in C order for the first one that
// fails ok(v); returns 1 with it in *bad, or 0 when every element passes.
template <class T, class F>
static inline int tj_rnd_find_bad(const tj_arr* a, int nd, F ok, T* bad) {
    long long shp[TJ_MAX_NDIM] = {0}, st[1][TJ_MAX_NDIM];
    for (int d = 0; d < nd; ++d) {
        shp[d] = a->shape[d];
        st[0][d] = a->strides[d];
    }
    return tj_loop<1>(nd, shp, st, [&](long long n, const long long* off, const long long* t) {
        const T* p = (const T*)a->data + off[0];
        for (long long i = 0; i < n; ++i)
            if (!ok(p[i * t[0]])) {
                *bad = p[i * t[0]];
                return 1;
            }
        return 0;
    });
}

// A double as tj_rt_value_error's value (its bits; the runtime prints the double).
static inline long long tj_rnd_bits(double v) { return __builtin_bit_cast(long long, v); }

// Copies the rows idx[0..n) of a (rank nd >= 1, rows along axis 0, any strides) into the
// contiguous dst, in C order.
template <class T>
static inline void tj_rnd_gather_rows(const tj_arr* a, int nd, const long long* idx, long long n,
                                      T* dst) {
    long long row_elems = 1;
    for (int d = 1; d < nd; ++d) row_elems *= a->shape[d];
    if (row_elems == 0) return;
    for (long long i = 0; i < n; ++i) {
        const T* src = (const T*)a->data + idx[i] * a->strides[0];
        long long pos[TJ_MAX_NDIM] = {0}, off = 0;
        for (long long j = 0; j < row_elems; ++j) {
            *dst++ = src[off];
            for (int d = nd - 1; d >= 1; --d) {
                if (++pos[d] < a->shape[d]) {
                    off += a->strides[d];
                    break;
                }
                off -= a->strides[d] * (a->shape[d] - 1);
                pos[d] = 0;
            }
        }
    }
}

#endif
