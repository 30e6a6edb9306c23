// AVX2 + F16C kernels of common/half_convert.h (compiled with -mavx2 -mfma -mf16c).
//
//   fp16:  VCVTPS2PH ymm->xmm with imm8 = _MM_FROUND_TO_NEAREST_INT, so MXCSR.RC cannot change
//          the rounding; VCVTPH2PS xmm->ymm (Intel SDM Vol. 2). Both match common/half.h on
//          every input, NaN payloads included (the scalar code was written to their convention).
//   bf16:  the integer RNE of f32_to_bf16 on 8 lanes: (x + 0x7FFF + lsb) >> 16, NaN lanes
//          replaced by (x | 0x00400000) via compare + blend, then VPACKUSDW packs two ymm of
//          16-bit results (it packs within 128-bit lanes, hence the VPERMQ that restores order).
//          bf16 -> fp32: VPMOVZXWD and a 16-bit left shift.
//
// Tails (n not a multiple of the vector step) go through a stack buffer: copy in, convert one
// full vector, copy n elements out. That keeps the tail on the same instructions as the body
// (so it cannot disagree with it) and never touches memory past n.
#include <immintrin.h>

#include <cstring>

#include "common/half_convert.h"

namespace ik::half_detail {
namespace {

inline __m128i cvt8_f32_f16(const float* s) {
  return _mm256_cvtps_ph(_mm256_loadu_ps(s), _MM_FROUND_TO_NEAREST_INT);
}

inline __m256 cvt8_f16_f32(const std::uint16_t* s) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s)));
}

// 8 fp32 -> 8 bf16 in the low 16 bits of each 32-bit lane (high bits zero).
inline __m256i round8_bf16(__m256 v) {
  const __m256i x = _mm256_castps_si256(v);
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(x, 16), _mm256_set1_epi32(1));
  const __m256i rounded = _mm256_add_epi32(_mm256_add_epi32(x, _mm256_set1_epi32(0x7FFF)), lsb);
  // |x| > Inf bits <=> NaN; |x| < 2^31 so the signed compare is exact.
  const __m256i abs = _mm256_and_si256(x, _mm256_set1_epi32(0x7FFFFFFF));
  const __m256i is_nan = _mm256_cmpgt_epi32(abs, _mm256_set1_epi32(0x7F800000));
  const __m256i quiet = _mm256_or_si256(x, _mm256_set1_epi32(0x00400000));
  return _mm256_srli_epi32(_mm256_blendv_epi8(rounded, quiet, is_nan), 16);
}

// 16 fp32 -> 16 bf16 (one ymm of u16, in order).
inline __m256i cvt16_f32_bf16(const float* s) {
  const __m256i lo = round8_bf16(_mm256_loadu_ps(s));
  const __m256i hi = round8_bf16(_mm256_loadu_ps(s + 8));
  // Values are <= 0xFFFF, so the unsigned saturation of VPACKUSDW never triggers.
  return _mm256_permute4x64_epi64(_mm256_packus_epi32(lo, hi), _MM_SHUFFLE(3, 1, 2, 0));
}

inline __m256 cvt8_bf16_f32(const std::uint16_t* s) {
  const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}

}  // namespace

void f32_to_f16_avx2(const float* src, std::uint16_t* dst, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), cvt8_f32_f16(src + i));
  if (i < n) {
    alignas(32) float in[8] = {};
    alignas(16) std::uint16_t out[8];
    std::memcpy(in, src + i, (n - i) * sizeof(float));
    _mm_store_si128(reinterpret_cast<__m128i*>(out), cvt8_f32_f16(in));
    std::memcpy(dst + i, out, (n - i) * sizeof(std::uint16_t));
  }
}

void f16_to_f32_avx2(const std::uint16_t* src, float* dst, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, cvt8_f16_f32(src + i));
  if (i < n) {
    alignas(16) std::uint16_t in[8] = {};
    alignas(32) float out[8];
    std::memcpy(in, src + i, (n - i) * sizeof(std::uint16_t));
    _mm256_store_ps(out, cvt8_f16_f32(in));
    std::memcpy(dst + i, out, (n - i) * sizeof(float));
  }
}

void f32_to_bf16_avx2(const float* src, std::uint16_t* dst, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), cvt16_f32_bf16(src + i));
  if (i < n) {
    alignas(32) float in[16] = {};
    alignas(32) std::uint16_t out[16];
    std::memcpy(in, src + i, (n - i) * sizeof(float));
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), cvt16_f32_bf16(in));
    std::memcpy(dst + i, out, (n - i) * sizeof(std::uint16_t));
  }
}

void bf16_to_f32_avx2(const std::uint16_t* src, float* dst, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, cvt8_bf16_f32(src + i));
  if (i < n) {
    alignas(16) std::uint16_t in[8] = {};
    alignas(32) float out[8];
    std::memcpy(in, src + i, (n - i) * sizeof(std::uint16_t));
    _mm256_store_ps(out, cvt8_bf16_f32(in));
    std::memcpy(dst + i, out, (n - i) * sizeof(float));
  }
}

}  // namespace ik::half_detail
