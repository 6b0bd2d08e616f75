"""Input files of the metric-cache scoring command: agent trajectories per token, two-stage mappings.

Trajectory files (pickle-free), poses in the ego rear-axle frame at the scene's time (NAVSIM's
``Trajectory.poses``: x forward [m], y left [m], heading [rad]), pose ``k`` at ``(k + 1) *
interval_length`` seconds:

- ``.npz``: one array ``(P, 3)`` per token, named by the token; an optional scalar
  ``__interval_length__`` [s] (default 0.5, NAVSIM's 2 Hz). Written by :func:`save_trajectories`.
- ``.json``: ``{"interval_length": 0.5, "trajectories": {"<token>": [[x, y, heading], ...], ...}}``.

Two-stage mappings: NAVSIM's train/test-split YAML (its ``reactive_all_mapping`` key) or a YAML /
JSON list of ``[now_token, previous_token, [[second_now, second_previous], ...]]``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.scoring.navsim_aggregate import TwoStageMapping
from sim.types import NAVSIM_SAMPLING, Trajectory, TrajectorySampling

INTERVAL_KEY = "__interval_length__"


class NavsimInputError(ValueError):
    """A trajectory or mapping file is malformed; the message names the file, the token or entry, the value."""


def save_trajectories(
    path: str | Path, trajectories: Mapping[str, np.ndarray], interval_length: float = NAVSIM_SAMPLING.interval_length
) -> Path:
    """Write ``{token: (P, 3) local poses}`` as the ``.npz`` trajectory file."""
    path = Path(path)
    arrays = {str(token): np.asarray(poses, dtype=np.float64) for token, poses in trajectories.items()}
    np.savez(path, **arrays, **{INTERVAL_KEY: np.float64(interval_length)})
    return path


def load_trajectories(path: str | Path) -> dict[str, Trajectory]:
    """``{token: Trajectory}`` from an ``.npz`` or ``.json`` trajectory file (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise NavsimInputError(f"{path}: no such trajectory file")
    if path.suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as archive:
                raw = {key: archive[key] for key in archive.files}
        except (OSError, ValueError) as error:
            raise NavsimInputError(f"{path}: not a readable .npz trajectory file ({error})") from error
        interval = raw.pop(INTERVAL_KEY, NAVSIM_SAMPLING.interval_length)
    elif path.suffix == ".json":
        try:
            document = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise NavsimInputError(f"{path}: not valid JSON ({error})") from error
        if not isinstance(document, dict) or not isinstance(document.get("trajectories"), dict):
            raise NavsimInputError(f"{path}: expected {{'interval_length': s, 'trajectories': {{token: poses}}}}")
        raw, interval = document["trajectories"], document.get("interval_length", NAVSIM_SAMPLING.interval_length)
    else:
        raise NavsimInputError(f"{path}: trajectory files are .npz or .json, got '{path.suffix}'")
    interval = _interval(path, interval)
    return {str(token): _trajectory(path, str(token), poses, interval) for token, poses in raw.items()}


def _interval(path: Path, value: Any) -> float:
    try:
        interval = float(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError) as error:
        raise NavsimInputError(f"{path}: interval_length = {value!r}: expected seconds ({error})") from error
    if not math.isfinite(interval) or interval <= 0.0:
        raise NavsimInputError(f"{path}: interval_length = {interval}: expected a positive number of seconds")
    return interval


def _trajectory(path: Path, token: str, poses: Any, interval: float) -> Trajectory:
    try:
        array = np.asarray(poses, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise NavsimInputError(f"{path}: token '{token}': poses are not numeric ({error})") from error
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] != 3:
        raise NavsimInputError(f"{path}: token '{token}': poses must have shape (P, 3), got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise NavsimInputError(f"{path}: token '{token}': poses contain NaN or inf")
    return Trajectory(array, TrajectorySampling(num_poses=array.shape[0], interval_length=interval))


def load_two_stage_mapping(path: str | Path) -> list[TwoStageMapping]:
    """NAVSIM's ``reactive_all_mapping`` from a split YAML or a YAML / JSON list."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise NavsimInputError(f"{path}: not a readable mapping file ({error})") from error
    entries = document.get("reactive_all_mapping") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise NavsimInputError(f"{path}: expected a list of [now, previous, [[now2, previous2], ...]] entries")
    return [_mapping(path, index, entry) for index, entry in enumerate(entries)]


def _mapping(path: Path, index: int, entry: Any) -> TwoStageMapping:
    where = f"{path}: reactive_all_mapping[{index}] = {entry!r:.120}"
    if not isinstance(entry, (list, tuple)) or len(entry) != 3 or not isinstance(entry[2], (list, tuple)):
        raise NavsimInputError(f"{where}: expected [now, previous, [[now2, previous2], ...]]")
    now, previous, pairs = entry
    if any(not isinstance(pair, (list, tuple)) or len(pair) != 2 for pair in pairs):
        raise NavsimInputError(f"{where}: second-stage entries must be [now2, previous2] pairs")
    if not all(isinstance(token, str) for token in [now, previous, *(token for pair in pairs for token in pair)]):
        raise NavsimInputError(f"{where}: tokens must be strings (quote numeric tokens in YAML)")
    return TwoStageMapping(now, previous, tuple((first, second) for first, second in pairs))
