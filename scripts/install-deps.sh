#!/usr/bin/env bash
# Installs the Debian packages aiscale builds with, skipping those already present.
# Runs as root (CI and fresh machines) or through sudo when available.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libsimgrid-dev          # event engine (SimGrid S4U)
  libboost-graph-dev      # topology graphs, routing, bisection
  nlohmann-json3-dev      # scenario / result / profile JSON
  libcli11-dev            # command-line parsing
  libgtest-dev libgmock-dev googletest  # unit tests
  libbenchmark-dev        # micro-benchmarks
  qt6-base-dev qt6-charts-dev libgl-dev  # GUI and plots
  xvfb xauth              # GUI screenshots in a virtual display
  libopenmpi-dev openmpi-bin  # distributed sweeps (mpirun aiscale sweep) and multi-node NCCL calibration
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "aiscale: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
