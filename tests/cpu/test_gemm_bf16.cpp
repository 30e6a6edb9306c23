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
#include "tests/test_util.h"

using namespace ik;
using namespace ik::cpu;
using ik::test::TestMatrix;

namespace {

// The family under test; the same harness as tests/cpu/test_gemm_f16.cpp.
struct Family {
  using Kernel = Bf16gemmKernel;
  using Options = Bf16gemmOptions;
  using Packed = Bf16gemmPackedB;
  static const std::vector<Kernel>& kernels() { return bf16gemm_kernels(); }
  static bool supported(const Kernel& k) { return bf16gemm_kernel_supported(k); }
  static std::uint16_t narrow(float x) { return f32_to_bf16(x); }
  static float widen(std::uint16_t h) { return bf16_to_f32(h); }
  static float a_value(float x) { return bf16_to_f32(f32_to_bf16(x)); }  // fp32 A is rounded to bf16
  template <typename TB>
  static Packed pack(WeightLayout l, index_t K, index_t N, const TB* B, index_t ldb, const Options& o) {
    return bf16gemm_pack_b(l, K, N, B, ldb, o);
  }
  template <typename TA>
  static void run(index_t M, index_t N, index_t K, float alpha, const TA* A, index_t lda, const Packed& B,
                  float beta, float* C, index_t ldc, const Options& o) {
    bf16gemm_packed(M, N, K, alpha, A, lda, B, beta, C, ldc, o);
  }
  static ik::test::Tolerance tolerance(const Kernel& k, index_t K) {
    ik::test::Tolerance t = ik::test::fp32_dot_tolerance(K);
    // |alpha| <= 2 in these tests.
    if (k.needs_avx512bf16 || k.needs_amx) t.abs += 2.0 * double(K + 1) * std::ldexp(1.0, -126);
    return t;
  }
};

bool skip(const Family::Kernel& k) {
  if (Family::supported(k)) return false;
  std::printf("skipped: %s needs %s%s%s, which this CPU/OS cannot run (%s)\n", k.name, isa_name(k.isa),
              k.needs_avx512bf16 ? " + AVX512_BF16" : "", k.needs_amx ? " + AMX-BF16 (tile state permitted)" : "",
              cpu_features_string().c_str());
  return true;
}

struct Case {
  index_t M, N, K;
  WeightLayout layout = WeightLayout::k_by_n;
  float alpha = 1.0f, beta = 0.0f;
  index_t pad = 0;
  bool small_int = false;
  bool a16 = false;  // A passed as 16-bit values
  bool b16 = false;  // B packed from 16-bit values
  int threads = 0;
};

std::string describe(const Case& c, const char* variant, std::uint64_t seed) {
  std::ostringstream os;
  os << variant << " M=" << c.M << " N=" << c.N << " K=" << c.K
     << (c.layout == WeightLayout::n_by_k ? " B=NxK" : " B=KxN") << " alpha=" << c.alpha << " beta=" << c.beta
     << " pad=" << c.pad << " a16=" << c.a16 << " b16=" << c.b16 << " small_int=" << c.small_int
     << " threads=" << c.threads << " seed=" << seed;
  return os.str();
}

// One case: random inputs, the reference on the widened values, the kernel, the check.
// Returns C (M x N) for bitwise comparisons between runs.
std::vector<float> run_case(const Case& c, const Family::Kernel& kern, std::uint64_t seed) {
  const std::string ctx = describe(c, kern.name, seed);
  Rng rng(seed);
  const bool nk = c.layout == WeightLayout::n_by_k;
  TestMatrix<float> A(c.M, c.K, c.pad), B(nk ? c.N : c.K, nk ? c.K : c.N, c.pad), C(c.M, c.N, c.pad);
  const float poison = ik::test::nan_poison();
  A.fill(poison);
  B.fill(poison);
  C.fill(poison);
  if (c.small_int) {
    fill_small_int(A.view(), rng);
    fill_small_int(B.view(), rng);
  } else {
    fill_uniform(A.view(), rng);
    fill_uniform(B.view(), rng);
  }
  if (c.beta != 0.0f) fill_uniform(C.view(), rng);
  // 16-bit copies (padding NaN too: it must never be read).
  TestMatrix<std::uint16_t> A16(A.rows, A.cols, c.pad), B16(B.rows, B.cols, c.pad);
  for (std::size_t e = 0; e < A.buf.size(); ++e) A16.buf[e] = Family::narrow(A.buf[e]);
  for (std::size_t e = 0; e < B.buf.size(); ++e) B16.buf[e] = Family::narrow(B.buf[e]);

  // The values the kernel multiplies, exactly, as fp32: the reference's inputs.
  std::vector<float> a(c.M * c.K), b(c.K * c.N), want(c.M * c.N), cold(c.M * c.N);
  for (index_t i = 0; i < c.M; ++i)
    for (index_t k = 0; k < c.K; ++k) a[i * c.K + k] = c.a16 ? Family::widen(A16(i, k)) : Family::a_value(A(i, k));
  for (index_t k = 0; k < c.K; ++k)
    for (index_t j = 0; j < c.N; ++j) b[k * c.N + j] = Family::widen(nk ? B16(j, k) : B16(k, j));
  for (index_t i = 0; i < c.M; ++i)
    for (index_t j = 0; j < c.N; ++j) cold[i * c.N + j] = want[i * c.N + j] = C(i, j);
  std::vector<double> scale(c.M * c.N);
  ref::sgemm(false, false, c.M, c.N, c.K, c.alpha, a.data(), c.K, b.data(), c.N, c.beta, want.data(), c.N,
             scale.data(), c.N);
  if (c.beta != 0.0f)
    for (std::size_t e = 0; e < scale.size(); ++e) scale[e] += std::fabs(double(c.beta) * cold[e]);

  Family::Options opt;
  opt.kernel = &kern;
  opt.threads = c.threads;
  const Family::Packed pb = c.b16 ? Family::pack(c.layout, c.K, c.N, B16.data(), B16.ld, opt)
                                  : Family::pack(c.layout, c.K, c.N, B.data(), B.ld, opt);
  if (c.a16)
    Family::run(c.M, c.N, c.K, c.alpha, A16.data(), A16.ld, pb, c.beta, C.data(), C.ld, opt);
  else
    Family::run(c.M, c.N, c.K, c.alpha, A.data(), A.ld, pb, c.beta, C.data(), C.ld, opt);

  std::vector<float> got(c.M * c.N);
  for (index_t i = 0; i < c.M; ++i)
    for (index_t j = 0; j < c.N; ++j) got[i * c.N + j] = C(i, j);
  if (c.small_int)
    ik::test::check_equal(ctx + " (small-int exact)", got.data(), c.N, want.data(), c.N, c.M, c.N);
  else
    ik::test::check_close(ctx, got.data(), c.N, want.data(), c.N, scale.data(), c.N, c.M, c.N,
                          Family::tolerance(kern, c.K));
  ik::test::check_padding_untouched(ctx + " C", C, poison);
  return got;
}

}  // namespace

TEST_CASE("gemm_bf16: every variant matches the reference around its tile boundaries") {
  for (const Family::Kernel& kern : Family::kernels()) {
    if (skip(kern)) continue;
    CAPTURE(kern.name);
    std::uint64_t salt = 0;
    const index_t kc = kern.blk.kc;
    for (index_t M : ik::test::sizes_around(kern.blk.mr))
      for (index_t N : ik::test::sizes_around(kern.blk.nr))
        for (index_t K : {index_t(1), index_t(2), index_t(3), index_t(7), kc - 1, kc + 1, 2 * kc + 3}) {
          // Plain (beta = 0 into NaN, K x N weight), then padded with alpha, beta, the N x K
          // weight, and 16-bit A or B inputs in turn.
          Case c{M, N, K};
          run_case(c, kern, ik::test::test_seed(++salt));
          c.layout = WeightLayout::n_by_k;
          c.pad = 1 + index_t(salt % 5);
          c.alpha = -1.5f;
          c.beta = 0.75f;
          c.a16 = salt % 3 == 0;
          c.b16 = salt % 4 == 1;
          run_case(c, kern, ik::test::test_seed(++salt));
        }
  }
}

TEST_CASE("gemm_bf16: multi-block, GEMV and large shapes, both weight layouts") {
  for (const Family::Kernel& kern : Family::kernels()) {
    if (skip(kern)) continue;
    CAPTURE(kern.name);
    std::uint64_t salt = 1000;
    const auto& b = kern.blk;
    struct Shape { index_t M, N, K; };
    // Crosses MC, KC and NC; M = 1 (GEMV) with a K tail after the split accumulators.
    const Shape shapes[] = {{b.mc + 1, 3 * b.nr + 1, 2 * b.kc + 5}, {2 * b.mc + b.mr + 1, 61, 97},
                            {5, b.nc + b.nr + 3, 19},           {1, 300, 4099},
                            {2, 129, 1031},                      {1, 1, 1}};
    for (WeightLayout l : {WeightLayout::k_by_n, WeightLayout::n_by_k})
      for (const Shape& s : shapes) {
        if (kern.isa == Isa::scalar && s.M * s.N * s.K > 3000000) continue;  // keep test time modest
        Case c{s.M, s.N, s.K, l, 0.5f, -2.0f, 2};
        c.a16 = salt % 2 == 0;
        c.b16 = salt % 3 == 0;
        run_case(c, kern, ik::test::test_seed(++salt));
      }
  }
}

TEST_CASE("gemm_bf16: small-integer inputs are exact") {
  for (const Family::Kernel& kern : Family::kernels()) {
    if (skip(kern)) continue;
    for (index_t M : {index_t(1), index_t(2), index_t(2 * kern.blk.mr + 1)})
      for (index_t K : {index_t(1), index_t(kern.blk.kc + 3), index_t(701)}) {
        Case c{M, 2 * kern.blk.nr + 1, K};
        c.small_int = true;
        c.layout = K % 2 ? WeightLayout::n_by_k : WeightLayout::k_by_n;
        run_case(c, kern, ik::test::test_seed(2000 + K + M));
      }
  }
}

TEST_CASE("gemm_bf16: the result does not depend on the thread count (bitwise)") {
  for (const Family::Kernel& kern : Family::kernels()) {
    if (skip(kern)) continue;
    CAPTURE(kern.name);
    const auto& b = kern.blk;
    struct Shape { index_t M, N, K; };
    for (Shape s : {Shape{3 * b.mc + 5, 3 * b.nr + 7, b.kc + 9}, Shape{1, 515, 300}, Shape{7, 1000, 33}}) {
      if (kern.isa == Isa::scalar && s.M > 100) s.M = 40;
      Case c{s.M, s.N, s.K, WeightLayout::n_by_k, 1.0f, 0.5f, 1};
      c.threads = 1;
      const auto one = run_case(c, kern, 77);
      for (int t : {2, 3}) {
        c.threads = t;
        const auto many = run_case(c, kern, 77);
        CHECK_MESSAGE(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)) == 0,
                      kern.name << " M=" << s.M << " N=" << s.N << " K=" << s.K << " threads " << t
                                << " differs from 1");
      }
    }
  }
}

TEST_CASE("gemm_bf16: fp32 inputs are rounded to nearest-even bf16 (weights and activations); K odd pads a zero") {
  // 1 + 2^-8 is the tie between 1 and 1 + 2^-7: RNE gives 1; 1 + 3 * 2^-8 rounds up to 1 + 2^-6.
  const float t = std::ldexp(1.0f, -8);
  const float B[3] = {1.0f + t, 1.0f + 3 * t, -0.0f};
  const float A[1] = {1.0f + t};  // rounds to 1
  for (const Family::Kernel& kern : Family::kernels()) {
    if (skip(kern)) continue;
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

TEST_CASE("gemm_bf16: alpha = 0 reads neither A nor B; beta = 0 overwrites NaN") {
  const Family::Kernel& kern = bf16gemm_selected_kernel();
  Family::Options opt;
  opt.kernel = &kern;
  std::vector<float> Bw(6, 1.0f), A(6, ik::test::nan_poison()), C = {1, 1, 1, 1};
  const auto pb = Family::pack(WeightLayout::k_by_n, 3, 2, Bw.data(), 2, opt);
  Family::run(2, 2, 3, 0.0f, A.data(), 3, pb, 3.0f, C.data(), 2, opt);
  CHECK(C == std::vector<float>{3, 3, 3, 3});
  std::vector<float> A1(6, 1.0f), D(4, ik::test::nan_poison());
  Family::run(2, 2, 3, 1.0f, A1.data(), 3, pb, 0.0f, D.data(), 2, opt);
  CHECK(D == std::vector<float>{3, 3, 3, 3});
}

TEST_CASE("gemm_bf16: IK_ISA forces the variant that runs") {
  const char* forced = std::getenv("IK_ISA");
  if (!forced || !*forced) {
    CHECK(bf16gemm_selected_kernel().isa == selected_isa());
    return;
  }
  const Isa want = parse_isa(forced);
  if (ik::test::skip_unless_supported(want, "IK_ISA forced bf16gemm path")) {
    CHECK_THROWS_AS(bf16gemm_selected_kernel(), ik::Error);
    return;
  }
  const Bf16gemmKernel& kern = bf16gemm_selected_kernel();
  CHECK(kern.isa == want);
  CHECK(std::string(kern.name).find(isa_name(want)) != std::string::npos);
  const float A[3] = {1, 2, 3}, B[6] = {1, 0, 0, 1, 1, 1};
  float C[2] = {-1, -1};
  const Bf16gemmPackedB pb = bf16gemm_pack_b(WeightLayout::k_by_n, 3, 2, B, 2);
  CHECK(&pb.kernel() == &kern);
  bf16gemv_packed(2, 3, 1.0f, A, pb, 0.0f, C);
  CHECK(C[0] == 4);
  CHECK(C[1] == 5);
}

TEST_CASE("gemm_bf16: bad input throws ik::Error naming the argument") {
  using doctest::Contains;
  std::vector<float> A(64, 1.0f), B(64, 1.0f), C(64, 0.0f);
  const auto kn = WeightLayout::k_by_n, nk = WeightLayout::n_by_k;
  CHECK_THROWS_WITH_AS(bf16gemm_pack_b(kn, 0, 4, B.data(), 4), Contains("K = 0"), ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_pack_b(kn, 4, 0, B.data(), 4), Contains("N = 0"), ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_pack_b(kn, 4, 5, B.data(), 4), Contains("ldb = 4"), ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_pack_b(nk, 5, 4, B.data(), 4), Contains("ldb = 4"), ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_pack_b(kn, 4, 4, static_cast<const float*>(nullptr), 4), Contains("B is null"), ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_pack_b(static_cast<WeightLayout>(7), 4, 4, B.data(), 4), Contains("layout = 7"), ik::Error);
  Bf16gemmOptions bad_threads;
  bad_threads.threads = -1;
  CHECK_THROWS_WITH_AS(bf16gemm_pack_b(kn, 4, 4, B.data(), 4, bad_threads), Contains("options.threads = -1"), ik::Error);
  const Bf16gemmPackedB pb = bf16gemm_pack_b(kn, 4, 4, B.data(), 4);
  const Bf16gemmPackedB empty;
  CHECK_THROWS_WITH_AS(bf16gemm_packed(2, 4, 4, 1, A.data(), 4, empty, 0, C.data(), 4), Contains("empty"), ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_packed(0, 4, 4, 1, A.data(), 4, pb, 0, C.data(), 4), Contains("M = 0"), ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_packed(2, 5, 4, 1, A.data(), 4, pb, 0, C.data(), 5), Contains("N = 5"), ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_packed(2, 4, 3, 1, A.data(), 4, pb, 0, C.data(), 4), Contains("K = 3"), ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_packed(2, 4, 4, 1, A.data(), 3, pb, 0, C.data(), 4), Contains("lda = 3"), ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_packed(2, 4, 4, 1, A.data(), 4, pb, 0, C.data(), 3), Contains("ldc = 3"), ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_packed(2, 4, 4, 1, static_cast<const float*>(nullptr), 4, pb, 0, C.data(), 4),
                       Contains("A is null"), ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_packed(2, 4, 4, 1, A.data(), 4, pb, 0, nullptr, 4), Contains("C is null"), ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_packed(2, 4, 4, 1, A.data(), 4, pb, 0, A.data() + 2, 4), Contains("C overlaps A"),
                       ik::Error);
  CHECK_THROWS_WITH_AS(bf16gemm_packed(2, 4, 4, 1, A.data(), 4, pb, 0, C.data(), 4, bad_threads),
                       Contains("options.threads = -1"), ik::Error);
  for (const Bf16gemmKernel& k : bf16gemm_kernels())
    if (&k != &pb.kernel() && bf16gemm_kernel_supported(k)) {
      Bf16gemmOptions other;
      other.kernel = &k;
      CHECK_THROWS_WITH_AS(bf16gemm_packed(2, 4, 4, 1, A.data(), 4, pb, 0, C.data(), 4, other), Contains("packed for"),
                           ik::Error);
    }
  if (!isa_supported(Isa::avx512)) CHECK_THROWS_AS(bf16gemm_kernel_for(Isa::avx512), ik::Error);
}
