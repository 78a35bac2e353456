// ---- constants

extern "C" int tj_k_KEY(tj_frame* f) {
  { /* mul(add({i0}, {i1}), {i2}) */
    long long sh2[1];
    {
    double* o0 = (double*)tj_rt_alloc(f, 3, 0, sh2);
    if (!o0) return 1;
    const double s0 = *(const double*)(&f->slots[0])->data;
    const double s1 = *(const double*)(&f->slots[1])->data;
    const double s2 = *(const double*)(&f->slots[2])->data;
    double* p0 = o0;
    double v2; v2 = (double)(s0 + s1);
    double v4; v4 = (double)(v2 * s2);
    p0[0] = v4;
    }
  }
  return 0;
}
