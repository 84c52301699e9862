#!/usr/bin/env bash
# The README's first command: install the system libraries, build in release mode, and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release
.build/release/wavenet info Samples/piano-01.flac
