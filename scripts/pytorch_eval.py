#!/usr/bin/env python3
"""Loads a wavenet checkpoint into PyTorch and computes `wavenet eval`'s figure for a 16-bit WAV,
to show that checkpoints open in PyTorch and mean the same thing there.

  python3 scripts/pytorch_eval.py Checkpoints/default.safetensors some.wav

Needs torch, safetensors and numpy. The WAV must be mono at the model's sample rate.
"""
import json
import math
import sys
import wave

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, __import__("os").path.dirname(__file__))
from wavenet_torch import WaveNet  # noqa: E402


def load(path):
    with safe_open(path, "pt") as f:
        meta = f.metadata()
    assert meta["format"] == "wavenet/1", meta["format"]
    config = json.loads(meta["config"])
    model = WaveNet(config)
    state = {k: v for k, v in load_file(path).items() if not k.startswith("optimizer.")}
    model.load_state_dict(state)
    return model.eval(), config


def mu_law(x, Q):
    mu = Q - 1
    f = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    return np.clip(np.floor((f + 1) / 2 * mu + 0.5), 0, mu).astype(np.int64)


def main():
    model, config = load(sys.argv[1])
    with wave.open(sys.argv[2]) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == config["sample_rate"]
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
    c = torch.from_numpy(mu_law(x, config["quantization_channels"]))
    with torch.no_grad():
        logits = model(c[None, :-1], len(c) - 1)  # every class but the first is a target
        nats = F.cross_entropy(logits, c[None, 1:]).item()
    print(json.dumps({"bits_per_sample": nats / math.log(2), "nats_per_sample": nats, "samples": len(c) - 1}))


if __name__ == "__main__":
    main()
