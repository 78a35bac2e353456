// \file
// Loop helpers for generated kernels: broadcast strides and dimension collapsing. Pasted into
// every kernel after kernel_abi.h; compiles on its own too (include kernel_abi.h first).
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

#endif
