#!/usr/bin/env bash
# Drive an agent over every route of a benchmark in closed loop.
#   ./run_closed_loop.sh --agent NAME --bench BENCH [options]      (--help lists them)
# On first use it creates .venv/ from requirements.txt; later runs reuse it.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="${CLOSED_LOOP_VENV:-$HERE/.venv}"
if [ ! -x "$VENV/bin/python" ] || [ "$HERE/requirements.txt" -nt "$VENV/.installed" ]; then
  echo "setting up $VENV from requirements.txt (first run only)" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet -r "$HERE/requirements.txt"
  touch "$VENV/.installed"
fi
exec "$VENV/bin/python" "$HERE/run_closed_loop.py" "$@"
