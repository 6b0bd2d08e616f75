"""Where vocabulary scoring finds its scenes: anything that lists tokens and loads a scene per token.

A source must pickle (it travels to worker processes and Ray nodes) and load lazily: ``tokens()``
is called once by the driver, ``load(token)`` by whichever worker scores that token.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol, runtime_checkable

from sim.scoring.scene_io import load_scoring_scene
from sim.types import ScoringScene


@runtime_checkable
class SceneSource(Protocol):
    """Tokens and their scenes. Implementations are picklable and cheap to construct."""

    def tokens(self) -> list[str]:
        """Every token, in a stable order (it decides the shards)."""

    def load(self, token: str) -> ScoringScene:
        """The scene of ``token``; raises with a message naming the token and file when it cannot."""

    def describe(self) -> dict:
        """JSON-able identity of the source, recorded in the manifest (a resumed run must match it)."""


class SourceError(ValueError):
    """A scene source cannot be built or lists no tokens."""


class SceneJsonSource:
    """Every ``*.json`` scene file under ``folder`` (scene JSON layout); token = path without suffix."""

    def __init__(self, folder: str | Path, pattern: str = "*.json") -> None:
        self.folder = Path(folder)
        self.pattern = pattern
        if not self.folder.is_dir():
            raise SourceError(f"{self.folder}: no such scene folder")

    def _paths(self) -> dict[str, Path]:
        paths = sorted(self.folder.rglob(self.pattern))
        return {path.relative_to(self.folder).with_suffix("").as_posix(): path for path in paths}

    def tokens(self) -> list[str]:
        tokens = list(self._paths())
        if not tokens:
            raise SourceError(f"{self.folder}: no scene files matching '{self.pattern}'")
        return tokens

    def load(self, token: str) -> ScoringScene:
        path = self.folder / f"{token}.json"
        if not path.is_file():
            raise SourceError(f"{self.folder}: token '{token}' has no scene file {path}")
        return load_scoring_scene(path)

    def describe(self) -> dict:
        return {"kind": "scene_json", "folder": str(self.folder.resolve()), "pattern": self.pattern}


class MetricCacheSource:
    """A NAVSIM metric-cache folder (``<cache>/<log>/<scene_type>/<token>/metric_cache.pkl``)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._paths: dict[str, Path] | None = None

    def _entries(self) -> dict[str, Path]:
        if self._paths is None:
            cache = _metric_cache_module()
            self._paths = {entry.token: entry.path for entry in cache.list_metric_caches(self.folder)}
        return self._paths

    def tokens(self) -> list[str]:
        return list(self._entries())

    def load(self, token: str) -> ScoringScene:
        path = self._entries().get(token)
        if path is None:
            raise SourceError(f"{self.folder}: no metric cache for token '{token}'")
        return _metric_cache_module().load_metric_cache(path)

    def describe(self) -> dict:
        return {"kind": "metric_cache", "folder": str(self.folder.resolve())}

    def __getstate__(self) -> dict:
        return {"folder": self.folder, "_paths": self._paths}


def _metric_cache_module():
    try:
        return importlib.import_module("sim.scoring.metric_cache")
    except ImportError as error:
        raise SourceError(
            f"metric caches need the reader sim.scoring.metric_cache, which is missing ({error})"
        ) from error


def source_from_spec(spec: str, arguments: list[str]) -> SceneSource:
    """``module:factory`` called with ``arguments`` (strings): a pluggable source (e.g. a dataset)."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise SourceError(f"--source must be 'module:factory', got '{spec}'")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise SourceError(f"--source '{spec}': cannot import it ({error})") from error
    source = factory(*arguments)
    if not isinstance(source, SceneSource):
        raise SourceError(f"--source '{spec}' returned {type(source).__name__}, not a SceneSource")
    return source
