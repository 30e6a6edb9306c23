// ik_bench main: registers every benchmark (bench/cpu, bench/baselines) in a fixed order and
// records what a result needs to be reproduced and compared: machine (CPU model, cores, L2/L3,
// the features our dispatcher saw), compiler, git commit (+dirty), date, cache policy. They land
// in the JSON "context", which plot.py and tools/update_readme_results.py print.
//
//   make bench [FILTER=regex]      build, run, summarize (bench/bench.mk)
//   build/bench/ik_bench --benchmark_filter=peak/ --benchmark_min_time=0.05    by hand
//
// --ik_console_log=FILE sends Google Benchmark's console table to FILE and prints one progress
// line per benchmark instead, so `make bench` shows a single table: summarize.py's.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

#include "bench/bench_common.h"
#include "common/cpu_features.h"

#ifndef IK_GIT_COMMIT
#define IK_GIT_COMMIT "unknown"
#endif

namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "unknown";
}

std::string cache_size(int index) {
  std::string s = read_first_line("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
  return s.empty() ? "unknown" : s;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

void add_machine_context() {
  benchmark::AddCustomContext("ik_cpu_model", cpu_model());
  benchmark::AddCustomContext("ik_cores", std::to_string(omp_get_num_procs()));
  benchmark::AddCustomContext("ik_l2_per_core", cache_size(2));
  benchmark::AddCustomContext("ik_l3", cache_size(3));
  benchmark::AddCustomContext("ik_cpu_features", ik::cpu_features_string());
  benchmark::AddCustomContext("ik_compiler", std::string("g++ ") + __VERSION__);
  benchmark::AddCustomContext("ik_git_commit", IK_GIT_COMMIT);
  benchmark::AddCustomContext("ik_date_utc", utc_now());
  // Other tenants on a small machine wreck the all-threads rows (a descheduled OpenMP worker
  // stalls every parallel region): summarize.py warns when this is high.
  benchmark::AddCustomContext("ik_loadavg_at_start", read_first_line("/proc/loadavg"));
  std::ostringstream cold;
  cold << "M<=32 rotates weight copies totalling >= " << (ikb::cold_target_bytes() >> 20)
       << " MiB (LLC " << (ikb::llc_bytes() >> 20) << " MiB); M>32 hot";
  benchmark::AddCustomContext("ik_cache_policy", cold.str());
}

// Google Benchmark's console table goes to a log file; the terminal gets one short line per
// finished benchmark, so a 15-minute run shows progress without a second results table.
class ProgressReporter : public benchmark::ConsoleReporter {
 public:
  explicit ProgressReporter(std::ostream* log) : ConsoleReporter(OO_None) {
    SetOutputStream(log);
    SetErrorStream(log);
  }
  bool ReportContext(const Context& context) override {
    std::fprintf(stderr, "ik_bench: %s, %d cores; console log follows the run\n", cpu_model().c_str(),
                 omp_get_num_procs());
    return ConsoleReporter::ReportContext(context);
  }
  // Called once per benchmark with all its repetitions (and aggregates): one line each.
  void ReportRuns(const std::vector<Run>& reports) override {
    ConsoleReporter::ReportRuns(reports);
    GetOutputStream().flush();
    if (reports.empty()) return;
    const Run* failed = nullptr;
    for (const Run& r : reports)
      if (r.error_occurred) failed = &r;
    const long secs = long(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    std::fprintf(stderr, "[%4d %3ld:%02ld] %s%s%s\n", ++done_, secs / 60, secs % 60,
                 reports.front().run_name.function_name.c_str(), failed ? ": ERROR " : "",
                 failed ? failed->error_message.c_str() : "");
  }

 private:
  int done_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace

int main(int argc, char** argv) {
  add_machine_context();
  ikb::run_registrars();
  benchmark::Initialize(&argc, argv);

  // Our one flag, removed before Google Benchmark checks for unknown ones.
  std::string console_log;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    const char* prefix = "--ik_console_log=";
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0)
      console_log = argv[i] + std::strlen(prefix);
    else
      argv[out++] = argv[i];
  }
  argc = out;
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  if (console_log.empty()) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
    std::ofstream log(console_log);
    if (!log) {
      std::fprintf(stderr, "ik_bench: cannot write %s\n", console_log.c_str());
      return 1;
    }
    ProgressReporter reporter(&log);
    benchmark::RunSpecifiedBenchmarks(&reporter);
  }
  benchmark::Shutdown();
  return 0;
}
