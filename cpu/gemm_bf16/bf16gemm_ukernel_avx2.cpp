// bf16gemm_6x16_avx2: the bf16 widening microkernel for AVX2 + FMA.
//
//   C[m x n] = alpha * A[m x k] * widen(B)[k x 16] + beta * C,  m = 1..6, n = 1..16,
//   A packed fp32 k-major (stride m, values already rounded to bf16), B packed bf16 k-major
//   (stride 16, 32 bytes per k).
//
// Technique: the sgemm_6x16_avx2 tile (12 ymm accumulators) with each B row widened in
// registers: VPMOVZXWD (8 x 16 -> 32 bits) and VPSLLD by 16 (bf16 is the high half of fp32;
// exact). M = 1, 2 split k over 4 / 2 accumulator sets (GEMV at load speed, not FMA latency).
// Edges: m < 6 own instantiation; n < 16 through VMASKMOVPS.
//
// Test: make test ARGS='-tc=gemm_bf16:*'   Bench: make bench FILTER='gemm_bf16/bf16gemm_6x16_avx2'
#include <immintrin.h>

#include <cstdint>

#include "common/gemm_widen_ukernel_avx2.h"
#include "cpu/gemm_bf16/gemm_bf16.h"

namespace ik::cpu::detail {
namespace {

using namespace ik::widen_avx2;  // kMR, kNR, ukernel<LoadB, M>: the shared tile

inline __m256 load_bf16(const std::uint16_t* p) {
  const __m128i h = _mm_load_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

template <int M>
constexpr auto kUkernel = &ik::widen_avx2::ukernel<std::uint16_t, load_bf16, M>;

constexpr std::array<gemm_driver::Microkernel, kMR> kUkernels = {kUkernel<1>, kUkernel<2>, kUkernel<3>, kUkernel<4>, kUkernel<5>, kUkernel<6>};
}  // namespace

constexpr Bf16gemmKernel bf16gemm_kernel_avx2 = [] {
  auto k = tiled_entry<Bf16gemmKernel>("bf16gemm_6x16_avx2", Isa::avx2, feature::avx2_bundle, kUkernels, kNR);
  k.blk = gemm_driver::blocking(kMR, kNR, /*mc=*/96, /*kc=*/256, /*nc=*/3072);
  return k;
}();

}  // namespace ik::cpu::detail
