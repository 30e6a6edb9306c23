#!/usr/bin/env bash
# make check-isa-symbols: code compiled with ISA flags must not be shared with other objects.
#
#   tools/check_isa_symbols.sh OBJECTS [KNOWN]
#
# OBJECTS  one object a line: "<object> <source> [its ISA flags...]" (the Makefile writes
#          $(BUILD)/isa_objects.txt: every object of libik.a, libik_cblas.a and the tests)
# KNOWN    tolerated offenders (default tools/isa_symbols_known.txt): "<ISA source> <symbol>"
#          a line, the symbol demangled, '#' comments
#
# An inline function or template instantiated in two objects (ik::AlignedBuffer<int>::
# ~AlignedBuffer() in an AVX-512 file and in a baseline file) is emitted as a weak definition in
# both, and the linker keeps one of them, whichever it meets first: if it keeps the AVX-512 one,
# baseline code calls AVX-512 instructions and dies of SIGILL on an AVX2 machine. So: for every
# object compiled with ISA flags, every external code symbol (nm types T, W, i) it defines that
# an object compiled with different flags defines too is reported with both objects. Data
# symbols (vtables, typeinfo, guard variables, DW.ref.__gxx_personality_v0) hold no
# instructions and are ignored. A reported symbol fails the check unless KNOWN lists it
# (then a warning); a KNOWN line that no longer matches is a note (remove it).
#
#   tools/check_isa_symbols.sh --self-test   proves it can fail: two tiny objects, one built with
#                                           -mavx2, share an inline function; it must be reported
set -euo pipefail
if [ "${1:-}" = --self-test ]; then
  d=$(mktemp -d)
  trap 'rm -rf "$d"' EXIT
  printf 'inline int ik_selftest_twice(int x) { return 2 * x; }\nint %s(int x) { return ik_selftest_twice(x); }\n' \
    base > "$d/base.cpp"
  sed 's/base/isa/' "$d/base.cpp" > "$d/isa.cpp"
  ${CXX:-g++} -O0 -c "$d/base.cpp" -o "$d/base.o" && ${CXX:-g++} -O0 -mavx2 -c "$d/isa.cpp" -o "$d/isa.o"
  printf '%s\n' "$d/base.o base.cpp" "$d/isa.o isa.cpp -mavx2" > "$d/objects.txt"
  : > "$d/known.txt"
  if out=$("$0" "$d/objects.txt" "$d/known.txt" 2>&1); then
    echo "check-isa-symbols --self-test: FAILED: an inline function shared by an -mavx2 object and a baseline one went unreported"
    printf '%s\n' "$out"
    exit 1
  fi
  grep -q 'ERROR: ik_selftest_twice(int)' <<< "$out" || { echo "check-isa-symbols --self-test: FAILED: unexpected report:"; printf '%s\n' "$out"; exit 1; }
  echo "check-isa-symbols --self-test: ok (a shared inline function in an -mavx2 object is reported)"
  exit 0
fi
objects=${1:?usage: check_isa_symbols.sh OBJECTS [KNOWN]}
known=${2:-tools/isa_symbols_known.txt}
NM=${NM:-nm}
CXXFILT=${CXXFILT:-c++filt}
start=$SECONDS

tab=$'\t'
defs=$(mktemp)
trap 'rm -f "$defs"' EXIT
nobj=0
while read -r obj src flags; do
  [ -n "${obj:-}" ] || continue
  [ -f "$obj" ] || { echo "check-isa-symbols: $obj is missing (build the library first)" >&2; exit 1; }
  nobj=$((nobj + 1))
  # symbol <tab> flags <tab> source
  "$NM" --defined-only --extern-only -P "$obj" |
    awk -v src="$src" -v fl="${flags:-}" '$2 ~ /^[TWi]$/ && $1 != "DW.ref.__gxx_personality_v0" {
      printf "%s\t%s\t%s\n", $1, (fl == "" ? "no ISA flags" : fl), src }'
done < "$objects" > "$defs"

# Offences: (ISA source, symbol) where another object with other flags defines the symbol.
report=$(awk -F'\t' '
  { n[$1]++; fl[$1, n[$1]] = $2; src[$1, n[$1]] = $3 }
  END {
    for (s in n) for (i = 1; i <= n[s]; i++) {
      if (fl[s, i] == "no ISA flags") continue
      others = ""
      for (j = 1; j <= n[s]; j++) if (fl[s, j] != fl[s, i]) others = others "\t" src[s, j] " (" fl[s, j] ")"
      if (others != "") print s "\t" src[s, i] " (" fl[s, i] ")" others
    }
  }' "$defs")

known_lines=$( [ -f "$known" ] && sed 's/#.*//; s/[[:space:]]*$//; /^[[:space:]]*$/d' "$known" || true)
bad=0; tolerated=0
declare -A seen=() matched=()
if [ -n "$report" ]; then
  while IFS="$tab" read -r sym isa rest; do
    dsym=$(printf '%s\n' "$sym" | "$CXXFILT")
    isa_src=${isa%% (*}
    key="$isa_src $dsym"
    [ -z "${seen[$key]:-}" ] || continue   # constructor/destructor variants (C1/C2, D1/D2)
    seen[$key]=1
    if grep -qxF -- "$key" <<< "$known_lines"; then
      tolerated=$((tolerated + 1)); matched[$key]=1; tag="warning (known: $known)"
    else
      bad=$((bad + 1)); tag="ERROR"
    fi
    echo "check-isa-symbols: $tag: $dsym"
    echo "    defined with ISA flags in   $isa"
    IFS="$tab" read -r -a others <<< "$rest"
    for o in "${others[@]}"; do echo "    and with other flags in     $o"; done
  done <<< "$(sort -t "$tab" -k2,2 -k1,1 <<< "$report")"
fi
if [ -n "$known_lines" ]; then
  while IFS= read -r k; do
    [ -n "${matched[$k]:-}" ] || echo "check-isa-symbols: note: $known lists '$k', which this build does not show (remove it once no build shows it)"
  done <<< "$known_lines"
fi
elapsed=$((SECONDS - start))
if [ $bad -gt 0 ]; then
  echo "check-isa-symbols: FAILED: $bad symbol(s) compiled with ISA flags are also defined with other flags ($nobj objects, ${elapsed} s)."
  echo "  The linker may keep the ISA copy for every caller. Keep such code out of ISA files, or give it"
  echo "  internal linkage there (a static function, an anonymous namespace), or list it in $known."
  exit 1
fi
if [ $tolerated -gt 0 ]; then
  echo "check-isa-symbols: ok with $tolerated known offender(s) (warnings above; $known): $nobj objects (${elapsed} s)"
else
  echo "check-isa-symbols: ok: $nobj objects, no code symbol shared across ISA flags (${elapsed} s)"
fi
