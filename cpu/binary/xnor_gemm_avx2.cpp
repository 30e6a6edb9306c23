// xnor_gemm_b1_4x8_avx2: XNOR-popcount microkernel with the AVX2 nibble-LUT popcount.
//
//   C[i][j] = K - 2 * sum_w popcount(A[i][w] XOR B[j][w])   (+ the epilogue of binary.h)
//
// Technique (Mula, Kurz, Lemire, "Faster population counts using AVX2 instructions", Comput. J.
// 2018, §3): vpshufb looks up the popcount of 32 nibbles at once in a 16-entry table; the low
// and high nibble counts of each byte add into byte counters (<= 8 per word step), which hold up
// to 31 steps (31 * 8 = 248 < 256) before vpsadbw against zero widens them into the qword
// totals. Per (row, vector, word): vpxor, vpsrlw, 2 vpand, 2 vpshufb, 2 vpaddb.
//
// Layout: vectorized across columns, 4 qwords (4 columns) per ymm, 2 ymm per row = 8 columns;
// B from the 32-column weight panel (b + 32*w: B[j0..j0+7][w], see binary.h); A words are
// broadcast (vpbroadcastq). Register budget (16 ymm): 8 byte counters, 2 B vectors, the table,
// the nibble mask and temporaries; the 8 qword totals are touched once per 31 steps and may
// live in memory.
// Test: make test ARGS='-tc=binary:*xnor*'   Bench: make bench FILTER='binary/xnor_gemm_b1_4x8_avx2'
#include <immintrin.h>

#include "cpu/binary/binary.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 4, kNR = 8, kMaxByteSteps = 31;

template <int M>
void ukernel_4x8(index_t kw, const std::uint64_t* a, index_t lda, const std::uint64_t* b, int n,
                 const XnorTileOut& o) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                       0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  __m256i tot[M][2];
  for (int i = 0; i < M; ++i) tot[i][0] = tot[i][1] = _mm256_setzero_si256();
  for (index_t w0 = 0; w0 < kw; w0 += kMaxByteSteps) {
    const index_t w1 = w0 + kMaxByteSteps < kw ? w0 + kMaxByteSteps : kw;
    __m256i cnt[M][2];
    for (int i = 0; i < M; ++i) cnt[i][0] = cnt[i][1] = _mm256_setzero_si256();
    for (index_t w = w0; w < w1; ++w) {
      const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + w * kBinaryPanel));
      const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + w * kBinaryPanel + 4));
#pragma GCC unroll 4
      for (int i = 0; i < M; ++i) {
        const __m256i av = _mm256_set1_epi64x(static_cast<long long>(a[i * lda + w]));
        const __m256i x0 = _mm256_xor_si256(av, b0), x1 = _mm256_xor_si256(av, b1);
        const __m256i p0 = _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(x0, low)),
                                           _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x0, 4), low)));
        const __m256i p1 = _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(x1, low)),
                                           _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x1, 4), low)));
        cnt[i][0] = _mm256_add_epi8(cnt[i][0], p0);
        cnt[i][1] = _mm256_add_epi8(cnt[i][1], p1);
      }
    }
    for (int i = 0; i < M; ++i)
      for (int q = 0; q < 2; ++q)
        tot[i][q] = _mm256_add_epi64(tot[i][q], _mm256_sad_epu8(cnt[i][q], _mm256_setzero_si256()));
  }
  for (int i = 0; i < M; ++i) {
    alignas(32) long long t[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(t), tot[i][0]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(t + 4), tot[i][1]);
    for (int j = 0; j < n; ++j) {
      std::int32_t d = o.kbits - static_cast<std::int32_t>(2 * t[j]);
      if (o.row_offset) d += o.row_offset[i][o.col0 + j];
      if (o.c32) {
        o.c32[i * o.ldc + j] = d;
      } else {
        float f = static_cast<float>(d) * o.alpha[j];
        if (o.row_scale) f = f * o.row_scale[i];
        o.cf[i * o.ldc + j] = f;
      }
    }
  }
}

constexpr std::array<XnorMicrokernel, 4> kUkernels = {ukernel_4x8<1>, ukernel_4x8<2>, ukernel_4x8<3>, ukernel_4x8<4>};
}  // namespace

constexpr XnorKernel xnor_kernel_avx2 =
    tiled_entry<XnorKernel>("xnor_gemm_b1_4x8_avx2", Isa::avx2, feature::avx2_bundle, kUkernels, kNR);

}  // namespace ik::cpu::detail
