"""Where the package reads its data and keeps its caches.

Data (route files, town maps, parity scenes), in this order, used by every command and test:

1. an explicit ``--data-dir`` (passed as ``data_dir``),
2. the environment variable ``CLOSED_LOOP_DATA``,
3. ``./data`` relative to the current working directory.

Caches (built towns, compiled kernels) live under ``$CLOSED_LOOP_CACHE`` (default
``~/.cache/closed_loop``), one folder per kind.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "CLOSED_LOOP_DATA"
DEFAULT_DATA_DIR = Path("data")
CACHE_DIR_ENV = "CLOSED_LOOP_CACHE"
DEFAULT_CACHE_DIR = Path("~/.cache/closed_loop")


class DataFileNotFoundError(FileNotFoundError):
    """A data file is missing; the message names every place that was searched."""


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The data directory chosen by the resolution order above (it may not exist)."""
    if data_dir is not None and str(data_dir) != "":
        return Path(data_dir)
    from_env = os.environ.get(DATA_DIR_ENV, "")
    if from_env:
        return Path(from_env)
    return DEFAULT_DATA_DIR


def data_path(relative: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Absolute path of ``relative`` inside the data directory.

    Raises:
        DataFileNotFoundError: naming the file and all three places it was looked for.
    """
    root = resolve_data_dir(data_dir)
    candidate = root / relative
    if candidate.exists():
        return candidate.resolve()
    from_env = os.environ.get(DATA_DIR_ENV, "")
    raise DataFileNotFoundError(
        f"data file '{relative}' not found at '{candidate}'. The data directory is chosen by, in "
        f"order: --data-dir (given: {str(data_dir) if data_dir else 'not given'}), the environment "
        f"variable {DATA_DIR_ENV} (set to: {from_env or 'not set'}), then '{DEFAULT_DATA_DIR}/' "
        f"in the working directory ({Path.cwd()}). See the README section 'Data' for how to get it."
    )


def cache_dir(kind: str) -> Path:
    """The cache folder of ``kind`` (``"maps"``, ``"numba"``): ``$CLOSED_LOOP_CACHE/<kind>``, or under the default."""
    root = os.environ.get(CACHE_DIR_ENV, "")
    return (Path(root) if root else DEFAULT_CACHE_DIR).expanduser() / kind
