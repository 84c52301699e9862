#!/usr/bin/env python3
"""The PyTorch side of the benchmarks: the same WaveNet (scripts/wavenet_torch.py), CPU.

  torch_peer.py train    [--batch B] [--segment T] [--steps N] [--threads N] [--stacks K --depth N ...]
  torch_peer.py generate [--streams K] [--samples N] [--threads N] [...]

Prints one JSON object: samples_per_second (median over steps), peak_memory_bytes.
"""
import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
from wavenet_torch import WaveNet  # noqa: E402


def config_from(args):
    return dict(sample_rate=16000, quantization_channels=args.quantization_channels,
                residual_channels=args.residual_channels, dilation_channels=args.dilation_channels,
                skip_channels=args.skip_channels,
                dilations=[2 ** i for _ in range(args.stacks) for i in range(args.depth)])


def train(args):
    config = config_from(args)
    model = WaveNet(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    rf = sum(config["dilations"]) + 2
    length = args.segment + rf - 1
    Q = config["quantization_channels"]
    inputs = torch.randint(0, Q, (args.batch, length))
    targets = torch.randint(0, Q, (args.batch, args.segment))
    times = []
    for step in range(args.steps + 1):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        logits = model(inputs, args.segment)
        loss = F.cross_entropy(logits, targets)
        loss.backward()
        optimizer.step()
        if step > 0:
            times.append(time.perf_counter() - start)
    median = sorted(times)[len(times) // 2]
    return dict(samples_per_second=args.batch * args.segment / median, seconds_per_step=times)


@torch.no_grad()
def generate(args):
    """Fast WaveNet queues: each layer keeps its last d inputs; one step per layer per sample."""
    config = config_from(args)
    model = WaveNet(config)
    Q, K = config["quantization_channels"], args.streams
    W_in = model.input.weight  # [R, Q, 2]
    queues = [torch.zeros(K, d, config["residual_channels"]) for d in config["dilations"]]
    positions = [0] * len(queues)
    previous = torch.full((K,), Q // 2, dtype=torch.long)
    current = previous.clone()
    generator = torch.Generator().manual_seed(1)
    start = time.perf_counter()
    for _ in range(args.samples):
        h = W_in[:, previous, 0].T + W_in[:, current, 1].T + model.input.bias  # [K, R]
        skip = 0
        for i, layer in enumerate(model.layers):
            past = queues[i][:, positions[i]].clone()
            queues[i][:, positions[i]] = h
            positions[i] = (positions[i] + 1) % queues[i].shape[1]
            w = layer.dilated.weight
            z = past @ w[:, :, 0].T + h @ w[:, :, 1].T + layer.dilated.bias
            a, b = z.chunk(2, dim=1)
            g = torch.tanh(a) * torch.sigmoid(b)
            skip = skip + g @ layer.skip.weight[:, :, 0].T + layer.skip.bias
            h = h + g @ layer.residual.weight[:, :, 0].T + layer.residual.bias
        o1, o2 = model.output["1"], model.output["2"]
        hidden = F.relu(F.relu(skip) @ o1.weight[:, :, 0].T + o1.bias)
        logits = hidden @ o2.weight[:, :, 0].T + o2.bias
        previous = current
        current = torch.multinomial(F.softmax(logits, dim=1), 1, generator=generator).squeeze(1)
    seconds = time.perf_counter() - start
    rate = K * args.samples / seconds
    return dict(samples_per_second=rate, realtime_factor=rate / K / config["sample_rate"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["train", "generate"])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--segment", type=int, default=8000)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--streams", type=int, default=1)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quantization-channels", type=int, default=256)
    parser.add_argument("--residual-channels", type=int, default=32)
    parser.add_argument("--dilation-channels", type=int, default=32)
    parser.add_argument("--skip-channels", type=int, default=128)
    parser.add_argument("--stacks", type=int, default=2)
    parser.add_argument("--depth", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    result = train(args) if args.mode == "train" else generate(args)
    result["peak_memory_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result["torch"] = torch.__version__
    result["threads"] = args.threads
    print(json.dumps(result))


if __name__ == "__main__":
    main()
