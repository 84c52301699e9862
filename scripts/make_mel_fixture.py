#!/usr/bin/env python3
"""Writes the `mel` features reference of MODEL_SPEC.md for the Swift tests:
Tests/FeaturesTests/Fixtures/mel-input.wav, 0.6 s of a deterministic 16 kHz mono test signal
(32-bit float WAV, so that no quantisation stands between the file and the reference), and
mel-reference.safetensors with, computed in float64 from the file's float32 samples:
  audio     [T]              the samples as read back from the WAV
  mel       [80, 1 + T/200]  features at the 16 kHz defaults (n_fft 800, win 800, hop 200, 80 mels, 0 ... 8000 Hz)
  magnitude [401, 1 + T/200] |STFT| of that setting (before the filterbank)
  filters   [80, 401]        librosa's Slaney filterbank of that setting
  mel2      [40, 1 + T/160]  a window shorter than n_fft: n_fft 512, win 400, hop 160, 40 mels, 50 ... 7000 Hz
  filters2  [40, 257]        its filterbank
  settings, settings2 [7]    sample_rate, n_fft, win, hop, n_mels, fmin, fmax of each (also JSON in the metadata)
The last 0.1 s is digital silence, so the last frames are ln(1e-5) exactly: the floor is tested.

Needs torch, safetensors, librosa, soundfile (pip install torch==2.13.0+cpu safetensors librosa soundfile).
Usage: python3 scripts/make_mel_fixture.py [OUTPUT_FOLDER]
"""
import json
import os
import sys

import librosa
import numpy as np
import soundfile
import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from wavenet_torch import mel_features, stft_magnitude  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "Tests", "FeaturesTests", "Fixtures")
SR = 16000
DEFAULT = dict(sample_rate=SR, n_fft=800, win=800, hop=200, n_mels=80, fmin=0, fmax=8000)
SHORT_WINDOW = dict(sample_rate=SR, n_fft=512, win=400, hop=160, n_mels=40, fmin=50, fmax=7000)
ORDER = ["sample_rate", "n_fft", "win", "hop", "n_mels", "fmin", "fmax"]


def signal(seconds=0.5, silence=0.1, seed=0):
    t = np.arange(int(seconds * SR)) / SR
    # A chirp sweeps 100 Hz ... 6 kHz through every band; two steady sines; noise fills the gaps.
    f0, f1 = 100.0, 6000.0
    chirp = np.sin(2 * np.pi * (f0 * t + (f1 - f0) / (2 * seconds) * t * t))
    x = 0.5 * chirp + 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 2500 * t + 1.0)
    x += 0.02 * np.random.default_rng(seed).standard_normal(len(t))
    x *= 0.5 / np.abs(x).max()
    return np.concatenate([x, np.zeros(int(silence * SR))]).astype(np.float32)


def filters(s):
    return librosa.filters.mel(sr=s["sample_rate"], n_fft=s["n_fft"], n_mels=s["n_mels"], fmin=s["fmin"],
                               fmax=s["fmax"], dtype=np.float64)


def features(x, s):
    return mel_features(x, s["sample_rate"], s["n_fft"], s["win"], s["hop"], s["n_mels"], s["fmin"], s["fmax"])


def main():
    os.makedirs(OUT, exist_ok=True)
    wav = os.path.join(OUT, "mel-input.wav")
    soundfile.write(wav, signal(), SR, subtype="FLOAT")
    x, sr = soundfile.read(wav, dtype="float32")  # the reference is of what the file holds
    assert sr == SR and x.ndim == 1
    x64 = torch.from_numpy(x).double()
    d, s2 = DEFAULT, SHORT_WINDOW
    ref = {
        "audio": torch.from_numpy(x),
        "mel": features(x, d),
        "magnitude": stft_magnitude(x64, d["n_fft"], d["win"], d["hop"]).float(),
        "filters": torch.from_numpy(filters(d)).float(),
        "mel2": features(x, s2),
        "filters2": torch.from_numpy(filters(s2)).float(),
        "settings": torch.tensor([float(d[k]) for k in ORDER]),
        "settings2": torch.tensor([float(s2[k]) for k in ORDER]),
    }
    # librosa's own pipeline (reflect padding asked for: its default is constant) must agree.
    for name, s in (("mel", d), ("mel2", s2)):
        m = librosa.feature.melspectrogram(y=x.astype(np.float64), sr=SR, n_fft=s["n_fft"], hop_length=s["hop"],
                                           win_length=s["win"], window="hann", center=True, pad_mode="reflect",
                                           power=1.0, n_mels=s["n_mels"], fmin=s["fmin"], fmax=s["fmax"])
        diff = np.abs(np.log(np.maximum(m, 1e-5)) - ref[name].double().numpy()).max()
        # The spec's pipeline in float32 throughout, as a float32 implementation would compute it.
        S32 = stft_magnitude(torch.from_numpy(x), s["n_fft"], s["win"], s["hop"])
        f32 = torch.log(torch.clamp(torch.from_numpy(filters(s)).float() @ S32, min=1e-5))
        print(f"{name} {tuple(ref[name].shape)}: librosa's melspectrogram differs by {diff:.3g}, "
              f"float32 torch by {(f32 - ref[name]).abs().max().item():.3g}; range {ref[name].min().item():.3f} "
              f"... {ref[name].max().item():.3f}, {int((ref[name] == np.float32(np.log(1e-5))).sum())} values at the floor")
        assert diff < 1e-4
    try:
        mel_features(x[:d["n_fft"] // 2], **{k: v for k, v in d.items()})
        raise AssertionError("short audio should be refused")
    except ValueError as e:
        print("refused:", e)
    assert ref["mel"].shape == (80, 1 + len(x) // 200) and ref["mel2"].shape == (40, 1 + len(x) // 160)
    meta = {"mel": json.dumps(d), "mel2": json.dumps(s2), "settings": json.dumps(ORDER), "input": "mel-input.wav"}
    save_file({k: v.contiguous() for k, v in ref.items()}, os.path.join(OUT, "mel-reference.safetensors"), metadata=meta)
    print(f"{len(x)} samples, peak {np.abs(x).max():.4f}; " + ", ".join(f"{k} {tuple(v.shape)}" for k, v in ref.items()))


if __name__ == "__main__":
    main()
