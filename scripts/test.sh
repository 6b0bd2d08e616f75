#!/usr/bin/env bash
# The project's test command (the README quotes it): lint, format check, then the test suite.
# Tests that need a CARLA server or a GPU are marked and skipped by default.
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check .
ruff format --check .
python -m pytest "$@"
