// Shared plumbing for the CPU benchmarks (see bench_common.h for the naming scheme and the
// cold-cache policy). Run: make bench FILTER=...
#include "bench/bench_common.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <utility>

#include "common/random.h"

namespace ikb {

namespace {
std::vector<std::unique_ptr<PendingBenchmark>>& pending() {
  static std::vector<std::unique_ptr<PendingBenchmark>> p;
  return p;
}

// The weight group of a benchmark name "<family>/<variant>/<shape>/threads:<t>": the shape
// without its token count (".m128"), so every M of one layer and every square size's rows
// share one group; rows without a shape (peak) form the group "".
std::string weight_group(const std::string& name) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t pos; (pos = name.find('/', start)) != std::string::npos; start = pos + 1)
    parts.push_back(name.substr(start, pos - start));
  parts.push_back(name.substr(start));
  if (parts.size() < 4) return "";
  std::string shape = parts[2];
  const std::size_t dot = shape.rfind(".m");
  if (dot != std::string::npos && dot + 2 < shape.size() &&
      shape.find_first_not_of("0123456789", dot + 2) == std::string::npos)
    shape.resize(dot);
  return shape;
}
}  // namespace

namespace {
std::vector<std::pair<int, Registrar>>& registrars() {
  static std::vector<std::pair<int, Registrar>> r;
  return r;
}

// One prepared set (e.g. 600 MiB of packed weights) beside one raw set must stay well under
// the ~4 GiB we allow the run; 1.5 GiB per set leaves room for the square 4096 operands too.
constexpr std::size_t kMaxSetBytes = std::size_t(1536) << 20;

std::size_t parse_cache_size(const std::string& text) {
  // sysfs writes "32768K" or "480M".
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (end && (*end == 'K' || *end == 'k')) v <<= 10;
  else if (end && (*end == 'M' || *end == 'm')) v <<= 20;
  return std::size_t(v);
}
}  // namespace

int add_registrar(int order, Registrar fn) {
  registrars().emplace_back(order, fn);
  return 0;
}

void run_registrars() {
  auto& r = registrars();
  std::stable_sort(r.begin(), r.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [order, fn] : r) fn();
  // Groups in order of first appearance (the peak rows first), registration order inside.
  std::map<std::string, std::size_t> group_rank;
  for (const auto& b : pending()) group_rank.emplace(weight_group(b->name), group_rank.size());
  std::vector<std::pair<std::size_t, PendingBenchmark*>> order;
  for (const auto& b : pending()) order.emplace_back(group_rank[weight_group(b->name)], b.get());
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [rank, b] : order) {
    auto fn = b->fn;
    auto* reg = benchmark::RegisterBenchmark(b->name.c_str(), [fn](benchmark::State& st) { fn(st); });
    reg->Unit(b->unit);
    if (b->manual_time)
      reg->UseManualTime();
    else
      reg->UseRealTime();
  }
}

const std::vector<int>& thread_counts() {
  static const std::vector<int> t = [] {
    std::vector<int> v{1};
    int n = omp_get_num_procs();
    if (n > 1) v.push_back(n);
    return v;
  }();
  return t;
}


PendingBenchmark* add_benchmark(const std::string& name, std::function<void(benchmark::State&)> fn,
                                bool manual_time) {
  pending().push_back(std::make_unique<PendingBenchmark>(PendingBenchmark{name, std::move(fn), manual_time}));
  return pending().back().get();
}

std::string bench_name(const std::string& family, const std::string& variant,
                       const std::string& shape, int threads) {
  std::string n = family + "/" + variant + "/";
  if (!shape.empty()) n += shape + "/";
  return n + "threads:" + std::to_string(threads);
}

void set_rate(benchmark::State& state, const char* unit, double giga_per_iteration) {
  // kIsIterationInvariantRate: value x iterations / time, where time is real time under
  // UseRealTime (checked against Google Benchmark 1.7.1).
  state.counters[unit] =
      benchmark::Counter(giga_per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

void set_gemm_rate(benchmark::State& state, const GemmShape& s) {
  set_rate(state, "GFLOP/s", gemm_flops(s) * 1e-9);
}

std::string gemm_label(const GemmShape& s, const char* extra) {
  std::ostringstream os;
  os << "M=" << s.M << " N=" << s.N << " K=" << s.K << " cache=" << (cold_weights(s) ? "cold" : "hot")
     << " peak=fma_f32";
  if (extra && *extra) os << ' ' << extra;
  return os.str();
}

std::string conv_label(const ConvShape& c, const char* cache, const char* extra) {
  std::ostringstream os;
  os << "M=" << c.batch * c.Ho() * c.Wo() << " N=" << c.Fg() << " K=" << c.kh * c.kw * c.Cg() << " cache=" << cache;
  if (c.groups > 1) os << " groups=" << c.groups;
  if (extra && *extra) os << ' ' << extra;
  return os.str();
}

bool cold_weights(const GemmShape& s) { return s.M <= 32; }

std::size_t llc_bytes() {
  static const std::size_t bytes = [] {
    std::size_t best = 0;
    int best_level = 0;
    for (int i = 0; i < 8; ++i) {
      std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
      std::ifstream size_f(dir + "size"), level_f(dir + "level"), type_f(dir + "type");
      std::string size, type;
      int level = 0;
      if (!(size_f >> size) || !(level_f >> level)) continue;
      type_f >> type;
      if (type == "Instruction") continue;
      if (level > best_level) best_level = level, best = parse_cache_size(size);
    }
    // No sysfs (containers without it): assume a large server LLC so rotation still evicts.
    return best ? best : std::size_t(64) << 20;
  }();
  return bytes;
}

std::size_t cold_target_bytes() {
  static const std::size_t bytes = [] {
    if (const char* env = std::getenv("IK_BENCH_COLD_MIB"); env && *env)
      return std::size_t(std::strtoull(env, nullptr, 10)) << 20;
    // 25% over the LLC: a non-LRU replacement policy (adaptive insertion on Intel, Zen's
    // L3 victim cache) may keep a slice of a set that is only just larger than the cache.
    return std::min(llc_bytes() + llc_bytes() / 4, kMaxSetBytes);
  }();
  return bytes;
}

int weight_copies(const GemmShape& s, std::size_t bytes) {
  if (!cold_weights(s) || bytes == 0) return 1;
  std::size_t want = (cold_target_bytes() + bytes - 1) / bytes;
  std::size_t cap = std::max<std::size_t>(kMaxSetBytes / bytes, 2);
  return int(std::clamp<std::size_t>(want, 2, cap));
}

GemmOperands gemm_operands(const GemmShape& s, int copies) {
  // The weight set: per layer and layout; grown (rebuilt) only when more copies are needed.
  static std::vector<ik::AlignedBuffer<float>> weights;
  static std::string weights_key;
  // Activations and output: per shape.
  static ik::AlignedBuffer<float> A, C;
  static std::string act_key;

  const std::size_t b_elems = std::size_t(s.K) * std::size_t(s.N);
  const std::string wkey = s.layer + (s.weight_nk ? "/nk" : "/kn");
  if (wkey != weights_key || std::size_t(copies) > weights.size()) {
    // Free the old set before allocating the new one, so two never coexist.
    weights_key.clear();
    weights.clear();
    weights.resize(std::size_t(copies));
    ik::Rng rng(0x5eed0000u + std::uint64_t(s.K) * 131 + std::uint64_t(s.N));
    weights[0].reset(b_elems);
    ik::fill_uniform(ik::MatrixView<float>(weights[0].data(), 1, std::int64_t(b_elems),
                                           std::int64_t(b_elems)), rng);
    // Identical contents are fine: only the addresses must differ for the cache to miss.
    for (std::size_t i = 1; i < weights.size(); ++i) {
      weights[i].reset(b_elems);
      std::memcpy(weights[i].data(), weights[0].data(), b_elems * sizeof(float));
    }
    weights_key = wkey;
  }
  if (act_key != s.name) {
    act_key.clear();
    A = {};
    C = {};
    ik::Rng rng(0xac7u + std::uint64_t(s.M) * 7919 + std::uint64_t(s.K));
    A.reset(std::size_t(s.M) * std::size_t(s.K));
    ik::fill_uniform(ik::MatrixView<float>(A.data(), s.M, s.K, s.K), rng);
    C.reset(std::size_t(s.M) * std::size_t(s.N));
    std::memset(C.data(), 0, C.size() * sizeof(float));
    act_key = s.name;
  }
  GemmOperands ops;
  ops.A = A.data();
  ops.C = C.data();
  ops.lda = s.K;
  ops.ldc = s.N;
  ops.ldb = s.weight_nk ? s.K : s.N;
  ops.B = &weights;
  return ops;
}

namespace {
std::map<const void*, std::function<void()>>& prepared_caches() {
  static std::map<const void*, std::function<void()>> m;
  return m;
}
}  // namespace

void register_prepared_cache(const void* cache, std::function<void()> clear) {
  prepared_caches()[cache] = std::move(clear);
}

void release_prepared_caches_except(const void* keep) {
  for (auto& [cache, clear] : prepared_caches())
    if (cache != keep) clear();
}

void run_gemm_loop(benchmark::State& state, int copies, const std::function<void(int)>& call,
                   bool warm_up) {
  if (warm_up && !guarded(state, [&] { call(0); })) return;
  int i = warm_up && copies > 1 ? 1 : 0;
  for (auto _ : state) {
    try {
      call(i);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;  // Google Benchmark requires leaving the loop right after SkipWithError
    }
    benchmark::ClobberMemory();
    if (++i == copies) i = 0;
  }
}

}  // namespace ikb
