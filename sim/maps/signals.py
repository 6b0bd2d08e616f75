"""Traffic lights, stop signs and crosswalks of a ``carla.Map``, converted to the internal frame.

The offline client lists a signal once per *signal reference* (one per lane range it is valid
for), so a traffic light that controls four junction lanes appears up to four times with the
same ``landmark.id``. Here each physical signal is one row, with the lanes it controls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.frames import carla_to_internal_xy

TRAFFIC_LIGHT_TYPE = "1000001"  # OpenDRIVE signal type of a traffic light
STOP_SIGN_TYPE = "206"  # OpenDRIVE signal type of a stop sign
_CLOSE_RING = 1e-3  # [m] a crosswalk ring ends where its first vertex repeats


@dataclass(frozen=True)
class SignalGroups:
    """Physical signals (one row per OpenDRIVE signal id) and the lanes each one controls.

    Attributes:
        ids: ``(S,)`` str OpenDRIVE signal ids, unique.
        positions: ``(S, 3)`` float64 x [m], y [m], z [m] of the signal (pole), internal frame.
        lane_offsets: ``(S + 1,)`` int64; signal ``k`` controls ``lanes[lane_offsets[k]:lane_offsets[k+1]]``.
        lanes: ``(M,)`` int64 controlled lane indices (junction lanes for CARLA's lights and stops).
        stop_points: ``(M, 2)`` float64 [m] where the signal applies on that lane (its stop line).
    """

    ids: np.ndarray
    positions: np.ndarray
    lane_offsets: np.ndarray
    lanes: np.ndarray
    stop_points: np.ndarray

    @property
    def count(self) -> int:
        return int(self.ids.shape[0])

    def controlled_lanes(self, index: int) -> np.ndarray:
        """``(m,)`` lane indices controlled by signal ``index``."""
        return self.lanes[self.lane_offsets[index] : self.lane_offsets[index + 1]]

    def signal_of_lane(self) -> dict[int, int]:
        """Lane index -> signal row, for every controlled lane."""
        owners = np.repeat(np.arange(self.count), np.diff(self.lane_offsets))
        return {int(lane): int(owner) for lane, owner in zip(self.lanes, owners, strict=True)}


def _location_row(location) -> tuple[float, float, float]:
    return (location.x, location.y, location.z)


def read_signals(carla_map, signal_type: str, index_of: dict[tuple[int, int, int], int]) -> SignalGroups:
    """Group the landmarks of ``signal_type`` by id; resolve the lanes each one is valid for."""
    import carla

    positions: dict[str, tuple[float, float, float]] = {}
    controlled: dict[str, dict[int, tuple[float, float]]] = {}
    for landmark in carla_map.get_all_landmarks_of_type(signal_type):
        sid = str(landmark.id)
        positions.setdefault(sid, _location_row(landmark.transform.location))
        lanes = controlled.setdefault(sid, {})
        for low, high in landmark.get_lane_validities():
            for lane_id in range(min(low, high), max(low, high) + 1):
                if lane_id == 0:
                    continue
                waypoint = carla_map.get_waypoint_xodr(landmark.road_id, lane_id, landmark.s)
                if waypoint is None or waypoint.lane_type != carla.LaneType.Driving:
                    continue
                key = (int(waypoint.road_id), int(waypoint.section_id), int(waypoint.lane_id))
                if key in index_of:
                    location = waypoint.transform.location
                    lanes.setdefault(index_of[key], (location.x, location.y))
    ids = sorted(positions, key=lambda s: (len(s), s))
    lane_rows = [sorted(controlled[sid].items()) for sid in ids]
    stop_xy = np.array([xy for rows in lane_rows for _, xy in rows], dtype=np.float64).reshape(-1, 2)
    xyz = np.array([positions[sid] for sid in ids], dtype=np.float64).reshape(-1, 3)
    xyz[:, :2] = carla_to_internal_xy(xyz[:, :2])
    return SignalGroups(
        ids=np.array(ids, dtype=str),
        positions=xyz,
        lane_offsets=np.concatenate([[0], np.cumsum([len(rows) for rows in lane_rows])]).astype(np.int64),
        lanes=np.array([lane for rows in lane_rows for lane, _ in rows], dtype=np.int64),
        stop_points=carla_to_internal_xy(stop_xy),
    )


def read_crosswalks(carla_map) -> tuple[np.ndarray, np.ndarray]:
    """Crosswalk polygons as CSR ``(offsets (C + 1,), vertices (V, 2))``, open rings, internal frame.

    ``carla.Map.get_crosswalks()`` returns closed rings back to back. A ring ends where a vertex
    repeats an earlier one of the current run; some files (Town15) put stray vertices before a
    ring, which are dropped.
    """
    points = np.array([_location_row(p)[:2] for p in carla_map.get_crosswalks()], dtype=np.float64).reshape(-1, 2)
    rings, start = [], 0
    for i in range(1, points.shape[0]):
        earlier = np.flatnonzero(np.hypot(*(points[start:i] - points[i]).T) < _CLOSE_RING)
        if earlier.size:
            first = start + int(earlier[0])
            if i - first >= 3:
                rings.append(points[first:i])
            start = i + 1
    vertices = np.concatenate(rings) if rings else np.zeros((0, 2))
    offsets = np.concatenate([[0], np.cumsum([len(r) for r in rings])]).astype(np.int64)
    return offsets, carla_to_internal_xy(vertices)
