// Tests of cpu/sparse_24: 2:4 pruning against the reference (exact, ties included), compression
// against the reference expansion of the documented format (reference/sparse.h), every GEMM /
// GEMV variant against the dense reference product on the decompressed matrix, K not a multiple
// of 4 or 32 (padding), bitwise independence of the thread count, and malformed metadata.
//
// Tolerance: fp32_dot_tolerance(K) on scale = sum_k |w_ik x_kj| (tests/test_util.h); small-integer
// inputs exactly. Y is NaN-poisoned and its padding columns must survive.
#include <cstdlib>
#include <string>
#include <vector>

#include "common/error.h"
#include "cpu/sparse_24/sparse_24.h"
#include "reference/sparse.h"
#include "tests/test_util.h"

using namespace ik;
using namespace ik::cpu;
using ik::test::TestMatrix;

namespace {

TestMatrix<float> pruned_weight(index_t M, index_t K, Rng& rng, bool small_int, bool empty_rows = false) {
  TestMatrix<float> W(M, K, 3);
  W.fill(ik::test::nan_poison());
  if (small_int) fill_small_int(W.view(), rng, -4, 4); else fill_uniform(W.view(), rng);
  if (empty_rows)
    for (index_t i = 0; i < M; i += 3)
      for (index_t k = 0; k < K; ++k) W(i, k) = 0.0f;
  prune_24(M, K, W.data(), W.ld);
  return W;
}

std::vector<float> run_case(const Sp24Kernel& kern, index_t M, index_t N, index_t K, int threads,
                            std::uint64_t seed, bool small_int = false, bool empty_rows = false) {
  std::ostringstream os;
  os << kern.name << " M=" << M << " N=" << N << " K=" << K << " threads=" << threads << " seed=" << seed
     << (small_int ? " small-int" : "") << (empty_rows ? " empty-rows" : "");
  const std::string ctx = os.str();
  Rng rng(seed);
  TestMatrix<float> W = pruned_weight(M, K, rng, small_int, empty_rows);
  TestMatrix<float> X(K, N, 2), Y(M, N, 4);
  X.fill(ik::test::nan_poison());
  if (small_int) fill_small_int(X.view(), rng); else fill_uniform(X.view(), rng);
  Y.fill(ik::test::nan_poison());
  const Sparse24Matrix S = sp24_compress(M, K, W.data(), W.ld);
  // The reference expansion of the compressed arrays is the matrix the product must use.
  TestMatrix<float> D(M, K, 0);
  ref::sp24_to_dense(M, K, S.values(), S.meta(), D.data(), D.ld);
  ik::test::check_equal(ctx + " decompressed == pruned", D.data(), D.ld, W.data(), W.ld, M, K);
  Sp24Options opt;
  opt.kernel = &kern;
  opt.threads = threads;
  gemm_sp24(S, N, X.data(), X.ld, Y.data(), Y.ld, opt);
  std::vector<float> want(std::size_t(M * N));
  std::vector<double> scale(want.size());
  ref::spmm_dense(M, N, K, D.data(), D.ld, X.data(), X.ld, want.data(), N, scale.data(), N);
  if (small_int)
    ik::test::check_equal(ctx + " (small-int exact)", Y.data(), Y.ld, want.data(), N, M, N);
  else
    ik::test::check_close(ctx, Y.data(), Y.ld, want.data(), N, scale.data(), N, M, N,
                          ik::test::fp32_dot_tolerance(K));
  ik::test::check_padding_untouched(ctx + " Y", Y, ik::test::nan_poison());
  std::vector<float> got(std::size_t(M * N));
  for (index_t i = 0; i < M; ++i)
    for (index_t j = 0; j < N; ++j) got[std::size_t(i * N + j)] = Y(i, j);
  return got;
}

}  // namespace

TEST_CASE("sparse_24: pruning keeps the two largest of every four, ties as the reference") {
  Rng rng(ik::test::test_seed(24));
  for (index_t K : {1, 2, 3, 4, 5, 6, 7, 8, 33, 97})
    for (bool small : {false, true}) {
      TestMatrix<float> A(5, K, 1), B(5, K, 1);
      A.fill(9.0f);
      if (small) fill_small_int(A.view(), rng, -2, 2); else fill_uniform(A.view(), rng);
      std::memcpy(B.data(), A.data(), A.buf.size() * sizeof(float));
      prune_24(5, K, A.data(), A.ld);
      ref::prune_24(5, K, B.data(), B.ld);
      CAPTURE(K);
      ik::test::check_equal("prune_24", A.data(), A.ld, B.data(), B.ld, 5, K);
      for (index_t i = 0; i < 5; ++i) {
        CHECK(A(i, K) == 9.0f);  // padding untouched
        for (index_t k0 = 0; k0 < K; k0 += 4) {
          int nz = 0;
          for (index_t k = k0; k < std::min(K, k0 + 4); ++k) nz += A(i, k) != 0.0f;
          CHECK(nz <= 2);
        }
      }
    }
  // Ties: equal magnitudes prune the earlier position first.
  float w[4] = {1.0f, -1.0f, 1.0f, 1.0f};
  prune_24(1, 4, w, 4);
  CHECK(w[0] == 0.0f);
  CHECK(w[1] == 0.0f);
  CHECK(w[2] == 1.0f);
  CHECK(w[3] == 1.0f);
  float bad[2] = {1.0f, INFINITY};
  CHECK_THROWS_AS(prune_24(1, 2, bad, 2), ik::Error);
}

TEST_CASE("sparse_24: compression round-trips and rejects matrices that are not 2:4") {
  Rng rng(ik::test::test_seed(25));
  for (index_t K : {1, 3, 4, 5, 31, 32, 33, 100}) {
    TestMatrix<float> W = pruned_weight(7, K, rng, false, true);
    const Sparse24Matrix S = sp24_compress(7, K, W.data(), W.ld);
    CHECK(S.padded_cols() % 32 == 0);
    CHECK(S.padded_cols() >= K);
    CHECK_NOTHROW(sp24_validate(7, K, S.values(), S.meta()));
    TestMatrix<float> D(7, K, 1);
    sp24_decompress(S, D.data(), D.ld);
    CAPTURE(K);
    ik::test::check_equal("sp24 round trip", D.data(), D.ld, W.data(), W.ld, 7, K);
    const Sparse24Matrix S2 = sp24_from_arrays(7, K, S.values(), S.meta());
    CHECK(std::memcmp(S2.values(), S.values(), std::size_t(7 * S.ld_values()) * 4) == 0);
  }
  float w[8] = {1, 2, 3, 0, 0, 0, 0, 0};
  CHECK_THROWS_WITH_AS(sp24_compress(1, 8, w, 8), doctest::Contains("more than 2 nonzeros"), ik::Error);
  CHECK_THROWS_AS(sp24_compress(1, 8, w, 7), ik::Error);
}

TEST_CASE("sparse_24: malformed metadata and bad arguments throw ik::Error") {
  float w[8] = {0, 5, 0, 6, 7, 0, 0, 0};
  Sparse24Matrix S = sp24_compress(1, 8, w, 8);  // Kpad = 32: 16 values, 1 meta word
  std::vector<float> v(S.values(), S.values() + 16);
  std::vector<std::uint32_t> m(S.meta(), S.meta() + 1);
  CHECK_NOTHROW(sp24_validate(1, 8, v.data(), m.data()));
  // Group 0 is (1, 3): bits 0-3 = 1 | 3 << 2. Make it (3, 1): not ascending.
  std::vector<std::uint32_t> m_bad = m;
  m_bad[0] = (m[0] & ~0xFu) | 3u | (1u << 2);
  CHECK_THROWS_WITH_AS(sp24_validate(1, 8, v.data(), m_bad.data()), doctest::Contains("not strictly ascending"),
                       ik::Error);
  m_bad[0] = (m[0] & ~0xFu) | 2u | (2u << 2);  // duplicate position
  CHECK_THROWS_AS(sp24_from_arrays(1, 8, v.data(), m_bad.data()), ik::Error);
  // A nonzero value in the padding (column >= K = 8): group 2 covers columns 8..11.
  std::vector<float> v_bad = v;
  v_bad[4] = 1.0f;
  CHECK_THROWS_WITH_AS(sp24_validate(1, 8, v_bad.data(), m.data()), doctest::Contains("padding"), ik::Error);
  CHECK_THROWS_AS(sp24_validate(1, 8, nullptr, m.data()), ik::Error);

  std::vector<float> X(8 * 4, 1.0f), Y(4, 0.0f);
  CHECK_THROWS_WITH_AS(gemm_sp24(S, 4, X.data(), 3, Y.data(), 4), doctest::Contains("ldx = 3"), ik::Error);
  CHECK_THROWS_AS(gemm_sp24(S, 4, X.data(), 4, Y.data(), 2), ik::Error);
  CHECK_THROWS_AS(gemm_sp24(S, 4, X.data(), 4, nullptr, 4), ik::Error);
  CHECK_THROWS_WITH_AS(gemm_sp24(S, 4, X.data(), 4, X.data(), 4), doctest::Contains("overlaps"), ik::Error);
  gemm_sp24(S, 4, X.data(), 4, Y.data(), 4);
  CHECK(Y[0] == 18.0f);
  CHECK(Y[3] == 18.0f);
}

TEST_CASE("sparse_24: every variant matches the dense reference on the decompressed matrix") {
  std::uint64_t salt = 0;
  for (const Sp24Kernel& kern : sp24_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    CAPTURE(kern.name);
    // K: not a multiple of 4 or 32, across the kc block; N: 1 (GEMV), odd, around the panel width.
    for (index_t M : ik::test::sizes_around(kern.mr, {13}))
      for (index_t K : {1, 3, 6, 32, 37, 301})
        for (index_t N : {1, 2, 3, 17, 33, kern.nr - 1, kern.nr, kern.nr + 1, 2 * kern.nr + 3})
          run_case(kern, M, N, K, 0, ik::test::test_seed(++salt));
    run_case(kern, 11, 1, 300, 0, ik::test::test_seed(++salt), false, true);   // empty rows
    run_case(kern, 11, 70, 300, 0, ik::test::test_seed(++salt), false, true);
  }
}

TEST_CASE("sparse_24: small-integer inputs are exact") {
  for (const Sp24Kernel& kern : sp24_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    for (index_t N : {1, 5, 64}) run_case(kern, 2 * kern.mr + 1, N, 517, 0, ik::test::test_seed(300 + N), true);
  }
}

TEST_CASE("sparse_24: results are bitwise reproducible and independent of the thread count") {
  for (const Sp24Kernel& kern : sp24_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    CAPTURE(kern.name);
    for (index_t N : {1, 3, 100}) {
      const std::uint64_t seed = ik::test::test_seed(700 + N);
      const std::vector<float> y1 = run_case(kern, 203, N, 333, 1, seed);
      for (int t : {2, 3, 4}) {
        const std::vector<float> yt = run_case(kern, 203, N, 333, t, seed);
        CHECK(std::memcmp(y1.data(), yt.data(), y1.size() * sizeof(float)) == 0);
      }
    }
  }
}

