"""The global plan an agent receives: the dense route downsampled as the leaderboard does it,
in world coordinates (internal and CARLA) and GPS.

``downsample_route`` follows the leaderboard's rule (spec section 1.2): keep a point if it is a
lane change, if its RoadOption differs from the previous point's (unless that one was a lane
change), if more than ``sample_factor`` metres accumulated since the last kept point, or if it
is the last point. GPS uses the town's ``GeoReference`` (the leaderboard's ``_location_to_gps``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.frames import GeoReference, internal_heading_to_carla, internal_to_carla_xy
from sim.maps.config import RouteConfig
from sim.maps.dense_route import DenseRoute
from sim.types import RoadOption

_LANE_CHANGES = (int(RoadOption.CHANGELANELEFT), int(RoadOption.CHANGELANERIGHT))


def downsample_route(xy: np.ndarray, road_options: np.ndarray, sample_factor: float) -> np.ndarray:
    """Indices ``(P,)`` of the points of a dense route ``xy`` ``(K, 2)`` or ``(K, 3)`` [m] the leaderboard keeps.

    Args:
        xy: route positions (any frame; only distances are used, in as many dimensions as given:
            the leaderboard measures ``carla.Location.distance``, in 3-D).
        road_options: ``(K,)`` :class:`RoadOption` values.
        sample_factor: [m] maximum distance accumulated between kept points (50 in LB1 / B2D, 200 in LB2).
    """
    options = np.asarray(road_options, dtype=np.int64).tolist()
    step = np.concatenate([[0.0], np.linalg.norm(np.diff(np.asarray(xy, dtype=np.float64), axis=0), axis=1)])
    kept: list[int] = []
    previous: int | None = None
    travelled = 0.0
    for i, option in enumerate(options):
        if option in _LANE_CHANGES:
            keep = True
        elif option != previous and previous not in _LANE_CHANGES:
            keep = True
        else:
            keep = travelled > sample_factor or i == len(options) - 1
        if keep:
            kept.append(i)
            travelled = 0.0
        else:  # the leaderboard only adds the hop of points it does not keep
            travelled += float(step[i])
        previous = option
    return np.asarray(kept, dtype=np.int64)


@dataclass(frozen=True)
class GlobalPlan:
    """Route points handed to an agent (``set_global_plan``), ``P`` of them.

    Attributes:
        indices: ``(P,)`` int64 indices into the dense route.
        points: ``(P, 3)`` float64 internal x [m], y [m], heading [rad].
        z: ``(P,)`` float64 [m].
        road_options: ``(P,)`` int64 :class:`RoadOption` values.
        carla_poses: ``(P, 4)`` float64 CARLA x [m], y [m], z [m], yaw [deg] (left-handed).
        gps: ``(P, 3)`` float64 lat [deg], lon [deg], z [m].
    """

    indices: np.ndarray
    points: np.ndarray
    z: np.ndarray
    road_options: np.ndarray
    carla_poses: np.ndarray
    gps: np.ndarray

    def gps_route(self, option_type: type = RoadOption) -> list[tuple[dict[str, float], object]]:
        """The leaderboard's ``global_plan_gps``: ``[({'lat', 'lon', 'z'}, RoadOption), ...]``.

        Args:
            option_type: the enum the options are members of; agents compare against CARLA's
                ``agents.navigation.local_planner.RoadOption`` (same values as :class:`RoadOption`).
        """
        return [
            ({"lat": float(lat), "lon": float(lon), "z": float(z)}, option_type(int(option)))
            for (lat, lon, z), option in zip(self.gps, self.road_options, strict=True)
        ]

    def world_route(self, option_type: type = RoadOption) -> list[tuple[object, object]]:
        """The leaderboard's ``global_plan_world_coord``: ``[(carla.Transform, RoadOption), ...]``.

        Args:
            option_type: as for :meth:`gps_route`.
        """
        import carla

        return [
            (carla.Transform(carla.Location(x=x, y=y, z=z), carla.Rotation(yaw=yaw)), option_type(int(option)))
            for (x, y, z, yaw), option in zip(self.carla_poses.tolist(), self.road_options, strict=True)
        ]


def global_plan(route: DenseRoute, geo: GeoReference, sample_factor: float | None = RouteConfig.downsample_distance):
    """The (downsampled) global plan of ``route``; ``sample_factor=None`` keeps every point.

    Returns:
        GlobalPlan in world (internal and CARLA) coordinates and GPS.
    """
    if sample_factor is None:
        indices = np.arange(route.points.shape[0], dtype=np.int64)
    else:
        indices = downsample_route(route.points[:, :2], route.road_options, sample_factor)
    points, z = route.points[indices], route.z[indices]
    carla_xy = internal_to_carla_xy(points[:, :2])
    carla_poses = np.column_stack([carla_xy, z, internal_heading_to_carla(points[:, 2])])
    return GlobalPlan(
        indices=indices,
        points=points,
        z=z,
        road_options=route.road_options[indices],
        carla_poses=carla_poses,
        gps=geo.carla_to_gps(np.column_stack([carla_xy, z])),
    )
