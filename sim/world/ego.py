"""The ego vehicle: CARLA ``VehicleControl`` -> actuators -> kinematic bicycle about the rear axle.

Sign convention: CARLA's positive ``steer`` turns right, which is clockwise seen from above in
either frame, i.e. a NEGATIVE yaw rate in the internal right-handed frame. The conversion happens
here, once: ``wheel_angle = -steer * max_steer_angle``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.world.config import EgoDynamicsConfig

_MPS_TO_KMH = 3.6
_STOPPED = 1e-3  # [m/s] below this a vehicle without drive force is at rest


@dataclass(frozen=True)
class Control:
    """A validated ``carla.VehicleControl`` (throttle, brake in [0, 1]; steer in [-1, 1], + is right)."""

    throttle: float = 0.0
    steer: float = 0.0
    brake: float = 0.0
    hand_brake: bool = False
    reverse: bool = False

    @classmethod
    def from_any(cls, control) -> Control:
        """Read any object with CARLA's ``VehicleControl`` attributes; NaN becomes a full brake.

        Raises:
            TypeError: naming the attribute the object lacks.
        """
        values = {}
        for name in ("throttle", "steer", "brake"):
            if not hasattr(control, name):
                raise TypeError(f"control {control!r} has no attribute '{name}' (expected carla.VehicleControl-like)")
            values[name] = float(getattr(control, name))
        if not all(math.isfinite(v) for v in values.values()):
            return cls(brake=1.0)
        return cls(
            throttle=min(max(values["throttle"], 0.0), 1.0),
            steer=min(max(values["steer"], -1.0), 1.0),
            brake=min(max(values["brake"], 0.0), 1.0),
            hand_brake=bool(getattr(control, "hand_brake", False)),
            reverse=bool(getattr(control, "reverse", False)),
        )


@dataclass
class EgoState:
    """Mutable state of the ego (internal frame).

    Attributes:
        x, y: [m] rear axle. heading: [rad]. speed: [m/s] signed along the heading.
        wheel_angle: [rad] actual front-wheel angle (positive turns left).
        accel_long, accel_lat: [m/s^2] body-frame accelerations of the last tick.
        yaw_rate: [rad/s] of the last tick.
        steer: last applied CARLA steer.
    """

    x: float
    y: float
    heading: float
    speed: float = 0.0
    wheel_angle: float = 0.0
    accel_long: float = 0.0
    accel_lat: float = 0.0
    yaw_rate: float = 0.0
    steer: float = 0.0

    def center(self, config: EgoDynamicsConfig) -> np.ndarray:
        """``(2,)`` box centre [m]."""
        d = config.rear_axle_to_center
        return np.array([self.x + d * math.cos(self.heading), self.y + d * math.sin(self.heading)])


def steering_factor(speed: float, config: EgoDynamicsConfig) -> float:
    """CARLA's ``steering_curve`` at ``speed`` [m/s] (linear between points, flat beyond)."""
    curve = config.steering_curve
    kmh = abs(speed) * _MPS_TO_KMH
    return float(np.interp(kmh, [p[0] for p in curve], [p[1] for p in curve]))


def hold_throttle(speed: float, config: EgoDynamicsConfig) -> float:
    """Throttle that holds ``speed`` [m/s] on a flat road."""
    v = min(abs(speed), config.hold_speed_cap)
    c1, c2 = config.hold_throttle
    return c1 * v + c2 * v * v


def longitudinal_acceleration(control: Control, speed: float, config: EgoDynamicsConfig) -> tuple[float, float]:
    """``(drive [m/s^2] signed, resistance [m/s^2] >= 0 opposing the motion)``.

    Moving in the gear's direction (or at rest), the net drive is proportional to the throttle
    above the holding throttle; below it the car slows by at most ``coast_deceleration``. Rolling
    against the gear, the throttle pushes against the motion.
    """
    gear = -1.0 if control.reverse else 1.0
    drive, resistance = 0.0, config.drag_per_mass * speed * speed
    if speed * gear >= 0.0:
        net = config.max_drive_acceleration * (control.throttle - hold_throttle(speed, config))
        if control.reverse and -speed >= config.max_reverse_speed:
            net = min(net, 0.0)
        if net > 0.0:
            drive = gear * net
        else:
            resistance += min(-net, config.coast_deceleration)
    else:
        drive = gear * config.max_drive_acceleration * control.throttle
    resistance += control.brake * config.max_brake_deceleration
    if control.hand_brake:
        resistance += config.hand_brake_deceleration
    return drive, resistance


def next_speed(speed: float, drive: float, resistance: float, dt: float) -> float:
    """Integrate the speed; resistances stop a vehicle but never push it the other way."""
    moving = speed if abs(speed) > _STOPPED else drive
    if moving == 0.0:
        return 0.0
    sign = 1.0 if moving > 0 else -1.0
    v = speed + (drive - sign * resistance) * dt
    if abs(speed) > _STOPPED and v * speed < 0.0:  # resistances crossed zero: at rest
        return 0.0
    if abs(speed) <= _STOPPED and abs(drive) <= resistance:
        return 0.0
    return v


def step_ego(state: EgoState, control: Control, dt: float, config: EgoDynamicsConfig) -> EgoState:
    """One tick of the ego: steering lag, longitudinal force balance, then the bicycle."""
    target = -control.steer * config.max_steer_angle * steering_factor(state.speed, config)
    alpha = dt / (dt + config.steer_time_constant)
    wheel = state.wheel_angle + alpha * (target - state.wheel_angle)
    drive, resistance = longitudinal_acceleration(control, state.speed, config)
    v1 = next_speed(state.speed, drive, resistance, dt)
    v_mid = 0.5 * (state.speed + v1)
    curvature = math.tan(wheel) / config.wheelbase
    if v_mid * v_mid * abs(curvature) > config.max_lateral_acceleration:  # tyres slip: understeer
        curvature = math.copysign(config.max_lateral_acceleration / (v_mid * v_mid), curvature)
    yaw_rate = v_mid * curvature
    heading_mid = state.heading + 0.5 * yaw_rate * dt
    return EgoState(
        x=state.x + v_mid * math.cos(heading_mid) * dt,
        y=state.y + v_mid * math.sin(heading_mid) * dt,
        heading=(state.heading + yaw_rate * dt + math.pi) % (2.0 * math.pi) - math.pi,
        speed=v1,
        wheel_angle=wheel,
        accel_long=(v1 - state.speed) / dt,
        accel_lat=v_mid * yaw_rate,
        yaw_rate=yaw_rate,
        steer=control.steer,
    )
