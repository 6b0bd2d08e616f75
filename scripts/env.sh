# Sourced by run_closed_loop.sh and scripts/test.sh: choose the Python environment and put it first on PATH.
#
#   1. $CLOSED_LOOP_VENV when set: used as it is;
#   2. else the virtual environment that the `python3` on PATH runs in, if it is one (an activated
#      venv, CI's, or PATH=/path/to/venv/bin:$PATH): used as it is;
#   3. else .venv/ in the repository, created from requirements.txt when missing and re-installed
#      when requirements.txt changed (its sha256 is kept in .venv/.requirements.sha256).
#
# Afterwards $CLOSED_LOOP_PYTHON is the interpreter and the environment's bin/ leads PATH.

closed_loop_env() {
  local repo venv sum
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if [ -n "${CLOSED_LOOP_VENV:-}" ]; then
    venv="$CLOSED_LOOP_VENV"
  elif command -v python3 >/dev/null && python3 -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)' 2>/dev/null; then
    venv="$(python3 -c 'import sys; print(sys.prefix)')"
  else
    venv="$repo/.venv"
    sum="$(sha256sum "$repo/requirements.txt" | cut -d' ' -f1)"
    if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$sum" ]; then
      echo "setting up $venv from requirements.txt (first run, or requirements.txt changed)" >&2
      python3 -m venv "$venv" || return 1
      "$venv/bin/python" -m pip install --quiet --upgrade pip || return 1
      "$venv/bin/python" -m pip install --quiet -r "$repo/requirements.txt" || return 1
      echo "$sum" > "$venv/.requirements.sha256"
    fi
  fi
  if [ ! -x "$venv/bin/python" ]; then
    echo "no Python environment at '$venv' (CLOSED_LOOP_VENV?)" >&2
    return 1
  fi
  export PATH="$venv/bin:$PATH"
  export CLOSED_LOOP_PYTHON="$venv/bin/python"
}

closed_loop_env
