#!/usr/bin/env python3
"""Which --temperature sounds best (issue 15), by a figure: the spectral distance of generated
audio from the held-out recordings the model never trained on.

  python3 Benchmarks/temperature.py [--checkpoint default] [--temperatures 0,0.8,0.9,0.95,1,1.05,1.1]
                                    [--seeds 1,2,3] [--seconds 6]

The figure, "LTAS distance": the mean absolute difference in dB, over 64 mel bands from 40 Hz to
7.6 kHz, between the long-term average spectrum of the generated audio and that of the
checkpoint's held-out files (frames quieter than -50 dBFS left out of both, since silence has no
spectrum), plus "silent", the fraction of generated frames below -50 dBFS (the held-out files'
own fraction beside it). Lower distance is closer to the recordings' timbre; a silent fraction far
above the recordings' means the sampling collapsed. Median over seeds.
Needs `swift build -c release` and `pip install librosa soundfile`.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

import librosa
import numpy as np
import soundfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
WAVENET = os.path.join(ROOT, ".build", "release", "wavenet")
FLOOR_DB = -50


def frames_db(audio, rate):
    """[bands, frames] log-mel power in dB (reference: full scale), and each frame's level in dBFS."""
    mel = librosa.feature.melspectrogram(y=audio, sr=rate, n_fft=1024, hop_length=256, n_mels=64, fmin=40, fmax=7600, power=2.0)
    rms = librosa.feature.rms(y=audio, frame_length=1024, hop_length=256)[0]
    level = 20 * np.log10(np.maximum(rms, 1e-10))
    n = min(mel.shape[1], len(level))
    return 10 * np.log10(np.maximum(mel[:, :n], 1e-12)), level[:n]


def ltas(chunks, rate):
    """Long-term average spectrum (dB per band) over frames above the floor, and the silent fraction."""
    powers, silent, total = [], 0, 0
    for audio in chunks:
        spectrum, level = frames_db(audio, rate)
        loud = level > FLOOR_DB
        powers.append(10 ** (spectrum[:, loud] / 10))
        silent += int((~loud).sum())
        total += len(level)
    power = np.concatenate(powers, axis=1)
    return 10 * np.log10(power.mean(axis=1) + 1e-12) if power.shape[1] else None, silent / max(total, 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint", default="default")
    parser.add_argument("--temperatures", default="0,0.8,0.9,0.95,1,1.05,1.1")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--seconds", type=float, default=6)
    args = parser.parse_args()
    info = json.loads(subprocess.run([WAVENET, "info", args.checkpoint, "--json"], check=True, capture_output=True, text=True).stdout)
    rate = info["config"]["sample_rate"]
    held_out = [os.path.join(ROOT, p) if not os.path.isabs(p) else p for p in info["train"]["validation_files"]]
    reference, reference_silent = ltas([librosa.load(p, sr=rate, mono=True)[0] for p in held_out], rate)
    print(f"{args.checkpoint}: held-out {', '.join(os.path.basename(p) for p in held_out)}; silent {reference_silent:.2f} of their frames")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for temperature in [float(t) for t in args.temperatures.split(",")]:
            distances, silents = [], []
            for seed in args.seeds.split(","):
                out = os.path.join(work, f"t{temperature}-{seed}.wav")
                subprocess.run([WAVENET, "generate", "--checkpoint", args.checkpoint, "--out", out, "--seconds", str(args.seconds),
                                "--temperature", str(temperature), "--seed", seed], check=True, capture_output=True)
                audio, _ = soundfile.read(out, dtype="float32")
                spectrum, silent = ltas([audio], rate)
                distances.append(float(np.abs(spectrum - reference).mean()) if spectrum is not None else float("inf"))
                silents.append(silent)
            rows.append((temperature, statistics.median(distances), statistics.median(silents)))
            print(f"temperature {temperature}: LTAS distance {rows[-1][1]:.2f} dB, silent {rows[-1][2]:.2f}", flush=True)
    print("\n| temperature | LTAS distance (dB) | silent frames |\n| ---: | ---: | ---: |")
    for temperature, distance, silent in rows:
        print(f"| {temperature} | {distance:.2f} | {silent:.2f} |")


if __name__ == "__main__":
    main()
