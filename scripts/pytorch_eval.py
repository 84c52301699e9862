#!/usr/bin/env python3
"""`wavenet eval`'s figure computed in PyTorch from a wavenet checkpoint: proof that checkpoints
open in PyTorch and mean the same thing there.

  python3 scripts/pytorch_eval.py CHECKPOINT AUDIO [AUDIO ...] [--class NAME | --class-id N]
                                  [--silence-threshold DB|off]

Each file is read as eval reads it: any format soundfile reads, mixed to mono, resampled to the
model's rate (soxr's high quality here, libsamplerate in wavenet: figures agree to about 1e-3
after resampling, to 1e-6 without), trimmed of leading and trailing silence as the model's
training trimmed it (its stored threshold; --silence-threshold to choose; notes models never),
and mu-law encoded. Every class but the first of each file is a target; the figure is the mean
over all targets of all files, printed as eval --json prints it. Locally conditioned models read
their features as the spec says: mel models compute mels from the (trimmed) audio, notes models
read the MIDI file of the same name beside each audio file.

Needs torch, safetensors, numpy and soundfile (plus librosa for mel models and resampling, mido
for notes models).
"""
import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


class Refusal(Exception):
    """A problem with an input, reported as one line naming it."""


def load(path):
    import torch  # noqa: F401  (wavenet_torch needs it; imported here so --help works without it)
    from safetensors import safe_open
    from safetensors.torch import load_file
    from wavenet_torch import WaveNet
    try:
        with safe_open(path, "pt") as f:
            meta = f.metadata() or {}
        state = {k: v for k, v in load_file(path).items() if not k.startswith("optimizer.")}
    except Exception as error:  # safetensors raises its own error types, which differ across versions
        raise Refusal(f"{path}: not a readable safetensors file ({error})")
    if meta.get("format") != "wavenet/1":
        raise Refusal(f"{path}: not a wavenet checkpoint (format {meta.get('format')!r}, expected 'wavenet/1')")
    config, train = json.loads(meta["config"]), json.loads(meta.get("train") or "{}")
    model = WaveNet(config)
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise Refusal(f"{path}: its tensors do not fit its config ({str(error).splitlines()[0]})")
    return model.eval(), config, train, int(meta.get("step", 0))


def read_mono(path, rate):
    import soundfile
    try:
        audio, file_rate = soundfile.read(path, dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise Refusal(f"{path}: not readable audio ({error})")
    audio = audio.mean(axis=1)
    if file_rate != rate:
        import soxr
        audio = soxr.resample(audio, file_rate, rate, quality="HQ").astype(np.float32)
    return audio


def trim(x, rate, threshold_db):
    """Silence.trim: the span from the first to the last 10 ms frame whose RMS reaches the threshold."""
    if threshold_db is None:
        return x
    frame = max(1, rate // 100)
    starts = range(0, len(x), frame)
    loud = [s for s in starts if np.mean(np.square(x[s:s + frame], dtype=np.float64)) >= (10 ** (threshold_db / 20)) ** 2]
    return x[loud[0]:min(loud[-1] + frame, len(x))] if loud else x[:0]


def mu_law(x, Q):
    mu = Q - 1
    f = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    return np.clip(np.floor((f + 1) / 2 * mu + 0.5), 0, mu).astype(np.int64)


def frames_for(path, x, config):
    """[1, F, 1 + T // hop] features of the file, or None without local conditioning."""
    import torch
    from wavenet_torch import mel_features, notes_of, roll
    local, rate = config.get("local"), config["sample_rate"]
    if local is None:
        return None
    hop, frames = local["hop"], 1 + len(x) // local["hop"]
    if local["features"] == "mel":
        return mel_features(x, rate, local["n_fft"], local["win"], hop, local["channels"], local["fmin"], local["fmax"])[None]
    midi = os.path.splitext(path)[0] + ".mid"
    if not os.path.isfile(midi):
        raise Refusal(f"{path}: a notes model reads the MIDI beside the audio, and there is no {os.path.basename(midi)}")
    notes, end, _ = notes_of(midi)
    values, _, _, _ = roll(notes, end, local["low"], local["high"], rate, hop, frames=frames)
    return torch.from_numpy(values[:frames].T.copy())[None]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="Prints one JSON object, as wavenet eval --json does.")
    parser.add_argument("checkpoint")
    parser.add_argument("audio", nargs="+")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--class", dest="class_name", help="with a conditioned model: the class to score the files under")
    group.add_argument("--class-id", type=int, help="with a conditioned model: the class id")
    parser.add_argument("--silence-threshold", help="dBFS, or off (default: the threshold the model was trained with)")
    args = parser.parse_args()
    import torch
    import torch.nn.functional as F

    model, config, train, _ = load(args.checkpoint)
    names = config.get("class_names")
    cond = None
    if args.class_name is not None or args.class_id is not None:
        if not names:
            raise Refusal(f"{args.checkpoint}: --class and --class-id need a conditioned model, and this one has no classes")
        if args.class_name is not None and args.class_name not in names:
            raise Refusal(f"{args.checkpoint}: no class {args.class_name!r} (it has {', '.join(names)})")
        cond = names.index(args.class_name) if args.class_name is not None else args.class_id
        if not 0 <= cond < len(names):
            raise Refusal(f"{args.checkpoint}: class id {cond} is outside 0...{len(names) - 1}")
    elif names:
        raise Refusal(f"{args.checkpoint}: a conditioned model; give --class (one of {', '.join(names)}) or --class-id")
    if (config.get("local") or {}).get("features") == "notes":
        threshold = None
    elif args.silence_threshold is not None:
        if args.silence_threshold.lower() == "off":
            threshold = None
        else:
            try:
                threshold = float(args.silence_threshold)
            except ValueError:
                raise Refusal(f"--silence-threshold {args.silence_threshold!r}: give a level in dBFS (below 0) or off")
    else:
        threshold = train.get("silence_threshold_db")
    nats, count = 0.0, 0
    for path in args.audio:
        x = trim(read_mono(path, config["sample_rate"]), config["sample_rate"], threshold)
        if len(x) < 2:
            raise Refusal(f"{path}: fewer than two samples left to score")
        c = torch.from_numpy(mu_law(x, config["quantization_channels"]))
        frames = frames_for(path, x, config)
        with torch.no_grad():
            logits = model(c[None, :-1], len(c) - 1, cond=None if cond is None else torch.tensor([cond]), frames=frames)
            nats += F.cross_entropy(logits, c[None, 1:], reduction="sum").item()
        count += len(c) - 1
    print(json.dumps({"bits_per_sample": nats / count / math.log(2), "nats_per_sample": nats / count, "samples": count,
                      "silence_threshold_db": threshold}))


if __name__ == "__main__":
    try:
        main()
    except Refusal as refusal:
        sys.exit(f"pytorch_eval.py: {refusal}")
