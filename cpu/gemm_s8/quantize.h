// Quantization utilities for the int8 GEMM (cpu/gemm_s8/gemm_s8.h): choosing scales and zero
// points, quantize / dequantize, and the fixed-point requantization multiplier.
//
// Affine quantization (Jacob et al., "Quantization and Training of Neural Networks for Efficient
// Integer-Arithmetic-Only Inference", CVPR 2018, §2.1 eq. 1):   r = S * (q - Z)
//   activations  u8, q in 0..255, scale S > 0, zero point Z in 0..255 chosen so that the real
//                value 0 is exactly representable (§2.1: zero padding must be exact):
//                range [min, max] is first widened to contain 0, S = (max - min) / 255,
//                Z = round(-min / S) clamped to 0..255 (the "nudged" zero point of gemmlowp's
//                ChooseQuantizationParams). Real 0 then maps to q = Z exactly.
//   weights      s8 symmetric (Z = 0), per tensor or per output channel (TFLite's int8 spec):
//                S = max|w| / 127, q = clamp(round(w / S), -127, 127). -128 is never produced,
//                so -q never overflows; the GEMM kernels nevertheless accept the full -128..127
//                for weights quantized elsewhere (the tests run them at -128 and 127).
//   rounding     round to nearest, ties to even (std::nearbyint in the default FP environment).
//   round trip   |dequantize(quantize(x)) - x| <= S / 2 for every x in [min, max] (the nudge of
//                Z moves the representable range by at most S / 2, and clamping at an end of
//                the range therefore costs at most S / 2 too).
//
// Requantization multiplier (Jacob et al. §2.2 eq. 5-6): the real factor M = S1 * S2 / S3 in
// (0, 1) is stored as M0 * 2^-(31 + n) with M0 a Q31 value in [2^30, 2^31) and n >= 0 (gemmlowp
// / TFLite QuantizeMultiplierSmallerThanOneExp). compute_multiplier returns {M0, shift = 31 + n}
// and requantize_u8 below applies it with ONE rounding (see gemm_s8.h for why and how):
//   q = clamp(Zc + sign(x) * floor(|x| * M0 / 2^shift + 1/2), 0, 255)   (round half away from 0)
//
// Test: make test ARGS='-tc=gemm_s8:*'
#pragma once
#include <cstdint>

#include "common/matrix.h"

namespace ik::cpu {

struct QuantParams {
  float scale = 1.0f;
  std::int32_t zero_point = 0;
};

// Scale and zero point for u8 from a real range (min <= max, both finite; widened to contain 0).
// min == max == 0 gives {1, 0}. Throws ik::Error for non-finite or min > max.
QuantParams choose_qparams_u8(float min, float max);
// The same from the min / max of x[0..n) (n >= 1, all finite).
QuantParams choose_qparams_u8(const float* x, index_t n);

// q[i] = clamp(nearbyint(x[i] / scale) + zero_point, 0, 255). Validates p (scale > 0 and finite,
// zero point in 0..255) and the pointers. n may be 0.
void quantize_u8(const float* x, index_t n, QuantParams p, std::uint8_t* q);
// x[i] = scale * (q[i] - zero_point).
void dequantize_u8(const std::uint8_t* q, index_t n, QuantParams p, float* x);

// Symmetric s8 quantization of a weight matrix stored rows x cols (row-major, ld >= cols),
// with the output channel along `channel_axis` (0: rows are channels, i.e. an [out][in]
// PyTorch Linear weight; 1: columns are channels, a K x N weight). per_channel == false uses one
// scale for the whole tensor. scales receives one value per channel (per_channel) or one value.
// All-zero channels get scale 1 (any scale quantizes them exactly). q has the same shape and ld.
void quantize_weights_s8(const float* w, index_t rows, index_t cols, index_t ld, int channel_axis,
                         bool per_channel, std::int8_t* q, float* scales);

// Fixed-point form of a real multiplier m in (0, 1): m ~= mult * 2^-shift with mult a Q31 value
// in [2^30, 2^31) and shift in [31, 62]. m below 2^-32 cannot change any |x| <= 2^31 and is
// returned as {0, 31} (every result rounds to 0). A value of m that rounds up to 1 saturates to
// mult = 2^31 - 1, shift = 31. Throws ik::Error for m <= 0, m >= 1 or not finite.
struct QuantMultiplier {
  std::int32_t mult = 0;
  std::int32_t shift = 31;
};
QuantMultiplier compute_multiplier(double m);

// The requantization of one int32 value, the definition every kernel epilogue implements
// (gemm_s8.h explains the convention; reference/gemm_s8.cpp writes it independently).
// x: any int32; mult in [0, 2^31); shift in [31, 62]; zero_point in 0..255.
inline std::uint8_t requantize_u8(std::int32_t x, std::int32_t mult, std::int32_t shift,
                                  std::int32_t zero_point) {
  const std::uint64_t ax = x < 0 ? std::uint64_t(0) - std::uint64_t(std::int64_t(x)) : std::uint64_t(x);
  // |x| <= 2^31 and mult < 2^31: the product and the half (<= 2^61) stay below 2^63.
  const std::uint64_t r = (ax * std::uint64_t(mult) + (std::uint64_t(1) << (shift - 1))) >> shift;
  std::int64_t v = x < 0 ? -std::int64_t(r) : std::int64_t(r);
  v += zero_point;
  return static_cast<std::uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

}  // namespace ik::cpu
