#!/usr/bin/env bash
# Check the packages a make target needs; install the missing ones with apt when running as
# root on Debian/Ubuntu, else stop with the list to install. Usage: ensure_deps.sh test|bench|plots
# With DEPS=dir set (a machine without a registry), headers and libraries come from dir: no check.
set -euo pipefail
target=${1:?usage: ensure_deps.sh test|bench|plots}
[ -n "${DEPS:-}" ] && exit 0

CXX=${CXX:-g++}
missing=()
have_header() { echo "#include <$1>" | "$CXX" -x c++ -std=c++17 -fsyntax-only - >/dev/null 2>&1; }
have_lib() { echo 'int main(){}' | "$CXX" -x c++ - -o /dev/null "$@" >/dev/null 2>&1; }

command -v "$CXX" >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
if command -v "$CXX" >/dev/null; then
  have_lib -fopenmp || missing+=(libgomp1)
  case $target in
    test)
      have_header doctest/doctest.h || missing+=(doctest-dev) ;;
    bench)
      have_header benchmark/benchmark.h || missing+=(libbenchmark-dev)
      command -v python3 >/dev/null || missing+=(python3)
      # Optional baselines: installed when we can, skipped by the build when absent.
      # The OpenMP build of OpenBLAS: the default pthread build fights OpenMP threads.
      [ -e /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so ] || missing+=(libopenblas-openmp-dev)
      have_header oneapi/dnnl/dnnl.h || missing+=(libdnnl-dev)
      have_header eigen3/Eigen/Sparse || missing+=(libeigen3-dev) ;;
    plots)
      # Any python3 that imports matplotlib will do (plots/plot.py is run by the first such one;
      # a pyenv shim without it must not trigger an apt install every time).
      found=0
      for py in python3 /usr/bin/python3; do
        command -v "$py" >/dev/null && "$py" -c 'import matplotlib' >/dev/null 2>&1 && found=1 && break
      done
      [ $found = 1 ] || missing+=(python3-matplotlib) ;;
  esac
fi

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "ensure_deps ($target): installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "ensure_deps ($target): missing packages: ${missing[*]}" >&2
echo "  install them with: sudo apt-get install ${missing[*]}" >&2
case $target in
  bench) # the library baselines are optional: go on without them, say so
    only_optional=1
    for p in "${missing[@]}"; do
      case $p in libopenblas-openmp-dev|libdnnl-dev|libeigen3-dev) ;; *) only_optional=0 ;; esac
    done
    if [ $only_optional = 1 ]; then echo "  (continuing without those baselines)" >&2; exit 0; fi ;;
esac
exit 1
