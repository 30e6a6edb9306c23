// The 6x16 microkernel shared by the 16-bit-weight families (cpu/gemm_f16, cpu/gemm_bf16):
// the sgemm_6x16_avx2 register tile with each packed B row widened to fp32 in registers by
// LoadB (F16C VCVTPH2PS for fp16; zero-extend and shift left 16 for bf16, whose bits are the
// high half of an fp32). Everything else -- the accumulator split for M = 1, 2 (GEMV at load
// speed, not FMA latency), the near and far B prefetches, the masked C edges -- is the same for
// both formats, so it lives here once; each family instantiates ukernel<std::uint16_t, its
// LoadB, M>, and ukernel<float, load_f32, M> for B blocks staged in fp32 (see load_f32).
// Contract: see common/gemm_driver.h (Microkernel). Include only from a *_avx2*.cpp file: it
// uses AVX2 intrinsics, which the Makefile enables per file (-mavx2 -mfma -mf16c).
#pragma once
#include <immintrin.h>
#include <cstdint>

#include "common/gemm_driver.h"

namespace ik::widen_avx2 {

constexpr int kMR = 6, kNR = 16;
constexpr int kPrefetchB = 32;  // k-steps ahead: 32 half-lines = 1 KiB
// Skinny tiles (M <= 2, GEMV) stream B from DRAM: a second prefetch, 8 KiB ahead into L2,
// keeps more misses in flight than the hardware streamer alone. Measured on GEMV 11008 x 4096
// fp16, 1 thread, interleaved runs: 8.3-8.7 ms -> 7.0-7.5 ms (4 KiB ahead: less; 16 KiB: less).
constexpr int kPrefetchFarBytes = 8192;

// B already fp32: for compute-bound shapes the driver widens each B block once into an
// L2-resident fp32 copy (gemm_driver::StagedB) instead of once per row tile in registers, where
// the VCVTPH2PS uops compete with the FMAs for the same ports. The widening is exact and this
// instantiation runs the same FMAs in the same order, so both paths give the same bits.
inline __m256 load_f32(const float* p) { return _mm256_load_ps(p); }

alignas(64) const int kMaskWindow[32] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                         0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0};

template <typename TB, __m256 (*LoadB)(const TB*), int M>
void ukernel(index_t k, const void* av, const void* bv, float* c, index_t ldc, int n, float alpha, float beta) {
  const float* a = static_cast<const float*>(av);
  const TB* b = static_cast<const TB*>(bv);
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
        const __m256 b0 = LoadB(b), b1 = LoadB(b + 8);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchB * kNR), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(b) + kPrefetchFarBytes, _MM_HINT_T1);
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
    const __m256 b0 = LoadB(b), b1 = LoadB(b + 8);
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


}  // namespace ik::widen_avx2
