// Tests of cpu/binary against reference/binary.
//
// Exactness: bit packing, the int32 XNOR GEMM and its fp32 epilogue (the same fp32 operations
// in the same order as the reference, given the same alpha and row scale) are compared bit for
// bit, for every registry variant and shape class (M, N around each tile, K around 64-bit word
// and 512-bit vector boundaries). The binary conv is compared with the float conv of the ±1
// tensors (reference) at every output pixel, borders included: its integer dot product is exact,
// only alpha and the K map are rounded differently (fp32 sums vs double), so the bound is
//   |out - ref| <= (taps*C + C + 2*taps + 8) u |ref|,  u = 2^-24,
// while one wrong ±1 term changes out by >= 1/(taps*C) relative: far outside it.
// The GEMV sums x in another order: |y - ref| <= (2K + 8) u alpha sum|x|.
#include <omp.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "common/error.h"
#include "cpu/binary/binary.h"
#include "reference/binary.h"
#include "tests/test_util.h"

using namespace ik;
using namespace ik::cpu;
using doctest::Contains;

namespace {

// Random values with the cases sign() must get right: +0, -0, tiny, NaN (packs as -1).
std::vector<float> random_values(Rng& rng, index_t n, bool specials = true) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (float& x : v) {
    const auto r = rng.uniform_int(0, 19);
    if (specials && r == 0) x = 0.0f;
    else if (specials && r == 1) x = -0.0f;
    else if (specials && r == 2) x = -1e-30f;
    else if (specials && r == 3) x = std::numeric_limits<float>::quiet_NaN();
    else x = rng.uniform(-1.0f, 1.0f);
  }
  return v;
}

std::vector<std::uint64_t> random_bits(Rng& rng, index_t rows, index_t K, index_t ld) {
  std::vector<std::uint64_t> b(static_cast<std::size_t>(rows * ld), 0);
  const index_t W = bitpack_words(K);
  for (index_t r = 0; r < rows; ++r)
    for (index_t w = 0; w < W; ++w) {
      std::uint64_t v = rng.next_u64();
      if (w == W - 1 && K % 64) v &= (std::uint64_t{1} << (K % 64)) - 1;  // padding bits zero
      b[static_cast<std::size_t>(r * ld + w)] = v;
    }
  return b;
}

bool skip_xnor(const XnorKernel& k) { return ik::test::skip_unrunnable(k); }

}  // namespace

TEST_CASE("binary: bitpack is exact for every length 1..200 and around 64/128, padding bits zero") {
  std::vector<index_t> lengths;
  for (index_t k = 1; k <= 200; ++k) lengths.push_back(k);
  for (index_t k : {255, 256, 257, 511, 512, 513, 1000}) lengths.push_back(k);
  for (const BitpackKernel& kern : bitpack_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    CAPTURE(kern.name);
    for (index_t K : lengths) {
      const std::uint64_t seed = ik::test::test_seed(static_cast<std::uint64_t>(K));
      Rng rng(seed);
      const index_t rows = 3, W = bitpack_words(K), ldx = K + 5, ldw = W + 1;
      std::vector<float> x(static_cast<std::size_t>(rows * ldx), 1.0f);
      for (index_t r = 0; r < rows; ++r) {
        auto v = random_values(rng, K);
        std::copy(v.begin(), v.end(), x.begin() + r * ldx);
      }
      std::vector<std::uint64_t> got(static_cast<std::size_t>(rows * ldw), 0xABABABABABABABABull), want(got.size());
      std::vector<float> mean(rows, -1.0f);
      BinaryOptions opt;
      opt.bitpack = &kern;
      bitpack_sign(rows, K, x.data(), ldx, got.data(), ldw, mean.data(), opt);
      ref::bitpack_sign(rows, K, x.data(), ldx, want.data(), ldw);
      const std::string ctx = std::string(kern.name) + " K=" + std::to_string(K) + " seed=" + std::to_string(seed);
      for (index_t r = 0; r < rows; ++r) {
        for (index_t w = 0; w < W; ++w)
          if (got[r * ldw + w] != want[r * ldw + w]) FAIL_CHECK(ctx << ": row " << r << " word " << w << " differs");
        // The padding bits past K are zero, and the word past the row is untouched.
        if (K % 64) CHECK_MESSAGE((got[r * ldw + W - 1] >> (K % 64)) == 0, ctx);
        CHECK_MESSAGE(got[r * ldw + W] == 0xABABABABABABABABull, ctx);
        // mean |x| (NaN entries make it NaN in every variant, so compare only the finite rows).
        double s = 0;
        for (index_t k = 0; k < K; ++k) s += std::fabs(double(x[r * ldx + k]));
        if (std::isfinite(s)) CHECK_MESSAGE(std::fabs(mean[r] - s / K) <= (K + 4) * 6e-8 * (s / K) + 1e-30, ctx);
      }
    }
  }
  // sign(0) = +1, sign(-0) = +1, sign(NaN) = -1, as documented.
  const float special[4] = {0.0f, -0.0f, std::numeric_limits<float>::quiet_NaN(), -1.0f};
  std::uint64_t w = 0;
  bitpack_sign(1, 4, special, 4, &w, 1);
  CHECK(w == 0x3u);
}

TEST_CASE("binary: xnor gemm is bit-exact for every variant around its tile boundaries") {
  const std::vector<index_t> Ms = {1, 2, 3, 4, 5, 6, 7, 13, 97};
  const std::vector<index_t> Ns = {1, 3, 4, 7, 8, 9, 16, 17, 31, 32, 33, 67};
  const std::vector<index_t> Ks = {1, 63, 64, 65, 200, 576, 1025};
  std::uint64_t salt = 1000;
  for (index_t M : Ms)
    for (index_t N : Ns)
      for (index_t K : Ks) {
        const std::uint64_t seed = ik::test::test_seed(++salt);
        Rng rng(seed);
        const index_t W = bitpack_words(K), lda = W + 2, ldb = W + 1, ldc = N + 3;
        auto A = random_bits(rng, M, K, lda), Bb = random_bits(rng, N, K, ldb);
        std::vector<float> alpha(static_cast<std::size_t>(N)), rs(static_cast<std::size_t>(M));
        for (float& a : alpha) a = rng.uniform(0.01f, 2.0f);
        for (float& r : rs) r = rng.uniform(0.01f, 2.0f);
        const BinaryPackedWeights B = binary_pack_bits(N, K, W, Bb.data(), ldb, alpha.data());
        std::vector<std::int32_t> want32(static_cast<std::size_t>(M * ldc));
        std::vector<float> wantf(static_cast<std::size_t>(M * ldc));
        ref::xnor_gemm_s32(M, N, K, A.data(), lda, Bb.data(), ldb, want32.data(), ldc);
        const bool use_rs = (salt % 2) == 0;
        ref::xnor_gemm_f32(M, N, K, A.data(), lda, Bb.data(), ldb, B.alpha(), use_rs ? rs.data() : nullptr,
                           wantf.data(), ldc);
        for (const XnorKernel& kern : xnor_kernels()) {
          if (M == 1 && N == 1 && K == 1 && skip_xnor(kern)) continue;
          if (!kernel_runnable(kern)) continue;
          const std::string ctx = std::string(kern.name) + " M=" + std::to_string(M) + " N=" + std::to_string(N) +
                                  " K=" + std::to_string(K) + " seed=" + std::to_string(seed);
          BinaryOptions opt;
          opt.xnor = &kern;
          opt.threads = 1 + static_cast<int>(salt % 2);
          ik::test::TestMatrix<std::int32_t> C(M, N, 3);
          ik::test::poison_bytes(C);
          xnor_gemm_s32(M, N, K, A.data(), lda, B, C.data(), C.ld, opt);
          ik::test::check_equal(ctx + " s32", C.data(), C.ld, want32.data(), ldc, M, N);
          std::int32_t poison;
          std::memset(&poison, ik::test::kBytePoison, sizeof poison);
          ik::test::check_padding_untouched(ctx + " s32", C, poison);
          ik::test::TestMatrix<float> F(M, N, 3);
          F.fill(ik::test::nan_poison());
          xnor_gemm_f32(M, N, K, A.data(), lda, B, use_rs ? rs.data() : nullptr, F.data(), F.ld, opt);
          ik::test::check_equal(ctx + " f32", F.data(), F.ld, wantf.data(), ldc, M, N);
        }
      }
}

TEST_CASE("binary: xnor gemm results do not depend on the thread count; binary_linear packs and scales") {
  const index_t M = 301, N = 97, K = 1000, W = bitpack_words(K);
  const std::uint64_t seed = ik::test::test_seed(7);
  Rng rng(seed);
  auto a = random_values(rng, M * K, false), w = random_values(rng, N * K, false);
  const BinaryPackedWeights B = binary_pack_weights(N, K, w.data(), K);
  // alpha = mean |W| per filter.
  std::vector<float> alpha_ref(static_cast<std::size_t>(N));
  ref::binary_weight_scale(N, K, w.data(), K, alpha_ref.data());
  for (index_t n = 0; n < N; ++n) CHECK(std::fabs(B.alpha()[n] - alpha_ref[n]) <= (K + 4) * 6e-8 * alpha_ref[n]);
  std::vector<std::uint64_t> Ab(static_cast<std::size_t>(M * W)), Bb(static_cast<std::size_t>(N * W));
  ref::bitpack_sign(M, K, a.data(), K, Ab.data(), W);
  ref::bitpack_sign(N, K, w.data(), K, Bb.data(), W);
  std::vector<float> want(static_cast<std::size_t>(M * N));
  ref::xnor_gemm_f32(M, N, K, Ab.data(), W, Bb.data(), W, B.alpha(), nullptr, want.data(), N);
  for (const XnorKernel& kern : xnor_kernels()) {
    if (!kernel_runnable(kern)) continue;
    std::vector<float> c1(want.size()), c2(want.size());
    BinaryOptions o1, o2;
    o1.xnor = o2.xnor = &kern;
    o1.threads = 1;
    o2.threads = 2;
    binary_linear(M, N, K, a.data(), K, B, false, c1.data(), N, o1);
    binary_linear(M, N, K, a.data(), K, B, false, c2.data(), N, o2);
    ik::test::check_equal(std::string(kern.name) + " binary_linear 1 thread", c1.data(), N, want.data(), N, M, N);
    ik::test::check_equal(std::string(kern.name) + " 2 threads vs 1", c2.data(), N, c1.data(), N, M, N);
  }
  // With the activation scale: c = d * alpha * mean|a_m|, mean in another order (tolerance).
  std::vector<float> c(want.size());
  binary_linear(M, N, K, a.data(), K, B, true, c.data(), N);
  std::vector<double> scale(want.size());
  std::vector<double> want_s(want.size());
  for (index_t m = 0; m < M; ++m) {
    double s = 0;
    for (index_t k = 0; k < K; ++k) s += std::fabs(double(a[m * K + k]));
    for (index_t n = 0; n < N; ++n) {
      want_s[m * N + n] = double(want[m * N + n]) * (s / K);
      scale[m * N + n] = std::fabs(want_s[m * N + n]);
    }
  }
  ik::test::check_close("binary_linear scaled seed=" + std::to_string(seed), c.data(), N, want_s.data(), N,
                        scale.data(), N, M, N, ik::test::Tolerance{(K + 8) * 6e-8, 1e-30});
}

TEST_CASE("binary: conv equals the float conv of the ±1 tensors at every pixel, borders included") {
  struct Geo {
    index_t H, W, k, stride, pad;
  };
  const std::vector<Geo> geos = {{7, 6, 3, 1, 1}, {7, 6, 3, 2, 1}, {6, 7, 3, 1, 0}, {7, 7, 3, 2, 0},
                                 {5, 4, 1, 1, 0}, {5, 4, 1, 2, 0}, {4, 5, 1, 1, 1}, {5, 5, 1, 2, 1},
                                 {1, 1, 3, 1, 1}, {2, 3, 3, 2, 1}};
  std::uint64_t salt = 5000;
  for (index_t C : {1, 3, 63, 64, 65, 130})
    for (const Geo& g : geos) {
      const index_t batch = (salt % 3 == 0) ? 2 : 1, cout = (salt % 2) ? 5 : 35;
      const std::uint64_t seed = ik::test::test_seed(++salt);
      Rng rng(seed);
      auto I = random_values(rng, batch * g.H * g.W * C, false);
      auto Wt = random_values(rng, cout * g.k * g.k * C, false);
      // Exact zeros: sign(0) = +1 on both operands.
      for (std::size_t i = 0; i < I.size(); i += 7) I[i] = 0.0f;
      for (std::size_t i = 0; i < Wt.size(); i += 11) Wt[i] = 0.0f;
      const index_t Ho = conv_out_size(g.H, g.k, g.stride, g.pad), Wo = conv_out_size(g.W, g.k, g.stride, g.pad);
      const index_t n_out = batch * Ho * Wo * cout;
      std::vector<float> want(static_cast<std::size_t>(n_out));
      ref::binary_conv2d_nhwc(batch, g.H, g.W, C, I.data(), cout, g.k, g.k, Wt.data(), g.stride, g.pad, want.data());
      const index_t taps = g.k * g.k;
      const double u = std::ldexp(1.0, -24);
      const ik::test::Tolerance tol{double(taps * C + C + 2 * taps + 8) * u, 1e-30};
      for (const XnorKernel& kern : xnor_kernels()) {
        if (!kernel_runnable(kern)) continue;
        BinaryOptions opt;
        opt.xnor = &kern;
        opt.threads = 1 + static_cast<int>(salt % 2);
        const BinaryConvPackedWeights w = binary_conv_pack_weights(cout, g.k, g.k, C, Wt.data(), opt);
        std::vector<float> got(static_cast<std::size_t>(n_out) + 1, ik::test::nan_poison());
        got.back() = 12345.0f;
        binary_conv2d_nhwc(batch, g.H, g.W, I.data(), w, g.stride, g.pad, got.data(), opt);
        std::ostringstream ctx;
        ctx << kern.name << " C=" << C << " H=" << g.H << " W=" << g.W << " k=" << g.k << " stride=" << g.stride
            << " pad=" << g.pad << " batch=" << batch << " cout=" << cout << " seed=" << seed;
        ik::test::check_close(ctx.str(), got.data(), cout, want.data(), cout, nullptr, 0, batch * Ho * Wo, cout, tol);
        CHECK_MESSAGE(got.back() == 12345.0f, ctx.str() << ": wrote past the output");
      }
    }
}

TEST_CASE("binary: binary-weight gemv matches the reference for every variant") {
  std::uint64_t salt = 9000;
  for (index_t N : {1, 7, 8, 9, 33, 100})
    for (index_t K : {1, 63, 64, 65, 200, 1000}) {
      const std::uint64_t seed = ik::test::test_seed(++salt);
      Rng rng(seed);
      auto x = random_values(rng, K, false), w = random_values(rng, N * (K + 3), false);
      const BinaryPackedWeights B = binary_pack_weights(N, K, w.data(), K + 3);
      std::vector<float> want(static_cast<std::size_t>(N));
      std::vector<double> absb(static_cast<std::size_t>(N));
      ref::binary_gemv(N, K, x.data(), w.data(), K + 3, B.alpha(), want.data(), absb.data());
      for (const BgemvKernel& kern : bgemv_kernels()) {
        if (ik::test::skip_unrunnable(kern)) continue;
        BinaryOptions opt;
        opt.bgemv = &kern;
        opt.threads = 1 + static_cast<int>(salt % 2);
        std::vector<float> y(static_cast<std::size_t>(N) + 1, ik::test::nan_poison());
        binary_gemv(N, K, x.data(), B, y.data(), opt);
        std::ostringstream ctx;
        ctx << kern.name << " N=" << N << " K=" << K << " seed=" << seed;
        ik::test::check_close(ctx.str(), y.data(), N, want.data(), N, absb.data(), N, 1, N,
                              ik::test::Tolerance{double(2 * K + 8) * std::ldexp(1.0, -24), 1e-30});
        CHECK_MESSAGE(std::isnan(y.back()), ctx.str() << ": wrote past y");
      }
    }
}

TEST_CASE("binary: bad input throws ik::Error naming the argument") {
  const float x[256] = {};
  std::uint64_t bits[16] = {};
  float out[1024];
  std::int32_t c32[64];
  CHECK_THROWS_WITH_AS(bitpack_sign(1, 0, x, 1, bits, 1), Contains("K = 0"), ik::Error);
  CHECK_THROWS_WITH_AS(bitpack_sign(1, 65, x, 65, bits, 1), Contains("ld_words = 1"), ik::Error);
  CHECK_THROWS_WITH_AS(bitpack_sign(2, 10, x, 9, bits, 1), Contains("ldx = 9"), ik::Error);
  const BinaryPackedWeights B = binary_pack_weights(4, 100, x, 100);
  CHECK_THROWS_WITH_AS(xnor_gemm_s32(2, 4, 99, bits, 2, B, c32, 4), Contains("K = 99"), ik::Error);
  CHECK_THROWS_WITH_AS(xnor_gemm_s32(2, 5, 100, bits, 2, B, c32, 5), Contains("N = 5"), ik::Error);
  CHECK_THROWS_WITH_AS(xnor_gemm_s32(2, 4, 100, bits, 1, B, c32, 4), Contains("lda = 1"), ik::Error);
  CHECK_THROWS_WITH_AS(xnor_gemm_s32(2, 4, 100, bits, 2, B, c32, 3), Contains("ldc = 3"), ik::Error);
  CHECK_THROWS_WITH_AS(xnor_gemm_f32(0, 4, 100, bits, 2, B, nullptr, out, 4), Contains("M = 0"), ik::Error);
  CHECK_THROWS_WITH_AS(xnor_gemm_s32(2, 4, 100, nullptr, 2, B, c32, 4), Contains("A is null"), ik::Error);
  CHECK_THROWS_WITH_AS(xnor_gemm_s32(2, 4, 100, bits, 2, BinaryPackedWeights{}, c32, 4), Contains("B is empty"), ik::Error);
  CHECK_THROWS_WITH_AS(binary_pack_bits(4, 129, 2, bits, 2, nullptr), Contains("words = 2"), ik::Error);
  CHECK_THROWS_WITH_AS(binary_pack_weights(0, 10, x, 10), Contains("N = 0"), ik::Error);
  CHECK_THROWS_WITH_AS(binary_gemv(4, 101, x, B, out), Contains("K = 101"), ik::Error);
  CHECK_THROWS_WITH_AS(binary_conv_pack_weights(4, 3, 3, 0, x), Contains("cin = 0"), ik::Error);
  CHECK_THROWS_WITH_AS(binary_conv_pack_weights(4, 5, 5, 2, x), Contains("kh = 5"), ik::Error);
  const BinaryConvPackedWeights cw = binary_conv_pack_weights(2, 3, 3, 3, x);
  CHECK_THROWS_WITH_AS(binary_conv2d_nhwc(1, 4, 4, x, cw, 3, 1, out), Contains("stride = 3"), ik::Error);
  CHECK_THROWS_WITH_AS(binary_conv2d_nhwc(1, 4, 4, x, cw, 1, 2, out), Contains("pad = 2"), ik::Error);
  CHECK_THROWS_WITH_AS(binary_conv2d_nhwc(1, 4, 4, x, cw, 0, 1, out), Contains("stride = 0"), ik::Error);
  CHECK_THROWS_WITH_AS(binary_conv2d_nhwc(1, 1, 1, x, cw, 1, 0, out), Contains("does not fit"), ik::Error);
  CHECK_THROWS_WITH_AS(binary_conv2d_nhwc(0, 4, 4, x, cw, 1, 1, out), Contains("batch = 0"), ik::Error);
  CHECK_THROWS_WITH_AS(binary_conv2d_nhwc(1, 4, 4, x, BinaryConvPackedWeights{}, 1, 1, out), Contains("w is empty"), ik::Error);
  BinaryOptions bad;
  bad.threads = -1;
  CHECK_THROWS_WITH_AS(xnor_gemm_s32(2, 4, 100, bits, 2, B, c32, 4, bad), Contains("threads = -1"), ik::Error);
}

