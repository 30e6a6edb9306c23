// bf16gemm_14x32_avx512: the bf16 widening microkernel for AVX-512 CPUs without AVX512_BF16
// (Skylake-X, Ice Lake); the avx512 path uses it when cpu_features().avx512bf16 is false.
//
//   C[m x n] = alpha * A[m x k] * widen(B)[k x 32] + beta * C,  m = 1..14, n = 1..32,
//   A packed fp32 k-major (stride m, values already rounded to bf16), B packed bf16 k-major
//   (stride 32, one 64-byte line per k).
//
// Technique: the sgemm_14x32_avx512 register tile with each B row widened in registers:
// bf16 -> fp32 is exact and is VPMOVZXWD (16 -> 32 bits) then VPSLLD by 16 (the bf16 bits are
// the high half of the fp32). 2 x 2 integer ops per 28 FMAs. M = 2 splits k over 2 accumulator
// sets so decode streams B at load speed, not at FMA latency; M = 1 (GEMV) is one rolled loop
// (see common/gemm_widen_ukernel_avx512.h).
// Edges: m < 14 own instantiation; n < 32 masked C loads/stores.
// File name: no "bf16" in it, so the Makefile does not add -mavx512bf16: this code must run on
// AVX-512 CPUs that lack that extension.
//
// Test: make test ARGS='-tc=gemm_bf16:*'   Bench: make bench FILTER='gemm_bf16/bf16gemm_14x32_avx512/'
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

#include "common/gemm_widen_ukernel_avx512.h"
#include "cpu/gemm_bf16/gemm_bf16.h"

namespace ik::cpu::detail {
namespace {

using namespace ik::widen_avx512;  // kMR, kNR, ukernel<LoadB, M>: the shared tile

inline __m512 load_bf16(const std::uint16_t* p) {
  const __m256i h = _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

template <int M>
constexpr auto kUkernel = &ik::widen_avx512::ukernel<std::uint16_t, load_bf16, M>;

constexpr std::array<gemm_driver::Microkernel, kMR> kUkernels = {kUkernel<1>, kUkernel<2>, kUkernel<3>, kUkernel<4>, kUkernel<5>, kUkernel<6>, kUkernel<7>, kUkernel<8>, kUkernel<9>, kUkernel<10>, kUkernel<11>, kUkernel<12>, kUkernel<13>, kUkernel<14>};
}  // namespace

constexpr Bf16gemmKernel bf16gemm_kernel_avx512 = [] {
  auto k = tiled_entry<Bf16gemmKernel>("bf16gemm_14x32_avx512", Isa::avx512, feature::avx512_bundle, kUkernels, kNR);
  k.blk = gemm_driver::blocking(kMR, kNR, kMC, kKC, kNC);
  return k;
}();

}  // namespace ik::cpu::detail
