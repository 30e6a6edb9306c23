// gemm_u8s8s32_6x16_avx2: the AVX2 int8 microkernel, exact over the full input range.
//
//   acc[i][j] = sum_g (a[2g][i] * w[2g][j] + a[2g+1][i] * w[2g+1][j]) + offset[j],  m <= 6, n <= 16
//
// Why not VPMADDUBSW: it multiplies u8 x s8 and adds adjacent pairs into int16 WITH SATURATION
// (Intel SDM Vol. 2 "PMADDUBSW"). 255 * 127 + 255 * 127 = 64770 and 255 * -128 * 2 = -65280 do
// not fit int16, so the usual VPMADDUBSW + VPMADDWD(1) sequence silently clips exactly the
// values a u8 activation of 255 against weights near +-127 produces (oneDNN works around it by
// scaling weights to 7 bits, which changes the result). Instead both operands are widened to
// int16 first and multiplied with VPMADDWD: each product |a w| <= 255 * 128 = 32640, the pair
// sum <= 65280, formed in int32, so nothing saturates (VPMADDWD's one saturating case needs all
// four inputs = -32768). The multiply-port cost is the same as VPMADDUBSW + VPMADDWD: two
// multiply uops per 32 MACs either way; the widening is paid once per loaded W vector
// (VPMOVSXBW, amortized over 6 rows) and A is widened once when it is packed (u16x2 pairs).
//
// Register budget (16 ymm): 6 rows x 2 ymm = 12 accumulators, 2 for the widened W pair-row,
// 1 for the broadcast A pair. Per k-pair: 2 VPMOVSXBW loads, 6 VPBROADCASTD loads,
// 12 VPMADDWD + 12 VPADDD. Packed W keeps pairs of k of one column together (KG = 2):
// 16 bytes = 8 columns x 2 k -> VPMOVSXBW -> 8 int32 lanes of (w[2g][j], w[2g+1][j]) int16 pairs.
//
// Epilogue: as the AVX-512 kernel (VPMULUDQ / VPSRLVQ requantization, VPSIGND restores the sign:
// round half away from zero), stores through VPMASKMOVD for n < 16, bytes through a 16-byte
// staging copy.
//
// Test: make test ARGS='-tc=gemm_s8:*'   Bench: make bench FILTER=gemm_u8s8s32_6x16_avx2
#include <immintrin.h>

#include <cstring>

#include "cpu/gemm_s8/gemm_s8.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 6, kNR = 16, kKG = 2;
constexpr int kMC = 96;
constexpr int kPrefetchW = 16;  // 16 pairs = 512 bytes ahead in the W panel

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

template <int M>
void ukernel_avx2(index_t steps, const std::uint8_t* a, const std::int8_t* w, void* c, index_t ldc, int n,
                  const S8Epilogue& ep) {
  __m256i acc0[M], acc1[M];
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i) acc0[i] = acc1[i] = _mm256_setzero_si256();
  const std::size_t elem = ep.kind == S8Output::u8 ? 1 : 4;
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i) {
    const char* row = static_cast<const char*>(c) + static_cast<std::size_t>(i * ldc) * elem;
    _mm_prefetch(row, _MM_HINT_T0);
    _mm_prefetch(row + elem * kNR - 1, _MM_HINT_T0);
  }

#pragma GCC unroll 2
  for (index_t g = 0; g < steps; ++g) {
    const __m256i b0 = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(w)));
    const __m256i b1 = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(w + 16)));
    _mm_prefetch(reinterpret_cast<const char*>(w + kPrefetchW * 32), _MM_HINT_T0);
#pragma GCC unroll 6
    for (int i = 0; i < M; ++i) {
      std::int32_t a2;  // two u16: a[2g][i], a[2g+1][i]
      std::memcpy(&a2, a + 4 * i, 4);
      const __m256i ai = _mm256_set1_epi32(a2);
      acc0[i] = _mm256_add_epi32(acc0[i], _mm256_madd_epi16(ai, b0));
      acc1[i] = _mm256_add_epi32(acc1[i], _mm256_madd_epi16(ai, b1));
    }
    a += 4 * M;
    w += 32;
  }

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

S8Kernel make_gemm_s8_kernel_avx2() {
  return S8Kernel{"gemm_u8s8s32_6x16_avx2", Isa::avx2, false, kMR, kNR, kKG, S8APack::u16x2, kMC,
                  {&ukernel_avx2<1>, &ukernel_avx2<2>, &ukernel_avx2<3>, &ukernel_avx2<4>, &ukernel_avx2<5>,
                   &ukernel_avx2<6>}};
}

}  // namespace ik::cpu::detail
