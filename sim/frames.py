"""The one module that converts between CARLA's frame, GPS and the package's internal frame.

CARLA is left-handed: x forward/east, y right/south, z up, yaw clockwise in degrees. Internally
everything is right-handed: x east, y north (left), yaw counter-clockwise in radians. The
conversion flips y and yaw, and happens once, at the boundary (map and route loading, the CARLA
adapter, GNSS/compass emulation).

GPS follows the leaderboard's ``_location_to_gps`` (the same formula as CARLA's GNSS sensor):
a Mercator projection scaled by ``cos(lat_ref)``, with ``lat_ref``/``lon_ref`` from the
OpenDRIVE ``<geoReference>`` (``+lat_0``/``+lon_0``; 42.0/2.0 when absent).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from sim.geometry import wrap_angle

EARTH_RADIUS = 6378137.0  # [m] equatorial radius used by CARLA and the leaderboard
DEFAULT_LAT_REF = 42.0  # [deg] CARLA's default when the map has no geoReference
DEFAULT_LON_REF = 2.0  # [deg]


def carla_to_internal_xy(xy_carla: np.ndarray) -> np.ndarray:
    """``(..., 2)`` CARLA x, y [m] -> internal x, y [m] (y flipped)."""
    xy = np.array(xy_carla, dtype=np.float64, copy=True)
    xy[..., 1] *= -1.0
    return xy


internal_to_carla_xy = carla_to_internal_xy  # the flip is its own inverse


def carla_yaw_to_internal(yaw_deg: np.ndarray | float) -> np.ndarray | float:
    """CARLA yaw [deg], clockwise -> internal heading [rad], counter-clockwise, wrapped to [-pi, pi)."""
    return wrap_angle(-np.radians(yaw_deg))


def internal_heading_to_carla(heading: np.ndarray | float) -> np.ndarray | float:
    """Internal heading [rad] -> CARLA yaw [deg]."""
    return -np.degrees(heading)


def internal_yaw_rate_to_carla(rate: np.ndarray | float) -> np.ndarray | float:
    """Internal yaw rate [rad/s], counter-clockwise -> CARLA's angular velocity about z [deg/s], clockwise."""
    return -np.degrees(rate)


def carla_yaw_rate_to_internal(rate_deg: np.ndarray | float) -> np.ndarray | float:
    """CARLA's angular velocity about z [deg/s] -> internal yaw rate [rad/s]."""
    return -np.radians(rate_deg)


@dataclass(frozen=True)
class GeoReference:
    """Origin of a town's GPS projection [deg]."""

    lat_ref: float = DEFAULT_LAT_REF
    lon_ref: float = DEFAULT_LON_REF

    @classmethod
    def from_opendrive(cls, xodr_text: str) -> GeoReference:
        """Read ``+lat_0``/``+lon_0`` from the ``<geoReference>`` element (defaults if absent)."""
        match = re.search(r"<geoReference>(.*?)</geoReference>", xodr_text, flags=re.S)
        if match is None:
            return cls()
        lat = re.search(r"\+lat_0=([-+0-9.eE]+)", match.group(1))
        lon = re.search(r"\+lon_0=([-+0-9.eE]+)", match.group(1))
        return cls(
            lat_ref=float(lat.group(1)) if lat else DEFAULT_LAT_REF,
            lon_ref=float(lon.group(1)) if lon else DEFAULT_LON_REF,
        )

    @property
    def _scale(self) -> float:
        return math.cos(math.radians(self.lat_ref))

    def carla_to_gps(self, xyz_carla: np.ndarray) -> np.ndarray:
        """``(..., 3)`` CARLA x, y, z [m] -> ``(..., 3)`` lat [deg], lon [deg], alt [m]."""
        xyz = np.asarray(xyz_carla, dtype=np.float64)
        s = self._scale
        mx = s * EARTH_RADIUS * math.pi * self.lon_ref / 180.0 + xyz[..., 0]
        my = s * EARTH_RADIUS * math.log(math.tan((90.0 + self.lat_ref) * math.pi / 360.0)) - xyz[..., 1]
        lon = 180.0 * mx / (math.pi * EARTH_RADIUS * s)
        lat = 360.0 / math.pi * np.arctan(np.exp(my / (EARTH_RADIUS * s))) - 90.0
        return np.stack([lat, lon, xyz[..., 2]], axis=-1)

    def gps_to_carla(self, lat_lon_alt: np.ndarray) -> np.ndarray:
        """Exact inverse of :meth:`carla_to_gps`: ``(..., 3)`` lat, lon, alt -> CARLA x, y, z [m]."""
        gps = np.asarray(lat_lon_alt, dtype=np.float64)
        s = self._scale
        x = (gps[..., 1] - self.lon_ref) * math.pi * EARTH_RADIUS * s / 180.0
        y = (
            s
            * EARTH_RADIUS
            * (
                math.log(math.tan((90.0 + self.lat_ref) * math.pi / 360.0))
                - np.log(np.tan((90.0 + gps[..., 0]) * math.pi / 360.0))
            )
        )
        return np.stack([x, y, gps[..., 2]], axis=-1)

    def gps_to_internal(self, lat_lon_alt: np.ndarray) -> np.ndarray:
        """``(..., 3)`` lat, lon, alt -> internal x, y [m] ``(..., 2)``."""
        return carla_to_internal_xy(self.gps_to_carla(lat_lon_alt)[..., :2])

    def internal_to_gps(self, xy: np.ndarray, alt: np.ndarray | float = 0.0) -> np.ndarray:
        """Internal x, y [m] ``(..., 2)`` -> ``(..., 3)`` lat, lon, alt."""
        carla_xy = internal_to_carla_xy(xy)
        z = np.broadcast_to(np.asarray(alt, dtype=np.float64), carla_xy.shape[:-1])
        return self.carla_to_gps(np.concatenate([carla_xy, z[..., None]], axis=-1))


def compass_from_internal_heading(heading: np.ndarray | float) -> np.ndarray | float:
    """The IMU compass [rad] (0 = north = CARLA -y, clockwise) for an internal heading [rad].

    CARLA yaw = compass - pi/2 [rad]; internal heading = -CARLA yaw.
    """
    return np.mod(np.pi / 2.0 - np.asarray(heading), 2.0 * np.pi)


def internal_heading_from_compass(compass: np.ndarray | float) -> np.ndarray | float:
    """Inverse of :func:`compass_from_internal_heading`, wrapped to [-pi, pi)."""
    return wrap_angle(np.pi / 2.0 - np.asarray(compass))
