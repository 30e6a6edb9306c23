// xnor_gemm_b1_6x32_avx512vpopcnt and xnor_gemm_b1_4x16_hs_avx512vpopcnt: XNOR-popcount GEMM
// microkernels for AVX-512 with VPOPCNTDQ.
//
//   C[i][j] = K - 2 * sum_w popcount(A[i][w] XOR B[j][w])   (int32, or the fp32 epilogue
//             float(.) * alpha[j] (* row_scale[i]), plus an optional int32 row offset)
//
// Layout: A rows packed (stride lda words); B from the 32-column weight panel (binary.h):
//
//   b + 32*w:  [ B[j0][w]  B[j0+1][w]  ...  B[j0+31][w] ]   -> 4 zmm, 8 columns (qwords) each
//
// Vectorized across columns, like an sgemm microkernel: per k-word, one A word is broadcast
// (folded into vpxorq as an embedded {1to8} operand) against 4 B vectors, so the 6 x 32 tile
// of counts lives in 24 zmm accumulators (8 qword lanes = 8 columns) and needs no horizontal
// reduction; any K works with no masking (padding bits are zero in both operands).
//
// 6x32 (plain): per (row, vector, word) vpxorq + vpopcntq (Intel SDM Vol. 2, VPOPCNTQ) + vpaddq:
// 3 uops for 512 bit-MACs. On Sapphire Rapids the 512-bit ALU ops issue on ports 0 and 5 only,
// so the bound is 1.5 cycles per 512 bit-MACs (341 bit-MACs/cycle = 682 dense-equivalent
// flop/cycle, 10.7x the fp32 FMA peak of 64 flop/cycle).
//
// 4x16_hs (Harley-Seal carry-save, Mula, Kurz, Lemire, Comput. J. 2018, §4; Harley-Seal 1960s):
// three words x0, x1, x2 (after XOR) go through one full adder built from two vpternlogq
//   s = x0 ^ x1 ^ x2 (imm 0x96),  c = maj(x0, x1, x2) (imm 0xE8),
//   popcount(x0) + popcount(x1) + popcount(x2) = popcount(s) + 2 popcount(c)
// so 2 vpopcntq per 3 words instead of 3 (the sum is kept in two accumulators, ones and twos).
// It trades popcounts (port 5 only) for ternlogs (ports 0 and 5): it wins where popcount is
// the scarce unit, and is measured against the plain kernel by the benchmark.
//
// Edges: m < MR rows use the instantiation with fewer rows; n < NR columns store under a mask.
// Test: make test ARGS='-tc=binary:*xnor*'   Bench: make bench FILTER='binary/xnor'
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "cpu/binary/binary.h"

namespace ik::cpu::detail {
namespace {

// Stores 8 columns (q-th group of 8 in the tile) of row i from 8 qword popcounts.
inline void store8(const XnorTileOut& o, int i, int q, int n, __m512i cnt) {
  const int left = n - 8 * q;
  if (left <= 0) return;
  const __mmask8 m = left >= 8 ? __mmask8(0xFF) : __mmask8((1u << left) - 1);
  __m256i d = _mm256_sub_epi32(_mm256_set1_epi32(o.kbits), _mm256_slli_epi32(_mm512_cvtepi64_epi32(cnt), 1));
  if (o.row_offset) d = _mm256_add_epi32(d, _mm256_maskz_loadu_epi32(m, o.row_offset[i] + o.col0 + 8 * q));
  if (o.c32) {
    _mm256_mask_storeu_epi32(o.c32 + i * o.ldc + 8 * q, m, d);
    return;
  }
  // Same fp32 operations, same order as the reference: exact convert, * alpha, * row scale.
  __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(d), _mm256_maskz_loadu_ps(m, o.alpha + 8 * q));
  if (o.row_scale) f = _mm256_mul_ps(f, _mm256_set1_ps(o.row_scale[i]));
  _mm256_mask_storeu_ps(o.cf + i * o.ldc + 8 * q, m, f);
}

template <int M>
void ukernel_6x32(index_t kw, const std::uint64_t* a, index_t lda, const std::uint64_t* b, int n,
                  const XnorTileOut& out) {
  __m512i acc[M][4];
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i)
    for (int q = 0; q < 4; ++q) acc[i][q] = _mm512_setzero_si512();
#pragma GCC unroll 2
  for (index_t w = 0; w < kw; ++w) {
    const __m512i b0 = _mm512_load_si512(b + w * kBinaryPanel);
    const __m512i b1 = _mm512_load_si512(b + w * kBinaryPanel + 8);
    const __m512i b2 = _mm512_load_si512(b + w * kBinaryPanel + 16);
    const __m512i b3 = _mm512_load_si512(b + w * kBinaryPanel + 24);
#pragma GCC unroll 6
    for (int i = 0; i < M; ++i) {
      const __m512i av = _mm512_set1_epi64(static_cast<long long>(a[i * lda + w]));
      acc[i][0] = _mm512_add_epi64(acc[i][0], _mm512_popcnt_epi64(_mm512_xor_si512(av, b0)));
      acc[i][1] = _mm512_add_epi64(acc[i][1], _mm512_popcnt_epi64(_mm512_xor_si512(av, b1)));
      acc[i][2] = _mm512_add_epi64(acc[i][2], _mm512_popcnt_epi64(_mm512_xor_si512(av, b2)));
      acc[i][3] = _mm512_add_epi64(acc[i][3], _mm512_popcnt_epi64(_mm512_xor_si512(av, b3)));
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i)
    for (int q = 0; q < 4; ++q) store8(out, i, q, n, acc[i][q]);
}

template <int M>
void ukernel_4x16_hs(index_t kw, const std::uint64_t* a, index_t lda, const std::uint64_t* b, int n,
                     const XnorTileOut& out) {
  __m512i ones[M][2], twos[M][2];
#pragma GCC unroll 4
  for (int i = 0; i < M; ++i)
    for (int q = 0; q < 2; ++q) ones[i][q] = twos[i][q] = _mm512_setzero_si512();
  index_t w = 0;
  for (; w + 3 <= kw; w += 3) {
    const std::uint64_t* bw = b + w * kBinaryPanel;
#pragma GCC unroll 2
    for (int q = 0; q < 2; ++q) {
      const __m512i b0 = _mm512_load_si512(bw + 8 * q);
      const __m512i b1 = _mm512_load_si512(bw + kBinaryPanel + 8 * q);
      const __m512i b2 = _mm512_load_si512(bw + 2 * kBinaryPanel + 8 * q);
#pragma GCC unroll 4
      for (int i = 0; i < M; ++i) {
        const std::uint64_t* ai = a + i * lda + w;
        const __m512i x0 = _mm512_xor_si512(b0, _mm512_set1_epi64(static_cast<long long>(ai[0])));
        const __m512i x1 = _mm512_xor_si512(b1, _mm512_set1_epi64(static_cast<long long>(ai[1])));
        const __m512i x2 = _mm512_xor_si512(b2, _mm512_set1_epi64(static_cast<long long>(ai[2])));
        const __m512i s = _mm512_ternarylogic_epi64(x0, x1, x2, 0x96);  // x0 ^ x1 ^ x2
        const __m512i c = _mm512_ternarylogic_epi64(x0, x1, x2, 0xE8);  // majority
        ones[i][q] = _mm512_add_epi64(ones[i][q], _mm512_popcnt_epi64(s));
        twos[i][q] = _mm512_add_epi64(twos[i][q], _mm512_popcnt_epi64(c));
      }
    }
  }
  for (; w < kw; ++w)
#pragma GCC unroll 2
    for (int q = 0; q < 2; ++q) {
      const __m512i bq = _mm512_load_si512(b + w * kBinaryPanel + 8 * q);
#pragma GCC unroll 4
      for (int i = 0; i < M; ++i)
        ones[i][q] = _mm512_add_epi64(
            ones[i][q], _mm512_popcnt_epi64(_mm512_xor_si512(bq, _mm512_set1_epi64(static_cast<long long>(a[i * lda + w])))));
    }
#pragma GCC unroll 4
  for (int i = 0; i < M; ++i)
    for (int q = 0; q < 2; ++q)
      store8(out, i, q, n, _mm512_add_epi64(ones[i][q], _mm512_slli_epi64(twos[i][q], 1)));
}

constexpr std::array<XnorMicrokernel, 6> k6x32 = {ukernel_6x32<1>, ukernel_6x32<2>, ukernel_6x32<3>, ukernel_6x32<4>, ukernel_6x32<5>, ukernel_6x32<6>};
constexpr std::array<XnorMicrokernel, 4> k4x16hs = {ukernel_4x16_hs<1>, ukernel_4x16_hs<2>, ukernel_4x16_hs<3>, ukernel_4x16_hs<4>};
}  // namespace

constexpr XnorKernel xnor_kernel_avx512vpopcnt =
    tiled_entry<XnorKernel>("xnor_gemm_b1_6x32_avx512vpopcnt", Isa::avx512, feature::avx512_bundle | feature::avx512vpopcntdq, k6x32, 32);
constexpr XnorKernel xnor_kernel_hs_avx512vpopcnt =
    tiled_entry<XnorKernel>("xnor_gemm_b1_4x16_hs_avx512vpopcnt", Isa::avx512, feature::avx512_bundle | feature::avx512vpopcntdq, k4x16hs, 16);

}  // namespace ik::cpu::detail
