// BF16 GEMM / GEMV benchmarks (cpu/gemm_bf16): every registry variant this CPU runs (the
// AVX512_BF16 one only where cpu_features().avx512bf16, the AMX one where AMX-BF16 is usable: ik::kernel_runnable),
// on every shape of bench/shapes.h (the non-dispatched variants on a subset: variant_runs in bench/cpu/packed_gemm_bench.h),
// weights pre-packed once as bf16 outside the timing.
//
//   gemm_bf16/<variant>/<shape>/threads:<t>    bf16gemm_packed, fp32 activations (rounded to bf16
//                                              while packing), bf16 weights
//
// Cache policy as every GEMM (bench_common.h): M <= 32 rotates through packed copies whose total
// is >= 4 x the LLC, so GEMV (M = 1) streams the 2-byte weights from DRAM.
// Counters: GFLOP/s (dense-equivalent 2MNK), GB/s of weight bytes (the bound for M <= 32), and
// rel_err: ||C - C_fp32|| / ||C_fp32|| (Frobenius) against the fp32 sgemm on the same fp32
// inputs (the error of rounding both operands to bf16; the fp32 GEMM's own is ~1e-7).
// x_fp32 divides by the role=fp32 row: on model layers the pre-packed fp32 sgemm (like for like),
// on the square sweep the plain sgemm, which packs B inside each call (ours never does: a few
// percent in our favour at 1024^3, nothing at 4096^3).
// Library rows (x_library): bench/baselines/onednn_bf16.cpp, same family name.
//
// Run: make bench FILTER='gemm_bf16/.*/llama7b.q_proj.m1/'
#include "bench/cpu/packed_gemm_bench.h"
#include "cpu/gemm_bf16/gemm_bf16.h"

namespace ikb {
namespace {

// The family's generic API (gemm_*.h) plus what the benchmark asks of it.
struct BenchFamily : ik::cpu::Bf16gemmFamily {
  static bool supported(const Kernel& k) { return ik::kernel_runnable(k); }
};

void register_gemm_bf16() { register_packed_gemm<BenchFamily>(); }

}  // namespace

IKB_REGISTER(kOrderKernels, register_gemm_bf16);

}  // namespace ikb
