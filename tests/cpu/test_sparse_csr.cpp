// Tests of cpu/sparse_csr: magnitude pruning against the sort-based reference (exact, ties
// included), CSR build / expansion round trips, every SpMM / SpMV variant against the dense
// reference product on the expanded matrix (reference/sparse.h), bitwise independence of the
// thread count, the load-balanced row split, and the validation of malformed CSR input.
//
// Tolerance: Y = W X is a dot product of length K per element, so the bound is fp32_dot_tolerance(K)
// applied to scale = sum_k |w_ik x_kj| (tests/test_util.h): any summation order passes it, a
// wrong index or a dropped nonzero does not. Small-integer inputs are compared exactly.
// Y is NaN-poisoned (and its padding columns must survive), so an unwritten element fails.
#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "cpu/sparse_csr/sparse_csr.h"
#include "reference/sparse.h"
#include "tests/test_util.h"

using namespace ik;
using namespace ik::cpu;
using ik::test::TestMatrix;

namespace {

enum class Pattern { random, empty_rows, one_dense_row, all_zero, skewed };

// A dense M x K weight with the given sparsity pattern (zeros are exact zeros).
TestMatrix<float> make_weight(index_t M, index_t K, double sparsity, Pattern pat, Rng& rng, bool small_int) {
  TestMatrix<float> W(M, K, 2);
  W.fill(ik::test::nan_poison());
  for (index_t i = 0; i < M; ++i)
    for (index_t k = 0; k < K; ++k) {
      float v = small_int ? static_cast<float>(rng.uniform_int(1, 4)) * (rng.uniform_int(0, 1) ? 1.f : -1.f)
                          : rng.uniform(-1.0f, 1.0f);
      bool keep = rng.uniform(0.0f, 1.0f) >= sparsity;
      switch (pat) {
        case Pattern::random: break;
        case Pattern::empty_rows: keep = keep && (i % 3 == 1); break;
        case Pattern::one_dense_row: keep = i == M / 2; break;
        case Pattern::all_zero: keep = false; break;
        case Pattern::skewed: keep = i < 2 ? true : keep && (k % 16 == 0); break;
      }
      W(i, k) = keep && v != 0.0f ? v : 0.0f;
    }
  return W;
}

std::string describe(const char* variant, index_t M, index_t N, index_t K, double sp, Pattern pat, int threads,
                     std::uint64_t seed) {
  std::ostringstream os;
  os << variant << " M=" << M << " N=" << N << " K=" << K << " sparsity=" << sp << " pattern=" << int(pat)
     << " threads=" << threads << " seed=" << seed;
  return os.str();
}

// Runs spmm_csr with `kern` and checks it against the dense reference; returns Y (M x N packed).
std::vector<float> run_case(const SpmmCsrKernel& kern, index_t M, index_t N, index_t K, double sp, Pattern pat,
                            int threads, std::uint64_t seed, bool small_int = false) {
  Rng rng(seed);
  const std::string ctx = describe(kern.name, M, N, K, sp, pat, threads, seed);
  TestMatrix<float> W = make_weight(M, K, sp, pat, rng, small_int);
  TestMatrix<float> X(K, N, 3), Y(M, N, 5);
  X.fill(ik::test::nan_poison());
  if (small_int) fill_small_int(X.view(), rng); else fill_uniform(X.view(), rng);
  Y.fill(ik::test::nan_poison());
  const CsrMatrix csr = csr_from_dense(M, K, W.data(), W.ld);
  SparseOptions opt;
  opt.kernel = &kern;
  opt.threads = threads;
  spmm_csr(csr, N, X.data(), X.ld, Y.data(), Y.ld, opt);

  std::vector<float> want(std::size_t(std::max<index_t>(1, M * N)));
  std::vector<double> scale(want.size());
  ref::spmm_dense(M, N, K, W.data(), W.ld, X.data(), X.ld, want.data(), std::max<index_t>(1, N), scale.data(),
                  std::max<index_t>(1, N));
  if (small_int)
    ik::test::check_equal(ctx + " (small-int exact)", Y.data(), Y.ld, want.data(), std::max<index_t>(1, N), M, N);
  else
    ik::test::check_close(ctx, Y.data(), Y.ld, want.data(), std::max<index_t>(1, N), scale.data(),
                          std::max<index_t>(1, N), M, N, ik::test::fp32_dot_tolerance(K));
  ik::test::check_padding_untouched(ctx + " Y", Y, ik::test::nan_poison());
  std::vector<float> got(std::size_t(M * N));
  for (index_t i = 0; i < M; ++i)
    for (index_t j = 0; j < N; ++j) got[std::size_t(i * N + j)] = Y(i, j);
  return got;
}

}  // namespace

TEST_CASE("sparse_csr: every variant matches the dense reference (shapes, sparsities, patterns)") {
  std::uint64_t salt = 0;
  for (const SpmmCsrKernel& kern : spmm_csr_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    CAPTURE(kern.name);
    const std::vector<index_t> Ns = ik::test::sizes_around(kern.nr, {15, 17, 130});
    for (index_t M : {1, 3, 17})
      for (index_t K : {1, 7, 97})
        for (index_t N : Ns)
          for (double sp : {0.0, 0.6, 0.95})
            run_case(kern, M, N, K, sp, Pattern::random, 0, ik::test::test_seed(++salt));
    for (Pattern pat : {Pattern::empty_rows, Pattern::one_dense_row, Pattern::all_zero, Pattern::skewed})
      for (index_t N : {index_t(1), index_t(2), index_t(kern.nr + 3), index_t(131)})
        run_case(kern, 37, N, 300, 0.8, pat, 0, ik::test::test_seed(++salt));
    // Long rows: the 32-nonzero SpMV steps, the two SpMM streams and the prefetch distance.
    run_case(kern, 9, 1, 2000, 0.3, Pattern::random, 0, ik::test::test_seed(++salt));
    run_case(kern, 9, 70, 2000, 0.3, Pattern::random, 0, ik::test::test_seed(++salt));
  }
}

TEST_CASE("sparse_csr: small-integer inputs are exact") {
  for (const SpmmCsrKernel& kern : spmm_csr_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    for (index_t N : {1, 33, 64})
      run_case(kern, 29, N, 513, 0.7, Pattern::random, 0, ik::test::test_seed(500 + N), true);
  }
}

TEST_CASE("sparse_csr: results are bitwise reproducible and independent of the thread count") {
  for (const SpmmCsrKernel& kern : spmm_csr_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    CAPTURE(kern.name);
    for (index_t N : {1, 3, 100}) {
      const std::uint64_t seed = ik::test::test_seed(900 + N);
      const std::vector<float> y1 = run_case(kern, 301, N, 400, 0.85, Pattern::skewed, 1, seed);
      for (int t : {2, 3, 4}) {
        const std::vector<float> yt = run_case(kern, 301, N, 400, 0.85, Pattern::skewed, t, seed);
        CHECK(std::memcmp(y1.data(), yt.data(), y1.size() * sizeof(float)) == 0);
      }
    }
  }
}

TEST_CASE("sparse_csr: K-blocked SpMM (X larger than L2: K x N x 4 B > 1 MiB)") {
  // K = 2100: 16 full K blocks and a tail of 52 columns; N = 129, 130, 200: one full 128-column
  // pass plus a masked one. Sparsity 0.5 and 0.9 build the K blocks (>= kCsrKBlockMinNnz per row
  // and block), 0.985 does not (the whole-K path on the same shape). Patterns cover empty rows
  // (block 0 must still write their zeros), one dense row and skewed rows.
  const index_t K = 2100;
  std::uint64_t salt = 3000;
  for (const SpmmCsrKernel& kern : spmm_csr_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    CAPTURE(kern.name);
    for (index_t N : {129, 130, 200})
      for (double sp : {0.5, 0.9, 0.985})
        run_case(kern, 37, N, K, sp, Pattern::random, 0, ik::test::test_seed(++salt));
    for (Pattern pat : {Pattern::empty_rows, Pattern::one_dense_row, Pattern::skewed})
      run_case(kern, 41, 130, K, 0.6, pat, 0, ik::test::test_seed(++salt));
    run_case(kern, 23, 131, K, 0.7, Pattern::random, 0, ik::test::test_seed(++salt), true);  // exact
    const std::uint64_t seed = ik::test::test_seed(++salt);
    const std::vector<float> y1 = run_case(kern, 77, 130, K, 0.8, Pattern::skewed, 1, seed);
    for (int t : {2, 3}) {
      const std::vector<float> yt = run_case(kern, 77, 130, K, 0.8, Pattern::skewed, t, seed);
      CHECK(std::memcmp(y1.data(), yt.data(), y1.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("sparse_csr: 16-bit column indices up to K = 65536, 32-bit beyond (SpMV reads either)") {
  for (index_t K : {index_t(65536), index_t(65537), index_t(70001)}) {
    TestMatrix<float> W(3, K, 0);
    for (index_t i = 0; i < 3; ++i)
      for (index_t k = 0; k < K; ++k) W(i, k) = (k * 7 + i) % 101 == 0 || k == K - 1 ? float(k % 5 + 1) : 0.0f;
    const CsrMatrix csr = csr_from_dense(3, K, W.data(), W.ld);
    CHECK((csr.col_idx16() != nullptr) == (K <= 65536));
    if (csr.col_idx16())
      for (std::int64_t p = 0; p < csr.nnz(); ++p) REQUIRE(csr.col_idx16()[p] == csr.col_idx()[p]);
  }
  // Both paths of every variant against the reference: K = 65536 uses the 16-bit indices
  // (about half of them >= 32768, so a sign extension would fail), K = 70001 the 32-bit ones.
  std::uint64_t salt = 3200;
  for (const SpmmCsrKernel& kern : spmm_csr_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    CAPTURE(kern.name);
    for (index_t K : {index_t(65536), index_t(70001)}) {
      run_case(kern, 5, 1, K, 0.99, Pattern::random, 0, ik::test::test_seed(++salt));
      run_case(kern, 4, 1, K, 0.9, Pattern::random, 0, ik::test::test_seed(++salt), true);
    }
  }
}

TEST_CASE("sparse_csr: K block offsets are built above the density threshold and are exact") {
  Rng rng(ik::test::test_seed(3100));
  for (double sp : {0.0, 0.5, 0.9, 0.985, 1.0})
    for (index_t K : {index_t(100), index_t(128), index_t(129), index_t(1000)}) {
      const index_t M = 19;
      TestMatrix<float> W = make_weight(M, K, sp, Pattern::random, rng, false);
      const CsrMatrix csr = csr_from_dense(M, K, W.data(), W.ld);
      const index_t nkb = csr.kblocks();
      CHECK(nkb == (K + kCsrKBlock - 1) / kCsrKBlock);
      const bool want = nkb >= 2 && csr.nnz() >= kCsrKBlockMinNnz * M * nkb;
      CAPTURE(sp);
      CAPTURE(K);
      REQUIRE((csr.kblock_offsets() != nullptr) == want);
      if (!want) continue;
      for (index_t i = 0; i < M; ++i) {
        const std::int32_t* off = csr.kblock_offsets() + i * (nkb + 1);
        const std::int64_t b = csr.row_ptr()[i];
        CHECK(off[0] == 0);
        CHECK(off[nkb] == csr.row_ptr()[i + 1] - b);
        for (index_t kb = 0; kb < nkb; ++kb)
          for (std::int64_t p = b + off[kb]; p < b + off[kb + 1]; ++p) {
            CHECK(csr.col_idx()[p] >= kb * kCsrKBlock);
            CHECK(csr.col_idx()[p] < (kb + 1) * kCsrKBlock);
          }
      }
      // The same offsets when the matrix comes from user arrays.
      const CsrMatrix copy = csr_from_arrays(csr.view());
      REQUIRE(copy.kblock_offsets() != nullptr);
      CHECK(std::memcmp(copy.kblock_offsets(), csr.kblock_offsets(), std::size_t(M * (nkb + 1)) * 4) == 0);
    }
}

TEST_CASE("sparse_csr: the row split balances nonzeros, not rows") {
  // Two dense rows of 1000 and 998 empty rows: an even row split would give thread 0 all the work.
  std::vector<std::int64_t> rp(1001, 2000);
  rp[0] = 0;
  rp[1] = 1000;
  const std::vector<index_t> b = csr_balanced_rows(rp.data(), 1000, 2);
  REQUIRE(b.size() == 3);
  CHECK(b[0] == 0);
  CHECK(b[2] == 1000);
  CHECK(b[1] >= 1);  // the first dense row alone (plus a few empty rows) on thread 0
  CHECK(b[1] <= 2);
  // Monotone bounds for more parts than rows.
  const std::vector<index_t> c = csr_balanced_rows(rp.data(), 3, 8);
  for (std::size_t t = 1; t < c.size(); ++t) CHECK(c[t] >= c[t - 1]);
}

TEST_CASE("sparse_csr: pruning matches the sort-based reference exactly, ties included") {
  Rng rng(ik::test::test_seed(7));
  for (bool small : {false, true})
    for (double sp : {0.0, 0.3, 0.5, 0.9, 0.99, 1.0})
      for (PruneScope scope : {PruneScope::global, PruneScope::per_row}) {
        const index_t R = 13, C = 37;
        TestMatrix<float> A(R, C, 1), B(R, C, 1);
        A.fill(-7.0f);
        // Small integers (and signed zeros) make many ties in |w|.
        if (small) fill_small_int(A.view(), rng, -3, 3); else fill_uniform(A.view(), rng);
        std::memcpy(B.data(), A.data(), A.buf.size() * sizeof(float));
        prune_magnitude(R, C, A.data(), A.ld, sp, scope);
        ref::prune_magnitude(R, C, B.data(), B.ld, sp, scope == PruneScope::global);
        CAPTURE(sp);
        CAPTURE(small);
        ik::test::check_equal("prune_magnitude", A.data(), A.ld, B.data(), B.ld, R, C);
        if (!small) {  // distinct magnitudes: exactly round(sp * count) zeros
          index_t zeros = 0;
          for (index_t i = 0; i < R; ++i)
            for (index_t j = 0; j < C; ++j) zeros += A(i, j) == 0.0f;
          const index_t want = scope == PruneScope::global ? std::llround(sp * R * C) : R * std::llround(sp * C);
          CHECK(zeros == want);
        }
        CHECK(A(0, C) == -7.0f);  // padding untouched
      }
  float w[2] = {1.0f, std::nanf("")};
  CHECK_THROWS_AS(prune_magnitude(1, 2, w, 2, 0.5, PruneScope::global), ik::Error);
  CHECK_THROWS_AS(prune_magnitude(1, 1, w, 2, 1.5, PruneScope::global), ik::Error);
}

TEST_CASE("sparse_csr: build from dense and back round-trips; arrays are validated and copied") {
  Rng rng(ik::test::test_seed(11));
  TestMatrix<float> W = make_weight(23, 41, 0.7, Pattern::empty_rows, rng, false);
  const CsrMatrix c = csr_from_dense(23, 41, W.data(), W.ld);
  TestMatrix<float> D(23, 41, 1), R(23, 41, 1);
  csr_to_dense(c, D.data(), D.ld);
  ik::test::check_equal("csr round trip", D.data(), D.ld, W.data(), W.ld, 23, 41);
  ref::csr_to_dense(23, 41, c.row_ptr(), c.col_idx(), c.values(), R.data(), R.ld);
  ik::test::check_equal("csr vs reference expansion", R.data(), R.ld, W.data(), W.ld, 23, 41);
  const CsrMatrix c2 = csr_from_arrays(c.view(), c.nnz());
  CHECK(c2.nnz() == c.nnz());
  CHECK(std::memcmp(c2.col_idx(), c.col_idx(), std::size_t(c.nnz()) * 4) == 0);
  // Empty shapes.
  const CsrMatrix e = csr_from_dense(0, 5, nullptr, 5);
  CHECK(e.nnz() == 0);
  float y = -1.0f;
  spmm_csr(e, 1, &y, 1, &y, 1);  // M == 0: quick return, nothing written
  CHECK(y == -1.0f);
}

TEST_CASE("sparse_csr: malformed CSR input and bad arguments throw ik::Error") {
  const std::int64_t rp_ok[4] = {0, 2, 2, 3};
  const std::int32_t ci_ok[3] = {0, 3, 1};
  const float v[3] = {1, 2, 3};
  CHECK_NOTHROW(csr_validate({3, 4, rp_ok, ci_ok, v}, 3));
  const std::int64_t rp_nonmono[4] = {0, 2, 1, 3};
  CHECK_THROWS_WITH_AS(csr_validate({3, 4, rp_nonmono, ci_ok, v}), doctest::Contains("not monotone"), ik::Error);
  const std::int64_t rp_start[4] = {1, 2, 2, 3};
  CHECK_THROWS_WITH_AS(csr_validate({3, 4, rp_start, ci_ok, v}), doctest::Contains("row_ptr[0]"), ik::Error);
  CHECK_THROWS_WITH_AS(csr_validate({3, 4, rp_ok, ci_ok, v}, 4), doctest::Contains("nnz = 4"), ik::Error);
  const std::int32_t ci_range[3] = {0, 4, 1};
  CHECK_THROWS_WITH_AS(csr_validate({3, 4, rp_ok, ci_range, v}), doctest::Contains("out of range"), ik::Error);
  const std::int32_t ci_neg[3] = {-1, 3, 1};
  CHECK_THROWS_WITH_AS(csr_validate({3, 4, rp_ok, ci_neg, v}), doctest::Contains("out of range"), ik::Error);
  const std::int32_t ci_unsorted[3] = {3, 0, 1};
  CHECK_THROWS_WITH_AS(csr_validate({3, 4, rp_ok, ci_unsorted, v}), doctest::Contains("not strictly ascending"),
                       ik::Error);
  const std::int32_t ci_dup[3] = {2, 2, 1};
  CHECK_THROWS_WITH_AS(csr_validate({3, 4, rp_ok, ci_dup, v}), doctest::Contains("not strictly ascending"), ik::Error);
  CHECK_THROWS_AS(csr_validate({3, 4, nullptr, ci_ok, v}), ik::Error);
  CHECK_THROWS_AS(csr_validate({3, 4, rp_ok, nullptr, v}), ik::Error);
  CHECK_THROWS_AS(csr_validate({-1, 4, rp_ok, ci_ok, v}), ik::Error);
  CHECK_THROWS_AS(csr_from_arrays({3, 4, rp_nonmono, ci_ok, v}), ik::Error);

  const CsrMatrix W = csr_from_arrays({3, 4, rp_ok, ci_ok, v});
  std::vector<float> X(4 * 8, 1.0f), Y(3 * 8, 0.0f);
  CHECK_THROWS_WITH_AS(spmm_csr(W, 8, X.data(), 7, Y.data(), 8), doctest::Contains("ldx = 7"), ik::Error);
  CHECK_THROWS_WITH_AS(spmm_csr(W, 8, X.data(), 8, Y.data(), 4), doctest::Contains("ldy = 4"), ik::Error);
  CHECK_THROWS_AS(spmm_csr(W, -1, X.data(), 8, Y.data(), 8), ik::Error);
  CHECK_THROWS_AS(spmm_csr(W, 8, X.data(), 8, nullptr, 8), ik::Error);
  CHECK_THROWS_WITH_AS(spmm_csr(W, 8, X.data(), 8, X.data(), 8), doctest::Contains("overlaps"), ik::Error);
  SparseOptions bad;
  bad.threads = -1;
  CHECK_THROWS_AS(spmm_csr(W, 8, X.data(), 8, Y.data(), 8, bad), ik::Error);
  spmm_csr(W, 8, X.data(), 8, Y.data(), 8);
  CHECK(Y[0] == 3.0f);   // row 0: 1 + 2
  CHECK(Y[8] == 0.0f);   // row 1: empty
  CHECK(Y[16] == 3.0f);  // row 2: 3
}

