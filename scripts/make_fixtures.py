#!/usr/bin/env python3
"""Writes Tests/WaveNetTests/Fixtures/: small models built in PyTorch with their checkpoints,
an input batch, the logits, the loss and every gradient, for the Swift tests to agree with.

Needs PyTorch and safetensors (pip install torch==2.13.0+cpu safetensors); CI does not run it.
Usage: python3 scripts/make_fixtures.py
"""
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from wavenet_torch import WaveNet, metadata  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "WaveNetTests", "Fixtures")


def make(name, config, batch, length, outputs, seed):
    torch.manual_seed(seed)
    model = WaveNet(config)
    with torch.no_grad():  # make biases visible in the gradients' scale
        for p in model.parameters():
            p.mul_(1.5)
    Q = config["quantization_channels"]
    classes = torch.randint(0, Q, (batch, length + 1))
    inputs, targets = classes[:, :-1], classes[:, -outputs:]
    cond = torch.randint(0, len(config["class_names"]), (batch,)) if config.get("cond_channels") else None
    logits = model(inputs, outputs, cond)  # [B, Q, T]
    loss = F.cross_entropy(logits, targets)
    loss.backward()
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(OUT, f"{name}.safetensors"), metadata=metadata(config))
    ref = {
        "input": inputs.float(),
        "targets": targets.float(),
        "logits": logits.detach().transpose(1, 2).contiguous(),  # [B, T, Q]
        "loss": loss.detach().reshape(1),
    }
    if cond is not None:
        ref["cond"] = cond.float()
    for k, p in model.named_parameters():
        # The last layer's residual output is never used: its gradient is zero.
        ref["grad." + k] = p.grad.contiguous() if p.grad is not None else torch.zeros_like(p)
    save_file(ref, os.path.join(OUT, f"{name}-reference.safetensors"))
    print(f"{name}: loss {loss.item():.6f}, {sum(p.numel() for p in model.parameters())} parameters")


def main():
    os.makedirs(OUT, exist_ok=True)
    base = dict(sample_rate=16000, quantization_channels=16, residual_channels=4, dilation_channels=3,
                skip_channels=5, dilations=[1, 2, 4, 1, 3])
    make("small", base, batch=2, length=20, outputs=12, seed=1)
    conditioned = dict(base, dilations=[1, 2, 4], cond_channels=3, class_names=["low", "high", "noise"])
    make("conditioned", conditioned, batch=3, length=16, outputs=16, seed=2)


if __name__ == "__main__":
    main()
