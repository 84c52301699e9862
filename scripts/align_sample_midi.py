#!/usr/bin/env python3
"""Writes Samples/piano-NN.mid, the MIDI of each committed piano piece, aligned to its FLAC.

The FLACs were rendered by scripts/make-samples.sh from make_midi.py's MIDI (deterministic) and
then trimmed by sox (leading and trailing silence below -60 dBFS), so the audio starts a few
milliseconds after the MIDI's time 0. Here each piece's MIDI is written again, rendered untrimmed
by the same fluidsynth command, and the trimmed FLAC is found in that render by cross-correlation:
the lag is what sox cut. The MIDI is then shifted earlier by exactly that lag (ticks per quarter
note raised from 480 to 24000, so a tick is at most 38 microseconds and rounding stays far under
1 ms) and saved beside the FLAC. Events that would fall before 0 (the tempo, the program) land
at 0; a note-on that would is reported (none should: sox cuts silence only).

Needs fluidsynth and fluid-soundfont-gm (Debian), and mido, numpy, soundfile (PyPI).
Usage: python3 scripts/align_sample_midi.py
"""
import os
import subprocess
import sys
import tempfile

import mido
import numpy as np
import soundfile

import fluid_timing as ft

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
RATE = 16000
SCALE = 50  # 480 -> 24000 ticks per quarter note (the format allows 32767)


def lag_of(trimmed, render):
    """The offset of `trimmed` inside `render`, by normalised cross-correlation of the first second."""
    head = trimmed[:RATE]
    search = render[: 3 * RATE + len(head)]
    n = 1 << int(np.ceil(np.log2(len(search) + len(head))))
    correlation = np.fft.irfft(np.fft.rfft(search, n) * np.conj(np.fft.rfft(head, n)), n)[: len(search) - len(head)]
    energy = np.sqrt(np.convolve(search ** 2, np.ones(len(head)), "valid")[: len(correlation)]) * np.linalg.norm(head)
    score = correlation / np.maximum(energy, 1e-12)
    lag = int(np.argmax(score))
    return lag, float(score[lag])


def shifted(midi, seconds, lags):
    """`midi` with ticks per quarter note x SCALE, every event `seconds` earlier (what sox cut), and
    each note (its note-on and note-off alike) later by when fluidsynth sounds it: the wait for the
    next 4 ms block plus the attack's delay for its key and velocity (`lags`, fluid_timing.calibrate)."""
    out = mido.MidiFile(type=midi.type, ticks_per_beat=midi.ticks_per_beat * SCALE)
    tempos = [m.tempo for m in midi.tracks[0] if m.type == "set_tempo"]
    assert len(set(tempos)) == 1, "one tempo per piece (make_midi.py writes one)"
    ms_per_tick = tempos[0] / 1000 / out.ticks_per_beat
    offset = round(seconds * 1000 / ms_per_tick)
    early_notes = 0
    for track in midi.tracks:
        absolute, events, delays = 0, [], {}
        for message in track:
            absolute += message.time * SCALE
            delay = 0
            if message.type == "note_on" and message.velocity > 0:
                on_ms = absolute * ms_per_tick
                delay = round((ft.block_ms(on_ms) - on_ms + lags[(message.note, message.velocity)]) / ms_per_tick)
                delays.setdefault((message.channel, message.note), []).append(delay)
            elif message.type in ("note_on", "note_off"):
                waiting = delays.get((message.channel, message.note))
                delay = waiting.pop(0) if waiting else 0
            t = absolute - offset + delay
            if t < 0:
                if message.type == "note_on" and message.velocity > 0:
                    early_notes += 1
                t = 0
            events.append((t, message))
        # A note-off moved later than the same key's next note-on would end the new note: it ends
        # at that note-on instead (a re-struck key whose new attack sounds sooner than the old one's).
        next_on = {}
        for i in reversed(range(len(events))):
            t, message = events[i]
            key = (message.channel, message.note) if message.type in ("note_on", "note_off") else None
            if key is None:
                continue
            if message.type == "note_on" and message.velocity > 0:
                next_on[key] = t
            elif key in next_on and t > next_on[key]:
                events[i] = (next_on[key], message)
        new, last = mido.MidiTrack(), 0
        is_on = lambda m: m.type == "note_on" and m.velocity > 0
        for t, message in sorted(events, key=lambda e: (e[0], is_on(e[1]))):  # note-offs first at a tie
            new.append(message.copy(time=t - last))
            last = t
        out.tracks.append(new)
    return out, offset, early_notes


def first_onset_error(midi, lags, render):
    """ms from the predicted sound of the first chord (its note-ons moved as `shifted` moves them)
    to its onset in the untrimmed `render`. The first chord follows silence, so it is the one
    isolated onset every piece has; sox cut into its attack, so the trimmed file cannot show it.
    Being the render's first note, it sounds ft.FIRST_NOTE_MS later than the notes after it."""
    ons = ft.note_ons(midi)
    first = min(t for t, _, _ in ons)
    predicted = min(ft.block_ms(t * 1000) + lags[(key, velocity)] for t, key, velocity in ons if t == first)
    return ft.onset(render, 0, RATE // 10) * 1000 / RATE - (predicted + ft.FIRST_NOTE_MS)


def main():
    samples = os.path.join(ROOT, "Samples")
    worst = 0.0
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_midi.py"), work, "14", "22"], check=True, capture_output=True)
        for name in sorted(f[:-4] for f in os.listdir(work) if f.endswith(".mid")):
            flac = os.path.join(samples, name + ".flac")
            if not os.path.exists(flac):
                print(f"{name}: no {flac}, skipped")
                continue
            wav = os.path.join(work, name + ".wav")
            subprocess.run(["fluidsynth", "-ni", "-q", "-F", wav, "-r", str(RATE), "-g", "0.6", SF2, os.path.join(work, name + ".mid")],
                           check=True, capture_output=True)
            render, rate = soundfile.read(wav)
            assert rate == RATE
            render = render.mean(axis=1) if render.ndim == 2 else render
            trimmed, _ = soundfile.read(flac)
            lag, score = lag_of(trimmed, render)
            assert score > 0.99, f"{name}: best match scores only {score:.4f}"
            midi = mido.MidiFile(os.path.join(work, name + ".mid"))
            lags = ft.calibrate((m.note, m.velocity) for m in midi if m.type == "note_on" and m.velocity > 0)
            aligned, offset, early = shifted(midi, lag / RATE, lags)
            out = os.path.join(samples, name + ".mid")
            aligned.save(out)
            end = aligned.length
            error = first_onset_error(midi, lags, render)
            worst = max(worst, abs(error))
            print(f"{name}: sox cut {lag} samples ({1000 * lag / RATE:.2f} ms), match {score:.5f}; MIDI shifted {offset} ticks; "
                  f"MIDI {end:.2f} s, audio {len(trimmed) / RATE:.2f} s; first chord heard minus predicted {error:+.3f} ms"
                  + (f"; {early} note-ons clamped to 0" if early else ""))
    print(f"largest first-onset error {worst:.3f} ms")
    if worst > 1.0:
        sys.exit("align_sample_midi.py: an onset is more than 1 ms from its note-on")


if __name__ == "__main__":
    main()
