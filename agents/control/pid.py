"""PID control: a planned trajectory (local frame) -> steer, throttle, brake (``carla.VehicleControl``).

The controller is the one LMDrive, TransFuser and TransFuser++ share (specs/models.md section 6,
specs/carla_leaderboard.md section 6): a target speed from the spacing of two waypoints, an aim
point ahead, a lateral PID on the aim angle and a longitudinal PID on the clipped speed error.
Presets hold each project's exact values; ``agents/configs/control_<preset>.yaml`` override the
dataclass defaults (which are LMDrive's).

Sign convention: CARLA steer is positive to the RIGHT. Internally y is left, so the aim angle is
``atan2(-y, x)``: a path curving left gives a negative angle and a negative (left) steer.
"""

from __future__ import annotations

import enum
import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.types import TrajectorySampling

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PIDGains:
    """Gains of one PID; the integral is the mean of the last ``window`` errors (pre-filled with 0)."""

    k_p: float
    k_i: float
    k_d: float
    window: int  # [steps]

    def __post_init__(self) -> None:
        if self.window < 2:
            raise ValueError(f"PID window must be >= 2 (the derivative needs two errors), got {self.window}")


@dataclass(frozen=True)
class PIDState:
    """The last ``window`` errors, oldest first."""

    errors: tuple[float, ...]

    @classmethod
    def initial(cls, gains: PIDGains) -> PIDState:
        return cls(errors=(0.0,) * gains.window)


def pid_step(gains: PIDGains, state: PIDState, error: float) -> tuple[float, PIDState]:
    """One PID update: ``k_p e + k_i mean(window) + k_d (e_t - e_{t-1})``; returns (output, new state)."""
    errors = (*state.errors[1:], float(error))
    integral = sum(errors) / len(errors)
    derivative = errors[-1] - errors[-2]
    return gains.k_p * error + gains.k_i * integral + gains.k_d * derivative, PIDState(errors)


class PIDController:
    """A :func:`pid_step` with its state kept between calls."""

    def __init__(self, gains: PIDGains) -> None:
        self.gains = gains
        self.state = PIDState.initial(gains)

    def reset(self) -> None:
        self.state = PIDState.initial(self.gains)

    def step(self, error: float) -> float:
        output, self.state = pid_step(self.gains, self.state, error)
        return output


class AimMode(enum.Enum):
    """How the lateral aim point is picked from the waypoints."""

    MIDPOINT = "midpoint"  # mean of two waypoints (LMDrive, TransFuser)
    DISTANCE = "distance"  # first waypoint at least the aim distance away (TransFuser++)


@dataclass(frozen=True)
class WaypointControllerConfig:
    """Waypoint controller parameters; defaults are LMDrive's (``lmdriver_config.py``).

    Attributes:
        turn, speed: lateral (aim angle [deg/90]) and longitudinal (speed error [m/s]) PIDs.
        waypoint_interval: [s] the plan is resampled to ``waypoint_count`` waypoints this far apart.
        speed_from: two waypoint indices; target speed = their distance / their time gap.
        aim: :class:`AimMode`; ``aim_indices`` for MIDPOINT, the aim distances for DISTANCE.
        aim_distance_slow / aim_distance_fast: [m] below / above ``aim_speed_threshold`` [m/s].
        max_throttle: [0, 1] throttle cap.
        brake_speed: [m/s] brake when the target speed is below it.
        brake_ratio: brake when speed / target speed exceeds it.
        clip_delta: [m/s] the speed error fed to the PID is clipped to [0, clip_delta].
        steer_scale: the final steer is multiplied by it (LMDrive damps with 0.8).
        zero_angle_speed: [m/s] below this speed the aim angle is 0 (keeps the integral clean).
        zero_angle_when_braking: TransFuser++ also zeroes the angle while braking.
    """

    turn: PIDGains = field(default_factory=lambda: PIDGains(k_p=1.25, k_i=0.75, k_d=0.3, window=40))
    speed: PIDGains = field(default_factory=lambda: PIDGains(k_p=5.0, k_i=0.5, k_d=1.0, window=40))
    waypoint_interval: float = 0.5  # [s]
    waypoint_count: int = 5  # the model's waypoints (LMDrive 5, TF++ 8); the aim search looks at all
    speed_from: tuple[int, int] = (0, 1)
    aim: AimMode = AimMode.MIDPOINT
    aim_indices: tuple[int, int] = (0, 1)
    aim_distance_slow: float = 2.25  # [m]
    aim_distance_fast: float = 3.0  # [m]
    aim_speed_threshold: float = 5.5  # [m/s]
    max_throttle: float = 0.75
    brake_speed: float = 0.1  # [m/s]
    brake_ratio: float = 1.1
    clip_delta: float = 0.35  # [m/s]
    steer_scale: float = 0.8
    zero_angle_speed: float = 0.01  # [m/s]
    zero_angle_when_braking: bool = False

    def __post_init__(self) -> None:
        for name in ("turn", "speed"):
            value = getattr(self, name)
            if isinstance(value, dict):
                object.__setattr__(self, name, PIDGains(**value))
        object.__setattr__(self, "aim", AimMode(self.aim))
        object.__setattr__(self, "speed_from", tuple(int(i) for i in self.speed_from))
        object.__setattr__(self, "aim_indices", tuple(int(i) for i in self.aim_indices))

    @property
    def num_waypoints(self) -> int:
        """How many resampled waypoints the rules read."""
        return max(*self.speed_from, *self.aim_indices, self.waypoint_count - 1) + 1


LMDRIVE_CONTROL = WaypointControllerConfig()
"""LMDrive agent (specs/carla_leaderboard.md 6.1)."""

TRANSFUSER_PP_CONTROL = WaypointControllerConfig(
    turn=PIDGains(k_p=1.25, k_i=0.75, k_d=0.3, window=20),
    speed=PIDGains(k_p=5.0, k_i=0.5, k_d=1.0, window=20),
    waypoint_interval=0.25,
    waypoint_count=8,
    speed_from=(1, 3),
    aim=AimMode.DISTANCE,
    max_throttle=0.75,
    brake_speed=0.4,
    brake_ratio=1.1,
    clip_delta=0.25,
    steer_scale=1.0,
    zero_angle_when_braking=True,
)
"""TransFuser++ (carla_garage main, specs/carla_leaderboard.md 6.2), creep logic not included."""

PRESETS = {"lmdrive": LMDRIVE_CONTROL, "transfuser_pp": TRANSFUSER_PP_CONTROL}


def control_preset(name: str) -> WaypointControllerConfig:
    """The preset ``name`` as loaded from ``agents/configs/control_<name>.yaml`` over the defaults."""
    from agents.config_loader import load_config

    if name not in PRESETS:
        raise KeyError(f"unknown control preset '{name}'; known: {sorted(PRESETS)}")
    return load_config(WaypointControllerConfig(), f"control_{name}")


@dataclass(frozen=True)
class ControlCommand:
    """Controller output in CARLA's convention: steer [-1, 1] positive right, throttle/brake [0, 1]."""

    steer: float
    throttle: float
    brake: float
    desired_speed: float = 0.0  # [m/s]
    aim_angle: float = 0.0  # [deg / 90], positive right

    def to_vehicle_control(self) -> Any:
        """A ``carla.VehicleControl`` (imports the CARLA client lazily)."""
        import carla

        return carla.VehicleControl(throttle=float(self.throttle), steer=float(self.steer), brake=float(self.brake))


FULL_BRAKE = ControlCommand(steer=0.0, throttle=0.0, brake=1.0)


def resample_waypoints(poses: np.ndarray, sampling: TrajectorySampling, interval: float, count: int) -> np.ndarray:
    """``(count, 2)`` positions at ``interval * (1..count)`` [s], linearly interpolated from the plan.

    The current pose (origin, t = 0) is prepended; times past the plan's horizon repeat its end.
    """
    times = sampling.interval_length * np.arange(0, poses.shape[0] + 1)
    xy = np.vstack([np.zeros((1, 2)), poses[:, :2]])
    query = interval * np.arange(1, count + 1)
    return np.stack([np.interp(query, times, xy[:, 0]), np.interp(query, times, xy[:, 1])], axis=-1)


class WaypointController:
    """Turns planned poses into a :class:`ControlCommand`, keeping the two PID states."""

    def __init__(self, config: WaypointControllerConfig = LMDRIVE_CONTROL) -> None:
        self.config = config
        self.turn = PIDController(config.turn)
        self.speed = PIDController(config.speed)

    def reset(self) -> None:
        self.turn.reset()
        self.speed.reset()

    def compute(self, poses: np.ndarray, sampling: TrajectorySampling, speed: float) -> ControlCommand:
        """One control step for the local-frame poses ``(T, 3)`` at forward ``speed`` [m/s].

        NaN, inf or empty poses give a full brake and a warning (the PID states are left alone).
        """
        poses = np.asarray(poses, dtype=np.float64)
        if poses.ndim != 2 or poses.shape[0] == 0 or poses.shape[1] < 2 or not np.all(np.isfinite(poses[:, :2])):
            logger.warning("invalid waypoints (shape %s, NaN/inf or empty): full brake", poses.shape)
            return FULL_BRAKE
        cfg = self.config
        waypoints = resample_waypoints(poses, sampling, cfg.waypoint_interval, cfg.num_waypoints)
        # 1. target speed from the spacing of two waypoints
        i, j = cfg.speed_from
        desired_speed = float(np.linalg.norm(waypoints[j] - waypoints[i])) / ((j - i) * cfg.waypoint_interval)
        brake = desired_speed < cfg.brake_speed or (speed / max(desired_speed, 1e-9)) > cfg.brake_ratio
        # 2. lateral: aim angle in [deg / 90], positive to the right as CARLA's steer
        aim = self._aim_point(waypoints, desired_speed)
        angle = math.degrees(math.atan2(-aim[1], aim[0])) / 90.0
        if speed < cfg.zero_angle_speed or (brake and cfg.zero_angle_when_braking):
            angle = 0.0
        steer = float(np.clip(self.turn.step(angle), -1.0, 1.0)) * cfg.steer_scale
        # 3. longitudinal: the PID sees the clipped speed error even while braking (as the originals)
        delta = float(np.clip(desired_speed - speed, 0.0, cfg.clip_delta))
        throttle = float(np.clip(self.speed.step(delta), 0.0, cfg.max_throttle))
        if brake:
            throttle = 0.0
        return ControlCommand(steer, throttle, 1.0 if brake else 0.0, desired_speed, angle)

    def _aim_point(self, waypoints: np.ndarray, desired_speed: float) -> np.ndarray:
        cfg = self.config
        if cfg.aim is AimMode.MIDPOINT:
            a, b = cfg.aim_indices
            return (waypoints[a] + waypoints[b]) / 2.0
        distance = cfg.aim_distance_fast if desired_speed >= cfg.aim_speed_threshold else cfg.aim_distance_slow
        far_enough = np.flatnonzero(np.linalg.norm(waypoints, axis=-1) >= distance)
        return waypoints[far_enough[0]] if far_enough.size else waypoints[-1]
