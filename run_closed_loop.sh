#!/usr/bin/env bash
# Drive an agent over every route of a benchmark in closed loop.
#   ./run_closed_loop.sh --agent NAME --bench BENCH [options]      (--help lists them)
# The Python environment comes from scripts/env.sh (on a fresh machine: .venv/ from requirements.txt).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/scripts/env.sh"
exec "$CLOSED_LOOP_PYTHON" "$HERE/run_closed_loop.py" "$@"
