#!/usr/bin/env bash
# Assert that each GPU kernel contains the instructions it was written for, without a GPU.
#
#   tools/check_gpu_instructions.sh [BUILD_GPU_DIR]              check every kernel in the table
#   tools/check_gpu_instructions.sh --self-test [BUILD_GPU_DIR]  prove the check can fail
#   tools/check_gpu_instructions.sh --summary [BUILD_GPU_DIR]    registers/spills per kernel only
#
# BUILD_GPU_DIR (default build/gpu) is what gpu/gpu.mk writes:
#   ptx/gpu/<family>/<file>.sm80.ptx, .sm90.ptx   PTX (nvcc --ptx) per virtual arch
#   obj/gpu/<family>/<file>.o                     objects with sm_80 and sm_90 SASS
#   log/gpu/<family>/<file>.ptxas.log             ptxas -v: registers, spill stores/loads
# For every kernel in KERNELS below, per arch (sm_80, sm_90):
#   * each PTX pattern must occur inside that kernel's .entry body (not just anywhere in the file);
#   * each SASS pattern must occur in that kernel's SASS, when cuobjdump is found (PATH, the CUDA
#     toolkit, or pip's nvidia-cuda-cuobjdump wheel); otherwise the SASS part says "skipped";
#   * "nospill": ptxas must report 0 bytes spill stores and 0 bytes spill loads for it.
# Kernels are matched by a substring of their mangled name, so template instances can be told
# apart (gemm16_mma_kernelI6__half vs gemm16_mma_kernelI13__nv_bfloat16).
# Exit status: 0 when every check passes, 1 otherwise.
set -uo pipefail

mode=check
case "${1:-}" in
  --self-test) mode=self-test; shift ;;
  --summary) mode=summary; shift ;;
  -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
esac
dir=${1:-build/gpu}

# file (under gpu/, no .cu) | mangled-name substring | PTX patterns (;) | SASS patterns (;) | spill rule
KERNELS=(
  "gemm/sgemm_v1_simt|sgemm_simt_kernel|fma.rn.f32;ld.shared.v4.f32|FFMA;LDS.128|nospill"
  "gemm/hgemm_v2_wmma|hgemm_wmma_kernel|wmma.load.a.sync.aligned.row.m16n16k16;wmma.mma.sync.aligned.row.row.m16n16k16.f32.f32|HMMA.16816.F32|nospill"
  "gemm/hgemm_v2b_wmma_multistage|hgemm_wmma_multistage_kernel|wmma.load.a.sync.aligned.row.m16n16k16;wmma.load.b.sync.aligned.row.m16n16k16;wmma.mma.sync.aligned.row.row.m16n16k16.f32.f32;cp.async.cg.shared.global;cp.async.wait_group|HMMA.16816.F32;LDSM.16.M88.4;LDSM.16.MT88.4;LDGSTS|nospill"
  "gemm/hgemm_v3_mma|gemm16_mma_kernelI6__halfNS1_7MmaTileILi128ELi128ELi32E|mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32;ldmatrix.sync.aligned.m8n8.x4.shared.b16;ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16;cp.async.cg.shared.global;cp.async.wait_group|HMMA.16816.F32;LDSM.16.M88.4;LDSM.16.MT88.4;LDGSTS|nospill"
  "gemm/hgemm_v3_mma|gemm16_mma_kernelI6__halfNS1_7MmaTileILi128ELi256ELi32E|mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32;ldmatrix.sync.aligned.m8n8.x4.shared.b16;ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16;cp.async.cg.shared.global;cp.async.wait_group|HMMA.16816.F32;LDSM.16.M88.4;LDSM.16.MT88.4;LDGSTS|nospill"
  "gemm/hgemm_v3_mma|gemm16_mma_kernelI13__nv_bfloat16NS1_7MmaTileILi128ELi128ELi32E|mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32;ldmatrix.sync.aligned.m8n8.x4.shared.b16;ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16;cp.async.cg.shared.global;cp.async.wait_group|HMMA.16816.F32.BF16;LDSM.16.M88.4;LDSM.16.MT88.4;LDGSTS|nospill"
  "gemm/hgemm_v3_mma|gemm16_mma_kernelI13__nv_bfloat16NS1_7MmaTileILi128ELi256ELi32E|mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32;ldmatrix.sync.aligned.m8n8.x4.shared.b16;ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16;cp.async.cg.shared.global;cp.async.wait_group|HMMA.16816.F32.BF16;LDSM.16.M88.4;LDSM.16.MT88.4;LDGSTS|nospill"
  "gemm/igemm_v3_mma_s8|igemm_s8_mma_kernelILb0ENS1_6I8TileILi128ELi128E|mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32;ldmatrix.sync.aligned.m8n8.x4.shared.b16;cp.async.cg.shared.global|IMMA.16832.S8.S8;LDSM.16.M88.4;LDGSTS|nospill"
  "gemm/igemm_v3_mma_s8|igemm_s8_mma_kernelILb0ENS1_6I8TileILi128ELi256E|mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32;ldmatrix.sync.aligned.m8n8.x4.shared.b16;cp.async.cg.shared.global|IMMA.16832.S8.S8;LDSM.16.M88.4;LDGSTS|nospill"
  "gemm/igemm_v3_mma_s8|igemm_s8_mma_kernelILb1ENS1_6I8TileILi128ELi128E|mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32;ldmatrix.sync.aligned.m8n8.x4.shared.b16;cp.async.cg.shared.global|IMMA.16832.S8.S8;LDSM.16.M88.4;LDGSTS|nospill"
)
ARCHS=(80 90)

find_cuobjdump() {
  local c
  for c in "$(command -v cuobjdump 2>/dev/null)" \
           "$(dirname "$(readlink -f "$(command -v nvcc 2>/dev/null || echo /nonexistent)")")/cuobjdump" \
           /usr/local/cuda/bin/cuobjdump; do
    [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return; }
  done
  local py
  for py in python3 python; do
    command -v "$py" >/dev/null 2>&1 || continue
    c=$("$py" - <<'EOF' 2>/dev/null
import glob, os, site, sys
roots = list(site.getsitepackages()) + [site.getusersitepackages()]
for r in roots:
    for p in sorted(glob.glob(os.path.join(r, "nvidia", "*", "bin", "cuobjdump"))):
        if os.access(p, os.X_OK):
            print(p); sys.exit(0)
EOF
)
    [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return; }
  done
}

# The body of every .entry whose name contains $2, from PTX file $1.
ptx_body() {
  awk -v k="$2" '
    /^[.a-z ]*\.entry / { inside = (index($0, k) > 0) }
    inside { print }
    inside && /^}/ { inside = 0 }' "$1"
}
# The SASS of every function whose name contains $3, from object $1 for sm_$2.
sass_body() {
  "$CUOBJDUMP" -sass -arch "sm_$2" "$1" 2>/dev/null | awk -v k="$3" '
    /Function : / { inside = (index($0, k) > 0) }
    inside { print }'
}
# "regs stack spill_stores spill_loads" for the first entry whose name contains $3, arch sm_$2.
ptxas_stats() {
  awk -v k="$3" -v arch="sm_$2" '
    /Compiling entry function/ { want = (index($0, k) > 0 && index($0, "for '\''" arch "'\''") > 0); next }
    want && /bytes stack frame/ {
      for (i = 1; i <= NF; i++) {
        if ($(i+1) == "bytes" && $(i+2) == "stack") stack = $i
        if ($(i+2) == "spill" && $(i+3) == "stores,") st = $i
        if ($(i+2) == "spill" && $(i+3) == "loads") ld = $i
      }
      next
    }
    want && /Used [0-9]+ registers/ {
      for (i = 1; i <= NF; i++) if ($i == "Used") regs = $(i+1)
      print regs, stack, st, ld; exit
    }' "$1"
}

fails=0
fail() { echo "  FAIL: $*"; fails=$((fails + 1)); }

# check_kernel DIR FILE KERNEL PTX_PATTERNS SASS_PATTERNS SPILL_RULE
check_kernel() {
  local d=$1 file=$2 kern=$3 ptx_pats=$4 sass_pats=$5 spill=$6 arch pat body stats
  local before=$fails
  local log="$d/log/gpu/$file.ptxas.log" obj="$d/obj/gpu/$file.o"
  for arch in "${ARCHS[@]}"; do
    local ptx="$d/ptx/gpu/$file.sm$arch.ptx" line="$kern sm_$arch:"
    if [ ! -f "$ptx" ]; then fail "$line missing $ptx (run make gpu)"; continue; fi
    body=$(ptx_body "$ptx" "$kern")
    if [ -z "$body" ]; then fail "$line no .entry matching '$kern' in $ptx"; continue; fi
    IFS=';' read -ra pats <<< "$ptx_pats"
    for pat in "${pats[@]}"; do
      grep -qF -- "$pat" <<< "$body" || fail "$line PTX lacks '$pat'"
    done
    line+=" PTX ok(${#pats[@]})"
    if [ -n "$CUOBJDUMP" ] && [ -n "$sass_pats" ]; then
      if [ ! -f "$obj" ]; then fail "$line missing $obj"; else
        body=$(sass_body "$obj" "$arch" "$kern")
        if [ -z "$body" ]; then fail "$line no SASS function matching '$kern' for sm_$arch"; else
          IFS=';' read -ra pats <<< "$sass_pats"
          for pat in "${pats[@]}"; do
            grep -qF -- "$pat" <<< "$body" || fail "$line SASS lacks '$pat'"
          done
          line+=" SASS ok(${#pats[@]})"
        fi
      fi
    else
      line+=" SASS skipped (no cuobjdump)"
    fi
    if [ -f "$log" ]; then
      stats=$(ptxas_stats "$log" "$arch" "$kern")
      if [ -z "$stats" ]; then fail "$line no ptxas -v entry for '$kern' in $log"; else
        read -r regs stack st ld <<< "$stats"
        line+=" regs $regs stack ${stack}B spill ${st}B/${ld}B"
        if [ "$spill" = nospill ] && { [ "$st" != 0 ] || [ "$ld" != 0 ]; }; then
          fail "$kern sm_$arch: ptxas reports spills: $st bytes stores, $ld bytes loads"
        fi
      fi
    else
      fail "$line missing $log"
    fi
    echo "  $line"
  done
  [ "$fails" -eq "$before" ]
}

summary() {
  local spec file kern
  for spec in "${KERNELS[@]}"; do
    IFS='|' read -r file kern _ _ _ <<< "$spec"
    for arch in "${ARCHS[@]}"; do
      local stats
      stats=$(ptxas_stats "$dir/log/gpu/$file.ptxas.log" "$arch" "$kern" 2>/dev/null)
      [ -n "$stats" ] || { echo "  $kern sm_$arch: (not built)"; continue; }
      read -r regs stack st ld <<< "$stats"
      echo "  $kern sm_$arch: $regs registers, stack ${stack}B, spill stores ${st}B, spill loads ${ld}B"
    done
  done
}

CUOBJDUMP=$(find_cuobjdump)
# cuobjdump -sass runs nvdisasm; the pip wheels (nvidia-cuda-cuobjdump, nvidia-cuda-nvdisasm)
# install both into the same bin/ directory, which need not be on PATH.
if [ -n "$CUOBJDUMP" ]; then
  cudir=$(dirname "$CUOBJDUMP")
  export PATH="$cudir:$PATH"
  if [ -x "$cudir/nvdisasm" ]; then export NVDISASM_PATH="$cudir"; fi
  if ! command -v nvdisasm >/dev/null 2>&1; then
    echo "note: $CUOBJDUMP found but not nvdisasm (pip install nvidia-cuda-nvdisasm): SASS checks skipped"
    CUOBJDUMP=
  fi
fi

case $mode in
  summary)
    echo "ptxas (from $dir/log):"
    summary
    exit 0 ;;
  check)
    echo "instruction check in $dir (cuobjdump: ${CUOBJDUMP:-not found, SASS checks skipped})"
    for spec in "${KERNELS[@]}"; do
      IFS='|' read -r file kern ptx_pats sass_pats spill <<< "$spec"
      check_kernel "$dir" "$file" "$kern" "$ptx_pats" "$sass_pats" "$spill" || true
    done
    if [ "$fails" -ne 0 ]; then echo "instruction check: FAILED ($fails)"; exit 1; fi
    echo "instruction check: all ${#KERNELS[@]} kernels ok"
    exit 0 ;;
  self-test)
    echo "self-test: cuobjdump: ${CUOBJDUMP:-not found}"
    ok=1
    # 1. The SIMT fp32 kernel must NOT pass a tensor-core check.
    fails=0
    if out=$(check_kernel "$dir" gemm/sgemm_v1_simt sgemm_simt_kernel \
               "mma.sync.aligned.m16n8k16" "HMMA.16816" nospill 2>&1); then
      echo "  self-test FAILED: the SIMT kernel passed a check for mma.sync / HMMA.16816"; ok=0
    elif ! grep -q "PTX lacks 'mma.sync.aligned.m16n8k16'" <<< "$out"; then
      echo "  self-test FAILED: the SIMT kernel failed for another reason:"; echo "$out"; ok=0
    elif [ -n "$CUOBJDUMP" ] && ! grep -q "SASS lacks 'HMMA.16816'" <<< "$out"; then
      echo "  self-test FAILED: the SASS check did not report the missing HMMA.16816:"; echo "$out"; ok=0
    else
      echo "  ok: the SIMT kernel is reported as lacking mma.sync.aligned.m16n8k16${CUOBJDUMP:+ and HMMA.16816}"
    fi
    # 2. Synthetic inputs: a clean kernel passes, the same kernel with spills fails, and a
    #    pattern that is only in another kernel of the same file is not credited.
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/ptx/gpu/fake" "$tmp/log/gpu/fake"
    for arch in "${ARCHS[@]}"; do
      printf '.version 8.0\n.visible .entry _Z9good_kernv(\n)\n{\n\tmma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 x;\n}\n.visible .entry _Z10other_kernv(\n)\n{\n\tcp.async.cg.shared.global x;\n}\n' \
        > "$tmp/ptx/gpu/fake/k.sm$arch.ptx"
    done
    : > "$tmp/log/gpu/fake/k.ptxas.log"
    for arch in "${ARCHS[@]}"; do
      printf "ptxas info    : Compiling entry function '_Z9good_kernv' for 'sm_%s'\nptxas info    : Function properties for _Z9good_kernv\n    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\nptxas info    : Used 40 registers, used 1 barriers\n" "$arch" >> "$tmp/log/gpu/fake/k.ptxas.log"
      printf "ptxas info    : Compiling entry function '_Z10other_kernv' for 'sm_%s'\nptxas info    : Function properties for _Z10other_kernv\n    8 bytes stack frame, 8 bytes spill stores, 12 bytes spill loads\nptxas info    : Used 255 registers, used 1 barriers\n" "$arch" >> "$tmp/log/gpu/fake/k.ptxas.log"
    done
    saved=$CUOBJDUMP; CUOBJDUMP=
    fails=0
    if check_kernel "$tmp" fake/k good_kern "mma.sync.aligned.m16n8k16" "" nospill >/dev/null 2>&1; then
      echo "  ok: a clean synthetic kernel passes"
    else
      echo "  self-test FAILED: a clean synthetic kernel was rejected"; ok=0
    fi
    fails=0
    if check_kernel "$tmp" fake/k other_kern "cp.async.cg.shared.global" "" nospill >/dev/null 2>&1; then
      echo "  self-test FAILED: 8 bytes of spill stores were not reported"; ok=0
    else
      echo "  ok: a kernel with spill stores/loads is reported"
    fi
    fails=0
    if check_kernel "$tmp" fake/k good_kern "cp.async.cg.shared.global" "" any >/dev/null 2>&1; then
      echo "  self-test FAILED: an instruction from another kernel was credited"; ok=0
    else
      echo "  ok: instructions are looked up inside the named kernel only"
    fi
    CUOBJDUMP=$saved
    if [ $ok = 1 ]; then echo "self-test: passed (the check can fail)"; exit 0; fi
    exit 1 ;;
esac
