#!/usr/bin/env python3
"""Writes small MIDI files and their `notes` features (MODEL_SPEC.md) for the Swift tests, into
Tests/FeaturesTests/Fixtures/midi/:

  format0.mid      one track: running status, velocity-0 note-offs, a chord, a key re-struck
                   while it still sounds (overlapping notes), a note-on exactly on a frame boundary
  format1.mid      a tempo track with three tempo changes (the notes' times cross them), a piano
                   track on channel 1 with the sustain pedal (notes released under it ring on to
                   the pedal-up), a second track on channel 2 whose note-offs are 0x80 messages,
                   drums on channel 10 (left out) and two keys outside 21...108 (left out)
  NAME.npy         the features, float32 [frames, 2K], at 16 kHz, hop 160, keys 21...108
  NAME-narrow.npy  the same with keys 60...72 (more notes out of range)
  NAME.json        frames, end (seconds), drum notes, notes in and out of range per key range

The MIDI files are written with mido (which writes running status), and read back with mido: its
parser and tempo handling are independent of the Swift ones; the piano roll rules are written
here from the spec (wavenet_torch.notes_of and roll), without the Swift code. Needs `pip install mido numpy torch`.
Usage: python3 scripts/make_midi_fixture.py [OUTPUT_FOLDER]
"""
import json
import os
import sys

import mido
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wavenet_torch import notes_of, roll  # noqa: E402

SR, HOP = 16000, 160


def format0(path):
    m = mido.MidiFile(type=0, ticks_per_beat=96)
    t = mido.MidiTrack()
    m.tracks.append(t)
    t.append(mido.MetaMessage("set_tempo", tempo=600000, time=0))
    # A C major chord, note-offs as velocity-0 note-ons (running status all the way).
    for key, velocity in [(60, 100), (64, 80), (67, 60)]:
        t.append(mido.Message("note_on", channel=0, note=key, velocity=velocity, time=0))
    t.append(mido.Message("note_on", channel=0, note=64, velocity=0, time=48))
    # Re-strike 60 while it sounds: two notes of one key overlap; the louder one sets the level.
    t.append(mido.Message("note_on", channel=0, note=60, velocity=120, time=24))
    t.append(mido.Message("note_on", channel=0, note=60, velocity=0, time=40))  # ends both
    t.append(mido.Message("note_on", channel=0, note=67, velocity=0, time=8))
    # Tick 200 = 1.25 s = frame 125 exactly: this onset falls on a frame boundary.
    t.append(mido.Message("note_on", channel=0, note=21, velocity=1, time=80))
    t.append(mido.Message("note_on", channel=0, note=108, velocity=127, time=5))
    t.append(mido.Message("note_on", channel=0, note=21, velocity=0, time=30))
    t.append(mido.Message("note_on", channel=0, note=108, velocity=0, time=1))
    t.append(mido.Message("program_change", channel=0, program=3, time=10))
    m.save(path)


def format1(path):
    m = mido.MidiFile(type=1, ticks_per_beat=480)
    tempo = mido.MidiTrack()
    m.tracks.append(tempo)
    tempo.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
    tempo.append(mido.MetaMessage("set_tempo", tempo=250000, time=700))
    tempo.append(mido.MetaMessage("set_tempo", tempo=1000000, time=500))
    tempo.append(mido.MetaMessage("set_tempo", tempo=433333, time=333))
    piano = mido.MidiTrack()
    m.tracks.append(piano)
    events = [  # (absolute tick, message)
        (0, mido.Message("note_on", channel=0, note=48, velocity=90)),
        (200, mido.Message("control_change", channel=0, control=64, value=127)),
        (300, mido.Message("note_off", channel=0, note=48, velocity=40)),  # released under the pedal
        (350, mido.Message("note_on", channel=0, note=52, velocity=70)),
        (500, mido.Message("note_on", channel=0, note=52, velocity=0)),
        (900, mido.Message("control_change", channel=0, control=64, value=10)),  # pedal up: both end
        (950, mido.Message("note_on", channel=0, note=55, velocity=64)),
        (1100, mido.Message("control_change", channel=0, control=64, value=64)),  # down again
        (1300, mido.Message("note_on", channel=0, note=10, velocity=50)),  # below 21: left out
        (1400, mido.Message("note_on", channel=0, note=10, velocity=0)),
        (1600, mido.Message("note_on", channel=0, note=55, velocity=0)),  # held to the end by the pedal
        (1700, mido.Message("note_on", channel=0, note=115, velocity=50)),  # above 108: left out
        (1750, mido.Message("note_off", channel=0, note=115, velocity=0)),
        (2400, mido.Message("control_change", channel=0, control=7, value=100)),
    ]
    last = 0
    for tick, message in events:
        piano.append(message.copy(time=tick - last))
        last = tick
    other = mido.MidiTrack()
    m.tracks.append(other)
    events = [
        (100, mido.Message("note_on", channel=1, note=72, velocity=30)),
        (100, mido.Message("note_on", channel=9, note=36, velocity=100)),  # drums: left out
        (160, mido.Message("note_off", channel=9, note=36, velocity=0)),
        (1000, mido.Message("note_off", channel=1, note=72, velocity=0)),  # the pedal is on channel 1 only
        (1000, mido.Message("note_on", channel=1, note=72, velocity=99)),  # re-struck at the same tick
        (1250, mido.Message("note_off", channel=1, note=72, velocity=0)),
    ]
    last = 0
    for tick, message in events:
        other.append(message.copy(time=tick - last))
        last = tick
    m.save(path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "Tests", "FeaturesTests", "Fixtures", "midi")
    os.makedirs(out, exist_ok=True)
    for name, write in [("format0", format0), ("format1", format1)]:
        path = os.path.join(out, name + ".mid")
        write(path)
        notes, end, drums = notes_of(path)
        summary = {"end": end, "drum_notes": drums, "notes": len(notes)}
        for suffix, (low, high) in [("", (21, 108)), ("-narrow", (60, 72))]:
            values, frames, inside, outside = roll(notes, end, low, high, SR, HOP)
            np.save(os.path.join(out, name + suffix + ".npy"), values)
            summary["frames" + suffix.replace("-", "_")] = frames
            summary["in_range" + suffix.replace("-", "_")] = inside
            summary["out_of_range" + suffix.replace("-", "_")] = outside
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(summary, f, indent=1, sort_keys=True)
        print(name, summary)


if __name__ == "__main__":
    main()
