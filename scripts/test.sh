#!/usr/bin/env bash
# The project's test command (the README quotes it): lint, format check, then the test suite.
# The Python environment comes from scripts/env.sh, as for run_closed_loop.sh (on a fresh machine:
# .venv/ from requirements.txt). Tests that need a CARLA server or a GPU are marked and skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
ruff check .
ruff format --check .
python -m pytest "$@"
