// \file
// Matrix products for generated kernels: OpenBLAS (cblas, resolved from the host process) for
// float32/float64, plain loops for the other dtypes. Operands may have any strides: a layout BLAS
// accepts is passed as is (a transposed view becomes a transposed operand), others are copied to
// a scratch buffer first. Pasted after kernel_abi.h, loops.hpp and reduce.hpp.
#ifndef TJ_BLAS_HPP
#define TJ_BLAS_HPP

extern "C" {
double cblas_ddot(int n, const double* x, int incx, const double* y, int incy);
float cblas_sdot(int n, const float* x, int incx, const float* y, int incy);
void cblas_dgemv(int order, int trans, int m, int n, double alpha, const double* a, int lda,
                 const double* x, int incx, double beta, double* y, int incy);
void cblas_sgemv(int order, int trans, int m, int n, float alpha, const float* a, int lda,
                 const float* x, int incx, float beta, float* y, int incy);
void cblas_dgemm(int order, int ta, int tb, int m, int n, int k, double alpha, const double* a,
                 int lda, const double* b, int ldb, double beta, double* c, int ldc);
void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float* a,
                 int lda, const float* b, int ldb, float beta, float* c, int ldc);
void cblas_dger(int order, int m, int n, double alpha, const double* x, int incx, const double* y,
                int incy, double* a, int lda);
void cblas_sger(int order, int m, int n, float alpha, const float* x, int incx, const float* y,
                int incy, float* a, int lda);
}

enum { TJ_ROW_MAJOR = 101, TJ_NO_TRANS = 111, TJ_TRANS = 112 };

// A matrix operand as BLAS sees it (row-major): data, leading dimension, transposed or not.
template <class T> struct tj_mat {
    const T* p;
    long long ld;
    int trans;
};

// Describes a (rows, cols) strided matrix for BLAS, copying it to scratch `which` when its
// layout is not one BLAS takes. Returns 0 after an allocation error.
template <class T>
static inline int tj_as_blas_matrix(tj_frame* f, const tj_arr* a, int which, tj_mat<T>* m) {
    const long long r = a->shape[0], c = a->shape[1], s0 = a->strides[0], s1 = a->strides[1];
    const long long one = 1;
    if (s1 == 1 && s0 >= (c > one ? c : one)) {
        *m = tj_mat<T>{(const T*)a->data, s0, TJ_NO_TRANS};
        return 1;
    }
    if (s0 == 1 && s1 >= (r > one ? r : one)) {
        *m = tj_mat<T>{(const T*)a->data, s1, TJ_TRANS};
        return 1;
    }
    T* buf = (T*)tj_rt_scratch(f, which, (long long)sizeof(T) * (r * c > 0 ? r * c : 1));
    if (!buf) return 0;
    tj_copy_to_contiguous(a, 2, buf);
    *m = tj_mat<T>{buf, c > one ? c : one, TJ_NO_TRANS};
    return 1;
}

// A vector with a positive stride (BLAS increments must be > 0 here), copied when needed.
template <class T>
static inline const T* tj_as_blas_vector(tj_frame* f, const tj_arr* a, int which, long long* inc) {
    if (a->strides[0] > 0) {
        *inc = a->strides[0];
        return (const T*)a->data;
    }
    T* buf = (T*)tj_rt_scratch(f, which, (long long)sizeof(T) * (a->shape[0] > 0 ? a->shape[0] : 1));
    if (!buf) return 0;
    tj_copy_to_contiguous(a, 1, buf);
    *inc = 1;
    return buf;
}

// ---- BLAS for float and double, loops for everything else ------------------------------------

template <class T> static inline T tj_mat_at(const tj_mat<T>& m, long long i, long long j) {
    return m.trans == TJ_NO_TRANS ? m.p[i * m.ld + j] : m.p[j * m.ld + i];
}

template <class T>
static inline void tj_gemm(long long m, long long n, long long k, const tj_mat<T>& a,
                           const tj_mat<T>& b, T* c) {
    for (long long i = 0; i < m * n; ++i) c[i] = 0;
    for (long long i = 0; i < m; ++i)
        for (long long l = 0; l < k; ++l) {
            const T av = tj_mat_at(a, i, l);
            for (long long j = 0; j < n; ++j) c[i * n + j] = (T)(c[i * n + j] + av * tj_mat_at(b, l, j));
        }
}
static inline void tj_gemm(long long m, long long n, long long k, const tj_mat<double>& a,
                           const tj_mat<double>& b, double* c) {
    cblas_dgemm(TJ_ROW_MAJOR, a.trans, b.trans, (int)m, (int)n, (int)k, 1.0, a.p, (int)a.ld, b.p,
                (int)b.ld, 0.0, c, (int)(n > 1 ? n : 1));
}
static inline void tj_gemm(long long m, long long n, long long k, const tj_mat<float>& a,
                           const tj_mat<float>& b, float* c) {
    cblas_sgemm(TJ_ROW_MAJOR, a.trans, b.trans, (int)m, (int)n, (int)k, 1.0f, a.p, (int)a.ld, b.p,
                (int)b.ld, 0.0f, c, (int)(n > 1 ? n : 1));
}

// y = op(A) x, with op(A) of shape (m, n).
template <class T>
static inline void tj_gemv(long long m, long long n, const tj_mat<T>& a, const T* x,
                           long long incx, T* y) {
    for (long long i = 0; i < m; ++i) {
        T acc = 0;
        for (long long j = 0; j < n; ++j) acc = (T)(acc + tj_mat_at(a, i, j) * x[j * incx]);
        y[i] = acc;
    }
}
static inline void tj_gemv(long long m, long long n, const tj_mat<double>& a, const double* x,
                           long long incx, double* y) {
    // BLAS is told the stored matrix: (m, n) as is, or (n, m) transposed.
    if (a.trans == TJ_NO_TRANS)
        cblas_dgemv(TJ_ROW_MAJOR, TJ_NO_TRANS, (int)m, (int)n, 1.0, a.p, (int)a.ld, x, (int)incx, 0.0, y, 1);
    else
        cblas_dgemv(TJ_ROW_MAJOR, TJ_TRANS, (int)n, (int)m, 1.0, a.p, (int)a.ld, x, (int)incx, 0.0, y, 1);
}
static inline void tj_gemv(long long m, long long n, const tj_mat<float>& a, const float* x,
                           long long incx, float* y) {
    if (a.trans == TJ_NO_TRANS)
        cblas_sgemv(TJ_ROW_MAJOR, TJ_NO_TRANS, (int)m, (int)n, 1.0f, a.p, (int)a.ld, x, (int)incx, 0.0f, y, 1);
    else
        cblas_sgemv(TJ_ROW_MAJOR, TJ_TRANS, (int)n, (int)m, 1.0f, a.p, (int)a.ld, x, (int)incx, 0.0f, y, 1);
}

template <class T>
static inline T tj_vdot(long long n, const T* x, long long incx, const T* y, long long incy) {
    T acc = 0;
    for (long long i = 0; i < n; ++i) acc = (T)(acc + x[i * incx] * y[i * incy]);
    return acc;
}
static inline double tj_vdot(long long n, const double* x, long long incx, const double* y, long long incy) {
    return cblas_ddot((int)n, x, (int)incx, y, (int)incy);
}
static inline float tj_vdot(long long n, const float* x, long long incx, const float* y, long long incy) {
    return cblas_sdot((int)n, x, (int)incx, y, (int)incy);
}

// The transpose of a BLAS matrix operand (same memory).
template <class T> static inline tj_mat<T> tj_mat_t(tj_mat<T> m) {
    m.trans = m.trans == TJ_NO_TRANS ? TJ_TRANS : TJ_NO_TRANS;
    return m;
}

// ---- outer products, batched and n-d products, diagonals --------------------------------------

// out (m, n), C-contiguous = x y^T: one pass writing out (BLAS's ger adds into a matrix, which
// would have to be zeroed first: two passes).
template <class T>
static inline void tj_ger(long long m, long long n, const T* x, long long incx, const T* y,
                          long long incy, T* out) {
    if (incy == 1) {
        for (long long i = 0; i < m; ++i) {
            const T xi = x[i * incx];
            T* __restrict row = out + i * n;
            for (long long j = 0; j < n; ++j) row[j] = (T)(xi * y[j]);
        }
        return;
    }
    for (long long i = 0; i < m; ++i)
        for (long long j = 0; j < n; ++j) out[i * n + j] = (T)(x[i * incx] * y[j * incy]);
}

// The single stride that walks axes [lo, hi) of v as one axis in C order (axes of extent 1
// ignored; 1 when there is none), or 0 when they do not merge.
static inline long long tj_merged_stride(const tj_arr* v, int lo, int hi) {
    long long s = 0;
    int last = -1;
    for (int d = lo; d < hi; ++d) {
        if (v->shape[d] == 1) continue;
        if (last >= 0 && v->strides[last] != v->strides[d] * v->shape[d]) return 0;
        last = d;
        s = v->strides[d];
    }
    return last < 0 ? 1 : s;
}

// Describes axes [0, nr) of v (rank nd) as the rows and the others as the columns of a BLAS
// matrix, copying v to scratch `which` when the axes do not merge. Returns 0 after an
// allocation error. Precondition: v is not empty.
template <class T>
static inline int tj_as_blas_matrix_nd(tj_frame* f, const tj_arr* v, int nd, int nr, int which,
                                       tj_mat<T>* m) {
    const long long rows = tj_prod(nr, v->shape), cols = tj_prod(nd - nr, v->shape + nr);
    const long long rs = tj_merged_stride(v, 0, nr), cs = tj_merged_stride(v, nr, nd);
    if (rs > 0 && cs > 0) {
        tj_arr mv;
        mv.data = v->data;
        mv.shape[0] = rows;
        mv.shape[1] = cols;
        mv.strides[0] = rs;
        mv.strides[1] = cs;
        return tj_as_blas_matrix(f, &mv, which, m);
    }
    T* buf = (T*)tj_rt_scratch(f, which, (long long)sizeof(T) * rows * cols);
    if (!buf) return 0;
    tj_copy_to_contiguous(v, nd, buf);
    *m = tj_mat<T>{buf, cols, TJ_NO_TRANS};
    return 1;
}

// Batched products (matmul): for every position of the batch space `batch` (operand strides
// of a and b, 0 on broadcast axes), out[i] = A_i B_i with A_i (n, k) of strides sa, B_i (k, m)
// of strides sb; out is C-contiguous (batch..., n, m). Returns 0 after an allocation error.
template <class T>
static inline int tj_matmul(tj_frame* f, const tj_walk& batch, const tj_arr* a, const long long* sa,
                            const tj_arr* b, const long long* sb, long long n, long long k,
                            long long m, T* out) {
    const long long count = tj_prod(batch.nd, batch.shape);
    if (count == 0 || n == 0 || m == 0) return 1;
    if (k == 0) {
        tj_fill(out, count * n * m, (T)0);
        return 1;
    }
    long long i = 0;
    int ok = 1;
    tj_walk_each(batch, [&](long long oa, long long ob) {
        if (!ok) return;
        tj_arr am, bm;
        am.data = (void*)((const T*)a->data + oa);
        am.shape[0] = n;
        am.shape[1] = k;
        am.strides[0] = sa[0];
        am.strides[1] = sa[1];
        bm.data = (void*)((const T*)b->data + ob);
        bm.shape[0] = k;
        bm.shape[1] = m;
        bm.strides[0] = sb[0];
        bm.strides[1] = sb[1];
        tj_mat<T> A, B;
        if (!tj_as_blas_matrix<T>(f, &am, 0, &A) || !tj_as_blas_matrix<T>(f, &bm, 1, &B)) {
            ok = 0;
            return;
        }
        tj_gemm(n, m, k, A, B, out + i * n * m);
        ++i;
    });
    return ok;
}

// The length of the k-th diagonal of an (r, c) matrix (NumPy's offset: k > 0 above).
static inline long long tj_diag_len(long long r, long long c, long long k) {
    const long long len = k >= 0 ? (r < c - k ? r : c - k) : (r + k < c ? r + k : c);
    return len > 0 ? len : 0;
}

// out (r, c), C-contiguous: zeros with the vector v on its k-th diagonal. Precondition:
// v->shape[0] == tj_diag_len(r, c, k).
template <class T>
static inline void tj_diag_embed(const tj_arr* v, long long k, long long r, long long c, T* out) {
    tj_fill(out, r * c, (T)0);
    const long long len = tj_diag_len(r, c, k), r0 = k < 0 ? -k : 0, c0 = k > 0 ? k : 0;
    const T* x = (const T*)v->data;
    for (long long i = 0; i < len; ++i) out[(r0 + i) * c + c0 + i] = x[i * v->strides[0]];
}

// The sum of the k-th diagonal of the matrix a.
template <class T> static inline T tj_trace(const tj_arr* a, long long k) {
    const long long len = tj_diag_len(a->shape[0], a->shape[1], k);
    const T* x = (const T*)a->data + (k >= 0 ? k * a->strides[1] : -k * a->strides[0]);
    T acc = 0;
    for (long long i = 0; i < len; ++i) acc = (T)(acc + x[i * (a->strides[0] + a->strides[1])]);
    return acc;
}

#endif
