// gemm_sp24_f32_3x32_avx2 / gemv_sp24_f32_gather8_avx2: the AVX2+FMA 2:4 kernels.
//
// GEMM: the AVX-512 kernel's scheme (see gemm_sp24_avx512.cpp) in 16 ymm registers: a 3 x 32 tile
// of Y = 12 accumulators, 2 broadcast weights; the packed X panel (Kpad x 32) is L2-resident,
// each selected X row slice is an FMA memory operand, no K blocking (see the AVX-512 file).
// GEMV: AVX2 has no two-register permute, so the 8 selected x of 4 groups are one vgatherdps
// with lane indices 4 * (t / 2) + pos(t) expanded from the metadata word (vpsrlvd, vpand, vpaddd);
// x (Kpad floats) is L1/L2-resident, the values and metadata stream.
//
// Test: make test ARGS='-tc=sparse_24*'   Bench: make bench FILTER='sparse_24'
#include <immintrin.h>

#include <algorithm>

#include "cpu/sparse_24/sparse_24_internal.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 3, kNR = 32, kKC = 1 << 20;

template <int MR>
void tile(const float* const* vrow, const std::uint32_t* const* mrow, index_t g0, index_t ng,
          const float* xblk, float* y, index_t ldy, const __m256i* mask, bool full, bool first) {
  __m256 acc[MR][4];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < 4; ++v)
      acc[r][v] = first ? _mm256_setzero_ps()
                        : (full ? _mm256_loadu_ps(y + r * ldy + 8 * v) : _mm256_maskload_ps(y + r * ldy + 8 * v, mask[v]));
  for (index_t w = 0; w < ng / 8; ++w) {
    std::uint32_t bits[MR];
    for (int r = 0; r < MR; ++r) bits[r] = mrow[r][g0 / 8 + w];
    const float* xg = xblk + w * 32 * kNR;
#pragma GCC unroll 2
    for (int gi = 0; gi < 8; ++gi) {
      const index_t g = g0 + w * 8 + gi;
      for (int r = 0; r < MR; ++r) {
        const float* x0 = xg + (bits[r] & 3) * kNR;
        const float* x1 = xg + ((bits[r] >> 2) & 3) * kNR;
        bits[r] >>= 4;
        const __m256 v0 = _mm256_broadcast_ss(vrow[r] + 2 * g), v1 = _mm256_broadcast_ss(vrow[r] + 2 * g + 1);
        for (int v = 0; v < 4; ++v) {
          acc[r][v] = _mm256_fmadd_ps(v0, _mm256_load_ps(x0 + 8 * v), acc[r][v]);
          acc[r][v] = _mm256_fmadd_ps(v1, _mm256_load_ps(x1 + 8 * v), acc[r][v]);
        }
      }
      xg += 4 * kNR;
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < 4; ++v) {
      if (full) _mm256_storeu_ps(y + r * ldy + 8 * v, acc[r][v]);
      else _mm256_maskstore_ps(y + r * ldy + 8 * v, mask[v], acc[r][v]);
    }
}

void gemm_avx2(const Sparse24Matrix& W, index_t r0, index_t r1, index_t g0, index_t ng,
               const float* xblk, float* Y, index_t ldy, int n, bool first) {
  __m256i mask[4];
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int v = 0; v < 4; ++v) mask[v] = _mm256_cmpgt_epi32(_mm256_set1_epi32(std::clamp(n - 8 * v, 0, 8)), lane);
  const bool full = n == kNR;
  for (index_t i = r0; i < r1; i += kMR) {
    const int m = static_cast<int>(std::min<index_t>(kMR, r1 - i));
    const float* vrow[kMR];
    const std::uint32_t* mrow[kMR];
    for (int r = 0; r < m; ++r) {
      vrow[r] = W.values() + (i + r) * W.ld_values();
      mrow[r] = W.meta() + (i + r) * W.ld_meta();
    }
    float* y = Y + i * ldy;
    if (m == 3) tile<3>(vrow, mrow, g0, ng, xblk, y, ldy, mask, full, first);
    else if (m == 2) tile<2>(vrow, mrow, g0, ng, xblk, y, ldy, mask, full, first);
    else tile<1>(vrow, mrow, g0, ng, xblk, y, ldy, mask, full, first);
  }
}

inline float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

void gemv_avx2(const Sparse24Matrix& W, index_t r0, index_t r1, const float* xpad, float* y,
               index_t incy) {
  const index_t words = W.ld_meta();
  const __m256i sh_lo = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  const __m256i sh_hi = _mm256_setr_epi32(16, 18, 20, 22, 24, 26, 28, 30);
  const __m256i base = _mm256_setr_epi32(0, 0, 4, 4, 8, 8, 12, 12);
  const __m256i three = _mm256_set1_epi32(3);
  for (index_t i = r0; i < r1; ++i) {
    const float* v = W.values() + i * W.ld_values();
    const std::uint32_t* m = W.meta() + i * W.ld_meta();
    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
    for (index_t c = 0; c < words; ++c) {
      const __m256i wv = _mm256_set1_epi32(static_cast<int>(m[c]));
      const __m256i i0 = _mm256_add_epi32(_mm256_and_si256(_mm256_srlv_epi32(wv, sh_lo), three), base);
      const __m256i i1 = _mm256_add_epi32(_mm256_and_si256(_mm256_srlv_epi32(wv, sh_hi), three), base);
      a0 = _mm256_fmadd_ps(_mm256_load_ps(v + 16 * c), _mm256_i32gather_ps(xpad + 32 * c, i0, 4), a0);
      a1 = _mm256_fmadd_ps(_mm256_load_ps(v + 16 * c + 8), _mm256_i32gather_ps(xpad + 32 * c + 16, i1, 4), a1);
    }
    y[i * incy] = hsum(_mm256_add_ps(a0, a1));
  }
}

}  // namespace

constexpr Sp24Kernel sp24_kernel_avx2 = [] {
  auto k = entry<Sp24Kernel>("gemm_sp24_f32_3x32_avx2", Isa::avx2, feature::avx2_bundle);
  k.gemv_name = "gemv_sp24_f32_gather8_avx2";
  k.mr = kMR;
  k.nr = kNR;
  k.kc = kKC;
  k.gemm = gemm_avx2;
  k.gemv = gemv_avx2;
  return k;
}();

}  // namespace ik::cpu::detail
