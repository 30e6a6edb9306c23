// sgemm_14x32_avx512: the AVX-512 microkernel.
//
//   C[m x n] = alpha * A[m x k] * B[k x 32] + beta * C,  m = 1..14 (one instantiation each),
//   n = 1..32 (masked stores), A packed k-major with stride m, B packed k-major with stride 32.
//
// Register budget (32 zmm): 14 rows x 2 zmm of C = 28 accumulators, 2 zmm for the B row,
// 1-2 for the broadcast A element. Per k: 2 aligned B loads, 14 broadcasts (folded into
// vfmadd231ps as an embedded {1to16} memory broadcast), 28 FMAs. The loads stay well under the
// two load ports' budget while the FMA ports are kept busy; 28 independent accumulators cover
// the FMA latency x throughput product (4 cycles x 2 ports = 8) more than three times.
// The same tile shape is used by several BLIS and oneDNN AVX-512 sgemm kernels for row-major C.
//
// Edges: m < 14 uses the instantiation with fewer rows (no wasted FMAs on zero rows, and the
// skinny M = 1..8 inference case gets a kernel of its own size); n < 32 uses AVX-512 masks for
// the C loads and stores (Intel SDM Vol. 1 §15.6.1, opmask registers), so no temp tile.
//
// Test: make test ARGS='-tc=*sgemm*'   Bench: make bench FILTER=sgemm_14x32_avx512
// GCC 12's AVX-512 headers trip a false -W(maybe-)uninitialized (GCC PR 105593, fixed in GCC 13)
// inside their own "undefined" pass-through registers: silence it for the header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>

#include "cpu/gemm_f32/sgemm_internal.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 14, kNR = 32;
// Cache blocks (tuned on the project's machine, 2 MiB L2 per core; see gemm_f32.cpp for the loop
// order): the A micro-panel, 14 x KC x 4 B = 14 KiB, stays in the 32-48 KiB L1 while the B
// micro-panels stream past it; the B block, KC x NC x 4 B = 1 MiB, stays in L2; the A block,
// MC x KC x 4 B = 168 KiB, is repacked N / NC times, which costs ~1% at NC = 1024. Measured at
// 2048^3, 1 thread: NC 1024 beat 512 (more A repacking) and 1536-4096 (B block out of L2);
// KC 256 beat 192 and 320-384.
constexpr int kMC = 168, kKC = 256, kNC = 1024;
// The B micro-panel streams from L2 (see the loop order in gemm_f32.cpp): prefetch it into L1
// 16 k-steps (2 KiB, ~200 cycles) ahead. Measured here on a B block larger than L2: 141 -> 178
// GFLOP/s for the kernel alone; distance 8 was too short, 32 no better.
constexpr int kPrefetchB = 16;
// M = 1 (GEMV: gemv_packed_avx512 on pre-packed weights, ukernel<1> otherwise) streams B from
// DRAM as one sequential run; the L2 streamer restarts at every 4 KiB page, so a second prefetch
// runs 4 KiB ahead into L2 (as the fp16 / bf16 kernels do). Measured with ukernel<1>, before
// gemv_packed_avx512 existed, pre-packed Llama GEMVs, 1 thread: none -> 8 KiB ahead on
// 4 KiB pages, q_proj 4373-4530 -> 4212-4239 us; on huge pages (common/aligned_buffer.h),
// 8 KiB -> 4 KiB, q_proj 4262-4372 -> 4094-4169 us, ffn_up 11448-11542 -> 10975-11191 us
// (2 threads: 2229-2272 -> 2139-2166 us; 2 and 16 KiB slower than both).
constexpr int kPrefetchFarM1 = 4096 / sizeof(float);  // elements of B

template <int M>
void ukernel_avx512(index_t k, const float* a, const float* b, float* c, index_t ldc, int n,
                    float alpha, float beta) {
  __m512 acc0[M], acc1[M];
#pragma GCC unroll 14
  for (int i = 0; i < M; ++i) acc0[i] = acc1[i] = _mm512_setzero_ps();
  // The C tile is needed only after the k loop; prefetching it now hides its cache misses
  // (a large C lives in L3 or DRAM) behind the ~k*M*2 FMAs of the loop.
#pragma GCC unroll 14
  for (int i = 0; i < M; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 31), _MM_HINT_T0);
  }

#pragma GCC unroll 2
  for (index_t p = 0; p < k; ++p) {
    const __m512 b0 = _mm512_load_ps(b);
    const __m512 b1 = _mm512_load_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchB * kNR), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchB * kNR + 16), _MM_HINT_T0);
    if constexpr (M == 1) {
      _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchFarM1), _MM_HINT_T1);
      _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchFarM1 + 16), _MM_HINT_T1);
    }
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      acc0[i] = _mm512_fmadd_ps(ai, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(ai, b1, acc1[i]);
    }
    a += M;
    b += kNR;
  }

  const __mmask16 mask0 = n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
  const __mmask16 mask1 = n >= 32 ? __mmask16(0xFFFF) : n <= 16 ? __mmask16(0) : __mmask16((1u << (n - 16)) - 1);
  const __m512 valpha = _mm512_set1_ps(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) {
      _mm512_mask_storeu_ps(c + i * ldc, mask0, _mm512_mul_ps(valpha, acc0[i]));
      _mm512_mask_storeu_ps(c + i * ldc + 16, mask1, _mm512_mul_ps(valpha, acc1[i]));
    }
  } else {
    const __m512 vbeta = _mm512_set1_ps(beta);
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) {
      float* ci = c + i * ldc;
      // Masked loads never touch (or fault on) the lanes past n.
      __m512 c0 = _mm512_maskz_loadu_ps(mask0, ci);
      __m512 c1 = _mm512_maskz_loadu_ps(mask1, ci + 16);
      c0 = _mm512_fmadd_ps(valpha, acc0[i], _mm512_mul_ps(vbeta, c0));
      c1 = _mm512_fmadd_ps(valpha, acc1[i], _mm512_mul_ps(vbeta, c1));
      _mm512_mask_storeu_ps(ci, mask0, c0);
      _mm512_mask_storeu_ps(ci + 16, mask1, c1);
    }
  }
}

// In-register 16 x 16 transpose (four rounds of 16 shuffles; the classic unpack / shuffle /
// 128-bit-lane permute ladder): on return r[c] holds column c of the input rows.
inline void transpose16x16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);      // per lane: r_i[0] r_i+1[0] r_i[1] r_i+1[1]
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);  //           r_i[2] r_i+1[2] r_i[3] r_i+1[3]
  }
  // u[4g + c], lane l: rows 4g..4g+3 of column 4l + c.
  for (int g = 0; g < 4; ++g) {
    __m512 *tg = t + 4 * g, *ug = u + 4 * g;
    ug[0] = _mm512_shuffle_ps(tg[0], tg[2], 0x44);
    ug[1] = _mm512_shuffle_ps(tg[0], tg[2], 0xEE);
    ug[2] = _mm512_shuffle_ps(tg[1], tg[3], 0x44);
    ug[3] = _mm512_shuffle_ps(tg[1], tg[3], 0xEE);
  }
  // Gather the four row groups of each column: lanes (0, 2) then (1, 3), twice.
  for (int c = 0; c < 4; ++c) {
    const __m512 x0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), x1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
    const __m512 y0 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88), y1 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
    r[c] = _mm512_shuffle_f32x4(x0, y0, 0x88);       // column c      (lane 0)
    r[4 + c] = _mm512_shuffle_f32x4(x1, y1, 0x88);   // column 4 + c  (lane 1)
    r[8 + c] = _mm512_shuffle_f32x4(x0, y0, 0xDD);   // column 8 + c  (lane 2)
    r[12 + c] = _mm512_shuffle_f32x4(x1, y1, 0xDD);  // column 12 + c (lane 3)
  }
}

// SgemmPackBTrans for NR = 32: two 16-row halves, 16 k at a time through the transpose; the k
// tail uses masked loads (nothing past the row end is read) and rows j >= n are zeros.
void pack_b_trans_avx512(const float* b, index_t ldb, index_t kc, int n, float* dst) {
  for (int half = 0; half < 2; ++half) {
    const int j0 = 16 * half;
    for (index_t p0 = 0; p0 < kc; p0 += 16) {
      const int kk = static_cast<int>(std::min<index_t>(16, kc - p0));
      const __mmask16 kmask = kk == 16 ? __mmask16(0xFFFF) : __mmask16((1u << kk) - 1);
      __m512 r[16];
      for (int j = 0; j < 16; ++j)
        r[j] = j0 + j < n ? _mm512_maskz_loadu_ps(kmask, b + (j0 + j) * ldb + p0) : _mm512_setzero_ps();
      transpose16x16(r);
      for (int c = 0; c < kk; ++c) _mm512_store_ps(dst + (p0 + c) * kNR + j0, r[c]);
    }
  }
}

// SgemmPackA for MR = 14: 16 k at a time, the m rows (zero rows above m) through the same
// transpose; output row p is m contiguous floats at dst + p * m, written with a masked store.
void pack_a_avx512(const float* a, index_t lda, index_t kc, int m, float* dst) {
  const __mmask16 rows = static_cast<__mmask16>((1u << m) - 1);
  for (index_t p0 = 0; p0 < kc; p0 += 16) {
    const int kk = static_cast<int>(std::min<index_t>(16, kc - p0));
    const __mmask16 kmask = kk == 16 ? __mmask16(0xFFFF) : __mmask16((1u << kk) - 1);
    __m512 r[16];
    for (int i = 0; i < 16; ++i)
      r[i] = i < m ? _mm512_maskz_loadu_ps(kmask, a + i * lda + p0) : _mm512_setzero_ps();
    transpose16x16(r);
    for (int c = 0; c < kk; ++c) _mm512_mask_storeu_ps(dst + (p0 + c) * m, rows, r[c]);
  }
}

inline float hsum(__m512 v) {
  const __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s4, _mm_movehdup_ps(s4)));
}

// SgemmSmallMBt: MM rows of A against JR rows of B at a time, 16 k per step (masked tail), one
// zmm accumulator per (row, column) reduced at the end: MM x JR = 4 x 4 = 16 accumulators cover
// the FMA latency, and the 4 B rows stream from memory while the A rows stay in L1. Every C
// element gets the same FMA sequence whichever JR block it falls in, so the result does not
// depend on how N is split between threads.
template <int MM, int JR>
inline void small_m_bt_block(index_t j, index_t K, float alpha, const float* A, index_t lda, const float* B,
                             index_t ldb, float beta, float* C, index_t ldc) {
  __m512 acc[MM][JR];
  for (int m = 0; m < MM; ++m)
    for (int r = 0; r < JR; ++r) acc[m][r] = _mm512_setzero_ps();
  const float* b = B + j * ldb;
  auto step = [&](index_t k, __mmask16 mask) {
    __m512 bv[JR];
    for (int r = 0; r < JR; ++r) bv[r] = _mm512_maskz_loadu_ps(mask, b + r * ldb + k);
    for (int m = 0; m < MM; ++m) {
      const __m512 av = _mm512_maskz_loadu_ps(mask, A + m * lda + k);
      for (int r = 0; r < JR; ++r) acc[m][r] = _mm512_fmadd_ps(av, bv[r], acc[m][r]);
    }
  };
  index_t k = 0;
  for (; k + 16 <= K; k += 16) step(k, __mmask16(0xFFFF));
  if (k < K) step(k, static_cast<__mmask16>((1u << (K - k)) - 1));
  for (int m = 0; m < MM; ++m)
    for (int r = 0; r < JR; ++r) {
      float* c = C + m * ldc + j + r;
      const float dot = hsum(acc[m][r]);
      *c = beta == 0.0f ? alpha * dot : alpha * dot + beta * *c;
    }
}

template <int MM>
void small_m_bt_rows(index_t n0, index_t n1, index_t K, float alpha, const float* A, index_t lda, const float* B,
                     index_t ldb, float beta, float* C, index_t ldc) {
  index_t j = n0;
  for (; j + 4 <= n1; j += 4) small_m_bt_block<MM, 4>(j, K, alpha, A, lda, B, ldb, beta, C, ldc);
  for (; j < n1; ++j) small_m_bt_block<MM, 1>(j, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void small_m_bt_avx512(index_t M, index_t n0, index_t n1, index_t K, float alpha, const float* A, index_t lda,
                       const float* B, index_t ldb, float beta, float* C, index_t ldc) {
  switch (M) {
    case 1: small_m_bt_rows<1>(n0, n1, K, alpha, A, lda, B, ldb, beta, C, ldc); break;
    case 2: small_m_bt_rows<2>(n0, n1, K, alpha, A, lda, B, ldb, beta, C, ldc); break;
    case 3: small_m_bt_rows<3>(n0, n1, K, alpha, A, lda, B, ldb, beta, C, ldc); break;
    default: small_m_bt_rows<4>(n0, n1, K, alpha, A, lda, B, ldb, beta, C, ldc); break;
  }
}

// SgemmGemvPacked. At M = 1 the run time is the time to stream the packed weight once (one core
// reads ~16-19 GB/s here), so the loop must do nothing that slows the stream. Through the
// microkernel (ukernel<1> per 32 KiB panel), every panel ends with a load, FMA and store of its
// 32 outputs of C, and those C lines are always cold: the 4 MiB of weight streamed since the
// previous k block touched them evicted them from L1 and L2. Measured on one core, 4096 x 4096
// packed weight rotated over 8 copies, same binary: a plain read of the weight with the same
// prefetches took 3783-3850 us, the panel loop ending in the C update 4192-4270 us, the same loop
// with the 32 sums sent out by non-temporal stores (no read-for-ownership, nothing evicted)
// 3990-4084 us. So each panel's raw sums go to a k-block-major scratch with VMOVNTPS, and one
// pass at the end folds the k blocks into C in k order with the microkernel's epilogue
// arithmetic, so the result is bitwise that of the microkernel path:
//   block 0: c = beta == 0 ? alpha * s : fma(alpha, s, beta * c)   block b > 0: c = fma(alpha, s, c)
// (the microkernel at beta = 1 computes fma(alpha, s, 1 * c), the same value). The loop is not
// unrolled: unrolled copies of the same loop streamed 3-10% slower in the same measurement.
void gemv_packed_avx512(index_t K, index_t kc_max, const float* x, const float* bpacked, index_t n_padded,
                        index_t jp0, index_t jp1, index_t N, float alpha, float beta, float* c, float* partial) {
  const index_t kblocks = (K + kc_max - 1) / kc_max;
  for (index_t kb = 0; kb < kblocks; ++kb) {
    const index_t p0 = kb * kc_max, kc = std::min(kc_max, K - p0);
    const float* b = bpacked + p0 * n_padded + jp0 * kc * kNR;
    const float* xk = x + p0;
    float* out = partial + kb * n_padded + jp0 * kNR;
    for (index_t jp = jp0; jp < jp1; ++jp, out += kNR) {
      __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
#pragma GCC unroll 1
      for (index_t p = 0; p < kc; ++p) {
        const __m512 xp = _mm512_set1_ps(xk[p]);
        acc0 = _mm512_fmadd_ps(xp, _mm512_load_ps(b), acc0);
        acc1 = _mm512_fmadd_ps(xp, _mm512_load_ps(b + 16), acc1);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchB * kNR), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchB * kNR + 16), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchFarM1), _MM_HINT_T1);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchFarM1 + 16), _MM_HINT_T1);
        b += kNR;
      }
      _mm512_stream_ps(out, acc0);  // out is 128-byte aligned: n_padded is a multiple of NR
      _mm512_stream_ps(out + 16, acc1);
    }
  }
  _mm_sfence();  // the fold below reads the non-temporal stores back

  const __m512 valpha = _mm512_set1_ps(alpha), vbeta = _mm512_set1_ps(beta);
  const index_t j0 = jp0 * kNR, j1 = std::min(N, jp1 * kNR);
  for (index_t kb = 0; kb < kblocks; ++kb) {
    const float* s = partial + kb * n_padded;
    for (index_t j = j0; j < j1; j += 16) {
      const index_t n = std::min<index_t>(16, j1 - j);
      const __mmask16 mask = n == 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << n) - 1);
      const __m512 sum = _mm512_load_ps(s + j);
      __m512 cv;
      if (kb > 0)
        cv = _mm512_fmadd_ps(valpha, sum, _mm512_maskz_loadu_ps(mask, c + j));
      else if (beta == 0.0f)
        cv = _mm512_mul_ps(valpha, sum);
      else
        cv = _mm512_fmadd_ps(valpha, sum, _mm512_mul_ps(vbeta, _mm512_maskz_loadu_ps(mask, c + j)));
      _mm512_mask_storeu_ps(c + j, mask, cv);
    }
  }
}


template <int... M>
constexpr std::array<SgemmMicrokernel, sizeof...(M)> ukernel_table(std::integer_sequence<int, M...>) {
  return {&ukernel_avx512<M + 1>...};
}
constexpr auto kUkernels = ukernel_table(std::make_integer_sequence<int, kMR>{});
}  // namespace

constexpr SgemmKernel sgemm_kernel_avx512 = [] {
  auto k = tiled_entry<SgemmKernel>("sgemm_14x32_avx512", Isa::avx512, feature::avx512_bundle, kUkernels, kNR);
  k.mc = kMC;
  k.kc = kKC;
  k.nc = kNC;
  k.pack_b_trans = &pack_b_trans_avx512;
  k.pack_a = &pack_a_avx512;
  k.small_m_bt = &small_m_bt_avx512;
  k.small_m_max = 4;
  k.gemv_packed = &gemv_packed_avx512;
  return k;
}();

}  // namespace ik::cpu::detail
