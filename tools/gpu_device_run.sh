#!/usr/bin/env bash
# The whole GPU suite in one call on a lent GPU machine (no package registry there):
#   ./tools/gpu_device_run.sh            (DEPS=.deps holds doctest.h, benchmark/ and libbenchmark.so)
# .deps (git-ignored) is made on a machine that has the packages (doctest-dev, libbenchmark-dev):
#   mkdir -p .deps/include .deps/lib && cp -r /usr/include/doctest /usr/include/benchmark .deps/include/
#   for f in libbenchmark.so libbenchmark.so.1debian; do cp -L /usr/lib/x86_64-linux-gnu/$f .deps/lib/; done
# and carried to the GPU machine (device tool: carry [".deps"]).
# Builds the GPU tests and benchmark there (binaries built elsewhere may not run), runs the tests,
# the instruction check, the benchmark (JSON + console), then compute-sanitizer memcheck over
# every test and racecheck over the exact-result ones, each bounded by SANITIZER_S seconds.
# Logs go to $OUT (the device tool's folder) or build/device_out.
set -uo pipefail
OUT=${OUT:-build/device_out}
DEPS=${DEPS:-.deps}
mkdir -p "$OUT"
t0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - t0 )) s] $*"; }
{ nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv; nvcc --version | tail -2; g++ --version | head -1; nproc; } 2>&1 | tee "$OUT/env.txt"
stamp build
make -j"$(nproc)" DEPS="$DEPS" gpu-test-build bench-gpu-build > "$OUT/build.log" 2>&1 || { tail -50 "$OUT/build.log"; exit 1; }
stamp tests
build/gpu/ik_gpu_tests 2>&1 | tee "$OUT/gpu_tests.log"
stamp instruction check
./tools/check_gpu_instructions.sh build/gpu 2>&1 | tail -5
stamp bench
build/gpu/ik_bench_gpu --benchmark_min_time=${BENCH_MIN_TIME:-0.1} \
  --benchmark_out="$OUT/gpu_results.json" --benchmark_out_format=json > "$OUT/bench.log" 2>&1
awk '/manual_time/ { n = $1; sub("/manual_time", "", n); o = n; for (i = 2; i <= NF; ++i) if ($i ~ /^(TFLOP|x_cublas)/) o = o " " $i; print o }' "$OUT/bench.log"
# compute-sanitizer: memcheck over every test case, then racecheck (shared-memory hazards of the
# cp.async / ldmatrix pipelines) over the exact-result cases; each bounded by SANITIZER_S.
if command -v compute-sanitizer >/dev/null; then
  stamp memcheck
  timeout "${SANITIZER_S:-100}" compute-sanitizer --tool memcheck --error-exitcode 9 \
    build/gpu/ik_gpu_tests > "$OUT/memcheck.log" 2>&1
  echo "memcheck exit: $? (124 = timed out)"; tail -6 "$OUT/memcheck.log"
  stamp racecheck
  timeout "${SANITIZER_S:-100}" compute-sanitizer --tool racecheck --error-exitcode 9 \
    build/gpu/ik_gpu_tests -tc='*small integers*,*int8 s8s8s32*' > "$OUT/racecheck.log" 2>&1
  echo "racecheck exit: $? (124 = timed out)"; tail -6 "$OUT/racecheck.log"
fi
stamp done
