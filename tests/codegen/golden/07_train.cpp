// ---- constants
static double c3_data[] = {0x1p+0};
static tj_arr c3 = {(void*)c3_data, {1}, {1}};
static double c4_data[] = {0x1.47ae147ae147bp-7};
static tj_arr c4 = {(void*)c4_data, {1}, {1}};

extern "C" int tj_k_KEY(tj_frame* f) {
  { /* dot({i0}, {s0}) */
    const tj_arr* a = (&f->slots[0]);
    const tj_arr* b = (&f->slots[2]);
    if (a->shape[1] != b->shape[0]) return tj_rt_shape_error(f, 2, 2, a->shape, 1, b->shape);
    long long osh[2] = {0, 0};
    osh[0] = a->shape[0];
    double* o = (double*)tj_rt_alloc(f, 6, 1, osh);
    if (!o) return 1;
    tj_mat<double> A;
    long long ix;
    if (!tj_as_blas_matrix<double>(f, a, 0, &A)) return 1;
    const double* x = tj_as_blas_vector<double>(f, b, 1, &ix);
    if (!x) return 1;
    if (a->shape[0] > 0 && a->shape[1] > 0) tj_gemv(a->shape[0], a->shape[1], A, x, ix, o);
    else tj_fill(o, a->shape[0], (double)0);
  }
  { /* sub(mul(neg(...), neg(...)), mul(sub(...), neg(...))) */
    long long sh3[1];
    sh3[0] = (&f->slots[6])->shape[0];
    if ((&f->slots[1])->shape[0] != sh3[0]) return tj_rt_shape_error(f, 11, 1, (&f->slots[6])->shape, 1, (&f->slots[1])->shape);
    {
    double* o0 = (double*)tj_rt_alloc(f, 7, 1, sh3);
    if (!o0) return 1;
    double* o1 = (double*)tj_rt_alloc(f, 8, 1, sh3);
    if (!o1) return 1;
    bool* o2 = (bool*)tj_rt_alloc(f, 4, 1, sh3);
    if (!o2) return 1;
    double* o3 = (double*)tj_rt_alloc(f, 9, 1, sh3);
    if (!o3) return 1;
    double* o4 = (double*)tj_rt_alloc(f, 10, 1, sh3);
    if (!o4) return 1;
    double* o5 = (double*)tj_rt_alloc(f, 5, 1, sh3);
    if (!o5) return 1;
    const double s0 = *(const double*)(&f->slots[3])->data;
    const long long n = tj_prod(1, sh3);
    double* __restrict p0 = o0;
    double* __restrict p1 = o1;
    bool* __restrict p2 = o2;
    double* __restrict p3 = o3;
    double* __restrict p4 = o4;
    double* __restrict p5 = o5;
    const double* __restrict p6 = (const double*)(&f->slots[6])->data;
    const double* __restrict p7 = (const double*)(&f->slots[1])->data;
    for (long long i = 0; i < n; ++i) {
      double v3; v3 = tj_neg(p6[i]);
      double v5; v5 = tj_sub(v3, s0);
      double v6; v6 = tj_neg(v5);
      double v7; v7 = tj_sigmoid(v6);
      bool v9; v9 = tj_gt(v7, 0x1p-1);
      double v11; v11 = tj_neg(p7[i]);
      double v12; v12 = tj_softplus(v5);
      double v13; v13 = tj_neg(v12);
      double v14; v14 = tj_mul(v11, v13);
      double v16; v16 = tj_sub(0x1p+0, p7[i]);
      double v17; v17 = tj_softplus(v6);
      double v18; v18 = tj_neg(v17);
      double v19; v19 = tj_mul(v16, v18);
      double v20; v20 = tj_sub(v14, v19);
      p0[i] = v5;
      p1[i] = v7;
      p2[i] = v9;
      p3[i] = v11;
      p4[i] = v16;
      p5[i] = v20;
    }
    }
  }
  { /* transpose({i0}) */
    const tj_arr* src = (&f->slots[0]);
    tj_arr v;
    v.data = src->data;
    v.shape[0] = src->shape[1];
    v.strides[0] = src->strides[1];
    v.shape[1] = src->shape[0];
    v.strides[1] = src->strides[0];
    f->slots[11] = v;
  }
  { /* axes_size(sub(mul(...), mul(...))) */
    long long* o = (long long*)tj_rt_alloc(f, 12, 0, (const long long*)0);
    if (!o) return 1;
    *o = 1 * (&f->slots[5])->shape[0];
  }
  { /* cast{float64}(axes_size(sub(...))) */
    long long sh34[1];
    {
    double* o0 = (double*)tj_rt_alloc(f, 13, 0, sh34);
    if (!o0) return 1;
    const long long s1 = *(const long long*)(&f->slots[12])->data;
    double* p0 = o0;
    double v34; v34 = tj_cast<double>(s1);
    p0[0] = v34;
    }
  }
  { /* neg(add(neg(...), mul(...))) */
    long long sh32[1];
    sh32[0] = (&f->slots[5])->shape[0];
    if ((&f->slots[10])->shape[0] != sh32[0]) return tj_rt_shape_error(f, 37, 1, (&f->slots[5])->shape, 1, (&f->slots[10])->shape);
    if ((&f->slots[8])->shape[0] != sh32[0]) return tj_rt_shape_error(f, 39, 1, (&f->slots[5])->shape, 1, (&f->slots[8])->shape);
    if ((&f->slots[9])->shape[0] != sh32[0]) return tj_rt_shape_error(f, 41, 1, (&f->slots[5])->shape, 1, (&f->slots[9])->shape);
    if ((&f->slots[7])->shape[0] != sh32[0]) return tj_rt_shape_error(f, 43, 1, (&f->slots[5])->shape, 1, (&f->slots[7])->shape);
    {
    double* o0 = (double*)tj_rt_alloc(f, 6, 1, sh32);
    if (!o0) return 1;
    const double s2 = *(const double*)(&f->slots[13])->data;
    long long shp[TJ_MAX_NDIM] = {0}, st[7][TJ_MAX_NDIM];
    for (int d = 0; d < 1; ++d) shp[d] = sh32[d];
    tj_bcast_strides(1, shp, 1, &f->slots[6], st[0]);
    tj_bcast_strides(1, shp, 1, (&f->slots[5]), st[1]);
    tj_bcast_strides(1, shp, 1, (&c3), st[2]);
    tj_bcast_strides(1, shp, 1, (&f->slots[10]), st[3]);
    tj_bcast_strides(1, shp, 1, (&f->slots[8]), st[4]);
    tj_bcast_strides(1, shp, 1, (&f->slots[9]), st[5]);
    tj_bcast_strides(1, shp, 1, (&f->slots[7]), st[6]);
    if (tj_prod(1, shp) > 0) {
      const int m = tj_collapse(1, shp, 7, st);
      const long long n_in = shp[m - 1], n_out = tj_prod(m - 1, shp);
      long long idx[TJ_MAX_NDIM] = {0}, off[7] = {0};
      for (long long it = 0; it < n_out; ++it) {
        double* __restrict p0 = o0 + off[0];
        const double* __restrict p1 = (const double*)(&f->slots[5])->data + off[1];
        const double* __restrict p2 = (const double*)(&c3)->data + off[2];
        const double* __restrict p3 = (const double*)(&f->slots[10])->data + off[3];
        const double* __restrict p4 = (const double*)(&f->slots[8])->data + off[4];
        const double* __restrict p5 = (const double*)(&f->slots[9])->data + off[5];
        const double* __restrict p6 = (const double*)(&f->slots[7])->data + off[6];
        if (st[0][m - 1] == 1 && st[1][m - 1] == 1 && st[2][m - 1] == 1 && st[3][m - 1] == 1 && st[4][m - 1] == 1 && st[5][m - 1] == 1 && st[6][m - 1] == 1) {
          for (long long i = 0; i < n_in; ++i) {
            double v32; v32 = tj_fill_value(p1[i], p2[i]);
            double v35; v35 = tj_div(v32, s2);
            double v36; v36 = tj_neg(v35);
            double v37; v37 = tj_mul(v36, p3[i]);
            double v38; v38 = tj_neg(v37);
            double v39; v39 = tj_mul(v38, p4[i]);
            double v40; v40 = tj_neg(v39);
            double v41; v41 = tj_mul(v35, p5[i]);
            double v42; v42 = tj_neg(v41);
            double v43; v43 = tj_sigmoid(p6[i]);
            double v44; v44 = tj_mul(v42, v43);
            double v45; v45 = tj_add(v40, v44);
            double v46; v46 = tj_neg(v45);
            p0[i] = v46;
          }
        } else {
          const long long t0 = st[0][m - 1];
          const long long t1 = st[1][m - 1];
          const long long t2 = st[2][m - 1];
          const long long t3 = st[3][m - 1];
          const long long t4 = st[4][m - 1];
          const long long t5 = st[5][m - 1];
          const long long t6 = st[6][m - 1];
#pragma clang loop vectorize(disable) interleave(disable) unroll(disable)
          for (long long i = 0; i < n_in; ++i) {
            double v32; v32 = tj_fill_value(p1[i * t1], p2[i * t2]);
            double v35; v35 = tj_div(v32, s2);
            double v36; v36 = tj_neg(v35);
            double v37; v37 = tj_mul(v36, p3[i * t3]);
            double v38; v38 = tj_neg(v37);
            double v39; v39 = tj_mul(v38, p4[i * t4]);
            double v40; v40 = tj_neg(v39);
            double v41; v41 = tj_mul(v35, p5[i * t5]);
            double v42; v42 = tj_neg(v41);
            double v43; v43 = tj_sigmoid(p6[i * t6]);
            double v44; v44 = tj_mul(v42, v43);
            double v45; v45 = tj_add(v40, v44);
            double v46; v46 = tj_neg(v45);
            p0[i * t0] = v46;
          }
        }
        for (int d = m - 2; d >= 0; --d) {
          if (++idx[d] < shp[d]) { off[0] += st[0][d]; off[1] += st[1][d]; off[2] += st[2][d]; off[3] += st[3][d]; off[4] += st[4][d]; off[5] += st[5][d]; off[6] += st[6][d]; break; }
          off[0] -= st[0][d] * (shp[d] - 1);
          off[1] -= st[1][d] * (shp[d] - 1);
          off[2] -= st[2][d] * (shp[d] - 1);
          off[3] -= st[3][d] * (shp[d] - 1);
          off[4] -= st[4][d] * (shp[d] - 1);
          off[5] -= st[5][d] * (shp[d] - 1);
          off[6] -= st[6][d] * (shp[d] - 1);
          idx[d] = 0;
        }
      }
    }
    }
  }
  { /* dot(transpose({i0}), neg(add(...))) */
    const tj_arr* a = (&f->slots[11]);
    const tj_arr* b = (&f->slots[6]);
    if (a->shape[1] != b->shape[0]) return tj_rt_shape_error(f, 47, 2, a->shape, 1, b->shape);
    long long osh[2] = {0, 0};
    osh[0] = a->shape[0];
    double* o = (double*)tj_rt_alloc(f, 14, 1, osh);
    if (!o) return 1;
    tj_mat<double> A;
    long long ix;
    if (!tj_as_blas_matrix<double>(f, a, 0, &A)) return 1;
    const double* x = tj_as_blas_vector<double>(f, b, 1, &ix);
    if (!x) return 1;
    if (a->shape[0] > 0 && a->shape[1] > 0) tj_gemv(a->shape[0], a->shape[1], A, x, ix, o);
    else tj_fill(o, a->shape[0], (double)0);
  }
  { /* sum(neg(add(...))) */
    const tj_arr* a = (&f->slots[6]);
    long long osh[1], ost[1];
    double* o = (double*)tj_rt_alloc(f, 13, 0, osh);
    if (!o) return 1;
    const long long n_out = tj_prod(0, osh);
    tj_fill(o, n_out, (double)0);
    ost[0] = 0;
    tj_reduce(a, 1, o, ost, tj_op_add());
  }
  { /* in place: sub({s0}, mul(0.1, add(...))) sub({s1}, mul(0.1, sum(...))) */
    long long sh23[1];
    sh23[0] = (&f->slots[2])->shape[0];
    if ((&f->slots[14])->shape[0] != sh23[0]) return tj_rt_shape_error(f, 48, 1, (&f->slots[2])->shape, 1, (&f->slots[14])->shape);
    if (sh23[0] != f->slots[2].shape[0]) return tj_rt_shape_error(f, 50, 1, sh23, 1, f->slots[2].shape);
    long long sh52[1];
    {
    double* o0 = (double*)f->slots[2].data;
    long long shp[TJ_MAX_NDIM] = {0}, st[4][TJ_MAX_NDIM];
    for (int d = 0; d < 1; ++d) shp[d] = sh23[d];
    tj_bcast_strides(1, shp, 1, &f->slots[2], st[0]);
    tj_bcast_strides(1, shp, 1, (&f->slots[2]), st[1]);
    tj_bcast_strides(1, shp, 1, (&c4), st[2]);
    tj_bcast_strides(1, shp, 1, (&f->slots[14]), st[3]);
    if (tj_prod(1, shp) > 0) {
      const int m = tj_collapse(1, shp, 4, st);
      const long long n_in = shp[m - 1], n_out = tj_prod(m - 1, shp);
      long long idx[TJ_MAX_NDIM] = {0}, off[4] = {0};
      for (long long it = 0; it < n_out; ++it) {
        double* p0 = o0 + off[0];
        const double* p1 = (const double*)(&f->slots[2])->data + off[1];
        const double* p2 = (const double*)(&c4)->data + off[2];
        const double* p3 = (const double*)(&f->slots[14])->data + off[3];
        if (st[0][m - 1] == 1 && st[1][m - 1] == 1 && st[2][m - 1] == 1 && st[3][m - 1] == 1) {
          for (long long i = 0; i < n_in; ++i) {
            double v23; v23 = tj_pow(p1[i], 0x1p+1);
            double v25; v25 = tj_fill_value(v23, p2[i]);
            double v26; v26 = tj_mul(v25, 0x1p+1);
            double v28; v28 = tj_pow(p1[i], 0x1p+0);
            double v29; v29 = tj_mul(v26, v28);
            double v48; v48 = tj_add(v29, p3[i]);
            double v49; v49 = tj_mul(0x1.999999999999ap-4, v48);
            double v50; v50 = tj_sub(p1[i], v49);
            p0[i] = v50;
          }
        } else {
          const long long t0 = st[0][m - 1];
          const long long t1 = st[1][m - 1];
          const long long t2 = st[2][m - 1];
          const long long t3 = st[3][m - 1];
#pragma clang loop vectorize(disable) interleave(disable) unroll(disable)
          for (long long i = 0; i < n_in; ++i) {
            double v23; v23 = tj_pow(p1[i * t1], 0x1p+1);
            double v25; v25 = tj_fill_value(v23, p2[i * t2]);
            double v26; v26 = tj_mul(v25, 0x1p+1);
            double v28; v28 = tj_pow(p1[i * t1], 0x1p+0);
            double v29; v29 = tj_mul(v26, v28);
            double v48; v48 = tj_add(v29, p3[i * t3]);
            double v49; v49 = tj_mul(0x1.999999999999ap-4, v48);
            double v50; v50 = tj_sub(p1[i * t1], v49);
            p0[i * t0] = v50;
          }
        }
        for (int d = m - 2; d >= 0; --d) {
          if (++idx[d] < shp[d]) { off[0] += st[0][d]; off[1] += st[1][d]; off[2] += st[2][d]; off[3] += st[3][d]; break; }
          off[0] -= st[0][d] * (shp[d] - 1);
          off[1] -= st[1][d] * (shp[d] - 1);
          off[2] -= st[2][d] * (shp[d] - 1);
          off[3] -= st[3][d] * (shp[d] - 1);
          idx[d] = 0;
        }
      }
    }
    }
    {
    double* o0 = (double*)f->slots[3].data;
    const double s5 = *(const double*)(&f->slots[13])->data;
    const double s6 = *(const double*)(&f->slots[3])->data;
    double* p0 = o0;
    double v52; v52 = tj_mul(0x1.999999999999ap-4, s5);
    double v53; v53 = tj_sub(s6, v52);
    p0[0] = v53;
    }
  }
  return 0;
}
