"""The metric-cache files of a folder, by scene token.

NAVSIM writes ``<cache>/<log_name>/<scene_type>/<token>/metric_cache.pkl`` plus a listing
``<cache>/metadata/*.csv`` (a header line, then one file path per line); the token is the name of
the folder holding the file. :func:`list_metric_caches` reads the listing when there is one (paths
written on another machine are found again under ``folder`` by their last four parts) and otherwise
searches the folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.scoring.metric_cache.unpickler import MetricCacheError

CACHE_FILE_NAME = "metric_cache.pkl"
_LISTED_PARTS = 4  # log_name / scene_type / token / metric_cache.pkl


@dataclass(frozen=True)
class CacheEntry:
    """One cache file: ``token`` (its folder's name) and ``path``."""

    token: str
    path: Path


def list_metric_caches(folder: str | Path) -> list[CacheEntry]:
    """Every ``metric_cache.pkl`` of ``folder`` (or ``folder`` itself when it is one), sorted by token.

    Raises:
        MetricCacheError: no cache file, a listed file that is missing, or a token found twice.
    """
    folder = Path(folder)
    if folder.is_file():
        paths = [folder]
    elif not folder.is_dir():
        raise MetricCacheError(f"{folder}: no such metric-cache folder or file")
    else:
        listings = sorted((folder / "metadata").glob("*.csv"))
        paths = _listed_paths(folder, listings[0]) if listings else sorted(folder.rglob(CACHE_FILE_NAME))
    if not paths:
        raise MetricCacheError(f"{folder}: no {CACHE_FILE_NAME} found (searched the folder and its metadata/*.csv)")
    entries: dict[str, CacheEntry] = {}
    for path in paths:
        token = path.parent.name
        if token in entries:
            raise MetricCacheError(f"{folder}: token '{token}' has two cache files: {entries[token].path} and {path}")
        entries[token] = CacheEntry(token, path)
    return [entries[token] for token in sorted(entries)]


def _listed_paths(folder: Path, listing: Path) -> list[Path]:
    lines = [line.strip() for line in listing.read_text().splitlines()[1:] if line.strip()]
    paths = []
    for line in lines:
        listed = Path(line)
        local = folder.joinpath(*listed.parts[-_LISTED_PARTS:])
        path = listed if listed.is_file() else local
        if not path.is_file():
            raise MetricCacheError(f"{listing}: listed cache file '{line}' is missing (also looked for {local})")
        paths.append(path)
    return paths
