// ---- constants

extern "C" int tj_k_KEY(tj_frame* f) {
  { /* in place: add({s0}, cast{int64}({i0})) */
    long long sh1[1];
    {
    long long* o0 = (long long*)tj_rt_alloc(f, 2, 0, sh1);
    if (!o0) return 1;
    long long* o1 = (long long*)f->slots[1].data;
    const long long s0 = *(const long long*)(&f->slots[1])->data;
    const int s1 = *(const int*)(&f->slots[0])->data;
    long long* p0 = o0;
    long long* p1 = o1;
    long long v1; v1 = tj_identity(s0);
    long long v3; v3 = tj_cast<long long>(s1);
    long long v4; v4 = (long long)(s0 + v3);
    p0[0] = v1;
    p1[0] = v4;
    }
  }
  return 0;
}
