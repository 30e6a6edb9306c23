// The int8 GEMM epilogue in AVX-512 (gemm_s8.h "Outputs"), shared by the VNNI and AMX variants:
// + per-column offset, then s32 store, fp32 dequantization, or the single-rounding fixed-point
// requantization to u8 (quantize.h requantize_u8, bit for bit). Include only from files built
// with the AVX-512 flags (the Makefile gives them to *_avx512*.cpp).
//
//   u8: |x| (VPABSD), 32x32->64 VPMULUDQ on even and odd lanes, + 2^(shift-1), VPSRLVQ by the
//       per-lane shift, merge, negate the lanes where x < 0 (round half away from zero), clamp
//       to +-256 (so adding Zc cannot overflow), + Zc, clamp to 0..255, VPMOVDB masked store.
#pragma once
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "cpu/gemm_s8/gemm_s8.h"

// Internal linkage: every including file gets its own copy, compiled with its own flags.
namespace ik::cpu::detail {
namespace {

inline __m512i requant16(__m512i x, const std::int32_t* multp, const std::int32_t* shiftp, __m512i zc) {
  const __m512i mult = _mm512_loadu_si512(multp);
  const __m512i shift = _mm512_loadu_si512(shiftp);
  const __m512i one = _mm512_set1_epi64(1);
  const __m512i ax = _mm512_abs_epi32(x);  // |INT_MIN| reads as 2^31 unsigned; |acc| < 2^31 anyway
  // Even lanes sit in the low halves of the 64-bit lanes; odd lanes are shifted down.
  const __m512i sh_e = _mm512_and_si512(shift, _mm512_set1_epi64(0xFFFFFFFF));
  const __m512i sh_o = _mm512_srli_epi64(shift, 32);
  __m512i pe = _mm512_mul_epu32(ax, mult);
  __m512i po = _mm512_mul_epu32(_mm512_srli_epi64(ax, 32), _mm512_srli_epi64(mult, 32));
  pe = _mm512_srlv_epi64(_mm512_add_epi64(pe, _mm512_sllv_epi64(one, _mm512_sub_epi64(sh_e, one))), sh_e);
  po = _mm512_srlv_epi64(_mm512_add_epi64(po, _mm512_sllv_epi64(one, _mm512_sub_epi64(sh_o, one))), sh_o);
  // Both results are < 2^31: the high half of each 64-bit lane is 0, an OR merges them.
  __m512i r = _mm512_or_si512(pe, _mm512_slli_epi64(po, 32));
  r = _mm512_mask_sub_epi32(r, _mm512_movepi32_mask(x), _mm512_setzero_si512(), r);
  r = _mm512_min_epi32(_mm512_max_epi32(r, _mm512_set1_epi32(-256)), _mm512_set1_epi32(256));
  r = _mm512_add_epi32(r, zc);
  return _mm512_min_epi32(_mm512_max_epi32(r, _mm512_setzero_si512()), _mm512_set1_epi32(255));
}

inline __mmask16 lane_mask(int n, int q) {
  const int left = n - 16 * q;
  return left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
}

// Stores one row of Q x 16 int32 sums through the epilogue.
template <int Q>
inline void store_row(const __m512i (&r)[Q], void* c, index_t row, index_t ldc, const __mmask16 (&mask)[Q],
                      const __m512i (&off)[Q], const S8Epilogue& ep) {
  if (ep.kind == S8Output::s32) {
    auto* out = static_cast<std::int32_t*>(c) + row * ldc;
#pragma GCC unroll 4
    for (int q = 0; q < Q; ++q) _mm512_mask_storeu_epi32(out + 16 * q, mask[q], _mm512_add_epi32(r[q], off[q]));
  } else if (ep.kind == S8Output::f32) {
    auto* out = static_cast<float*>(c) + row * ldc;
#pragma GCC unroll 4
    for (int q = 0; q < Q; ++q)
      _mm512_mask_storeu_ps(out + 16 * q, mask[q],
                            _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(r[q], off[q])),
                                          _mm512_loadu_ps(ep.scale + 16 * q)));
  } else {
    auto* out = static_cast<std::uint8_t*>(c) + row * ldc;
    const __m512i zc = _mm512_set1_epi32(ep.c_zero_point);
#pragma GCC unroll 4
    for (int q = 0; q < Q; ++q)
      _mm512_mask_cvtepi32_storeu_epi8(
          out + 16 * q, mask[q], requant16(_mm512_add_epi32(r[q], off[q]), ep.mult + 16 * q, ep.shift + 16 * q, zc));
  }
}

}  // namespace
}  // namespace ik::cpu::detail
