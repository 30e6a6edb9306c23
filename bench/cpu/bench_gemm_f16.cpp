// FP16-weight GEMM / GEMV benchmarks (cpu/gemm_f16): every registry variant this CPU runs, on
// every shape of bench/shapes.h (the non-dispatched variants on a subset: variant_runs in bench/cpu/packed_gemm_bench.h),
// weights pre-packed once as fp16 outside the timing (the only form of the API: the weight is
// prepared once, as an inference engine does).
//
//   gemm_f16/<variant>/<shape>/threads:<t>     hgemm_packed, fp32 activations, fp16 weights
//
// Cache policy as every GEMM (bench_common.h): M <= 32 rotates through packed copies whose total
// is >= 4 x the LLC, so GEMV (M = 1) streams the 2-byte weights from DRAM.
// Counters: GFLOP/s (dense-equivalent 2MNK), GB/s of weight bytes (the bound for M <= 32), and
// rel_err: ||C - C_fp32|| / ||C_fp32|| (Frobenius) against the fp32 sgemm on the same fp32
// inputs (the error fp16 weight storage costs; the fp32 GEMM's own error is ~1e-7).
// x_fp32 divides by the role=fp32 row: on model layers the pre-packed fp32 sgemm (like for like),
// on the square sweep the plain sgemm, which packs B inside each call (ours never does: a few
// percent in our favour at 1024^3, nothing at 4096^3).
// No installed library has an FP16 GEMM for this CPU class (oneDNN 2.6 f16 needs AVX512-FP16
// or AMX-FP16), so there is no library row.
//
// Run: make bench FILTER='gemm_f16/.*/llama7b.q_proj.m1/'
#include "bench/cpu/packed_gemm_bench.h"
#include "cpu/gemm_f16/gemm_f16.h"

namespace ikb {
namespace {

// The family's generic API (gemm_*.h) plus what the benchmark asks of it.
struct BenchFamily : ik::cpu::HgemmFamily {
  static bool supported(const Kernel& k) { return ik::kernel_runnable(k); }
};

void register_gemm_f16() { register_packed_gemm<BenchFamily>(); }

}  // namespace

IKB_REGISTER(kOrderKernels, register_gemm_f16);

}  // namespace ikb
