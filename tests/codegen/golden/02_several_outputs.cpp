// ---- constants

extern "C" int tj_k_KEY(tj_frame* f) {
  { /* sqr(sub({i0}, {i1})) */
    long long sh2[2];
    sh2[0] = (&f->slots[0])->shape[0];
    if ((&f->slots[1])->shape[0] != sh2[0]) return tj_rt_shape_error(f, 2, 2, (&f->slots[0])->shape, 2, (&f->slots[1])->shape);
    sh2[1] = (&f->slots[0])->shape[1];
    if ((&f->slots[1])->shape[1] != sh2[1]) return tj_rt_shape_error(f, 2, 2, (&f->slots[0])->shape, 2, (&f->slots[1])->shape);
    {
    double* o0 = (double*)tj_rt_alloc(f, 2, 2, sh2);
    if (!o0) return 1;
    double* o1 = (double*)tj_rt_alloc(f, 3, 2, sh2);
    if (!o1) return 1;
    double* o2 = (double*)tj_rt_alloc(f, 4, 2, sh2);
    if (!o2) return 1;
    const long long n = tj_prod(2, sh2);
    double* __restrict p0 = o0;
    double* __restrict p1 = o1;
    double* __restrict p2 = o2;
    const double* __restrict p3 = (const double*)(&f->slots[0])->data;
    const double* __restrict p4 = (const double*)(&f->slots[1])->data;
    for (long long i = 0; i < n; ++i) {
      double v2; v2 = (double)(p3[i] - p4[i]);
      double v3; v3 = tj_abs(v2);
      double v4; v4 = tj_sqr(v2);
      p0[i] = v2;
      p1[i] = v3;
      p2[i] = v4;
    }
    }
  }
  return 0;
}
