#!/usr/bin/env python3
"""Generation kernels side by side (issue 16): baseline against fused, each instruction set, float and half weights,
for the shapes `bench generate` covers, with the machine's own yardsticks from `bench peak`.

  python3 Benchmarks/kernels.py [--rounds 3] [--samples 32000]

The weight-read bound: `bench generate` times one core reading a buffer the size of the weights
(float or half) and divides that bandwidth by the bytes one step reads.

Every configuration runs its kernels alternately, `rounds` times, so that load on a shared machine
hits them alike; the table holds medians. Needs `swift build -c release` first. Pause any
background training first (kill -STOP PID) and note `uptime` beside the figures.
"""
import argparse
import json
import os
import statistics
import subprocess

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
WAVENET = os.path.join(ROOT, ".build", "release", "wavenet")
MODELS = {"default": os.path.join(ROOT, "Checkpoints", "default.safetensors"),
          "vocoder": os.path.join(ROOT, "Checkpoints", "vocoder.safetensors")}


def bench(arguments):
    out = subprocess.run([WAVENET, "bench"] + arguments + ["--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=32000)
    args = parser.parse_args()
    peak = bench(["peak", "--threads", "2"])
    print(f"sgemm 1024^3: {peak['sgemm_gflops']:.1f} GFLOP/s one thread, {peak['sgemm_threads_gflops']:.1f} two; "
          f"memory {peak['memory_gb_per_second']:.1f} GB/s; best path {peak['isa']}\n")
    configs = [("default", 1, 1), ("default", 16, 1), ("default", 16, 2), ("default", 64, 2),
               ("vocoder", 1, 1), ("vocoder", 16, 1), ("vocoder", 16, 2)]
    print("| model | streams | threads | kernel | samples/s | x real time per stream | GFLOP/s | of sgemm | of weight-read bound |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for model, streams, threads in configs:
        variants = [("baseline", None, "float"), ("fused", None, "float"), ("fused", None, "half")]
        if streams == 1:
            variants += [("fused", "avx2", "float"), ("fused", "avx2", "half"), ("fused", "plain", "float")]
        runs = {v: [] for v in variants}
        # Several streams: long enough runs (about a second) that thread start-up does not count.
        samples = args.samples if streams == 1 else max(8000, args.samples // 2)
        for _ in range(args.rounds):
            for kernel, isa, precision in variants:
                command = ["generate", "--checkpoint", MODELS[model], "--streams", str(streams), "--threads", str(threads),
                           "--samples", str(samples), "--kernel", kernel, "--precision", precision] + (["--isa", isa] if isa else [])
                runs[(kernel, isa, precision)].append(bench(command))
        for (kernel, isa, precision), results in runs.items():
            rate = statistics.median(r["samples_per_second"] for r in results)
            gflops = statistics.median(r["gflops"] for r in results)
            sgemm = statistics.median(r["sgemm_gflops"] for r in results)
            bound = statistics.median(r["weight_read_bound_samples_per_second"] for r in results)
            name = f"{kernel} ({isa or results[0]['isa']}{', half' if precision == 'half' else ''})"
            print(f"| {model} | {streams} | {threads} | {name} | {rate:,.0f} | {rate / streams / 16000:.2f} | {gflops:.1f} | "
                  f"{100 * gflops / sgemm:.0f}% | {100 * rate / streams / bound:.0f}% |" if streams == 1 else
                  f"| {model} | {streams} | {threads} | {name} | {rate:,.0f} | {rate / streams / 16000:.2f} | {gflops:.1f} | "
                  f"{100 * gflops / sgemm:.0f}% | |", flush=True)


if __name__ == "__main__":
    main()
