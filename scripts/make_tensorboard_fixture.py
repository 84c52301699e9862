#!/usr/bin/env python3
"""Writes Tests/TensorBoardTests/Fixtures: events written by PyTorch's own
torch.utils.tensorboard.SummaryWriter with its defaults, at fixed wall times and steps, for
TensorBoardTests to match byte for byte (scalars, text, the file_version event) or field by field
with the same decoded samples (audio).

Each fixture is the TFRecord payload of one event (`NAME.pb`), with `events.json` listing what
went in. Needs torch and tensorboard (fixture script only; the tests read the committed files).
Usage: python3 scripts/make_tensorboard_fixture.py
"""
import glob
import json
import math
import os
import struct
import tempfile

from torch.utils.tensorboard import SummaryWriter

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "TensorBoardTests", "Fixtures")


def payloads(path):
    data, records, i = open(path, "rb").read(), [], 0
    while i < len(data):
        (length,) = struct.unpack("<Q", data[i:i + 8])
        records.append(data[i + 12:i + 12 + length])
        i += 12 + length + 4
    return records


def main():
    os.makedirs(OUT, exist_ok=True)
    audio = [0.9 * math.sin(2 * math.pi * 440 * n / 16000) for n in range(400)] + [1.5, -1.5, 0.0, 1e-5, -1e-5]
    events = [
        ("scalar", {"tag": "train/bits_per_sample", "value": 3.2122443, "step": 7, "wall_time": 1765000000.25}),
        ("scalar-step0", {"tag": "validation/bits_per_sample/piano", "value": -0.125, "step": 0, "wall_time": 1765000001.5}),
        ("scalar-big", {"tag": "train/samples_per_second", "value": 123456.78, "step": 300000, "wall_time": 1765000002.0}),
        ("text", {"tag": "run/command", "text": "wavenet train Samples --checkpoint m.safetensors — ünïcode", "step": 1, "wall_time": 1765000003.0}),
        ("audio", {"tag": "samples/piano", "samples": audio, "sample_rate": 16000, "step": 500, "wall_time": 1765000004.5}),
    ]
    with tempfile.TemporaryDirectory() as work:
        writer = SummaryWriter(work)
        for kind, e in events:
            if kind.startswith("scalar"):
                writer.add_scalar(e["tag"], e["value"], e["step"], walltime=e["wall_time"])
            elif kind == "text":
                writer.add_text(e["tag"], e["text"], e["step"], walltime=e["wall_time"])
            else:
                import torch
                writer.add_audio(e["tag"], torch.tensor(e["samples"]), e["step"], sample_rate=e["sample_rate"], walltime=e["wall_time"])
        writer.close()
        records = payloads(glob.glob(os.path.join(work, "events.out.tfevents.*"))[0])
    # The first record is file_version at the writer's own time: kept with that time listed.
    from tensorboard.compat.proto.event_pb2 import Event
    first = Event.FromString(records[0])
    open(os.path.join(OUT, "file-version.pb"), "wb").write(records[0])
    for (name, _), record in zip(events, records[1:]):
        open(os.path.join(OUT, name + ".pb"), "wb").write(record)
    listing = {"file_version_wall_time": first.wall_time, "events": [{"name": n, "kind": n.split("-")[0], **e} for n, e in events]}
    json.dump(listing, open(os.path.join(OUT, "events.json"), "w"), indent=1)
    print(f"{len(records)} records; file_version {first.file_version!r}")


if __name__ == "__main__":
    main()
