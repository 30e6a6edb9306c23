#!/usr/bin/env python3
"""Regenerate README.md's results table (between <!-- results:begin --> and <!-- results:end -->).

    make readme-results            (after make bench)
    python3 tools/update_readme_results.py --csv build/bench/summary.csv \
        --json build/bench/results.json --readme README.md [--shapes square.1024,llama7b.q_proj.m1]

The table is generated, never typed: rows = family x threads x variant from summary.csv
(bench/summarize.py), columns = a few representative shapes, cells = rate, with the speedup over
the fastest library at that shape (x lib) and, for families other than gemm_f32, over the fp32
baseline (x fp32). The machine line (CPU, cores, caches, compiler, commit, date, measured peak)
comes from the JSON context. Exits non-zero, changing nothing, when an input or the markers
are missing.
"""
import argparse
import csv
import json
import os
import sys

BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
# Square GEMM at a cache-friendly and a big size; decode (M = 1, 8) with weights streamed from
# DRAM; prefill (M = 128, 512) compute-bound.
DEFAULT_SHAPES = ["square.1024", "square.4096", "llama7b.q_proj.m1", "llama7b.ffn_up.m8",
                  "llama7b.q_proj.m128", "bert.ffn_up.m512"]
BASELINE_FAMILY = "gemm_f32"


def fail(msg):
    print(f"update_readme_results: {msg}", file=sys.stderr)
    sys.exit(1)


def num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def machine_lines(context, rows):
    peaks = {}
    for r in rows:
        if r["family"] == "peak" and num(r["rate"]):
            t = int(r["threads"])
            peaks[t] = max(peaks.get(t, 0.0), num(r["rate"]))
    cpu = context.get("ik_cpu_model", context.get("host_name", "unknown CPU"))
    lines = [f"Machine: {cpu}, {context.get('ik_cores', context.get('num_cpus', '?'))} cores, "
             f"L2 {context.get('ik_l2_per_core', '?')} per core, L3 {context.get('ik_l3', '?')}; "
             f"{context.get('ik_compiler', '?')}; commit `{context.get('ik_git_commit', '?')}`, "
             f"{context.get('ik_date_utc', context.get('date', '?'))}."]
    if peaks:
        lines.append("Measured fp32 FMA peak: " +
                     ", ".join(f"{p:.0f} GFLOP/s ({t} thread{'s' if t > 1 else ''})" for t, p in sorted(peaks.items())) + ".")
    if context.get("ik_cache_policy"):
        lines.append(f"Weights: {context['ik_cache_policy']}.")
    return lines


def cell(r):
    rate = num(r["rate"])
    if rate is None:
        return ""
    text = f"{rate:.3g}" if rate < 100 else f"{rate:.0f}"
    parts = []
    if r["family"] != BASELINE_FAMILY and num(r["x_fp32"]):
        parts.append(f"{num(r['x_fp32']):.2f}x fp32")
    if num(r["x_library"]):
        parts.append(f"{num(r['x_library']):.2f}x lib")
    return text + (f" ({', '.join(parts)})" if parts else "")


def build_table(rows, shapes):
    present = [s for s in shapes if any(r["shape"] == s for r in rows)]
    if not present:  # a FILTERed run: take the first shapes it has
        present = list(dict.fromkeys(r["shape"] for r in rows if r["family"] not in ("peak", "pack_b") and r["shape"]))[:6]
    if not present:
        return None
    units = {r["rate_unit"] for r in rows if r["shape"] in present}
    keys = []  # (family, threads, variant) in summary order
    cells, is_lib = {}, {}
    for r in rows:
        if r["shape"] not in present:
            continue
        key = (r["family"], int(r["threads"]), r["variant"])
        if key not in cells:
            keys.append(key)
            cells[key] = {}
        cells[key][r["shape"]] = cell(r)
        is_lib[key] = r.get("source", "ik") not in ("ik", "peak")
    # Summary order, regrouped: per family and thread count, the project's variants, then the
    # libraries they are measured against.
    fam_rank = {f: i for i, f in reversed(list(enumerate(k[0] for k in keys)))}
    first = {k: i for i, k in enumerate(keys)}
    keys.sort(key=lambda k: (fam_rank[k[0]], k[1], is_lib[k], first[k]))
    head = ["family", "threads", "variant"] + [f"`{s}`" for s in present]
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 3 + ["---:"] * len(present)) + "|"]
    for key in keys:
        fam, t, var = key
        out.append("| " + " | ".join([fam, str(t), f"`{var}`"] + [cells[key].get(s, "") for s in present]) + " |")
    unit = "/".join(sorted(units)) or "rate"
    return out, unit, present


def fmt_time(ns):
    ns = num(ns)
    if ns is None:
        return ""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_x(x):
    x = num(x)
    return "" if x is None else f"{x:.2f}x"


def detail_rows(rows, family):
    """The project's rows of one family, without its fp32 baseline rows and library rows (their
    times are in the ratios). gemm_f32: the dispatched variant (plain and pre-packed) on the
    square sweep and the skinny (M <= 32) Llama layers, the shapes the fp32 targets name."""
    fam = [r for r in rows if r["family"] == family and r.get("source", "ik") == "ik"]
    if family != BASELINE_FAMILY:
        return [r for r in fam if r.get("role", "") != "fp32"]
    base = {r["variant"] for r in fam if r.get("role", "") == "fp32"}
    keep = base | {v + "_prepacked" for v in base}
    skinny = lambda s: s.startswith("llama7b.") and s.rsplit(".", 1)[-1] in ("m1", "m8", "m32")
    return [r for r in fam if r["variant"] in keep and (r["shape"].startswith("square.") or skinny(r["shape"]))]


def build_detail(rows, family):
    sel = detail_rows(rows, family)
    if not sel:
        return None
    out = ["| shape | threads | variant | time | rate | x fp32 | x library | library |",
           "|---|---:|---|---:|---:|---:|---:|---|"]
    for r in sel:
        rate = num(r["rate"])
        out.append("| " + " | ".join([f"`{r['shape']}`", r["threads"], f"`{r['variant']}`", fmt_time(r["time_ns"]),
                                      "" if rate is None else f"{rate:.4g} {r['rate_unit']}", fmt_x(r["x_fp32"]),
                                      fmt_x(r["x_library"]), r["library"]]) + " |")
    return out


DETAIL_FAMILIES = [
    ("gemm_f32", "fp32 GEMM against OpenBLAS / oneDNN (square sweep; skinny Llama-7B layers with "
                 "pre-packed weights streamed from memory; at M = 1 the library is OpenBLAS sgemv)"),
    ("binary", "Binary networks (x fp32: over the fp32 GEMM / im2col conv / GEMV of the same logical shape)"),
    ("sparse_csr", "CSR sparse weights, 4096 x 4096, by sparsity and N (x fp32: over the dense "
                   "pre-packed fp32 GEMM; x library: over Eigen 3.4 SparseMatrix<float, RowMajor>)"),
    ("sparse_24", "2:4 structured sparsity, 4096 x 4096 (x fp32: over the dense pre-packed fp32 GEMM)"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--csv", default="build/bench/summary.csv")
    ap.add_argument("--json", default="build/bench/results.json")
    ap.add_argument("--readme", default="README.md")
    ap.add_argument("--shapes", default=",".join(DEFAULT_SHAPES), help="comma-separated shape names (columns)")
    args = ap.parse_args()

    if not os.path.exists(args.readme):
        fail(f"{args.readme} does not exist yet (the lead writes it); nothing to update")
    with open(args.readme) as f:
        readme = f.read()
    if readme.count(BEGIN) != 1 or readme.count(END) != 1 or readme.index(BEGIN) > readme.index(END):
        fail(f"{args.readme} needs exactly one '{BEGIN}' followed by one '{END}'")
    if not os.path.exists(args.csv):
        fail(f"{args.csv} not found: run `make bench` first")
    with open(args.csv, newline="") as f:
        rows = list(csv.DictReader(f))
    context = {}
    if os.path.exists(args.json):
        with open(args.json) as f:
            context = json.load(f).get("context", {})
    else:
        print(f"update_readme_results: {args.json} not found; machine line left out", file=sys.stderr)

    built = build_table(rows, [s for s in args.shapes.split(",") if s])
    if built is None:
        fail(f"{args.csv} has no benchmark rows to tabulate")
    table, unit, present = built
    block = [BEGIN, ""] + machine_lines(context, rows) + [
        "",
        f"Rates in {unit}; `(0.95x lib)` = speedup over the fastest library at that shape and thread "
        "count (OpenBLAS / oneDNN, named in summary.csv); `x fp32` = over the dispatched fp32 sgemm. "
        "`*_prepacked` = weights packed once, outside the timing. All rows: `build/bench/summary.csv`; "
        "figures: `make plots`.",
        "",
    ] + table
    for family, title in DETAIL_FAMILIES:
        detail = build_detail(rows, family)
        if detail:
            block += ["", f"**{title}**", ""] + detail
    block += ["", END]
    start, end = readme.index(BEGIN), readme.index(END) + len(END)
    new = readme[:start] + "\n".join(block) + readme[end:]
    if new != readme:
        with open(args.readme, "w") as f:
            f.write(new)
    print(f"update_readme_results: {args.readme}: {len(table) - 2} rows x {len(present)} shapes"
          + ("" if new != readme else " (unchanged)"))


if __name__ == "__main__":
    main()
