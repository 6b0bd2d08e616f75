"""Read the driving lanes of a ``carla.Map`` into packed arrays, converted to the internal frame.

This is the only module (with :mod:`sim.maps.signals`) that touches ``carla`` objects. A lane is
one OpenDRIVE lane inside one lane section (``(road_id, section_id, lane_id)``), which is what
one entry of ``carla.Map.get_topology()`` starts; the topology pairs give the successors.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np

from sim.frames import carla_to_internal_xy, carla_yaw_to_internal
from sim.maps.config import MapConfig

logger = logging.getLogger(__name__)

LaneKey = tuple[int, int, int]  # (road_id, section_id, lane_id) as OpenDRIVE numbers them

_SPEED_UNITS = {"mph": 0.44704, "km/h": 1.0 / 3.6, "kmh": 1.0 / 3.6, "m/s": 1.0}  # -> [m/s]
_ROAD_RE = re.compile(r"<road\b[^>]*?\bid=\"([^\"]+)\"")
_SPEED_RE = re.compile(r"<speed\b([^>]*)>")
_MAX_SAMPLES_PER_LANE = 200_000  # guards the lane walk against a lane that never ends
_END_BISECTION_STEPS = 16  # locates the lane end to resolution / 2**16
_ATTR_RE = re.compile(r"\b(max|unit)=\"([^\"]*)\"")


@dataclass(frozen=True)
class LaneArrays:
    """Driving lanes of a town, internal frame (see :class:`sim.maps.road_network.RoadNetwork`)."""

    keys: np.ndarray  # (L, 3) int64 road_id, section_id, lane_id
    junction_ids: np.ndarray  # (L,) int64, -1 outside junctions
    speed_limits: np.ndarray  # (L,) float64 [m/s], NaN when the file gives none
    left: np.ndarray  # (L,) int64 same-direction driving lane on the left, -1 if none
    right: np.ndarray  # (L,) int64 same-direction driving lane on the right, -1 if none
    oncoming: np.ndarray  # (L,) int64 opposite-direction driving lane on the left, -1 if none
    successor_offsets: np.ndarray  # (L + 1,) int64 CSR into successors
    successors: np.ndarray  # (E,) int64 lane indices
    offsets: np.ndarray  # (L + 1,) int64 CSR into the point arrays
    points: np.ndarray  # (N, 3) float64 x [m], y [m], heading [rad]
    z: np.ndarray  # (N,) float64 [m]
    widths: np.ndarray  # (N,) float64 [m]
    lane_change: np.ndarray  # (N,) int8 carla.LaneChange flags (1 right, 2 left)


def lane_key(waypoint) -> LaneKey:
    """The ``(road_id, section_id, lane_id)`` of a ``carla.Waypoint``."""
    return (int(waypoint.road_id), int(waypoint.section_id), int(waypoint.lane_id))


def road_speed_limits(xodr_text: str) -> dict[int, float]:
    """Per road, the first ``<type><speed max unit>`` before its geometry, in [m/s]."""
    limits: dict[int, float] = {}
    for chunk in xodr_text.split("<road ")[1:]:
        head = chunk.split("<planView", 1)[0]
        road = _ROAD_RE.search("<road " + head)
        speed = _SPEED_RE.search(head)
        if road is None or speed is None or not road.group(1).lstrip("-").isdigit():
            continue
        attributes = dict(_ATTR_RE.findall(speed.group(1)))
        try:
            value = float(attributes.get("max", "nan"))
        except ValueError:
            continue
        limits[int(road.group(1))] = value * _SPEED_UNITS.get(attributes.get("unit", "m/s"), 1.0)
    return limits


def _same_lane(candidates: list, key: LaneKey):
    """The candidate waypoint that stays on lane ``key``, or ``None``."""
    for waypoint in candidates:
        if lane_key(waypoint) == key:
            return waypoint
    return None


def _walk_lane(entry, resolution: float) -> list:
    """Waypoints every ``resolution`` [m] from ``entry`` to the exact end of its lane.

    ``Waypoint.next_until_lane_end`` would do this in C++, but it crashes the process on some
    lanes (Town15 road 252), so the walk is done here with ``next``; the lane end, which lies
    less than one hop beyond the last sample, is found by bisection.
    """
    key = lane_key(entry)
    waypoints = [entry]
    while len(waypoints) < _MAX_SAMPLES_PER_LANE:
        following = _same_lane(entry.next(resolution), key)
        if following is None:
            break
        entry = following
        waypoints.append(entry)
    low, high, end = 0.0, resolution, None
    for _ in range(_END_BISECTION_STEPS):
        middle = 0.5 * (low + high)
        candidate = _same_lane(entry.next(middle), key)
        if candidate is None:
            high = middle
        else:
            low, end = middle, candidate
    if end is not None:
        waypoints.append(end)
    return waypoints


def _sample_lane(entry, config: MapConfig) -> np.ndarray:
    """``(n, 6)`` CARLA x, y, z, yaw [deg], width [m] and lane_change flags along one lane."""
    waypoints = _walk_lane(entry, config.sampling_resolution)
    rows = np.empty((len(waypoints), 6), dtype=np.float64)
    for i, waypoint in enumerate(waypoints):
        transform = waypoint.transform
        location = transform.location
        rows[i] = (location.x, location.y, location.z, transform.rotation.yaw, waypoint.lane_width, 0.0)
        rows[i, 5] = int(waypoint.lane_change)
    return _drop_repeats(rows, config.min_point_spacing)


def _drop_repeats(rows: np.ndarray, min_spacing: float) -> np.ndarray:
    """Drop samples closer than ``min_spacing`` to the previous one, but keep the exact lane end."""
    if rows.shape[0] <= 2:
        return rows
    step = np.hypot(np.diff(rows[:, 0]), np.diff(rows[:, 1]))
    keep = np.ones(rows.shape[0], dtype=bool)
    keep[1:] = step >= min_spacing
    if not keep[-1]:  # the end coincides with the previous sample: keep the end, drop that one
        keep[-1], keep[-2] = True, False
    keep[0] = True
    return rows[keep] if keep.sum() >= 2 else rows[[0, -1]]


def _neighbour(waypoint, index_of: dict[LaneKey, int]) -> tuple[int, bool]:
    """(lane index, same direction) of a neighbouring driving lane, or (-1, False)."""
    import carla

    if waypoint is None or waypoint.lane_type != carla.LaneType.Driving:
        return -1, False
    return index_of.get(lane_key(waypoint), -1), True


def _neighbours(entries: list, index_of: dict[LaneKey, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left / right same-direction neighbours and the oncoming lane on the left."""
    count = len(entries)
    left, right, oncoming = (np.full(count, -1, dtype=np.int64) for _ in range(3))
    for i, entry in enumerate(entries):
        for side, candidate in (("left", entry.get_left_lane()), ("right", entry.get_right_lane())):
            j, _ = _neighbour(candidate, index_of)
            if j < 0:
                continue
            same_direction = (candidate.lane_id > 0) == (entry.lane_id > 0)
            if same_direction:
                (left if side == "left" else right)[i] = j
            elif side == "left":
                oncoming[i] = j
    return left, right, oncoming


def _successors(topology: list, index_of: dict[LaneKey, int]) -> tuple[np.ndarray, np.ndarray]:
    """CSR successor lists from the topology pairs (the exit waypoint starts the successor)."""
    pairs = set()
    for entry, exit_ in topology:
        j = index_of.get(lane_key(exit_))
        if j is None:
            logger.debug("topology exit %s starts no known lane", lane_key(exit_))
            continue
        pairs.add((index_of[lane_key(entry)], j))
    edges = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    counts = np.bincount(edges[:, 0], minlength=len(index_of))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return offsets, edges[:, 1].copy()


def _inherit_speed_limits(limits: np.ndarray, successor_offsets: np.ndarray, successors: np.ndarray) -> np.ndarray:
    """Lanes without a limit (usually junction roads) take the lowest limit of their predecessors."""
    sources = np.repeat(np.arange(limits.shape[0]), np.diff(successor_offsets))
    inherited = np.full_like(limits, np.inf)
    np.minimum.at(inherited, successors, np.where(np.isfinite(limits[sources]), limits[sources], np.inf))
    fill = np.isnan(limits) & np.isfinite(inherited)
    return np.where(fill, inherited, limits)


def read_lanes(carla_map, xodr_text: str, config: MapConfig) -> LaneArrays:
    """Sample every driving lane of ``carla_map`` and build its lane graph.

    Raises:
        ValueError: when the map has no driving lanes.
    """
    topology = carla_map.get_topology()
    entries, index_of = [], {}
    for entry, _ in topology:
        key = lane_key(entry)
        if key not in index_of:
            index_of[key] = len(entries)
            entries.append(entry)
    if not entries:
        raise ValueError(f"map '{carla_map.name}' has no driving lanes (empty topology)")
    samples = [_sample_lane(entry, config) for entry in entries]
    rows = np.concatenate(samples)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in samples])]).astype(np.int64)
    speed_by_road = road_speed_limits(xodr_text)
    keys = np.array(list(index_of), dtype=np.int64)
    junction_ids = np.array([e.get_junction().id if e.is_junction else -1 for e in entries], dtype=np.int64)
    left, right, oncoming = _neighbours(entries, index_of)
    successor_offsets, successors = _successors(topology, index_of)
    points = np.column_stack([carla_to_internal_xy(rows[:, :2]), carla_yaw_to_internal(rows[:, 3])])
    return LaneArrays(
        keys=keys,
        junction_ids=junction_ids,
        speed_limits=_inherit_speed_limits(
            np.array([speed_by_road.get(int(r), np.nan) for r in keys[:, 0]], dtype=np.float64),
            successor_offsets,
            successors,
        ),
        left=left,
        right=right,
        oncoming=oncoming,
        successor_offsets=successor_offsets,
        successors=successors,
        offsets=offsets,
        points=points,
        z=rows[:, 2].copy(),
        widths=rows[:, 4].copy(),
        lane_change=rows[:, 5].astype(np.int8),
    )
