"""metric_info.json as Bench2Drive's agents write it, and the smoothness its tool computes from it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.eval.bench2drive_metric import METRIC_FIELDS, MetricColumn, MotionSamples, metric_sample, route_smoothness
from sim.world.snapshot import EgoSnapshot


def driving_east(lon_accel: np.ndarray, yaw_rate_deg: float = 0.0) -> MotionSamples:
    """Samples of an ego heading east (CARLA yaw 0) with the given longitudinal accelerations [m/s^2]."""
    values = np.zeros((lon_accel.shape[0], len(MetricColumn)))
    values[:, MetricColumn.ACC_X] = lon_accel
    values[:, MetricColumn.FWD_X] = 1.0
    values[:, MetricColumn.RIGHT_Y] = 1.0
    values[:, MetricColumn.ANG_Z] = yaw_rate_deg
    return MotionSamples(frames=np.arange(lon_accel.shape[0]), values=values)


def test_one_sample_in_carla_frame_and_units() -> None:
    ego = EgoSnapshot(
        pose=np.array([9.0, 5.0, math.pi / 2]), center=np.array([10.0, 5.0]), z=0.3, speed=4.0,
        acceleration=np.array([2.0, 0.5]), yaw_rate=0.1, dimensions=np.array([4.9, 2.1, 1.5]),
    )  # fmt: skip
    sample = metric_sample(ego)  # heading north: CARLA's -y, yaw -90 deg; turning left = negative z rate
    assert sample[MetricColumn.ACC_X : MetricColumn.ACC_Z + 1] == pytest.approx([-0.5, -2.0, 0.0])
    assert sample[MetricColumn.ANG_Z] == pytest.approx(-math.degrees(0.1))
    assert sample[MetricColumn.FWD_X : MetricColumn.FWD_Z + 1] == pytest.approx([0.0, -1.0, 0.0], abs=1e-12)
    assert sample[MetricColumn.RIGHT_X : MetricColumn.RIGHT_Z + 1] == pytest.approx([1.0, 0.0, 0.0], abs=1e-12)
    assert sample[MetricColumn.LOC_X : MetricColumn.LOC_Z + 1] == pytest.approx([10.0, -5.0, 0.3])
    assert sample[MetricColumn.ROLL : MetricColumn.YAW + 1] == pytest.approx([0.0, 0.0, -90.0])


def test_metric_info_shape_and_round_trip() -> None:
    samples = driving_east(np.linspace(0.0, 1.0, 5))
    data = samples.to_metric_info()
    assert list(data) == ["0", "1", "2", "3", "4"]
    assert all(list(step) == list(METRIC_FIELDS) and all(len(v) == 3 for v in step.values()) for step in data.values())
    back = MotionSamples.from_metric_info(data)
    assert np.array_equal(back.frames, samples.frames) and np.array_equal(back.values, samples.values)
    with pytest.raises(ValueError, match="m.json: step '0' is not a metric_info step"):
        MotionSamples.from_metric_info({"0": {"acceleration": [1, 2, 3]}}, "m.json")


def test_smooth_driving_is_comfortable_in_every_full_segment() -> None:
    assert route_smoothness(driving_east(np.full(60, 0.5))) == 1.0


def test_jerky_segments_count_and_a_trailing_partial_segment_is_dropped() -> None:
    jerky = 3.0 * np.sign(np.sin(np.arange(25)))
    lon = np.concatenate([np.full(20, 0.5), jerky])  # 45 samples: 2 full segments, 5 dropped
    assert route_smoothness(driving_east(lon)) == 0.5
    assert route_smoothness(driving_east(np.concatenate([np.full(40, 0.5), jerky[:5]]))) == 1.0


def test_short_routes_are_judged_whole_and_too_short_ones_not_at_all() -> None:
    assert route_smoothness(driving_east(np.full(15, 0.5))) == 1.0
    assert route_smoothness(driving_east(3.0 * np.sign(np.sin(np.arange(15))))) == 0.0
    assert route_smoothness(driving_east(np.full(2, 0.5))) is None


def test_the_yaw_rate_is_judged_in_carlas_deg_per_s_against_rad_per_s_bounds() -> None:
    """Bench2Drive's quirk, kept: 1 deg/s (0.017 rad/s) of steady turning already fails the 0.95 bound."""
    assert route_smoothness(driving_east(np.zeros(20), yaw_rate_deg=0.9)) == 1.0
    assert route_smoothness(driving_east(np.zeros(20), yaw_rate_deg=1.0)) == 0.0
