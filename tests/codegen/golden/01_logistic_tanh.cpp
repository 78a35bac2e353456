// ---- constants

extern "C" int tj_k_KEY(tj_frame* f) {
  { /* true_div(add(1, tanh(...)), 2) */
    long long sh3[2];
    sh3[0] = (&f->slots[0])->shape[0];
    sh3[1] = (&f->slots[0])->shape[1];
    {
    double* o0 = (double*)tj_rt_alloc(f, 1, 2, sh3);
    if (!o0) return 1;
    const long long n = tj_prod(2, sh3);
    double* __restrict p0 = o0;
    const double* __restrict p1 = (const double*)(&f->slots[0])->data;
    for (long long i = 0; i < n; ++i) {
      double v3; v3 = tj_div(p1[i], 0x1p+1);
      double v4; v4 = tj_tanh(v3);
      double v5; v5 = (double)(0x1p+0 + v4);
      double v6; v6 = tj_div(v5, 0x1p+1);
      p0[i] = v6;
    }
    }
  }
  return 0;
}
