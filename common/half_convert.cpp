// Entry points of common/half_convert.h: argument checks, the ISA choice, and the scalar path
// (the definitions of common/half.h applied element by element). Built without ISA flags, so
// this file runs on any x86-64; the vector kernels live in half_convert_avx2.cpp and
// half_convert_avx512.cpp and are only reached after isa_supported() agreed.
#include "common/half_convert.h"

#include "common/error.h"
#include "common/half.h"

namespace ik {
namespace {

thread_local Isa g_last_isa = Isa::scalar;

template <typename Src, typename Dst>
void check_args(const char* where, const Src* src, Dst* dst, std::size_t n, Isa isa) {
  IK_REQUIRE(isa == Isa::scalar || isa == Isa::avx2 || isa == Isa::avx512, where, "isa = ",
             static_cast<int>(isa), " is not one of scalar, avx2, avx512");
  IK_REQUIRE(isa_supported(isa), where, "isa = ", isa_name(isa),
             " but this CPU/OS cannot run it (", cpu_features_string(), ")");
  IK_REQUIRE(n == 0 || src != nullptr, where, "src = null with n = ", n);
  IK_REQUIRE(n == 0 || dst != nullptr, where, "dst = null with n = ", n);
}

}  // namespace

Isa last_half_convert_isa() { return g_last_isa; }

void convert_f32_to_f16(const float* src, std::uint16_t* dst, std::size_t n, Isa isa) {
  check_args("ik::convert_f32_to_f16", src, dst, n, isa);
  g_last_isa = isa;
  switch (isa) {
    case Isa::avx512: return half_detail::f32_to_f16_avx512(src, dst, n);
    case Isa::avx2: return half_detail::f32_to_f16_avx2(src, dst, n);
    case Isa::scalar:
      for (std::size_t i = 0; i < n; ++i) dst[i] = f32_to_f16(src[i]);
      return;
  }
}

void convert_f16_to_f32(const std::uint16_t* src, float* dst, std::size_t n, Isa isa) {
  check_args("ik::convert_f16_to_f32", src, dst, n, isa);
  g_last_isa = isa;
  switch (isa) {
    case Isa::avx512: return half_detail::f16_to_f32_avx512(src, dst, n);
    case Isa::avx2: return half_detail::f16_to_f32_avx2(src, dst, n);
    case Isa::scalar:
      for (std::size_t i = 0; i < n; ++i) dst[i] = f16_to_f32(src[i]);
      return;
  }
}

void convert_f32_to_bf16(const float* src, std::uint16_t* dst, std::size_t n, Isa isa) {
  check_args("ik::convert_f32_to_bf16", src, dst, n, isa);
  g_last_isa = isa;
  switch (isa) {
    case Isa::avx512: return half_detail::f32_to_bf16_avx512(src, dst, n);
    case Isa::avx2: return half_detail::f32_to_bf16_avx2(src, dst, n);
    case Isa::scalar:
      for (std::size_t i = 0; i < n; ++i) dst[i] = f32_to_bf16(src[i]);
      return;
  }
}

void convert_bf16_to_f32(const std::uint16_t* src, float* dst, std::size_t n, Isa isa) {
  check_args("ik::convert_bf16_to_f32", src, dst, n, isa);
  g_last_isa = isa;
  switch (isa) {
    case Isa::avx512: return half_detail::bf16_to_f32_avx512(src, dst, n);
    case Isa::avx2: return half_detail::bf16_to_f32_avx2(src, dst, n);
    case Isa::scalar:
      for (std::size_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(src[i]);
      return;
  }
}

void convert_f32_to_f16(const float* src, std::uint16_t* dst, std::size_t n) {
  convert_f32_to_f16(src, dst, n, selected_isa());
}
void convert_f16_to_f32(const std::uint16_t* src, float* dst, std::size_t n) {
  convert_f16_to_f32(src, dst, n, selected_isa());
}
void convert_f32_to_bf16(const float* src, std::uint16_t* dst, std::size_t n) {
  convert_f32_to_bf16(src, dst, n, selected_isa());
}
void convert_bf16_to_f32(const std::uint16_t* src, float* dst, std::size_t n) {
  convert_bf16_to_f32(src, dst, n, selected_isa());
}

}  // namespace ik
