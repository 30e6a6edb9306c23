// Tests of cpu/gemm_s8 (u8 x s8 -> s32 / requantized u8 / dequantized f32) against
// reference/gemm_s8 (int64 accumulation), and of the quantization utilities.
//
// Integer results are compared bit for bit: s32 and u8 outputs always, and the f32 output too,
// because both sides compute float(acc) * float(Sa * Sw[j]) with one rounding each (checked
// additionally against the exact real value within 2 ulp-scale units, so the formula itself is
// right). Inputs cover the full range: u8 0..255 with weights -128..127 (the kernels accept the
// full s8 range; quantize_weights_s8 produces -127..127), plus "extreme" matrices of only
// A = 255 against W = +127 / -128, the values for which VPMADDUBSW's int16 pair sum would
// saturate (255 * 127 * 2 = 64770 > 32767): the AVX2 path must still be exact there.
#include <omp.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "cpu/gemm_s8/gemm_s8.h"
#include "cpu/gemm_s8/quantize.h"
#include "reference/gemm_s8.h"
#include "tests/test_util.h"

using namespace ik;
using namespace ik::cpu;
using ik::test::TestMatrix;

namespace {

enum class Fill { random, extreme_pos, extreme_neg, extreme_mixed };

struct Case {
  index_t M, N, K;
  index_t pad = 0;          // extra elements per row of A, W and C
  bool trans_w = false;     // W stored N x K
  bool per_channel = true;
  bool bias = true;
  std::int32_t za = 0;
  Fill fill = Fill::random;
  int threads = 0;
};

std::string describe(const Case& c, const char* variant, std::uint64_t seed) {
  std::ostringstream os;
  os << variant << " M=" << c.M << " N=" << c.N << " K=" << c.K << " pad=" << c.pad << " trans_w=" << c.trans_w
     << " per_channel=" << c.per_channel << " bias=" << c.bias << " za=" << c.za << " fill=" << int(c.fill)
     << " threads=" << c.threads << " seed=" << seed;
  return os.str();
}

struct Inputs {
  TestMatrix<std::uint8_t> A;
  TestMatrix<std::int8_t> W;          // as stored (K x N or N x K)
  std::vector<std::int8_t> w_kn;      // op(W), K x N dense, for the reference
  std::vector<float> scales;
  std::vector<std::int32_t> bias;
  Inputs(const Case& c)
      : A(c.M, c.K, c.pad), W(c.trans_w ? c.N : c.K, c.trans_w ? c.K : c.N, c.pad) {}
};

Inputs make_inputs(const Case& c, std::uint64_t seed) {
  Rng rng(seed);
  Inputs in(c);
  // Padding bytes of A hold garbage: the kernels must not read them into the result.
  std::memset(in.A.data(), 0xCD, in.A.buf.size());
  std::memset(in.W.data(), 0x7F, in.W.buf.size());
  for (index_t i = 0; i < c.M; ++i)
    for (index_t k = 0; k < c.K; ++k)
      in.A(i, k) = c.fill == Fill::random ? std::uint8_t(rng.uniform_int(0, 255)) : std::uint8_t(255);
  in.w_kn.resize(static_cast<std::size_t>(c.K * c.N));
  for (index_t k = 0; k < c.K; ++k)
    for (index_t j = 0; j < c.N; ++j) {
      std::int8_t v;
      switch (c.fill) {
        case Fill::random: v = std::int8_t(rng.uniform_int(-128, 127)); break;
        case Fill::extreme_pos: v = 127; break;
        case Fill::extreme_neg: v = -128; break;
        default: v = (rng.uniform_int(0, 1) ? 127 : -128); break;
      }
      in.w_kn[static_cast<std::size_t>(k * c.N + j)] = v;
      (c.trans_w ? in.W(j, k) : in.W(k, j)) = v;
    }
  in.scales.resize(static_cast<std::size_t>(c.N));
  for (auto& s : in.scales) s = rng.uniform(0.001f, 0.02f);
  if (c.bias) {
    in.bias.resize(static_cast<std::size_t>(c.N));
    for (auto& b : in.bias) b = std::int32_t(rng.uniform_int(-(1 << 12), 1 << 12));
    // The validated extremes of the bias range, too.
    in.bias[0] = kS8MaxAbsBias;
    if (c.N > 1) in.bias[1] = -kS8MaxAbsBias;
  }
  return in;
}

struct Outputs {
  std::vector<std::int32_t> s32;
  std::vector<std::uint8_t> u8;
  std::vector<float> f32;
};

// Runs all three outputs of one case through `kern` and checks each against the reference.
Outputs run_case(const Case& c, const S8Kernel& kern, std::uint64_t seed) {
  const std::string ctx = describe(c, kern.name, seed);
  INFO(ctx);
  Inputs in = make_inputs(c, seed);
  S8Options opt;
  opt.kernel = &kern;
  opt.threads = c.threads;
  const GemmS8PackedWeights W = gemm_s8_pack_weights(c.trans_w ? WeightLayout::n_by_k : WeightLayout::k_by_n, c.K, c.N, in.W.data(), in.W.ld,
                                                in.scales.data(), c.per_channel, opt);
  std::vector<float> sw(static_cast<std::size_t>(c.N));
  for (index_t j = 0; j < c.N; ++j) sw[static_cast<std::size_t>(j)] = in.scales[c.per_channel ? std::size_t(j) : 0];
  const std::int32_t* bias = c.bias ? in.bias.data() : nullptr;
  const QuantParams aq{0.05f, c.za};
  S8Options run_opt;
  run_opt.threads = c.threads;
  const index_t ldo = std::max<index_t>(1, c.N);
  Outputs out;

  // s32
  {
    TestMatrix<std::int32_t> C(c.M, c.N, c.pad);
    ik::test::poison_bytes(C);
    gemm_s8_s32(c.M, c.N, c.K, in.A.data(), in.A.ld, c.za, W, bias, C.data(), C.ld, run_opt);
    std::vector<std::int32_t> want(static_cast<std::size_t>(c.M * c.N));
    ref::gemm_u8s8_s32(c.M, c.N, c.K, in.A.data(), in.A.ld, c.za, in.w_kn.data(), c.N, bias, want.data(), ldo);
    ik::test::check_equal(ctx + " s32", C.data(), C.ld, want.data(), ldo, c.M, c.N);
    std::int32_t poison;
    std::memset(&poison, ik::test::kBytePoison, sizeof poison);
    ik::test::check_padding_untouched(ctx + " s32", C, poison);
    out.s32.resize(want.size());
    for (index_t i = 0; i < c.M; ++i)
      for (index_t j = 0; j < c.N; ++j) out.s32[std::size_t(i * c.N + j)] = C(i, j);
  }
  // u8: an output scale that makes the requantized values spread over 0..255 for this K.
  {
    // |acc| ~ 74 * 74 * sqrt(K) for random inputs; with Sw <= 0.02 this maps it to ~ +-60.
    const float c_scale = aq.scale * 0.02f * 5500.0f * std::sqrt(float(c.K)) / 60.0f;
    const QuantParams cq{c_scale, 128};
    const RequantU8 rq = gemm_s8_make_requant(W, aq.scale, cq);
    TestMatrix<std::uint8_t> C(c.M, c.N, c.pad);
    ik::test::poison_bytes(C);
    gemm_s8_u8(c.M, c.N, c.K, in.A.data(), in.A.ld, aq, W, bias, rq, C.data(), C.ld, run_opt);
    std::vector<std::uint8_t> want(static_cast<std::size_t>(c.M * c.N));
    ref::gemm_u8s8_u8(c.M, c.N, c.K, in.A.data(), in.A.ld, c.za, in.w_kn.data(), c.N, bias, rq.mult(), rq.shift(),
                      cq.zero_point, want.data(), ldo);
    ik::test::check_equal(ctx + " u8", C.data(), C.ld, want.data(), ldo, c.M, c.N);
    ik::test::check_padding_untouched(ctx + " u8", C, ik::test::kBytePoison);
    // The output scale must leave most values unsaturated, or the rounding is barely tested
    // (columns 0 and 1 carry the +-2^30 extreme biases and saturate by design).
    const index_t j0 = c.bias ? 2 : 0;
    if (c.fill == Fill::random && c.M * (c.N - j0) >= 64) {
      index_t inside = 0;
      for (index_t i = 0; i < c.M; ++i)
        for (index_t j = j0; j < c.N; ++j) inside += want[std::size_t(i * c.N + j)] % 255 != 0;
      CHECK_MESSAGE(inside * 2 > c.M * (c.N - j0), ctx << ": only " << inside << " unsaturated u8 outputs");
    }
    out.u8.resize(want.size());
    for (index_t i = 0; i < c.M; ++i)
      for (index_t j = 0; j < c.N; ++j) out.u8[std::size_t(i * c.N + j)] = C(i, j);
  }
  // f32: bit-exact against the reference, and within fp32 rounding of the exact real value.
  {
    TestMatrix<float> C(c.M, c.N, c.pad);
    C.fill(ik::test::nan_poison());
    gemm_s8_f32(c.M, c.N, c.K, in.A.data(), in.A.ld, aq, W, bias, C.data(), C.ld, run_opt);
    std::vector<float> dq(static_cast<std::size_t>(c.N));
    for (index_t j = 0; j < c.N; ++j) dq[std::size_t(j)] = aq.scale * sw[std::size_t(j)];
    std::vector<float> want(static_cast<std::size_t>(c.M * c.N));
    ref::gemm_u8s8_f32(c.M, c.N, c.K, in.A.data(), in.A.ld, c.za, in.w_kn.data(), c.N, bias, dq.data(),
                       want.data(), ldo);
    ik::test::check_equal(ctx + " f32 (bit-exact)", C.data(), C.ld, want.data(), ldo, c.M, c.N);
    // float(acc) and the product Sa*Sw and the final multiply: three roundings of 2^-24 each.
    std::vector<double> exact(want.size());
    for (index_t i = 0; i < c.M; ++i)
      for (index_t j = 0; j < c.N; ++j)
        exact[std::size_t(i * c.N + j)] =
            double(out.s32[std::size_t(i * c.N + j)]) * double(aq.scale) * double(sw[std::size_t(j)]);
    ik::test::check_close(ctx + " f32 vs exact", C.data(), C.ld, exact.data(), ldo, nullptr, 0, c.M, c.N,
                          {3.0 * std::ldexp(1.0, -24), 1e-30});
    ik::test::check_padding_untouched(ctx + " f32", C, ik::test::nan_poison());
    out.f32.resize(want.size());
    for (index_t i = 0; i < c.M; ++i)
      for (index_t j = 0; j < c.N; ++j) out.f32[std::size_t(i * c.N + j)] = C(i, j);
  }
  return out;
}

}  // namespace

TEST_CASE("gemm_s8: every variant matches the reference around its tile boundaries") {
  for (const S8Kernel& kern : gemm_s8_kernels()) {
    if (!kernel_runnable(kern)) {
      std::printf("skipped: %s cannot run here (%s)\n", kern.name, cpu_features_string().c_str());
      continue;
    }
    CAPTURE(kern.name);
    std::uint64_t salt = 0;
    // K tails around the group of 4 (and the AVX2 pair), and a long K.
    const std::vector<index_t> Ks = {1, 2, 3, 4, 5, 7, 64, 131};
    for (index_t M : ik::test::sizes_around(kern.mr))
      for (index_t N : ik::test::sizes_around(kern.nr))
        for (index_t K : Ks) {
          if ((M * N * K) % 3 != 0 && K > 5 && M > 3) continue;  // thin the largest products
          Case c{M, N, K};
          c.za = static_cast<std::int32_t>(salt * 37 % 256);
          c.per_channel = salt % 2 == 0;
          c.bias = salt % 3 != 0;
          c.pad = static_cast<index_t>(salt % 4) * 3;
          c.trans_w = salt % 5 < 2;
          run_case(c, kern, ik::test::test_seed(++salt));
        }
  }
}

TEST_CASE("gemm_s8: large and multi-block shapes, transposed weights, padded ld") {
  for (const S8Kernel& kern : gemm_s8_kernels()) {
    if (!kernel_runnable(kern)) continue;
    CAPTURE(kern.name);
    struct Shape { index_t M, N, K; };
    // Crosses MC rows, several W blocks (a 1 MiB block is 16 panels of 64 at K = 1024), K tails.
    std::vector<Shape> shapes = {{kern.mc + kern.mr + 1, 3 * kern.nr + 5, 1027}, {2, 1100, 1031}, {97, 61, 2053}};
    if (kern.isa == Isa::scalar) shapes = {{kern.mc + 3, 2 * kern.nr + 5, 515}, {2, 300, 1031}};
    std::uint64_t salt = 500;
    for (const Shape& s : shapes)
      for (bool tw : {false, true}) {
        Case c{s.M, s.N, s.K, 2, tw, !tw, true, 131};
        run_case(c, kern, ik::test::test_seed(++salt));
      }
  }
}

TEST_CASE("gemm_s8: one W panel per block (the driver's NC loop, cached A) on every path") {
  // w_block_bytes = 1 gives one W panel per NC block: every thread walks many blocks, its
  // packed A cached across them (gemm_driver::run_blocked) or, with max_cached_a = 0, each A
  // block packed once with the W blocks streamed past it; the AMX kernel gets its block call
  // once per panel.
  std::uint64_t salt = 700;
  for (const S8Kernel& registered : gemm_s8_kernels()) {
    if (!kernel_runnable(registered)) continue;
    S8Kernel kern = registered;
    kern.w_block_bytes = 1;
    CAPTURE(kern.name);
    for (index_t max_cached_a : {gemm_driver::kMaxCachedA, index_t(0)})  // cached A; A-outer order
      for (int threads : {1, 2}) {
        kern.max_cached_a = max_cached_a;
        Case c{kern.mc + kern.mr + 1, 4 * kern.nr + 5, 131};  // several MC blocks
        c.threads = threads;
        run_case(c, kern, ik::test::test_seed(++salt));
      }
  }
}

TEST_CASE("gemm_s8: full-range extremes (u8 255 against s8 127 / -128) are exact on every path") {
  // The values that saturate VPMADDUBSW pair sums; also the largest |acc| the contract allows
  // (K = kS8MaxK: 255 * 128 * 32768 = 1.07e9, plus |bias| = 2^30, just under 2^31).
  for (const S8Kernel& kern : gemm_s8_kernels()) {
    if (!kernel_runnable(kern)) continue;
    CAPTURE(kern.name);
    std::uint64_t salt = 900;
    for (Fill f : {Fill::extreme_pos, Fill::extreme_neg, Fill::extreme_mixed})
      for (std::int32_t za : {0, 255}) {
        Case c{kern.mr + 1, kern.nr + 3, 517};
        c.fill = f;
        c.za = za;
        run_case(c, kern, ik::test::test_seed(++salt));
      }
    for (Fill f : {Fill::extreme_pos, Fill::extreme_neg}) {
      Case c{2, 3, kS8MaxK};
      c.fill = f;
      c.za = 0;
      run_case(c, kern, ik::test::test_seed(++salt));
    }
  }
}

TEST_CASE("gemm_s8: the result does not depend on the thread count (bitwise)") {
  for (const S8Kernel& kern : gemm_s8_kernels()) {
    if (!kernel_runnable(kern) || kern.isa == Isa::scalar) continue;
    CAPTURE(kern.name);
    struct Shape { index_t M, N, K; };
    for (Shape s : {Shape{kern.mc + 2 * kern.mr + 1, 5 * kern.nr + 3, 300}, Shape{1, 1500, 777}, Shape{7, 300, 33}}) {
      Case c{s.M, s.N, s.K, 1};
      c.za = 77;
      c.threads = 1;
      const Outputs one = run_case(c, kern, 4242);
      for (int t : {2, 3}) {
        c.threads = t;
        const Outputs many = run_case(c, kern, 4242);
        CHECK_MESSAGE(one.s32 == many.s32, kern.name << " s32 threads " << t << " differs from 1");
        CHECK_MESSAGE(one.u8 == many.u8, kern.name << " u8 threads " << t << " differs from 1");
        CHECK_MESSAGE(std::memcmp(one.f32.data(), many.f32.data(), one.f32.size() * sizeof(float)) == 0,
                      kern.name << " f32 threads " << t << " differs from 1");
      }
    }
  }
}

TEST_CASE("gemm_s8: requantization rounding, sign and saturation (scalar definition vs reference)") {
  Rng rng(ik::test::test_seed(77));
  const std::int32_t xs[] = {0, 1, -1, 2, -2, 3, -3, 1000, -1000, (1 << 30), -(1 << 30), 2147483647, -2147483647,
                             -2147483647 - 1};
  for (int t = 0; t < 20000; ++t) {
    const double m = std::ldexp(rng.uniform(0.5f, 1.0f), -int(rng.uniform_int(0, 34)));
    const QuantMultiplier q = compute_multiplier(m);
    const std::int32_t zc = std::int32_t(rng.uniform_int(0, 255));
    const std::int32_t x = t < 14 * 40 ? xs[t % 14] : std::int32_t(rng.uniform_int(-2147483647, 2147483647));
    REQUIRE(requantize_u8(x, q.mult, q.shift, zc) == ref::requantize_u8(x, q.mult, q.shift, zc));
  }
  // Ties: M = 1/2 exactly (M0 = 2^30, shift 31): x = +-3 -> +-1.5 -> +-2 (away from zero).
  const QuantMultiplier half = compute_multiplier(0.5);
  CHECK(half.mult == (1 << 30));
  CHECK(half.shift == 31);
  CHECK(requantize_u8(3, half.mult, half.shift, 100) == 102);
  CHECK(requantize_u8(-3, half.mult, half.shift, 100) == 98);
  CHECK(requantize_u8(5, half.mult, half.shift, 0) == 3);
  CHECK(requantize_u8(-5, half.mult, half.shift, 255) == 252);
  // Saturation at both ends, from the largest |x|.
  CHECK(requantize_u8(2147483647, half.mult, half.shift, 0) == 255);
  CHECK(requantize_u8(-2147483647 - 1, half.mult, half.shift, 255) == 0);
}

TEST_CASE("gemm_s8: compute_multiplier represents m within 2^-31 relative") {
  Rng rng(ik::test::test_seed(78));
  for (int t = 0; t < 5000; ++t) {
    const double m = std::ldexp(double(rng.uniform(0.5f, 1.0f)), -int(rng.uniform_int(0, 30)));
    const QuantMultiplier q = compute_multiplier(m);
    CHECK(q.mult >= (1 << 30));
    CHECK(q.shift >= 31);
    CHECK(q.shift <= 62);
    const double back = double(q.mult) * std::ldexp(1.0, -q.shift);
    CHECK(std::fabs(back - m) <= m * std::ldexp(1.0, -30));
  }
  CHECK(compute_multiplier(std::ldexp(1.0, -40)).mult == 0);  // below 2^-32: every result is 0
  CHECK(compute_multiplier(1.0 - 1e-12).mult == 2147483647);  // rounds up to 1: saturated
  CHECK_THROWS_AS(compute_multiplier(1.0), ik::Error);
  CHECK_THROWS_AS(compute_multiplier(0.0), ik::Error);
  CHECK_THROWS_AS(compute_multiplier(-0.5), ik::Error);
  CHECK_THROWS_AS(compute_multiplier(std::nan("")), ik::Error);
}

TEST_CASE("gemm_s8: quantization utilities (zero exact, round trip <= scale/2, symmetric weights)") {
  Rng rng(ik::test::test_seed(79));
  const float ranges[][2] = {{-1.0f, 1.0f}, {0.0f, 6.0f}, {-3.0f, 0.5f}, {0.25f, 4.0f}, {-7.0f, -2.0f}, {0, 0}};
  for (const auto& r : ranges) {
    const QuantParams p = choose_qparams_u8(r[0], r[1]);
    CAPTURE(r[0]);
    CAPTURE(r[1]);
    CHECK(p.scale > 0.0f);
    CHECK(p.zero_point >= 0);
    CHECK(p.zero_point <= 255);
    // Real 0 is exactly representable: it quantizes to Z and dequantizes to 0.
    const float zero = 0.0f;
    std::uint8_t qz;
    quantize_u8(&zero, 1, p, &qz);
    CHECK(qz == p.zero_point);
    float back;
    dequantize_u8(&qz, 1, p, &back);
    CHECK(back == 0.0f);
    // Round trip over the (0-widened) range, ends included.
    const float lo = std::min(r[0], 0.0f), hi = std::max(r[1], 0.0f);
    std::vector<float> x(2001);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = i == 0 ? lo : i == 1 ? hi : rng.uniform(lo, hi);
    std::vector<std::uint8_t> q(x.size());
    std::vector<float> y(x.size());
    quantize_u8(x.data(), index_t(x.size()), p, q.data());
    dequantize_u8(q.data(), index_t(q.size()), p, y.data());
    for (std::size_t i = 0; i < x.size(); ++i)
      REQUIRE(std::fabs(y[i] - x[i]) <= 0.5f * p.scale * (1.0f + 1e-4f) + 1e-7f);
  }
  // From data.
  std::vector<float> v = {0.5f, -0.25f, 2.0f};
  const QuantParams pd = choose_qparams_u8(v.data(), 3);
  const QuantParams pr = choose_qparams_u8(-0.25f, 2.0f);
  CHECK(pd.scale == pr.scale);
  CHECK(pd.zero_point == pr.zero_point);

  // Symmetric weights: per channel along either axis, per tensor; -127..127, error <= scale/2.
  const index_t rows = 7, cols = 13, ld = 16;
  std::vector<float> w(rows * ld, 1e30f);
  for (index_t r = 0; r < rows; ++r)
    for (index_t c = 0; c < cols; ++c) w[std::size_t(r * ld + c)] = rng.uniform(-2.0f, 2.0f) * float(r + 1);
  for (int axis : {0, 1})
    for (bool pc : {true, false}) {
      std::vector<std::int8_t> q(rows * ld, 0);
      std::vector<float> s(std::size_t(axis == 0 ? rows : cols));
      quantize_weights_s8(w.data(), rows, cols, ld, axis, pc, q.data(), s.data());
      for (index_t r = 0; r < rows; ++r)
        for (index_t c = 0; c < cols; ++c) {
          const float sc = s[pc ? std::size_t(axis == 0 ? r : c) : 0];
          const std::int8_t qq = q[std::size_t(r * ld + c)];
          CHECK(qq >= -127);
          REQUIRE(std::fabs(float(qq) * sc - w[std::size_t(r * ld + c)]) <= 0.5f * sc * (1.0f + 1e-5f));
        }
    }
}

TEST_CASE("gemm_s8: fp32 weights quantized and packed give the s8 path's result") {
  const S8Kernel& kern = gemm_s8_selected_kernel();
  Rng rng(ik::test::test_seed(80));
  const index_t M = 5, N = 70, K = 45;
  std::vector<float> wf(std::size_t(N * K));
  for (auto& x : wf) x = rng.uniform(-1.0f, 1.0f);
  std::vector<std::uint8_t> A(std::size_t(M * K));
  for (auto& a : A) a = std::uint8_t(rng.uniform_int(0, 255));
  S8Options opt;
  opt.kernel = &kern;
  const GemmS8PackedWeights pf = gemm_s8_pack_weights_f32(WeightLayout::n_by_k, K, N, wf.data(), K, true, opt);
  std::vector<std::int8_t> q(wf.size());
  std::vector<float> s(static_cast<std::size_t>(N));
  quantize_weights_s8(wf.data(), N, K, K, 0, true, q.data(), s.data());
  const GemmS8PackedWeights ps = gemm_s8_pack_weights(WeightLayout::n_by_k, K, N, q.data(), K, s.data(), true, opt);
  std::vector<float> c1(std::size_t(M * N)), c2(std::size_t(M * N));
  gemm_s8_f32(M, N, K, A.data(), K, {0.1f, 3}, pf, nullptr, c1.data(), N);
  gemm_s8_f32(M, N, K, A.data(), K, {0.1f, 3}, ps, nullptr, c2.data(), N);
  CHECK(std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(float)) == 0);
  for (index_t j = 0; j < N; ++j) CHECK(pf.scales()[j] == s[std::size_t(j)]);
}


TEST_CASE("gemm_s8: bad arguments throw ik::Error naming the argument") {
  const S8Kernel& kern = gemm_s8_selected_kernel();
  S8Options opt;
  opt.kernel = &kern;
  const index_t M = 3, N = 5, K = 7;
  std::vector<std::int8_t> W(std::size_t(K * N), 1);
  std::vector<std::uint8_t> A(std::size_t(M * K), 1);
  std::vector<float> s(std::size_t(N), 0.01f);
  std::vector<std::int32_t> C32(std::size_t(M * N));
  std::vector<std::uint8_t> C8(std::size_t(M * N));
  std::vector<float> Cf(std::size_t(M * N));
  const GemmS8PackedWeights P = gemm_s8_pack_weights(WeightLayout::k_by_n, K, N, W.data(), N, s.data(), true, opt);
  const QuantParams aq{0.1f, 10};
  const RequantU8 rq = gemm_s8_make_requant(P, aq.scale, {1.0f, 128});
  using doctest::Contains;

  SUBCASE("pack_weights") {
    CHECK_THROWS_WITH_AS(gemm_s8_pack_weights(WeightLayout::k_by_n, 0, N, W.data(), N, s.data(), true, opt), Contains("K = 0"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_pack_weights(WeightLayout::k_by_n, kS8MaxK + 1, N, W.data(), N, s.data(), true, opt),
                         Contains("K = 32769"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_pack_weights(WeightLayout::k_by_n, K, 0, W.data(), N, s.data(), true, opt), Contains("N = 0"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_pack_weights(WeightLayout::k_by_n, K, N, W.data(), N - 1, s.data(), true, opt), Contains("ldw = 4"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_pack_weights(WeightLayout::n_by_k, K, N, W.data(), K - 1, s.data(), true, opt), Contains("ldw = 6"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_pack_weights(WeightLayout::k_by_n, K, N, nullptr, N, s.data(), true, opt), Contains("W is null"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_pack_weights(static_cast<WeightLayout>(7), K, N, W.data(), N, s.data(), true, opt),
                         Contains("layout = 7"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_pack_weights(WeightLayout::k_by_n, K, N, W.data(), N, nullptr, true, opt), Contains("scales is null"), ik::Error);
    std::vector<float> bad = s;
    bad[3] = 0.0f;
    CHECK_THROWS_WITH_AS(gemm_s8_pack_weights(WeightLayout::k_by_n, K, N, W.data(), N, bad.data(), true, opt), Contains("scales[3]"), ik::Error);
    bad[3] = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH_AS(gemm_s8_pack_weights(WeightLayout::k_by_n, K, N, W.data(), N, bad.data(), true, opt), Contains("scales[3]"), ik::Error);
    S8Options neg = opt;
    neg.threads = -1;
    CHECK_THROWS_WITH_AS(gemm_s8_pack_weights(WeightLayout::k_by_n, K, N, W.data(), N, s.data(), true, neg), Contains("options.threads"), ik::Error);
    std::vector<float> wf(std::size_t(K * N), 0.5f);
    wf[4] = std::nanf("");
    CHECK_THROWS_WITH_AS(gemm_s8_pack_weights_f32(WeightLayout::k_by_n, K, N, wf.data(), N, true, opt), Contains("is not finite"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_pack_weights_f32(WeightLayout::k_by_n, K, N, nullptr, N, true, opt), Contains("W is null"), ik::Error);
  }
  SUBCASE("make_requant") {
    CHECK_THROWS_WITH_AS(gemm_s8_make_requant(GemmS8PackedWeights{}, 0.1f, {1.0f, 0}), Contains("empty"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_make_requant(P, 0.0f, {1.0f, 0}), Contains("a_scale = 0"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_make_requant(P, 0.1f, {-1.0f, 0}), Contains("output scale = -1"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_make_requant(P, 0.1f, {1.0f, 256}), Contains("output zero_point = 256"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_make_requant(P, 100.0f, {0.001f, 0}), Contains("must be < 1"), ik::Error);
  }
  SUBCASE("run") {
    CHECK_THROWS_WITH_AS(gemm_s8_s32(M, N, K, A.data(), K, 0, GemmS8PackedWeights{}, nullptr, C32.data(), N), Contains("W is an empty"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_s32(0, N, K, A.data(), K, 0, P, nullptr, C32.data(), N), Contains("M = 0"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_s32(M, N + 1, K, A.data(), K, 0, P, nullptr, C32.data(), N + 1), Contains("N = 6"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_s32(M, N, K - 1, A.data(), K, 0, P, nullptr, C32.data(), N), Contains("K = 6"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_s32(M, N, K, A.data(), K - 1, 0, P, nullptr, C32.data(), N), Contains("lda = 6"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_s32(M, N, K, A.data(), K, 0, P, nullptr, C32.data(), N - 1), Contains("ldc = 4"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_s32(M, N, K, nullptr, K, 0, P, nullptr, C32.data(), N), Contains("A is null"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_s32(M, N, K, A.data(), K, 0, P, nullptr, nullptr, N), Contains("C is null"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_s32(M, N, K, A.data(), K, 256, P, nullptr, C32.data(), N), Contains("zero_point = 256"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_s32(M, N, K, A.data(), K, -1, P, nullptr, C32.data(), N), Contains("zero_point = -1"), ik::Error);
    std::vector<std::int32_t> bias(std::size_t(N), 0);
    bias[2] = kS8MaxAbsBias + 1;
    CHECK_THROWS_WITH_AS(gemm_s8_s32(M, N, K, A.data(), K, 0, P, bias.data(), C32.data(), N), Contains("bias[2]"), ik::Error);
    // C overlapping A.
    std::vector<std::uint8_t> buf(std::size_t(M * K * 8));
    CHECK_THROWS_WITH_AS(gemm_s8_s32(M, N, K, buf.data(), K, 0, P, nullptr, reinterpret_cast<std::int32_t*>(buf.data() + 4), N),
                         Contains("overlaps"), ik::Error);
    S8Options neg;
    neg.threads = -2;
    CHECK_THROWS_WITH_AS(gemm_s8_s32(M, N, K, A.data(), K, 0, P, nullptr, C32.data(), N, neg), Contains("options.threads"), ik::Error);
    for (const S8Kernel& other : gemm_s8_kernels())
      if (&other != &kern) {
        S8Options wrong;
        wrong.kernel = &other;
        CHECK_THROWS_WITH_AS(gemm_s8_s32(M, N, K, A.data(), K, 0, P, nullptr, C32.data(), N, wrong), Contains("options.kernel"),
                             ik::Error);
      }
    // u8 output: requant consistency.
    CHECK_THROWS_WITH_AS(gemm_s8_u8(M, N, K, A.data(), K, aq, P, nullptr, RequantU8{}, C8.data(), N), Contains("requant is empty"),
                         ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_u8(M, N, K, A.data(), K, {0.2f, 10}, P, nullptr, rq, C8.data(), N), Contains("a.scale = 0.2"),
                         ik::Error);
    const GemmS8PackedWeights P2 = gemm_s8_pack_weights(WeightLayout::k_by_n, K, N, W.data(), N, s.data(), true, opt);
    CHECK_THROWS_WITH_AS(gemm_s8_u8(M, N, K, A.data(), K, aq, P2, nullptr, rq, C8.data(), N), Contains("another GemmS8PackedWeights"),
                         ik::Error);
    // f32 output: the activation scale.
    CHECK_THROWS_WITH_AS(gemm_s8_f32(M, N, K, A.data(), K, {0.0f, 10}, P, nullptr, Cf.data(), N), Contains("a.scale = 0"), ik::Error);
    CHECK_THROWS_WITH_AS(gemm_s8_f32(M, N, K, A.data(), K, {std::nanf(""), 10}, P, nullptr, Cf.data(), N), Contains("a.scale"),
                         ik::Error);
  }
  SUBCASE("quantization utilities") {
    CHECK_THROWS_WITH_AS(choose_qparams_u8(1.0f, -1.0f), Contains("min = 1"), ik::Error);
    CHECK_THROWS_WITH_AS(choose_qparams_u8(std::nanf(""), 1.0f), Contains("min = "), ik::Error);
    CHECK_THROWS_WITH_AS(choose_qparams_u8(0.0f, std::numeric_limits<float>::infinity()), Contains("max = "), ik::Error);
    CHECK_THROWS_WITH_AS(choose_qparams_u8(nullptr, 3), Contains("x is null"), ik::Error);
    CHECK_THROWS_WITH_AS(choose_qparams_u8(s.data(), 0), Contains("n = 0"), ik::Error);
    float x = 1.0f;
    std::uint8_t q = 0;
    CHECK_THROWS_WITH_AS(quantize_u8(&x, 1, {0.0f, 0}, &q), Contains("scale = 0"), ik::Error);
    CHECK_THROWS_WITH_AS(quantize_u8(&x, 1, {1.0f, 300}, &q), Contains("zero_point = 300"), ik::Error);
    CHECK_THROWS_WITH_AS(quantize_u8(&x, 1, {1.0f, 0}, nullptr), Contains("q is null"), ik::Error);
    CHECK_THROWS_WITH_AS(dequantize_u8(&q, 1, {1.0f, -1}, &x), Contains("zero_point = -1"), ik::Error);
    CHECK_THROWS_WITH_AS(dequantize_u8(nullptr, 1, {1.0f, 0}, &x), Contains("q is null"), ik::Error);
    std::int8_t qw[4];
    float sw[2];
    CHECK_THROWS_WITH_AS(quantize_weights_s8(s.data(), 2, 2, 1, 0, true, qw, sw), Contains("ld = 1"), ik::Error);
    CHECK_THROWS_WITH_AS(quantize_weights_s8(s.data(), 2, 2, 2, 2, true, qw, sw), Contains("channel_axis = 2"), ik::Error);
    CHECK_THROWS_WITH_AS(quantize_weights_s8(s.data(), 0, 2, 2, 0, true, qw, sw), Contains("rows = 0"), ik::Error);
    CHECK_THROWS_WITH_AS(quantize_weights_s8(s.data(), 2, 2, 2, 0, true, qw, nullptr), Contains("scales is null"), ik::Error);
  }
}
