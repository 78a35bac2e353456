// \file
// Loop helpers for generated kernels: broadcast strides, dimension collapsing and tj_loop, the
// one loop skeleton. Pasted into every kernel after kernel_abi.h; compiles on its own too
// (include kernel_abi.h first).
#ifndef TJ_LOOPS_HPP
#define TJ_LOOPS_HPP

// Strides (in elements) of an operand of rank `nd_in` read at every position of a loop of rank
// `nd` and extents `shape`: 0 along broadcast axes (missing or extent 1).
static inline void tj_bcast_strides(int nd, const long long* shape, int nd_in, const tj_arr* a,
                                    long long* out) {
    for (int d = 0; d < nd; ++d) {
        int k = d - (nd - nd_in);
        out[d] = (k < 0 || (a->shape[k] == 1 && shape[d] != 1)) ? 0 : a->strides[k];
    }
}

// Broadcasts shape b (rank nb) into the accumulated shape a (rank na <= TJ_MAX_NDIM, right
// aligned, result rank max(na, nb) written to out). Returns 0 when the shapes do not fit.
static inline int tj_bcast_shape(int na, const long long* a, int nb, const long long* b,
                                 long long* out) {
    int n = na > nb ? na : nb;
    for (int d = 0; d < n; ++d) {
        int ia = d - (n - na), ib = d - (n - nb);
        long long x = ia >= 0 ? a[ia] : 1, y = ib >= 0 ? b[ib] : 1;
        if (x != y && x != 1 && y != 1) return 0;
        out[d] = x == 1 ? y : x;
    }
    return 1;
}

// Merges loop dimensions that every operand walks contiguously, and drops extent-1 dimensions.
// st[k] are the strides of operand k (nops operands). Returns the new rank (>= 1); writes the
// merged extents and strides in place.
static inline int tj_collapse(int nd, long long* shape, int nops, long long (*st)[TJ_MAX_NDIM]) {
    int m = 0;
    for (int d = 0; d < nd; ++d) {
        if (shape[d] == 1) continue;
        int merge = m > 0;
        for (int k = 0; k < nops && merge; ++k)
            if (st[k][m - 1] != st[k][d] * shape[d]) merge = 0;
        if (merge) {
            shape[m - 1] *= shape[d];
            for (int k = 0; k < nops; ++k) st[k][m - 1] = st[k][d];
            continue;
        }
        shape[m] = shape[d];
        for (int k = 0; k < nops; ++k) st[k][m] = st[k][d];
        ++m;
    }
    if (m == 0) {
        shape[0] = 1;
        for (int k = 0; k < nops; ++k) st[k][0] = 0;
        m = 1;
    }
    return m;
}

static inline long long tj_prod(int nd, const long long* shape) {
    long long p = 1;
    for (int d = 0; d < nd; ++d) p *= shape[d];
    return p;
}

// True when every one of the K strides is 1.
template <int K> static inline bool tj_unit(const long long* t) {
    bool unit = true;
    for (int k = 0; k < K; ++k) unit = unit && t[k] == 1;
    return unit;
}

// The loop skeleton of every generated kernel (element-wise loops, reductions, copies, random
// draws): walks the positions of a loop of rank nd and extents shp[0..nd) over K arrays, array k
// with the element strides st[k] (0 where it is broadcast). Dimensions every array walks
// contiguously are collapsed and extent-1 ones dropped, then row(n, off, t) runs once per row of
// the innermost remaining dimension, rows in C order: n elements, off[k] the offset of the row's
// first element in array k, t[k] array k's stride along the row. A row returns 0 to go on;
// anything else stops the walk and is returned (a kernel-reported error). Nothing runs for an
// empty loop. shp and st are overwritten.
template <int K, class Row>
static inline __attribute__((always_inline)) int tj_loop(int nd, long long* shp,
                                                         long long (*st)[TJ_MAX_NDIM], Row row) {
    if (tj_prod(nd, shp) <= 0) return 0;
    const int m = tj_collapse(nd, shp, K, st);
    const long long n_in = shp[m - 1], n_rows = tj_prod(m - 1, shp);
    long long idx[TJ_MAX_NDIM] = {0}, off[K] = {0}, t[K];
    for (int k = 0; k < K; ++k) t[k] = st[k][m - 1];
    for (long long r = 0; r < n_rows; ++r) {
        if (int rc = row(n_in, (const long long*)off, (const long long*)t)) return rc;
        // Odometer over the outer dimensions.
        for (int d = m - 2; d >= 0; --d) {
            if (++idx[d] < shp[d]) {
                for (int k = 0; k < K; ++k) off[k] += st[k][d];
                break;
            }
            for (int k = 0; k < K; ++k) off[k] -= st[k][d] * (shp[d] - 1);
            idx[d] = 0;
        }
    }
    return 0;
}

#endif
