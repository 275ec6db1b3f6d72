#!/usr/bin/env bash
# Create .venv (with $PYTHON, default python3) if missing and install hypersweep into it
# in editable mode with the extras named in $1 (e.g. "test" or "examples").
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[$1]"
