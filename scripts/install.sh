#!/usr/bin/env bash
# Installs wavenet and its shipped models (issue 15):
#   bash scripts/install.sh [PREFIX]                     build (release, Swift runtime linked in) and install
#   bash scripts/install.sh [PREFIX] --binary PATH       install a binary built already
#   bash scripts/install.sh [PREFIX] --uninstall         remove what an install put there
# PREFIX defaults to /usr/local: the tool goes to PREFIX/bin/wavenet, the models to
# PREFIX/share/wavenet/ (where the tool looks for them by name: --checkpoint vocoder).
# Needs the system libraries of scripts/install-deps.sh at run time too.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix=/usr/local binary="" uninstall=0
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) [ $# -ge 2 ] || { echo "install.sh: --binary needs a path" >&2; exit 64; }; binary="$2"; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "install.sh: unknown option $1" >&2; exit 64 ;;
    *) prefix="$1"; shift ;;
  esac
done
models=(default vocoder piano-notes)
bin="$prefix/bin" share="$prefix/share/wavenet"

if [ "$uninstall" -eq 1 ]; then
  rm -f "$bin/wavenet"
  for m in "${models[@]}"; do rm -f "$share/$m.safetensors"; done
  rm -f "$share/README.md"
  rmdir "$share" 2>/dev/null || true
  echo "removed wavenet from $prefix"
  exit 0
fi

if [ -z "$binary" ]; then
  # A scratch folder of its own: the static runtime needs other build flags than the development build.
  (cd "$root" && swift build -c release --static-swift-stdlib --scratch-path .build-install --product wavenet)
  binary="$root/.build-install/release/wavenet"
fi
[ -f "$binary" ] && [ -x "$binary" ] || { echo "install.sh: $binary: not an executable file" >&2; exit 1; }

# Each file copied under a temporary name, then renamed: an interrupted install leaves no half file.
put() {
  local from="$1" to="$2" mode="$3"
  install -m "$mode" "$from" "$to.installing"
  mv -f "$to.installing" "$to"
}
mkdir -p "$bin" "$share"
put "$binary" "$bin/wavenet" 755
for m in "${models[@]}"; do put "$root/Checkpoints/$m.safetensors" "$share/$m.safetensors" 644; done
put "$root/Checkpoints/README.md" "$share/README.md" 644
echo "installed $bin/wavenet ($("$bin/wavenet" --version)) and ${#models[@]} models in $share"
echo "uninstall: bash scripts/install.sh $prefix --uninstall"
