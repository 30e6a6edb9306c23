// bf16gemm entry points: registry and dispatch (AVX512_BF16 checked on top of the avx512 path),
// argument validation, bf16 packing of the weight (plain or k-pairs), packing of A (rounded to
// bf16, stored as pairs or widened to fp32 for the widening kernels), and the blocked loop nest
// of common/gemm_driver.h. See gemm_bf16.h for the contract and the layouts.
#include "cpu/gemm_bf16/gemm_bf16.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "common/error.h"
#include "common/half.h"
#include "common/half_convert.h"

namespace ik::cpu {

const std::vector<Bf16gemmKernel>& bf16gemm_kernels() {
  static const std::vector<Bf16gemmKernel> kernels = {
      detail::bf16gemm_kernel_scalar,
      detail::bf16gemm_kernel_avx2,
      detail::bf16gemm_kernel_avx512,
      detail::bf16gemm_kernel_avx512bf16,
      detail::bf16gemm_kernel_amx,
  };
  return kernels;
}

const Bf16gemmKernel& bf16gemm_selected_kernel() { return select_kernel("gemm_bf16", bf16gemm_kernels()); }

namespace {

// fp32 -> bf16 run converter (RNE, common/half.h bit for bit) for the kernel's ISA, chosen once
// per call: the public convert_f32_to_bf16 reads IK_ISA on every call.
using Bf16Round = void (*)(const float*, std::uint16_t*, std::size_t);
void f32_to_bf16_scalar(const float* s, std::uint16_t* d, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) d[i] = f32_to_bf16(s[i]);
}
Bf16Round round_for(Isa isa) {
  switch (isa) {
    case Isa::avx512: return &half_detail::f32_to_bf16_avx512;
    case Isa::avx2: return &half_detail::f32_to_bf16_avx2;
    default: return &f32_to_bf16_scalar;
  }
}

template <typename TA>
void bf16gemm_packed_impl(index_t M, index_t N, index_t K, float alpha, const TA* A, index_t lda,
                          const Bf16gemmPackedWeights& B, float beta, float* C, index_t ldc,
                          const Bf16gemmOptions& options) {
  constexpr const char* where = "ik::cpu::bf16gemm_packed";
  gemm_driver::check_packed_run_args(where, "an empty Bf16gemmPackedWeights (not produced by bf16gemm_pack_b)", M, N, K, A, lda, B,
                                     C, ldc, options);
  const int max_threads = ik::resolve_threads(where, options.threads);
  const Bf16gemmKernel& kern = B.kernel();
  IK_REQUIRE(kernel_runnable(kern), where, "B was packed for ", kern.name,
             ", which this CPU cannot run");
  if (alpha == 0.0f) {
    gemm_driver::scale_c(M, N, beta, C, ldc);
    return;
  }
  const gemm_driver::Blocking& blk = kern.blk;
  const Bf16Round round = round_for(kern.isa);
  const auto* uk = kern.ukernel;
  if (blk.k_group == 2) {
    // A as bf16: pairs for VDPBF16PS, rows for AMX tiles (blk.a_rows).
    auto pack = [&](index_t i0, index_t mc, index_t p0, index_t kc, std::uint16_t* dst) {
      if constexpr (std::is_same_v<TA, float>)
        gemm_driver::pack_a(A, lda, i0, mc, p0, kc, blk, dst,
                            [round](const float* s, std::uint16_t* d, index_t n) { round(s, d, std::size_t(n)); });
      else
        gemm_driver::pack_a(A, lda, i0, mc, p0, kc, blk, dst, [](const std::uint16_t* s, std::uint16_t* d, index_t n) {
          std::memcpy(d, s, std::size_t(n) * sizeof(std::uint16_t));
        });
    };
    gemm_driver::run_packed<std::uint16_t>(blk, uk, M, N, K, alpha, pack, B.data(), sizeof(std::uint16_t), beta, C,
                                           ldc, max_threads);
  } else {
    // A as fp32 holding bf16 values: the widening kernels then compute the same function.
    auto pack = [&](index_t i0, index_t mc, index_t p0, index_t kc, float* dst) {
      gemm_driver::pack_a(A, lda, i0, mc, p0, kc, blk, dst, [round](const TA* s, float* d, index_t n) {
        std::uint16_t h[gemm_driver::kPackARun];  // pack_a hands out runs of at most kPackARun
        if constexpr (std::is_same_v<TA, float>)
          round(s, h, std::size_t(n));
        else
          std::memcpy(h, s, std::size_t(n) * sizeof(std::uint16_t));
        for (index_t i = 0; i < n; ++i) d[i] = bf16_to_f32(h[i]);
      });
    };
    gemm_driver::run_packed<float>(blk, uk, M, N, K, alpha, pack, B.data(), sizeof(std::uint16_t), beta, C, ldc,
                                   max_threads);
  }
}

}  // namespace

Bf16gemmPackedWeights bf16gemm_pack_b_impl(WeightLayout layout, index_t K, index_t N, const void* B, bool from_bf16,
                                     index_t ldb, const Bf16gemmOptions& options) {
  constexpr const char* where = "ik::cpu::bf16gemm_pack_b";
  const int threads = ik::resolve_threads(where, options.threads);
  const Bf16gemmKernel& kern = resolve_kernel(where, options.kernel, &bf16gemm_selected_kernel);
  return gemm_driver::pack_b_16bit(where, layout, K, N, B, from_bf16, ldb, kern, threads,
                                   [](float x) { return f32_to_bf16(x); });
}

Bf16gemmPackedWeights bf16gemm_pack_b(WeightLayout layout, index_t K, index_t N, const float* B, index_t ldb,
                                const Bf16gemmOptions& options) {
  return bf16gemm_pack_b_impl(layout, K, N, B, false, ldb, options);
}
Bf16gemmPackedWeights bf16gemm_pack_b(WeightLayout layout, index_t K, index_t N, const std::uint16_t* B_bf16,
                                index_t ldb, const Bf16gemmOptions& options) {
  return bf16gemm_pack_b_impl(layout, K, N, B_bf16, true, ldb, options);
}

void bf16gemm_packed(index_t M, index_t N, index_t K, float alpha, const float* A, index_t lda,
                     const Bf16gemmPackedWeights& B, float beta, float* C, index_t ldc, const Bf16gemmOptions& options) {
  bf16gemm_packed_impl(M, N, K, alpha, A, lda, B, beta, C, ldc, options);
}
void bf16gemm_packed(index_t M, index_t N, index_t K, float alpha, const std::uint16_t* A_bf16, index_t lda,
                     const Bf16gemmPackedWeights& B, float beta, float* C, index_t ldc, const Bf16gemmOptions& options) {
  bf16gemm_packed_impl(M, N, K, alpha, A_bf16, lda, B, beta, C, ldc, options);
}

}  // namespace ik::cpu
