#!/usr/bin/env bash
# The README's first command: install the system libraries, build in release mode, and
# generate a few seconds of piano from the shipped model into generated.wav.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release
.build/release/wavenet generate --out generated.wav --seconds 5 --seed 7
.build/release/wavenet info generated.wav
cat <<'TXT'

Wrote generated.wav (5 s from Checkpoints/default.safetensors).
Hear the model live while it generates:
  .build/release/wavenet play --seconds 10
On a machine without a default sound card, name a device (see --list-devices), e.g.
  .build/release/wavenet play --seconds 10 --device plughw:0,0
TXT
