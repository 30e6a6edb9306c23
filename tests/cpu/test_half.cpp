// Tests of common/half.h (scalar fp16/bf16 definitions) and common/half_convert.h (array
// conversion on every ISA path).
//
// Each scalar definition is checked against an independent slow oracle written from the value
// of the encodings (ldexp of the fields; nearest of two neighbours by exact double arithmetic,
// ties to the even pattern), and each vector path against the scalar bit for bit, NaNs
// compared by bits:
//   - every one of the 65536 fp16 and bf16 patterns -> fp32, and the round trip back;
//   - fp32 -> fp16/bf16 at every representable point, every halfway point, +-1 fp32 ulp around
//     both, the overflow and subnormal boundaries, NaN payloads, and a strided sweep of all 2^32;
//   - the same boundary points under a hostile MXCSR (FTZ, DAZ, round-up);
//   - tails n = 0..70 with poisoned guards on both sides of dst;
//   - bad arguments throw ik::Error; paths this CPU cannot run are skipped with a printed reason.
//
// Run: make test ARGS='-tc=half:*'
#include <doctest/doctest.h>

#include <xmmintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/half.h"
#include "common/half_convert.h"
#include "tests/test_util.h"

namespace {

using ik::Isa;

constexpr Isa kIsas[] = {Isa::scalar, Isa::avx2, Isa::avx512};

// ---------------------------------------------------------------------------------------------
// Independent oracles: values from the field definitions, in double (every fp16, bf16 and fp32
// value and every halfway point between neighbours is exact in double).

double f16_value(std::uint16_t h) {  // finite patterns only
  const int e = (h >> 10) & 0x1F, m = h & 0x3FF;
  const double mag = e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25);
  return (h & 0x8000) ? -mag : mag;
}

double bf16_value(std::uint16_t b) {  // finite patterns only
  const int e = (b >> 7) & 0xFF, m = b & 0x7F;
  const double mag = e == 0 ? std::ldexp(m, -133) : std::ldexp(128 + m, e - 134);
  return (b & 0x8000) ? -mag : mag;
}

// The NaN conventions of common/half.h, restated as plain formulas.
std::uint32_t f16_nan_to_f32(std::uint16_t h) {
  return (std::uint32_t(h & 0x8000) << 16) | 0x7FC00000u | (std::uint32_t(h & 0x3FF) << 13);
}
std::uint16_t f32_nan_to_f16(std::uint32_t x) {
  return std::uint16_t(((x >> 16) & 0x8000) | 0x7E00 | ((x >> 13) & 0x3FF));
}
std::uint16_t f32_nan_to_bf16(std::uint32_t x) { return std::uint16_t((x >> 16) | 0x40); }

// Round |x| to the nearest of a sorted table of the non-negative values of a format, where the
// last entry is the first value past the largest finite one (2^16 for fp16, 2^128 for bf16):
// IEEE 754 §4.3 rounds as if the exponent were unbounded, and a result there overflows to Inf,
// whose pattern is exactly that last index. Ties go to the even pattern.
struct NearestTable {
  std::vector<double> pos;  // pos[p] = value of pattern p, p = 0 .. inf_pattern
  std::uint16_t inf_pattern;
  std::uint16_t round(float f) const {
    const std::uint32_t x = ik::f32_bits(f);
    const std::uint16_t sign = std::uint16_t((x >> 16) & 0x8000);
    const double a = std::fabs(double(f));
    if (a >= pos.back()) return sign | inf_pattern;
    // Largest lo with pos[lo] <= a; then a < pos[lo + 1].
    const std::size_t lo = std::size_t(std::upper_bound(pos.begin(), pos.end(), a) - pos.begin()) - 1;
    const double dlo = a - pos[lo], dhi = pos[lo + 1] - a;  // exact: a is within one step
    std::size_t r = lo;
    if (dhi < dlo || (dhi == dlo && (lo & 1))) r = lo + 1;
    return std::uint16_t(sign | r);
  }
};

const NearestTable& f16_table() {
  static const NearestTable t = [] {
    NearestTable n{{}, 0x7C00};
    for (std::uint32_t p = 0; p < 0x7C00; ++p) n.pos.push_back(f16_value(std::uint16_t(p)));
    n.pos.push_back(65536.0);
    return n;
  }();
  return t;
}

const NearestTable& bf16_table() {
  static const NearestTable t = [] {
    NearestTable n{{}, 0x7F80};
    for (std::uint32_t p = 0; p < 0x7F80; ++p) n.pos.push_back(bf16_value(std::uint16_t(p)));
    n.pos.push_back(std::ldexp(1.0, 128));
    return n;
  }();
  return t;
}

bool is_f32_nan(std::uint32_t x) { return (x & 0x7FFFFFFFu) > 0x7F800000u; }

std::uint16_t ref_f32_to_f16(float f) {
  const std::uint32_t x = ik::f32_bits(f);
  return is_f32_nan(x) ? f32_nan_to_f16(x) : f16_table().round(f);
}
std::uint16_t ref_f32_to_bf16(float f) {
  const std::uint32_t x = ik::f32_bits(f);
  return is_f32_nan(x) ? f32_nan_to_bf16(x) : bf16_table().round(f);
}

// ---------------------------------------------------------------------------------------------
// Helpers

bool skip(Isa isa, const char* what) { return ik::test::skip_unless_supported(isa, what); }

std::string hex(std::uint32_t v, int digits) {
  static const char* d = "0123456789abcdef";
  std::string s = "0x";
  for (int i = digits - 1; i >= 0; --i) s += d[(v >> (4 * i)) & 0xF];
  return s;
}

// First index where two 16-bit arrays differ, reported with the input that produced it.
bool same_u16(const std::string& what, const std::vector<float>& in, const std::vector<std::uint16_t>& got,
              const std::vector<std::uint16_t>& want) {
  for (std::size_t i = 0; i < want.size(); ++i)
    if (got[i] != want[i]) {
      FAIL_CHECK(what << ": first mismatch at " << i << ": input f32 " << hex(ik::f32_bits(in[i]), 8) << " ("
                      << in[i] << ") got " << hex(got[i], 4) << " want " << hex(want[i], 4));
      return false;
    }
  CHECK(true);
  return true;
}

bool same_f32_bits(const std::string& what, const std::vector<std::uint16_t>& in, const std::vector<float>& got,
                   const std::vector<std::uint32_t>& want) {
  for (std::size_t i = 0; i < want.size(); ++i)
    if (ik::f32_bits(got[i]) != want[i]) {
      FAIL_CHECK(what << ": first mismatch at input " << hex(in[i], 4) << ": got " << hex(ik::f32_bits(got[i]), 8)
                      << " want " << hex(want[i], 8));
      return false;
    }
  CHECK(true);
  return true;
}

std::vector<std::uint16_t> all_patterns() {
  std::vector<std::uint16_t> v(65536);
  for (std::uint32_t i = 0; i < 65536; ++i) v[i] = std::uint16_t(i);
  return v;
}

void push_pm(std::vector<float>& v, float f) {
  v.push_back(f);
  v.push_back(-f);
}

// fp32 inputs that decide rounding: for each non-negative finite pattern p of the format with
// value v and successor s (the first value past the largest finite one after the last), v,
// v +- 1 ulp, (v + s) / 2 and that +- 1 ulp, each with both signs; plus fixed specials.
std::vector<float> rounding_points(bool bf16) {
  const NearestTable& t = bf16 ? bf16_table() : f16_table();
  std::vector<float> pts;
  const float inf = std::numeric_limits<float>::infinity();
  std::size_t inexact = 0;
  for (std::size_t p = 0; p + 1 < t.pos.size(); ++p) {
    const float v = float(t.pos[p]);
    const float mid = float((t.pos[p] + t.pos[p + 1]) / 2);
    // Both exact in fp32: at most 12 (fp16) or 9 (bf16) significant bits, exponents in range.
    if (double(v) != t.pos[p] || double(mid) != (t.pos[p] + t.pos[p + 1]) / 2) ++inexact;
    for (float f : {v, std::nextafter(v, inf), std::nextafter(v, 0.0f), mid, std::nextafter(mid, inf),
                    std::nextafter(mid, 0.0f)})
      push_pm(pts, f);
  }
  REQUIRE(inexact == 0);
  const float specials[] = {0.0f, inf, std::numeric_limits<float>::max(), std::numeric_limits<float>::min(),
                            std::numeric_limits<float>::denorm_min(), 65504.0f, 65519.996f, 65520.0f, 65536.0f,
                            1e5f, 1e30f, std::ldexp(1.0f, -24), std::ldexp(1.0f, -25), std::ldexp(1.5f, -25),
                            std::ldexp(1.0f, -26), std::ldexp(1.0f, -14), std::ldexp(1.0f, -126),
                            std::ldexp(1.0f, -130), 3.3895314e38f};
  for (float f : specials) {
    push_pm(pts, f);
    push_pm(pts, std::nextafter(f, inf));
    push_pm(pts, std::nextafter(f, 0.0f));
  }
  // A few points in every fp32 binade, including those far outside the format's range (where
  // only the overflow and underflow branches decide), with mantissas that straddle the cut.
  for (int e = -149; e <= 127; ++e)
    for (float m : {1.0f, 1.0f + 0x1p-23f, 1.0f + 0x1p-11f, 1.0f + 0x1p-10f, 1.0f + 0x1p-8f, 1.5f, 2.0f - 0x1p-23f})
      push_pm(pts, std::ldexp(m, e));
  // NaNs: signaling and quiet, payload bits at the top, at the 13/16-bit cut, at the bottom.
  for (std::uint32_t payload : {0x000001u, 0x001FFFu, 0x002000u, 0x00FFFFu, 0x010000u, 0x200000u, 0x3FFFFFu,
                                0x400000u, 0x400001u, 0x7FE000u, 0x7FFFFFu, 0x123456u})
    for (std::uint32_t sign : {0u, 0x80000000u}) pts.push_back(ik::f32_from_bits(sign | 0x7F800000u | payload));
  return pts;
}

std::vector<float> strided_sweep() {
  std::vector<float> v;
  // 2^32 / 4093 ~ 1.05M values, ~2000 in every binade of each sign; the stride is prime, so over
  // the sweep the low 13/16 bits that decide the rounding take every residue.
  for (std::uint64_t u = 0; u < (1ull << 32); u += 4093) v.push_back(ik::f32_from_bits(std::uint32_t(u)));
  v.push_back(ik::f32_from_bits(0xFFFFFFFFu));
  return v;
}

// Check scalar against the oracle and every vector path against the scalar.
void check_f32_to_16(const char* label, const std::vector<float>& in, bool bf16) {
  std::vector<std::uint16_t> want(in.size()), ref(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    want[i] = bf16 ? ik::f32_to_bf16(in[i]) : ik::f32_to_f16(in[i]);
    ref[i] = bf16 ? ref_f32_to_bf16(in[i]) : ref_f32_to_f16(in[i]);
  }
  const std::string kind = bf16 ? "f32_to_bf16" : "f32_to_f16";
  same_u16(std::string(label) + ": scalar " + kind + " vs oracle", in, want, ref);
  for (Isa isa : kIsas) {
    if (skip(isa, (kind + " " + label).c_str())) continue;
    std::vector<std::uint16_t> got(in.size(), 0xDEAD);
    if (bf16)
      ik::convert_f32_to_bf16(in.data(), got.data(), in.size(), isa);
    else
      ik::convert_f32_to_f16(in.data(), got.data(), in.size(), isa);
    same_u16(std::string(label) + ": " + ik::isa_name(isa) + " convert_" + kind + " vs scalar", in, got, want);
  }
}

// MXCSR with flush-to-zero, denormals-are-zero and round-up, restored on scope exit.
struct HostileMxcsr {
  unsigned saved = _mm_getcsr();
  HostileMxcsr() { _mm_setcsr((saved & ~0x6000u) | 0x8040u | 0x4000u); }
  ~HostileMxcsr() { _mm_setcsr(saved); }
};

}  // namespace

TEST_CASE("half: f16 -> f32, all 65536 patterns, and the round trip") {
  const std::vector<std::uint16_t> in = all_patterns();
  std::vector<std::uint32_t> want(in.size());
  std::size_t bad = 0;
  for (std::uint16_t h : in) {
    const bool nan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF);
    const bool inf = (h & 0x7FFF) == 0x7C00;
    std::uint32_t oracle = nan   ? f16_nan_to_f32(h)
                           : inf ? ((std::uint32_t(h & 0x8000) << 16) | 0x7F800000u)
                                 : ik::f32_bits(float(f16_value(h)));
    want[h] = ik::f32_bits(ik::f16_to_f32(h));
    if (want[h] != oracle && bad++ == 0)
      FAIL_CHECK("scalar f16_to_f32(" << hex(h, 4) << ") = " << hex(want[h], 8) << ", oracle " << hex(oracle, 8));
  }
  CHECK(bad == 0);
  for (Isa isa : kIsas) {
    if (skip(isa, "convert_f16_to_f32")) continue;
    std::vector<float> got(in.size(), ik::test::nan_poison());
    ik::convert_f16_to_f32(in.data(), got.data(), in.size(), isa);
    same_f32_bits(std::string(ik::isa_name(isa)) + " convert_f16_to_f32 vs scalar", in, got, want);
    // Back again: the identity for every non-NaN pattern, the quieted pattern for NaNs.
    std::vector<std::uint16_t> back(in.size(), 0xDEAD), expect(in.size());
    ik::convert_f32_to_f16(got.data(), back.data(), got.size(), isa);
    for (std::uint16_t h : in) expect[h] = ((h & 0x7C00) == 0x7C00 && (h & 0x3FF)) ? (h | 0x200) : h;
    same_u16(std::string(ik::isa_name(isa)) + " f16 -> f32 -> f16 round trip", got, back, expect);
  }
}

TEST_CASE("half: bf16 -> f32, all 65536 patterns, and the round trip") {
  const std::vector<std::uint16_t> in = all_patterns();
  std::vector<std::uint32_t> want(in.size());
  std::size_t bad = 0;
  for (std::uint16_t b : in) {
    const bool special = (b & 0x7F80) == 0x7F80;  // Inf and NaN: by definition the high half
    std::uint32_t oracle = special ? std::uint32_t(b) << 16 : ik::f32_bits(float(bf16_value(b)));
    want[b] = ik::f32_bits(ik::bf16_to_f32(b));
    if (want[b] != oracle && bad++ == 0)
      FAIL_CHECK("scalar bf16_to_f32(" << hex(b, 4) << ") = " << hex(want[b], 8) << ", oracle " << hex(oracle, 8));
  }
  CHECK(bad == 0);
  for (Isa isa : kIsas) {
    if (skip(isa, "convert_bf16_to_f32")) continue;
    std::vector<float> got(in.size(), ik::test::nan_poison());
    ik::convert_bf16_to_f32(in.data(), got.data(), in.size(), isa);
    same_f32_bits(std::string(ik::isa_name(isa)) + " convert_bf16_to_f32 vs scalar", in, got, want);
    std::vector<std::uint16_t> back(in.size(), 0xDEAD), expect(in.size());
    ik::convert_f32_to_bf16(got.data(), back.data(), got.size(), isa);
    for (std::uint16_t b : in) expect[b] = ((b & 0x7F80) == 0x7F80 && (b & 0x7F)) ? (b | 0x40) : b;
    same_u16(std::string(ik::isa_name(isa)) + " bf16 -> f32 -> bf16 round trip", got, back, expect);
  }
}

TEST_CASE("half: f32 -> f16 at every rounding boundary and a strided sweep of all f32") {
  check_f32_to_16("boundaries", rounding_points(false), false);
  check_f32_to_16("strided sweep", strided_sweep(), false);
  // Spot values a reader can check by hand.
  CHECK(ik::f32_to_f16(65504.0f) == 0x7BFF);
  CHECK(ik::f32_to_f16(65519.996f) == 0x7BFF);
  CHECK(ik::f32_to_f16(65520.0f) == 0x7C00);             // tie between 65504 (odd) and 2^16: Inf
  CHECK(ik::f32_to_f16(std::ldexp(1.0f, -24)) == 0x0001);  // smallest subnormal
  CHECK(ik::f32_to_f16(std::ldexp(1.0f, -25)) == 0x0000);  // tie with 0: even
  CHECK(ik::f32_to_f16(std::ldexp(1.5f, -24)) == 0x0002);  // tie between 1 and 2 subnormal ulps: even
  CHECK(ik::f32_to_f16(-0.0f) == 0x8000);
  CHECK(ik::f32_to_f16(ik::f32_from_bits(0x7F800001u)) == 0x7E00);  // signaling NaN quieted
  CHECK(ik::f32_to_f16(ik::f32_from_bits(0xFFFFFFFFu)) == 0xFFFF);
}

TEST_CASE("half: f32 -> bf16 at every rounding boundary and a strided sweep of all f32") {
  check_f32_to_16("boundaries", rounding_points(true), true);
  check_f32_to_16("strided sweep", strided_sweep(), true);
  CHECK(ik::f32_to_bf16(1.0f) == 0x3F80);
  CHECK(ik::f32_to_bf16(ik::f32_from_bits(0x3F808000u)) == 0x3F80);  // tie, even stays
  CHECK(ik::f32_to_bf16(ik::f32_from_bits(0x3F818000u)) == 0x3F82);  // tie, odd rounds up
  CHECK(ik::f32_to_bf16(std::numeric_limits<float>::max()) == 0x7F80);
  CHECK(ik::f32_to_bf16(ik::f32_from_bits(0x80408000u)) == 0x8040);  // subnormal rounded, not flushed
  CHECK(ik::f32_to_bf16(ik::f32_from_bits(0x7F800001u)) == 0x7FC0);
  CHECK(ik::f32_to_bf16(ik::f32_from_bits(0xFF80FFFFu)) == 0xFFC0);  // rounding must not make it Inf
}

TEST_CASE("half: vector paths ignore MXCSR (FTZ, DAZ, round-up)") {
  // The fp16 instructions take their rounding from imm8 and neither flush fp16 subnormal
  // outputs nor treat fp16 subnormal inputs as zero; bf16 is integer arithmetic. Under any
  // MXCSR the paths must still equal the (integer-only) scalar definition.
  const std::vector<float> f16_pts = rounding_points(false), bf16_pts = rounding_points(true);
  const std::vector<std::uint16_t> pats = all_patterns();
  for (Isa isa : kIsas) {
    if (skip(isa, "MXCSR independence")) continue;
    std::vector<std::uint16_t> h(f16_pts.size()), b(bf16_pts.size());
    std::vector<float> hf(pats.size()), bf(pats.size());
    {
      HostileMxcsr guard;
      ik::convert_f32_to_f16(f16_pts.data(), h.data(), h.size(), isa);
      ik::convert_f32_to_bf16(bf16_pts.data(), b.data(), b.size(), isa);
      ik::convert_f16_to_f32(pats.data(), hf.data(), pats.size(), isa);
      ik::convert_bf16_to_f32(pats.data(), bf.data(), pats.size(), isa);
    }
    std::vector<std::uint16_t> wh(h.size()), wb(b.size());
    std::vector<std::uint32_t> whf(pats.size()), wbf(pats.size());
    for (std::size_t i = 0; i < h.size(); ++i) wh[i] = ik::f32_to_f16(f16_pts[i]);
    for (std::size_t i = 0; i < b.size(); ++i) wb[i] = ik::f32_to_bf16(bf16_pts[i]);
    for (std::uint16_t p : pats) {
      whf[p] = ik::f32_bits(ik::f16_to_f32(p));
      wbf[p] = ik::f32_bits(ik::bf16_to_f32(p));
    }
    const std::string name = ik::isa_name(isa);
    same_u16(name + " f32_to_f16 under hostile MXCSR", f16_pts, h, wh);
    same_u16(name + " f32_to_bf16 under hostile MXCSR", bf16_pts, b, wb);
    same_f32_bits(name + " f16_to_f32 under hostile MXCSR", pats, hf, whf);
    same_f32_bits(name + " bf16_to_f32 under hostile MXCSR", pats, bf, wbf);
  }
}

TEST_CASE("half: tails n = 0..70 leave everything outside dst[0, n) untouched") {
  constexpr std::size_t kGuard = 40;
  constexpr std::uint16_t kPoison16 = 0xABCD;
  const std::uint32_t kPoison32 = 0x7FABCDEFu;  // a NaN no conversion can produce from these inputs
  for (Isa isa : kIsas) {
    if (skip(isa, "tails")) continue;
    for (std::size_t n = 0; n <= 70; ++n) {
      CAPTURE(n);
      const std::string ctx = std::string(ik::isa_name(isa)) + " n = " + std::to_string(n);
      // Exactly n-element sources on the heap, so a read past n is an ASan error.
      std::vector<float> f32_src(n);
      std::vector<std::uint16_t> u16_src(n);
      for (std::size_t i = 0; i < n; ++i) {
        f32_src[i] = float(i) * 1.37f - 40.0f + 1.0f / 3.0f;
        u16_src[i] = std::uint16_t(0x3C00 + 37 * i);
      }
      std::vector<std::uint16_t> d16(n + 2 * kGuard);
      std::vector<float> d32(n + 2 * kGuard);
      auto check16 = [&](const std::string& what, bool bf16) {
        for (std::size_t i = 0; i < d16.size(); ++i) {
          const bool inside = i >= kGuard && i < kGuard + n;
          const std::uint16_t want = !inside ? kPoison16
                                     : bf16  ? ik::f32_to_bf16(f32_src[i - kGuard])
                                             : ik::f32_to_f16(f32_src[i - kGuard]);
          if (d16[i] != want) {
            FAIL_CHECK(ctx << " " << what << ": dst[" << long(i) - long(kGuard) << "] = " << hex(d16[i], 4)
                           << " want " << hex(want, 4));
            return;
          }
        }
      };
      auto check32 = [&](const std::string& what, bool bf16) {
        for (std::size_t i = 0; i < d32.size(); ++i) {
          const bool inside = i >= kGuard && i < kGuard + n;
          const std::uint32_t want = !inside ? kPoison32
                                     : ik::f32_bits(bf16 ? ik::bf16_to_f32(u16_src[i - kGuard])
                                                         : ik::f16_to_f32(u16_src[i - kGuard]));
          if (ik::f32_bits(d32[i]) != want) {
            FAIL_CHECK(ctx << " " << what << ": dst[" << long(i) - long(kGuard) << "] = "
                           << hex(ik::f32_bits(d32[i]), 8) << " want " << hex(want, 8));
            return;
          }
        }
      };
      std::fill(d16.begin(), d16.end(), kPoison16);
      ik::convert_f32_to_f16(f32_src.data(), d16.data() + kGuard, n, isa);
      check16("convert_f32_to_f16", false);
      std::fill(d16.begin(), d16.end(), kPoison16);
      ik::convert_f32_to_bf16(f32_src.data(), d16.data() + kGuard, n, isa);
      check16("convert_f32_to_bf16", true);
      std::fill(d32.begin(), d32.end(), ik::f32_from_bits(kPoison32));
      ik::convert_f16_to_f32(u16_src.data(), d32.data() + kGuard, n, isa);
      check32("convert_f16_to_f32", false);
      std::fill(d32.begin(), d32.end(), ik::f32_from_bits(kPoison32));
      ik::convert_bf16_to_f32(u16_src.data(), d32.data() + kGuard, n, isa);
      check32("convert_bf16_to_f32", true);
    }
  }
}

TEST_CASE("half: bad arguments throw ik::Error") {
  float f[4] = {1, 2, 3, 4};
  std::uint16_t h[4] = {0x3C00, 0x4000, 0x4200, 0x4400};
  for (Isa isa : kIsas) {
    if (skip(isa, "argument checks")) continue;
    const std::string isa_str = ik::isa_name(isa);
    CAPTURE(isa_str);
    CHECK_THROWS_AS(ik::convert_f32_to_f16(nullptr, h, 4, isa), ik::Error);
    CHECK_THROWS_AS(ik::convert_f32_to_f16(f, nullptr, 4, isa), ik::Error);
    CHECK_THROWS_AS(ik::convert_f16_to_f32(nullptr, f, 4, isa), ik::Error);
    CHECK_THROWS_AS(ik::convert_f16_to_f32(h, nullptr, 4, isa), ik::Error);
    CHECK_THROWS_AS(ik::convert_f32_to_bf16(nullptr, h, 4, isa), ik::Error);
    CHECK_THROWS_AS(ik::convert_f32_to_bf16(f, nullptr, 4, isa), ik::Error);
    CHECK_THROWS_AS(ik::convert_bf16_to_f32(nullptr, f, 4, isa), ik::Error);
    CHECK_THROWS_AS(ik::convert_bf16_to_f32(h, nullptr, 4, isa), ik::Error);
    // n = 0 touches nothing, so null is fine.
    CHECK_NOTHROW(ik::convert_f32_to_f16(nullptr, nullptr, 0, isa));
    CHECK_NOTHROW(ik::convert_f16_to_f32(nullptr, nullptr, 0, isa));
    CHECK_NOTHROW(ik::convert_f32_to_bf16(nullptr, nullptr, 0, isa));
    CHECK_NOTHROW(ik::convert_bf16_to_f32(nullptr, nullptr, 0, isa));
  }
  try {
    ik::convert_f32_to_f16(f, nullptr, 4, Isa::scalar);
    FAIL("no throw");
  } catch (const ik::Error& e) {
    CHECK(std::string(e.what()).find("dst") != std::string::npos);  // the message names the argument
  }
  // Not an Isa at all.
  CHECK_THROWS_AS(ik::convert_f32_to_f16(f, h, 4, static_cast<Isa>(7)), ik::Error);
  CHECK_THROWS_AS(ik::convert_bf16_to_f32(h, f, 4, static_cast<Isa>(-1)), ik::Error);
  // An ISA this CPU cannot run must throw, not die with an illegal instruction.
  bool tested = false;
  for (Isa isa : kIsas) {
    if (ik::isa_supported(isa)) continue;
    tested = true;
    const std::string isa_str = ik::isa_name(isa);
    CAPTURE(isa_str);
    CHECK_THROWS_AS(ik::convert_f32_to_f16(f, h, 4, isa), ik::Error);
    CHECK_THROWS_AS(ik::convert_f16_to_f32(h, f, 4, isa), ik::Error);
    CHECK_THROWS_AS(ik::convert_f32_to_bf16(f, h, 4, isa), ik::Error);
    CHECK_THROWS_AS(ik::convert_bf16_to_f32(h, f, 4, isa), ik::Error);
  }
  if (!tested)
    std::printf("skipped: half unsupported-ISA check: this CPU runs every path (%s)\n",
                ik::cpu_features_string().c_str());
}

