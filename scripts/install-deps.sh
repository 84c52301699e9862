#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need (run as root, or with sudo).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
packages="libsndfile1-dev libasound2-dev libopenblas-dev libsamplerate0-dev libfftw3-dev libopenmpi-dev openmpi-bin"
if ! dpkg -s $packages >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $packages
fi
