// The microkernel tester (after XNNPACK's GemmMicrokernelTester): every registry entry with a
// microkernel table, called directly, one tile at a time, for every m = 1..MR, every n = 1..NR
// and depths around its k grouping, on packed panels built from small integers (products and
// sums exact in fp32, so the float kernels must match bit for bit), into a C frame poisoned
// around the tile. A kernel that writes outside its m x n tile, reads C when beta = 0, drops
// a k tail or mishandles a partial tile fails here, before any loop nest is involved.
//
// The families' loop nests, packing and epilogues are tested through their entry points in
// tests/cpu/test_<family>.cpp; this file pins down the microkernel contract each header states.
//
// Test: make test ARGS='-tc=microkernel*'
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/aligned_buffer.h"
#include "common/gemm_driver.h"
#include "common/half.h"
#include "common/random.h"
#include "cpu/binary/binary.h"
#include "cpu/gemm_bf16/gemm_bf16.h"
#include "cpu/gemm_f16/gemm_f16.h"
#include "cpu/gemm_f32/gemm_f32.h"
#include "cpu/gemm_s8/gemm_s8.h"
#include "tests/test_util.h"

using namespace ik;

namespace {

// Depths that cross every k grouping the kernels use (pairs, 4-groups, 16 / 32 / 64-deep AMX
// tiles and unrolled loops), plus a long one.
std::vector<index_t> depths(int k_pad) {
  std::vector<index_t> ks = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 65, 131, 300};
  for (index_t d : {k_pad - 1, k_pad, k_pad + 1, 2 * k_pad + 1})
    if (d >= 1) ks.push_back(d);
  return ks;
}

constexpr float kOutside = 12345.0f;  // C outside the tile must keep this

// One float microkernel (fp32 C) against the exact product of its unpacked operands.
//   TAP: packed A element (float, or uint16_t bf16 bits); TBP: packed B element.
//   to_a / to_b: the packed encoding of a small integer.
template <typename TAP, typename TBP, typename Ukernel, typename ToA, typename ToB>
void test_float_tile(const std::string& name, const Ukernel* uk, const gemm_driver::Blocking& blk, int m, int n,
                     index_t k, float alpha, float beta, std::uint64_t seed, ToA to_a, ToB to_b) {
  Rng rng(seed);
  const int mr = blk.mr, nr = blk.nr;
  const index_t kcp = gemm_driver::round_up(k, blk.k_pad);
  std::vector<float> a(static_cast<std::size_t>(m * k)), b(static_cast<std::size_t>(k * nr), 0.0f);
  for (float& v : a) v = static_cast<float>(static_cast<int>(rng.next_u64() % 9) - 4);
  for (index_t p = 0; p < k; ++p)
    for (int j = 0; j < n; ++j) b[static_cast<std::size_t>(p * nr + j)] = static_cast<float>(static_cast<int>(rng.next_u64() % 9) - 4);
  // Packed panels in the driver's layouts (gemm_driver.h), zero past k and past n.
  AlignedBuffer<TAP> ap(static_cast<std::size_t>(mr) * static_cast<std::size_t>(kcp));
  AlignedBuffer<TBP> bp(static_cast<std::size_t>(nr) * static_cast<std::size_t>(kcp));
  gemm_driver::pack_a(a.data(), k, 0, m, 0, k, blk, ap.data(), [&](const float* s, TAP* d, index_t cnt) {
    for (index_t t = 0; t < cnt; ++t) d[t] = to_a(s[t]);
  });
  gemm_driver::pack_b_panel(b.data(), nr, WeightLayout::k_by_n, 0, k, 0, n, blk, bp.data(),
                            [&](const float* s, TBP* d, index_t cnt) {
                              for (index_t t = 0; t < cnt; ++t) d[t] = to_b(s[t]);
                            });
  // C frame: MR + 1 rows x (NR + 3) columns; the tile at (0, 0).
  const index_t ldc = nr + 3;
  std::vector<float> c(static_cast<std::size_t>((mr + 1) * ldc), kOutside), c0(c.size());
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j)
      c[static_cast<std::size_t>(i * ldc + j)] =
          beta == 0.0f ? ik::test::nan_poison() : static_cast<float>(static_cast<int>(rng.next_u64() % 7) - 3);
  c0 = c;
  using A = typename gemm_driver::UkernelArgs<Ukernel>::a_ptr;
  using B = typename gemm_driver::UkernelArgs<Ukernel>::b_ptr;
  uk[m - 1](k, reinterpret_cast<A>(ap.data()), reinterpret_cast<B>(bp.data()), c.data(), ldc, n, alpha, beta);
  for (int i = 0; i <= mr; ++i)
    for (index_t j = 0; j < ldc; ++j) {
      const float got = c[static_cast<std::size_t>(i * ldc + j)];
      float want = c0[static_cast<std::size_t>(i * ldc + j)];
      if (i < m && j < n) {
        double dot = 0;
        for (index_t p = 0; p < k; ++p)
          dot += double(a[static_cast<std::size_t>(i * k + p)]) * double(b[static_cast<std::size_t>(p * nr + j)]);
        want = static_cast<float>(alpha * dot + (beta == 0.0f ? 0.0 : double(beta) * double(want)));
      }
      if (!(got == want)) {
        FAIL_CHECK(name << " m=" << m << " n=" << n << " k=" << k << " alpha=" << alpha << " beta=" << beta
                        << " seed=" << seed << ": C(" << i << ", " << j << ") = " << got << ", want " << want
                        << (i < m && j < n ? "" : " (outside the tile)"));
        return;
      }
    }
}

template <typename TAP, typename TBP, typename Kernel, typename ToA, typename ToB>
void test_float_kernel(const std::string& name, const Kernel& kern, const gemm_driver::Blocking& blk, ToA to_a,
                       ToB to_b) {
  if (ik::test::skip_unrunnable(kern)) return;
  REQUIRE(blk.mr == kern.mr);
  REQUIRE(blk.nr == kern.nr);
  std::uint64_t salt = 0;
  for (int m = 1; m <= kern.mr; ++m)
    for (int n = 1; n <= kern.nr; ++n)
      for (index_t k : depths(blk.k_pad)) {
        // The full sweep of depths on full tiles and on one partial tile size; the other
        // (m, n) pairs at three depths (the sweep is mr x nr x depths calls otherwise).
        const bool full = (m == kern.mr || m == 1) && (n == kern.nr || n == 1 || n == kern.nr - 1);
        if (!full && k != 1 && k != 17 && k != 131) continue;
        const float alpha = (salt % 3 == 0) ? -2.0f : 1.0f;
        const float beta = (salt % 2 == 0) ? 0.0f : (salt % 4 == 1 ? 1.0f : 0.5f);
        test_float_tile<TAP, TBP>(name, kern.ukernel, blk, m, n, k, alpha, beta, ik::test::test_seed(++salt), to_a,
                                  to_b);
      }
}

float as_float(float x) { return x; }
std::uint16_t as_f16(float x) { return f32_to_f16(x); }
std::uint16_t as_bf16(float x) { return f32_to_bf16(x); }

}  // namespace

TEST_CASE("microkernel tester: sgemm, every variant, m = 1..MR, n = 1..NR, k tails, alpha / beta") {
  for (const cpu::SgemmKernel& k : cpu::sgemm_kernels())
    test_float_kernel<float, float>(k.name, k, gemm_driver::blocking(k.mr, k.nr, k.mc, k.kc, k.nc), as_float,
                                    as_float);
}

TEST_CASE("microkernel tester: hgemm (fp32 A, fp16 B) and its staged fp32-B table") {
  for (const cpu::HgemmKernel& k : cpu::hgemm_kernels()) {
    test_float_kernel<float, std::uint16_t>(k.name, k, k.blk, as_float, as_f16);
    if (k.staged.uk) {
      cpu::HgemmKernel staged = k;
      staged.ukernel = k.staged.uk;
      test_float_kernel<float, float>(std::string(k.name) + " (staged)", staged, k.blk, as_float, as_float);
    }
  }
}

TEST_CASE("microkernel tester: bf16gemm (widening, VDPBF16PS pairs, AMX rows)") {
  for (const cpu::Bf16gemmKernel& k : cpu::bf16gemm_kernels()) {
    if (k.blk.k_group == 2)
      test_float_kernel<std::uint16_t, std::uint16_t>(k.name, k, k.blk, as_bf16, as_bf16);
    else
      test_float_kernel<float, std::uint16_t>(k.name, k, k.blk, as_float, as_bf16);
  }
}

// gemm_s8: the s32 epilogue (acc + offset[j]) on u8 activations 0..255 against s8 weights
// -128..127, full range: an exact integer check of the k-group layouts the header draws.
TEST_CASE("microkernel tester: gemm_s8 tables (u8x4 and u16x2 layouts), full u8 / s8 range") {
  for (const cpu::S8Kernel& kern : cpu::gemm_s8_kernels()) {
    if (!kern.ukernel) {
      MESSAGE(std::string(kern.name) << ": a whole-block kernel (no microkernel table): tested through gemm_s8");
      continue;
    }
    if (ik::test::skip_unrunnable(kern)) continue;
    const std::string kernel_name = kern.name;
    CAPTURE(kernel_name);
    const bool pairs = kern.a_pack == cpu::S8APack::u16x2;
    std::uint64_t salt = 300;
    for (int m = 1; m <= kern.mr; ++m)
      for (int n = 1; n <= kern.nr; ++n)
        for (index_t k : {index_t(1), index_t(3), index_t(4), index_t(5), index_t(63), index_t(130)}) {
          if (n != 1 && n != kern.nr && n != kern.nr - 1 && k != 5) continue;
          const std::uint64_t seed = ik::test::test_seed(++salt);
          Rng rng(seed);
          const index_t kp = gemm_driver::round_up(k, kern.kp_multiple);
          const index_t groups = kp / kern.kg;
          std::vector<std::uint8_t> a(static_cast<std::size_t>(m * k));
          std::vector<std::int8_t> w(static_cast<std::size_t>(k * kern.nr), 0);
          for (auto& v : a) v = static_cast<std::uint8_t>(rng.next_u64());
          for (index_t p = 0; p < k; ++p)
            for (int j = 0; j < n; ++j) w[static_cast<std::size_t>(p * kern.nr + j)] = static_cast<std::int8_t>(rng.next_u64());
          // A: u8x4 [g][m][4] bytes, or u16x2 [g][m][2] u16; W: [g][NR][KG]; zero past k.
          AlignedBuffer<std::uint8_t> ap(static_cast<std::size_t>(m * kp * (pairs ? 2 : 1)) + 64);
          AlignedBuffer<std::int8_t> wp(static_cast<std::size_t>(kp * kern.nr) + 64);
          std::memset(ap.data(), 0, ap.size());
          std::memset(wp.data(), 0, wp.size());
          auto* a16 = reinterpret_cast<std::uint16_t*>(ap.data());
          for (int i = 0; i < m; ++i)
            for (index_t p = 0; p < k; ++p) {
              const std::uint8_t v = a[static_cast<std::size_t>(i * k + p)];
              if (pairs)
                a16[(p / 2) * (2 * m) + 2 * i + (p % 2)] = v;
              else
                ap[static_cast<std::size_t>((p / 4) * (4 * m) + 4 * i + (p % 4))] = v;
            }
          for (index_t p = 0; p < k; ++p)
            for (int j = 0; j < kern.nr; ++j)
              wp[static_cast<std::size_t>((p / kern.kg) * (kern.nr * kern.kg) + j * kern.kg + (p % kern.kg))] =
                  w[static_cast<std::size_t>(p * kern.nr + j)];
          std::vector<std::int32_t> offset(static_cast<std::size_t>(kern.nr));
          for (auto& o : offset) o = static_cast<std::int32_t>(rng.next_u64() % 2001) - 1000;
          const cpu::S8Epilogue ep{cpu::S8Output::s32, offset.data(), nullptr, nullptr, nullptr, 0};
          const index_t ldc = kern.nr + 3;
          constexpr std::int32_t kOutsideS32 = 0x5A5A5A5A;
          std::vector<std::int32_t> c(static_cast<std::size_t>((kern.mr + 1) * ldc), kOutsideS32);
          kern.ukernel[m - 1](groups, ap.data(), wp.data(), c.data(), ldc, n, ep);
          bool ok = true;
          for (int i = 0; i <= kern.mr && ok; ++i)
            for (index_t j = 0; j < ldc && ok; ++j) {
              std::int64_t want = kOutsideS32;
              if (i < m && j < n) {
                want = offset[static_cast<std::size_t>(j)];
                for (index_t p = 0; p < k; ++p)
                  want += std::int64_t(a[static_cast<std::size_t>(i * k + p)]) * w[static_cast<std::size_t>(p * kern.nr + j)];
              }
              const std::int32_t got = c[static_cast<std::size_t>(i * ldc + j)];
              if (got != want) {
                FAIL_CHECK(std::string(kern.name) << " m=" << m << " n=" << n << " k=" << k << " seed=" << seed << ": C(" << i
                                     << ", " << j << ") = " << got << ", want " << want);
                ok = false;
              }
            }
        }
  }
}

// XNOR: c32 = K - 2 popcount(a xor b) per tile element, against the bits themselves.
TEST_CASE("microkernel tester: xnor gemm tables, m = 1..MR, n = 1..NR, word tails") {
  for (const cpu::XnorKernel& kern : cpu::xnor_kernels()) {
    if (ik::test::skip_unrunnable(kern)) continue;
    const std::string kernel_name = kern.name;
    CAPTURE(kernel_name);
    std::uint64_t salt = 600;
    for (int m = 1; m <= kern.mr; ++m)
      for (int n = 1; n <= kern.nr; ++n)
        for (index_t K : {index_t(1), index_t(63), index_t(64), index_t(65), index_t(200), index_t(1025)}) {
          const std::uint64_t seed = ik::test::test_seed(++salt);
          Rng rng(seed);
          const index_t kw = cpu::bitpack_words(K), lda = kw + 1;
          auto word = [&](index_t w) {
            std::uint64_t v = rng.next_u64();
            if (w == kw - 1 && K % 64) v &= (std::uint64_t{1} << (K % 64)) - 1;  // padding bits zero
            return v;
          };
          std::vector<std::uint64_t> a(static_cast<std::size_t>(kern.mr * lda), 0);
          AlignedBuffer<std::uint64_t> b(static_cast<std::size_t>(kw * cpu::kBinaryPanel));
          std::memset(b.data(), 0, b.size() * sizeof(std::uint64_t));
          for (int i = 0; i < m; ++i)
            for (index_t w = 0; w < kw; ++w) a[static_cast<std::size_t>(i * lda + w)] = word(w);
          for (int j = 0; j < n; ++j)
            for (index_t w = 0; w < kw; ++w) b[static_cast<std::size_t>(w * cpu::kBinaryPanel + j)] = word(w);
          const index_t ldc = kern.nr + 3;
          constexpr std::int32_t kOutsideS32 = 0x5A5A5A5A;
          std::vector<std::int32_t> c(static_cast<std::size_t>((kern.mr + 1) * ldc), kOutsideS32);
          cpu::XnorTileOut out{static_cast<std::int32_t>(K), c.data(), nullptr, ldc, nullptr, nullptr, nullptr, 0};
          kern.ukernel[m - 1](kw, a.data(), lda, b.data(), n, out);
          bool ok = true;
          for (int i = 0; i <= kern.mr && ok; ++i)
            for (index_t j = 0; j < ldc && ok; ++j) {
              std::int32_t want = kOutsideS32;
              if (i < m && j < n) {
                std::int32_t pop = 0;
                for (index_t w = 0; w < kw; ++w)
                  pop += __builtin_popcountll(a[static_cast<std::size_t>(i * lda + w)] ^
                                              b[static_cast<std::size_t>(w * cpu::kBinaryPanel + j)]);
                want = static_cast<std::int32_t>(K) - 2 * pop;
              }
              if (c[static_cast<std::size_t>(i * ldc + j)] != want) {
                FAIL_CHECK(std::string(kern.name) << " m=" << m << " n=" << n << " K=" << K << " seed=" << seed << ": C(" << i
                                     << ", " << j << ") = " << c[static_cast<std::size_t>(i * ldc + j)] << ", want "
                                     << want);
                ok = false;
              }
            }
        }
  }
}
