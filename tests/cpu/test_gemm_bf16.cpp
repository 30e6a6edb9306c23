// Tests of cpu/gemm_bf16 (bf16 operands, fp32 accumulation) against reference/gemm_f32 (double
// accumulation) on the widened bf16 inputs.
//
// Tolerance, derived: the kernel multiplies a~ = bf16(A) (fp32 A rounded RNE while packing, or
// bf16 A) by b~ = bf16(B). Both widen exactly to fp32 and each product a~ b~ is exact in fp32
// (8 x 8 significant bits), so against the double reference on (a~, b~) the error is the fp32
// summation only:
//   |c - c_ref| <= (gamma_K + 2u) * (|alpha| sum_k |a~ b~| + |beta c_old|) + abs,
// gamma_K = K u / (1 - K u), u = 2^-24 (Higham §3.1). VDPBF16PS (Intel SDM Vol. 2) adds its two
// products into the lane one after the other, each add rounded to nearest-even: at most one
// rounding per term, so gamma_K still holds. It also treats denormal inputs as zero and flushes
// denormal results (DAZ/FTZ): each of the <= K + 1 roundings may lose up to 2^-126 more, hence
// abs = |alpha| (K + 1) 2^-126 for that kernel (the random inputs here are normal; the bound
// is written for the general case). AMX TDPBF16PS follows the same rules (Intel SDM: FP32
// accumulation, RNE, DAZ/FTZ), with the same bound. Small-integer inputs (exact in bf16)
// must match exactly.
//
// Run: make test ARGS='-tc=gemm_bf16:*'
#include <omp.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/half.h"
#include "cpu/gemm_bf16/gemm_bf16.h"
#include "reference/gemm_f32.h"
#include "tests/cpu/packed_gemm_harness.h"
#include "tests/test_util.h"

using namespace ik;
using namespace ik::cpu;
using ik::test::TestMatrix;

namespace {

// The family under test; the same harness as tests/cpu/test_gemm_f16.cpp.
struct Family : Bf16gemmFamily {
  static float a_value(float x) { return bf16_to_f32(f32_to_bf16(x)); }  // fp32 A is rounded to bf16
  static ik::test::Tolerance tolerance(const Kernel& k, index_t K) {
    ik::test::Tolerance t = ik::test::fp32_dot_tolerance(K);
    // |alpha| <= 2 in these tests.
    if (k.requires & (feature::avx512bf16 | feature::amx_bf16)) t.abs += 2.0 * double(K + 1) * std::ldexp(1.0, -126);
    return t;
  }
  static bool supported(const Kernel& k) { return kernel_runnable(k); }
  static bool skip(const Kernel& k) { return ik::test::skip_unrunnable(k); }
};

using Harness = ik::test::PackedGemmHarness<Family>;

}  // namespace

TEST_CASE("gemm_bf16: every variant matches the reference around its tile boundaries") { Harness::tile_boundaries(); }

TEST_CASE("gemm_bf16: multi-block, GEMV and large shapes, both weight layouts") { Harness::multi_block_and_gemv(); }

TEST_CASE("gemm_bf16: small-integer inputs are exact") { Harness::small_integers_exact(); }

TEST_CASE("gemm_bf16: the result does not depend on the thread count (bitwise)") { Harness::thread_count_independent(); }

TEST_CASE("gemm_bf16: fp32 inputs are rounded to nearest-even bf16 (weights and activations); K odd pads a zero") {
  // 1 + 2^-8 is the tie between 1 and 1 + 2^-7: RNE gives 1; 1 + 3 * 2^-8 rounds up to 1 + 2^-6.
  const float t = std::ldexp(1.0f, -8);
  const float B[3] = {1.0f + t, 1.0f + 3 * t, -0.0f};
  const float A[1] = {1.0f + t};  // rounds to 1
  for (const Family::Kernel& kern : Family::kernels()) {
    if (Family::skip(kern)) continue;
    Family::Options opt;
    opt.kernel = &kern;
    const auto pb = Family::pack(WeightLayout::k_by_n, 1, 3, B, 3, opt);
    float C[3];
    Family::run(1, 3, 1, 1.0f, A, 1, pb, 0.0f, C, 3, opt);
    CHECK(C[0] == 1.0f);
    CHECK(C[1] == 1.0f + std::ldexp(1.0f, -6));
    CHECK(C[2] == 0.0f);
  }
}

TEST_CASE("gemm_bf16: alpha = 0 reads neither A nor B; beta = 0 overwrites NaN") { Harness::alpha_zero_and_beta_zero(); }


TEST_CASE("gemm_bf16: bad input throws ik::Error naming the argument") { Harness::bad_input(); }
