#!/usr/bin/env python3
"""Figures from ik_bench's JSON: how fast each kernel variant and each library baseline runs.

    make plots                                   (after make bench)
    python3 plots/plot.py build/bench/results.json --out plots

Writes, for every family and thread count that has the shapes:
  plots/<family>_square_threads<t>.png   rate vs n for the square sweep (log2 x), one line per
                                         variant, libraries dashed, measured peak as a line
  plots/<family>_models_threads<t>.png   grouped bars for the model layers (one panel per
                                         layer, groups by M = tokens, log y), peak as a line
Rows, ratios and the measured peak come from bench/summarize.py, so names parse the same way;
only GEMM rows (summarize's kind, from the shapes table in the JSON) are drawn here, so a conv or
attention shape whose name happens to end in ".m<digits>" never lands in a GEMM figure.
"""
import argparse
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")  # no display on build machines
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import summarize  # noqa: E402

SQUARE = re.compile(r"^square\.(\d+)$")
MODEL = re.compile(r"^(.+)\.m(\d+)$")


def colors_for(variants):
    cmap = plt.get_cmap("tab20")
    return {v: cmap(i % 20) for i, v in enumerate(sorted(variants))}


def peak_for(rows, peak_key, threads):
    """The measured peak a family's rows refer to (label peak=KEY), or None if it did not run
    or the family names none (then no row matches: a None key would match every non-peak row)."""
    if not peak_key:
        return None
    best = None
    for r in rows:
        if r["label"].get("peak_key") == peak_key and r["threads"] == threads and r["rate"]:
            best = max(best or 0.0, r["rate"])
    return best


def machine_line(context):
    bits = [context.get("ik_cpu_model", ""), f"{context.get('ik_cores', '?')} cores",
            f"commit {context.get('ik_git_commit', '?')}", context.get("ik_date_utc", "")[:10]]
    return ", ".join(b for b in bits if b)


def draw_peak(ax, rows, sample, threads):
    peak = peak_for(rows, sample["label"].get("peak"), threads)
    if peak:
        # Head room above the line so its label never collides with the title.
        ax.set_ylim(top=peak * (2.0 if ax.get_yscale() == "log" else 1.1))
        ax.axhline(peak, color="black", linewidth=1, linestyle=":")
        ax.annotate(f"measured peak {peak:.0f} {sample['rate_unit']}", xy=(0.01, peak), xycoords=("axes fraction", "data"),
                    va="bottom", fontsize=7)


def is_gemm(r):
    return r.get("kind", "gemm") == "gemm"


def plot_square(rows, family, threads, context, colors, out_dir):
    sel = [r for r in rows if r["family"] == family and r["threads"] == threads and SQUARE.match(r["shape"])
           and is_gemm(r) and r["rate"] is not None]
    if not sel:
        return None
    fig, ax = plt.subplots(figsize=(8, 5))
    variants = list(dict.fromkeys(r["variant"] for r in sel))
    for v in variants:
        pts = sorted((int(SQUARE.match(r["shape"]).group(1)), r["rate"], r) for r in sel if r["variant"] == v)
        is_lib = "lib" in pts[0][2]["label"]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", markersize=3, label=v, color=colors[v],
                linestyle="--" if is_lib else "-")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("M = N = K")
    ax.set_ylabel(sel[0]["rate_unit"])
    ax.set_ylim(bottom=0)
    draw_peak(ax, rows, sel[0], threads)
    ax.set_title(f"{family}, square, {threads} thread{'s' if threads > 1 else ''}\n{machine_line(context)}",
                 fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    path = os.path.join(out_dir, f"{family}_square_threads{threads}.png")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_models(rows, family, threads, context, colors, out_dir):
    sel = [r for r in rows if r["family"] == family and r["threads"] == threads and MODEL.match(r["shape"])
           and is_gemm(r) and r["rate"] is not None]
    if not sel:
        return None
    layers = list(dict.fromkeys(MODEL.match(r["shape"]).group(1) for r in sel))
    variants = list(dict.fromkeys(r["variant"] for r in sel))
    cols = min(3, len(layers))
    nrows = (len(layers) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(5.5 * cols, 3.6 * nrows), squeeze=False)
    width = 0.8 / max(1, len(variants))
    for idx, layer in enumerate(layers):
        ax = axes[idx // cols][idx % cols]
        lrows = [r for r in sel if MODEL.match(r["shape"]).group(1) == layer]
        ms = sorted({int(MODEL.match(r["shape"]).group(2)) for r in lrows})
        for vi, v in enumerate(variants):
            by_m = {int(MODEL.match(r["shape"]).group(2)): r for r in lrows if r["variant"] == v}
            xs = [i + (vi - (len(variants) - 1) / 2) * width for i, m in enumerate(ms) if m in by_m]
            ys = [by_m[m]["rate"] for m in ms if m in by_m]
            lib = any("lib" in r["label"] for r in by_m.values())
            ax.bar(xs, ys, width, color=colors[v], label=v, hatch="//" if lib else None, edgecolor="white",
                   linewidth=0.3)
        ax.set_yscale("log")
        draw_peak(ax, rows, lrows[0], threads)
        k, n = lrows[0]["label"].get("K", "?"), lrows[0]["label"].get("N", "?")
        ax.set_title(f"{layer} (K={k}, N={n})", fontsize=9)
        ax.set_xticks(range(len(ms)))
        ax.set_xticklabels([f"M={m}" for m in ms], fontsize=8)
        ax.set_ylabel(lrows[0]["rate_unit"], fontsize=8)
        ax.grid(True, axis="y", alpha=0.3)
    for idx in range(len(layers), nrows * cols):
        axes[idx // cols][idx % cols].axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8)
    fig.suptitle(f"{family}, model layers (M <= 32: weights cold in cache), {threads} thread"
                 f"{'s' if threads > 1 else ''}\n{machine_line(context)}", fontsize=10)
    fig.tight_layout(rect=(0, 0.04 + 0.025 * ((len(labels) + 3) // 4), 1, 1))
    path = os.path.join(out_dir, f"{family}_models_threads{threads}.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", help="Google Benchmark JSON written by make bench")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)), help="output folder")
    args = ap.parse_args()
    try:
        context, rows, _ = summarize.summarize(args.results)
    except (OSError, ValueError) as e:
        sys.exit(f"plot: cannot read {args.results}: {e} (run `make bench` first)")
    os.makedirs(args.out, exist_ok=True)
    colors = colors_for({r["variant"] for r in rows})
    written = []
    families = list(dict.fromkeys(r["family"] for r in rows if r["family"] != "peak"))
    for family in families:
        for threads in sorted({r["threads"] for r in rows if r["family"] == family}):
            for fn in (plot_square, plot_models):
                path = fn(rows, family, threads, context, colors, args.out)
                if path:
                    written.append(path)
    if not written:
        sys.exit(f"plot: nothing to draw in {args.results} (no square.* or *.m<M> shapes)")
    for p in written:
        print(f"wrote {p}")


if __name__ == "__main__":
    main()
