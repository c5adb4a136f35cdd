#!/usr/bin/env bash
# Command 1: install what is missing, build the release preset, and simulate the built-in default scenario
# (GPT-3 175B on 1,024 A100). Extra arguments go to `aiscale simulate` (e.g. a scenario file, --json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target aiscale -- -j"$(nproc)"
exec build/release/cli/aiscale simulate "$@"
