#!/usr/bin/env bash
# The README's TensorBoard screenshots (docs/tensorboard-*.png): a shortened run of the default
# recipe on the bundled piano, shown by a local tensorboard, photographed by headless Chromium.
# Needs `pip install tensorboard` and Debian's chromium. Usage: bash scripts/tensorboard-screenshot.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir "$work/piano"
ln -s "$root"/Samples/piano-*.flac "$work/piano/"
"$root/.build/release/wavenet" train "$work/piano" --checkpoint "$work/m.safetensors" --steps 300 --save-every 100 \
  --validate-every 50 --validation-fraction 0.15 --tensorboard "$work/board" --log "$work/m.jsonl"
tensorboard --logdir "$work/board" --host 127.0.0.1 --port 6006 >/dev/null 2>&1 &
server=$!
sleep 8
shoot() {  # tab, height, file
  chromium --headless --no-sandbox --use-angle=swiftshader --enable-unsafe-swiftshader --hide-scrollbars \
    --window-size=1400,"$2" --virtual-time-budget=20000 --screenshot="$root/docs/$3" "http://127.0.0.1:6006/?darkMode=false#$1"
}
shoot "scalars&_smoothingWeight=0" 1000 tensorboard-scalars.png
shoot audio 700 tensorboard-audio.png
