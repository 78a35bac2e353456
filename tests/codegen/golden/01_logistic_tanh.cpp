// ---- constants

extern "C" int tj_k_KEY(tj_frame* f) {
  { /* true_div(add(1, tanh(...)), 2) */
    long long sh6[2];
    sh6[0] = (&f->slots[0])->shape[0];
    sh6[1] = (&f->slots[0])->shape[1];
    double* o = (double*)tj_rt_alloc(f, 1, 2, sh6);
    if (!o) return 1;
    long long shp[TJ_MAX_NDIM] = {0}, st[2][TJ_MAX_NDIM];
    for (int d = 0; d < 2; ++d) shp[d] = sh6[d];
    tj_bcast_strides(2, shp, 2, &f->slots[1], st[0]);
    tj_bcast_strides(2, shp, 2, (&f->slots[0]), st[1]);
    if (tj_prod(2, shp) > 0) {
      const int m = tj_collapse(2, shp, 2, st);
      const long long n_in = shp[m - 1], n_out = tj_prod(m - 1, shp);
      long long idx[TJ_MAX_NDIM] = {0}, off[2] = {0};
      for (long long it = 0; it < n_out; ++it) {
        double* __restrict p0 = o + off[0];
        const double* __restrict p1 = (const double*)(&f->slots[0])->data + off[1];
        if (st[0][m - 1] == 1 && st[1][m - 1] == 1) {
          for (long long i = 0; i < n_in; ++i) {
          double v3; v3 = tj_div(p1[i], 0x1p+1);
          double v4; v4 = tj_tanh(v3);
          double v5; v5 = tj_add(0x1p+0, v4);
          double v6; v6 = tj_div(v5, 0x1p+1);
          p0[i] = v6;
          }
        } else {
          const long long t0 = st[0][m - 1];
          const long long t1 = st[1][m - 1];
#pragma clang loop vectorize(disable) interleave(disable) unroll(disable)
          for (long long i = 0; i < n_in; ++i) {
          double v3; v3 = tj_div(p1[i * t1], 0x1p+1);
          double v4; v4 = tj_tanh(v3);
          double v5; v5 = tj_add(0x1p+0, v4);
          double v6; v6 = tj_div(v5, 0x1p+1);
          p0[i * t0] = v6;
          }
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
