// Quantization utilities: see quantize.h for the definitions (Jacob et al. 2018 §2.1-2.2,
// gemmlowp's ChooseQuantizationParams and QuantizeMultiplierSmallerThanOneExp).
#include "cpu/gemm_s8/quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common/error.h"

namespace ik::cpu {

QuantParams choose_qparams_u8(float min, float max) {
  constexpr const char* where = "ik::cpu::choose_qparams_u8";
  IK_REQUIRE(std::isfinite(min), where, "min = ", min, " must be finite");
  IK_REQUIRE(std::isfinite(max), where, "max = ", max, " must be finite");
  IK_REQUIRE(min <= max, where, "min = ", min, " > max = ", max);
  // Real 0 must be representable (zero padding, ReLU outputs): widen the range to contain it.
  const double lo = std::min(0.0, double(min)), hi = std::max(0.0, double(max));
  if (hi == lo) return {1.0f, 0};
  QuantParams p;
  p.scale = static_cast<float>((hi - lo) / 255.0);
  // A range narrower than the smallest normal float step would give scale 0.
  if (!(p.scale > 0.0f)) p.scale = std::numeric_limits<float>::min();
  // Z = -lo / S lies in [0, 255] before rounding; round to the nearest integer so that real 0
  // is q = Z exactly (the "nudge"), which shifts the covered range by at most S / 2.
  const double z = -lo / double(p.scale);
  p.zero_point = static_cast<std::int32_t>(std::clamp(std::nearbyint(z), 0.0, 255.0));
  return p;
}

QuantParams choose_qparams_u8(const float* x, index_t n) {
  constexpr const char* where = "ik::cpu::choose_qparams_u8";
  IK_REQUIRE(n >= 1, where, "n = ", n, " must be >= 1");
  IK_REQUIRE(x != nullptr, where, "x is null");
  float lo = x[0], hi = x[0];
  for (index_t i = 0; i < n; ++i) {
    IK_REQUIRE(std::isfinite(x[i]), where, "x[", i, "] = ", x[i], " is not finite");
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  return choose_qparams_u8(lo, hi);
}

namespace {
void check_params(const char* where, QuantParams p) {
  IK_REQUIRE(std::isfinite(p.scale) && p.scale > 0.0f, where, "scale = ", p.scale, " must be > 0 and finite");
  IK_REQUIRE(p.zero_point >= 0 && p.zero_point <= 255, where, "zero_point = ", p.zero_point,
             " is outside 0..255");
}
}  // namespace

void quantize_u8(const float* x, index_t n, QuantParams p, std::uint8_t* q) {
  constexpr const char* where = "ik::cpu::quantize_u8";
  check_params(where, p);
  IK_REQUIRE(n >= 0, where, "n = ", n, " must be >= 0");
  IK_REQUIRE(x || n == 0, where, "x is null");
  IK_REQUIRE(q || n == 0, where, "q is null");
  for (index_t i = 0; i < n; ++i) {
    // Division, not multiplication by 1/scale: x / scale is correctly rounded, so values on a
    // grid point quantize to that point.
    const double v = std::nearbyint(double(x[i]) / double(p.scale)) + p.zero_point;
    // NaN compares false everywhere and lands on 0; +-Inf saturate.
    q[i] = static_cast<std::uint8_t>(v >= 255.0 ? 255 : v >= 0.0 ? v : 0);
  }
}

void dequantize_u8(const std::uint8_t* q, index_t n, QuantParams p, float* x) {
  constexpr const char* where = "ik::cpu::dequantize_u8";
  check_params(where, p);
  IK_REQUIRE(n >= 0, where, "n = ", n, " must be >= 0");
  IK_REQUIRE(q || n == 0, where, "q is null");
  IK_REQUIRE(x || n == 0, where, "x is null");
  for (index_t i = 0; i < n; ++i) x[i] = p.scale * static_cast<float>(std::int32_t(q[i]) - p.zero_point);
}

void quantize_weights_s8(const float* w, index_t rows, index_t cols, index_t ld, int channel_axis,
                         bool per_channel, std::int8_t* q, float* scales) {
  constexpr const char* where = "ik::cpu::quantize_weights_s8";
  IK_REQUIRE(rows >= 1, where, "rows = ", rows, " must be >= 1");
  IK_REQUIRE(cols >= 1, where, "cols = ", cols, " must be >= 1");
  IK_REQUIRE(ld >= cols, where, "ld = ", ld, " < cols = ", cols);
  IK_REQUIRE(channel_axis == 0 || channel_axis == 1, where, "channel_axis = ", channel_axis,
             " must be 0 (rows) or 1 (columns)");
  IK_REQUIRE(w != nullptr, where, "w is null");
  IK_REQUIRE(q != nullptr, where, "q is null");
  IK_REQUIRE(scales != nullptr, where, "scales is null");
  const index_t channels = channel_axis == 0 ? rows : cols;
  std::vector<float> amax(static_cast<std::size_t>(channels), 0.0f);
  for (index_t r = 0; r < rows; ++r)
    for (index_t c = 0; c < cols; ++c) {
      const float v = w[r * ld + c];
      IK_REQUIRE(std::isfinite(v), where, "w(", r, ", ", c, ") = ", v, " is not finite");
      float& m = amax[static_cast<std::size_t>(channel_axis == 0 ? r : c)];
      m = std::max(m, std::fabs(v));
    }
  if (!per_channel) {
    const float all = *std::max_element(amax.begin(), amax.end());
    std::fill(amax.begin(), amax.end(), all);
  }
  std::vector<float> s(amax.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    s[i] = amax[i] > 0.0f ? amax[i] / 127.0f : 1.0f;
    if (!(s[i] > 0.0f)) s[i] = std::numeric_limits<float>::min();  // subnormal max|w|
  }
  for (index_t r = 0; r < rows; ++r)
    for (index_t c = 0; c < cols; ++c) {
      const float sc = s[static_cast<std::size_t>(channel_axis == 0 ? r : c)];
      const double v = std::nearbyint(double(w[r * ld + c]) / double(sc));
      q[r * ld + c] = static_cast<std::int8_t>(std::clamp(v, -127.0, 127.0));
    }
  if (per_channel)
    std::copy(s.begin(), s.end(), scales);
  else
    scales[0] = s[0];
}

QuantMultiplier compute_multiplier(double m) {
  constexpr const char* where = "ik::cpu::compute_multiplier";
  IK_REQUIRE(std::isfinite(m) && m > 0.0 && m < 1.0, where, "multiplier = ", m,
             " must be in (0, 1) (output scale too small for a_scale * w_scale?)");
  int e = 0;
  const double frac = std::frexp(m, &e);  // m = frac * 2^e, frac in [0.5, 1), e <= 0
  const int n = -e;                        // m = (frac * 2^31) * 2^-(31 + n)
  std::int64_t mult = std::llround(frac * 2147483648.0);
  int shift = 31 + n;
  if (mult == (std::int64_t(1) << 31)) {  // frac rounded up to 1.0
    if (shift > 31) {
      mult >>= 1;
      --shift;
    } else {
      mult -= 1;  // m within 2^-32 of 1: saturate rather than allow a multiplier of 1
    }
  }
  // Past shift 62 even |x| = 2^31 gives |x| * m < 1/2: every result is 0.
  if (shift > 62) return {0, 31};
  return {static_cast<std::int32_t>(mult), shift};
}

}  // namespace ik::cpu
