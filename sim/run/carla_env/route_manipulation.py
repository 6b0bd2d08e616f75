"""A stand-in for the leaderboard's ``leaderboard.utils.route_manipulation``.

``downsample_route`` keeps the leaderboard's points (:func:`sim.maps.global_plan.downsample_route`, 3-D
distances as the leaderboard measures them); the GPS helpers are the leaderboard's formula
(:class:`sim.frames.GeoReference`); ``interpolate_trajectory`` densifies keypoints with this package's
route planner on the running route's town (not CARLA's ``GlobalRoutePlanner``).
"""

from __future__ import annotations

import numpy as np

from sim.frames import GeoReference


def _option_value(option) -> int:
    return int(getattr(option, "value", option))


def downsample_route(route: list, sample_factor: float) -> list[int]:
    """Indices of ``route`` ``[(carla.Transform, RoadOption), ...]`` the leaderboard keeps."""
    from sim.maps.global_plan import downsample_route as downsample

    if not route:
        return []
    xyz = np.array([[p.location.x, p.location.y, p.location.z] for p, _ in route], dtype=np.float64)
    options = np.array([_option_value(option) for _, option in route], dtype=np.int64)
    return downsample(xyz, options, float(sample_factor)).tolist()


def _location_to_gps(lat_ref: float, lon_ref: float, location) -> dict[str, float]:
    """The leaderboard's ``{'lat', 'lon', 'z'}`` of a ``carla.Location``."""
    lat, lon, z = GeoReference(lat_ref, lon_ref).carla_to_gps(np.array([location.x, location.y, location.z]))
    return {"lat": float(lat), "lon": float(lon), "z": float(z)}


def location_route_to_gps(route: list, lat_ref: float, lon_ref: float) -> list:
    """``[(carla.Transform, option)]`` -> ``[({'lat', 'lon', 'z'}, option)]``."""
    return [(_location_to_gps(lat_ref, lon_ref, transform.location), option) for transform, option in route]


def _get_latlon_ref(world) -> tuple[float, float]:
    """The town's ``(lat_ref, lon_ref)`` from its OpenDRIVE ``<geoReference>`` (42.0, 2.0 when absent)."""
    geo = GeoReference.from_opendrive(world.get_map().to_opendrive())
    return geo.lat_ref, geo.lon_ref


def interpolate_trajectory(*args, hop_resolution: float = 1.0):
    """``(gps_route, route)`` of keypoints densified at 1 m on the running route's town.

    Accepts the leaderboard 2.0 call ``(waypoints_trajectory, hop_resolution=1.0)`` and the 1.0 call
    ``(world, waypoints_trajectory, hop_resolution=1.0)``.
    """
    from sim.frames import carla_to_internal_xy
    from sim.maps.global_plan import global_plan
    from sim.maps.route_planner import plan_route
    from sim.run.carla_env.data_provider import running_facade
    from sim.run.carla_env.finder import carla_road_option

    keypoints = args[1] if len(args) >= 2 and hasattr(args[0], "get_map") else args[0]
    facade = running_facade()
    xyz = np.array([[p.x, p.y, p.z] for p in (getattr(k, "location", k) for k in keypoints)], dtype=np.float64)
    route = plan_route(facade.network, np.column_stack([carla_to_internal_xy(xyz[:, :2]), xyz[:, 2]]))
    plan = global_plan(route, facade.network.geo, sample_factor=None)
    options = carla_road_option()
    return plan.gps_route(options), plan.world_route(options)
