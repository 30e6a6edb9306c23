// AVX-512 (F, BW, VL, DQ) kernels of common/half_convert.h, 16 elements per zmm.
//
//   fp16:  VCVTPS2PH zmm->ymm with imm8 = _MM_FROUND_TO_NEAREST_INT (MXCSR.RC ignored) and
//          VCVTPH2PS ymm->zmm (Intel SDM Vol. 2); same results as the F16C ymm forms.
//   bf16:  integer RNE (x + 0x7FFF + lsb) >> 16, NaN lanes replaced by x | 0x00400000 under a
//          compare mask, narrowed with VPMOVDW. Not VCVTNEPS2BF16 (AVX512_BF16): that
//          instruction flushes fp32 subnormal inputs to zero and so differs from f32_to_bf16
//          for 0 < |x| < 2^-126. The integer form also needs no -mavx512bf16, so it runs on
//          AVX-512 CPUs without AVX512_BF16 (Skylake-X, Ice Lake) as well.
//          bf16 -> fp32: VPMOVZXWD and a 16-bit left shift.
//
// Tails: one masked iteration (masked loads do not fault on the lanes they skip, masked stores
// do not write them), so no element past n is read or written.
// GCC 12's AVX-512 headers self-initialize their "undefined" pass-through registers
// (__m512 __Y = __Y), which -Wmaybe-uninitialized reports at -O3 in every caller (GCC PR 105593,
// fixed in GCC 13). The warning is a false positive; silence it for this header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "common/half_convert.h"

namespace ik::half_detail {
namespace {

inline __mmask16 tail_mask(std::size_t left) {
  return static_cast<__mmask16>((1u << left) - 1u);  // left < 16
}

inline __m256i round16_bf16(__m512 v) {
  const __m512i x = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1));
  const __m512i rounded = _mm512_add_epi32(_mm512_add_epi32(x, _mm512_set1_epi32(0x7FFF)), lsb);
  const __m512i abs = _mm512_and_si512(x, _mm512_set1_epi32(0x7FFFFFFF));
  const __mmask16 is_nan = _mm512_cmpgt_epi32_mask(abs, _mm512_set1_epi32(0x7F800000));
  const __m512i r = _mm512_mask_or_epi32(rounded, is_nan, x, _mm512_set1_epi32(0x00400000));
  return _mm512_cvtepi32_epi16(_mm512_srli_epi32(r, 16));
}

inline __m512 widen16_bf16(__m256i b) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(b), 16));
}

}  // namespace

void f32_to_f16_avx512(const float* src, std::uint16_t* dst, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i),
                        _mm512_cvtps_ph(_mm512_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
  if (i < n) {
    const __mmask16 k = tail_mask(n - i);
    _mm256_mask_storeu_epi16(dst + i, k,
                             _mm512_cvtps_ph(_mm512_maskz_loadu_ps(k, src + i), _MM_FROUND_TO_NEAREST_INT));
  }
}

void f16_to_f32_avx512(const std::uint16_t* src, float* dst, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i))));
  if (i < n) {
    const __mmask16 k = tail_mask(n - i);
    _mm512_mask_storeu_ps(dst + i, k, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k, src + i)));
  }
}

void f32_to_bf16_avx512(const float* src, std::uint16_t* dst, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), round16_bf16(_mm512_loadu_ps(src + i)));
  if (i < n) {
    const __mmask16 k = tail_mask(n - i);
    _mm256_mask_storeu_epi16(dst + i, k, round16_bf16(_mm512_maskz_loadu_ps(k, src + i)));
  }
}

void bf16_to_f32_avx512(const std::uint16_t* src, float* dst, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(dst + i, widen16_bf16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i))));
  if (i < n) {
    const __mmask16 k = tail_mask(n - i);
    _mm512_mask_storeu_ps(dst + i, k, widen16_bf16(_mm256_maskz_loadu_epi16(k, src + i)));
  }
}

}  // namespace ik::half_detail
