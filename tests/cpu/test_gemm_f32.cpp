// Tests of cpu/gemm_f32 against reference/gemm_f32 (double accumulation).
//
// Tolerance (written down once, in tests/test_util.h fp32_dot_tolerance): for every element
//   |c - c_ref| <= (gamma_K + 2u) * (|alpha| * sum_k |a_ik b_kj| + |beta * c_old|),
// gamma_K = K u / (1 - K u), u = 2^-24: the worst-case bound of any summation order with FMA
// (Higham §3.1), so a correct kernel can never fail it and a wrong index fails it at once.
// Small-integer inputs are additionally checked for exact equality (every partial sum is an
// integer below 2^24, so any order of summation is exact).
#include <omp.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/error.h"
#include "cpu/gemm_f32/gemm_f32.h"
#include "reference/gemm_f32.h"
#include "tests/test_util.h"

using namespace ik;
using namespace ik::cpu;
using ik::test::TestMatrix;

namespace {

struct Case {
  Layout layout = Layout::row_major;
  Trans ta = Trans::no, tb = Trans::no;
  index_t M, N, K;
  float alpha = 1.0f, beta = 0.0f;
  index_t pad = 0;  // extra elements per stored row of A, B, C
  bool small_int = false;
  int threads = 0;
};

std::string describe(const Case& c, const char* variant, std::uint64_t seed) {
  std::ostringstream os;
  os << variant << (c.layout == Layout::row_major ? " row" : " col") << " ta=" << (c.ta == Trans::yes)
     << " tb=" << (c.tb == Trans::yes) << " M=" << c.M << " N=" << c.N << " K=" << c.K << " alpha=" << c.alpha
     << " beta=" << c.beta << " pad=" << c.pad << " threads=" << c.threads << " seed=" << seed;
  return os.str();
}

// Stored (rows, cols) of op-matrix X given its logical rows x cols and transposition, in the
// layout's own terms: row-major stores rows of op^-1(X); col-major is the transpose of that.
struct Stored {
  index_t rows, cols;
};
Stored stored_shape(Layout layout, bool trans, index_t r, index_t c) {
  const bool row_major = layout == Layout::row_major;
  // Logical op(X) is r x c. X is (trans ? c x r : r x c). Row-major stores X row by row;
  // column-major stores X column by column, i.e. X^T row by row.
  index_t xr = trans ? c : r, xc = trans ? r : c;
  return row_major ? Stored{xr, xc} : Stored{xc, xr};
}

// Runs one case through `run` (which calls the kernel) and checks against the reference.
// Returns C (row-major logical M x N) for bitwise comparisons between runs.
template <typename Run>
std::vector<float> run_case(const Case& c, const char* variant, std::uint64_t seed, Run run) {
  const std::string ctx = describe(c, variant, seed);
  Rng rng(seed);
  const bool ta = c.ta == Trans::yes, tb = c.tb == Trans::yes;
  Stored sa = stored_shape(c.layout, ta, c.M, c.K), sb = stored_shape(c.layout, tb, c.K, c.N),
         sc = stored_shape(c.layout, false, c.M, c.N);
  TestMatrix<float> A(sa.rows, sa.cols, c.pad), B(sb.rows, sb.cols, c.pad), C(sc.rows, sc.cols, c.pad);
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
  if (c.beta != 0.0f) fill_uniform(C.view(), rng);  // beta == 0: C stays NaN and must not be read

  // Reference in row-major logical terms: element (i, j) of op(X) wherever the layout put it.
  auto at = [&](const TestMatrix<float>& X, bool trans, index_t i, index_t j) {
    if (c.layout == Layout::row_major) return trans ? X(j, i) : X(i, j);
    return trans ? X(i, j) : X(j, i);
  };
  std::vector<float> a(c.M * c.K), b(c.K * c.N), want(c.M * c.N), cold(c.M * c.N);
  for (index_t i = 0; i < c.M; ++i)
    for (index_t k = 0; k < c.K; ++k) a[i * c.K + k] = at(A, ta, i, k);
  for (index_t k = 0; k < c.K; ++k)
    for (index_t j = 0; j < c.N; ++j) b[k * c.N + j] = at(B, tb, k, j);
  for (index_t i = 0; i < c.M; ++i)
    for (index_t j = 0; j < c.N; ++j) cold[i * c.N + j] = want[i * c.N + j] = at(C, false, i, j);
  std::vector<double> scale(c.M * c.N);
  ref::sgemm(false, false, c.M, c.N, c.K, c.alpha, a.data(), std::max<index_t>(1, c.K), b.data(),
             std::max<index_t>(1, c.N), c.beta, want.data(), std::max<index_t>(1, c.N), scale.data(),
             std::max<index_t>(1, c.N));
  if (c.beta != 0.0f)
    for (std::size_t e = 0; e < scale.size(); ++e) scale[e] += std::fabs(double(c.beta) * cold[e]);

  run(c, A, B, C);

  std::vector<float> got(c.M * c.N);
  for (index_t i = 0; i < c.M; ++i)
    for (index_t j = 0; j < c.N; ++j) got[i * c.N + j] = at(C, false, i, j);
  const index_t ld = std::max<index_t>(1, c.N);
  if (c.small_int) {
    ik::test::check_equal(ctx + " (small-int exact)", got.data(), ld, want.data(), ld, c.M, c.N);
  } else {
    ik::test::check_close(ctx, got.data(), ld, want.data(), ld, scale.data(), ld, c.M, c.N,
                          ik::test::fp32_dot_tolerance(c.K));
  }
  ik::test::check_padding_untouched(ctx + " C", C, poison);
  return got;
}

std::vector<float> run_sgemm(const Case& c, const SgemmKernel& kern, std::uint64_t seed) {
  return run_case(c, kern.name, seed, [&](const Case& cc, TestMatrix<float>& A, TestMatrix<float>& B,
                                          TestMatrix<float>& C) {
    GemmOptions opt;
    opt.kernel = &kern;
    opt.threads = cc.threads;
    sgemm(cc.layout, cc.ta, cc.tb, cc.M, cc.N, cc.K, cc.alpha, A.data(), A.ld, B.data(), B.ld, cc.beta,
          C.data(), C.ld, opt);
  });
}

std::vector<float> run_packed(const Case& c, const SgemmKernel& kern, std::uint64_t seed) {
  return run_case(c, (std::string(kern.name) + " prepacked").c_str(), seed,
                  [&](const Case& cc, TestMatrix<float>& A, TestMatrix<float>& B, TestMatrix<float>& C) {
                    GemmOptions opt;
                    opt.kernel = &kern;
                    opt.threads = cc.threads;
                    SgemmPackedWeights pb = sgemm_pack_b(cc.tb == Trans::yes ? WeightLayout::n_by_k : WeightLayout::k_by_n, cc.K, cc.N, B.data(), B.ld, opt);
                    sgemm_packed(cc.M, cc.N, cc.K, cc.alpha, A.data(), A.ld, pb, cc.beta, C.data(), C.ld, opt);
                  });
}

}  // namespace

TEST_CASE("sgemm: every variant matches the reference around its tile boundaries") {
  for (const SgemmKernel& kern : sgemm_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    CAPTURE(kern.name);
    std::uint64_t salt = 0;
    const std::vector<index_t> Ms = ik::test::sizes_around(kern.mr);
    const std::vector<index_t> Ns = ik::test::sizes_around(kern.nr);
    const std::vector<index_t> Ks = {1, 2, 7, kern.kc - 1, kern.kc + 1, 2 * kern.kc + 3};
    for (index_t M : Ms)
      for (index_t N : Ns)
        for (index_t K : Ks) {
          // Every shape twice: plain (beta = 0 into a NaN-poisoned C), and with padding,
          // alpha and beta, so no path is only tested on the easy arguments.
          Case c{Layout::row_major, Trans::no, Trans::no, M, N, K};
          run_sgemm(c, kern, ik::test::test_seed(++salt));
          c.pad = 3 + (salt % 5);
          c.alpha = -1.5f;
          c.beta = 0.75f;
          run_sgemm(c, kern, ik::test::test_seed(++salt));
        }
  }
}

TEST_CASE("sgemm: every variant, layouts and transposes, large and multi-block shapes") {
  for (const SgemmKernel& kern : sgemm_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    CAPTURE(kern.name);
    std::uint64_t salt = 1000;
    struct Shape { index_t M, N, K; };
    // Crosses MC, KC and NC boundaries (N > nc exercises the jc loop).
    const Shape shapes[] = {{kern.mc + 1, kern.nr * 3 + 1, kern.kc * 2 + 5},
                            {2 * kern.mc + kern.mr + 1, 61, 97},
                            {5, kern.nc + kern.nr + 3, 19},
                            {1, 1, 1}};
    for (Layout layout : {Layout::row_major, Layout::col_major})
      for (Trans ta : {Trans::no, Trans::yes})
        for (Trans tb : {Trans::no, Trans::yes})
          for (const Shape& s : shapes) {
            Case c{layout, ta, tb, s.M, s.N, s.K, 0.5f, -2.0f, 2};
            run_sgemm(c, kern, ik::test::test_seed(++salt));
          }
  }
}

TEST_CASE("sgemm: small-integer inputs are exact") {
  for (const SgemmKernel& kern : sgemm_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    for (index_t K : {index_t(1), index_t(kern.kc + 3), index_t(700)}) {
      Case c{Layout::row_major, Trans::no, Trans::no, 2 * kern.mr + 1, 2 * kern.nr + 1, K};
      c.small_int = true;
      run_sgemm(c, kern, ik::test::test_seed(2000 + K));
    }
  }
}

TEST_CASE("sgemm: the result does not depend on the thread count (bitwise)") {
  for (const SgemmKernel& kern : sgemm_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    CAPTURE(kern.name);
    struct Shape { index_t M, N, K; };
    // The last shape crosses MC, NC and KC at once: packed A is cached across jc blocks there.
    for (Shape s : {Shape{3 * kern.mc + 5, 3 * kern.nr + 7, kern.kc + 9}, Shape{1, 515, 300}, Shape{7, 1000, 33},
                    Shape{kern.mc + kern.mr + 3, kern.nc + kern.nr + 3, 2 * kern.kc + 5}}) {
      Case c{Layout::row_major, Trans::no, Trans::no, s.M, s.N, s.K, 1.0f, 0.5f, 1};
      c.threads = 1;
      const auto one = run_sgemm(c, kern, 77);
      for (int t : {2, 3}) {
        c.threads = t;
        const auto many = run_sgemm(c, kern, 77);
        CHECK_MESSAGE(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)) == 0,
                      kern.name << " M=" << s.M << " N=" << s.N << " K=" << s.K << " threads " << t << " differs from 1");
      }
      c.threads = 1;
      const auto packed = run_packed(c, kern, 77);
      // Same kernel, same k order: the pre-packed path must agree with pack-on-the-fly bitwise.
      CHECK_MESSAGE(std::memcmp(one.data(), packed.data(), one.size() * sizeof(float)) == 0,
                    kern.name << " prepacked differs from sgemm");
    }
  }
}

TEST_CASE("sgemm: the repacking loop orders (packed A not kept across NC blocks) give the same bits") {
  // max_cached_a = 0: with K > KC each A block is repacked for every NC block; with K <= KC the
  // driver packs each A block once and streams the B blocks past it (the A-outer order). Both
  // must equal the cached order bit for bit, on the fly and pre-packed, at 1 and 2 threads.
  for (const SgemmKernel& registered : sgemm_kernels()) {
    if (ik::test::skip_unrunnable(registered)) continue;
    SgemmKernel kern = registered;
    kern.max_cached_a = 0;
    CAPTURE(kern.name);
    struct Shape { index_t M, N, K; };
    for (Shape s : {Shape{kern.mc + kern.mr + 3, kern.nc + kern.nr + 3, 2 * kern.kc + 5},
                    Shape{2 * kern.mc + 1, 2 * kern.nc + 5, kern.kc - 1}}) {
      if (kern.isa == Isa::scalar && s.M * s.N * s.K > 40000000) continue;  // keep test time modest
      for (int t : {1, 2}) {
        Case c{Layout::row_major, Trans::no, Trans::no, s.M, s.N, s.K, 1.0f, 0.5f, 1};
        c.threads = t;
        const auto cached = run_sgemm(c, registered, 91);
        const auto repacked = run_sgemm(c, kern, 91);
        const auto repacked_prepacked = run_packed(c, kern, 91);
        CHECK_MESSAGE(std::memcmp(cached.data(), repacked.data(), cached.size() * sizeof(float)) == 0,
                      kern.name << " M=" << s.M << " N=" << s.N << " K=" << s.K << " threads " << t);
        CHECK_MESSAGE(std::memcmp(cached.data(), repacked_prepacked.data(), cached.size() * sizeof(float)) == 0,
                      kern.name << " prepacked M=" << s.M << " N=" << s.N << " K=" << s.K << " threads " << t);
      }
    }
  }
}

TEST_CASE("sgemm: small M against an N x K weight (the unpacked dot-product path), every variant") {
  // M <= small_m_max with op(B) = B^T takes SgemmSmallMBt where a variant has one: K around the
  // 16-wide step, N around the 4-row block, padded rows, alpha and beta, both layouts (column-major
  // with op(A) = A^T is the same call), and bitwise agreement across thread counts.
  for (const SgemmKernel& kern : sgemm_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    CAPTURE(kern.name);
    std::uint64_t salt = 6000;
    for (index_t M : {1, 2, 3, 4, 5})
      for (index_t N : {1, 3, 4, 5, 17, 100})
        for (index_t K : {1, 15, 16, 17, 300}) {
          Case c{Layout::row_major, Trans::no, Trans::yes, M, N, K, 1.0f, 0.0f, 0};
          run_sgemm(c, kern, ik::test::test_seed(++salt));
          c.pad = 1 + index_t(salt % 3);
          c.alpha = -0.5f;
          c.beta = 1.5f;
          c.threads = 1;
          const auto one = run_sgemm(c, kern, 99);
          c.threads = 3;
          const auto three = run_sgemm(c, kern, 99);
          CHECK_MESSAGE(std::memcmp(one.data(), three.data(), one.size() * sizeof(float)) == 0,
                        kern.name << " M=" << M << " N=" << N << " K=" << K << ": 3 threads differ from 1");
          Case col{Layout::col_major, Trans::yes, Trans::no, N, M, K, 2.0f, 0.0f, 2};
          run_sgemm(col, kern, ik::test::test_seed(++salt));
        }
  }
}

TEST_CASE("sgemm: pre-packed weights, every variant, skinny and tile-edge shapes") {
  for (const SgemmKernel& kern : sgemm_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    CAPTURE(kern.name);
    std::uint64_t salt = 3000;
    for (index_t M : {index_t(1), index_t(2), index_t(8), index_t(kern.mr + 1), index_t(33)})
      for (index_t N : ik::test::sizes_around(kern.nr, {300}))
        for (index_t K : {index_t(1), index_t(kern.kc + 1), index_t(600)})
          for (Trans tb : {Trans::no, Trans::yes}) {
            Case c{Layout::row_major, Trans::no, tb, M, N, K, 1.0f, (salt % 2) ? 0.0f : 1.0f, index_t(salt % 3)};
            c.threads = 1 + static_cast<int>(salt % 2);
            run_packed(c, kern, ik::test::test_seed(++salt));
          }
  }
}

TEST_CASE("sgemm: pre-packed M = 1 (the GEMV path) is bitwise the microkernel path, any thread count") {
  // Variants with gemv_packed fold per-k-block sums kept in scratch; the fold must reproduce the
  // microkernel's epilogue exactly: beta = 0 into NaN-poisoned C, beta != 0 with alpha != 1,
  // N around NR and its 16-wide halves, K with several k blocks and a tail.
  for (const SgemmKernel& kern : sgemm_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    CAPTURE(kern.name);
    for (index_t N : {index_t(1), index_t(15), index_t(17), index_t(kern.nr), index_t(kern.nr + 1), index_t(300)})
      for (index_t K : {index_t(1), index_t(kern.kc), index_t(3 * kern.kc + 7)})
        for (float beta : {0.0f, 0.75f}) {
          // B not transposed: sgemm then runs M = 1 through the packed microkernel path (with
          // op(B) = B^T it takes the dot-product path, SgemmSmallMBt, a different summation).
          Case c{Layout::row_major, Trans::no, Trans::no, 1, N, K, -1.5f, beta, 2};
          c.threads = 1;
          const auto unpacked = run_sgemm(c, kern, 55);
          for (int t : {1, 2, 3}) {
            c.threads = t;
            const auto packed = run_packed(c, kern, 55);
            CHECK_MESSAGE(std::memcmp(unpacked.data(), packed.data(), unpacked.size() * sizeof(float)) == 0,
                          kern.name << " N=" << N << " K=" << K << " beta=" << beta << " threads " << t
                                    << ": prepacked M = 1 differs from sgemm");
          }
        }
  }
}

TEST_CASE("sgemm: BLAS corner semantics") {
  const SgemmKernel& kern = sgemm_selected_kernel();
  GemmOptions opt;
  opt.kernel = &kern;
  SUBCASE("K = 0 scales C by beta; beta = 0 writes zeros over NaN") {
    std::vector<float> C = {1, 2, 3, 4};
    sgemm(Layout::row_major, Trans::no, Trans::no, 2, 2, 0, 1.0f, nullptr, 1, nullptr, 2, 2.0f, C.data(), 2, opt);
    CHECK(C == std::vector<float>{2, 4, 6, 8});
    std::vector<float> D(4, ik::test::nan_poison());
    sgemm(Layout::row_major, Trans::no, Trans::no, 2, 2, 0, 1.0f, nullptr, 1, nullptr, 2, 0.0f, D.data(), 2, opt);
    CHECK(D == std::vector<float>{0, 0, 0, 0});
  }
  SUBCASE("alpha = 0 does not read A or B (even when they hold NaN)") {
    std::vector<float> A(6, ik::test::nan_poison()), B(6, ik::test::nan_poison()), C = {1, 1, 1, 1};
    sgemm(Layout::row_major, Trans::no, Trans::no, 2, 2, 3, 0.0f, A.data(), 3, B.data(), 2, 3.0f, C.data(), 2, opt);
    CHECK(C == std::vector<float>{3, 3, 3, 3});
  }
  SUBCASE("M = 0 or N = 0 is a quick return that touches nothing") {
    sgemm(Layout::row_major, Trans::no, Trans::no, 0, 5, 5, 1.0f, nullptr, 5, nullptr, 5, 0.0f, nullptr, 5, opt);
    sgemm(Layout::row_major, Trans::no, Trans::no, 5, 0, 5, 1.0f, nullptr, 5, nullptr, 1, 0.0f, nullptr, 1, opt);
    CHECK(true);
  }
}

TEST_CASE("sgemm ladder: naive and blocked match the reference") {
  std::uint64_t salt = 4000;
  for (index_t M : {1, 3, 33, 70})
    for (index_t N : {1, 5, 513, 600})
      for (index_t K : {1, 17, 257, 300}) {
        for (int rung = 0; rung < 2; ++rung) {
          Case c{Layout::row_major, Trans::no, Trans::no, M, N, K, 1.25f, (salt % 2) ? 0.0f : -1.0f, index_t(salt % 4)};
          run_case(c, rung == 0 ? "ladder naive" : "ladder blocked", ik::test::test_seed(++salt),
                   [&](const Case& cc, TestMatrix<float>& A, TestMatrix<float>& B, TestMatrix<float>& C) {
                     if (rung == 0)
                       sgemm_naive(cc.M, cc.N, cc.K, cc.alpha, A.data(), A.ld, B.data(), B.ld, cc.beta, C.data(), C.ld);
                     else
                       sgemm_blocked(cc.M, cc.N, cc.K, cc.alpha, A.data(), A.ld, B.data(), B.ld, cc.beta, C.data(), C.ld);
                   });
        }
      }
}

TEST_CASE("sgemm: bad input throws ik::Error naming the argument") {
  std::vector<float> A(64, 1.0f), B(64, 1.0f), C(64, 0.0f);
  const auto row = Layout::row_major, col = Layout::col_major;
  const auto no = Trans::no, yes = Trans::yes;
  using doctest::Contains;
  CHECK_THROWS_WITH_AS(sgemm(row, no, no, -1, 4, 4, 1, A.data(), 4, B.data(), 4, 0, C.data(), 4), Contains("M = -1"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm(row, no, no, 4, -2, 4, 1, A.data(), 4, B.data(), 4, 0, C.data(), 4), Contains("N = -2"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm(row, no, no, 4, 4, -3, 1, A.data(), 4, B.data(), 4, 0, C.data(), 4), Contains("K = -3"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm(row, no, no, 4, 4, 5, 1, A.data(), 4, B.data(), 4, 0, C.data(), 4), Contains("lda = 4"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm(row, yes, no, 5, 4, 4, 1, A.data(), 4, B.data(), 4, 0, C.data(), 4), Contains("lda = 4"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm(row, no, no, 4, 5, 4, 1, A.data(), 4, B.data(), 4, 0, C.data(), 5), Contains("ldb = 4"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm(row, no, yes, 4, 4, 5, 1, A.data(), 5, B.data(), 4, 0, C.data(), 4), Contains("ldb = 4"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm(row, no, no, 4, 5, 4, 1, A.data(), 4, B.data(), 5, 0, C.data(), 4), Contains("ldc = 4"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm(col, no, no, 5, 4, 4, 1, A.data(), 5, B.data(), 4, 0, C.data(), 4), Contains("ldc = 4"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm(row, no, no, 4, 4, 4, 1, nullptr, 4, B.data(), 4, 0, C.data(), 4), Contains("A is null"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm(row, no, no, 4, 4, 4, 1, A.data(), 4, nullptr, 4, 0, C.data(), 4), Contains("B is null"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm(row, no, no, 4, 4, 4, 1, A.data(), 4, B.data(), 4, 0, nullptr, 4), Contains("C is null"), ik::Error);
  // Outputs overlapping an input: in place, and a C that starts inside A.
  CHECK_THROWS_WITH_AS(sgemm(row, no, no, 4, 4, 4, 1, A.data(), 4, B.data(), 4, 0, A.data(), 4), Contains("C overlaps A"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm(row, no, no, 4, 4, 4, 1, A.data(), 4, B.data(), 4, 0, B.data() + 15, 4), Contains("C overlaps B"), ik::Error);
  GemmOptions bad_threads;
  bad_threads.threads = -1;
  CHECK_THROWS_WITH_AS(sgemm(row, no, no, 4, 4, 4, 1, A.data(), 4, B.data(), 4, 0, C.data(), 4, bad_threads),
                       Contains("options.threads = -1"), ik::Error);

  CHECK_THROWS_WITH_AS(sgemm_pack_b(WeightLayout::k_by_n, 0, 4, B.data(), 4), Contains("K = 0"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_pack_b(WeightLayout::k_by_n, 4, 0, B.data(), 4), Contains("N = 0"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_pack_b(WeightLayout::k_by_n, 4, 5, B.data(), 4), Contains("ldb = 4"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_pack_b(WeightLayout::n_by_k, 5, 4, B.data(), 4), Contains("ldb = 4"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_pack_b(WeightLayout::k_by_n, 4, 4, nullptr, 4), Contains("B is null"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_pack_b(static_cast<WeightLayout>(7), 4, 4, B.data(), 4), Contains("layout = 7"),
                       ik::Error);
  SgemmPackedWeights pb = sgemm_pack_b(WeightLayout::k_by_n, 4, 4, B.data(), 4);
  SgemmPackedWeights empty;
  CHECK_THROWS_WITH_AS(sgemm_packed(2, 4, 4, 1, A.data(), 4, empty, 0, C.data(), 4), Contains("empty SgemmPackedWeights"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_packed(0, 4, 4, 1, A.data(), 4, pb, 0, C.data(), 4), Contains("M = 0"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_packed(2, 5, 4, 1, A.data(), 4, pb, 0, C.data(), 5), Contains("N = 5"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_packed(2, 4, 3, 1, A.data(), 4, pb, 0, C.data(), 4), Contains("K = 3"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_packed(2, 4, 4, 1, A.data(), 3, pb, 0, C.data(), 4), Contains("lda = 3"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_packed(2, 4, 4, 1, A.data(), 4, pb, 0, C.data(), 3), Contains("ldc = 3"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_packed(2, 4, 4, 1, nullptr, 4, pb, 0, C.data(), 4), Contains("A is null"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_packed(2, 4, 4, 1, A.data(), 4, pb, 0, nullptr, 4), Contains("C is null"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_packed(2, 4, 4, 1, A.data(), 4, pb, 0, A.data() + 2, 4), Contains("C overlaps A"), ik::Error);
  // A kernel other than the one B was packed for.
  for (const SgemmKernel& k : sgemm_kernels())
    if (&k != &pb.kernel() && kernel_runnable(k)) {
      GemmOptions other;
      other.kernel = &k;
      CHECK_THROWS_WITH_AS(sgemm_packed(2, 4, 4, 1, A.data(), 4, pb, 0, C.data(), 4, other), Contains("packed for"), ik::Error);
    }

  CHECK_THROWS_WITH_AS(sgemm_naive(2, 2, 2, 1, A.data(), 1, B.data(), 2, 0, C.data(), 2), Contains("lda = 1"), ik::Error);
  CHECK_THROWS_WITH_AS(sgemm_blocked(2, 2, 2, 1, A.data(), 2, B.data(), 1, 0, C.data(), 2), Contains("ldb = 1"), ik::Error);
}

// The CBLAS shim: the same function through the C interface, and xerbla-like behaviour.
extern "C" void cblas_sgemm(int order, int transa, int transb, int M, int N, int K, float alpha,
                            const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc);

TEST_CASE("sgemm: cblas_sgemm shim computes the same function, rejects bad input without writing") {
  constexpr int kRowMajor = 101, kColMajor = 102, kNoTrans = 111, kTrans = 112;
  std::uint64_t salt = 5000;
  for (int order : {kRowMajor, kColMajor})
    for (int ta : {kNoTrans, kTrans})
      for (int tb : {kNoTrans, kTrans}) {
        Case c{order == kRowMajor ? Layout::row_major : Layout::col_major, ta == kTrans ? Trans::yes : Trans::no,
               tb == kTrans ? Trans::yes : Trans::no, 37, 29, 41, 2.0f, 1.0f, 1};
        run_case(c, "cblas_sgemm", ik::test::test_seed(++salt),
                 [&](const Case& cc, TestMatrix<float>& A, TestMatrix<float>& B, TestMatrix<float>& C) {
                   cblas_sgemm(order, ta, tb, int(cc.M), int(cc.N), int(cc.K), cc.alpha, A.data(), int(A.ld),
                               B.data(), int(B.ld), cc.beta, C.data(), int(C.ld));
                 });
      }
  std::vector<float> A(16, 1.0f), B(16, 1.0f), C(16, 7.0f);
  cblas_sgemm(kRowMajor, kNoTrans, kNoTrans, 4, 4, 4, 1.0f, A.data(), 2 /* bad lda */, B.data(), 4, 0.0f, C.data(), 4);
  CHECK(C == std::vector<float>(16, 7.0f));
  cblas_sgemm(99 /* bad order */, kNoTrans, kNoTrans, 4, 4, 4, 1.0f, A.data(), 4, B.data(), 4, 0.0f, C.data(), 4);
  CHECK(C == std::vector<float>(16, 7.0f));
}
