// Measured fp32 FMA peak, 1 thread and all threads: the ceiling summarize.py divides by for
// "% of peak" (label peak=fma_f32) and plot.py draws as a horizontal line. Measured, not
// computed from a datasheet: a VM, a power cap or AVX-512 frequency licences move it.
//
// Timed on each thread's own CPU clock (manual time = the slowest thread's CPU time), not the
// wall clock: on a shared machine another tenant preempting us would otherwise lower the
// "peak" (we saw 138 instead of 235 GFLOP/s) and push GEMM rows above 100% of it. Preemption
// is not a property of the core; the ceiling should not include it.
//
//   peak/fma_f32_avx2/threads:<t>     ymm, 12 chains      peak/fma_f32_avx512/threads:<t>   zmm, 16 chains
//
// Run: make bench FILTER=peak/
#include <omp.h>

#include <algorithm>
#include <ctime>
#include <string>

#include "bench/bench_common.h"
#include "bench/cpu/peak_fma.h"
#include "common/cpu_features.h"

namespace ikb {
namespace {

// Runtime values, so the compiler cannot fold the chains into a constant.
volatile float g_mul = 0.999999f, g_add = 1e-6f;

// ~1 ms per call per thread at ~130 GFLOP/s: long enough that the parallel region's fork and
// join (a few microseconds) is noise, short enough for many timed iterations.
constexpr std::int64_t kTrips = std::int64_t(1) << 18;

using PeakFn = double (*)(std::int64_t, float, float);

double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

void bm_peak(benchmark::State& st, PeakFn fn, int lanes, int chains, int threads) {
  const float mul = g_mul, add = g_add;
  double sink = 0;
  for (auto _ : st) {
    double slowest = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink) reduction(max : slowest)
    {
      const double t0 = thread_cpu_seconds();
      sink += fn(kTrips, mul, add);
      slowest = std::max(slowest, thread_cpu_seconds() - t0);
    }
    st.SetIterationTime(slowest);
  }
  benchmark::DoNotOptimize(sink);
  st.SetLabel("peak_key=fma_f32");
  set_rate(st, "GFLOP/s", 2.0 * lanes * chains * double(kTrips) * threads * 1e-9);
}

void register_peak() {
  struct Variant {
    const char* name;
    ik::Isa isa;
    PeakFn fn;
    int lanes, chains;
  };
  const Variant variants[] = {
      {"fma_f32_avx2", ik::Isa::avx2, &peak_fma_f32_avx2, 8, kPeakChainsAvx2},
      {"fma_f32_avx512", ik::Isa::avx512, &peak_fma_f32_avx512, 16, kPeakChainsAvx512},
  };
  for (const Variant& v : variants) {
    if (!ik::isa_supported(v.isa)) continue;
    for (int t : thread_counts())
      add_benchmark(bench_name("peak", v.name, "", t),
                    [v, t](benchmark::State& st) { bm_peak(st, v.fn, v.lanes, v.chains, t); },
                    /*manual_time=*/true);
  }
}

}  // namespace

IKB_REGISTER(kOrderPeak, register_peak);

}  // namespace ikb
