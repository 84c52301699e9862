#!/usr/bin/env python3
"""Does a mel model listen to its mels? notes_gain.py's check for vocoders, as one figure.

  python3 Benchmarks/mel_gain.py [--checkpoint vocoder] [--seconds 6] [AUDIO ...]

For each audio file (default: the checkpoint's held-out files, first `--seconds` of each, not
trimmed) the model's teacher-forced bits per sample through the PyTorch mirror
(scripts/wavenet_torch.py, which loads our checkpoints): with the file's own mels, with the same
mels half a second late (rolled by 0.5 s), and with every frame replaced by the file's mean frame.
The gains are what the true mels save over each: near 0 for a vocoder that ignores its mels and
resynthesises only the last milliseconds of audio (the failure of our first vocoder, whose frame
network had saturated). Needs `pip install torch librosa soundfile safetensors`.
"""
import argparse
import math
import os
import sys

import numpy as np
import soundfile
import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from pytorch_eval import load, mu_law  # noqa: E402
from wavenet_torch import mel_features  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint", default="vocoder")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("audio", nargs="*")
    args = parser.parse_args()
    path = args.checkpoint
    if not os.path.exists(path):
        path = os.path.join(ROOT, "Checkpoints", path + ".safetensors")
    torch.set_num_threads(1)
    model, config, train, step = load(path)
    local = config.get("local")
    if not local or local["features"] != "mel":
        sys.exit(f"{path}: not a mel model")
    files = args.audio or [p if os.path.isabs(p) else os.path.join(ROOT, p) for p in train.get("validation_files", [])]
    sr, hop = config["sample_rate"], local["hop"]
    print(f"{os.path.relpath(path, ROOT)} at step {step}, first {args.seconds:g} s of each file\n")
    print("| file | own mels (bits/sample) | 0.5 s late | mean frame | timing gain | content gain |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    gains = []
    for name in files:
        x, rate = soundfile.read(name, dtype="float64", always_2d=True)
        x = x.mean(axis=1)[: int(args.seconds * rate)]
        if rate != sr:
            sys.exit(f"{name}: {rate} Hz, the model is {sr} Hz")
        mel = mel_features(x, sr, local["n_fft"], local["win"], hop, local["channels"], local["fmin"], local["fmax"])[None]
        c = torch.from_numpy(mu_law(x, config["quantization_channels"]))[None]

        def bits(frames):
            with torch.no_grad():
                logits = model(c[:, :-1], c.shape[1] - 1, frames=frames)
                return F.cross_entropy(logits, c[:, 1:]).item() / math.log(2)

        own = bits(mel)
        late = bits(torch.roll(mel, round(0.5 * sr / hop), dims=2))
        flat = bits(mel.mean(dim=2, keepdim=True).expand_as(mel).contiguous())
        gains.append((late - own, flat - own))
        print(f"| {os.path.relpath(name, ROOT)} | {own:.3f} | {late:.3f} | {flat:.3f} | {late - own:+.3f} | {flat - own:+.3f} |")
    if gains:
        print(f"| **mean** | | | | {np.mean([g[0] for g in gains]):+.3f} | {np.mean([g[1] for g in gains]):+.3f} |")


if __name__ == "__main__":
    main()
