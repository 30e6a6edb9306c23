// Shared plumbing for every CPU benchmark: registration order, thread counts, the naming and
// labelling scheme summarize.py parses, GFLOP/s counters, and the cold-cache weight rotation.
//
// Naming (summarize.py and plot.py rely on it; a new family plugs in by following it):
//   <family>/<variant>/<shape>/threads:<t>        e.g. gemm_f32/sgemm_14x32_avx512/llama7b.q_proj.m1/threads:2
//   family   gemm_f32, pack_b, peak, later gemm_f16, gemm_s8, binary, sparse_24 ...
//   variant  a registry name (sgemm_6x16_avx2), a ladder step (sgemm_naive), a library
//            (openblas_sgemm, onednn_matmul_prepacked); never contains '/'
//   shape    a name from bench/shapes.h ("square.1024", "bert.ffn_up.m128", "resnet18.conv2_x",
//            "llama7b.attn.n2048"); a pack_b row names the weight ("bert.ffn_up"), a peak row
//            has none
// The label adds what the name does not, as space-separated key=value pairs:
//   M= N= K=   the GEMM dims (a conv's im2col GEMM per group, conv_label)
//   cache=cold|hot  weight cache state (see below)   groups=G  a grouped conv
//   peak=KEY   which measured peak (the fastest "peak" row labelled peak_key=KEY) the
//              % of peak refers to
//   lib=NAME   this row is a library baseline, not project code
//   role=fp32  this row is the fp32 baseline every family's x_fp32 divides by (the variant
//              that dispatch picks, at the same shape and thread count)
// Rates are user counters named by their unit ("GFLOP/s", "GOP/s", "GB/s"), computed on real
// time (UseRealTime: OpenMP workers make the main thread's CPU time meaningless); only the
// peak rows use manual time (bench/cpu/bench_peak.cpp says why).
//
// Run: make bench FILTER='gemm_f32/.*/square.256/'   (bench.mk passes --benchmark_filter)
#pragma once
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/shapes.h"
#include "common/aligned_buffer.h"

namespace ikb {

// Benchmarks register from main in this order (not static-init order, which C++ leaves open
// across files): peak first, so a run cut short still has the ceiling; then kernels; then
// libraries.
enum RegisterOrder { kOrderPeak = 0, kOrderKernels = 10, kOrderBaselines = 20 };
using Registrar = void (*)();
int add_registrar(int order, Registrar fn);
// Runs the registrars, hands their benchmarks to Google Benchmark (regrouped, see below), then
// prints the LLC and the cold-weight rotation to stderr and writes them and the shapes table
// into the JSON context (ik_llc_bytes, ik_llc_source, ik_cold_rotation_bytes, ik_shapes).
void run_registrars();
#define IKB_REGISTER(order, fn) \
  [[maybe_unused]] static const int ikb_registrar_##fn = ::ikb::add_registrar((order), (fn))

// {1, all processors}: one core shows the kernel, all cores show the threading.
const std::vector<int>& thread_counts();

// Queues a benchmark with the project-wide settings: microseconds, and real time unless the
// benchmark times itself (manual_time: it calls SetIterationTime). Benchmarks are handed to
// Google Benchmark after every registrar ran, regrouped by weight: all rows of one square size
// or one model layer (every family, every M, then the libraries) run back to back, so a ratio
// compares times taken seconds apart, not minutes (this VM's speed drifts by 10-30% over
// minutes). Within a group the registration order holds: kernels, then libraries.
struct PendingBenchmark {
  std::string name;
  std::function<void(benchmark::State&)> fn;
  bool manual_time = false;
  benchmark::TimeUnit unit = benchmark::kMicrosecond;
  PendingBenchmark* Unit(benchmark::TimeUnit u) {
    unit = u;
    return this;
  }
};
PendingBenchmark* add_benchmark(const std::string& name, std::function<void(benchmark::State&)> fn,
                                bool manual_time = false);
std::string bench_name(const std::string& family, const std::string& variant,
                       const std::string& shape, int threads);

// ---- rates and labels ----------------------------------------------------------------------
inline double gemm_flops(const GemmShape& s) { return flops(s); }
// Rate counter in units of 1e9 per second of real time.
void set_rate(benchmark::State& state, const char* unit, double giga_per_iteration);
void set_gemm_rate(benchmark::State& state, const GemmShape& s);
std::string gemm_label(const GemmShape& s, const char* extra = "");
// A conv row's label: its GEMM view (M = batch Ho Wo, N = F / groups, K = kh kw C / groups, per
// group), the cache state, "groups=g" when g > 1, then `extra`.
std::string conv_label(const ConvShape& c, const char* cache, const char* extra = "");

// ---- the shapes table in the JSON context --------------------------------------------------
// The bench writes every shape of bench/shapes.h, with its kind, FLOPs, fewest bytes and
// dimensions, into the JSON context as "ik_shapes" (a JSON object keyed by shape name, held in
// a string), so summarize.py and plot.py read each row's kind from the name alone. A benchmark
// that times a shape of its own (binary's xnor.*, sparse's sparse.*) notes it from its
// registrar; its rates are then the dense-equivalent operation's.
void note_shape(const GemmShape& s);
void note_shape(const ConvShape& c);
void note_shape(const AttentionShape& a);

// ---- cold-cache policy -----------------------------------------------------------------------
// Which rows are cold: skinny GEMMs (M <= 32, decode and small decode batches), as before. In a
// real model every layer's weight comes from DRAM (the other layers' weights evicted it); what
// M decides is how much that costs. A weight element (4 bytes) feeds 2 M FLOPs: at M = 1 one
// core's ~100 GFLOP/s would need 200 GB/s, so the row is the weight stream; at M = 32, 16 FLOP
// per byte, one DRAM pass of a 64 MiB llama7b.q_proj (~2.9 ms at 23 GB/s) is still ~27% of its
// compute (1.07 GFLOP, ~10.7 ms); at M = 128 it is ~7% and at 512 under 2%, so M > 32 (prefill,
// the square sweep, and conv, whose weights are reused over Ho x Wo pixels) is timed hot, one
// copy. Timing the skinny rows with a weight that stays in the last-level cache would report a
// speed inference never sees (guide §8).
// How cold rows are timed: each timed call reads the next of several copies of the weight (in
// the contender's own format: ours packed and unpacked, each library's) whose total is at least
// 4 x the LLC, so when the rotation returns to a copy, the 4 x LLC read since has evicted it even
// under non-LRU replacement (adaptive insertion on Intel, Zen's L3 filled by L2 victims). A
// weight of 4 x the LLC or more streams from DRAM by itself and gets one copy. On a 32 MiB L3
// that is >= 128 MiB per weight: 57 copies of bert.q_proj (2.25 MiB fp32), 2 of llama7b.q_proj
// (64 MiB), 1 of llama7b.ffn_up (172 MiB). Measured effect (a 480 MiB L3 Xeon, 1.25 x LLC then):
// bert.ffn_up at M = 1 reads its 9 MiB weight at 27 GB/s with 2 copies (cache), 14 GB/s rotated.
// The LLC is read at run time (llc_bytes()); the bench prints it and the rotation at start-up and
// writes both into the JSON context (ik_llc_bytes, ik_llc_source, ik_cold_rotation_bytes).
// IK_BENCH_COLD_MIB=n overrides the rotation size. A set never exceeds 1/8 of physical memory
// (one raw set + one prepared set <= 1/4 of it); where that cap cuts the 4 x LLC, start-up says so.
bool cold_weights(const GemmShape& s);
std::size_t llc_bytes();            // the last-level data cache cpu0 uses (see llc_source())
const std::string& llc_source();    // where llc_bytes() came from: sysfs, sysconf or a fallback
std::size_t cold_target_bytes();    // the rotation's total: 4 x llc_bytes(), see above
// Copies of a weight of `bytes` needed for the policy above (1 when hot or >= the target).
int weight_copies(const GemmShape& s, std::size_t bytes);

// Operands for one GEMM shape: A (M x K), C (M x N), and at least `copies` copies of the
// weight B (K x N, or N x K when s.weight_nk). B is cached per layer (all M of a layer share
// it, and a set built for the cold M = 1 also serves the hot M = 512 through copy 0), A and C
// per shape, so consecutive contenders and Google Benchmark's repeated calls of one benchmark
// do not rebuild hundreds of MiB. Valid until the next call.
struct GemmOperands {
  const float* A;
  float* C;
  std::int64_t lda, ldb, ldc;
  const std::vector<ik::AlignedBuffer<float>>* B;
  const float* b(int i) const { return (*B)[std::size_t(i) % B->size()].data(); }
};
GemmOperands gemm_operands(const GemmShape& s, int copies);

// A one-entry cache for prepared weights (packed copies), keyed by a string and holding at
// least `count` copies. Building a new entry frees every other PreparedCache's entry first: at
// most one prepared set lives beside the raw copies, which keeps the run under ~4 GiB.
void release_prepared_caches_except(const void* keep);
void register_prepared_cache(const void* cache, std::function<void()> clear);

template <typename T>
class PreparedCache {
 public:
  PreparedCache() { register_prepared_cache(this, [this] { clear(); }); }
  // make(count) builds the value; it is reused while the key matches and it has enough copies.
  template <typename Make>
  T& get(const std::string& key, int count, Make make) {
    if (key != key_ || count > count_) {
      clear();
      release_prepared_caches_except(this);
      value_ = make(count);
      key_ = key;
      count_ = count;
    }
    return value_;
  }

 private:
  void clear() {
    key_.clear();
    count_ = 0;
    value_ = T{};
  }
  std::string key_;
  int count_ = 0;
  T value_{};
};

// Runs setup errors and the untimed first call as SkipWithError rows, so a kernel that
// rejects a shape (or a failed allocation) shows up as an error row, not a crash.
template <typename Fn>
bool guarded(benchmark::State& state, Fn&& fn) {
  try {
    fn();
    return true;
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return false;
  }
}

// Runs `call(copy_index)` once untimed (first touch, OpenMP pool start-up, library JIT), then
// the timed loop, advancing through the weight copies. An exception becomes an error row.
// warm_up = false for calls of >= 10 GFLOP (>= ~50 ms): their start-up costs are noise, and
// skipping the extra call saves ~40 s of the suite (4096^3 alone is ~1 s per call per core).
void run_gemm_loop(benchmark::State& state, int copies, const std::function<void(int)>& call,
                   bool warm_up = true);
inline bool wants_warm_up(const GemmShape& s) { return gemm_flops(s) < 1e10; }

}  // namespace ikb
