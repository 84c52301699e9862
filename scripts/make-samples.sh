#!/usr/bin/env bash
# Rebuilds Samples/: piano pieces written as MIDI by make_midi.py and rendered with the
# sampled FluidR3 General MIDI piano (fluid-soundfont-gm, MIT licence), 16 kHz mono FLAC.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v fluidsynth >/dev/null || [ ! -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || ! /usr/bin/python3 -c 'import mido' 2>/dev/null || ! command -v sox >/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y fluidsynth fluid-soundfont-gm python3-mido sox
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 scripts/make_midi.py "$work" 14 22
mkdir -p Samples
rm -f Samples/*.flac
for mid in "$work"/*.mid; do
  name=$(basename "$mid" .mid)
  fluidsynth -ni -q -F "$work/$name.wav" -r 16000 -g 0.6 /usr/share/sounds/sf2/FluidR3_GM.sf2 "$mid"
  # Mono, normalised to -1 dBFS peak, leading/trailing silence cut, 16-bit FLAC.
  sox "$work/$name.wav" -c 1 -b 16 "Samples/$name.flac" remix - silence 1 0.01 -60d reverse silence 1 0.01 -60d reverse gain -n -1
done
ls -l Samples/*.flac
du -ch Samples/*.flac | tail -1
