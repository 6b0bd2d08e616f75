"""Where the package reads its data and keeps its caches.

Data (route files, town maps, parity scenes), in this order, used by every command and test:

1. an explicit ``--data-dir`` (passed as ``data_dir``),
2. the environment variable ``CLOSED_LOOP_DATA``,
3. the repository's own ``data/`` folder (it ships with the code, so a fresh clone needs nothing set).

Caches (built towns, compiled kernels) live under ``$CLOSED_LOOP_CACHE`` (default
``~/.cache/closed_loop``), one folder per kind.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

DATA_DIR_ENV = "CLOSED_LOOP_DATA"
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / "data"
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
        f"variable {DATA_DIR_ENV} (set to: {from_env or 'not set'}), then the repository's data folder "
        f"'{DEFAULT_DATA_DIR}'. See the README section 'Data'."
    )


def cache_dir(kind: str) -> Path:
    """The cache folder of ``kind`` (``"maps"``, ``"numba"``): ``$CLOSED_LOOP_CACHE/<kind>``, or under the default."""
    root = os.environ.get(CACHE_DIR_ENV, "")
    return (Path(root) if root else DEFAULT_CACHE_DIR).expanduser() / kind


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_file_stem(name: str) -> str:
    """``name`` (e.g. a route id from a route file) as a file name that stays inside its folder.

    Letters, digits, ``_``, ``.`` and ``-`` are kept; anything else (``/``, ``..`` at the start,
    spaces) becomes ``_``, and a changed name gets 8 hex digits of its hash so that two different
    names never share a file.
    """
    clean = _UNSAFE.sub("_", str(name)).lstrip(".") or "_"
    if clean == name:
        return clean
    return f"{clean}_{hashlib.sha256(str(name).encode()).hexdigest()[:8]}"


def output_file(folder: str | os.PathLike[str], name: str, suffix: str) -> Path:
    """``folder/<safe name><suffix>``, checked to lie inside ``folder``."""
    root = Path(folder).resolve()
    path = root / f"{safe_file_stem(name)}{suffix}"
    if path.resolve().parent != root:
        raise ValueError(f"output file name {name!r} leaves the folder '{root}'")
    return path
