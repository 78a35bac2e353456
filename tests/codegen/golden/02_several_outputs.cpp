// ---- constants

extern "C" int tj_k_KEY(tj_frame* f) {
  { /* sub({i0}, {i1}) */
    long long sh2[2];
    sh2[0] = (&f->slots[0])->shape[0];
    if ((&f->slots[1])->shape[0] != sh2[0]) return tj_rt_shape_error(f, 2, 2, (&f->slots[0])->shape, 2, (&f->slots[1])->shape);
    sh2[1] = (&f->slots[0])->shape[1];
    if ((&f->slots[1])->shape[1] != sh2[1]) return tj_rt_shape_error(f, 2, 2, (&f->slots[0])->shape, 2, (&f->slots[1])->shape);
    double* o = (double*)tj_rt_alloc(f, 2, 2, sh2);
    if (!o) return 1;
    long long shp[TJ_MAX_NDIM] = {0}, st[3][TJ_MAX_NDIM];
    for (int d = 0; d < 2; ++d) shp[d] = sh2[d];
    tj_bcast_strides(2, shp, 2, &f->slots[2], st[0]);
    tj_bcast_strides(2, shp, 2, (&f->slots[0]), st[1]);
    tj_bcast_strides(2, shp, 2, (&f->slots[1]), st[2]);
    if (tj_prod(2, shp) > 0) {
      const int m = tj_collapse(2, shp, 3, st);
      const long long n_in = shp[m - 1], n_out = tj_prod(m - 1, shp);
      long long idx[TJ_MAX_NDIM] = {0}, off[3] = {0};
      for (long long it = 0; it < n_out; ++it) {
        double* __restrict p0 = o + off[0];
        const double* __restrict p1 = (const double*)(&f->slots[0])->data + off[1];
        const double* __restrict p2 = (const double*)(&f->slots[1])->data + off[2];
        if (st[0][m - 1] == 1 && st[1][m - 1] == 1 && st[2][m - 1] == 1) {
          for (long long i = 0; i < n_in; ++i) {
          double v2; v2 = tj_sub(p1[i], p2[i]);
          p0[i] = v2;
          }
        } else {
          const long long t0 = st[0][m - 1];
          const long long t1 = st[1][m - 1];
          const long long t2 = st[2][m - 1];
#pragma clang loop vectorize(disable) interleave(disable) unroll(disable)
          for (long long i = 0; i < n_in; ++i) {
          double v2; v2 = tj_sub(p1[i * t1], p2[i * t2]);
          p0[i * t0] = v2;
          }
        }
        for (int d = m - 2; d >= 0; --d) {
          if (++idx[d] < shp[d]) { off[0] += st[0][d]; off[1] += st[1][d]; off[2] += st[2][d]; break; }
          off[0] -= st[0][d] * (shp[d] - 1);
          off[1] -= st[1][d] * (shp[d] - 1);
          off[2] -= st[2][d] * (shp[d] - 1);
          idx[d] = 0;
        }
      }
    }
  }
  { /* abs(sub({i0}, {i1})) */
    long long sh3[2];
    sh3[0] = (&f->slots[2])->shape[0];
    sh3[1] = (&f->slots[2])->shape[1];
    double* o = (double*)tj_rt_alloc(f, 3, 2, sh3);
    if (!o) return 1;
    long long shp[TJ_MAX_NDIM] = {0}, st[2][TJ_MAX_NDIM];
    for (int d = 0; d < 2; ++d) shp[d] = sh3[d];
    tj_bcast_strides(2, shp, 2, &f->slots[3], st[0]);
    tj_bcast_strides(2, shp, 2, (&f->slots[2]), st[1]);
    if (tj_prod(2, shp) > 0) {
      const int m = tj_collapse(2, shp, 2, st);
      const long long n_in = shp[m - 1], n_out = tj_prod(m - 1, shp);
      long long idx[TJ_MAX_NDIM] = {0}, off[2] = {0};
      for (long long it = 0; it < n_out; ++it) {
        double* __restrict p0 = o + off[0];
        const double* __restrict p1 = (const double*)(&f->slots[2])->data + off[1];
        for (long long i = 0; i < n_in; ++i) {
          double v3; v3 = tj_abs(p1[i]);
          p0[i] = v3;
        }
        for (int d = m - 2; d >= 0; --d) {
          if (++idx[d] < shp[d]) { off[0] += st[0][d]; off[1] += st[1][d]; break; }
          off[0] -= st[0][d] * (shp[d] - 1);
          off[1] -= st[1][d] * (shp[d] - 1);
          idx[d] = 0;
        }
      }
    }
  }
  { /* pow(sub({i0}, {i1}), 2) */
    long long sh5[2];
    sh5[0] = (&f->slots[2])->shape[0];
    sh5[1] = (&f->slots[2])->shape[1];
    double* o = (double*)tj_rt_alloc(f, 4, 2, sh5);
    if (!o) return 1;
    long long shp[TJ_MAX_NDIM] = {0}, st[2][TJ_MAX_NDIM];
    for (int d = 0; d < 2; ++d) shp[d] = sh5[d];
    tj_bcast_strides(2, shp, 2, &f->slots[4], st[0]);
    tj_bcast_strides(2, shp, 2, (&f->slots[2]), st[1]);
    if (tj_prod(2, shp) > 0) {
      const int m = tj_collapse(2, shp, 2, st);
      const long long n_in = shp[m - 1], n_out = tj_prod(m - 1, shp);
      long long idx[TJ_MAX_NDIM] = {0}, off[2] = {0};
      for (long long it = 0; it < n_out; ++it) {
        double* __restrict p0 = o + off[0];
        const double* __restrict p1 = (const double*)(&f->slots[2])->data + off[1];
        for (long long i = 0; i < n_in; ++i) {
          double v5; v5 = tj_pow(p1[i], 0x1p+1);
          p0[i] = v5;
        }
        for (int d = m - 2; d >= 0; --d) {
          if (++idx[d] < shp[d]) { off[0] += st[0][d]; off[1] += st[1][d]; break; }
          off[0] -= st[0][d] * (shp[d] - 1);
          off[1] -= st[1][d] * (shp[d] - 1);
          idx[d] = 0;
        }
      }
    }
  }
  return 0;
}
