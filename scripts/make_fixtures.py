#!/usr/bin/env python3
"""Writes Tests/WaveNetTests/Fixtures/: small models built in PyTorch with their checkpoints,
an input batch, the logits, the loss and every gradient, for the Swift tests to agree with;
and adam.safetensors with adam-reference.safetensors: six training steps of torch.optim.Adam
after clip_grad_norm_ from that checkpoint (each step's batch, loss and pre-clipping norm, and
the parameters after the last step), the way llm.c's test compares reference training steps.

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


def make_adam(name="adam", config=None, steps=6, batch=2, length=20, outputs=12, seed=3,
              learning_rate=0.01, max_norm=0.25):
    torch.manual_seed(seed)  # its own seed, after the other fixtures: they stay as they were
    model = WaveNet(config)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(1.5)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(OUT, f"{name}.safetensors"), metadata=metadata(config))
    # PyTorch defaults otherwise: betas (0.9, 0.999), eps 1e-8, no weight decay, not amsgrad.
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    Q = config["quantization_channels"]
    ref, clipped = {}, []
    for k in range(steps):
        classes = torch.randint(0, Q, (batch, length + 1))
        inputs, targets = classes[:, :-1], classes[:, -outputs:]
        loss = F.cross_entropy(model(inputs, outputs, None), targets)
        optimizer.zero_grad()
        loss.backward()
        # The last layer's residual output is never used, so its gradient is None; the Swift side
        # treats it as zero, so give Adam a zero gradient too (the parameter then stays the same).
        for p in model.parameters():
            if p.grad is None:
                p.grad = torch.zeros_like(p)
        # Scales by max_norm / (norm + 1e-6) when norm > max_norm; max_norm is chosen so that
        # step 0 does not clip and the later steps do.
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)
        optimizer.step()
        ref[f"step{k}.input"] = inputs.float()
        ref[f"step{k}.targets"] = targets.float()
        ref[f"step{k}.loss"] = loss.detach().reshape(1)
        ref[f"step{k}.norm"] = norm.detach().reshape(1)
        clipped.append(norm.item() > max_norm)
        print(f"{name} step {k}: loss {loss.item():.6f}, norm {norm.item():.6f}{' (clipped)' if clipped[-1] else ''}")
    assert sum(clipped) >= 3 and not all(clipped), "max_norm should clip on some steps, not all"
    for k, v in model.state_dict().items():
        ref["final." + k] = v.detach().contiguous()
    ref["max_norm"] = torch.tensor([max_norm], dtype=torch.float32)
    ref["learning_rate"] = torch.tensor([learning_rate], dtype=torch.float32)
    save_file(ref, os.path.join(OUT, f"{name}-reference.safetensors"))


def main():
    os.makedirs(OUT, exist_ok=True)
    base = dict(sample_rate=16000, quantization_channels=16, residual_channels=4, dilation_channels=3,
                skip_channels=5, dilations=[1, 2, 4, 1, 3])
    make("small", base, batch=2, length=20, outputs=12, seed=1)
    conditioned = dict(base, dilations=[1, 2, 4], cond_channels=3, class_names=["low", "high", "noise"])
    make("conditioned", conditioned, batch=3, length=16, outputs=16, seed=2)
    make_adam("adam", base)


if __name__ == "__main__":
    main()
