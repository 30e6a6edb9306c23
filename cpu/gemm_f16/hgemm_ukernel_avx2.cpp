// hgemm_6x16_avx2: fp16-weight microkernel for AVX2 + FMA + F16C.
//
//   C[m x n] = alpha * A[m x k] * widen(B)[k x 16] + beta * C,  m = 1..6, n = 1..16,
//   A packed fp32 k-major (stride m), B packed fp16 k-major (stride 16, 32 bytes per k).
//
// Technique: the sgemm_6x16_avx2 tile (12 ymm accumulators, 2 for B, 1 for the A broadcast)
// with each B row loaded as 2 x 8 halves and widened by F16C VCVTPH2PS ymm, xmm (Intel SDM
// Vol. 2, "VCVTPH2PS"; exact). 2 conversions per 12 FMAs. M = 1, 2 split k over 4 / 2
// accumulator sets (as in the AVX-512 kernel) so GEMV runs at load speed, not FMA latency.
// Edges: m < 6 has its own instantiation; n < 16 stores through VMASKMOVPS (masked-off lanes
// are neither read nor written).
//
// Test: make test ARGS='-tc=gemm_f16:*'   Bench: make bench FILTER='gemm_f16/hgemm_6x16_avx2'
#include <immintrin.h>

#include <cstdint>

#include "cpu/gemm_f16/gemm_f16.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 6, kNR = 16;
constexpr int kPrefetchB = 32;  // k-steps ahead: 32 half-lines = 1 KiB
// Skinny tiles (M <= 2, GEMV) stream B from DRAM: a second prefetch, 8 KiB ahead into L2,
// keeps more misses in flight than the hardware streamer alone. Measured on GEMV 11008 x 4096
// fp16, 1 thread, interleaved runs: 8.3-8.7 ms -> 7.0-7.5 ms (4 KiB ahead: less; 16 KiB: less).
constexpr int kPrefetchFar = 8192 / sizeof(std::uint16_t);  // elements of B

alignas(64) const int kMaskWindow[32] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                         0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0};

inline __m256 load_f16(const std::uint16_t* p) {
  return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(p)));
}

template <int M>
void ukernel(index_t k, const void* av, const void* bv, float* c, index_t ldc, int n, float alpha, float beta) {
  const float* a = static_cast<const float*>(av);
  const std::uint16_t* b = static_cast<const std::uint16_t*>(bv);
  constexpr int U = M == 1 ? 4 : M == 2 ? 2 : 1;
  __m256 acc0[U][M], acc1[U][M];
#pragma GCC unroll 6
  for (int u = 0; u < U; ++u)
#pragma GCC unroll 6
    for (int i = 0; i < M; ++i) acc0[u][i] = acc1[u][i] = _mm256_setzero_ps();
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);

  index_t p = 0;
  if constexpr (U > 1) {
    for (; p + U <= k; p += U) {
#pragma GCC unroll 4
      for (int u = 0; u < U; ++u) {
        const __m256 b0 = load_f16(b), b1 = load_f16(b + 8);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchB * kNR), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchFar), _MM_HINT_T1);
#pragma GCC unroll 2
        for (int i = 0; i < M; ++i) {
          const __m256 ai = _mm256_broadcast_ss(a + i);
          acc0[u][i] = _mm256_fmadd_ps(ai, b0, acc0[u][i]);
          acc1[u][i] = _mm256_fmadd_ps(ai, b1, acc1[u][i]);
        }
        a += M;
        b += kNR;
      }
    }
  }
#pragma GCC unroll 2
  for (; p < k; ++p) {
    const __m256 b0 = load_f16(b), b1 = load_f16(b + 8);
    _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchB * kNR), _MM_HINT_T0);
#pragma GCC unroll 6
    for (int i = 0; i < M; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      acc0[0][i] = _mm256_fmadd_ps(ai, b0, acc0[0][i]);
      acc1[0][i] = _mm256_fmadd_ps(ai, b1, acc1[0][i]);
    }
    a += M;
    b += kNR;
  }
#pragma GCC unroll 4
  for (int u = 1; u < U; ++u)
#pragma GCC unroll 2
    for (int i = 0; i < M; ++i) {
      acc0[0][i] = _mm256_add_ps(acc0[0][i], acc0[u][i]);
      acc1[0][i] = _mm256_add_ps(acc1[0][i], acc1[u][i]);
    }

  const __m256 valpha = _mm256_set1_ps(alpha), vbeta = _mm256_set1_ps(beta);
  if (n == kNR) {
#pragma GCC unroll 6
    for (int i = 0; i < M; ++i) {
      float* ci = c + i * ldc;
      __m256 c0 = _mm256_mul_ps(valpha, acc0[0][i]), c1 = _mm256_mul_ps(valpha, acc1[0][i]);
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
    __m256 c0 = _mm256_mul_ps(valpha, acc0[0][i]), c1 = _mm256_mul_ps(valpha, acc1[0][i]);
    if (beta != 0.0f) {
      c0 = _mm256_fmadd_ps(vbeta, _mm256_maskload_ps(ci, mask0), c0);
      c1 = _mm256_fmadd_ps(vbeta, _mm256_maskload_ps(ci + 8, mask1), c1);
    }
    _mm256_maskstore_ps(ci, mask0, c0);
    _mm256_maskstore_ps(ci + 8, mask1, c1);
  }
}

}  // namespace

HgemmKernel make_hgemm_kernel_avx2() {
  return HgemmKernel{"hgemm_6x16_avx2", Isa::avx2, {kMR, kNR, /*mc=*/96, /*kc=*/256, /*nc=*/3072, 1},
                     {&ukernel<1>, &ukernel<2>, &ukernel<3>, &ukernel<4>, &ukernel<5>, &ukernel<6>}};
}

}  // namespace ik::cpu::detail
