"""Ego actuator + bicycle model: behaviour checks with documented ranges."""

from __future__ import annotations

import math

import carla
import numpy as np
import pytest

from sim.world.config import EgoDynamicsConfig
from sim.world.ego import Control, EgoState, hold_throttle, steering_factor, step_ego

CFG = EgoDynamicsConfig()
DT = 0.05


def run(state: EgoState, control: Control, seconds: float) -> list[EgoState]:
    states = [state]
    for _ in range(int(round(seconds / DT))):
        states.append(step_ego(states[-1], control, DT, CFG))
    return states


def test_throttle_accelerates_from_rest_monotonically():
    states = run(EgoState(0.0, 0.0, 0.0), Control(throttle=0.75), 5.0)
    speeds = np.array([s.speed for s in states])
    assert np.all(np.diff(speeds) > 0.0)
    assert 8.0 < speeds[-1] < 20.0  # LMDrive's max throttle reaches urban speeds within 5 s
    assert states[-1].x > 20.0 and abs(states[-1].y) < 1e-9


def test_holding_throttle_keeps_speed_as_in_carla():
    # carla_garage's fit: about 0.28 throttle holds 8 m/s.
    assert hold_throttle(8.0, CFG) == pytest.approx(0.278, abs=0.01)
    states = run(EgoState(0.0, 0.0, 0.0, speed=8.0), Control(throttle=hold_throttle(8.0, CFG)), 3.0)
    assert states[-1].speed == pytest.approx(8.0, abs=0.1)


def test_coasting_decelerates_slowly():
    states = run(EgoState(0.0, 0.0, 0.0, speed=10.0), Control(), 2.0)
    decel = (10.0 - states[-1].speed) / 2.0
    assert 0.2 < decel <= CFG.coast_deceleration + 0.05


def test_full_brake_stopping_distance_in_documented_range():
    # 20 m/s, brake 1: v^2 / (2 * 8 m/s^2) = 25 m; drag shortens it slightly.
    states = run(EgoState(0.0, 0.0, 0.0, speed=20.0), Control(brake=1.0), 4.0)
    stop = next(i for i, s in enumerate(states) if s.speed == 0.0)
    assert 23.0 < states[stop].x < 26.0
    assert all(s.speed >= 0.0 for s in states)  # a brake never pushes backwards


def test_positive_carla_steer_turns_right_negative_yaw_rate():
    states = run(EgoState(0.0, 0.0, 0.0, speed=5.0), Control(throttle=hold_throttle(5.0, CFG), steer=0.3), 1.0)
    assert states[-1].yaw_rate < 0.0 and states[-1].heading < 0.0 and states[-1].y < 0.0
    left = run(EgoState(0.0, 0.0, 0.0, speed=5.0), Control(throttle=hold_throttle(5.0, CFG), steer=-0.3), 1.0)
    assert left[-1].yaw_rate > 0.0 and left[-1].y > 0.0


def test_steady_state_turn_radius_matches_bicycle_model():
    speed, steer = 4.0, 0.1
    states = run(EgoState(0.0, 0.0, 0.0, speed=speed), Control(throttle=hold_throttle(speed, CFG), steer=steer), 6.0)
    last = states[-1]
    wheel = steer * CFG.max_steer_angle * steering_factor(last.speed, CFG)
    expected = CFG.wheelbase / math.tan(wheel)
    assert abs(last.speed / last.yaw_rate) == pytest.approx(expected, rel=0.02)


def test_lateral_limit_caps_curvature_at_speed():
    states = run(EgoState(0.0, 0.0, 0.0, speed=20.0), Control(throttle=0.5, steer=1.0), 1.0)
    assert abs(states[-1].accel_lat) <= CFG.max_lateral_acceleration + 1e-6


def test_reverse_drives_backwards_and_brake_stops_it():
    states = run(EgoState(0.0, 0.0, 0.0), Control(throttle=0.5, reverse=True), 3.0)
    assert states[-1].speed < -1.0 and states[-1].x < -1.0
    stopped = run(states[-1], Control(brake=1.0, reverse=True), 2.0)
    assert stopped[-1].speed == 0.0


def test_hand_brake_stops_and_throttle_below_it_stays_put():
    states = run(EgoState(0.0, 0.0, 0.0, speed=10.0), Control(hand_brake=True), 3.0)
    assert states[-1].speed == 0.0
    held = run(EgoState(0.0, 0.0, 0.0), Control(throttle=0.3, brake=1.0), 1.0)
    assert held[-1].speed == 0.0 and held[-1].x == 0.0


def test_control_from_carla_vehicle_control_and_bad_input():
    control = Control.from_any(carla.VehicleControl(throttle=0.5, steer=-0.2, brake=0.0, reverse=True))
    assert control.throttle == pytest.approx(0.5) and control.steer == pytest.approx(-0.2) and control.reverse
    assert Control.from_any(carla.VehicleControl(throttle=float("nan"))).brake == 1.0
    with pytest.raises(TypeError, match="throttle"):
        Control.from_any(object())
