"""Typed reads of the nuPlan / navsim records of a metric cache (ego states, poses, tracked objects).

Every read names the cache file and the attribute path of a missing or malformed value, e.g.
``metric_cache.pkl: observation._detections_tracks[3]...[7]._box._length = nan: expected a finite
positive number``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.geometry import to_global
from sim.scoring.metric_cache.unpickler import CacheRecord, MetricCacheError
from sim.scoring.scene_io import short_repr
from sim.types import STATE_SIZE, AgentType, PastIndex, StateIndex, VehicleParameters

MICROSECONDS_PER_SECOND = 1_000_000  # [us/s]

# nuPlan's TrackedObjectType values; EGO (7) is one of nuPlan's AGENT_TYPES and scores like a vehicle.
TRACKED_OBJECT_TYPES = {member.value: member for member in AgentType} | {7: AgentType.VEHICLE}


class RecordReader:
    """Reads attributes of cache records; errors name ``source`` and the attribute path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, value: Any, why: str) -> MetricCacheError:
        return MetricCacheError(f"{self.source}: {path} = {short_repr(value)}: {why}")

    def field(self, record: Any, name: str, path: str) -> Any:
        if not isinstance(record, CacheRecord):
            raise self.fail(path, record, "expected a pickled navsim/nuplan object")
        if name not in record.__dict__:
            raise MetricCacheError(f"{self.source}: {path}.{name} is missing ({record.qualified_name})")
        return record.__dict__[name]

    def argument(self, record: Any, index: int, path: str) -> Any:
        if not isinstance(record, CacheRecord) or len(record.call_args) <= index:
            raise self.fail(path, record, f"expected a pickled object built with at least {index + 1} arguments")
        return record.call_args[index]

    def number(self, value: Any, path: str, positive: bool = False) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise self.fail(path, value, "expected a number") from None
        if not math.isfinite(number) or (positive and number <= 0.0):
            raise self.fail(path, value, f"expected a finite{' positive' if positive else ''} number")
        return number

    def array(self, value: Any, shape: tuple[int, ...], path: str) -> np.ndarray:
        """A finite float64 array of exactly ``shape``."""
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise self.fail(path, value, f"expected a numeric array of shape {shape}") from None
        if array.shape != shape or not np.all(np.isfinite(array)):
            raise self.fail(path, value, f"expected a finite array of shape {shape}, got {array.shape}")
        return array

    def sequence(self, value: Any, path: str) -> list:
        if not isinstance(value, (list, tuple, np.ndarray)):
            raise self.fail(path, value, "expected a list")
        return list(value)

    def time_us(self, time_point: Any, path: str) -> int:
        value = self.field(time_point, "time_us", path)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not abs(value) < 2**62:
            raise self.fail(f"{path}.time_us", value, "expected an integer time [us]")
        return int(value)

    def pose(self, state_se2: Any, path: str) -> np.ndarray:
        """``(3,)`` x, y, heading of a nuPlan ``StateSE2``."""
        keys = ("x", "y", "heading")
        return np.array([self.number(self.field(state_se2, key, path), f"{path}.{key}") for key in keys])

    def vector(self, vector_2d: Any, path: str) -> np.ndarray:
        """``(2,)`` of a nuPlan ``StateVector2D``."""
        return np.array([self.number(self.field(vector_2d, key, path), f"{path}.{key}") for key in ("_x", "_y")])

    def vehicle(self, parameters: Any, path: str) -> VehicleParameters:
        """nuPlan ``VehicleParameters(width, front_length, rear_length, cog, wheel_base, name, type, height)``."""
        values = [self.number(self.argument(parameters, i, path), f"{path}[{i}]", positive=True) for i in (0, 1, 2, 4)]
        height = self.argument(parameters, 7, path) if len(parameters.call_args) > 7 else None
        height = 0.0 if height is None else self.number(height, f"{path}[7]")
        width, front_length, rear_length, wheel_base = values
        return VehicleParameters(width, front_length, rear_length, wheel_base, height)

    def rear_axle(self, footprint: Any, path: str) -> np.ndarray:
        """``(3,)`` rear-axle pose of a ``CarFootprint``: its cached value, else nuPlan's formula from the centre."""
        if isinstance(footprint, CacheRecord) and "rear_axle" in footprint.__dict__:
            return self.pose(footprint.__dict__["rear_axle"], f"{path}.rear_axle")
        centre = self.pose(self.field(footprint, "_center", path), f"{path}._center")
        parameters = self.field(footprint, "_vehicle_parameters", path)
        front = self.number(self.argument(parameters, 1, f"{path}._vehicle_parameters"), f"{path}.front_length")
        rear = self.number(self.argument(parameters, 2, f"{path}._vehicle_parameters"), f"{path}.rear_length")
        offset = (front + rear) / 2.0 - rear  # nuPlan's rear_axle_to_center
        return to_global(np.array([-offset, 0.0, 0.0]), centre)

    def ego_state(self, ego_state: Any, path: str) -> tuple[int, np.ndarray]:
        """Time [us] and the ``(11,)`` :class:`StateIndex` state of a nuPlan ``EgoState`` (NAVSIM's array form)."""
        dynamic = self.field(ego_state, "_dynamic_car_state", path)
        dyn_path = f"{path}._dynamic_car_state"
        state = np.zeros(STATE_SIZE)
        state[StateIndex.X : StateIndex.HEADING + 1] = self.rear_axle(
            self.field(ego_state, "_car_footprint", path), f"{path}._car_footprint"
        )
        velocity = self.field(dynamic, "_rear_axle_velocity_2d", dyn_path)
        acceleration = self.field(dynamic, "_rear_axle_acceleration_2d", dyn_path)
        state[[StateIndex.VX, StateIndex.VY]] = self.vector(velocity, f"{dyn_path}._rear_axle_velocity_2d")
        state[[StateIndex.AX, StateIndex.AY]] = self.vector(acceleration, f"{dyn_path}._rear_axle_acceleration_2d")
        scalars = (
            (StateIndex.STEERING_ANGLE, ego_state, "_tire_steering_angle", path),
            (StateIndex.STEERING_RATE, dynamic, "_tire_steering_rate", dyn_path),
            (StateIndex.ANGULAR_VELOCITY, dynamic, "_angular_velocity", dyn_path),
            (StateIndex.ANGULAR_ACCELERATION, dynamic, "_angular_acceleration", dyn_path),
        )
        for column, record, name, where in scalars:
            state[column] = self.number(self.field(record, name, where), f"{where}.{name}")
        return self.time_us(self.field(ego_state, "_time_point", path), f"{path}._time_point"), state

    def interpolated_states(self, trajectory: Any, path: str) -> tuple[np.ndarray, np.ndarray]:
        """Times [us] ``(K,)`` and states ``(K, 11)`` of a nuPlan ``InterpolatedTrajectory`` of ego states."""
        states = self.sequence(self.argument(trajectory, 0, path), f"{path}[0]")
        if len(states) < 2:
            raise self.fail(f"{path}[0]", f"{len(states)} states", "an interpolated trajectory needs at least 2")
        read = [self.ego_state(state, f"{path}[0][{k}]") for k, state in enumerate(states)]
        times = np.array([time for time, _ in read], dtype=np.int64)
        if np.any(np.diff(times) <= 0):
            raise self.fail(f"{path} times", times.tolist(), "must increase strictly")
        return times, np.stack([state for _, state in read])

    def tracked_object(self, tracked: Any, path: str) -> tuple[str, int, np.ndarray, np.ndarray]:
        """Track token, :class:`AgentType`, ``(2,)`` length/width and ``(5,)`` centre x, y, heading, vx, vy."""
        token = self.field(self.field(tracked, "_metadata", path), "track_token", f"{path}._metadata")
        if not isinstance(token, str) or not token:
            raise self.fail(f"{path}._metadata.track_token", token, "expected a non-empty string")
        path = f"{path} (track '{token}')"
        kind_record = self.field(tracked, "_tracked_object_type", path)
        kind = self.argument(kind_record, 0, f"{path}._tracked_object_type")
        if not isinstance(kind, int) or kind not in TRACKED_OBJECT_TYPES:
            raise self.fail(f"{path}._tracked_object_type", kind, "unknown nuPlan TrackedObjectType value")
        box = self.field(tracked, "_box", path)
        size = np.array([self.number(self.field(box, key, f"{path}._box"), f"{path}._box.{key}", positive=True)
                         for key in ("_length", "_width")])  # fmt: skip
        state = np.zeros(5)
        state[:3] = self.pose(self.field(box, "_center", f"{path}._box"), f"{path}._box._center")
        velocity = tracked.__dict__.get("_velocity")  # static objects carry none; their speed is never read
        if velocity is not None:
            state[3:] = self.vector(velocity, f"{path}._velocity")
        return token, int(TRACKED_OBJECT_TYPES[kind]), size, state


def past_rows(times_us: np.ndarray, states: np.ndarray, t0_us: int) -> np.ndarray:
    """``(K, 9)`` :class:`PastIndex` rows of logged ego states, times relative to ``t0_us``."""
    rows = np.zeros((states.shape[0], len(PastIndex)))
    rows[:, PastIndex.T] = (times_us - t0_us) / MICROSECONDS_PER_SECOND
    columns = (
        (PastIndex.X, StateIndex.X),
        (PastIndex.Y, StateIndex.Y),
        (PastIndex.HEADING, StateIndex.HEADING),
        (PastIndex.V_LON, StateIndex.VX),
        (PastIndex.A_LON, StateIndex.AX),
        (PastIndex.V_LAT, StateIndex.VY),
        (PastIndex.A_LAT, StateIndex.AY),
        (PastIndex.STEERING_ANGLE, StateIndex.STEERING_ANGLE),
    )
    for past_column, state_column in columns:
        rows[:, past_column] = states[:, state_column]
    return rows
