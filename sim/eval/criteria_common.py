"""Settings shared by the leaderboard criteria, per rule set, and the frame helper for event locations.

Every number comes from carla_leaderboard.md section 3 (3.1 criteria details, 3.6 timeouts); the
few the spec does not pin (stop-sign trigger zone, default speed limit) are marked as ours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.eval.infractions import LeaderboardRules
from sim.frames import internal_to_carla_xy


@dataclass(frozen=True)
class CriteriaConfig:
    """Thresholds of the per-tick criteria; build with :meth:`for_rules`.

    Attributes:
        completion_window: [points] route points ahead of the current one tested for passing.
        completion_slack: [m] beyond the distance moved since the last tick, also tested (high speed).
        blocked_time: [s] below ``blocked_speed`` for longer than this ends the route.
        blocked_speed: [m/s].
        deviation_distance: [m] this far from the route ends it at once.
        deviation_safe_distance: [m] farther than this counts as driving off the route...
        deviation_max_percentage: [%] ... and more than this share of the route length so driven ends it.
        deviation_window: [points] route points searched for the closest one.
        outside_lane_margin: [m] allowed beyond half the lane width before the ego is outside its lanes.
        wrong_lane_angle: [deg] a lane whose direction differs from the ego's heading by more is opposite.
        collision_memory_time: [s] a second hit of the same actor within this time is the same collision.
        collision_radius: [m] a hit this close to a remembered collision location is the same collision.
        collision_forget_distance: [m] collision locations farther than this from the ego are forgotten.
        collision_min_speed: [m/s] hits while the ego is slower are ignored (0 disables).
        red_light_distance: [m] lights whose trigger centre is farther are not checked.
        stop_proximity: [m] stop zones whose centre is farther are not checked.
        stop_speed: [m/s] the ego must go below this inside a stop zone.
        stop_lookahead_step: [m] spacing of the points ahead of the ego tested against stop zones.
        stop_zone_length: [m] along-lane length of a stop's trigger zone, ending at its stop line (ours).
        route_timeout_lb2: True: 2.0's growing timeout; False: 1.0's fixed one.
        route_timeout_per_metre: [s/m] LB1: timeout = int(this x route length + route_timeout_initial).
        route_timeout_initial: [s] LB1 constant term; LB2 starting value.
        timeout_speed_fraction: [1] LB2 adds d / (this x speed limit) per d metres advanced.
        default_speed_limit: [m/s] used where the road has none (ours: CARLA's urban 30 km/h).
        tick_cap: [ticks] Bench2Drive's hard cap per route; None: no cap.
        min_speed_checkpoints: route-completion checkpoints of the minimum-speed test (LB2 4,
            Bench2Drive 20, LB1 none); Bench2Drive reports them for efficiency without a penalty.
        min_speed_report_all: True: an event at every checkpoint (Bench2Drive); False: only when
            the ego was slower than the traffic (2.0, whose test succeeds at 100 % and above).
    """

    completion_window: int = 2
    completion_slack: float = 1.0
    blocked_time: float = 180.0
    blocked_speed: float = 0.1
    deviation_distance: float = 30.0
    deviation_safe_distance: float = 15.0
    deviation_max_percentage: float = 30.0
    deviation_window: int = 5
    outside_lane_margin: float = 1.3
    wrong_lane_angle: float = 120.0
    collision_memory_time: float = 5.0
    collision_radius: float = 3.0
    collision_forget_distance: float = 5.0
    collision_min_speed: float = 0.0
    red_light_distance: float = 15.0
    stop_proximity: float = 4.0
    stop_speed: float = 0.1
    stop_lookahead_step: float = 0.5
    stop_zone_length: float = 2.0
    route_timeout_lb2: bool = False
    route_timeout_per_metre: float = 0.8
    route_timeout_initial: float = 5.0
    timeout_speed_fraction: float = 0.10
    default_speed_limit: float = 30.0 / 3.6
    tick_cap: int | None = None
    min_speed_checkpoints: int = 0
    min_speed_report_all: bool = False

    @classmethod
    def for_rules(cls, rules: LeaderboardRules) -> CriteriaConfig:
        """The defaults of leaderboard 1.0, 2.0 or Bench2Drive."""
        if rules is LeaderboardRules.LB1:
            return cls()
        lb2 = cls(
            outside_lane_margin=0.5,
            collision_radius=5.0,
            collision_min_speed=0.1,
            route_timeout_lb2=True,
            route_timeout_initial=300.0,
            min_speed_checkpoints=4,
        )
        if rules is LeaderboardRules.BENCH2DRIVE:
            changes = {"blocked_time": 60.0, "tick_cap": 4000, "min_speed_checkpoints": 20}
            changes["min_speed_report_all"] = True
            return cls(**{**lb2.__dict__, **changes})
        return lb2


def carla_location(xy: np.ndarray, z: float = 0.0) -> np.ndarray:
    """``(3,)`` CARLA-frame x, y, z [m] of an internal-frame point ``(2,)`` (as events report locations)."""
    cx, cy = internal_to_carla_xy(np.asarray(xy, dtype=np.float64)[:2])
    return np.array([cx, cy, float(z)])


def unit(heading: float) -> np.ndarray:
    """``(2,)`` forward unit vector of ``heading`` [rad]."""
    return np.array([math.cos(heading), math.sin(heading)])
