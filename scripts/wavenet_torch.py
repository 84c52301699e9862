"""The WaveNet of MODEL_SPEC.md in PyTorch: the reference for fixtures and the benchmark peer.

Module names match the checkpoint's tensor names, so `model.load_state_dict(safetensors.torch.load_file(path))`
loads a wavenet checkpoint (after dropping the `optimizer.` entries).
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F


class Layer(nn.Module):
    def __init__(self, R, D, S, dilation, G=None):
        super().__init__()
        self.dilation = dilation
        self.dilated = nn.Conv1d(R, 2 * D, 2, dilation=dilation)
        self.residual = nn.Conv1d(D, R, 1)
        self.skip = nn.Conv1d(D, S, 1)
        if G:
            self.cond = nn.Linear(G, 2 * D, bias=False)


class WaveNet(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        Q, R = config["quantization_channels"], config["residual_channels"]
        D, S = config["dilation_channels"], config["skip_channels"]
        G = config.get("cond_channels")
        self.input = nn.Conv1d(Q, R, 2)
        self.layers = nn.ModuleList(Layer(R, D, S, d, G) for d in config["dilations"])
        if G:
            self.cond_embed = nn.Embedding(len(config["class_names"]), G)
        self.output = nn.ModuleDict({"1": nn.Conv1d(S, S, 1), "2": nn.Conv1d(S, Q, 1)})

    def forward(self, classes, outputs, cond=None):
        """classes: [B, N] long -> logits [B, Q, outputs] for the last `outputs` times."""
        Q = self.config["quantization_channels"]
        x = F.one_hot(classes, Q).float().transpose(1, 2)
        h = self.input(F.pad(x, (1, 0)))
        e = self.cond_embed(cond) if cond is not None else None
        skip = 0
        for layer in self.layers:
            z = layer.dilated(F.pad(h, (layer.dilation, 0)))
            if e is not None:
                z = z + layer.cond(e).unsqueeze(2)
            a, b = z.chunk(2, dim=1)
            g = torch.tanh(a) * torch.sigmoid(b)
            skip = skip + layer.skip(g[:, :, -outputs:])
            h = h + layer.residual(g)
        return self.output["2"](F.relu(self.output["1"](F.relu(skip))))


def metadata(config, step=0, train=None):
    return {"format": "wavenet/1", "config": json.dumps(config), "step": str(step), "train": json.dumps(train or {})}
