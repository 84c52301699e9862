#!/usr/bin/env python3
"""The mel vocoder's figures (issue 10): quality against Griffin-Lim, and end-to-end speed.

  python3 Benchmarks/vocoder.py quality [--checkpoint V] [--seeds 1,2,3] [--temperatures 1.0] [FILES...]
  python3 Benchmarks/vocoder.py speed   [--checkpoint V] [--rounds 3] [FILE]
  (both take --precision auto|float|half, passed to generate; auto is its default)

quality: for each held-out file (default: the ones the checkpoint stores as validation files),
the vocoder's resynthesis (`wavenet generate --from FILE`, one seed per run) and Griffin-Lim
(librosa, 60 iterations) from the same mels, the ones `wavenet features` writes, are scored
against the original with wide-band PESQ (ITU-T P.862.2) and STOI. Per file the median over
seeds; then the median over files, speech and piano apart. An 8-bit mu-law round trip of the
original is the ceiling of any 256-class model. With several temperatures, one table each.

speed: wall time of `wavenet generate --from FILE --threads 1` (checkpoint load, features,
generation, writing) against the file's duration, median of `rounds`; also `bench generate`.
Pause any background training first (kill -STOP PID).

Needs `swift build -c release` and `pip install pesq pystoi librosa soundfile`.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import librosa
import numpy as np
import soundfile
from pesq import pesq
from pystoi import stoi

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
WAVENET = os.path.join(ROOT, ".build", "release", "wavenet")
DEFAULT = os.path.join(ROOT, "Checkpoints", "vocoder.safetensors")


def wavenet(*arguments):
    return subprocess.run([WAVENET, *arguments], check=True, capture_output=True, text=True).stdout


def info(checkpoint):
    return json.loads(wavenet("info", checkpoint, "--json"))


def held_out(checkpoint):
    """The validation files the checkpoint stores (paths relative to the package root)."""
    from safetensors import safe_open
    with safe_open(checkpoint, "np") as f:
        train = json.loads(f.metadata()["train"])
    return [os.path.join(ROOT, p) if not os.path.isabs(p) else p for p in train["validation_files"]]


def mu_law_round_trip(x, q=256):
    mu = q - 1
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    classes = np.clip(np.floor((y + 1) / 2 * mu + 0.5), 0, mu)
    y = 2 * classes / mu - 1
    return np.sign(y) * ((1 + mu) ** np.abs(y) - 1) / mu


def griffin_lim(npy, local, sr, length):
    mel = np.exp(np.load(npy).astype(np.float64))  # [F, frames], natural log undone
    stft = librosa.feature.inverse.mel_to_stft(mel, sr=sr, n_fft=local["n_fft"], power=1.0,
                                               fmin=local["fmin"], fmax=local["fmax"], htk=False, norm="slaney")
    return librosa.griffinlim(stft, n_iter=60, hop_length=local["hop"], win_length=local["win"],
                              window="hann", center=True, length=length, random_state=0)


def scores(ref, deg, sr):
    return pesq(sr, ref, deg, "wb"), stoi(ref, deg, sr, extended=False)


def quality(args):
    config = info(args.checkpoint)["config"]
    sr, local = config["sample_rate"], config["local"]
    files = args.files or held_out(args.checkpoint)
    seeds = [int(s) for s in args.seeds.split(",")]
    temperatures = [float(t) for t in args.temperatures.split(",")]
    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        for path in files:
            ref, rate = soundfile.read(path, dtype="float64")
            assert rate == sr, f"{path}: {rate} Hz, the model is {sr} Hz"
            npy = os.path.join(folder, "mel.npy")
            wavenet("features", path, "--checkpoint", args.checkpoint, "--out", npy)
            gl = scores(ref, griffin_lim(npy, local, sr, len(ref)), sr)
            ceiling = scores(ref, mu_law_round_trip(ref), sr)
            for t in temperatures:
                runs = []
                for seed in seeds:
                    out = os.path.join(folder, "out.wav")
                    wavenet("generate", "--checkpoint", args.checkpoint, "--from", path, "--out", out,
                            "--seed", str(seed), "--temperature", str(t), "--threads", str(args.threads),
                            "--precision", args.precision)
                    deg, _ = soundfile.read(out, dtype="float64")
                    assert len(deg) == len(ref), f"{path}: {len(deg)} samples out, {len(ref)} in"
                    runs.append(scores(ref, deg, sr))
                vocoder = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
                rows.setdefault(t, []).append((os.path.relpath(path, ROOT), vocoder, gl, ceiling))
                print(f"T {t}  {os.path.relpath(path, ROOT)}: vocoder PESQ {vocoder[0]:.2f} STOI {vocoder[1]:.3f} | "
                      f"Griffin-Lim {gl[0]:.2f} {gl[1]:.3f} | mu-law {ceiling[0]:.2f} {ceiling[1]:.3f}", file=sys.stderr, flush=True)
    for t, table in rows.items():
        print(f"\nTemperature {t}, median over seeds {args.seeds}:\n")
        print("| file | vocoder PESQ | vocoder STOI | Griffin-Lim PESQ | Griffin-Lim STOI | mu-law PESQ | mu-law STOI |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for name, v, g, c in table:
            print(f"| {name} | {v[0]:.2f} | {v[1]:.3f} | {g[0]:.2f} | {g[1]:.3f} | {c[0]:.2f} | {c[1]:.3f} |")
        for kind in ["speech", "piano"]:
            part = [r for r in table if (kind == "speech") == ("/speech/" in r[0])]
            if part:
                m = lambda i, j: statistics.median(r[i][j] for r in part)
                print(f"| **median, {kind} ({len(part)} files)** | {m(1, 0):.2f} | {m(1, 1):.3f} | {m(2, 0):.2f} | {m(2, 1):.3f} | {m(3, 0):.2f} | {m(3, 1):.3f} |")


def speed(args):
    path = args.file or held_out(args.checkpoint)[-1]
    duration = soundfile.info(path).duration
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            start = time.monotonic()
            wavenet("generate", "--checkpoint", args.checkpoint, "--from", path, "--out", os.path.join(folder, "out.wav"), "--threads", "1",
                    "--precision", args.precision)
            times.append(time.monotonic() - start)
    seconds = statistics.median(times)
    bench = json.loads(wavenet("bench", "generate", "--checkpoint", args.checkpoint, "--samples", "32000", "--json",
                               "--precision", args.precision))
    print(f"{os.path.relpath(path, ROOT)}: {duration:.2f} s of audio in {seconds:.2f} s end to end "
          f"(median of {args.rounds}) = {duration / seconds:.2f}x real time on one thread, --precision {args.precision} "
          f"({bench['precision']} weights); "
          f"bench generate: {bench['realtime_factor']:.2f}x ({bench['isa']})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["quality", "speed"])
    parser.add_argument("--checkpoint", default=DEFAULT)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--temperatures", default="1.0")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--precision", default="auto", choices=["auto", "float", "half"])
    parser.add_argument("files", nargs="*")
    args = parser.parse_intermixed_args()
    if args.mode == "quality":
        quality(args)
    else:
        args.file = args.files[0] if args.files else None
        speed(args)


if __name__ == "__main__":
    main()
