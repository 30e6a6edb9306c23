// The shared test harness of the pre-packed-weight float GEMM families (cpu/gemm_f16,
// cpu/gemm_bf16): one Case, one run_case against reference/gemm_f32 on the exactly widened
// inputs, the four sweeps every such family must pass, and the checks of alpha/beta and bad
// input (IK_ISA forcing is checked once for every family, in tests/cpu/test_dispatch.cpp). A
// family supplies its traits (kName, kernels, selected,
// narrow/widen, pack/run/gemv, tolerance, skip) and calls these from its own TEST_CASEs; see
// tests/cpu/test_gemm_f16.cpp for the tolerance derivation.
#pragma once
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "common/blas_types.h"
#include "common/gemm_driver.h"
#include "reference/gemm_f32.h"
#include "tests/test_util.h"

namespace ik::test {

template <class Family>
struct PackedGemmHarness {
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

  static std::string describe(const Case& c, const char* variant, std::uint64_t seed) {
    std::ostringstream os;
    os << variant << " M=" << c.M << " N=" << c.N << " K=" << c.K
       << (c.layout == WeightLayout::n_by_k ? " B=NxK" : " B=KxN") << " alpha=" << c.alpha << " beta=" << c.beta
       << " pad=" << c.pad << " a16=" << c.a16 << " b16=" << c.b16 << " small_int=" << c.small_int
       << " threads=" << c.threads << " seed=" << seed;
    return os.str();
  }

  // One case: random inputs, the reference on the widened values, the kernel, the check.
  // Returns C (M x N) for bitwise comparisons between runs.
  static std::vector<float> run_case(const Case& c, const typename Family::Kernel& kern, std::uint64_t seed) {
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

    typename Family::Options opt;
    opt.kernel = &kern;
    opt.threads = c.threads;
    const typename Family::Packed pb = c.b16 ? Family::pack(c.layout, c.K, c.N, B16.data(), B16.ld, opt)
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

  // every variant matches the reference around its tile boundaries
  static void tile_boundaries() {
    for (const typename Family::Kernel& kern : Family::kernels()) {
      if (Family::skip(kern)) continue;
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

  // multi-block, GEMV and large shapes, both weight layouts
  static void multi_block_and_gemv() {
    for (const typename Family::Kernel& kern : Family::kernels()) {
      if (Family::skip(kern)) continue;
      CAPTURE(kern.name);
      std::uint64_t salt = 1000;
      const auto& b = kern.blk;
      struct Shape { index_t M, N, K; };
      // Crosses MC, KC and NC; M = 1 (GEMV) with a K tail after the split accumulators.
      // {b.mc - 3, b.nc + b.nr + 3, ...}: large M and N across NC (and any staged-B NC below it).
      const Shape shapes[] = {{b.mc + 1, 3 * b.nr + 1, 2 * b.kc + 5}, {2 * b.mc + b.mr + 1, 61, 97},
                              {5, b.nc + b.nr + 3, 19},           {1, 300, 4099},
                              {2, 129, 1031},                      {1, 1, 1},
                              {b.mc - 3, b.nc + b.nr + 3, b.kc + 9}};
      for (WeightLayout l : {WeightLayout::k_by_n, WeightLayout::n_by_k})
        for (const Shape& s : shapes) {
          if (kern.isa == Isa::scalar && s.M * s.N * s.K > 3000000) continue;  // keep test time modest
          Case c{s.M, s.N, s.K, l, 0.5f, -2.0f, 2};
          c.a16 = salt % 2 == 0;
          c.b16 = salt % 3 == 0;
          run_case(c, kern, ik::test::test_seed(++salt));
        }
      // The repacking orders of the driver (packed A not kept across NC blocks): K > KC and K <= KC.
      typename Family::Kernel uncached = kern;
      uncached.blk.max_cached_a = 0;
      for (const Shape& s : {Shape{b.mc + 1, b.nc + b.nr + 3, b.kc + 9}, Shape{b.mc + 1, b.nc + b.nr + 3, b.kc - 3}}) {
        if (kern.isa == Isa::scalar) continue;
        Case c{s.M, s.N, s.K, WeightLayout::k_by_n, 0.5f, -2.0f, 2};
        run_case(c, uncached, ik::test::test_seed(++salt));
      }
    }
  }

  // small-integer inputs are exact
  static void small_integers_exact() {
    for (const typename Family::Kernel& kern : Family::kernels()) {
      if (Family::skip(kern)) continue;
      for (index_t M : {index_t(1), index_t(2), index_t(2 * kern.blk.mr + 1)})
        for (index_t K : {index_t(1), index_t(kern.blk.kc + 3), index_t(701)}) {
          Case c{M, 2 * kern.blk.nr + 1, K};
          c.small_int = true;
          c.layout = K % 2 ? WeightLayout::n_by_k : WeightLayout::k_by_n;
          run_case(c, kern, ik::test::test_seed(2000 + K + M));
        }
    }
  }

  // the result does not depend on the thread count (bitwise)
  static void thread_count_independent() {
    for (const typename Family::Kernel& kern : Family::kernels()) {
      if (Family::skip(kern)) continue;
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

  // alpha = 0 reads neither A nor B (A is NaN) and scales C by beta; beta = 0 overwrites a
  // NaN-poisoned C.
  static void alpha_zero_and_beta_zero() {
    typename Family::Options opt;
    opt.kernel = &Family::selected();
    std::vector<float> Bw(6, 1.0f), A(6, nan_poison()), C = {1, 1, 1, 1};
    const auto pb = Family::pack(WeightLayout::k_by_n, 3, 2, Bw.data(), 2, opt);
    Family::run(2, 2, 3, 0.0f, A.data(), 3, pb, 3.0f, C.data(), 2, opt);
    CHECK(C == std::vector<float>{3, 3, 3, 3});
    std::vector<float> A1(6, 1.0f), D(4, nan_poison());
    Family::run(2, 2, 3, 1.0f, A1.data(), 3, pb, 0.0f, D.data(), 2, opt);
    CHECK(D == std::vector<float>{3, 3, 3, 3});
  }

  // Every bad argument of pack and run throws ik::Error whose message names it.
  static void bad_input() {
    using doctest::Contains;
    using Options = typename Family::Options;
    std::vector<float> A(64, 1.0f), B(64, 1.0f), C(64, 0.0f);
    const auto kn = WeightLayout::k_by_n, nk = WeightLayout::n_by_k;
    const float* no_float = nullptr;
    const Options def;
    CHECK_THROWS_WITH_AS(Family::pack(kn, 0, 4, B.data(), 4, def), Contains("K = 0"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::pack(kn, 4, 0, B.data(), 4, def), Contains("N = 0"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::pack(kn, 4, 5, B.data(), 4, def), Contains("ldb = 4"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::pack(nk, 5, 4, B.data(), 4, def), Contains("ldb = 4"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::pack(kn, 4, 4, no_float, 4, def), Contains("B is null"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::pack(static_cast<WeightLayout>(7), 4, 4, B.data(), 4, def), Contains("layout = 7"),
                         ik::Error);
    Options bad_threads;
    bad_threads.threads = -1;
    CHECK_THROWS_WITH_AS(Family::pack(kn, 4, 4, B.data(), 4, bad_threads), Contains("options.threads = -1"),
                         ik::Error);
    const auto pb = Family::pack(kn, 4, 4, B.data(), 4, def);
    const typename Family::Packed empty;
    float* c = C.data();
    const float* a = A.data();
    CHECK_THROWS_WITH_AS(Family::run(2, 4, 4, 1, a, 4, empty, 0, c, 4, def), Contains("empty"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::run(0, 4, 4, 1, a, 4, pb, 0, c, 4, def), Contains("M = 0"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::run(2, 5, 4, 1, a, 4, pb, 0, c, 5, def), Contains("N = 5"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::run(2, 4, 3, 1, a, 4, pb, 0, c, 4, def), Contains("K = 3"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::run(2, 4, 4, 1, a, 3, pb, 0, c, 4, def), Contains("lda = 3"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::run(2, 4, 4, 1, a, 4, pb, 0, c, 3, def), Contains("ldc = 3"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::run(2, 4, 4, 1, no_float, 4, pb, 0, c, 4, def), Contains("A is null"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::run(2, 4, 4, 1, a, 4, pb, 0, nullptr, 4, def), Contains("C is null"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::run(2, 4, 4, 1, a, 4, pb, 0, A.data() + 2, 4, def),
                         Contains("C overlaps A"), ik::Error);
    CHECK_THROWS_WITH_AS(Family::run(2, 4, 4, 1, a, 4, pb, 0, c, 4, bad_threads), Contains("options.threads = -1"),
                         ik::Error);
    for (const typename Family::Kernel& k : Family::kernels())
      if (&k != &pb.kernel() && Family::supported(k)) {
        Options other;
        other.kernel = &k;
        CHECK_THROWS_WITH_AS(Family::run(2, 4, 4, 1, a, 4, pb, 0, c, 4, other), Contains("packed for"), ik::Error);
      }
    for (const typename Family::Kernel& k : Family::kernels())
      if (!Family::supported(k)) {
        Options unrunnable;
        unrunnable.kernel = &k;
        CHECK_THROWS_WITH_AS(Family::pack(kn, 4, 4, B.data(), 4, unrunnable), Contains("options.kernel"), ik::Error);
      }
  }
};

}  // namespace ik::test
