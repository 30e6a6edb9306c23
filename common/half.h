// Scalar fp16 (IEEE 754-2008 binary16) and bf16 (bfloat16) <-> fp32 conversion: the definition
// every vector path in common/half_convert_*.cpp must match bit for bit.
//
// Formats (sign | exponent | mantissa):
//   fp32  1 | 8 (bias 127) | 23        fp16  1 | 5 (bias 15) | 10        bf16  1 | 8 (bias 127) | 7
//
// Written from IEEE 754-2008 §4.3 / §5.4.2 with plain integer arithmetic (no intrinsics, no
// floating-point environment), so the result does not depend on MXCSR, -ffast-math or the
// compiler's choice of instructions:
//   f32 -> f16   round to nearest, ties to even; |x| >= 65520 (the tie above 65504) -> +-Inf;
//                fp16 subnormals produced exactly (rounded, never flushed); fp32 subnormals -> +-0.
//   f16 -> f32   exact for every non-NaN pattern (fp16 subnormals are normal in fp32).
//   f32 -> bf16  round to nearest, ties to even on the low 16 bits; overflow rounds to +-Inf by
//                the carry into the exponent; fp32 subnormals are rounded, not flushed (unlike
//                AVX512_BF16 VCVTNEPS2BF16, which flushes them to zero: see half_convert.h).
//   bf16 -> f32  exact: the 16 bits become the high half, for every pattern, NaNs included.
//
// NaN convention: that of the x86 hardware, checked on Zen 4 (F16C VCVTPS2PH / VCVTPH2PS,
// Intel SDM Vol. 2 "VCVTPS2PH", and AVX512_BF16 VCVTNEPS2BF16): a NaN stays a NaN of the same
// sign, is quieted, and keeps the top payload bits that fit:
//   f32 -> f16   sign | 0x7E00 | (mantissa >> 13)          (0x7F800001 -> 0x7E00, 0xFFFFFFFF -> 0xFFFF)
//   f16 -> f32   sign | 0x7FC00000 | (mantissa << 13)      (signaling 0x7C01 -> 0x7FC02000)
//   f32 -> bf16  (bits >> 16) | 0x0040                      (0x7F800001 -> 0x7FC0)
//   bf16 -> f32  bits << 16 (a signaling bf16 NaN stays signaling: no instruction quiets it,
//                and every library converts bf16 by this shift)
//
// Tests: make test ARGS='-tc=half:*' (tests/cpu/test_half.cpp: all 65536 patterns each way).
#pragma once
#include <cstdint>
#include <cstring>

namespace ik {

inline std::uint32_t f32_bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float f32_from_bits(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline std::uint16_t f32_to_f16(float f) {
  const std::uint32_t x = f32_bits(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const std::uint32_t a = x & 0x7FFFFFFFu;
  if (a > 0x7F800000u)  // NaN: quiet bit forced, top 9 payload bits kept (VCVTPS2PH)
    return static_cast<std::uint16_t>(sign | 0x7E00u | ((a >> 13) & 0x3FFu));
  if (a >= 0x47800000u)  // |x| >= 2^16 (Inf included): beyond any rounding to 65504
    return static_cast<std::uint16_t>(sign | 0x7C00u);
  const std::uint32_t e = a >> 23;  // biased fp32 exponent
  if (e >= 113) {
    // fp16 normal range (2^-14 and up). Rebias, keep 10 mantissa bits, round on the 13 dropped
    // ones. A carry out of the mantissa bumps the exponent, which is the correct result, up to
    // 0x7C00 = Inf for 65520 <= |x| < 65536.
    std::uint32_t h = ((e - 112) << 10) | ((a >> 13) & 0x3FFu);
    const std::uint32_t rem = a & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
    return static_cast<std::uint16_t>(sign | h);
  }
  // fp16 subnormal (or zero): the result is round(|x| / 2^-24). With the implicit bit
  // M = 1.m * 2^23, |x| / 2^-24 = M * 2^(e - 126), i.e. M >> (126 - e) rounded.
  // Below e = 102 the shift exceeds 24 and |x| < 2^-25 (half the smallest subnormal): zero.
  // fp32 subnormals (e = 0) land there too.
  if (e < 102) return sign;
  const std::uint32_t m = (a & 0x7FFFFFu) | 0x800000u;
  const unsigned shift = 126 - e;  // 14..24
  std::uint32_t h = m >> shift;
  const std::uint32_t rem = m & ((1u << shift) - 1u);
  const std::uint32_t halfway = 1u << (shift - 1);
  // A carry from 0x3FF to 0x400 yields the smallest normal, again the correct encoding.
  if (rem > halfway || (rem == halfway && (h & 1u))) ++h;
  return static_cast<std::uint16_t>(sign | h);
}

inline float f16_to_f32(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t e = (h >> 10) & 0x1Fu;
  const std::uint32_t m = h & 0x3FFu;
  if (e == 31) {
    if (m == 0) return f32_from_bits(sign | 0x7F800000u);
    return f32_from_bits(sign | 0x7FC00000u | (m << 13));  // quieted as VCVTPH2PS does
  }
  if (e != 0) return f32_from_bits(sign | ((e + 112) << 23) | (m << 13));
  if (m == 0) return f32_from_bits(sign);
  // Subnormal m * 2^-24: normalize so the leading 1 of m becomes the implicit bit.
  // With the leading bit at position p (0..9), the value is 1.f * 2^(p - 24).
  unsigned p = 9;
  while (!(m & (1u << p))) --p;
  const std::uint32_t frac = (m << (23 - p)) & 0x7FFFFFu;
  return f32_from_bits(sign | ((p + 103) << 23) | frac);
}

inline std::uint16_t f32_to_bf16(float f) {
  const std::uint32_t x = f32_bits(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u)  // NaN: rounding could carry it into Inf; quiet instead
    return static_cast<std::uint16_t>((x >> 16) | 0x0040u);
  // RNE on the low 16 bits: adding 0x7FFF rounds up strictly above the halfway point, the
  // extra lsb turns the tie into round-half-to-even. The carry ripples into the exponent as it
  // should (max finite fp32 -> Inf). Cannot overflow 32 bits: x <= 0xFF800000 here.
  const std::uint32_t lsb = (x >> 16) & 1u;
  return static_cast<std::uint16_t>((x + 0x7FFFu + lsb) >> 16);
}

inline float bf16_to_f32(std::uint16_t b) { return f32_from_bits(static_cast<std::uint32_t>(b) << 16); }

// Typed storage for code that wants fp16/bf16 distinguishable from raw integers in a signature.
// The array converters take std::uint16_t*; keep the data in uint16_t and wrap single values.
struct f16_t {
  std::uint16_t bits;
};
struct bf16_t {
  std::uint16_t bits;
};
static_assert(sizeof(f16_t) == 2 && sizeof(bf16_t) == 2, "half types must be 2 bytes");

}  // namespace ik
