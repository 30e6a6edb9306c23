# CPU benchmark harness, included by the top-level Makefile (which provides CXX, CXXFLAGS_BASE,
# LDFLAGS_BASE, BUILD, DEPS, FILTER, LIB, obj, isa_flags, and bench/manifest.mk).
#
#   make bench [FILTER=regex]   deps check, build $(BUILD)/bench/ik_bench, run it, summarize:
#                               $(BUILD)/bench/results.json (Google Benchmark JSON + context),
#                               $(BUILD)/bench/summary.csv, console.txt (GB's own table)
#   make bench FILTER='gemm_f32/.*/square.256/' BENCH_MIN_TIME=0.05    a quick subset
#   make plots                  figures from results.json into plots/*.png
#   make readme-results         README.md results table (between markers) from summary.csv
#
# Runtime of the full suite (every family, 1458 benchmarks x 3 repetitions): 16 min 10 s on
# this 2-core VM (Xeon, AVX-512, AMX, commit 9941a98). The fp32 family alone is ~7 min: one 4096^3
# call is 137 GFLOP (~1 s on one core; calls >= 10 GFLOP skip the warm-up call), and the
# cold-cache weight copies (600 MiB) are built once per layer and contender (~0.3 s each).
# Faster looks: BENCH_REPETITIONS=1 (~2.5x quicker), FILTER=..., BENCH_MIN_TIME=0.05.
#
# Baselines are compiled in only when found: the OpenMP build of OpenBLAS (that exact .so,
# linked by path with an rpath, because the default libblas/libopenblas alternative may be the
# pthread build, whose threads fight OpenMP's) and oneDNN. With DEPS=dir, dir/lib and
# dir/include are searched first (put the OpenMP OpenBLAS build there).

BENCH_DIR      := $(BUILD)/bench
BENCH_BIN      := $(BENCH_DIR)/ik_bench
# The sources, in link order, and their ISA flags: bench/manifest.mk (the Makefile checks that
# it lists every file).
BENCH_SRCS     := $(bench_SRCS)
BENCH_OBJS     := $(patsubst %.cpp,$(BENCH_DIR)/obj/%.o,$(BENCH_SRCS))
BENCH_MIN_TIME ?= 0.1
# Three repetitions, reported as their median: other tenants of a shared machine make single
# runs noisy. Each repetition multiplies the runtime (see the estimate above). The repetitions
# of one benchmark run back to back, and every contender of one weight (all families, variants,
# M and thread counts of a layer or square size) runs in one stretch (bench_common.cpp), so
# the two sides of a ratio are timed minutes apart at most. Google Benchmark's random
# interleaving was tried (2026-11-26): it rebuilt each cold row's ~600 MiB of weight copies for
# every repetition (46 min instead of ~16 for the suite), and much of the spread it was meant
# to average out came from which 4 KiB pages a weight copy landed on (up to 1.7x between two
# copies of one weight), which huge pages removed (common/aligned_buffer.h).
BENCH_REPETITIONS ?= 3
BENCH_ARGS     ?=

BENCH_OPENBLAS_SO := $(firstword $(wildcard \
  $(if $(DEPS),$(DEPS)/lib/openblas-openmp/libopenblas.so $(DEPS)/lib/libopenblas.so) \
  /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so))
BENCH_DNNL_H      := $(firstword $(wildcard \
  $(if $(DEPS),$(DEPS)/include/oneapi/dnnl/dnnl.h) /usr/include/oneapi/dnnl/dnnl.h \
  /usr/local/include/oneapi/dnnl/dnnl.h))
BENCH_DNNL_SO     := $(firstword $(wildcard \
  $(if $(DEPS),$(DEPS)/lib/libdnnl.so) /usr/lib/x86_64-linux-gnu/libdnnl.so /usr/local/lib/libdnnl.so))

BENCH_CPPFLAGS :=
BENCH_LDLIBS   :=
ifneq ($(BENCH_OPENBLAS_SO),)
  # The OpenMP build's own cblas.h (the generic one is an alternative that may point elsewhere).
  BENCH_CPPFLAGS += -DIK_HAVE_OPENBLAS \
    $(if $(filter /usr/lib/%,$(BENCH_OPENBLAS_SO)),-I/usr/include/x86_64-linux-gnu/openblas-openmp)
  BENCH_LDLIBS   += $(BENCH_OPENBLAS_SO) -Wl,-rpath,$(patsubst %/,%,$(dir $(BENCH_OPENBLAS_SO)))
endif
ifneq ($(and $(BENCH_DNNL_H),$(BENCH_DNNL_SO)),)
  BENCH_CPPFLAGS += -DIK_HAVE_DNNL $(if $(filter /usr/local/%,$(BENCH_DNNL_H)),-I/usr/local/include)
  BENCH_LDLIBS   += -L$(patsubst %/,%,$(dir $(BENCH_DNNL_SO))) -ldnnl
endif
BENCH_LDLIBS   += -lbenchmark -lpthread

.PHONY: bench bench-build bench-run readme-results bench-force

bench: deps-bench
	@$(MAKE) --no-print-directory bench-build
	@$(MAKE) --no-print-directory bench-run

bench-build: $(BENCH_BIN)

bench-run:
	@echo "== $(BENCH_BIN) $(if $(FILTER),--benchmark_filter='$(FILTER)',(full suite: ~16 min on 2 cores))"
	@echo "   baselines:$(if $(BENCH_OPENBLAS_SO), openblas ($(BENCH_OPENBLAS_SO)))$(if $(and $(BENCH_DNNL_H),$(BENCH_DNNL_SO)), onednn)"
	$(BENCH_BIN) --benchmark_out=$(BENCH_DIR)/results.json --benchmark_out_format=json \
	  --benchmark_min_time=$(BENCH_MIN_TIME) \
	  $(if $(filter-out 1,$(BENCH_REPETITIONS)),--benchmark_repetitions=$(BENCH_REPETITIONS) \
	    --benchmark_display_aggregates_only=true) \
	  $(if $(FILTER),--benchmark_filter='$(FILTER)') \
	  --ik_console_log=$(BENCH_DIR)/console.txt $(BENCH_ARGS)
	python3 bench/summarize.py $(BENCH_DIR)/results.json --csv $(BENCH_DIR)/summary.csv

# The first python3 that imports matplotlib: a pyenv/venv python3 first on PATH may lack the
# distribution's python3-matplotlib that deps-plots installs for /usr/bin/python3.
# (Recursive '=': evaluated only when `make plots` runs, not on every make.)
PLOT_PYTHON = $(firstword $(foreach p,python3 /usr/bin/python3,\
  $(if $(shell $(p) -c 'import matplotlib' >/dev/null 2>&1 && echo ok),$(p))) python3)

plots: deps-plots
	$(PLOT_PYTHON) plots/plot.py $(BENCH_DIR)/results.json --out plots

readme-results:
	python3 tools/update_readme_results.py --csv $(BENCH_DIR)/summary.csv \
	  --json $(BENCH_DIR)/results.json --readme README.md

$(BENCH_BIN): $(BENCH_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(BENCH_OBJS) $(LIB) $(BENCH_LDLIBS) $(LDFLAGS_BASE) -o $@

$(BENCH_OBJS): $(BENCH_DIR)/obj/%.o: %.cpp $(BENCH_DIR)/flags.txt bench/manifest.mk
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS_BASE) $(BENCH_CPPFLAGS) $(BENCH_MAIN_DEFS) $(call isa_flags,$<) \
	  -MMD -MP -c $< -o $@

# The commit goes into the JSON context. The stamp is rewritten only when the commit (or its
# dirty flag) changes, so bench_main.o recompiles then and only then.
$(BENCH_DIR)/obj/bench/bench_main.o: $(BENCH_DIR)/git_commit.txt
$(BENCH_DIR)/obj/bench/bench_main.o: BENCH_MAIN_DEFS = -DIK_GIT_COMMIT='"$(shell cat $(BENCH_DIR)/git_commit.txt)"'

$(BENCH_DIR)/git_commit.txt: bench-force
	@mkdir -p $(dir $@)
	@c=$$(git rev-parse --short --verify -q HEAD 2>/dev/null || echo unknown); \
	if [ "$$c" != unknown ] && [ -n "$$(git status --porcelain --untracked-files=no 2>/dev/null | head -n 1)" ]; then \
	  c="$$c-dirty"; fi; \
	[ "$$(cat $@ 2>/dev/null)" = "$$c" ] || echo "$$c" > $@

# A baseline that appears (or disappears) after the objects were built changes their -D flags:
# rebuild them all then, as with the commit stamp.
$(BENCH_DIR)/flags.txt: bench-force
	@mkdir -p $(dir $@)
	@[ "$$(cat $@ 2>/dev/null)" = '$(CXX) $(CXXFLAGS_BASE) $(BENCH_CPPFLAGS)' ] || \
	  echo '$(CXX) $(CXXFLAGS_BASE) $(BENCH_CPPFLAGS)' > $@

bench-force:

-include $(shell find $(BENCH_DIR)/obj -name '*.d' 2>/dev/null)
