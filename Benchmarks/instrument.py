#!/usr/bin/env python3
"""The notes model's figures (issue 11): does it play what the MIDI says?

  python3 Benchmarks/instrument.py [--checkpoint P] [--seeds 1,2,3] [--temperature T] [--training] [MIDI...]

For each MIDI file (default: the held-out pieces the checkpoint stores, `.flac` -> `.mid`; with
--training, the training pieces too) the model's render (`wavenet generate --from FILE.mid
--tail 0`) is compared with the MIDI and with fluidsynth's render of it (FluidR3 GM piano, the
corpus's own renderer):
  pitch   single held notes of at least 200 ms (no other note sounding in their middle): the
          fraction whose pyin pitch over the middle 50% of the note is within 50 cents of the key
  onsets  F-measure of librosa's onsets in the render against the MIDI's note-on times (mir_eval, 50 ms);
          note-ons within 30 ms of each other count as one onset (a chord), and the detector runs at
          an 8 ms hop with peak threshold 0.03: at librosa's defaults (hop 512 = 32 ms at 16 kHz,
          threshold 0.07) fluidsynth's own render scored only 0.27-0.54 on the held-out pieces, so
          the measure could not tell a 0.9 target from noise; with these it scores 0.91-0.99
  chroma  correlation of the two renders' chroma (librosa chroma_cqt), frame by frame
Per file the median over seeds; then the median over files. fluidsynth's own render gets the
pitch and onset figures too: the ceiling of the measures themselves.

Needs `swift build -c release`, fluidsynth and fluid-soundfont-gm (Debian), and
`pip install librosa mir_eval mido soundfile`.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import librosa
import mido
import mir_eval
import numpy as np
import soundfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
WAVENET = os.path.join(ROOT, ".build", "release", "wavenet")
SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"


def notes_of(path):
    """(key, on, off) in seconds, drums left out, velocity-0 note-ons as note-offs."""
    t, open_notes, notes = 0.0, {}, []
    for message in mido.MidiFile(path):
        t += message.time
        if message.type == "note_on" and message.velocity > 0 and message.channel != 9:
            open_notes.setdefault(message.note, []).append(t)
        elif message.type in ("note_on", "note_off") and message.channel != 9:
            notes += [(message.note, on, t) for on in open_notes.pop(message.note, [])]
    return notes


def single_held_notes(notes):
    out = []
    for key, on, off in notes:
        if off - on < 0.2:
            continue
        middle = ((3 * on + off) / 4, (on + 3 * off) / 4)
        if not any(o < middle[1] and f > middle[0] for k, o, f in notes if (k, o, f) != (key, on, off)):
            out.append((key, on, off))
    return out


def pitch_correct(audio, sr, notes):
    if not notes:
        return None
    correct = 0
    for key, on, off in notes:
        a, b = int(sr * (3 * on + off) / 4), int(sr * (on + 3 * off) / 4)
        f0, voiced, _ = librosa.pyin(audio[a:b], fmin=25, fmax=4200, sr=sr, frame_length=2048)
        f0 = f0[voiced] if voiced.any() else np.array([])
        if len(f0) and abs(1200 * np.log2(np.median(f0) / librosa.midi_to_hz(key))) <= 50:
            correct += 1
    return correct / len(notes)


ONSET_HOP = 128    # 8 ms at 16 kHz
ONSET_DELTA = 0.03
CHORD_SECONDS = 0.03


def onsets_of(notes):
    """The note-on times, those within CHORD_SECONDS of the previous onset merged into it."""
    merged = []
    for on in sorted(on for _, on, _ in notes):
        if not merged or on - merged[-1] > CHORD_SECONDS:
            merged.append(on)
    return np.asarray(merged)


def onset_f(audio, sr, notes):
    estimated = librosa.onset.onset_detect(y=audio, sr=sr, hop_length=ONSET_HOP, delta=ONSET_DELTA, units="time")
    return mir_eval.onset.f_measure(onsets_of(notes), np.asarray(estimated), window=0.05)[0]


def chroma_correlation(a, b, sr):
    n = min(len(a), len(b))
    ca, cb = librosa.feature.chroma_cqt(y=a[:n], sr=sr), librosa.feature.chroma_cqt(y=b[:n], sr=sr)
    return float(np.corrcoef(ca.ravel(), cb.ravel())[0, 1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint", default=os.path.join(ROOT, "Checkpoints", "piano-notes.safetensors"))
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--temperature", default="1.0")
    parser.add_argument("--training", action="store_true", help="also the training pieces")
    parser.add_argument("files", nargs="*")
    args = parser.parse_intermixed_args()
    from safetensors import safe_open
    with safe_open(args.checkpoint, "np") as f:
        meta = f.metadata()
    sr = json.loads(meta["config"])["sample_rate"]
    train = json.loads(meta.get("train", "{}"))
    groups = {"given": args.files} if args.files else {"held out": train.get("validation_files", [])}
    if args.training and not args.files:
        groups["training"] = train.get("training_files", [])
    with tempfile.TemporaryDirectory() as work:
        for group, audio_files in groups.items():
            rows = []
            for path in audio_files:
                midi = path if path.endswith(".mid") else os.path.splitext(path)[0] + ".mid"
                midi = midi if os.path.isabs(midi) else os.path.join(ROOT, midi)
                notes = notes_of(midi)
                singles = single_held_notes(notes)
                ref_wav = os.path.join(work, "fluid.wav")
                subprocess.run(["fluidsynth", "-ni", "-q", "-F", ref_wav, "-r", str(sr), "-g", "0.6", SF2, midi], check=True, capture_output=True)
                reference, _ = soundfile.read(ref_wav)
                reference = reference.mean(axis=1) if reference.ndim == 2 else reference
                ceiling = (pitch_correct(reference, sr, singles), onset_f(reference, sr, notes))
                runs = []
                for seed in args.seeds.split(","):
                    out = os.path.join(work, "out.wav")
                    subprocess.run([WAVENET, "generate", "--checkpoint", args.checkpoint, "--from", midi, "--tail", "0", "--out", out,
                                    "--seed", seed, "--temperature", args.temperature], check=True, capture_output=True)
                    audio, _ = soundfile.read(out)
                    runs.append((pitch_correct(audio, sr, singles), onset_f(audio, sr, notes), chroma_correlation(audio, reference, sr)))
                median = lambda i: statistics.median(r[i] for r in runs) if runs[0][i] is not None else None
                row = (os.path.relpath(midi, ROOT), len(singles), median(0), median(1), median(2), ceiling)
                rows.append(row)
                fmt = lambda v: "-" if v is None else f"{v:.3f}"
                print(f"{group} {row[0]}: {len(singles)} single notes; pitch {fmt(row[2])} onsets {fmt(row[3])} chroma {fmt(row[4])} | "
                      f"fluidsynth pitch {fmt(ceiling[0])} onsets {fmt(ceiling[1])}", file=sys.stderr, flush=True)
            print(f"\n{group} (temperature {args.temperature}, median of seeds {args.seeds}):\n")
            print("| MIDI | single notes | pitch correct | onset F | chroma corr. | fluidsynth pitch | fluidsynth onset F |")
            print("| --- | --- | --- | --- | --- | --- | --- |")
            fmt = lambda v: "-" if v is None else f"{v:.3f}"
            for name, singles, p, o, c, (fp, fo) in rows:
                print(f"| {name} | {singles} | {fmt(p)} | {fmt(o)} | {fmt(c)} | {fmt(fp)} | {fmt(fo)} |")
            if rows:
                med = lambda i: fmt(statistics.median(r[i] for r in rows if r[i] is not None)) if any(r[i] is not None for r in rows) else "-"
                print(f"| **median** | | {med(2)} | {med(3)} | {med(4)} | | |")


if __name__ == "__main__":
    main()
