#!/usr/bin/env bash
# make copy-check, one family: copy it as a user would, build it there alone, run its smoke test.
#
#   tools/copy_check.sh FAMILY MANIFESTS [OBJDIR]
#
# FAMILY     a manifest name (gemm_f32, binary, reference ...)
# MANIFESTS  the normalized manifests (make manifest-dump writes $(BUILD)/manifests.txt)
# OBJDIR     optional: the tree's object folder ($(BUILD)/obj), only to name the source that
#            defines a symbol the copy fails to link
#
# 1. Into an empty folder: the family's folder (cp -r, as the README says), the folders of the
#    families it NEEDS, and every file its manifest names (common/..., reference/...), paths
#    kept; plus tools/copy_check/smoke_FAMILY.cpp (and smoke.h), the user's program.
# 2. Each source (the family's, and the .cpp files among what it names) is compiled there with
#    only `-std=c++17 $COPY_CHECK_OPT -fopenmp -I.` and that file's flags from its manifest.
# 3. The smoke program is linked with those objects (and nothing else) and run.
# A file the manifest forgot fails step 2 (a header) or 3 (a source), and the message names it.
# The smoke program dying of SIGILL fails too, unless the family is in
# tools/copy_check/known_sigill.txt (a known dispatch bug: then a warning).
# Environment: CXX (g++), COPY_CHECK_OPT (-O0), COPY_CHECK_KEEP=1 keeps the folder,
# COPY_CHECK_CACHE=dir: reuse an object compiled from the same preprocessed text with the same
# compiler and flags (the common/ files every family copies, and every file on a rerun); each
# source is still preprocessed in the copy, so a missing header fails as without the cache.
set -uo pipefail
fam=${1:?usage: copy_check.sh FAMILY MANIFESTS [OBJDIR]}
dump=${2:?usage: copy_check.sh FAMILY MANIFESTS [OBJDIR]}
objdir=${3:-}
CXX=${CXX:-g++}
OPT=${COPY_CHECK_OPT:--O0}
cache=${COPY_CHECK_CACHE:-}
root=$(pwd)
[ -f "$dump" ] || { echo "copy-check $fam: no $dump (make manifest-dump writes it)" >&2; exit 1; }
dump=$(cd "$(dirname "$dump")" && pwd)/$(basename "$dump")
start=$SECONDS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ik-copy-check-$fam.XXXXXX") || exit 1
msg() { echo "copy-check $fam: $*"; }
fail() {
  echo "copy-check $fam: FAILED: $*" >&2
  echo "copy-check $fam: (the copy is kept in $tmp)" >&2
  exit 1
}

# The dump: "<name> <key> <value> [flags...]" (leading blanks possible).
entries() { awk -v f="$1" -v k="$2" '$1 == f && $2 == k { print $3 }' "$dump"; }
flags_of() { awk -v p="$1" '$2 == "src" && $3 == p { $1 = $2 = $3 = ""; sub(/^ +/, ""); print; exit }' "$dump"; }
owner_of() { awk -v p="$1" '$2 == "src" && $3 == p { print $1; exit }' "$dump"; }

[ -n "$(entries "$fam" dir)" ] || fail "no manifest named $fam in $dump"

# The family and, transitively, the families it needs.
fams=("$fam")
for ((i = 0; i < ${#fams[@]}; i++)); do
  for n in $(entries "${fams[$i]}" needs); do
    [ -n "$(entries "$n" dir)" ] || fail "${fams[$i]} needs $n, which has no manifest"
    [[ " ${fams[*]} " == *" $n "* ]] || fams+=("$n")
  done
done

# 1. The copy.
ncopied=0
for f in "${fams[@]}"; do
  d=$(entries "$f" dir)
  mkdir -p "$tmp/$(dirname "$d")"
  cp -r "$root/$d" "$tmp/$d" || fail "cannot copy $d/"
  for u in $(entries "$f" uses); do
    [ -f "$root/$u" ] || fail "$d/manifest.mk names $u, which does not exist"
    mkdir -p "$tmp/$(dirname "$u")"
    cp "$root/$u" "$tmp/$u"
    ncopied=$((ncopied + 1))
  done
done
smoke=tools/copy_check/smoke_$fam.cpp
[ -f "$root/$smoke" ] || fail "no smoke program: write $smoke (a call of the family's entry point on a tiny problem)"
mkdir -p "$tmp/tools/copy_check"
cp "$root/$smoke" "$root/tools/copy_check/smoke.h" "$tmp/tools/copy_check/"

# The sources to compile: those of the families' folders, and the named .cpp of other folders,
# each with the flags of the manifest that lists it, which must have been copied too.
srcs=()
for f in "${fams[@]}"; do
  srcs+=($(entries "$f" src))
  for u in $(entries "$f" uses); do [[ $u == *.cpp ]] && srcs+=("$u"); done
done
for s in "${srcs[@]}"; do
  o=$(owner_of "$s")
  [ -n "$o" ] || fail "$s is named by a manifest but is no manifest's source (so it has no flags)"
  od=$(entries "$o" dir)
  [ -f "$tmp/$od/manifest.mk" ] || fail "the flags of $s are in $od/manifest.mk, which the copy lacks (add $od/manifest.mk to ${fam}_COMMON)"
done

# 2. Compile in the copy.
if [ -n "$cache" ]; then
  mkdir -p "$cache" || exit 1
  cache=$(cd "$cache" && pwd)
  compiler_id="$(command -v "$CXX") $("$CXX" --version 2>&1 | head -n 1)"
fi
cd "$tmp" || exit 1
objs=()
nreused=0
for s in "${srcs[@]}" "$smoke"; do
  fl=$( [ "$s" = "$smoke" ] || flags_of "$s" )
  o=obj/${s%.cpp}.o
  mkdir -p "$(dirname "$o")"
  cmd=("$CXX" -std=c++17 $OPT -fopenmp -I. $fl)
  key=""
  if [ -n "$cache" ] && pp=$("${cmd[@]}" -E "$s" 2> "$o.log" | sha256sum); then
    key=$( { echo "$compiler_id"; echo "${cmd[*]}"; echo "$pp"; } | sha256sum | cut -c1-32)
    if [ -f "$cache/$key.o" ]; then
      cp "$cache/$key.o" "$o" && objs+=("$o") && nreused=$((nreused + 1)) && continue
    fi
  fi
  if "${cmd[@]}" -c "$s" -o "$o" 2> "$o.log"; then
    if [ -n "$key" ]; then cp "$o" "$cache/$key.o.$$" && mv -f "$cache/$key.o.$$" "$cache/$key.o"; fi
  else
    missing=$(sed -n 's/.*fatal error: \([^:]*\): No such file or directory.*/\1/p' "$o.log" | head -n 1)
    if [ -n "$missing" ]; then
      fail "$s includes $missing, which is not in the copy: list $missing in $(entries "$fam" dir)/manifest.mk (${fam}_COMMON or ${fam}_REFERENCE)"
    fi
    head -n 30 "$o.log" >&2
    fail "$s does not compile in the copy (flags: ${fl:-none}; log above)"
  fi
  objs+=("$o")
done

# 3. Link with nothing but the copy's objects (and the C++/OpenMP runtime), and run.
if ! "$CXX" -fopenmp "${objs[@]}" -o smoke 2> link.log; then
  syms=$(sed -n "s/.*undefined reference to \`\(.*\)'.*/\1/p" link.log | sort -u)
  [ -n "$syms" ] || { head -n 30 link.log >&2; fail "the link fails (log above)"; }
  echo "copy-check $fam: undefined in the copy:" >&2
  allwhere=""
  while IFS= read -r sym; do
    where=""
    if [ -n "$objdir" ] && [ -d "$root/$objdir" ]; then
      where=$(cd "$root/$objdir" && find . -name '*.o' -print0 | xargs -0 nm -C --defined-only -A 2>/dev/null |
              awk -v s="$sym" '{ f = $1; sub(/:[0-9a-f]*$/, "", f); n = $0; sub(/^[^ ]+ [^ ]+ /, "", n) }
                               n == s && $2 ~ /^[A-Z]$/ { print f }' | sed 's|^\./||; s|\.o$|.cpp|' | sort -u | tr '\n' ' ' | sed 's/ $//')
    fi
    echo "  $sym${where:+   (defined by $where)}" >&2
    allwhere="$allwhere $where"
  done <<< "$syms"
  allwhere=$(printf '%s\n' $allwhere | sort -u | tr '\n' ' ' | sed 's/ $//')
  fail "the copy does not link: $(entries "$fam" dir)/manifest.mk misses ${allwhere:-the source(s) defining the symbols above}"
fi
{ ./smoke > run.log 2>&1; } 2> /dev/null  # (no "Illegal instruction" line from bash: see rc)
rc=$?
if [ $rc -eq 132 ] || [ $rc -eq 4 ]; then
  if grep -qx "$fam\( .*\)\?" <(sed 's/[[:space:]]*#.*//; s/[[:space:]]*$//' "$root/tools/copy_check/known_sigill.txt" 2>/dev/null); then
    msg "WARNING: copy and build ok (${#objs[@]} sources${cache:+, $nreused from the cache}), but the smoke program died of SIGILL (known: tools/copy_check/known_sigill.txt) [$((SECONDS - start)) s]"
    cd "$root" && [ "${COPY_CHECK_KEEP:-0}" = 1 ] || rm -rf "$tmp"
    exit 0
  fi
  cat run.log >&2
  fail "the smoke program died of SIGILL: code compiled with ISA flags ran on a CPU without them (where: gdb -batch -ex run -ex bt $tmp/smoke)"
fi
if [ $rc -ne 0 ]; then
  cat run.log >&2
  fail "the smoke program exited with status $rc"
fi
if grep -qx "$fam" <(sed 's/[[:space:]]*#.*//; s/[[:space:]]*$//' "$root/tools/copy_check/known_sigill.txt" 2>/dev/null); then
  msg "note: listed in tools/copy_check/known_sigill.txt but ran fine here"
fi
msg "ok: ${#fams[@]} folder(s) + $ncopied named file(s) copied, ${#objs[@]} sources compiled ($OPT${cache:+, $nreused reused from the cache}), $(tail -n 1 run.log) [$((SECONDS - start)) s]"
cd "$root" && [ "${COPY_CHECK_KEEP:-0}" = 1 ] || rm -rf "$tmp"
