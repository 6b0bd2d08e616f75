"""A NAVSIM metric cache (read by :mod:`.unpickler`) as our :class:`~sim.types.ScoringScene`.

What the scene takes from each ``MetricCache`` field:

- ``ego_state`` -> ``ego_init`` (NAVSIM's 11-column rear-axle array, steering and yaw terms included);
- ``past_human_trajectory`` -> ``ego_past`` (9 :class:`~sim.types.PastIndex` columns);
- ``trajectory`` (PDM-Closed) -> ``reference``; ``human_trajectory`` -> ``human_future`` (ORIGINAL
  scenes; synthetic scenes have none, so the human filter does not apply, as in NAVSIM);
- ``observation._detections_tracks`` -> ``agents`` (the tracks the scorer's log replay reads) and
  ``observation._occupancy_maps_tl`` -> the red-light obstacles with their own polygons;
- ``drivable_area_map``, ``centerline``, ``route_lane_ids`` -> map, centerline, route.

Route lane ids outside the cached map radius are normal in NAVSIM caches and are kept as they are.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from sim.scoring.metric_cache.records import MICROSECONDS_PER_SECOND, RecordReader, past_rows
from sim.scoring.metric_cache.unpickler import CacheRecord, load_cache_records
from sim.types import PACIFICA, AgentTracks, MapLayer, MapPolygons, ScoringScene, StateIndex

FRAME_DT = 0.1  # [s] the scorer's observation spacing (NAVSIM's proposal sampling)
MIN_FRAMES = 41  # 4 s at 0.1 s, what the v2 scorer reads
RED_LIGHT_PREFIX = "red_light_"
HUMAN_NUM_POSES, HUMAN_INTERVAL = 8, 0.5  # [-], [s] NAVSIM's logged human future


class NuplanMapLayer(enum.IntEnum):
    """nuPlan's ``SemanticMapLayer`` values of the layers a drivable map and a route use."""

    LANE = 0
    INTERSECTION = 1
    DRIVABLE_AREA = 5
    LANE_CONNECTOR = 11
    CARPARK_AREA = 15
    ROADBLOCK = 17
    ROADBLOCK_CONNECTOR = 18


# the layers a PDMDrivableMap holds, as our MapLayer
NUPLAN_MAP_LAYERS = {int(NuplanMapLayer[layer.name]): layer for layer in MapLayer}


class SceneFrameType(enum.IntEnum):
    """NAVSIM's ``SceneFrameType``: logged (ORIGINAL) or synthetic (second-stage) scenes."""

    ORIGINAL = 0
    SYNTHETIC = 1


@dataclass(frozen=True)
class MetricCacheScene:
    """One metric-cache file: the scene and the fields NAVSIM's evaluation reports beside the scores.

    Attributes:
        token: scene token (the name of the folder holding ``metric_cache.pkl``, as NAVSIM reads it).
        log_name: the log the scene comes from.
        scene_type: ORIGINAL or SYNTHETIC.
        start_time_us: [us] the scene's current time (``timepoint``).
        scene: the scoring scene (global frame).
        path: the file.
    """

    token: str
    log_name: str
    scene_type: SceneFrameType
    start_time_us: int
    scene: ScoringScene
    path: Path

    @property
    def start_time_s(self) -> float:
        return self.start_time_us / MICROSECONDS_PER_SECOND


def read_metric_cache(path: str | Path) -> MetricCacheScene:
    """Read one ``metric_cache.pkl`` without navsim or nuPlan (see the module docstring)."""
    return cache_from_records(load_cache_records(path), Path(path))


def cache_from_records(cache: CacheRecord, path: Path) -> MetricCacheScene:
    """Convert the unpickled ``MetricCache`` record of the file ``path`` (named in every error)."""
    reader = RecordReader(str(path))
    # 1. Ego now, its logged past, and the scene's identity
    t0_us, ego_init = reader.ego_state(reader.field(cache, "ego_state", "metric_cache"), "ego_state")
    _check_ego_vehicle(reader, cache)
    past_times, past_states = reader.interpolated_states(
        reader.field(cache, "past_human_trajectory", "metric_cache"), "past_human_trajectory"
    )
    scene_type = _scene_type(reader, reader.field(cache, "scene_type", "metric_cache"))
    # 2. PDM-Closed reference and the human future
    ref_times, ref_states = reader.interpolated_states(reader.field(cache, "trajectory", "metric_cache"), "trajectory")
    reference = np.column_stack(
        [(ref_times - t0_us) / MICROSECONDS_PER_SECOND, ref_states[:, [StateIndex.X, StateIndex.Y, StateIndex.HEADING]]]
    )
    human = _human_future(reader, cache) if scene_type is SceneFrameType.ORIGINAL else None
    # 3. Observation: tracks and red lights per 0.1 s frame
    observation = reader.field(cache, "observation", "metric_cache")
    agents = _agent_tracks(reader, observation)
    light_tokens, light_frames, light_polygons = _red_lights(reader, observation, agents.num_frames)
    # 4. Map and route
    scene = ScoringScene(
        ego_init=ego_init,
        ego_past=past_rows(past_times, past_states, t0_us),
        agents=agents,
        map_polygons=_drivable_map(reader, reader.field(cache, "drivable_area_map", "metric_cache")),
        route_lane_ids=_route_lane_ids(reader, reader.field(cache, "route_lane_ids", "metric_cache")),
        centerline=_centerline(reader, reader.field(cache, "centerline", "metric_cache")),
        red_light_tokens=light_tokens,
        red_light_frames=light_frames,
        reference=reference,
        human_future=human,
        frame_dt=FRAME_DT,
        source=str(path),
        red_light_polygons=light_polygons,
    )
    log_name = reader.field(cache, "log_name", "metric_cache")
    if not isinstance(log_name, str):
        raise reader.fail("log_name", log_name, "expected a string")
    timepoint = reader.time_us(reader.field(cache, "timepoint", "metric_cache"), "timepoint")
    return MetricCacheScene(path.parent.name, log_name, scene_type, timepoint, scene, path)


def load_metric_cache(path: str | Path) -> ScoringScene:
    """The :class:`ScoringScene` of one ``metric_cache.pkl``."""
    return read_metric_cache(path).scene


def _check_ego_vehicle(reader: RecordReader, cache: CacheRecord) -> None:
    footprint = reader.field(cache.ego_state, "_car_footprint", "ego_state")
    where = "ego_state._car_footprint._vehicle_parameters"
    vehicle = reader.vehicle(reader.field(footprint, "_vehicle_parameters", "ego_state._car_footprint"), where)
    expected = (PACIFICA.width, PACIFICA.front_length, PACIFICA.rear_length, PACIFICA.wheel_base)
    found = (vehicle.width, vehicle.front_length, vehicle.rear_length, vehicle.wheel_base)
    if not np.allclose(found, expected, rtol=0.0, atol=1e-9):
        why = f"the scorer simulates nuPlan's Pacifica {expected} (width, front, rear, wheel base)"
        raise reader.fail(where, found, why)


def _scene_type(reader: RecordReader, record: Any) -> SceneFrameType:
    value = reader.argument(record, 0, "scene_type")
    if not isinstance(value, int) or value not in SceneFrameType._value2member_map_:
        raise reader.fail("scene_type", value, f"unknown SceneFrameType; known {[m.value for m in SceneFrameType]}")
    return SceneFrameType(value)


def _human_future(reader: RecordReader, cache: CacheRecord) -> np.ndarray | None:
    trajectory = reader.field(cache, "human_trajectory", "metric_cache")
    if trajectory is None:
        return None
    sampling = reader.field(trajectory, "trajectory_sampling", "human_trajectory")
    num_poses = reader.field(sampling, "num_poses", "human_trajectory.trajectory_sampling")
    interval = reader.number(
        reader.field(sampling, "interval_length", "human_trajectory.trajectory_sampling"),
        "human_trajectory.trajectory_sampling.interval_length",
    )
    exact_count = isinstance(num_poses, int) and not isinstance(num_poses, bool) and num_poses == HUMAN_NUM_POSES
    if not exact_count or abs(interval - HUMAN_INTERVAL) > 1e-9:
        raise reader.fail(
            "human_trajectory.trajectory_sampling", (num_poses, interval), "expected 8 poses at 0.5 s (NAVSIM's logs)"
        )
    poses = reader.field(trajectory, "poses", "human_trajectory")
    return reader.array(poses, (HUMAN_NUM_POSES, 3), "human_trajectory.poses")


def _frames(reader: RecordReader, observation: Any) -> list:
    where = "observation._sample_interval"
    interval = reader.number(reader.field(observation, "_sample_interval", "observation"), where)
    if abs(interval - FRAME_DT) > 1e-9:
        raise reader.fail(where, interval, f"the scorer needs frames {FRAME_DT} s apart")
    where = "observation._detections_tracks"
    frames = reader.sequence(reader.field(observation, "_detections_tracks", "observation"), where)
    if len(frames) < MIN_FRAMES:
        raise reader.fail(where, f"{len(frames)} frames", f"the v2 scorer needs {MIN_FRAMES} (4 s at 0.1 s)")
    return frames


def _agent_tracks(reader: RecordReader, observation: Any) -> AgentTracks:
    frames = _frames(reader, observation)
    index: dict[str, int] = {}
    types, sizes, rows = [], [], []  # rows: per track, {frame: (5,) state}
    for k, frame in enumerate(frames):
        where = f"observation._detections_tracks[{k}]"
        container = reader.field(frame, "tracked_objects", where)
        objects = reader.field(container, "tracked_objects", f"{where}.tracked_objects")
        seen: set[str] = set()
        for j, tracked in enumerate(reader.sequence(objects, f"{where}.tracked_objects.tracked_objects")):
            token, kind, size, state = reader.tracked_object(tracked, f"{where}.tracked_objects.tracked_objects[{j}]")
            if token in seen:
                raise reader.fail(f"{where}", token, "the same track token appears twice in one frame")
            seen.add(token)
            if token not in index:  # first sighting: type and size are kept for the whole horizon
                index[token] = len(rows)
                types.append(kind)
                sizes.append(size)
                rows.append({})
            rows[index[token]][k] = state
    count, num_frames = len(rows), len(frames)
    states = np.zeros((count, num_frames, 5))
    present = np.zeros((count, num_frames), dtype=bool)
    for track, by_frame in enumerate(rows):
        for k, state in by_frame.items():
            states[track, k], present[track, k] = state, True
    return AgentTracks(
        tokens=np.asarray(list(index), dtype=str),
        types=np.asarray(types, dtype=np.int64),
        dimensions=np.asarray(sizes, dtype=np.float64).reshape(-1, 2),
        states=states,
        present=present,
    )


def _red_lights(reader: RecordReader, observation: Any, num_frames: int) -> tuple[np.ndarray, np.ndarray, MapPolygons]:
    per_frame = reader.field(observation, "_occupancy_maps_tl", "observation")
    per_frame = [] if per_frame is None else reader.sequence(per_frame, "observation._occupancy_maps_tl")
    rings: dict[str, np.ndarray] = {}
    red: dict[str, set[int]] = {}
    for k, entry in enumerate(per_frame[:num_frames]):
        where = f"observation._occupancy_maps_tl[{k}]"
        if not isinstance(entry, (tuple, list)) or len(entry) != 2:
            raise reader.fail(where, entry, "expected (tokens, polygons)")
        tokens, polygons = reader.sequence(entry[0], f"{where}[0]"), reader.sequence(entry[1], f"{where}[1]")
        if len(tokens) != len(polygons):
            raise reader.fail(where, (len(tokens), len(polygons)), "as many tokens as polygons expected")
        for token, polygon in zip(tokens, polygons, strict=True):
            if not isinstance(token, str) or not token.startswith(RED_LIGHT_PREFIX):
                raise reader.fail(f"{where}[0]", token, f"expected '{RED_LIGHT_PREFIX}<lane connector id>'")
            connector = token[len(RED_LIGHT_PREFIX) :]
            rings.setdefault(connector, _ring(reader, polygon, f"{where}[1] ({token})"))
            red.setdefault(connector, set()).add(k)
    frames = np.zeros((len(rings), num_frames), dtype=bool)
    for row, connector in enumerate(rings):
        frames[row, sorted(red[connector])] = True
    layers = [int(MapLayer.LANE_CONNECTOR)] * len(rings)
    return np.asarray(list(rings), dtype=str), frames, MapPolygons.from_rings(list(rings), layers, list(rings.values()))


def _ring(reader: RecordReader, polygon: Any, where: str) -> np.ndarray:
    """Open exterior ring ``(n, 2)`` of a shapely polygon (no holes: our map holds simple rings)."""
    if not isinstance(polygon, shapely.Polygon) or polygon.is_empty:
        raise reader.fail(where, polygon, "expected a non-empty shapely Polygon")
    if len(polygon.interiors):
        holes = len(polygon.interiors)
        raise reader.fail(where, polygon, f"a polygon with {holes} holes; only simple rings are supported")
    ring = np.asarray(polygon.exterior.coords, dtype=np.float64)[:-1, :2]
    if ring.shape[0] < 3 or not np.all(np.isfinite(ring)):
        raise reader.fail(where, polygon, "expected at least 3 finite vertices")
    return ring


def _drivable_map(reader: RecordReader, drivable: Any) -> MapPolygons:
    tokens = reader.sequence(reader.argument(drivable, 0, "drivable_area_map"), "drivable_area_map.tokens")
    kinds = reader.sequence(reader.argument(drivable, 1, "drivable_area_map"), "drivable_area_map.map_types")
    geometries = reader.sequence(reader.argument(drivable, 2, "drivable_area_map"), "drivable_area_map.geometries")
    if not len(tokens) == len(kinds) == len(geometries):
        counts = (len(tokens), len(kinds), len(geometries))
        raise reader.fail("drivable_area_map", counts, "tokens, types and polygons differ in count")
    layers, rings = [], []
    for token, kind, geometry in zip(tokens, kinds, geometries, strict=True):
        where = f"drivable_area_map.map_types ({token})"
        value = reader.argument(kind, 0, where)
        if not isinstance(value, int) or value not in NUPLAN_MAP_LAYERS:
            raise reader.fail(where, value, f"not a drivable nuPlan layer {NUPLAN_MAP_LAYERS}")
        layers.append(int(NUPLAN_MAP_LAYERS[value]))
        rings.append(_ring(reader, geometry, f"drivable_area_map.geometries ({token})"))
    return MapPolygons.from_rings([str(token) for token in tokens], layers, rings)


def _route_lane_ids(reader: RecordReader, ids: Any) -> tuple[str, ...]:
    ids = reader.sequence(ids, "route_lane_ids")
    bad = [token for token in ids if not isinstance(token, str)]
    if bad:
        raise reader.fail("route_lane_ids", bad[:5], "expected lane id strings")
    return tuple(ids)


def _centerline(reader: RecordReader, path: Any) -> np.ndarray:
    points = reader.sequence(reader.argument(path, 0, "centerline"), "centerline.discrete_path")
    if len(points) < 2:
        raise reader.fail("centerline.discrete_path", f"{len(points)} points", "a centerline needs at least 2")
    return np.stack([reader.pose(point, f"centerline.discrete_path[{k}]")[:2] for k, point in enumerate(points)])
