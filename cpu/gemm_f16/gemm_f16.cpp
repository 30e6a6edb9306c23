// hgemm entry points: registry and dispatch, argument validation, fp16 packing of the weight,
// fp32 packing of A, and the blocked loop nest of common/gemm_driver.h. See gemm_f16.h for the
// contract and the packed layouts.
#include "cpu/gemm_f16/gemm_f16.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "common/error.h"
#include "common/half.h"
#include "common/half_convert.h"

namespace ik::cpu {

const std::vector<HgemmKernel>& hgemm_kernels() {
  static const std::vector<HgemmKernel> kernels = {
      detail::hgemm_kernel_scalar,
      detail::hgemm_kernel_avx2,
      detail::hgemm_kernel_avx512,
  };
  return kernels;
}

const HgemmKernel& hgemm_selected_kernel() { return select_kernel("gemm_f16", hgemm_kernels()); }

namespace {

// fp16 -> fp32 run converter for the kernel's ISA, chosen once per call: the public
// convert_f16_to_f32 reads IK_ISA on every call, too slow for one call per packed row.
using F16Widen = void (*)(const std::uint16_t*, float*, std::size_t);
void f16_to_f32_scalar(const std::uint16_t* s, float* d, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) d[i] = f16_to_f32(s[i]);
}
F16Widen widen_for(Isa isa) {
  switch (isa) {
    case Isa::avx512: return &half_detail::f16_to_f32_avx512;
    case Isa::avx2: return &half_detail::f16_to_f32_avx2;
    default: return &f16_to_f32_scalar;
  }
}

template <typename TA>
void hgemm_packed_impl(const char* where, index_t M, index_t N, index_t K, float alpha, const TA* A, index_t lda,
                       const HgemmPackedWeights& B, float beta, float* C, index_t ldc, const HgemmOptions& options) {
  gemm_driver::check_packed_run_args(where, "an empty HgemmPackedWeights (not produced by hgemm_pack_b)", M, N, K, A, lda, B,
                                     C, ldc, options);
  const int max_threads = ik::resolve_threads(where, options.threads);
  const HgemmKernel& kern = B.kernel();
  IK_REQUIRE(kernel_runnable(kern), where, "B was packed for ", kern.name, ", which this CPU cannot run");
  if (alpha == 0.0f) {
    gemm_driver::scale_c(M, N, beta, C, ldc);
    return;
  }
  const gemm_driver::Blocking& blk = kern.blk;
  auto pack = [&](index_t i0, index_t mc, index_t p0, index_t kc, float* dst) {
    if constexpr (std::is_same_v<TA, float>) {
      gemm_driver::pack_a(A, lda, i0, mc, p0, kc, blk, dst, [](const float* s, float* d, index_t n) {
        std::memcpy(d, s, static_cast<std::size_t>(n) * sizeof(float));
      });
    } else {
      const F16Widen widen = widen_for(kern.isa);
      gemm_driver::pack_a(A, lda, i0, mc, p0, kc, blk, dst, [widen](const std::uint16_t* s, float* d, index_t n) {
        widen(s, d, static_cast<std::size_t>(n));
      });
    }
  };
  gemm_driver::run_packed<float>(blk, kern.ukernel, M, N, K, alpha, pack, B.data(), sizeof(std::uint16_t),
                                 beta, C, ldc, max_threads, kern.staged.uk ? &kern.staged : nullptr);
}

}  // namespace

HgemmPackedWeights hgemm_pack_b_impl(WeightLayout layout, index_t K, index_t N, const void* B, bool from_f16,
                               index_t ldb, const HgemmOptions& options) {
  constexpr const char* where = "ik::cpu::hgemm_pack_b";
  const int threads = ik::resolve_threads(where, options.threads);
  const HgemmKernel& kern = resolve_kernel(where, options.kernel, &hgemm_selected_kernel);
  return gemm_driver::pack_b_16bit(where, layout, K, N, B, from_f16, ldb, kern, threads,
                                   [](float x) { return f32_to_f16(x); });
}

HgemmPackedWeights hgemm_pack_b(WeightLayout layout, index_t K, index_t N, const float* B, index_t ldb,
                          const HgemmOptions& options) {
  return hgemm_pack_b_impl(layout, K, N, B, false, ldb, options);
}
HgemmPackedWeights hgemm_pack_b(WeightLayout layout, index_t K, index_t N, const std::uint16_t* B_f16, index_t ldb,
                          const HgemmOptions& options) {
  return hgemm_pack_b_impl(layout, K, N, B_f16, true, ldb, options);
}

void hgemm_packed(index_t M, index_t N, index_t K, float alpha, const float* A, index_t lda, const HgemmPackedWeights& B,
                  float beta, float* C, index_t ldc, const HgemmOptions& options) {
  hgemm_packed_impl("ik::cpu::hgemm_packed", M, N, K, alpha, A, lda, B, beta, C, ldc, options);
}
void hgemm_packed(index_t M, index_t N, index_t K, float alpha, const std::uint16_t* A_f16, index_t lda,
                  const HgemmPackedWeights& B, float beta, float* C, index_t ldc, const HgemmOptions& options) {
  hgemm_packed_impl("ik::cpu::hgemm_packed", M, N, K, alpha, A_f16, lda, B, beta, C, ldc, options);
}

}  // namespace ik::cpu
