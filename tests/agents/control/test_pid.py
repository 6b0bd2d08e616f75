"""Behaviour of the PID waypoint controller on a small kinematic plant."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

from agents.control import pid as control
from sim.types import TrajectorySampling

DT = 0.05  # [s] leaderboard tick
WHEEL_BASE = 2.9  # [m]
MAX_TYRE_ANGLE = 0.6  # [rad] at |steer| = 1
SAMPLING = TrajectorySampling(num_poses=8, interval_length=0.5)


def straight_plan(speed: float) -> np.ndarray:
    t = SAMPLING.interval_length * np.arange(1, SAMPLING.num_poses + 1)
    return np.stack([speed * t, np.zeros_like(t), np.zeros_like(t)], axis=-1)


def arc_plan(speed: float, radius: float, left: bool = True) -> np.ndarray:
    """Poses along a circle of ``radius`` [m] starting tangent to x, curving left (y > 0) or right."""
    s = speed * SAMPLING.interval_length * np.arange(1, SAMPLING.num_poses + 1)
    theta = s / radius
    sign = 1.0 if left else -1.0
    return np.stack([radius * np.sin(theta), sign * radius * (1 - np.cos(theta)), sign * theta], axis=-1)


def drive(controller: control.WaypointController, plan: np.ndarray, speed: float, seconds: float) -> np.ndarray:
    """Run the controller on a longitudinal plant with drag; returns the speed at every tick."""
    speeds = []
    for _ in range(int(seconds / DT)):
        cmd = controller.compute(plan, SAMPLING, speed)
        accel = 3.0 * cmd.throttle - 8.0 * cmd.brake - 0.02 * speed * speed
        speed = max(0.0, speed + accel * DT)
        speeds.append(speed)
    return np.asarray(speeds)


@pytest.mark.parametrize("preset", ["lmdrive", "transfuser_pp"])
def test_step_response_settles_near_the_target_speed(preset: str) -> None:
    controller = control.WaypointController(control.control_preset(preset))
    speeds = drive(controller, straight_plan(6.0), speed=0.0, seconds=30.0)
    last = speeds[-int(5.0 / DT) :]
    assert np.all(np.abs(last - 6.0) < 0.6), (last.min(), last.max())
    assert speeds[int(2.0 / DT)] > 1.0  # it actually accelerates


def test_constant_speed_holds() -> None:
    controller = control.WaypointController(control.LMDRIVE_CONTROL)
    speeds = drive(controller, straight_plan(8.0), speed=8.0, seconds=20.0)
    assert np.all(np.abs(speeds[int(1.0 / DT) :] - 8.0) < 0.8), (speeds.min(), speeds.max())


def test_stop_plan_brakes() -> None:
    controller = control.WaypointController(control.LMDRIVE_CONTROL)
    cmd = controller.compute(np.zeros((8, 3)), SAMPLING, speed=5.0)
    assert cmd.brake == 1.0 and cmd.throttle == 0.0


@pytest.mark.parametrize("left", [True, False])
def test_curving_path_steers_to_its_side_in_carla_convention(left: bool) -> None:
    controller = control.WaypointController(control.LMDRIVE_CONTROL)
    cmd = controller.compute(arc_plan(5.0, radius=15.0, left=left), SAMPLING, speed=5.0)
    assert (cmd.steer < -0.05) if left else (cmd.steer > 0.05)  # CARLA: negative steer is left


def test_closed_loop_follows_a_left_turn() -> None:
    """A kinematic bicycle driven by the controller turns left (yaw grows counter-clockwise)."""
    controller = control.WaypointController(control.LMDRIVE_CONTROL)
    yaw, speed = 0.0, 5.0
    for _ in range(int(3.0 / DT)):
        cmd = controller.compute(arc_plan(5.0, radius=15.0), SAMPLING, speed)
        tyre = -cmd.steer * MAX_TYRE_ANGLE  # CARLA right-positive -> internal left-positive
        yaw += speed * math.tan(tyre) / WHEEL_BASE * DT
    assert yaw > 0.3


def test_nan_waypoints_give_full_brake_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    controller = control.WaypointController(control.LMDRIVE_CONTROL)
    plan = straight_plan(5.0)
    plan[2, 0] = np.nan
    with caplog.at_level(logging.WARNING, logger="agents.control"):
        cmd = controller.compute(plan, SAMPLING, speed=5.0)
    assert cmd == control.FULL_BRAKE
    assert "invalid waypoints" in caplog.text
    assert controller.compute(np.zeros((0, 3)), SAMPLING, 1.0) == control.FULL_BRAKE


def test_pid_integral_is_a_window_mean_and_derivative_a_difference() -> None:
    gains = control.PIDGains(k_p=0.0, k_i=1.0, k_d=0.0, window=4)
    pid = control.PIDController(gains)
    outputs = [pid.step(1.0) for _ in range(6)]
    assert outputs == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0, 1.0])
    derivative_only = control.PIDGains(k_p=0.0, k_i=0.0, k_d=2.0, window=3)
    out, state = control.pid_step(derivative_only, control.PIDState((0.0, 0.0, 1.0)), 4.0)
    assert out == pytest.approx(6.0) and state.errors == (0.0, 1.0, 4.0)
    pid.reset()
    assert pid.state == control.PIDState.initial(gains)


def test_presets_hold_the_published_values() -> None:
    lmd = control.control_preset("lmdrive")
    assert (lmd.turn.k_p, lmd.turn.k_i, lmd.turn.k_d, lmd.turn.window) == (1.25, 0.75, 0.3, 40)
    assert (lmd.speed.k_p, lmd.speed.k_i, lmd.speed.k_d, lmd.speed.window) == (5.0, 0.5, 1.0, 40)
    assert (lmd.max_throttle, lmd.brake_speed, lmd.brake_ratio, lmd.clip_delta, lmd.steer_scale) == (
        0.75,
        0.1,
        1.1,
        0.35,
        0.8,
    )
    tfpp = control.control_preset("transfuser_pp")
    assert tfpp == control.TRANSFUSER_PP_CONTROL and lmd == control.LMDRIVE_CONTROL
    assert (tfpp.turn.window, tfpp.brake_speed, tfpp.clip_delta, tfpp.waypoint_interval) == (20, 0.4, 0.25, 0.25)
    with pytest.raises(KeyError, match="known"):
        control.control_preset("nope")


def test_to_vehicle_control_builds_a_carla_control() -> None:
    pytest.importorskip("carla")
    vc = control.ControlCommand(steer=-0.2, throttle=0.5, brake=0.0).to_vehicle_control()
    assert vc.steer == pytest.approx(-0.2) and vc.throttle == pytest.approx(0.5)
