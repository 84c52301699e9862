#!/usr/bin/python3
"""Writes the piano pieces of the bundled corpus as format-0 MIDI files.

Deterministic (fixed seed): the same files on every run. Each piece mixes a
melody, chords or arpeggios in one key, at its own tempo, register and loudness,
so the corpus covers the whole keyboard and a range of attacks and decays.
Usage: make_midi.py OUT_DIR COUNT SECONDS
"""
import random
import sys

import mido

MAJOR = [0, 2, 4, 5, 7, 9, 11]
MINOR = [0, 2, 3, 5, 7, 8, 10]
PROGRESSIONS = [[0, 3, 4, 0], [0, 5, 3, 4], [0, 4, 5, 3], [1, 4, 0, 0], [5, 3, 0, 4]]
STYLES = ["melody+chords", "arpeggios", "melody+bass", "chorale", "scales", "broken-octaves"]


def degree_to_pitch(root, scale, degree):
    octave, step = divmod(degree, len(scale))
    return root + 12 * octave + scale[step]


def piece(rng, index, seconds):
    style = STYLES[index % len(STYLES)]
    bpm = rng.choice([66, 76, 88, 100, 112, 126, 140])
    root = 48 + rng.randrange(12) + rng.choice([-12, 0, 0, 12])
    scale = rng.choice([MAJOR, MAJOR, MINOR])
    beat = 480  # ticks per beat
    events = []  # (tick, on, pitch, velocity)

    def note(start, length, pitch, velocity):
        pitch = max(21, min(108, pitch))
        events.append((start, 1, pitch, velocity))
        events.append((start + length, 0, pitch, 0))

    total_beats = int(seconds * bpm / 60)
    progression = rng.choice(PROGRESSIONS)
    loud = rng.randrange(55, 100)
    t = 0
    bar = 0
    while t < total_beats * beat:
        chord_degree = progression[bar % len(progression)]
        chord = [degree_to_pitch(root - 12, scale, chord_degree + k) for k in (0, 2, 4)]
        velocity = lambda: max(30, min(120, loud + rng.randrange(-15, 16)))
        if style in ("melody+chords", "chorale"):
            for k, p in enumerate(chord):
                note(t, 4 * beat - 20, p + (12 if style == "chorale" else 0), velocity() - 10)
            steps = [1, 1, 2] if style == "melody+chords" else [4]
            pos = 0
            degree = chord_degree + 7 + rng.choice([0, 2, 4])
            while pos < 4:
                length = min(rng.choice(steps), 4 - pos)
                degree += rng.choice([-2, -1, -1, 0, 1, 1, 2])
                note(t + pos * beat, length * beat - 10, degree_to_pitch(root, scale, degree), velocity())
                pos += length
        elif style == "arpeggios":
            pattern = chord + [chord[0] + 12, chord[2] + 12, chord[0] + 24]
            for k in range(8):
                p = pattern[k % len(pattern)] + 12 * rng.choice([0, 0, 1])
                note(t + k * beat // 2, beat, p, velocity())
        elif style == "melody+bass":
            note(t, 2 * beat, chord[0] - 12, velocity())
            note(t + 2 * beat, 2 * beat, chord[2] - 12, velocity() - 10)
            degree = chord_degree + 7
            for k in range(8):
                degree += rng.choice([-1, 1, 1, 2, -2])
                if rng.random() < 0.85:
                    note(t + k * beat // 2, beat // 2 - 10, degree_to_pitch(root + 12, scale, degree), velocity())
        elif style == "scales":
            direction = rng.choice([1, -1])
            start = chord_degree + rng.choice([0, 7])
            for k in range(8):
                note(t + k * beat // 2, beat // 2, degree_to_pitch(root, scale, start + direction * k), velocity())
        else:  # broken octaves
            for k in range(4):
                p = chord[k % 3]
                note(t + k * beat, beat // 2, p, velocity())
                note(t + k * beat + beat // 2, beat // 2, p + 12, velocity() - 5)
        t += 4 * beat
        bar += 1

    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
    track.append(mido.Message("program_change", program=0, channel=0, time=0))
    events.sort(key=lambda e: (e[0], e[1]))
    now = 0
    for tick, on, pitch, velocity in events:
        kind = "note_on" if on else "note_off"
        track.append(mido.Message(kind, note=pitch, velocity=velocity, channel=0, time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=2 * beat))
    midi = mido.MidiFile(type=0, ticks_per_beat=beat)
    midi.tracks.append(track)
    return midi, f"{style} {bpm} bpm"


def main():
    out_dir, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    rng = random.Random(20261121)
    for i in range(count):
        midi, description = piece(rng, i, seconds)
        path = f"{out_dir}/piano-{i + 1:02d}.mid"
        midi.save(path)
        print(f"{path}: {description}")


if __name__ == "__main__":
    main()
