"""Momentum-aware selection: continuation wins ties, state carries, the ego motion is applied."""

from __future__ import annotations

import numpy as np
import pytest

from agents.control import selection
from sim.geometry import to_global
from sim.types import TrajectorySampling

SAMPLING = TrajectorySampling(num_poses=8, interval_length=0.5)
TIMES = SAMPLING.interval_length * np.arange(1, SAMPLING.num_poses + 1)


def straight(speed: float) -> np.ndarray:
    return np.stack([speed * TIMES, np.zeros_like(TIMES), np.zeros_like(TIMES)], axis=-1)


def arc(speed: float, radius: float, times: np.ndarray = TIMES) -> np.ndarray:
    """Left arc from the origin, tangent to x, at constant ``speed``."""
    theta = speed * times / radius
    return np.stack([radius * np.sin(theta), radius * (1 - np.cos(theta)), theta], axis=-1)


def global_pose_on(plan_local: np.ndarray, ego: np.ndarray) -> np.ndarray:
    return to_global(plan_local, ego)


@pytest.mark.parametrize("mode", list(selection.ComfortMode))
def test_continuing_candidate_wins_a_tie(mode: selection.ComfortMode) -> None:
    config = selection.SelectionConfig(mode=mode)
    ego0 = np.zeros(3)
    _, state, _ = selection.select(straight(5.0)[None], np.array([1.0]), SAMPLING, None, 0.0, ego0, config)
    ego1 = np.array([2.5, 0.0, 0.0])  # the ego drove the plan for 0.5 s
    candidates = np.stack([arc(5.0, radius=6.0), straight(5.0)])  # the swerve first: argmax alone picks it
    choice, new_state, blended = selection.select(candidates, np.array([0.9, 0.9]), SAMPLING, state, 0.5, ego1, config)
    assert choice == 1
    assert blended[1] > blended[0]
    assert new_state.index == 1 and np.allclose(new_state.ego_pose, ego1)


def test_first_step_uses_the_score_alone() -> None:
    candidates = np.stack([straight(5.0), arc(5.0, 10.0)])
    choice, state, blended = selection.select(candidates, np.array([0.2, 0.8]), SAMPLING, None, 0.5, np.zeros(3))
    assert choice == 1 and np.array_equal(blended, [0.2, 0.8])
    assert np.array_equal(state.poses, candidates[1])


def test_state_carries_across_steps() -> None:
    config = selection.SelectionConfig(mode=selection.ComfortMode.CONTINUOUS)
    _, state, _ = selection.select(straight(5.0)[None], np.array([1.0]), SAMPLING, None, 0.0, np.zeros(3), config)
    # step 2: the curve's score lead (0.5) outweighs any comfort bonus (at most 1/8)
    ego = np.array([2.5, 0.0, 0.0])
    candidates = np.stack([straight(5.0), arc(5.0, 20.0)])
    choice, state, _ = selection.select(candidates, np.array([0.4, 0.9]), SAMPLING, state, 0.5, ego, config)
    assert choice == 1
    # step 3: tie; the continuation of step 2's curve must win, which only the carried state knows
    ego = global_pose_on(arc(5.0, 20.0, np.array([0.5])), ego)[0]
    candidates = np.stack([straight(5.0), arc(5.0, 20.0)])
    choice, _, blended = selection.select(candidates, np.array([0.7, 0.7]), SAMPLING, state, 0.5, ego, config)
    assert choice == 1 and blended[1] > blended[0]


def test_previous_plan_is_re_expressed_with_the_ego_motion() -> None:
    ego0 = np.array([10.0, 5.0, 0.7])
    previous = selection.SelectionState(arc(5.0, 20.0), SAMPLING, ego0)
    ego1 = global_pose_on(arc(5.0, 20.0, np.array([0.5])), ego0)[0]  # moved and rotated along the plan
    aligned = selection.align_previous(previous, ego1, elapsed=0.5)
    # the ego followed the plan, so in its own frame the rest of the plan starts at the origin
    assert np.allclose(aligned[0], 0.0, atol=1e-9)
    grid_times = 0.1 * np.arange(aligned.shape[0])
    assert np.allclose(aligned[:, 2], 5.0 * grid_times / 20.0, atol=1e-9)  # headings relative to now
    assert aligned[-1, 1] > 0.5  # still curving left in the new frame
    continuation = arc(5.0, 20.0)[None]
    rms = selection.comfort_rms(continuation, SAMPLING, previous, ego1, elapsed=0.5)
    assert rms is not None and np.all(rms < 0.02), rms


def test_no_overlap_falls_back_to_the_score() -> None:
    previous = selection.SelectionState(straight(5.0), SAMPLING, np.zeros(3))
    candidates = np.stack([straight(5.0), arc(5.0, 5.0)])
    choice, _, blended = selection.select(candidates, np.array([0.1, 0.2]), SAMPLING, previous, 10.0, np.zeros(3))
    assert choice == 1 and np.array_equal(blended, [0.1, 0.2])


def test_nan_score_never_wins_and_bad_shapes_raise() -> None:
    candidates = np.stack([straight(5.0), straight(4.0)])
    choice, _, _ = selection.select(candidates, np.array([np.nan, 0.1]), SAMPLING, None, 0.5, np.zeros(3))
    assert choice == 1
    with pytest.raises(ValueError, match="do not match"):
        selection.select(candidates, np.array([0.1]), SAMPLING, None, 0.5, np.zeros(3))


def test_binary_comfort_thresholds() -> None:
    config = selection.SelectionConfig()
    rms = np.array([[0.7, 0.5, 0.1, 0.1], [0.71, 0.0, 0.0, 0.0]])
    assert np.array_equal(selection.comfort_score(rms, config), [1.0, 0.0])


def test_the_selector_uses_the_scorers_extended_comfort() -> None:
    """One EC definition: the scorer's thresholds, and its features of the planned motion."""
    from sim.scoring.comfort import DEFAULT_COMFORT_CONFIG
    from sim.scoring.extended_comfort import EcFeatureIndex

    assert selection.SelectionConfig().thresholds == tuple(DEFAULT_COMFORT_CONFIG.ec_thresholds())
    t = np.arange(30) * 0.1
    heading = 0.3 + 0.2 * t  # a steady left turn while braking at 1.5 m/s^2 from 10 m/s
    along = 10.0 * t - 0.75 * t**2
    poses = np.stack([along * np.cos(0.3), along * np.sin(0.3), heading], axis=-1)
    features = selection.comfort_features(poses)
    np.testing.assert_allclose(features[:, EcFeatureIndex.ACCELERATION], 1.5, atol=1e-6)
    np.testing.assert_allclose(features[:, EcFeatureIndex.JERK], 0.0, atol=1e-6)
    np.testing.assert_allclose(features[:, EcFeatureIndex.YAW_RATE], 0.2, atol=1e-6)
    np.testing.assert_allclose(features[:, EcFeatureIndex.YAW_ACCEL], 0.0, atol=1e-6)


def test_plans_one_tick_apart_are_compared_at_the_elapsed_time() -> None:
    """At 20 Hz the previous plan is 0.05 s old: it is read 0.05 s on (NAVSIM's whole-state shift rounds to 0)."""
    ego0 = np.zeros(3)
    previous = selection.SelectionState(straight(5.0), SAMPLING, ego0)
    ego1 = np.array([0.25, 0.0, 0.0])  # 0.05 s along the plan at 5 m/s
    aligned = selection.align_previous(previous, ego1, elapsed=0.05)
    np.testing.assert_allclose(aligned[:, 0], 5.0 * 0.1 * np.arange(aligned.shape[0]), atol=1e-9)
    candidates = np.stack([arc(5.0, radius=6.0), straight(5.0)])
    rms = selection.comfort_rms(candidates, SAMPLING, previous, ego1, elapsed=0.05)
    assert rms is not None and np.all(rms[1] < 1e-6) and np.any(rms[0] > 0.1)
    choice, _, blended = selection.select(candidates, np.array([0.9, 0.9]), SAMPLING, previous, 0.05, ego1)
    assert choice == 1 and blended[1] > blended[0]
