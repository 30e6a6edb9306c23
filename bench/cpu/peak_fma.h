// Measured fp32 FMA peak: the ceiling every GEMM's "% of peak" is taken against (bench_peak.cpp
// registers it; the ISA files hold the intrinsics so that only they get -mavx2 / -mavx512f).
// Run: make bench FILTER=peak/
#pragma once
#include <cstdint>

namespace ikb {

// Each runs `trips` loop trips of independent FMA chains and returns a value that depends on
// all of them (so nothing is dead code). FLOPs per trip: 2 x lanes x chains.
inline constexpr int kPeakChainsAvx2 = 12;    // ymm
inline constexpr int kPeakChainsAvx512 = 16;  // zmm
double peak_fma_f32_avx2(std::int64_t trips, float mul, float add);
double peak_fma_f32_avx512(std::int64_t trips, float mul, float add);

}  // namespace ikb
