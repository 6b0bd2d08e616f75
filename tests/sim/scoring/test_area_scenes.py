"""Small named scenes for the edge cases of DAC, DDC, LK and EP."""

from __future__ import annotations

import numpy as np
import pytest

from sim.scoring import area, centerline
from sim.scoring.area import AreaMetricConfig, EgoAreaIndex

STEPS = 41


def centres_along_x(steps: np.ndarray, y: float | np.ndarray = 0.0) -> np.ndarray:
    """Corners ``(1, T, 5, 2)`` whose centre moves by ``steps[t]`` [m] along x (corners unused here)."""
    corners = np.zeros((1, len(steps), 5, 2))
    corners[0, :, 4, 0] = np.cumsum(steps)
    corners[0, :, 4, 1] = y
    return corners


def oncoming_flags(mask: np.ndarray) -> np.ndarray:
    areas = np.zeros((1, len(mask), 3), dtype=bool)
    areas[0, :, EgoAreaIndex.ONCOMING_TRAFFIC] = mask
    return areas


def test_dac_is_zero_when_any_step_is_off_road() -> None:
    areas = np.zeros((3, STEPS, 3), dtype=bool)
    areas[1, 40, EgoAreaIndex.NON_DRIVABLE_AREA] = True
    areas[2, :, EgoAreaIndex.MULTIPLE_LANES] = True
    np.testing.assert_array_equal(area.drivable_area_compliance(areas), [1.0, 0.0, 1.0])


@pytest.mark.parametrize(
    ("step", "oncoming_steps", "expected"),
    [
        (0.25, 7, 1.0),  # 1.75 m in the window
        (0.25, 8, 0.5),  # exactly 2.0 m: not below the compliance threshold
        (0.5, 11, 0.5),  # 5.5 m: 11 steps fit in a window of 1 s (indices t-10..t)
        (0.75, 8, 0.0),  # exactly 6.0 m: not below the violation threshold either
        (1.0, 12, 0.0),  # 11 m in the window
    ],
)
def test_ddc_thresholds(step: float, oncoming_steps: int, expected: float) -> None:
    steps = np.full(STEPS, step)
    steps[0] = 0.0
    mask = np.zeros(STEPS, dtype=bool)
    mask[5 : 5 + oncoming_steps] = True
    corners = centres_along_x(steps)
    assert area.driving_direction_compliance(corners, oncoming_flags(mask), None)[0] == expected


def test_ddc_intersection_exemption_is_v2_only() -> None:
    steps = np.full(STEPS, 1.0)
    mask = np.zeros(STEPS, dtype=bool)
    mask[10:30] = True
    corners = centres_along_x(steps)
    in_junction = np.zeros((1, STEPS), dtype=bool)
    in_junction[0, 10:26] = True  # 4 exposed oncoming metres remain
    assert area.driving_direction_compliance(corners, oncoming_flags(mask), None)[0] == 0.0
    assert area.driving_direction_compliance(corners, oncoming_flags(mask), in_junction)[0] == 0.5
    in_junction[0, 10:30] = True
    assert area.driving_direction_compliance(corners, oncoming_flags(mask), in_junction)[0] == 1.0


def test_ddc_respects_a_custom_window() -> None:
    steps = np.full(STEPS, 0.25)
    mask = np.ones(STEPS, dtype=bool)
    corners = centres_along_x(steps)
    assert area.driving_direction_compliance(corners, oncoming_flags(mask), None)[0] == 0.5  # 11 * 0.25
    short = AreaMetricConfig(driving_direction_horizon=0.5)
    assert area.driving_direction_compliance(corners, oncoming_flags(mask), None, short)[0] == 1.0  # 6 * 0.25


CENTERLINE = np.stack([np.arange(-10.0, 200.0), np.zeros(210)], axis=1)


def lane_keeping_of(offsets: np.ndarray, in_junction: np.ndarray | None = None) -> float:
    corners = centres_along_x(np.full(len(offsets), 0.5), offsets)
    junction = np.zeros((1, len(offsets)), dtype=bool) if in_junction is None else in_junction[None]
    return float(centerline.lane_keeping(corners, junction, CENTERLINE)[0])


def test_lk_fails_after_twenty_consecutive_deviations() -> None:
    offsets = np.zeros(STEPS)
    offsets[5:24] = 1.0
    assert lane_keeping_of(offsets) == 1.0  # 19 steps
    offsets[24] = -0.6
    assert lane_keeping_of(offsets) == 0.0  # 20 steps, either side


def test_lk_resets_on_a_step_within_the_limit() -> None:
    offsets = np.full(STEPS, 1.0)
    offsets[:3] = 0.0
    offsets[21] = 0.5  # exactly at the limit: not a deviation; 18 and 19 deviating steps around it
    assert lane_keeping_of(offsets) == 1.0
    offsets[21] = 0.5000001
    assert lane_keeping_of(offsets) == 0.0


def test_lk_intersection_steps_are_skipped_without_reset() -> None:
    offsets = np.full(STEPS, 1.0)
    offsets[10:15] = 0.0  # back on the centerline, but inside the junction
    junction = np.zeros(STEPS, dtype=bool)
    junction[10:15] = True
    offsets[25:] = 0.0
    # 10 deviating steps, 5 skipped, 10 deviating: 20 counted in a row
    assert lane_keeping_of(offsets, junction) == 0.0
    assert lane_keeping_of(offsets) == 1.0  # without the junction the centreline steps reset the count
    junction[:] = True
    assert lane_keeping_of(np.full(STEPS, 5.0), junction) == 1.0
    assert (
        centerline.lane_keeping(centres_along_x(np.ones(STEPS), 1.0), junction[None], CENTERLINE, parallel=True)[0]
        == 1.0
    )


def test_ep_low_normaliser_branch_v1_and_v2() -> None:
    raw, mult = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 0.5])  # best masked progress 1.5 m
    np.testing.assert_array_equal(centerline.ego_progress(raw, mult, version="v1"), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(centerline.ego_progress(raw, mult, version="v2"), [1.0, 1.0, 1.0])
    raw = np.array([5.0, 2.0])  # a normaliser of exactly 5 m is still the low branch
    np.testing.assert_array_equal(centerline.ego_progress(raw, np.ones(2), version="v1"), [1.0, 1.0])
    np.testing.assert_array_equal(centerline.ego_progress(raw, np.ones(2), version="v2"), [1.0, 1.0])


def test_ep_normalised_branch_v1_masks_and_v2_clips() -> None:
    raw, mult = np.array([10.0, 20.0, 4.0, 8.0]), np.array([1.0, 0.0, 1.0, 0.5])
    np.testing.assert_allclose(centerline.ego_progress(raw, mult, version="v1"), [1.0, 0.0, 0.4, 0.4])
    np.testing.assert_allclose(centerline.ego_progress(raw, mult, version="v2"), [1.0, 1.0, 0.4, 0.8])


def test_progress_is_clipped_at_zero_and_clamped_to_the_line() -> None:
    corners = np.zeros((3, 2, 5, 2))
    corners[0, :, 4] = [[-30.0, 2.0], [5.0, -1.0]]  # starts before the line's start
    corners[1, :, 4] = [[50.0, 0.0], [20.0, 0.0]]  # drives backwards
    corners[2, :, 4] = [[150.0, 0.0], [400.0, 3.0]]  # ends after the line's end
    np.testing.assert_array_equal(centerline.progress_raw(corners, CENTERLINE), [15.0, 0.0, 49.0])
