#!/usr/bin/env python3
"""Reads a `train --tensorboard DIR` folder with TensorBoard's own EventAccumulator and prints
what it found: every tag with its steps and last value, audio samples, texts. The same check as
TensorBoardCommandTests, through TensorBoard itself.

  python3 Benchmarks/tensorboard_check.py DIR [--log LOG.jsonl]

With --log, also compares each scalar with the JSONL log's last line for that step (as floats).
Needs `pip install tensorboard`.
"""
import argparse
import json
import struct

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

PAIRS = {"train/bits_per_sample": "bits_per_sample", "train/samples_per_second": "samples_per_second",
         "train/gradient_norm": "gradient_norm", "train/learning_rate": "learning_rate",
         "validation/bits_per_sample": "validation_bits_per_sample"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--log")
    args = parser.parse_args()
    events = EventAccumulator(args.folder, size_guidance={"scalars": 0, "audio": 0, "tensors": 0})
    events.Reload()
    tags = events.Tags()
    for tag in tags["scalars"]:
        values = events.Scalars(tag)
        print(f"scalar {tag}: {len(values)} points, steps {values[0].step}...{values[-1].step}, last {values[-1].value:.6g}")
    for tag in tags["audio"]:
        samples = events.Audio(tag)
        print(f"audio {tag}: {len(samples)} samples at steps {[s.step for s in samples]}, {samples[-1].sample_rate:.0f} Hz, "
              f"{samples[-1].length_frames} frames, {samples[-1].content_type}")
    for tag in tags["tensors"]:
        text = events.Tensors(tag)[-1].tensor_proto.string_val[0].decode()
        print(f"text {tag}: {text[:100]!r}")
    if args.log:
        by_step = {}
        for line in open(args.log):
            entry = json.loads(line)
            if "step" in entry:
                by_step[entry["step"]] = entry
        f32 = lambda x: struct.unpack("f", struct.pack("f", x))[0]
        mismatches = checked = 0
        for tag, key in PAIRS.items():
            if tag not in tags["scalars"]:
                continue
            for point in events.Scalars(tag):
                checked += 1
                if by_step.get(point.step, {}).get(key) is None or f32(by_step[point.step][key]) != point.value:
                    mismatches += 1
        steps = sorted(p.step for p in events.Scalars("train/bits_per_sample"))
        print(f"log: {checked} scalars compared, {mismatches} differ; steps each shown once: {steps == sorted(set(steps))} "
              f"({len(steps)} steps, log has {len(by_step)})")


if __name__ == "__main__":
    main()
