#!/usr/bin/env bash
# The instrument's training folder (issue 11): the drills (every key at four velocities, chords,
# scales, arpeggios; about 16 minutes, rendered by make_drills.py with MIDI within 1 ms of each
# onset) beside links to the bundled piano pieces and their MIDI. Too large to commit, so it is
# rendered here, into an ignored folder (default instrument-data/ at the top of the package).
# Then: wavenet train instrument-data --local notes ...  (see Checkpoints/README.md)
# Needs fluidsynth, fluid-soundfont-gm, sox (Debian) and mido, numpy (PyPI or Debian).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/instrument-data}"
mkdir -p "$out"
python3 "$root/scripts/make_drills.py" "$out"
samples="$(cd "$root/Samples" && pwd)"
for f in "$samples"/piano-*.flac "$samples"/piano-*.mid; do
  ln -sfn "$(realpath --relative-to="$out" "$f")" "$out/$(basename "$f")"
done
echo "$out: $(ls "$out" | grep -c '\.flac$') audio files with their MIDI"
