// The 14x32 microkernel shared by the 16-bit-weight families (cpu/gemm_f16, cpu/gemm_bf16):
// the sgemm_14x32_avx512 register tile with each packed B row widened to fp32 in registers by
// LoadB (F16C VCVTPH2PS for fp16; zero-extend and shift left 16 for bf16, whose bits are the
// high half of an fp32). Everything else -- the rolled GEMV loop for M = 1, the accumulator
// split for M = 2 (decode at load speed, not FMA latency), the near and far B prefetches, the
// masked C edges -- is the same for both formats, so it lives here once; each family
// instantiates ukernel<its LoadB, M>.
// Contract: see common/gemm_driver.h (Microkernel). Include only from a *_avx512*.cpp file: it
// uses AVX512 intrinsics, which the Makefile enables per file (the avx512 bundle).
#pragma once
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized (GCC PR 105593, see
// common/half_convert_avx512.cpp); silenced for the header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

#include "common/gemm_driver.h"

namespace ik::widen_avx512 {

constexpr int kMR = 14, kNR = 32;
// A micro-panel 14 x 512 x 4 B = 28 KiB in the 48 KiB L1; B block 512 x 1024 x 2 B = 1 MiB in
// L2 (the fp32 kernel's 1 MiB, at twice the depth: fp16 halves the bytes). Measured here,
// 1 thread, KC 256 -> 512: 155 -> 162 GFLOP/s at 1024^3, 138 -> 150 at 2048^3, and GEMV
// 4096 x 11008 (cold) 7.0 -> 6.7 ms (fewer k blocks, longer sequential runs of B). That was
// the register path alone; the fp16 kernel now stages B in fp32 for large M and uses KC 256
// (see cpu/gemm_f16/hgemm_ukernel_avx512.cpp), the bf16 widening kernel keeps 512.
constexpr int kMC = 168, kKC = 512, kNC = 1024;
constexpr int kPrefetchB = 16;  // k-steps ahead: 16 lines, ~1 KiB (as the fp32 kernel, in k)
// Skinny tiles (M <= 2, GEMV) stream B from DRAM: a second prefetch, 4 KiB ahead into L2,
// keeps more misses in flight than the hardware streamer alone (which stops at every 4 KiB
// boundary). Measured here on GEMV 11008 x 4096 fp16, 1 thread: none -> 8 KiB ahead 8.3-8.7 ->
// 7.0-7.5 ms on 4 KiB pages; on huge pages (common/aligned_buffer.h), Llama ffn_up 1 / 2
// threads, 8 KiB -> 4 KiB: 5.9-6.1 -> 5.6-5.9 ms / 3.05-3.09 -> 2.76-2.93 ms (2, 3, 6, 16 KiB:
// slower than 4).
constexpr int kPrefetchFar = 4096 / sizeof(std::uint16_t);  // elements of B

// B staged in fp32 (gemm_driver::StagedB): ukernel<float, load_f32, M> reads the widened copy.
inline __m512 load_f32(const float* p) { return _mm512_load_ps(p); }

// The parts of a 14x32 microkernel that do not depend on how B is stored, shared with the
// VDPBF16PS kernel (cpu/gemm_bf16/bf16gemm_ukernel_avx512bf16.cpp): U sets of M x 2 zmm
// accumulators (U > 1 splits k for the skinny tiles), the C prefetch, and the epilogue.
template <int M, int U>
[[gnu::always_inline]] inline void zero_acc_prefetch_c(__m512 (&acc0)[U][M], __m512 (&acc1)[U][M], const float* c,
                                                       index_t ldc) {
#pragma GCC unroll 14
  for (int u = 0; u < U; ++u)
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) acc0[u][i] = acc1[u][i] = _mm512_setzero_ps();
#pragma GCC unroll 14
  for (int i = 0; i < M; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 31), _MM_HINT_T0);
  }
}

// Sums the U sets in a fixed order (deterministic, independent of threads), then
// C[i][0..n) = alpha * acc + beta * C (beta == 0: C is not read, so NaN in C is overwritten).
template <int M, int U>
[[gnu::always_inline]] inline void reduce_store_c(__m512 (&acc0)[U][M], __m512 (&acc1)[U][M], float* c, index_t ldc,
                                                  int n, float alpha, float beta) {
#pragma GCC unroll 4
  for (int u = 1; u < U; ++u)
#pragma GCC unroll 2
    for (int i = 0; i < M; ++i) {
      acc0[0][i] = _mm512_add_ps(acc0[0][i], acc0[u][i]);
      acc1[0][i] = _mm512_add_ps(acc1[0][i], acc1[u][i]);
    }
  const __mmask16 mask0 = n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
  const __mmask16 mask1 = n >= 32 ? __mmask16(0xFFFF) : n <= 16 ? __mmask16(0) : __mmask16((1u << (n - 16)) - 1);
  const __m512 valpha = _mm512_set1_ps(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) {
      _mm512_mask_storeu_ps(c + i * ldc, mask0, _mm512_mul_ps(valpha, acc0[0][i]));
      _mm512_mask_storeu_ps(c + i * ldc + 16, mask1, _mm512_mul_ps(valpha, acc1[0][i]));
    }
  } else {
    const __m512 vbeta = _mm512_set1_ps(beta);
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) {
      float* ci = c + i * ldc;
      const __m512 c0 = _mm512_maskz_loadu_ps(mask0, ci), c1 = _mm512_maskz_loadu_ps(mask1, ci + 16);
      _mm512_mask_storeu_ps(ci, mask0, _mm512_fmadd_ps(valpha, acc0[0][i], _mm512_mul_ps(vbeta, c0)));
      _mm512_mask_storeu_ps(ci + 16, mask1, _mm512_fmadd_ps(valpha, acc1[0][i], _mm512_mul_ps(vbeta, c1)));
    }
  }
}

template <typename TB, __m512 (*LoadB)(const TB*), int M>
void ukernel(index_t k, const void* av, const void* bv, float* c, index_t ldc, int n, float alpha, float beta) {
  const float* a = static_cast<const float*>(av);
  const TB* b = static_cast<const TB*>(bv);
  // U accumulator sets over interleaved k (see the header): M = 2 only.
  constexpr int U = M == 2 ? 2 : 1;
  __m512 acc0[U][M], acc1[U][M];
  zero_acc_prefetch_c<M, U>(acc0, acc1, c, ldc);

  index_t p = 0;
  if constexpr (M == 1) {
    // GEMV: one accumulator pair and a loop the compiler leaves rolled. Its FMA chain caps the
    // loop at 64 bytes of weight per 4 cycles (40-55 GB/s), far above what one core streams
    // from memory here (16-19 GB/s; only a weight hot in L2 would feel the cap), and the rolled
    // loop streams faster than the unrolled one over 4 accumulator sets it replaced. Measured
    // on one core, 4096 x 4096 fp16 packed weight rotated over 8 copies: 1719-1826 us against
    // 1819-1908 us (a plain read of the weight with the same prefetches: 1661-1784 us).
#pragma GCC unroll 1
    for (; p < k; ++p) {
      const __m512 ai = _mm512_set1_ps(a[p]);
      acc0[0][0] = _mm512_fmadd_ps(ai, LoadB(b), acc0[0][0]);
      acc1[0][0] = _mm512_fmadd_ps(ai, LoadB(b + 16), acc1[0][0]);
      _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchB * kNR), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchFar), _MM_HINT_T1);
      b += kNR;
    }
  }
  if constexpr (U > 1) {
    for (; p + U <= k; p += U) {
#pragma GCC unroll 4
      for (int u = 0; u < U; ++u) {
        const __m512 b0 = LoadB(b), b1 = LoadB(b + 16);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchB * kNR), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchFar), _MM_HINT_T1);
#pragma GCC unroll 2
        for (int i = 0; i < M; ++i) {
          const __m512 ai = _mm512_set1_ps(a[i]);
          acc0[u][i] = _mm512_fmadd_ps(ai, b0, acc0[u][i]);
          acc1[u][i] = _mm512_fmadd_ps(ai, b1, acc1[u][i]);
        }
        a += M;
        b += kNR;
      }
    }
  }
#pragma GCC unroll 2
  for (; p < k; ++p) {
    const __m512 b0 = LoadB(b), b1 = LoadB(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchB * kNR), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      acc0[0][i] = _mm512_fmadd_ps(ai, b0, acc0[0][i]);
      acc1[0][i] = _mm512_fmadd_ps(ai, b1, acc1[0][i]);
    }
    a += M;
    b += kNR;
  }
  reduce_store_c<M, U>(acc0, acc1, c, ldc, n, alpha, beta);
}


}  // namespace ik::widen_avx512
