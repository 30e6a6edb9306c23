// Tests of cpu/gemm_f16 (fp16 weights, fp32 arithmetic) against reference/gemm_f32 (double
// accumulation) on the widened inputs.
//
// Tolerance, derived: the kernel's inputs are a~ = A (fp32, used as is) or widen(A16), and
// b~ = widen(f16(B)) (B rounded RNE when packed from fp32). Every a~, b~ is an exact fp32 value,
// so the double reference on (a~, b~) is exact to ~2^-53 and the kernel's only error is its fp32
// FMA summation:
//   |c - c_ref| <= (gamma_K + 2u) * (|alpha| sum_k |a~_ik b~_kj| + |beta c_old|),
// gamma_K = K u / (1 - K u), u = 2^-24 (Higham §3.1; tests/test_util.h fp32_dot_tolerance),
// whatever order the accumulator sets and k blocks sum in. Small-integer inputs (|x| <= 4,
// exact in fp16, partial sums below 2^24) must match exactly. C is NaN-poisoned when beta == 0;
// padding columns of C must survive.
//
// Run: make test ARGS='-tc=gemm_f16:*'
#include <omp.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/half.h"
#include "cpu/gemm_f16/gemm_f16.h"
#include "reference/gemm_f32.h"
#include "tests/cpu/packed_gemm_harness.h"
#include "tests/test_util.h"

using namespace ik;
using namespace ik::cpu;
using ik::test::TestMatrix;

namespace {

// The family under test; tests/cpu/test_gemm_bf16.cpp runs the same harness with its traits.
struct Family : HgemmFamily {
  static float a_value(float x) { return x; }  // fp32 activations are not rounded
  static ik::test::Tolerance tolerance(const Kernel&, index_t K) { return ik::test::fp32_dot_tolerance(K); }
  static bool supported(const Kernel& k) { return kernel_runnable(k); }
  static bool skip(const Kernel& k) { return ik::test::skip_unrunnable(k); }
};

using Harness = ik::test::PackedGemmHarness<Family>;

}  // namespace

TEST_CASE("gemm_f16: every variant matches the reference around its tile boundaries") { Harness::tile_boundaries(); }

TEST_CASE("gemm_f16: multi-block, GEMV and large shapes, both weight layouts") { Harness::multi_block_and_gemv(); }

TEST_CASE("gemm_f16: small-integer inputs are exact") { Harness::small_integers_exact(); }

TEST_CASE("gemm_f16: the result does not depend on the thread count (bitwise)") { Harness::thread_count_independent(); }

TEST_CASE("gemm_f16: B staged in fp32 gives the same bits as B widened in registers") {
  // From M >= staged_min_m the driver widens B blocks once into an fp32 copy (StagedB); below
  // it every microkernel call widens B rows itself. Rows in whole MR tiles run the same MR-row
  // microkernel either way, so the first rows of an M above the threshold must equal, bit for
  // bit, the same rows computed with an M below it (1 thread: the same row tiles).
  for (const Family::Kernel& kern : Family::kernels()) {
    if (Family::skip(kern) || !kern.staged.uk) continue;
    CAPTURE(kern.name);
    const index_t mr = kern.blk.mr;
    const index_t m_reg = (kern.staged.min_m - 1) / mr * mr;                 // below: registers
    const index_t m_staged = kern.staged.min_m + 2 * mr + 3;                  // above: staged
    REQUIRE(m_reg >= mr);
    const index_t N = kern.staged.nc + kern.blk.nr + 5, K = kern.blk.kc + 37;
    ik::Rng rng(ik::test::test_seed(4242));
    std::vector<float> A(static_cast<std::size_t>(m_staged * K)), B(static_cast<std::size_t>(K * N));
    for (float& x : A) x = rng.uniform(-1.0f, 1.0f);
    for (float& x : B) x = rng.uniform(-1.0f, 1.0f);
    Family::Options opt;
    opt.kernel = &kern;
    opt.threads = 1;
    const auto pb = Family::pack(WeightLayout::k_by_n, K, N, B.data(), N, opt);
    std::vector<float> c_staged(static_cast<std::size_t>(m_staged * N)), c_reg(static_cast<std::size_t>(m_reg * N));
    Family::run(m_staged, N, K, 1.0f, A.data(), K, pb, 0.0f, c_staged.data(), N, opt);
    Family::run(m_reg, N, K, 1.0f, A.data(), K, pb, 0.0f, c_reg.data(), N, opt);
    CHECK(std::memcmp(c_staged.data(), c_reg.data(), c_reg.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("gemm_f16: packing rounds fp32 weights to nearest-even fp16, 16-bit input is copied") {
  // 1 + 2^-11 is the tie between 1 and 1 + 2^-10: RNE gives 1. 65520 rounds to Inf.
  const float B[4] = {1.0f + std::ldexp(1.0f, -11), 1.0f + 3 * std::ldexp(1.0f, -11), 65520.0f, -0.0f};
  const float A[1] = {1.0f};
  for (const Family::Kernel& kern : Family::kernels()) {
    if (Family::skip(kern)) continue;
    Family::Options opt;
    opt.kernel = &kern;
    const auto pb = Family::pack(WeightLayout::k_by_n, 1, 4, B, 4, opt);
    float C[4];
    Family::run(1, 4, 1, 1.0f, A, 1, pb, 0.0f, C, 4, opt);
    CHECK(C[0] == 1.0f);
    CHECK(C[1] == 1.0f + std::ldexp(1.0f, -9));
    CHECK(std::isinf(C[2]));
    CHECK(C[3] == 0.0f);
  }
}

TEST_CASE("gemm_f16: alpha = 0 reads neither A nor B; beta = 0 overwrites NaN") { Harness::alpha_zero_and_beta_zero(); }


TEST_CASE("gemm_f16: bad input throws ik::Error naming the argument") { Harness::bad_input(); }
