"""Defaults of map loading and route planning, in one frozen place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MapConfig:
    """How a town is sampled from its OpenDRIVE file.

    Attributes:
        sampling_resolution: [m] spacing of centreline samples (``waypoint.next_until_lane_end``).
        min_point_spacing: [m] samples closer than this to their neighbour are dropped (CARLA
            repeats the lane end when the lane length is a whole number of hops).
        intersection_closing: [m] buffer used to close the gaps between the junction lanes when
            their union becomes the INTERSECTION polygon.
    """

    sampling_resolution: float = 1.0
    min_point_spacing: float = 0.05
    intersection_closing: float = 1.0


@dataclass(frozen=True)
class RouteConfig:
    """Route planning and global-plan downsampling, as the leaderboard does them.

    The dense route's hop is the map's ``MapConfig.sampling_resolution`` (1 m, the leaderboard's
    ``hop_resolution``): routes are made of the lanes' own centreline samples.

    Attributes:
        downsample_distance: [m] ``sample_factor`` of ``downsample_route`` (50 in LB1 / B2D, 200 in LB2).
        turn_threshold_deg: [deg] a junction path deviating less than this from the approach lane
            is STRAIGHT (CARLA's ``_turn_decision``).
        lane_change_cost: [m] search cost of one lane change; CARLA uses 0, a small positive
            value breaks ties towards fewer lane changes.
        lane_change_advance: [m] how far ahead on the target lane a lane change lands (CARLA
            jumps 5 hops ahead).
        max_keypoint_distance: [m] a keypoint farther than this from every driving lane is an error.
    """

    downsample_distance: float = 50.0
    turn_threshold_deg: float = 35.0
    lane_change_cost: float = 0.5
    lane_change_advance: float = 5.0
    max_keypoint_distance: float = 10.0


DEFAULT_MAP_CONFIG = MapConfig()
DEFAULT_ROUTE_CONFIG = RouteConfig()
