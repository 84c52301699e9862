#!/usr/bin/env python3
"""Side-by-side benchmark: wavenet (release build) against PyTorch on the same model.

  python3 Benchmarks/compare.py train    [--rounds 5] [--threads 2] [--batch 4] [--segment 8000] [--steps 4]
  python3 Benchmarks/compare.py generate [--rounds 5] [--threads 1] [--streams 1] [--samples 16000]

Runs the two alternately, `rounds` times each, so that load on a shared machine hits both alike;
reports the median of each and the ratio. Needs `swift build -c release` first and
`pip install torch==2.13.0+cpu`.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
WAVENET = os.path.join(ROOT, ".build", "release", "wavenet")
PEER = os.path.join(ROOT, "Benchmarks", "torch_peer.py")


def run(command):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["train", "generate"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--segment", type=int, default=8000)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--streams", type=int, default=1)
    parser.add_argument("--samples", type=int, default=16000)
    parser.add_argument("--torch-samples", type=int, help="samples per stream for PyTorch (it is slow); default --samples / 8")
    args = parser.parse_args()
    if args.mode == "train":
        threads = args.threads or 2
        common = ["--batch", str(args.batch), "--segment", str(args.segment), "--steps", str(args.steps), "--threads", str(threads)]
        swift = [WAVENET, "bench", "train", "--json"] + common
        torch = [sys.executable, PEER, "train"] + common
    else:
        threads = args.threads or 1
        torch_samples = args.torch_samples or max(500, args.samples // 8)
        swift = [WAVENET, "bench", "generate", "--json", "--streams", str(args.streams), "--samples", str(args.samples), "--threads", str(threads),
                 "--precision", "float"]  # PyTorch runs float32 weights
        torch = [sys.executable, PEER, "generate", "--streams", str(args.streams), "--samples", str(torch_samples), "--threads", str(threads)]
    results = {"wavenet": [], "pytorch": []}
    memory = {"wavenet": [], "pytorch": []}
    for r in range(args.rounds):
        for name, command in (("wavenet", swift), ("pytorch", torch)):
            result = run(command)
            results[name].append(result["samples_per_second"])
            memory[name].append(result.get("peak_memory_bytes", 0))
            print(f"round {r + 1} {name:8s} {result['samples_per_second']:12.0f} samples/s", file=sys.stderr)
    medians = {k: statistics.median(v) for k, v in results.items()}
    summary = {
        "mode": args.mode,
        "threads": threads,
        "rounds": args.rounds,
        "wavenet_samples_per_second": medians["wavenet"],
        "pytorch_samples_per_second": medians["pytorch"],
        "ratio": medians["wavenet"] / medians["pytorch"],
        "wavenet_peak_memory_bytes": max(memory["wavenet"]),
        "pytorch_peak_memory_bytes": max(memory["pytorch"]),
        "wavenet_runs": results["wavenet"],
        "pytorch_runs": results["pytorch"],
    }
    if args.mode == "train":
        summary.update(batch=args.batch, segment=args.segment)
    else:
        summary.update(streams=args.streams, samples=args.samples)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
