"""Read a scoring scene from the JSON layout of the NAVSIM parity data.

The layout is described in ``navsim_parity/README.md`` of the data directory (section 3). Every
malformed field raises :class:`SceneFormatError` naming the file, the field and the value.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.types import (
    STATE_SIZE,
    AgentTracks,
    AgentType,
    MapLayer,
    MapPolygons,
    ScoringScene,
    StateIndex,
)


class SceneFormatError(ValueError):
    """A scene file is malformed; the message names file, field and value."""


def load_scoring_scene(path: str | Path) -> ScoringScene:
    """Read ``path`` (scene JSON) into a validated :class:`ScoringScene`."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise SceneFormatError(f"{path}: not valid JSON ({error})") from error
    return scene_from_dict(raw, source=str(path))


def scene_from_dict(raw: dict[str, Any], source: str = "<dict>") -> ScoringScene:
    """Build a :class:`ScoringScene` from the parsed JSON object."""
    reader = _FieldReader(raw, source)
    n_frames = int(reader.get("n_frames"))
    frame_dt = float(reader.get("frame_dt"))
    map_polygons = _read_map(reader)
    reference = reader.array("reference", columns=4) if "reference" in raw else None
    human = reader.array("human_future", columns=3) if "human_future" in raw else None
    red_tokens, red_frames = _read_red_lights(reader, n_frames)
    return ScoringScene(
        ego_init=_read_ego_init(reader),
        ego_past=reader.array("ego_past", columns=6),
        agents=_read_agents(reader, n_frames),
        map_polygons=map_polygons,
        route_lane_ids=tuple(str(token) for token in reader.get("route_lane_ids")),
        centerline=reader.array("centerline", columns=3)[:, :2].copy(),
        red_light_tokens=red_tokens,
        red_light_frames=red_frames,
        reference=reference,
        human_future=human,
        frame_dt=frame_dt,
        source=source,
    )


class _FieldReader:
    def __init__(self, raw: dict[str, Any], source: str) -> None:
        self.raw = raw
        self.source = source

    def fail(self, field: str, value: Any, why: str) -> SceneFormatError:
        shown = repr(value)
        if len(shown) > 120:
            shown = shown[:117] + "..."
        return SceneFormatError(f"{self.source}: field '{field}' = {shown}: {why}")

    def get(self, field: str) -> Any:
        if field not in self.raw:
            raise SceneFormatError(f"{self.source}: missing field '{field}'")
        return self.raw[field]

    def array(self, field: str, columns: int, value: Any = None, label: str | None = None) -> np.ndarray:
        value = self.get(field) if value is None else value
        label = label or field
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise self.fail(label, value, f"not a numeric array ({error})") from error
        if array.ndim != 2 or array.shape[1] != columns:
            raise self.fail(label, value, f"expected shape (n, {columns}), got {array.shape}")
        if not np.all(np.isfinite(array)):
            raise self.fail(label, value, "contains NaN or inf")
        return array


def _read_ego_init(reader: _FieldReader) -> np.ndarray:
    ego = reader.get("ego_init")
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
        value = ego.get(key) if isinstance(ego, dict) else None
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise reader.fail(f"ego_init.{key}", value, "expected a finite number")
        state[column] = float(value)
    return state


def _read_map(reader: _FieldReader) -> MapPolygons:
    tokens, layers, rings = [], [], []
    for index, entry in enumerate(reader.get("map_polygons")):
        field = f"map_polygons[{index}]"
        if not isinstance(entry, (list, tuple)) or len(entry) != 3:
            raise reader.fail(field, entry, "expected [token, layer, [[x, y], ...]]")
        token, layer, ring = entry
        if layer not in MapLayer.__members__:
            raise reader.fail(f"{field}.layer", layer, f"unknown layer; known: {list(MapLayer.__members__)}")
        ring = reader.array(field, columns=2, value=ring, label=f"{field}.vertices")
        if ring.shape[0] < 3:
            raise reader.fail(f"{field}.vertices", ring.tolist(), "a polygon needs at least 3 vertices")
        tokens.append(str(token))
        layers.append(int(MapLayer[layer]))
        rings.append(ring)
    return MapPolygons.from_rings(tokens, layers, rings)


def _read_agents(reader: _FieldReader, n_frames: int) -> AgentTracks:
    agents = reader.get("agents")
    tokens, types, dimensions, states, present = [], [], [], [], []
    for token, agent in agents.items():
        field = f"agents.{token}"
        kind = agent.get("type")
        if kind not in AgentType.__members__:
            raise reader.fail(f"{field}.type", kind, f"unknown type; known: {list(AgentType.__members__)}")
        track = reader.array(f"{field}.states", columns=5, value=agent.get("states"))
        if track.shape[0] != n_frames:
            raise reader.fail(f"{field}.states", f"{track.shape[0]} rows", f"expected n_frames = {n_frames} rows")
        first, last = agent.get("frames", [0, n_frames - 1])
        if not 0 <= first <= last < n_frames:
            raise reader.fail(f"{field}.frames", [first, last], f"expected 0 <= first <= last < {n_frames}")
        mask = np.zeros(n_frames, dtype=bool)
        mask[first : last + 1] = True
        size = (agent.get("length"), agent.get("width"))
        if not all(isinstance(v, (int, float)) and v > 0 for v in size):
            raise reader.fail(f"{field}.length/width", size, "expected positive numbers")
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


def _read_red_lights(reader: _FieldReader, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    lights = reader.get("red_lights")
    frames = np.zeros((len(lights), n_frames), dtype=bool)
    for row, (token, red) in enumerate(lights.items()):
        red = np.asarray(red, dtype=np.int64)
        if red.size and (red.min() < 0 or red.max() >= n_frames):
            raise reader.fail(f"red_lights.{token}", red.tolist(), f"frame indices must be in [0, {n_frames})")
        frames[row, red] = True
    return np.asarray(list(lights), dtype=str), frames
