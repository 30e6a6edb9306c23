// Shared plumbing for the CPU benchmarks (see bench_common.h for the naming scheme and the
// cold-cache policy). Run: make bench FILTER=...
#include "bench/bench_common.h"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
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

// A rotation set is at most 1/8 of physical memory: one raw set beside one prepared set (the
// most that live at once, PreparedCache) stays under 1/4 of it. 1.5 GiB when sysconf cannot say.
std::size_t max_set_bytes() {
  static const std::size_t bytes = [] {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) return std::size_t(pages) * std::size_t(page) / 8;
    return std::size_t(1536) << 20;
  }();
  return bytes;
}

std::size_t parse_cache_size(const std::string& text) {
  // sysfs writes "32768K" or "480M".
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (end && (*end == 'K' || *end == 'k')) v <<= 10;
  else if (end && (*end == 'M' || *end == 'm')) v <<= 20;
  return std::size_t(v);
}

struct Llc {
  std::size_t bytes = 0;
  std::string source;
};

// sysfs first: it names the cache instance cpu0 shares (one CCX's L3 on AMD EPYC, 32 MiB on
// Zen 3), which is what a core can hold. glibc's sysconf(_SC_LEVEL3_CACHE_SIZE) is the fallback:
// on this Zen 3 VM it reports 256 MiB (8x the sysfs size: more L3 than any one core reaches), and
// it answers 0 where CPUID hides the cache. Last resort: 64 MiB, large enough that the 4 x LLC
// rotation still evicts on a big server part.
const Llc& llc() {
  static const Llc info = [] {
    Llc r;
    int best_level = 0;
    for (int i = 0; i < 8; ++i) {
      std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
      std::ifstream size_f(dir + "size"), level_f(dir + "level"), type_f(dir + "type");
      std::string size, type;
      int level = 0;
      if (!(size_f >> size) || !(level_f >> level)) continue;
      type_f >> type;
      if (type == "Instruction") continue;
      if (level > best_level && parse_cache_size(size) > 0) {
        best_level = level;
        r.bytes = parse_cache_size(size);
        r.source = dir + "size (L" + std::to_string(level) + ")";
      }
    }
    if (r.bytes) return r;
#ifdef _SC_LEVEL3_CACHE_SIZE
    for (auto [name, level] : {std::pair<int, int>{_SC_LEVEL3_CACHE_SIZE, 3}, {_SC_LEVEL2_CACHE_SIZE, 2}}) {
      const long v = sysconf(name);
      if (v > 0) {
        r.bytes = std::size_t(v);
        r.source = "sysconf(_SC_LEVEL" + std::to_string(level) + "_CACHE_SIZE)";
        return r;
      }
    }
#endif
    r.bytes = std::size_t(64) << 20;
    r.source = "fallback (no sysfs cache size, sysconf says 0)";
    return r;
  }();
  return info;
}

std::string mib(std::size_t bytes) {
  char buf[32];
  if (bytes % (std::size_t(1) << 20) == 0)
    std::snprintf(buf, sizeof buf, "%zu MiB", bytes >> 20);
  else
    std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / double(1 << 20));
  return buf;
}

// ---- the shapes table ("ik_shapes") ----
struct ShapeRow {
  std::string name, kind, dims;  // dims: a JSON object's members, e.g. "\"M\": 1, ..."
  double flops = 0, min_bytes = 0;
};
std::vector<ShapeRow>& noted_shapes() {
  static std::vector<ShapeRow> rows;
  return rows;
}
void note_row(ShapeRow row) {
  for (const ShapeRow& r : noted_shapes())
    if (r.name == row.name) return;  // the first definition wins
  noted_shapes().push_back(std::move(row));
}
std::string kv(const char* key, std::int64_t v) { return std::string("\"") + key + "\": " + std::to_string(v); }

std::string json_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

// shapes.h's shapes first (they win over a benchmark's own shape of the same name), then the
// ones the registrars noted.
std::string shapes_json() {
  std::vector<ShapeRow> extra = std::move(noted_shapes());
  noted_shapes().clear();
  for (const GemmShape& g : all_gemm_shapes()) note_shape(g);
  for (const ConvShape& c : conv_shapes()) note_shape(c);
  for (const AttentionShape& a : attention_shapes()) note_shape(a);
  for (ShapeRow& r : extra) note_row(std::move(r));
  std::ostringstream os;
  os << "{";
  bool first = true;
  char num[64];
  for (const ShapeRow& r : noted_shapes()) {
    os << (first ? "" : ", ") << '"' << json_escape(r.name) << "\": {\"kind\": \"" << r.kind << "\", ";
    std::snprintf(num, sizeof num, "%.17g", r.flops);
    os << "\"flops\": " << num << ", ";
    std::snprintf(num, sizeof num, "%.17g", r.min_bytes);
    os << "\"min_bytes\": " << num << ", " << r.dims << "}";
    first = false;
  }
  os << "}";
  return os.str();
}

// Start-up report: stderr and the JSON context.
void add_bench_context() {
  const Llc& l = llc();
  std::string note;
#ifdef _SC_LEVEL3_CACHE_SIZE
  const long sc = sysconf(_SC_LEVEL3_CACHE_SIZE);
  if (l.source.rfind("sysconf", 0) != 0 && sc > 0 && std::size_t(sc) != l.bytes)
    note = "; sysconf(_SC_LEVEL3_CACHE_SIZE) says " + mib(std::size_t(sc));
#endif
  const std::size_t target = cold_target_bytes();
  std::string how = std::getenv("IK_BENCH_COLD_MIB") && *std::getenv("IK_BENCH_COLD_MIB")
                        ? "IK_BENCH_COLD_MIB"
                        : target < 4 * l.bytes ? "4 x LLC, CAPPED at 1/8 of physical memory: the rule wants " + mib(4 * l.bytes)
                                               : "4 x LLC";
  std::fprintf(stderr, "ik_bench: LLC %s (%s%s); cold weights (M <= 32) rotate copies totalling >= %s (%s)\n",
               mib(l.bytes).c_str(), l.source.c_str(), note.c_str(), mib(target).c_str(), how.c_str());
  benchmark::AddCustomContext("ik_llc_bytes", std::to_string(l.bytes));
  benchmark::AddCustomContext("ik_llc_source", l.source + note);
  benchmark::AddCustomContext("ik_cold_rotation_bytes", std::to_string(target));
  benchmark::AddCustomContext("ik_cold_rotation_rule", how);
  benchmark::AddCustomContext("ik_shapes", shapes_json());
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
  add_bench_context();
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

void note_shape(const GemmShape& s) {
  note_row({s.name, "gemm", kv("M", s.M) + ", " + kv("N", s.N) + ", " + kv("K", s.K), flops(s), min_bytes(s)});
}

void note_shape(const ConvShape& c) {
  note_row({c.name, "conv",
            kv("batch", c.batch) + ", " + kv("H", c.H) + ", " + kv("W", c.W) + ", " + kv("C", c.C) + ", " +
                kv("F", c.F) + ", " + kv("kh", c.kh) + ", " + kv("kw", c.kw) + ", " + kv("stride", c.stride) +
                ", " + kv("pad", c.pad) + ", " + kv("groups", c.groups) + ", " + kv("Ho", c.Ho()) + ", " +
                kv("Wo", c.Wo()),
            flops(c), min_bytes(c)});
}

void note_shape(const AttentionShape& a) {
  note_row({a.name, "attention",
            kv("batch", a.batch) + ", " + kv("heads", a.heads) + ", " + kv("kv_heads", a.kv_heads) + ", " +
                kv("N", a.N) + ", " + kv("N_kv", a.N_kv) + ", " + kv("d", a.d) + ", " +
                kv("causal", a.causal ? 1 : 0),
            flops(a), min_bytes(a)});
}

bool cold_weights(const GemmShape& s) { return s.M <= 32; }

std::size_t llc_bytes() { return llc().bytes; }
const std::string& llc_source() { return llc().source; }

std::size_t cold_target_bytes() {
  static const std::size_t bytes = [] {
    if (const char* env = std::getenv("IK_BENCH_COLD_MIB"); env && *env)
      return std::size_t(std::strtoull(env, nullptr, 10)) << 20;
    return std::min(4 * llc_bytes(), max_set_bytes());
  }();
  return bytes;
}

int weight_copies(const GemmShape& s, std::size_t bytes) {
  if (!cold_weights(s) || bytes == 0 || bytes >= cold_target_bytes()) return 1;
  return int((cold_target_bytes() + bytes - 1) / bytes);
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
