// The int8 GEMM epilogue in AVX2 (gemm_s8.h "Outputs"), shared by the AVX2 and AVX-VNNI
// variants: an M x 16 tile of int32 sums (two ymm per row) + per-column offset, then s32 store,
// fp32 dequantization, or the single-rounding fixed-point requantization to u8 (quantize.h
// requantize_u8, bit for bit: VPMULUDQ / VPSRLVQ on even and odd lanes, VPSIGND restores the
// sign, i.e. round half away from zero). n < 16 stores through VPMASKMOVD, bytes through a
// 16-byte staging copy. Include only from files built with the AVX2 flags (*_avx2*.cpp).
#pragma once
#include <immintrin.h>

#include <cstring>

#include "cpu/gemm_s8/gemm_s8.h"

// Internal linkage: every including file gets its own copy, compiled with its own flags.
namespace ik::cpu::detail {
namespace {

inline __m256i requant8(__m256i x, const std::int32_t* multp, const std::int32_t* shiftp, __m256i zc) {
  const __m256i mult = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(multp));
  const __m256i shift = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(shiftp));
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256i ax = _mm256_abs_epi32(x);
  const __m256i sh_e = _mm256_and_si256(shift, _mm256_set1_epi64x(0xFFFFFFFF));
  const __m256i sh_o = _mm256_srli_epi64(shift, 32);
  __m256i pe = _mm256_mul_epu32(ax, mult);
  __m256i po = _mm256_mul_epu32(_mm256_srli_epi64(ax, 32), _mm256_srli_epi64(mult, 32));
  pe = _mm256_srlv_epi64(_mm256_add_epi64(pe, _mm256_sllv_epi64(one, _mm256_sub_epi64(sh_e, one))), sh_e);
  po = _mm256_srlv_epi64(_mm256_add_epi64(po, _mm256_sllv_epi64(one, _mm256_sub_epi64(sh_o, one))), sh_o);
  __m256i r = _mm256_or_si256(pe, _mm256_slli_epi64(po, 32));
  r = _mm256_sign_epi32(r, x);  // -r where x < 0 (and r = 0 where x = 0)
  r = _mm256_min_epi32(_mm256_max_epi32(r, _mm256_set1_epi32(-256)), _mm256_set1_epi32(256));
  r = _mm256_add_epi32(r, zc);
  return _mm256_min_epi32(_mm256_max_epi32(r, _mm256_setzero_si256()), _mm256_set1_epi32(255));
}

// Lane j active (all ones) when j < n - 8q.
inline __m256i lane_mask(int n, int q) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n - 8 * q), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Stores rows 0..M-1 of the tile (acc0: columns 0-7, acc1: columns 8-15) through the epilogue.
template <int M>
inline void store_tile_avx2(const __m256i (&acc0)[M], const __m256i (&acc1)[M], void* c, index_t ldc, int n,
                            const S8Epilogue& ep) {
  constexpr int kNR = 16;
  const __m256i off0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ep.offset));
  const __m256i off1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ep.offset + 8));
  if (ep.kind == S8Output::u8) {
    auto* out = static_cast<std::uint8_t*>(c);
    const __m256i zc = _mm256_set1_epi32(ep.c_zero_point);
    for (int i = 0; i < M; ++i) {
      const __m256i r0 = requant8(_mm256_add_epi32(acc0[i], off0), ep.mult, ep.shift, zc);
      const __m256i r1 = requant8(_mm256_add_epi32(acc1[i], off1), ep.mult + 8, ep.shift + 8, zc);
      // Values are 0..255: the saturating packs are plain narrowing; the permute undoes their
      // per-128-bit-lane interleave.
      const __m256i p16 = _mm256_permute4x64_epi64(_mm256_packus_epi32(r0, r1), 0xD8);
      const __m128i p8 = _mm_packus_epi16(_mm256_castsi256_si128(p16), _mm256_extracti128_si256(p16, 1));
      if (n == kNR) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i * ldc), p8);
      } else {
        alignas(16) std::uint8_t tmp[16];
        _mm_store_si128(reinterpret_cast<__m128i*>(tmp), p8);
        std::memcpy(out + i * ldc, tmp, static_cast<std::size_t>(n));
      }
    }
    return;
  }
  const __m256i m0 = lane_mask(n, 0), m1 = lane_mask(n, 1);
  if (ep.kind == S8Output::s32) {
    auto* out = static_cast<std::int32_t*>(c);
#pragma GCC unroll 6
    for (int i = 0; i < M; ++i) {
      _mm256_maskstore_epi32(reinterpret_cast<int*>(out + i * ldc), m0, _mm256_add_epi32(acc0[i], off0));
      _mm256_maskstore_epi32(reinterpret_cast<int*>(out + i * ldc + 8), m1, _mm256_add_epi32(acc1[i], off1));
    }
  } else {
    auto* out = static_cast<float*>(c);
    const __m256 s0 = _mm256_loadu_ps(ep.scale), s1 = _mm256_loadu_ps(ep.scale + 8);
#pragma GCC unroll 6
    for (int i = 0; i < M; ++i) {
      _mm256_maskstore_ps(out + i * ldc, m0, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(acc0[i], off0)), s0));
      _mm256_maskstore_ps(out + i * ldc + 8, m1,
                          _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(acc1[i], off1)), s1));
    }
  }
}

}  // namespace
}  // namespace ik::cpu::detail
