#!/usr/bin/env python3
"""Does a notes model listen to its notes? The early check FIELD_NOTES asks for, as one figure.

  python3 Benchmarks/notes_gain.py [--checkpoint piano-notes] [AUDIO ...]

For each audio file with its MIDI beside it (default: the checkpoint's held-out files), `wavenet
eval` scores the audio three ways: with its own MIDI, with the MIDI's keys moved a tritone up
(the right times, the wrong pitches), and with the MIDI half a second late (the right pitches at
the wrong times). The gains, in bits per sample, are what the true notes save over each wrong
version: near 0 for a model that ignores its notes (the failure others report), growing as it
learns pitch and timing from them. Needs `swift build -c release` and mido.
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile

import mido

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
WAVENET = os.path.join(ROOT, ".build", "release", "wavenet")


def altered(source, target, transpose=0, delay=0.0):
    """`source` with every note moved `transpose` keys and every event `delay` seconds later."""
    midi = mido.MidiFile(source)
    for track in midi.tracks:
        for message in track:
            if message.type in ("note_on", "note_off") and message.channel != 9:
                message.note = min(127, max(0, message.note + transpose))
    if delay:
        tempo = next((m.tempo for t in midi.tracks for m in t if m.type == "set_tempo"), 500000)
        ticks = round(delay * 1e6 / tempo * midi.ticks_per_beat)
        for track in midi.tracks:
            if track:
                track[0].time += ticks
    midi.save(target)


def bits(checkpoint, audio):
    out = subprocess.run([WAVENET, "eval", "--checkpoint", checkpoint, "--json", audio], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["bits_per_sample"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint", default="piano-notes")
    parser.add_argument("audio", nargs="*")
    args = parser.parse_args()
    files = args.audio
    if not files:
        info = json.loads(subprocess.run([WAVENET, "info", args.checkpoint, "--json"], check=True, capture_output=True, text=True).stdout)
        files = [p if os.path.isabs(p) else os.path.join(ROOT, p) for p in info["train"]["validation_files"]]
    print("| file | own MIDI (bits/sample) | keys a tritone up | half a second late | pitch gain | timing gain |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    totals = []
    with tempfile.TemporaryDirectory() as work:
        for audio in files:
            stem = os.path.splitext(os.path.basename(audio))[0]
            midi = os.path.splitext(audio)[0] + ".mid"
            figures = [bits(args.checkpoint, audio)]
            for n, change in enumerate([{"transpose": 6}, {"delay": 0.5}]):
                folder = os.path.join(work, f"{stem}-{n}")
                os.mkdir(folder)
                shutil.copy(audio, folder)
                altered(midi, os.path.join(folder, stem + ".mid"), **change)
                figures.append(bits(args.checkpoint, os.path.join(folder, os.path.basename(audio))))
            totals.append(figures)
            print(f"| {stem} | {figures[0]:.3f} | {figures[1]:.3f} | {figures[2]:.3f} | {figures[1] - figures[0]:+.3f} | {figures[2] - figures[0]:+.3f} |", flush=True)
    mean = [sum(f[i] for f in totals) / len(totals) for i in range(3)]
    print(f"| **mean** | {mean[0]:.3f} | {mean[1]:.3f} | {mean[2]:.3f} | {mean[1] - mean[0]:+.3f} | {mean[2] - mean[0]:+.3f} |")


if __name__ == "__main__":
    main()
