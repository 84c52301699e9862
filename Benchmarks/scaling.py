#!/usr/bin/env python3
"""Data-parallel training under MPI (issue 12): how close two processes come to one.

  python3 Benchmarks/scaling.py [--rounds 3] [--steps 12] [--batch 4] [--segment 8000]

Trains the default model on the bundled piano (a folder of links to Samples/piano-*.flac) in
three ways, alternated round by round so that a shared machine's load hits all alike:
  1 x 2   one process, two threads
  2 x 1   mpirun -np 2, one thread each, shared memory (Open MPI's vader)
  2 x 1 tcp   the same over TCP loopback (--mca btl tcp,self), as between hosts
From each run's --log: the median samples/s over its steps after the first two, and for the MPI
runs the median time each step spends in MPI_Allreduce as a fraction of the step. Prints the
gradient bytes each rank sends per step with a ring all-reduce, 2 (N-1)/N x 4 x parameters.
Needs `swift build -c release` and Open MPI (scripts/install-deps.sh installs it).
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
WAVENET = os.path.join(ROOT, ".build", "release", "wavenet")
MPI_ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def run(config, data, work, args):
    processes, threads, tcp = config
    checkpoint, log = os.path.join(work, "model.safetensors"), os.path.join(work, "log.jsonl")
    for path in (checkpoint, log):
        if os.path.exists(path):
            os.remove(path)
    command = [WAVENET, "train", data, "--checkpoint", checkpoint, "--log", log, "--steps", str(args.steps),
               "--batch", str(args.batch), "--segment", str(args.segment), "--threads", str(threads),
               "--validate-every", "100000", "--save-every", "100000", "--validation-fraction", "0"]
    if processes > 1:
        command = ["mpirun", "-np", str(processes)] + (["--mca", "btl", "tcp,self"] if tcp else []) + command
    subprocess.run(command, check=True, capture_output=True, env=MPI_ENV)
    entries = [json.loads(line) for line in open(log)][2:]
    rate = statistics.median(e["samples_per_second"] for e in entries)
    step_seconds = args.batch * args.segment / rate
    communication = statistics.median(e.get("communication_seconds", 0) for e in entries) / step_seconds
    return rate, communication


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--segment", type=int, default=8000)
    args = parser.parse_args()
    configs = {"1 x 2": (1, 2, False), "2 x 1": (2, 1, False), "2 x 1 tcp": (2, 1, True)}
    results = {name: [] for name in configs}
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "piano")
        os.mkdir(data)
        for path in sorted(glob.glob(os.path.join(ROOT, "Samples", "piano-*.flac"))):
            os.symlink(os.path.abspath(path), os.path.join(data, os.path.basename(path)))
        for round_ in range(args.rounds):
            for name, config in configs.items():
                results[name].append(run(config, data, work, args))
                print(f"round {round_ + 1} {name}: {results[name][-1][0]:.0f} samples/s, "
                      f"communication {100 * results[name][-1][1]:.2f}% of a step", flush=True)
        info = json.loads(subprocess.run([WAVENET, "info", os.path.join(work, "model.safetensors"), "--json"],
                                         check=True, capture_output=True, text=True).stdout)
    parameters = info["parameters"]
    base = statistics.median(r for r, _ in results["1 x 2"])
    print(f"\ndefault model, {parameters} parameters; batch {args.batch} x {args.segment}; median of {args.rounds} rounds")
    print("| processes x threads | samples/s | of 1 x 2 | MPI_Allreduce, share of a step |")
    print("| --- | ---: | ---: | ---: |")
    for name in configs:
        rate = statistics.median(r for r, _ in results[name])
        communication = statistics.median(c for _, c in results[name])
        print(f"| {name} | {rate:,.0f} | {100 * rate / base:.0f}% | {100 * communication:.2f}% |")
    print(f"gradient: {4 * parameters:,} bytes; each of 2 ranks sends {2 * (2 - 1) / 2 * 4 * parameters:,.0f} bytes a step in a ring all-reduce")


if __name__ == "__main__":
    main()
