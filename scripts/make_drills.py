#!/usr/bin/python3
"""Renders the instrument's drills: every piano key at several velocities, alone and in chords,
scales and arpeggios, as 16 kHz mono FLAC with MIDI beside each file that is within 1 ms of it.

The drills extend the bundled pieces (Samples/piano-NN) so that a notes model hears every key of
its range many times. They are too large to commit (about 12 minutes), so they are rendered at
training time into a folder of their own (scripts/make-instrument-data.sh, into instrument-data/, ignored by git).

Timing: every note-on is placed on fluidsynth's 4 ms block grid, so the player starts it exactly
then, and the MIDI written beside the audio moves each note by the delay measured for its key
and velocity (fluid_timing.calibrate), so a note-on in the MIDI is when the note is first heard.
The script then checks that on the isolated single notes of the finished FLACs and exits with
status 1 if any onset is more than 1 ms from its note-on.

Deterministic: the same MIDI and, with the same fluidsynth and soundfont, the same audio.
Usage: make_drills.py OUT_DIR, or make_drills.py --fixture OUT_DIR for the test's few isolated notes.
"""
import os
import random
import subprocess
import sys
import tempfile

import mido
import numpy as np

import fluid_timing as ft

LOW, HIGH = 21, 108
VELOCITIES = [40, 70, 100, 120]
TOLERANCE_MS = 1.0


def grid(ms):
    """ms rounded to fluidsynth's block grid."""
    return round(ms / ft.BLOCK_MS) * ft.BLOCK_MS


def singles(rng, velocity):
    """Every key once at one velocity, in a shuffled order, each held 300-800 ms with 900 ms of quiet after."""
    keys = list(range(LOW, HIGH + 1))
    rng.shuffle(keys)
    notes, t = [], 1000
    for i, key in enumerate(keys):
        hold = [300, 500, 800][i % 3]
        notes.append((grid(t), grid(t + hold), key, velocity))
        t += hold + 900
    return notes


def chords(rng, count):
    """Triads and sevenths, root position and inversions, across the keyboard."""
    shapes = [[0, 4, 7], [0, 3, 7], [0, 3, 6], [0, 4, 7, 12], [0, 3, 8], [0, 5, 9], [0, 4, 7, 10], [0, 3, 7, 10], [0, 4, 7, 11]]
    notes, t = [], 1000
    for i in range(count):
        shape = shapes[i % len(shapes)]
        root = LOW + rng.randrange(HIGH - LOW - shape[-1] + 1)
        velocity = rng.choice(VELOCITIES)
        hold = rng.choice([400, 700, 1000])
        for step in shape:
            notes.append((grid(t), grid(t + hold), root + step, max(1, min(127, velocity + rng.randrange(-8, 9)))))
        t += hold + 500
    return notes


def scales(rng, count):
    """Major and minor scales, up and down two octaves, legato, 120-250 ms a note."""
    patterns = [[0, 2, 4, 5, 7, 9, 11], [0, 2, 3, 5, 7, 8, 10], [0, 2, 3, 5, 7, 8, 11]]
    notes, t = [], 1000
    for i in range(count):
        pattern = patterns[i % len(patterns)]
        root = LOW + rng.randrange(HIGH - LOW - 24 + 1)
        steps = [12 * (d // 7) + pattern[d % 7] for d in range(15)]
        if i % 2:
            steps.reverse()
        length = rng.choice([120, 160, 200, 250])
        velocity = rng.choice(VELOCITIES)
        for k, step in enumerate(steps):
            start = t + k * length
            notes.append((grid(start), grid(start + length - 10), root + step, max(1, min(127, velocity + rng.randrange(-10, 11)))))
        t += len(steps) * length + 600
    return notes


def arpeggios(rng, count):
    """Broken chords over two octaves, up then down, each note ringing on under the next ones."""
    shapes = [[0, 4, 7], [0, 3, 7], [0, 4, 7, 10], [0, 3, 6, 9]]
    notes, t = [], 1000
    for i in range(count):
        shape = shapes[i % len(shapes)]
        root = LOW + rng.randrange(HIGH - LOW - 24 - shape[-1] + 1)
        up = [root + 12 * octave + step for octave in (0, 1) for step in shape] + [root + 24]
        run = up + up[-2::-1]
        length = rng.choice([100, 150, 200])
        velocity = rng.choice(VELOCITIES)
        for k, key in enumerate(run):
            start = t + k * length
            notes.append((grid(start), grid(start + 3 * length), key, max(1, min(127, velocity + rng.randrange(-10, 11)))))
        t += len(run) * length + 3 * length + 600
    return notes


def drills():
    """{name: [(on_ms, off_ms, key, velocity)]}, render times on the block grid."""
    rng = random.Random(20261204)
    out = {f"drill-singles-{velocity:03d}": singles(rng, velocity) for velocity in VELOCITIES}
    out["drill-chords-1"] = chords(rng, 70)
    out["drill-chords-2"] = chords(rng, 70)
    out["drill-scales"] = scales(rng, 36)
    out["drill-arpeggios"] = arpeggios(rng, 36)
    return out


def messages(notes, shift):
    """(ms, message) pairs of `notes`, each note moved later by shift[(key, velocity)] ms (0 without)."""
    events = []
    for on, off, key, velocity in notes:
        d = shift.get((key, velocity), 0.0) if shift else 0.0
        events.append((on + d, mido.Message("note_on", note=key, velocity=velocity, channel=0)))
        events.append((off + d, mido.Message("note_off", note=key, velocity=0, channel=0)))
    return events


def isolated(notes, quiet_ms=500):
    """Single notes with nothing sounding (no other note held or struck) for quiet_ms before them."""
    out = []
    for i, (on, off, key, velocity) in enumerate(notes):
        others = notes[:i] + notes[i + 1:]
        if all(o_off + quiet_ms <= on or o_on >= off for o_on, o_off, _, _ in others):
            out.append((on, key, velocity))
    return out


def fixture():
    """A few isolated notes across the keyboard and velocities, for the alignment test
    (Tests/FeaturesTests/Fixtures/alignment): 2 s apart, each held 300 ms."""
    picks = [(21, 40), (40, 120), (60, 70), (64, 100), (79, 40), (96, 120), (108, 70)]
    return {"isolated-notes": [(grid(500 + 2000 * i), grid(800 + 2000 * i), key, velocity) for i, (key, velocity) in enumerate(picks)]}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--fixture":
        pieces, out_dir = fixture(), sys.argv[2]
    elif len(sys.argv) == 2:
        pieces, out_dir = drills(), sys.argv[1]
    else:
        sys.exit("usage: make_drills.py OUT_DIR | --fixture OUT_DIR")
    os.makedirs(out_dir, exist_ok=True)
    lags = ft.calibrate((key, velocity) for notes in pieces.values() for _, _, key, velocity in notes)
    print(f"fluidsynth delay from block to onset: {min(lags.values()):.2f} to {max(lags.values()):.2f} ms over {len(lags)} (key, velocity) pairs")
    worst, checked, total = 0.0, 0, 0.0
    with tempfile.TemporaryDirectory() as work:
        for name, notes in pieces.items():
            midi_path, wav_path = os.path.join(work, name + ".mid"), os.path.join(work, name + ".wav")
            ft.timeline(messages(notes, None), primer=True).save(midi_path)
            ft.render(midi_path, wav_path)
            flac = os.path.join(out_dir, name + ".flac")
            # As make-samples.sh, without the trim: the time line stays the MIDI's.
            subprocess.run(["sox", wav_path, "-c", "1", "-b", "16", flac, "remix", "-", "gain", "-n", "-1"], check=True)
            ft.timeline(messages(notes, lags)).save(os.path.join(out_dir, name + ".mid"))
            decoded = os.path.join(work, name + "-decoded.wav")
            subprocess.run(["sox", flac, "-b", "16", decoded], check=True)
            audio = ft.read_mono(decoded)
            errors = []
            for on, key, velocity in isolated(notes):
                start = round(on * ft.RATE / 1000)
                # Only where the room is quiet: a loud note's reverberation can still be above a
                # soft note's onset level a second later.
                if np.abs(audio[start - ft.RATE // 50:start]).max() > max(ft.threshold(audio, start, ft.RATE // 10) / 10, 1 / 32768):
                    continue
                heard = ft.onset(audio, start, ft.RATE // 10) * 1000 / ft.RATE
                errors.append(heard - (on + lags[(key, velocity)]))
                if abs(errors[-1]) > 0.6: print("  ", on, key, velocity, round(errors[-1], 3), lags[(key, velocity)])
            if errors:
                worst = max(worst, max(abs(e) for e in errors))
                checked += len(errors)
            seconds = len(audio) / ft.RATE
            total += seconds
            print(f"{flac}: {len(notes)} notes, {seconds:.1f} s; {len(errors)} isolated notes, "
                  f"onset minus MIDI note-on {min(errors, default=0):+.3f} to {max(errors, default=0):+.3f} ms")
    print(f"{total / 60:.1f} minutes in all; {checked} isolated notes, largest onset error {worst:.3f} ms")
    if checked == 0 or worst > TOLERANCE_MS:
        sys.exit(f"make_drills.py: onsets are not within {TOLERANCE_MS} ms of their MIDI note-ons")


if __name__ == "__main__":
    main()
