#!/usr/bin/env python3
"""README table of a GPU benchmark run (the JSON that `make bench-gpu` or
tools/gpu_device_run.sh writes), between <!-- gpu-results:begin --> and <!-- gpu-results:end -->.

    tools/gpu_results_table.py bench/results/gpu_h200_2026-11-26b.json [--readme README.md] \
        [--exclude '256x128x32|hgemm_f32acc_128x256x64']

Rows: every variant of the run (ours and cuBLAS); columns: a few shapes. A cell is TFLOP/s (TOP/s
for int8) and, for our tensor-core kernels, the fraction of cuBLAS with the same input type in
the same run. Nothing is typed in by hand: rerun the script on a new JSON to refresh the table.
"""
import argparse
import json
import re
import sys

BEGIN, END = "<!-- gpu-results:begin -->", "<!-- gpu-results:end -->"
# Columns, keyed by bench/shapes.h's names (benchmarks "<variant>/<shape>/..."); runs before the
# shared names (2026-11-26) used "<variant>/<model>/<MxNxK>/...", mapped by OLD_NAMES.
SHAPES = [
    ("square.4096", "4096³"),
    ("square.8192", "8192³"),
    ("llama7b.q_proj.m2048", "Llama-7B qkvo 2048x4096x4096"),
    ("llama7b.ffn_down.m2048", "Llama-7B ffn_down 2048x4096x11008"),
    ("bert.ffn_up.m4096", "BERT ffn_up 4096x3072x768"),
    ("llama7b.q_proj.m16", "decode 16x4096x4096"),
]
OLD_NAMES = {
    "square/4096x4096x4096": "square.4096",
    "square/8192x8192x8192": "square.8192",
    "llama7b_qkvo/2048x4096x4096": "llama7b.q_proj.m2048",
    "llama7b_ffn_down/2048x4096x11008": "llama7b.ffn_down.m2048",
    "bert_ffn_up/4096x3072x768": "bert.ffn_up.m4096",
    "llama7b_decode/16x4096x4096": "llama7b.q_proj.m16",
}


def family(variant):
    if variant.startswith("cublas_"):
        return variant[len("cublas_"):]
    return {"sgemm": "f32", "hgemm": "f16", "bgemm": "bf16", "igemm": "s8"}[variant.split("_")[0]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--readme", default="README.md")
    ap.add_argument("--exclude", default=None,
                    help="regex of variants to leave out (e.g. tiles tried in that run, since removed)")
    args = ap.parse_args()
    data = json.load(open(args.json))
    tops = {}
    order = []
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration" or "TFLOP/s" not in b:
            continue
        parts = b["name"].split("/")
        variant = parts[0]
        key = OLD_NAMES.get("/".join(parts[1:3]), parts[1])
        if args.exclude and re.search(args.exclude, variant):
            continue
        if variant not in order:
            order.append(variant)
        tops[(variant, key)] = b["TFLOP/s"]
    fam_rank = {"f32": 0, "f16": 1, "bf16": 2, "s8": 3}
    order.sort(key=lambda v: (fam_rank[family(v)], not v.startswith("cublas_")))
    ctx = data["context"]
    lines = [
        f"GPU run: {ctx.get('gpu', '?')}, {ctx.get('date', '?')[:10]}, JSON `{args.json}`. "
        "Cells: TFLOP/s (int8: TOP/s) of 2·M·N·K; in parentheses our kernel as a fraction of "
        "cuBLAS with the same input type in the same run (fp32 SIMT: of cuBLAS fp32, no TF32).",
        "",
        "| variant | " + " | ".join(label for _, label in SHAPES) + " |",
        "|---|" + "---:|" * len(SHAPES),
    ]
    for v in order:
        cells = []
        for key, _ in SHAPES:
            t = tops.get((v, key))
            if t is None:
                cells.append("–")
                continue
            ref = tops.get((f"cublas_{family(v)}", key))
            if v.startswith("cublas_") or ref is None:
                cells.append(f"{t:.0f}" if t >= 10 else f"{t:.1f}")
            else:
                cells.append((f"{t:.0f}" if t >= 10 else f"{t:.1f}") + f" ({t / ref:.0%})")
        name = f"**{v}**" if v.startswith("cublas_") else f"`{v}`"
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    text = open(args.readme).read()
    if BEGIN not in text or END not in text:
        sys.exit(f"{args.readme}: markers {BEGIN} / {END} not found")
    pre, rest = text.split(BEGIN, 1)
    _, post = rest.split(END, 1)
    open(args.readme, "w").write(pre + BEGIN + "\n" + table + "\n" + END + post)
    print(table)


if __name__ == "__main__":
    main()
