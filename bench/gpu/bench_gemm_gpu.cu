// GPU GEMM benchmark: every variant in the gpu/gemm registries, plus cuBLAS (when found at build
// time, IK_HAVE_CUBLAS) as the baseline a user would pick instead. cuBLAS lives only here.
//
//   make bench-gpu [FILTER=regex]     JSON: build/bench/gpu_results.json
//
// Timing: CUDA events around the kernel alone, on the default stream; 3 warm-up launches; L2 is
// flushed (a memset over 2x the L2 size, outside the events) before every timed launch, so
// weights come from HBM the way a real inference layer sees them; Google Benchmark gets the event
// time as manual time. Counters: TFLOP/s (TOP/s for int8) of the dense 2*M*N*K operation,
// x_fp32 (vs the SIMT fp32 kernel at the same shape, same run) and x_cublas (vs cuBLAS with the
// same input/output types), when those ran first (they are registered first).
// pct_peak: percent of the card's dense peak for the input type (peak_tflops below).
// Shapes: ikb::gpu_gemm_shapes() of bench/shapes.h, with its names (the CPU bench's scheme):
// square.1024 .. square.8192 and the linear layers of BERT-base at 4096 tokens (8 x 512) and
// Llama-7B at prefill 2048 tokens, plus llama7b.q_proj.m16 (decode, 16 sequences);
// C[M x N] = A[M x K] B with B the weight, as each kernel's contract lays it out (K x N for the
// float kernels, N x K for int8), whatever the CPU side's weight_nk says.
// Names: <variant>/<shape>, e.g. hgemm_128x128x32_sm80_mma_3stage/llama7b.q_proj.m2048 (label:
// M= N= K=). Runs up to commit d9a19e2 named them <variant>/<model>/<MxNxK>
// (llama7b_qkvo/2048x4096x4096, the JSONs in bench/results/);
// bert_qkv (N = 2304, fused q/k/v) became bert.q_proj (N = 768, as on the CPU).
// Without a CUDA device it prints "skipped: no CUDA device" and exits 0.
#include <benchmark/benchmark.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#ifdef IK_HAVE_CUBLAS
#include <cublas_v2.h>
#endif

#include "bench/shapes.h"
#include "gpu/common/cuda_check.cuh"
#include "gpu/common/device_buffer.cuh"
#include "gpu/gemm/gemm_gpu.cuh"

namespace {

using ik::index_t;
using ik::gpu::DeviceBuffer;
using Shape = ikb::GemmShape;

// Deterministic device fill (a hash of the index), so large inputs need no host copy.
template <typename T>
__global__ void fill_kernel(T* p, std::size_t n, std::uint32_t seed, float scale) {
  for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n;
       i += std::size_t(gridDim.x) * blockDim.x) {
    std::uint32_t h = static_cast<std::uint32_t>(i) * 2654435761u ^ seed;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    const float u = static_cast<float>(h & 0xFFFF) / 65536.0f - 0.5f;  // [-0.5, 0.5)
    if constexpr (std::is_same_v<T, std::int8_t>)
      p[i] = static_cast<std::int8_t>(static_cast<int>(h >> 24) - 128);
    else if constexpr (std::is_same_v<T, float>)
      p[i] = u * scale;
    else if constexpr (std::is_same_v<T, __half>)
      p[i] = __float2half(u * scale);
    else
      p[i] = __float2bfloat16(u * scale);
  }
}
template <typename T>
void fill(DeviceBuffer<T>& b, std::uint32_t seed) {
  fill_kernel<<<1024, 256>>>(b.data(), b.size(), seed, 2.0f);
  IK_CUDA_CHECK_LAUNCH();
}

// The card's dense peak for one input type, TFLOP/s (TOP/s for s8): operations per SM per clock
// x SMs x the peak SM clock the runtime reports. Per-SM rates from NVIDIA's architecture
// whitepapers: A100 (sm_80) fp32 FMA 128, fp16/bf16 tensor 2048, int8 4096 ops/clk/SM; H100
// (sm_90) 256, 4096, 8192. (The datasheet figures use the boost clock, e.g. 989 TFLOP/s fp16 on
// an H100 SXM at 1830 MHz; the runtime's peak clock can be higher, so this bound is the stricter
// one.) 0 = unknown card or clock: no pct_peak counter.
double g_peak_clock_ghz = 0.0;
int g_peak_sm = 0, g_peak_sm_count = 0;
double peak_tflops(const std::string& family) {
  double per_clk = 0;
  const int fam = family == "f32" ? 0 : family == "s8" ? 2 : 1;
  if (g_peak_sm == 80) per_clk = fam == 0 ? 128 : fam == 1 ? 2048 : 4096;
  if (g_peak_sm == 90) per_clk = fam == 0 ? 256 : fam == 1 ? 4096 : 8192;
  return per_clk * g_peak_sm_count * g_peak_clock_ghz * 1e9 / 1e12;
}

// Times `launch` with CUDA events, flushing L2 before each timed run.
template <typename F>
void time_loop(benchmark::State& state, F&& launch, double ops, const std::string& key,
               const std::string& fp32_key, const std::string& lib_key, const std::string& family) {
  static DeviceBuffer<unsigned char>* flush = nullptr;
  if (!flush) {
    int l2 = 0;
    IK_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, 0));
    flush = new DeviceBuffer<unsigned char>(2 * static_cast<std::size_t>(l2 > 0 ? l2 : 1 << 24));
  }
  static std::map<std::string, double> tops_by_key;
  cudaEvent_t start, stop;
  IK_CUDA_CHECK(cudaEventCreate(&start));
  IK_CUDA_CHECK(cudaEventCreate(&stop));
  for (int i = 0; i < 3; ++i) launch();
  IK_CUDA_CHECK(cudaDeviceSynchronize());
  double total_s = 0;
  for (auto _ : state) {
    IK_CUDA_CHECK(cudaMemsetAsync(flush->data(), static_cast<int>(state.iterations() & 0xFF),
                                  flush->bytes()));
    IK_CUDA_CHECK(cudaEventRecord(start));
    launch();
    IK_CUDA_CHECK(cudaEventRecord(stop));
    IK_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    IK_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    state.SetIterationTime(ms * 1e-3);
    total_s += ms * 1e-3;
  }
  IK_CUDA_CHECK(cudaEventDestroy(start));
  IK_CUDA_CHECK(cudaEventDestroy(stop));
  if (total_s > 0) {
    const double tops = ops * static_cast<double>(state.iterations()) / total_s / 1e12;
    state.counters["TFLOP/s"] = tops;
    tops_by_key[key] = tops;
    if (const double peak = peak_tflops(family); peak > 0) state.counters["pct_peak"] = 100.0 * tops / peak;
    if (auto it = tops_by_key.find(fp32_key); it != tops_by_key.end() && it->first != key)
      state.counters["x_fp32"] = tops / it->second;
    if (auto it = tops_by_key.find(lib_key); it != tops_by_key.end() && it->first != key)
      state.counters["x_cublas"] = tops / it->second;
  }
}

// The key the x_fp32 / x_cublas counters match rows on: the shape's name.
std::string shape_key(const Shape& s) { return s.name; }

std::string shape_label(const Shape& s) {
  return "M=" + std::to_string(s.M) + " N=" + std::to_string(s.N) + " K=" + std::to_string(s.K);
}

// A variant of the float-output registries (fp32, fp16, bf16 inputs).
template <typename In>
void bench_float(benchmark::State& state, ik::gpu::GemmVariant<In, float> v, Shape s,
                 std::string family) {
  state.SetLabel(shape_label(s));
  const index_t align = v.needs_vec16 ? static_cast<index_t>(16 / sizeof(In)) : 1;
  const index_t lda = (s.K + align - 1) / align * align, ldb = (s.N + align - 1) / align * align;
  DeviceBuffer<In> A(s.M * lda), B(s.K * ldb);
  DeviceBuffer<float> C(s.M * s.N);
  fill(A, 1);
  fill(B, 2);
  time_loop(
      state,
      [&] { v.fn(s.M, s.N, s.K, A.data(), lda, B.data(), ldb, C.data(), s.N, nullptr); },
      2.0 * s.M * s.N * s.K,
      family == "f32" ? "fp32" + shape_key(s) : std::string(v.name) + shape_key(s),
      "fp32" + shape_key(s), "cublas_" + family + shape_key(s), family);
}

void bench_int8(benchmark::State& state, ik::gpu::GemmVariant<std::int8_t, std::int32_t> v,
                Shape s) {
  state.SetLabel(shape_label(s));
  const index_t ld = (s.K + 15) / 16 * 16;
  DeviceBuffer<std::int8_t> A(s.M * ld), Bt(s.N * ld);
  DeviceBuffer<std::int32_t> C(s.M * s.N);
  fill(A, 3);
  fill(Bt, 4);
  time_loop(
      state, [&] { v.fn(s.M, s.N, s.K, A.data(), ld, Bt.data(), ld, C.data(), s.N, nullptr); },
      2.0 * s.M * s.N * s.K, std::string(v.name) + shape_key(s), "fp32" + shape_key(s),
      "cublas_s8" + shape_key(s), "s8");
}

#ifdef IK_HAVE_CUBLAS
cublasHandle_t cublas() {
  static cublasHandle_t h = [] {
    cublasHandle_t handle;
    if (cublasCreate(&handle) != CUBLAS_STATUS_SUCCESS) throw ik::Error("cublasCreate failed");
    cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH);  // fp32 stays fp32 (no TF32)
    return handle;
  }();
  return h;
}
void check_cublas(cublasStatus_t st) {
  if (st != CUBLAS_STATUS_SUCCESS)
    throw ik::Error(std::string("cuBLAS: ") + cublasGetStatusString(st));
}

// Row-major C = A B is column-major C^T = B^T A^T: cuBLAS gets (B, A) swapped, no transposes.
// int8 takes Bt (N x K row-major = column-major K x N), so C^T = op_T(Bt) A^T: the "TN" form
// cuBLAS runs on IMMA.
void bench_cublas(benchmark::State& state, Shape s, std::string family) {
  state.SetLabel(shape_label(s));
  const float alpha = 1.0f, beta = 0.0f;
  const int M = static_cast<int>(s.M), N = static_cast<int>(s.N), K = static_cast<int>(s.K);
  const double ops = 2.0 * s.M * s.N * s.K;
  const std::string key = "cublas_" + family + shape_key(s);
  if (family == "s8") {
    const int ld = (K + 15) / 16 * 16;
    DeviceBuffer<std::int8_t> A(s.M * ld), Bt(s.N * ld);
    DeviceBuffer<std::int32_t> C(s.M * s.N);
    fill(A, 3);
    fill(Bt, 4);
    const std::int32_t ia = 1, ib = 0;
    time_loop(
        state,
        [&] {
          check_cublas(cublasGemmEx(cublas(), CUBLAS_OP_T, CUBLAS_OP_N, N, M, K, &ia, Bt.data(),
                                    CUDA_R_8I, ld, A.data(), CUDA_R_8I, ld, &ib, C.data(),
                                    CUDA_R_32I, N, CUBLAS_COMPUTE_32I, CUBLAS_GEMM_DEFAULT));
        },
        ops, key, "fp32" + shape_key(s), key, family);
    return;
  }
  const cudaDataType_t t = family == "f32" ? CUDA_R_32F : family == "f16" ? CUDA_R_16F : CUDA_R_16BF;
  const std::size_t es = family == "f32" ? 4 : 2;
  DeviceBuffer<unsigned char> A(s.M * s.K * es), B(s.K * s.N * es);
  DeviceBuffer<float> C(s.M * s.N);
  if (family == "f32") {
    fill_kernel<<<1024, 256>>>(reinterpret_cast<float*>(A.data()), s.M * s.K, 1, 2.0f);
    fill_kernel<<<1024, 256>>>(reinterpret_cast<float*>(B.data()), s.K * s.N, 2, 2.0f);
  } else if (family == "f16") {
    fill_kernel<<<1024, 256>>>(reinterpret_cast<__half*>(A.data()), s.M * s.K, 1, 2.0f);
    fill_kernel<<<1024, 256>>>(reinterpret_cast<__half*>(B.data()), s.K * s.N, 2, 2.0f);
  } else {
    fill_kernel<<<1024, 256>>>(reinterpret_cast<__nv_bfloat16*>(A.data()), s.M * s.K, 1, 2.0f);
    fill_kernel<<<1024, 256>>>(reinterpret_cast<__nv_bfloat16*>(B.data()), s.K * s.N, 2, 2.0f);
  }
  IK_CUDA_CHECK_LAUNCH();
  time_loop(
      state,
      [&] {
        check_cublas(cublasGemmEx(cublas(), CUBLAS_OP_N, CUBLAS_OP_N, N, M, K, &alpha, B.data(), t,
                                  N, A.data(), t, K, &beta, C.data(), CUDA_R_32F, N,
                                  CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
      },
      ops, key, "fp32" + shape_key(s), key, family);
}
#endif

std::string bench_name(const std::string& variant, const Shape& s) { return variant + "/" + s.name; }

}  // namespace

int main(int argc, char** argv) {
  if (!ik::gpu::has_cuda_device()) {
    std::printf("skipped: no CUDA device\n");
    return 0;
  }
  const ik::gpu::DeviceInfo dev = ik::gpu::device_info();
  benchmark::AddCustomContext("gpu", ik::gpu::device_string(dev));
  g_peak_sm = dev.sm;
  g_peak_sm_count = dev.sm_count;
  g_peak_clock_ghz = dev.clock_khz * 1e-6;
  benchmark::AddCustomContext("peak_tflops_f16",
                              g_peak_clock_ghz > 0 && peak_tflops("f16") > 0
                                  ? std::to_string(peak_tflops("f16")) + " at " +
                                        std::to_string(dev.clock_khz / 1000) + " MHz"
                                  : "unknown (pct_peak not reported)");
#ifdef IK_HAVE_CUBLAS
  benchmark::AddCustomContext("cublas", "yes");
#else
  benchmark::AddCustomContext("cublas", "not found at build time");
#endif
  for (const Shape& s : ikb::gpu_gemm_shapes()) {
    // Baselines first: the fp32 SIMT kernel and cuBLAS per type feed x_fp32 / x_cublas.
    for (const auto& v : ik::gpu::kSgemmVariants) {
      benchmark::RegisterBenchmark(bench_name(v.name, s).c_str(), bench_float<float>, v, s,
                                   std::string("f32"))
          ->UseManualTime()->Unit(benchmark::kMicrosecond);
    }
#ifdef IK_HAVE_CUBLAS
    for (const char* fam : {"f32", "f16", "bf16", "s8"})
      benchmark::RegisterBenchmark(bench_name(std::string("cublas_") + fam, s).c_str(),
                                   bench_cublas, s, std::string(fam))
          ->UseManualTime()->Unit(benchmark::kMicrosecond);
#endif
    for (const auto& v : ik::gpu::kHgemmVariants)
      benchmark::RegisterBenchmark(bench_name(v.name, s).c_str(), bench_float<__half>, v, s,
                                   std::string("f16"))
          ->UseManualTime()->Unit(benchmark::kMicrosecond);
    for (const auto& v : ik::gpu::kBgemmVariants)
      benchmark::RegisterBenchmark(bench_name(v.name, s).c_str(), bench_float<__nv_bfloat16>, v,
                                   s, std::string("bf16"))
          ->UseManualTime()->Unit(benchmark::kMicrosecond);
    for (const auto& v : ik::gpu::kIgemmVariants)
      benchmark::RegisterBenchmark(bench_name(v.name, s).c_str(), bench_int8, v, s)
          ->UseManualTime()->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
