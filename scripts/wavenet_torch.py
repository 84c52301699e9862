"""The WaveNet of MODEL_SPEC.md in PyTorch: the reference for fixtures and the benchmark peer.

Module names match the checkpoint's tensor names, so `model.load_state_dict(safetensors.torch.load_file(path))`
loads a wavenet checkpoint (after dropping the `optimizer.` entries).

Local conditioning (config["local"], MODEL_SPEC.md "Local conditioning"): `forward` takes the
feature frames of the file that the input window belongs to. Conventions, all positions absolute
(counted from the file's first sample, 0-based):
- `classes[:, j]` is the class at position `start + j`;
- `frames[:, :, k]` is the file's frame `first_frame + k`;
- position p reads frame `(p + 1) // hop`, i.e. `frames[:, :, (p + 1) // hop - first_frame]`.
The frame network runs on the frames passed, zero-padded at their two ends as Conv1d pads them, so
pass either the whole file's frames (start anywhere, first_frame 0) or the slice `frame_window`
gives: 4 real frames before the window's first frame and 2 after its last, cut at the file's
edges (never padded with zero frames of one's own: conv2 pads `a` with zeros, and tanh(conv1(0))
is not zero).
"""
import json
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FEATURES = ("mel", "notes")


class Layer(nn.Module):
    def __init__(self, R, D, S, dilation, G=None, C=None):
        super().__init__()
        self.dilation = dilation
        self.dilated = nn.Conv1d(R, 2 * D, 2, dilation=dilation)
        self.residual = nn.Conv1d(D, R, 1)
        self.skip = nn.Conv1d(D, S, 1)
        if G:
            self.cond = nn.Linear(G, 2 * D, bias=False)
        if C:
            self.local = nn.Conv1d(C, 2 * D, 1, bias=False)


class WaveNet(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        Q, R = config["quantization_channels"], config["residual_channels"]
        D, S = config["dilation_channels"], config["skip_channels"]
        G = config.get("cond_channels")
        local = config.get("local")
        if local is not None and local["features"] not in FEATURES:
            raise ValueError(f"local conditioning: unknown features kind {local['features']!r}")
        C = local["hidden"] if local is not None else None
        self.input = nn.Conv1d(Q, R, 2)
        self.layers = nn.ModuleList(Layer(R, D, S, d, G, C) for d in config["dilations"])
        if G:
            self.cond_embed = nn.Embedding(len(config["class_names"]), G)
        self.output = nn.ModuleDict({"1": nn.Conv1d(S, S, 1), "2": nn.Conv1d(S, Q, 1)})
        if local is not None:
            self.local = nn.ModuleDict({"conv1": nn.Conv1d(local["channels"], C, 3), "conv2": nn.Conv1d(C, C, 3)})

    def frame_network(self, frames):
        """frames [B, F, M] -> b [B, C, M], padded per config.local.causal."""
        pad = (2, 0) if self.config["local"]["causal"] else (1, 1)
        a = torch.tanh(self.local["conv1"](F.pad(frames, pad)))
        return torch.tanh(self.local["conv2"](F.pad(a, pad)))

    def forward(self, classes, outputs, cond=None, frames=None, start=0, first_frame=0):
        """classes: [B, N] long -> logits [B, Q, outputs] for the last `outputs` times.

        With local conditioning, frames: [B, F, M] float, the file's frames first_frame ...
        first_frame + M - 1; classes are positions start ... start + N - 1 of the file.
        start and first_frame are ints or [B] long tensors (one per batch item).
        """
        Q = self.config["quantization_channels"]
        x = F.one_hot(classes, Q).float().transpose(1, 2)
        h = self.input(F.pad(x, (1, 0)))
        e = self.cond_embed(cond) if cond is not None else None
        if frames is not None and "local" not in self.config:
            raise ValueError("frames passed to a model without local conditioning")
        c = self.upsampled(frames, classes.shape[1], start, first_frame) if "local" in self.config else None
        skip = 0
        for layer in self.layers:
            z = layer.dilated(F.pad(h, (layer.dilation, 0)))
            if e is not None:
                z = z + layer.cond(e).unsqueeze(2)
            if c is not None:
                z = z + layer.local(c)
            a, b = z.chunk(2, dim=1)
            g = torch.tanh(a) * torch.sigmoid(b)
            skip = skip + layer.skip(g[:, :, -outputs:])
            h = h + layer.residual(g)
        return self.output["2"](F.relu(self.output["1"](F.relu(skip))))

    def upsampled(self, frames, n, start, first_frame):
        """b of the frame each of the n positions reads: [B, C, n]."""
        if frames is None:
            raise ValueError("this model is locally conditioned: pass frames")
        hop = self.config["local"]["hop"]
        b = self.frame_network(frames)
        B, C, M = b.shape
        start = torch.as_tensor(start, dtype=torch.long).reshape(-1, 1).expand(B, 1)
        first = torch.as_tensor(first_frame, dtype=torch.long).reshape(-1, 1).expand(B, 1)
        index = (start + torch.arange(n) + 1) // hop - first  # [B, n]
        if index.min() < 0 or index.max() >= M:
            raise ValueError(f"frames {first.flatten().tolist()} + {M} do not cover positions "
                             f"{start.flatten().tolist()} + {n} at hop {hop}")
        return b.gather(2, index.unsqueeze(1).expand(B, C, n))


def frame_window(start, n, hop, nframes):
    """The frames [first, end) to pass with inputs at positions start ... start + n - 1 of a file
    of nframes frames: 4 before the first frame read, (start + 1) // hop, and 2 after the last,
    (start + n) // hop, cut at the file's edges. Good for causal and non-causal models."""
    return max(0, (start + 1) // hop - 4), min(nframes, (start + n) // hop + 3)


def mel_features(x, sample_rate, n_fft, win, hop, n_mels, fmin, fmax):
    """MODEL_SPEC.md `mel` features of mono audio x (1-D, in [-1, 1]): [n_mels, 1 + T // hop] float32.

    Computed in float64 (a reference), rounded to float32 at the end.
    """
    import librosa  # only this function needs it

    x = torch.as_tensor(x, dtype=torch.float64).flatten()
    if x.numel() < n_fft // 2 + 1:  # reflect padding needs more samples than n_fft // 2
        raise ValueError(f"{x.numel()} samples: mel features need at least n_fft / 2 + 1 = {n_fft // 2 + 1}")
    S = stft_magnitude(x, n_fft, win, hop)
    M = torch.from_numpy(librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax,
                                             dtype="float64"))  # Slaney scale and norm, librosa's defaults
    return torch.log(torch.clamp(M @ S, min=1e-5)).float()


def stft_magnitude(x, n_fft, win, hop):
    """|STFT| as the spec writes it: [n_fft / 2 + 1, 1 + T // hop], in x's dtype. A window shorter
    than n_fft sits in the middle of the frame ((n_fft - win) // 2 zeros before it)."""
    window = torch.hann_window(win, periodic=True, dtype=x.dtype)
    return torch.stft(x, n_fft, hop_length=hop, win_length=win, window=window, center=True,
                      pad_mode="reflect", return_complex=True).abs()


def notes_of(path):
    """The spec's notes, from mido's reading of the file: (channel, key, velocity, on, off) in seconds."""
    import mido  # only the notes functions need it

    m = mido.MidiFile(path)
    tempo, seconds, previous_tick = 500000, 0.0, 0
    tick = 0
    open_notes, sustained = {}, {c: [] for c in range(16)}
    pedal = [False] * 16
    done, drums = [], 0
    for message in mido.merge_tracks(m.tracks):
        tick += message.time
        seconds += mido.tick2second(tick - previous_tick, m.ticks_per_beat, tempo)
        previous_tick = tick
        if message.type == "set_tempo":
            tempo = message.tempo
        elif message.type == "note_on" and message.velocity > 0:
            if message.channel == 9:
                drums += 1
                continue
            open_notes.setdefault((message.channel, message.note), []).append((seconds, message.velocity))
        elif message.type in ("note_off", "note_on"):
            for on, velocity in open_notes.pop((message.channel, message.note), []):
                note = [message.channel, message.note, velocity, on, seconds]
                (sustained[message.channel] if pedal[message.channel] else done).append(note)
        elif message.type == "control_change" and message.control == 64:
            down = message.value >= 64
            if pedal[message.channel] and not down:
                for note in sustained[message.channel]:
                    note[4] = seconds
                    done.append(note)
                sustained[message.channel] = []
            pedal[message.channel] = down
    end = seconds
    for (channel, key), held in open_notes.items():
        done += [[channel, key, velocity, on, end] for on, velocity in held]
    for channel in range(16):
        for note in sustained[channel]:
            note[4] = end
            done.append(note)
    return done, end, drums


def roll(notes, end, low, high, sample_rate, hop, frames=None):
    """MODEL_SPEC.md `notes` features of `notes_of`'s notes: [frames, 2K] float32 (held keys' velocity / 127,
    then onsets), with the spec's frame count for MIDI alone unless `frames` (1 + T // hop beside T samples)."""
    K = high - low + 1
    position = lambda t: t * sample_rate / hop
    frames = frames or 1 + max(0, math.ceil(position(end) - 1e-9))
    values = np.zeros((frames, 2 * K), np.float32)
    inside = outside = 0
    for channel, key, velocity, on, off in notes:
        if not low <= key <= high:
            outside += 1
            continue
        inside += 1
        first = math.floor(position(on) + 1e-9)
        last = min(max(first, math.ceil(position(off) - 1e-9) - 1), frames - 1)
        if first >= frames:
            continue
        k = key - low
        for f in range(first, last + 1):
            values[f, k] = max(values[f, k], velocity / 127)
        values[first, K + k] = 1
    return values, frames, inside, outside


def metadata(config, step=0, train=None):
    # config.local, when present, is part of config (a nested JSON object).
    return {"format": "wavenet/1", "config": json.dumps(config), "step": str(step), "train": json.dumps(train or {})}
