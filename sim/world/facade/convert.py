"""Internal-frame values -> the real ``carla`` client's value types, and back, through :mod:`sim.frames`.

The facade hands agents ``carla.Location``, ``carla.Rotation``, ``carla.Transform``, ``carla.Vector3D`` and
``carla.BoundingBox`` objects of the installed ``carla`` package, in CARLA's left-handed frame (x forward/east,
y right/south, z up, yaw clockwise [deg]). CARLA stores them in float32.
"""

from __future__ import annotations

import enum
import math

import carla
import numpy as np

from sim.frames import (
    carla_to_internal_xy,
    carla_yaw_rate_to_internal,
    carla_yaw_to_internal,
    internal_heading_to_carla,
    internal_to_carla_xy,
    internal_yaw_rate_to_carla,
)


class Column(enum.IntEnum):
    """Columns of :func:`carla_rows`: an actor's state in CARLA's frame and units."""

    X = 0  # [m]
    Y = 1  # [m]
    Z = 2  # [m] ground under the box centre
    YAW = 3  # [deg]
    VX = 4  # [m/s]
    VY = 5  # [m/s]
    AX = 6  # [m/s^2]
    AY = 7  # [m/s^2]
    YAW_RATE = 8  # [deg/s] angular velocity about z
    EXTENT_X = 9  # [m] half length
    EXTENT_Y = 10  # [m] half width
    EXTENT_Z = 11  # [m] half height


def carla_rows(xyz_heading: np.ndarray, velocity: np.ndarray, acceleration: np.ndarray, yaw_rate: np.ndarray,
               dimensions: np.ndarray) -> np.ndarray:  # fmt: skip
    """``(A, 12)`` :class:`Column` rows from internal ``(A, 4)`` x, y, z, heading, ``(A, 2)`` velocity,
    ``(A, 2)`` acceleration, ``(A,)`` yaw rate [rad/s] and ``(A, 3)`` full sizes [m] (one conversion per tick)."""
    rows = np.empty((xyz_heading.shape[0], len(Column)))
    rows[:, [Column.X, Column.Y]] = internal_to_carla_xy(xyz_heading[:, :2])
    rows[:, Column.Z] = xyz_heading[:, 2]
    rows[:, Column.YAW] = internal_heading_to_carla(xyz_heading[:, 3])
    rows[:, [Column.VX, Column.VY]] = internal_to_carla_xy(velocity)
    rows[:, [Column.AX, Column.AY]] = internal_to_carla_xy(acceleration)
    rows[:, Column.YAW_RATE] = internal_yaw_rate_to_carla(yaw_rate)
    rows[:, Column.EXTENT_X : Column.EXTENT_Z + 1] = 0.5 * dimensions
    return rows


def location(x: float, y: float, z: float) -> carla.Location:
    """Internal position [m] -> ``carla.Location``."""
    cx, cy = internal_to_carla_xy(np.array([x, y]))
    return carla.Location(x=float(cx), y=float(cy), z=float(z))


def rotation(heading: float) -> carla.Rotation:
    """Internal heading [rad] -> ``carla.Rotation`` (pitch and roll 0: the embedded world is flat per actor)."""
    return carla.Rotation(pitch=0.0, yaw=float(internal_heading_to_carla(heading)), roll=0.0)


def transform(x: float, y: float, z: float, heading: float) -> carla.Transform:
    """Internal pose -> ``carla.Transform``."""
    return carla.Transform(location(x, y, z), rotation(heading))


def vector(vx: float, vy: float, vz: float = 0.0) -> carla.Vector3D:
    """Internal vector (velocity [m/s], acceleration [m/s^2]) -> ``carla.Vector3D``."""
    cx, cy = internal_to_carla_xy(np.array([vx, vy]))
    return carla.Vector3D(x=float(cx), y=float(cy), z=float(vz))


def angular_velocity(yaw_rate: float) -> carla.Vector3D:
    """Internal yaw rate [rad/s] -> ``carla.Vector3D`` [deg/s] (CARLA's unit)."""
    return carla.Vector3D(x=0.0, y=0.0, z=float(internal_yaw_rate_to_carla(yaw_rate)))


def bounding_box(length: float, width: float, height: float) -> carla.BoundingBox:
    """A box of full sizes [m] centred above the actor's ground origin (its location is in the actor's frame)."""
    half = carla.Vector3D(x=0.5 * float(length), y=0.5 * float(width), z=0.5 * float(height))
    return carla.BoundingBox(carla.Location(x=0.0, y=0.0, z=half.z), half)


def heading_vector(heading: float, speed: float) -> tuple[float, float]:
    """Internal ``(vx, vy)`` [m/s] of a signed ``speed`` along ``heading`` [rad]."""
    return speed * math.cos(heading), speed * math.sin(heading)


def internal_xy(point) -> np.ndarray:
    """``carla.Location`` / ``carla.Vector3D`` -> internal ``(2,)`` x, y."""
    return carla_to_internal_xy(np.array([point.x, point.y], dtype=np.float64))


def internal_heading(carla_rotation) -> float:
    """``carla.Rotation`` -> internal heading [rad]."""
    return float(carla_yaw_to_internal(carla_rotation.yaw))


def internal_yaw_rate(carla_angular_velocity) -> float:
    """``carla.Vector3D`` angular velocity [deg/s] -> internal yaw rate [rad/s]."""
    return float(carla_yaw_rate_to_internal(carla_angular_velocity.z))
