"""When fluidsynth's piano sounds a note, so that MIDI stored beside a render matches its audio.

fluidsynth renders in blocks of 64 samples (4 ms at 16 kHz): its MIDI player runs once per block
and starts the notes whose time has come, so a note-on at T ms takes effect at the first block
boundary at or after T. The voice is then heard a few milliseconds later, and how many depends on
the key and velocity (which sample of the soundfont plays, and how fast its attack rises): 4.4 to
7.4 ms measured here. This module measures that delay for each (key, velocity) a set of MIDI
files uses, by rendering each pair alone on a block boundary, and so predicts when each note of a
render is first heard.

The onset of a note in audio is the first sample whose magnitude reaches 1% of the note's peak
(-40 dB), and at least two 16-bit steps: independent of the note's loudness, and above the
soundfont's noise floor.

Used by make_drills.py and align_sample_midi.py; needs fluidsynth, fluid-soundfont-gm and the
Debian packages python3-mido and python3-numpy.
"""
import math
import os
import subprocess
import tempfile
import wave

import mido
import numpy as np

SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
RATE = 16000
BLOCK_MS = 64 * 1000 / RATE  # fluidsynth's block, 4 ms
ONSET_FRACTION = 0.01
# Calibration notes: one every SPACING_MS, held HOLD_MS, each on a block boundary.
SPACING_MS, HOLD_MS = 3000, 300
# fluidsynth sounds the first note of a render this much later than calibrate() predicts (the
# median over the 14 corpus pieces' first chords, 0.38 to 1.06 ms; renders with a primer avoid it).
FIRST_NOTE_MS = 0.6


def render(midi_path, wav_path):
    """fluidsynth's render of a MIDI file, the command make-samples.sh uses (no trimming)."""
    subprocess.run(["fluidsynth", "-ni", "-q", "-F", wav_path, "-r", str(RATE), "-g", "0.6", SF2, midi_path],
                   check=True, capture_output=True)


def read_mono(wav_path):
    """A 16-bit WAV as float64 mono in [-1, 1) (the mean of its channels, as sox's `remix -`)."""
    with wave.open(wav_path) as w:
        assert w.getframerate() == RATE and w.getsampwidth() == 2, wav_path
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return data.reshape(-1, w.getnchannels()).astype(np.float64).mean(axis=1) / 32768


def threshold(audio, start, length):
    """The onset level of the note starting at `start`: ONSET_FRACTION of its peak in the next
    `length` samples, and at least two steps of 16-bit audio (the soundfont's noise is one)."""
    return max(ONSET_FRACTION * np.abs(audio[start:start + length]).max(), 2 / 32768)


def onset(audio, start, length):
    """The first sample at or after `start` reaching the note's threshold."""
    part = np.abs(audio[start:start + length])
    return start + int(np.argmax(part >= threshold(audio, start, length)))


def block_ms(t_ms):
    """When fluidsynth's player starts an event due at t_ms: the first block boundary at or after it."""
    return math.ceil(t_ms / BLOCK_MS - 1e-9) * BLOCK_MS


def note_ons(midi):
    """(seconds, key, velocity) of every note-on in a MIDI file, tempo changes applied (mido's clock)."""
    out, now = [], 0.0
    for message in midi:  # merged tracks, times in seconds
        now += message.time
        if message.type == "note_on" and message.velocity > 0:
            out.append((now, message.note, message.velocity))
    return out


def timeline(events, primer=False, ticks_per_ms=16):
    """A format-0 MIDI file of (ms, message) pairs, 1000 * ticks_per_ms ticks a second (exact for
    block times). With `primer`, for rendering: a silent drum note at 0 (channel 10 at volume 0,
    which notes features leave out), because fluidsynth sounds the first note of a render
    FIRST_NOTE_MS later than every other one, and the primer takes that place."""
    midi = mido.MidiFile(type=0, ticks_per_beat=1000 * ticks_per_ms)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=1_000_000, time=0))  # one beat a second
    track.append(mido.Message("program_change", program=0, channel=0, time=0))
    if primer:
        events = [(0, mido.Message("control_change", channel=9, control=7, value=0)),
                  (0, mido.Message("note_on", channel=9, note=42, velocity=1)),
                  (100, mido.Message("note_off", channel=9, note=42, velocity=0))] + list(events)
    last = 0
    for ms, message in sorted(events, key=lambda e: (e[0], e[1].type == "note_on")):
        tick = round(ms * ticks_per_ms)
        track.append(message.copy(time=tick - last))
        last = tick
    track.append(mido.MetaMessage("end_of_track", time=1000 * ticks_per_ms))
    midi.tracks.append(track)
    return midi


def calibrate(pairs):
    """{(key, velocity): ms from the block that starts the note to its onset}, one render of all pairs."""
    # Neighbours far apart in pitch, so no note is measured over the release of its own key.
    pairs = sorted(set(pairs), key=lambda p: (p[0] % 4, p[1], p[0]))
    events = []
    for i, (key, velocity) in enumerate(pairs):
        on = 1000 + i * SPACING_MS
        events.append((on, mido.Message("note_on", note=key, velocity=velocity, channel=0)))
        events.append((on + HOLD_MS, mido.Message("note_off", note=key, velocity=0, channel=0)))
    with tempfile.TemporaryDirectory() as work:
        midi_path, wav_path = os.path.join(work, "calibration.mid"), os.path.join(work, "calibration.wav")
        timeline(events, primer=True).save(midi_path)
        render(midi_path, wav_path)
        audio = read_mono(wav_path)
    lags = {}
    for i, pair in enumerate(pairs):
        on = 1000 + i * SPACING_MS
        start = round(on * RATE / 1000)
        lags[pair] = (onset(audio, start, RATE // 10) - start) * 1000 / RATE
    return lags
