"""Read a scoring scene from the JSON layout of the NAVSIM parity data.

The layout is described in ``navsim_parity/README.md`` of the data directory (section 3). Every
malformed field raises :class:`SceneFormatError` naming the file, the field and the value; no other
exception escapes the reader, whatever the JSON holds.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.types import (
    PAST_MIN_COLUMNS,
    STATE_SIZE,
    AgentTracks,
    AgentType,
    MapLayer,
    MapPolygons,
    ScoringScene,
    StateIndex,
)

FRAME_DT = 0.1  # [s] NAVSIM's observation and simulation step; scenes are not resampled
_MISSING = object()
_LANE_LAYERS = (MapLayer.LANE, MapLayer.LANE_CONNECTOR)


class SceneFormatError(ValueError):
    """A scene file is malformed; the message names file, field and value."""


def load_scoring_scene(path: str | Path) -> ScoringScene:
    """Read ``path`` (scene JSON) into a validated :class:`ScoringScene`."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as error:
        raise SceneFormatError(f"{path}: cannot read the scene ({error})") from error
    except json.JSONDecodeError as error:
        raise SceneFormatError(f"{path}: not valid JSON ({error})") from error
    return scene_from_dict(raw, source=str(path))


def scene_from_dict(raw: dict[str, Any], source: str = "<dict>") -> ScoringScene:
    """Build a :class:`ScoringScene` from the parsed JSON object.

    ``frame_dt`` must be NAVSIM's 0.1 s (the scorer's observation and simulation step; scenes
    are not resampled), ``agents`` may be empty (``{}`` or ``[]``), and every route lane id must
    name a LANE or LANE_CONNECTOR polygon of ``map_polygons``.
    """
    if not isinstance(raw, dict):
        raise SceneFormatError(f"{source}: expected a JSON object, got {type(raw).__name__}")
    reader = _FieldReader(raw, source)
    n_frames = _read_frame_count(reader)
    map_polygons = _read_map(reader)
    red_tokens, red_frames = _read_red_lights(reader, n_frames)
    return ScoringScene(
        ego_init=_read_ego_init(reader),
        ego_past=_read_timed(reader, "ego_past", PAST_MIN_COLUMNS, min_rows=1),
        agents=_read_agents(reader, n_frames),
        map_polygons=map_polygons,
        route_lane_ids=_read_route(reader, map_polygons),
        centerline=reader.array("centerline", columns=3, min_rows=2)[:, :2].copy(),
        red_light_tokens=red_tokens,
        red_light_frames=red_frames,
        reference=_read_timed(reader, "reference", 4, min_rows=2) if "reference" in raw else None,
        human_future=reader.array("human_future", columns=3, rows=8) if "human_future" in raw else None,
        frame_dt=_read_frame_dt(reader),
        source=source,
    )


def short_repr(value: Any, limit: int = 120) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages that name a bad value."""
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


class _FieldReader:
    def __init__(self, raw: dict[str, Any], source: str) -> None:
        self.raw = raw
        self.source = source

    def fail(self, field: str, value: Any, why: str) -> SceneFormatError:
        return SceneFormatError(f"{self.source}: field '{field}' = {short_repr(value)}: {why}")

    def get(self, field: str) -> Any:
        if field not in self.raw:
            raise SceneFormatError(f"{self.source}: missing field '{field}'")
        return self.raw[field]

    def typed(self, field: str, kind: type | tuple[type, ...], value: Any = _MISSING) -> Any:
        value = self.get(field) if value is _MISSING else value
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(field, value, f"expected {names}")
        return value

    def number(self, field: str, value: Any, positive: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not _is_finite(value):
            raise self.fail(field, value, "expected a finite number")
        if positive and value <= 0:
            raise self.fail(field, value, "expected a positive number")
        return float(value)

    def integer(self, field: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, value, "expected an integer")
        return value

    def array(
        self, field: str, columns: int, value: Any = _MISSING, *, rows: int | None = None, min_rows: int = 0
    ) -> np.ndarray:
        value = self.get(field) if value is _MISSING else value
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError, OverflowError) as error:
            raise self.fail(field, value, f"not a numeric array ({error})") from error
        if array.ndim != 2 or array.shape[1] != columns:
            raise self.fail(field, value, f"expected shape (n, {columns}), got {array.shape}")
        if (rows is not None and array.shape[0] != rows) or array.shape[0] < min_rows:
            wanted = f"{rows}" if rows is not None else f"at least {min_rows}"
            raise self.fail(field, f"{array.shape[0]} rows", f"expected {wanted} rows")
        if not np.all(np.isfinite(array)):
            raise self.fail(field, value, "contains NaN or inf")
        return array


def _is_finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


def _read_frame_count(reader: _FieldReader) -> int:
    n_frames = reader.integer("n_frames", reader.get("n_frames"))
    if n_frames < 1:
        raise reader.fail("n_frames", n_frames, "expected at least 1 frame")
    return n_frames


def _read_frame_dt(reader: _FieldReader) -> float:
    frame_dt = reader.number("frame_dt", reader.get("frame_dt"), positive=True)
    if abs(frame_dt - FRAME_DT) > 1e-9:
        raise reader.fail("frame_dt", frame_dt, f"the scorer runs on NAVSIM's {FRAME_DT} s frames; resample the scene")
    return frame_dt


def _read_timed(reader: _FieldReader, field: str, columns: int, min_rows: int) -> np.ndarray:
    """Rows whose first column is a time [s] that increases strictly (at 1 us)."""
    array = reader.array(field, columns=columns, min_rows=min_rows)
    times_us = np.rint(array[:, 0] * 1e6)
    if np.any(np.diff(times_us) <= 0):
        raise reader.fail(f"{field}[:, 0]", array[:, 0].tolist(), "times must increase strictly")
    return array


def _read_ego_init(reader: _FieldReader) -> np.ndarray:
    ego = reader.typed("ego_init", dict)
    state = np.zeros(STATE_SIZE, dtype=np.float64)
    for key, column in (
        ("x", StateIndex.X),
        ("y", StateIndex.Y),
        ("heading", StateIndex.HEADING),
        ("vx", StateIndex.VX),
        ("vy", StateIndex.VY),
        ("ax", StateIndex.AX),
        ("ay", StateIndex.AY),
    ):
        state[column] = reader.number(f"ego_init.{key}", ego.get(key))
    return state


def _read_map(reader: _FieldReader) -> MapPolygons:
    tokens, layers, rings = [], [], []
    for index, entry in enumerate(reader.typed("map_polygons", list)):
        field = f"map_polygons[{index}]"
        if not isinstance(entry, (list, tuple)) or len(entry) != 3:
            raise reader.fail(field, entry, "expected [token, layer, [[x, y], ...]]")
        token, layer, ring = entry
        reader.typed(f"{field}.token", str, token)
        if not isinstance(layer, str) or layer not in MapLayer.__members__:
            raise reader.fail(f"{field}.layer", layer, f"unknown layer; known: {list(MapLayer.__members__)}")
        ring = reader.array(f"{field}.vertices", columns=2, value=ring, min_rows=3)
        if token in tokens:
            raise reader.fail(f"{field}.token", token, "appears twice in map_polygons")
        tokens.append(token)
        layers.append(int(MapLayer[layer]))
        rings.append(ring)
    return MapPolygons.from_rings(tokens, layers, rings)


def _read_route(reader: _FieldReader, map_polygons: MapPolygons) -> tuple[str, ...]:
    """Route lane ids; each must name a LANE / LANE_CONNECTOR polygon (else every EP/DDC would silently fail)."""
    ids = reader.typed("route_lane_ids", list)
    lanes = set(map_polygons.tokens[np.isin(map_polygons.layers, [int(layer) for layer in _LANE_LAYERS])].tolist())
    for index, token in enumerate(ids):
        reader.typed(f"route_lane_ids[{index}]", str, token)
        if token not in lanes:
            raise reader.fail(f"route_lane_ids[{index}]", token, "names no LANE or LANE_CONNECTOR of map_polygons")
    return tuple(ids)


def _read_agents(reader: _FieldReader, n_frames: int) -> AgentTracks:
    agents = reader.typed("agents", (dict, list))
    if isinstance(agents, list):
        if agents:
            raise reader.fail("agents", agents, "expected an object {token: agent} (an empty list means no agents)")
        agents = {}
    tokens, types, dimensions, states, present = [], [], [], [], []
    for token, agent in agents.items():
        field = f"agents.{token}"
        reader.typed(field, dict, agent)
        kind = agent.get("type")
        if not isinstance(kind, str) or kind not in AgentType.__members__:
            raise reader.fail(f"{field}.type", kind, f"unknown type; known: {list(AgentType.__members__)}")
        track = reader.array(f"{field}.states", columns=5, value=agent.get("states", _MISSING), rows=n_frames)
        first, last = _read_window(reader, f"{field}.frames", agent.get("frames", [0, n_frames - 1]), n_frames)
        mask = np.zeros(n_frames, dtype=bool)
        mask[first : last + 1] = True
        size = [reader.number(f"{field}.{key}", agent.get(key), positive=True) for key in ("length", "width")]
        tokens.append(str(token))
        types.append(int(AgentType[kind]))
        dimensions.append(size)
        states.append(track)
        present.append(mask)
    return AgentTracks(
        tokens=np.asarray(tokens, dtype=str),
        types=np.asarray(types, dtype=np.int64),
        dimensions=np.asarray(dimensions, dtype=np.float64).reshape(-1, 2),
        states=np.asarray(states, dtype=np.float64).reshape(-1, n_frames, 5),
        present=np.asarray(present, dtype=bool).reshape(-1, n_frames),
    )


def _read_window(reader: _FieldReader, field: str, window: Any, n_frames: int) -> tuple[int, int]:
    if not isinstance(window, (list, tuple)) or len(window) != 2:
        raise reader.fail(field, window, "expected [first, last]")
    first, last = (reader.integer(field, value) for value in window)
    if not 0 <= first <= last < n_frames:
        raise reader.fail(field, [first, last], f"expected 0 <= first <= last < {n_frames}")
    return first, last


def _read_red_lights(reader: _FieldReader, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    lights = reader.typed("red_lights", dict)
    frames = np.zeros((len(lights), n_frames), dtype=bool)
    for row, (token, red) in enumerate(lights.items()):
        field = f"red_lights.{token}"
        indices = [reader.integer(field, value) for value in reader.typed(field, list, red)]
        if any(not 0 <= index < n_frames for index in indices):
            raise reader.fail(field, indices, f"frame indices must be in [0, {n_frames})")
        frames[row, indices] = True
    return np.asarray(list(lights), dtype=str), frames
