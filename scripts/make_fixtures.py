#!/usr/bin/env python3
"""Writes Tests/WaveNetTests/Fixtures/: small models built in PyTorch with their checkpoints,
an input batch, the logits, the loss and every gradient, for the Swift tests to agree with;
and adam.safetensors with adam-reference.safetensors: six training steps of torch.optim.Adam
after clip_grad_norm_ from that checkpoint (each step's batch, loss and pre-clipping norm, and
the parameters after the last step), the way llm.c's test compares reference training steps.

local-mel and local-causal are locally conditioned models (config.local) with random frames:
their references add `frames` [B, F, nframes], each item's whole file of frames (file frame 0
first), and `start` [B], the position in the file of each item's first input; input j of item i
is position p = start[i] + j and reads frame (p + 1) // hop. One item starts at 0, the other
later, with real frames before and after its window. Afterwards check_windows shows that a
window fed frame_window's slice (4 frames before, 2 after) gives the whole sequence's logits.

Needs PyTorch and safetensors (pip install torch==2.13.0+cpu safetensors); CI does not run it.
Usage: python3 scripts/make_fixtures.py [OUTPUT_FOLDER]
(Rewriting the committed checkpoints changes their header bytes even when nothing else changes:
safetensors writes the metadata keys in no fixed order. Write elsewhere and copy what changed.)
"""
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from wavenet_torch import WaveNet, frame_window, metadata  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "Tests", "WaveNetTests", "Fixtures")


def make(name, config, batch, length, outputs, seed, starts=None, nframes=None):
    torch.manual_seed(seed)
    model = WaveNet(config)
    with torch.no_grad():  # make biases visible in the gradients' scale
        for p in model.parameters():
            p.mul_(1.5)
    Q = config["quantization_channels"]
    classes = torch.randint(0, Q, (batch, length + 1))
    inputs, targets = classes[:, :-1], classes[:, -outputs:]
    cond = torch.randint(0, len(config["class_names"]), (batch,)) if config.get("cond_channels") else None
    frames, start = None, None
    if "local" in config:  # drawn after everything else: the other fixtures stay as they were
        frames = torch.randn(batch, config["local"]["channels"], nframes)
        start = torch.tensor(starts)
        hop = config["local"]["hop"]
        for s in starts:  # every item's file has its window's frames, 4 before (or the file's start) and 2 after
            first, end = frame_window(s, length, hop, nframes)
            assert end == (s + length) // hop + 3 and first == max(0, (s + 1) // hop - 4), (s, nframes)
    logits = model(inputs, outputs, cond, frames, start if start is not None else 0)  # [B, Q, T]
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
    if frames is not None:
        ref["frames"] = frames.contiguous()
        ref["start"] = start.float()
    for k, p in model.named_parameters():
        # The last layer's residual output is never used: its gradient is zero.
        ref["grad." + k] = p.grad.contiguous() if p.grad is not None else torch.zeros_like(p)
    save_file(ref, os.path.join(OUT, f"{name}-reference.safetensors"))
    print(f"{name}: loss {loss.item():.6f}, {sum(p.numel() for p in model.parameters())} parameters")
    return model


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


def check_windows(name, model, length=30, outputs=20, samples=400, seed=9):
    """Windows of a long random sequence, each fed frame_window's slice of the frames, against the
    whole sequence at once: the window's last `outputs` logits (the first ones lack the samples
    before the window) and the frame-network output that every window position reads must agree.
    Then slices that are too short, to show that the check can fail."""
    torch.manual_seed(seed)
    config = model.config
    hop, Q = config["local"]["hop"], config["quantization_channels"]
    nframes = 1 + samples // hop
    classes = torch.randint(0, Q, (1, samples))
    frames = torch.randn(1, config["local"]["channels"], nframes)
    cond = torch.tensor([1]) if config.get("cond_channels") else None
    starts = [0, 1, 3, 6, 57, 101, 250, samples - length - 1, samples - length]
    with torch.no_grad():
        whole = model(classes, samples, cond, frames)
        read = model.upsampled(frames, samples, 0, 0)  # [1, C, samples]: what each position reads

        def window(s, f, e):  # logits and conditioning of the window at s with frames f ..< e
            w = model(classes[:, s:s + length], outputs, cond, frames[:, :, f:e], start=s, first_frame=f)
            c = model.upsampled(frames[:, :, f:e], length, s, f)
            return ((w - whole[:, :, s + length - outputs:s + length]).abs().max().item(),
                    (c - read[:, :, s:s + length]).abs().max().item())

        diffs = [window(s, *frame_window(s, length, hop, nframes)) for s in starts]
        # A batch of windows with per-item starts and the whole file's frames.
        B = len(starts)
        w = model(torch.cat([classes[:, s:s + length] for s in starts]), outputs,
                  cond.expand(B) if cond is not None else None, frames.expand(B, -1, -1), start=torch.tensor(starts))
        batch = max((w[i] - whole[0, :, s + length - outputs:s + length]).abs().max().item()
                    for i, s in enumerate(starts))
        s = 101
        first, end = frame_window(s, length, hop, nframes)
        short = {"1 before": window(s, first + 3, end)[1], "3 before": window(s, first + 1, end)[1],
                 "1 after": window(s, first, end - 1)[1]}
        # At the file's start, zero frames of one's own before frame 0 are not Conv1d's padding.
        zeros = torch.cat([torch.zeros(1, frames.shape[1], 4), frames[:, :, :frame_window(0, length, hop, nframes)[1]]], 2)
        short["zero frames before frame 0"] = (model.upsampled(zeros, length, 0, -4) - read[:, :, :length]).abs().max().item()
    print(f"{name} windows vs whole sequence (starts {starts}): max |diff| logits {max(d[0] for d in diffs):.3g}, "
          f"conditioning {max(d[1] for d in diffs):.3g}, batched with whole-file frames {batch:.3g}; "
          "conditioning with too little context: " + ", ".join(f"{k} {v:.3g}" for k, v in short.items()))
    assert max(max(d) for d in diffs) < 1e-5 and batch < 1e-5


def main():
    os.makedirs(OUT, exist_ok=True)
    base = dict(sample_rate=16000, quantization_channels=16, residual_channels=4, dilation_channels=3,
                skip_channels=5, dilations=[1, 2, 4, 1, 3])
    make("small", base, batch=2, length=20, outputs=12, seed=1)
    conditioned = dict(base, dilations=[1, 2, 4], cond_channels=3, class_names=["low", "high", "noise"])
    make("conditioned", conditioned, batch=3, length=16, outputs=16, seed=2)
    make_adam("adam", base)
    # Locally conditioned: one item's window starts at 0, the other at 22, so it reads frames
    # 5 ... 13 and has frames 1 ... 4 before and 14 ... 17 after it in its file of 18 frames.
    windows = dict(batch=2, length=30, outputs=20, starts=[0, 22], nframes=18)
    mel = dict(base, dilations=[1, 2, 4, 1],
               local=dict(features="mel", channels=6, hidden=5, hop=4, causal=False, n_fft=16, win=16, fmin=0, fmax=8000))
    model = make("local-mel", mel, seed=4, **windows)
    check_windows("local-mel", model)
    causal = dict(base, dilations=[1, 2, 4, 1], cond_channels=3, class_names=["a", "b", "c"],
                  local=dict(features="notes", channels=6, hidden=5, hop=4, causal=True, low=60, high=62))
    model = make("local-causal", causal, seed=5, **windows)
    check_windows("local-causal", model)


if __name__ == "__main__":
    main()
