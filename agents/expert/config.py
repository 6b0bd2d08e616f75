"""Every number of the privileged expert (agents/expert/planner.py), with units; YAML overrides it."""

from __future__ import annotations

from dataclasses import dataclass

from agents.config_loader import require
from agents.expert.speed import IdmParams
from sim.types import TrajectorySampling


@dataclass(frozen=True)
class ExpertConfig:
    """Every number of the expert (PDM-Lite's speeds; the rest are this package's choices).

    Speeds [m/s]: ``target_speed`` outside junctions, ``junction_speed`` on junction lanes,
    ``walker_speed`` near walkers; ``speed_limit_factor`` x the lane's limit also caps;
    ``lateral_accel`` [m/s^2] caps the speed in curves (``v = sqrt(a / curvature)``, not below
    ``min_curve_speed``). IDM: ``accel``, ``decel_comfort``, ``decel_max`` [m/s^2], ``headway`` [s],
    ``exponent``; standstill gaps [m]: ``vehicle_gap``, ``walker_gap``, ``stop_line_gap`` (front
    bumper to a stop line), ``conflict_gap`` (to where a crossing actor enters the path).
    Path [m]: ``lookahead_min`` or ``lookahead_time`` [s] x speed ahead, ``path_behind``,
    ``lane_change_length`` over which a route's lane-change jump is spread, ``route_end_overshoot``
    (the rear axle stops this far past the last route point, so every point counts as passed).
    Actors: corridor half width = ego half width + ``vehicle_margin`` / ``walker_margin`` [m];
    predictions every ``prediction_step`` up to ``prediction_horizon`` [s]; a crossing conflicts when
    it overlaps the ego's go-profile within ``conflict_time_buffer`` [s] / ``conflict_distance`` [m];
    ``moving_speed`` [m/s] below which nothing is predicted to move; ``max_yaw_rate`` [rad/s];
    ``motion_smoothing`` weight of the previous yaw-rate / acceleration estimate; walkers within
    ``walker_caution_lateral`` [m] of the corridor and ``walker_caution_ahead`` [m] cap the speed.
    Signals: stop for yellow when ``yellow_stop_decel`` [m/s^2] suffices; run a red only when
    stopping needs more than ``red_commit_decel``; a stop sign is served by a standstill
    (< ``stop_speed``) within ``stop_serve_distance`` [m] of its line held ``stop_wait`` [s]; the ego
    waits before a signal's line unless it could stop with its tail ``clear_line_margin`` [m] past it.
    Output: ``num_poses`` every ``interval_length`` [s].
    """

    target_speed: float = 8.0
    junction_speed: float = 5.0
    walker_speed: float = 2.0
    speed_limit_factor: float = 1.0
    lateral_accel: float = 2.5
    min_curve_speed: float = 2.5
    accel: float = 2.0
    decel_comfort: float = 2.5
    decel_max: float = 6.0
    headway: float = 1.0
    exponent: float = 4.0
    vehicle_gap: float = 4.0
    walker_gap: float = 4.0
    stop_line_gap: float = 1.0
    conflict_gap: float = 2.0
    lookahead_min: float = 45.0
    lookahead_time: float = 5.0
    path_behind: float = 8.0
    lane_change_length: float = 16.0
    route_end_overshoot: float = 2.0
    vehicle_margin: float = 0.4
    walker_margin: float = 0.5
    prediction_horizon: float = 3.0
    prediction_step: float = 0.25
    conflict_time_buffer: float = 1.0
    conflict_distance: float = 1.5
    moving_speed: float = 0.3
    max_yaw_rate: float = 1.0
    motion_smoothing: float = 0.7
    walker_caution_lateral: float = 1.5
    walker_kerb: float = 1.0
    walker_start_speed: float = 1.2
    walker_caution_ahead: float = 15.0
    yellow_stop_decel: float = 4.0
    red_commit_decel: float = 7.0
    stop_speed: float = 0.05
    stop_serve_distance: float = 2.0
    clear_line_margin: float = 2.0
    stop_wait: float = 1.0
    num_poses: int = 40
    interval_length: float = 0.1

    def __post_init__(self) -> None:
        require(self, ">0", "target_speed", "junction_speed", "walker_speed", "speed_limit_factor", "lateral_accel",
                "min_curve_speed", "accel", "decel_comfort", "decel_max", "headway", "exponent", "lookahead_min",
                "prediction_step", "yellow_stop_decel", "red_commit_decel", "interval_length")  # fmt: skip
        require(self, ">=0", "vehicle_gap", "walker_gap", "stop_line_gap", "conflict_gap", "lookahead_time",
                "path_behind", "lane_change_length", "route_end_overshoot", "vehicle_margin", "walker_margin",
                "prediction_horizon", "conflict_time_buffer", "conflict_distance", "moving_speed", "max_yaw_rate",
                "walker_caution_lateral", "walker_kerb", "walker_start_speed", "walker_caution_ahead", "stop_speed",
                "stop_serve_distance", "clear_line_margin", "stop_wait")  # fmt: skip
        require(self, "[0,1]", "motion_smoothing")
        require(self, ">=1", "num_poses")

    @property
    def sampling(self) -> TrajectorySampling:
        return TrajectorySampling(self.num_poses, self.interval_length)

    @property
    def idm(self) -> IdmParams:
        return IdmParams(
            self.accel, self.decel_comfort, self.headway, self.exponent, self.decel_max, self.interval_length,
            self.num_poses,
        )  # fmt: skip
