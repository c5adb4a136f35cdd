#!/usr/bin/env bash
# Command 2: install what is missing, build everything (release preset, warnings as errors) and run the whole
# CTest suite: unit, golden, validation, bad-input and CLI tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -- -j"$(nproc)"
ctest --preset release -j"$(nproc)" "$@"
