// sgemm_6x16_avx2: the AVX2 + FMA microkernel.
//
//   C[m x n] = alpha * A[m x k] * B[k x 16] + beta * C,  m = 1..6 (one instantiation each),
//   n = 1..16, A packed k-major with stride m, B packed k-major with stride 16.
//
// Register budget (16 ymm): 6 rows x 2 ymm of C = 12 accumulators, 2 ymm for the B row, one for
// the broadcast A element. 12 independent FMAs per k cover the FMA latency x throughput product
// (4 x 2 = 8). This is the classic Haswell tile of BLIS and OpenBLAS.
// Edges: m < 6 uses a smaller instantiation; n < 16 uses vmaskmovps (Intel SDM VMASKMOV), whose
// masked-off lanes are neither read nor written, so nothing past the row end is touched.
//
// Test: make test ARGS='-tc=*sgemm*'   Bench: make bench FILTER=sgemm_6x16_avx2
#include <immintrin.h>

#include <algorithm>

#include "cpu/gemm_f32/sgemm_internal.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 6, kNR = 16;
constexpr int kPrefetchB = 16;

// Lane j of the mask is active (sign bit set) when j < n: a sliding window over this table.
alignas(64) const int kMaskWindow[32] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                         0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0};

template <int M>
void ukernel_avx2(index_t k, const float* a, const float* b, float* c, index_t ldc, int n,
                  float alpha, float beta) {
  __m256 acc0[M], acc1[M];
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i) acc0[i] = acc1[i] = _mm256_setzero_ps();
  // C is needed only after the k loop: start its cache misses now (see the AVX-512 kernel).
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 15), _MM_HINT_T0);
  }

#pragma GCC unroll 2
  for (index_t p = 0; p < k; ++p) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    // One 64-byte B row per k: prefetch it 16 k-steps ahead into L1 (B streams from L2).
    _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchB * kNR), _MM_HINT_T0);
#pragma GCC unroll 6
    for (int i = 0; i < M; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      acc0[i] = _mm256_fmadd_ps(ai, b0, acc0[i]);
      acc1[i] = _mm256_fmadd_ps(ai, b1, acc1[i]);
    }
    a += M;
    b += kNR;
  }

  const __m256 valpha = _mm256_set1_ps(alpha);
  const __m256 vbeta = _mm256_set1_ps(beta);
  if (n == kNR) {
#pragma GCC unroll 6
    for (int i = 0; i < M; ++i) {
      float* ci = c + i * ldc;
      __m256 c0 = _mm256_mul_ps(valpha, acc0[i]), c1 = _mm256_mul_ps(valpha, acc1[i]);
      if (beta != 0.0f) {
        c0 = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(ci), c0);
        c1 = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(ci + 8), c1);
      }
      _mm256_storeu_ps(ci, c0);
      _mm256_storeu_ps(ci + 8, c1);
    }
    return;
  }
  const __m256i mask0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskWindow + 16 - n));
  const __m256i mask1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskWindow + 16 - n + 8));
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i) {
    float* ci = c + i * ldc;
    __m256 c0 = _mm256_mul_ps(valpha, acc0[i]), c1 = _mm256_mul_ps(valpha, acc1[i]);
    if (beta != 0.0f) {
      c0 = _mm256_fmadd_ps(vbeta, _mm256_maskload_ps(ci, mask0), c0);
      c1 = _mm256_fmadd_ps(vbeta, _mm256_maskload_ps(ci + 8, mask1), c1);
    }
    _mm256_maskstore_ps(ci, mask0, c0);
    _mm256_maskstore_ps(ci + 8, mask1, c1);
  }
}

// In-register 8 x 8 transpose: unpack pairs, shuffle quads, then swap 128-bit halves.
// On return r[c] holds column c of the input rows.
inline void transpose8x8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  // u[4g + c], half h: rows 4g..4g+3 of column 4h + c.
  for (int g = 0; g < 2; ++g) {
    __m256 *tg = t + 4 * g, *ug = u + 4 * g;
    ug[0] = _mm256_shuffle_ps(tg[0], tg[2], 0x44);
    ug[1] = _mm256_shuffle_ps(tg[0], tg[2], 0xEE);
    ug[2] = _mm256_shuffle_ps(tg[1], tg[3], 0x44);
    ug[3] = _mm256_shuffle_ps(tg[1], tg[3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);      // low halves: column c
    r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);  // high halves: column 4 + c
  }
}

// SgemmPackBTrans for NR = 16: two 8-row halves, 8 k at a time; the k tail goes through a
// zero-padded stack copy of each row so nothing past the row end is read.
void pack_b_trans_avx2(const float* b, index_t ldb, index_t kc, int n, float* dst) {
  for (int half = 0; half < 2; ++half) {
    const int j0 = 8 * half;
    for (index_t p0 = 0; p0 < kc; p0 += 8) {
      const int kk = static_cast<int>(std::min<index_t>(8, kc - p0));
      __m256 r[8];
      for (int j = 0; j < 8; ++j) {
        if (j0 + j >= n) {
          r[j] = _mm256_setzero_ps();
        } else if (kk == 8) {
          r[j] = _mm256_loadu_ps(b + (j0 + j) * ldb + p0);
        } else {
          alignas(32) float row[8] = {};
          std::copy(b + (j0 + j) * ldb + p0, b + (j0 + j) * ldb + p0 + kk, row);
          r[j] = _mm256_load_ps(row);
        }
      }
      transpose8x8(r);
      for (int c = 0; c < kk; ++c) _mm256_store_ps(dst + (p0 + c) * kNR + j0, r[c]);
    }
  }
}

// SgemmPackA for MR = 6: 8 k at a time through the 8 x 8 transpose (rows 6, 7 zero); output
// row p is m contiguous floats at dst + p * m, written with vmaskmovps.
void pack_a_avx2(const float* a, index_t lda, index_t kc, int m, float* dst) {
  const __m256i rows = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskWindow + 16 - m));
  for (index_t p0 = 0; p0 < kc; p0 += 8) {
    const int kk = static_cast<int>(std::min<index_t>(8, kc - p0));
    __m256 r[8];
    if (kk == 8) {
      for (int i = 0; i < 8; ++i) r[i] = i < m ? _mm256_loadu_ps(a + i * lda + p0) : _mm256_setzero_ps();
    } else {
      const __m256i kmask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskWindow + 16 - kk));
      for (int i = 0; i < 8; ++i) r[i] = i < m ? _mm256_maskload_ps(a + i * lda + p0, kmask) : _mm256_setzero_ps();
    }
    transpose8x8(r);
    for (int c = 0; c < kk; ++c) _mm256_maskstore_ps(dst + (p0 + c) * m, rows, r[c]);
  }
}


constexpr std::array<SgemmMicrokernel, kMR> kUkernels = {&ukernel_avx2<1>, &ukernel_avx2<2>, &ukernel_avx2<3>,
                                                         &ukernel_avx2<4>, &ukernel_avx2<5>, &ukernel_avx2<6>};
}  // namespace

constexpr SgemmKernel sgemm_kernel_avx2 = [] {
  auto k = tiled_entry<SgemmKernel>("sgemm_6x16_avx2", Isa::avx2, feature::avx2_bundle, kUkernels, kNR);
  k.mc = 96;
  k.kc = 256;
  k.nc = 3072;
  k.pack_b_trans = &pack_b_trans_avx2;
  k.pack_a = &pack_a_avx2;
  return k;
}();

}  // namespace ik::cpu::detail
