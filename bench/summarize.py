#!/usr/bin/env python3
"""Summarize ik_bench's Google Benchmark JSON: one table on stdout, one CSV.

    python3 bench/summarize.py build/bench/results.json --csv build/bench/summary.csv
    (make bench runs it; make bench FILTER=... summarizes the subset that ran)

Generic by naming alone (bench/bench_common.h documents the scheme), so a new family
(gemm_f16, gemm_s8, binary, sparse_24 ...) needs no change here:
  name   <family>/<variant>/<shape>/threads:<t>   (Google Benchmark's /real_time etc. dropped)
  label  key=value pairs: M N K cache peak=KEY lib=NAME role=fp32; peak rows carry peak_key=KEY
  rate   the user counter named by its unit: GFLOP/s, GOP/s, Gbitop/s or GB/s
  shape  a name of bench/shapes.h, "<model>.<layer>[.<variant>]". Its kind (gemm, conv,
         attention), FLOPs and fewest bytes come from the table the bench writes into the JSON
         context ("ik_shapes"); for a JSON without it (older runs) or a name not in it, the kind
         is read off the name: "square.<n>" and "<layer>.m<M>" are gemm, "<model>.attn.n<N>..."
         attention, anything else unknown (""). A row without a rate counter gets GFLOP/s from
         the table's FLOPs.

Ratios, each a speedup (> 1: this row is faster), taken at the same shape and thread count:
  x_fp32     time(fp32 baseline) / time(row). The baseline is the row labelled role=fp32: the
             gemm_f32 variant dispatch picks. Any family's row at that shape gets one, so an
             int8 GEMM at llama7b.q_proj.m1 reads directly as "x times fp32".
  x_library  time(fastest library row of the same family) / time(row), that library named in
             `library`. Empty for library rows themselves and where no library ran.
  % peak     rate / measured peak (the fastest peak row with peak_key=KEY at those threads).
With --benchmark_repetitions, the median is used (the aggregate if reported, else computed).
"""
import argparse
import csv
import json
import math
import re
import statistics
import sys

RATE_UNITS = ("GFLOP/s", "GOP/s", "Gbitop/s", "GB/s")
# Suffixes Google Benchmark appends to a name (UseRealTime, MinTime, Iterations, Repetitions).
GB_SUFFIX = re.compile(
    r"^(real_time|manual_time|process_time|min_time:.*|min_warmup_time:.*|iterations:\d+|repeats:\d+)$")
NS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
CSV_COLUMNS = ["family", "variant", "shape", "threads", "time_ns", "rate", "x_fp32", "x_library",
               "library", "rate_unit", "pct_peak", "rel_err", "M", "N", "K", "cache", "source", "role",
               "kind", "flops", "min_bytes"]
# Shape names whose kind the name itself gives (bench/shapes.h's patterns), for JSON without a table.
KIND_PATTERNS = [("gemm", re.compile(r"^square\.\d+$")), ("gemm", re.compile(r"^.+\.m\d+$")),
                 ("attention", re.compile(r"^.+\.attn\.n\d+(_kv\d+)?$"))]


def parse_name(name):
    """(family, variant, shape, threads) from '<family>/<variant>/<shape>/threads:<t>'."""
    parts = [p for p in name.split("/") if not GB_SUFFIX.match(p)]
    threads, end = 1, len(parts)
    for i, p in enumerate(parts):
        m = re.fullmatch(r"threads:(\d+)", p)
        if m:
            threads, end = int(m.group(1)), i
            break
    core = parts[:end]
    family = core[0] if core else name
    variant = core[1] if len(core) > 1 else ""
    shape = "/".join(core[2:])
    return family, variant, shape, threads


def parse_label(label):
    out = {}
    for tok in (label or "").split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            out[k] = v
    return out


def rate_of(bench):
    for unit in RATE_UNITS:
        if unit in bench:
            return float(bench[unit]), unit
    for k, v in bench.items():  # any other "<unit>/s" counter
        if k.endswith("/s") and isinstance(v, (int, float)) and k not in ("bytes_per_second", "items_per_second"):
            return float(v), k
    return None, ""


def load(path):
    with open(path) as f:
        data = json.load(f)
    return data.get("context", {}), data.get("benchmarks", [])


def shape_table(context):
    """{shape name: {"kind", "flops", "min_bytes", dims...}} from the context's ik_shapes."""
    try:
        table = json.loads(context.get("ik_shapes") or "{}")
    except ValueError:
        return {}
    return table if isinstance(table, dict) else {}


def shape_info(shape, table):
    """(kind, flops, min_bytes) of a shape name: the table's, else the kind its name shows."""
    info = table.get(shape)
    if isinstance(info, dict):
        return info.get("kind", ""), info.get("flops"), info.get("min_bytes")
    for kind, pattern in KIND_PATTERNS:
        if shape and pattern.match(shape):
            return kind, None, None
    return "", None, None


def collect(benchmarks, shapes=None):
    """One measurement per run name: the median aggregate, else the median of the iteration runs."""
    shapes = shapes or {}
    runs, medians, errors, order = {}, {}, [], []
    for b in benchmarks:
        run_name = b.get("run_name", b["name"])
        if b.get("error_occurred"):
            errors.append((run_name, b.get("error_message", "")))
            continue
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[run_name] = b
            continue
        if run_name not in runs:
            runs[run_name] = []
            order.append(run_name)
        runs[run_name].append(b)
    rows = []
    for run_name in order:
        its = runs[run_name]
        base = medians.get(run_name, its[0])
        time_ns = float(base["real_time"]) * NS_PER_UNIT.get(base.get("time_unit", "ns"), 1.0)
        rate, unit = rate_of(base)
        if run_name not in medians and len(its) > 1:
            time_ns = statistics.median(
                float(b["real_time"]) * NS_PER_UNIT.get(b.get("time_unit", "ns"), 1.0) for b in its)
            rates = [rate_of(b)[0] for b in its]
            rate = statistics.median(rates) if None not in rates else None
        family, variant, shape, threads = parse_name(run_name)
        label = parse_label(base.get("label", ""))
        # rel_err: a counter set by reduced-precision families (relative error of the result
        # against the fp32 reference on the same real-valued inputs), so speed and accuracy
        # are read side by side.
        rel_err = base.get("rel_err")
        kind, flops, min_bytes = shape_info(shape, shapes)
        if rate is None and flops and time_ns > 0:
            rate, unit = flops / time_ns, "GFLOP/s"  # FLOP per ns = GFLOP/s
        rows.append(dict(family=family, variant=variant, shape=shape, threads=threads, time_ns=time_ns,
                         rate=rate, rate_unit=unit, label=label, kind=kind, flops=flops, min_bytes=min_bytes,
                         rel_err=float(rel_err) if isinstance(rel_err, (int, float)) else None))
    return rows, errors


def add_ratios(rows):
    baseline = {(r["shape"], r["threads"]): r["time_ns"] for r in rows if r["label"].get("role") == "fp32"}
    libraries = {}
    for r in rows:
        if "lib" in r["label"]:
            key = (r["family"], r["shape"], r["threads"])
            if key not in libraries or r["time_ns"] < libraries[key][0]:
                libraries[key] = (r["time_ns"], r["variant"])
    peaks = {}
    for r in rows:
        key = r["label"].get("peak_key")
        if key and r["rate"] is not None:
            k = (key, r["threads"])
            peaks[k] = max(peaks.get(k, 0.0), r["rate"])
    for r in rows:
        lab = r["label"]
        base = baseline.get((r["shape"], r["threads"])) if r["shape"] else None
        r["x_fp32"] = base / r["time_ns"] if base and r["time_ns"] > 0 else None
        lib = libraries.get((r["family"], r["shape"], r["threads"]))
        if lib and "lib" not in lab and r["time_ns"] > 0:
            r["x_library"], r["library"] = lib[0] / r["time_ns"], lib[1]
        else:
            r["x_library"], r["library"] = None, ""
        peak = peaks.get((lab.get("peak"), r["threads"]))
        r["pct_peak"] = 100.0 * r["rate"] / peak if peak and r["rate"] is not None else None
        r["source"] = lab.get("lib", "peak" if "peak_key" in lab else "ik")


def sort_rows(rows):
    """Registration order, grouped: family, then shape, then threads, then variant."""
    rank = {}
    for field in ("family", "shape", "variant"):
        rank[field] = {}
        for r in rows:
            rank[field].setdefault(r[field], len(rank[field]))
    rows.sort(key=lambda r: (rank["family"][r["family"]], rank["shape"][r["shape"]], r["threads"],
                             rank["variant"][r["variant"]]))


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_x(x):
    return "" if x is None else f"{x:.2f}x"


def print_table(rows, context, out=sys.stdout):
    if context:
        bits = [context.get("ik_cpu_model", context.get("host_name", "")),
                f"{context.get('ik_cores', context.get('num_cpus', '?'))} cores",
                f"L3 {context.get('ik_l3', '?')}", f"commit {context.get('ik_git_commit', '?')}",
                context.get("ik_date_utc", context.get("date", ""))]
        print("  ".join(b for b in bits if b), file=out)
        if context.get("ik_cache_policy"):
            print(f"weights: {context['ik_cache_policy']}", file=out)
        try:
            load = float(context.get("ik_loadavg_at_start", "0").split()[0])
        except ValueError:
            load = 0.0
        if load >= 0.5:
            print(f"WARNING: load average {load:.2f} when the run started: other processes share these "
                  "cores, so the all-threads rows (and their peak) are unreliable", file=out)
    head = ["family", "variant", "shape", "kind", "thr", "time", "rate", "%peak", "x_fp32", "x_library",
            "library", "rel_err"]
    table = []
    for r in rows:
        rate = "" if r["rate"] is None else f"{r['rate']:.4g} {r['rate_unit']}"
        pct = "" if r["pct_peak"] is None else f"{r['pct_peak']:.0f}%"
        table.append([r["family"], r["variant"], r["shape"], r.get("kind", ""), str(r["threads"]),
                      fmt_time(r["time_ns"]), rate, pct, fmt_x(r["x_fp32"]), fmt_x(r["x_library"]), r["library"],
                      "" if r["rel_err"] is None else f"{r['rel_err']:.1e}"])
    widths = [max([len(h)] + [len(t[i]) for t in table]) for i, h in enumerate(head)]
    right = {4, 5, 6, 7, 8, 9}

    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    print(line(head).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    prev = None
    for r, cells in zip(rows, table):
        group = (r["family"], r["shape"])
        if prev is not None and group != prev:
            print("", file=out)  # a blank line between shapes keeps one table scannable
        prev = group
        print(line(cells).rstrip(), file=out)


def write_csv(rows, path):
    def num(x, digits):
        return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}g}"

    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for r in rows:
            lab = r["label"]
            w.writerow([r["family"], r["variant"], r["shape"], r["threads"], num(r["time_ns"], 8), num(r["rate"], 6),
                        num(r["x_fp32"], 4), num(r["x_library"], 4), r["library"], r["rate_unit"],
                        num(r["pct_peak"], 4), num(r["rel_err"], 3), lab.get("M", ""), lab.get("N", ""), lab.get("K", ""),
                        lab.get("cache", ""), r["source"], lab.get("role", ""), r.get("kind", ""),
                        num(r.get("flops"), 12), num(r.get("min_bytes"), 12)])


def summarize(json_path):
    context, benchmarks = load(json_path)
    rows, errors = collect(benchmarks, shape_table(context))
    add_ratios(rows)
    sort_rows(rows)
    return context, rows, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", help="Google Benchmark JSON (ik_bench --benchmark_out=...)")
    ap.add_argument("--csv", help="write the summary rows here")
    args = ap.parse_args()
    try:
        context, rows, errors = summarize(args.results)
    except (OSError, ValueError) as e:
        sys.exit(f"summarize: cannot read {args.results}: {e} (run `make bench` first)")
    if not rows and not errors:
        sys.exit(f"summarize: no benchmark results in {args.results} (did FILTER match nothing?)")
    print_table(rows, context)
    if errors:
        print(f"\n{len(errors)} benchmark(s) reported an error (no row above):")
        for name, msg in errors:
            print(f"  {name}: {msg}")
    if args.csv:
        write_csv(rows, args.csv)
        print(f"\nwrote {args.csv} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
