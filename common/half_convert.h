// Array fp32 <-> fp16 / bf16 conversion with a run-time ISA choice.
//
//   convert_f32_to_f16(src, dst, n):   dst[i] = f32_to_f16(src[i])    i < n
//   convert_f16_to_f32(src, dst, n):   dst[i] = f16_to_f32(src[i])
//   convert_f32_to_bf16(src, dst, n):  dst[i] = f32_to_bf16(src[i])
//   convert_bf16_to_f32(src, dst, n):  dst[i] = bf16_to_f32(src[i])
//
// Every path (scalar, AVX2, AVX-512) gives the result of the scalar definitions in
// common/half.h bit for bit, NaN payloads included (tests/cpu/test_half.cpp checks all 65536
// 16-bit patterns and the f32 rounding boundaries of each). Techniques:
//   fp16   F16C VCVTPS2PH with imm8 = round-to-nearest-even (not MXCSR.RC) and VCVTPH2PS
//          (Intel SDM Vol. 2); the zmm forms on AVX-512.
//   bf16   integer RNE (x + 0x7FFF + lsb) >> 16 with a NaN compare/blend, on ymm or zmm.
//          AVX512_BF16 VCVTNEPS2BF16 is deliberately not used: it flushes fp32 subnormal inputs
//          to zero (Intel SDM, "VCVTNEPS2BF16": DAZ-like behaviour regardless of MXCSR), so it
//          would not match the RNE definition for |x| < 2^-126. For normal inputs, Inf and NaN it
//          gives the same bits as f32_to_bf16.
//          bf16 -> fp32 is a zero-extend and a 16-bit left shift.
//
// Layout: contiguous arrays, any alignment, any n (AVX-512 tails use masked loads/stores;
// AVX2 tails go through a small stack buffer, so no element past n is read or written).
// src and dst must not overlap. n = 0 is a no-op (null pointers allowed then).
//
// Dispatch: the 3-argument forms run ik::selected_isa() (IK_ISA=scalar|avx2|avx512 forces one);
// the forms with an Isa argument run that path and throw ik::Error if this CPU/OS cannot run it.
// Both throw ik::Error for a null src or dst with n > 0.
//
// Tests: make test ARGS='-tc=half:*'
#pragma once
#include <cstddef>
#include <cstdint>

#include "common/cpu_features.h"

namespace ik {

void convert_f32_to_f16(const float* src, std::uint16_t* dst, std::size_t n);
void convert_f16_to_f32(const std::uint16_t* src, float* dst, std::size_t n);
void convert_f32_to_bf16(const float* src, std::uint16_t* dst, std::size_t n);
void convert_bf16_to_f32(const std::uint16_t* src, float* dst, std::size_t n);

void convert_f32_to_f16(const float* src, std::uint16_t* dst, std::size_t n, Isa isa);
void convert_f16_to_f32(const std::uint16_t* src, float* dst, std::size_t n, Isa isa);
void convert_f32_to_bf16(const float* src, std::uint16_t* dst, std::size_t n, Isa isa);
void convert_bf16_to_f32(const std::uint16_t* src, float* dst, std::size_t n, Isa isa);

// The path the most recent convert_* call on this thread ran (scalar before any call). Lets a
// test prove that IK_ISA picked the variant that then ran.
Isa last_half_convert_isa();

// Inner kernels: no validation, n may be 0. Each lives in the file compiled with its ISA flags
// and must only be called when isa_supported() says so.
namespace half_detail {
void f32_to_f16_avx2(const float* src, std::uint16_t* dst, std::size_t n);
void f16_to_f32_avx2(const std::uint16_t* src, float* dst, std::size_t n);
void f32_to_bf16_avx2(const float* src, std::uint16_t* dst, std::size_t n);
void bf16_to_f32_avx2(const std::uint16_t* src, float* dst, std::size_t n);
void f32_to_f16_avx512(const float* src, std::uint16_t* dst, std::size_t n);
void f16_to_f32_avx512(const std::uint16_t* src, float* dst, std::size_t n);
void f32_to_bf16_avx512(const float* src, std::uint16_t* dst, std::size_t n);
void bf16_to_f32_avx512(const std::uint16_t* src, float* dst, std::size_t n);
}  // namespace half_detail

}  // namespace ik
