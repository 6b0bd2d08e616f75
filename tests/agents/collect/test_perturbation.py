"""Recovery data: bursts bias the executed steer, the label stays the expert's, the ego comes back."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from agents.collect.perturbation import Perturber, route_offset
from agents.collect.settings import PerturbationConfig
from models.common.driving_data import DrivingData
from models.common.driving_data.layout import ControlColumn
from sim.geometry import to_global
from sim.maps.dense_route import DenseRoute, RouteCursor
from sim.types import ActorIndex, RoadOption


@dataclass(frozen=True)
class _Ego:
    pose: np.ndarray
    center: np.ndarray
    speed: float


@dataclass(frozen=True)
class _Snapshot:
    time: float
    ego: _Ego
    actors: np.ndarray


class _Network:
    def __init__(self, lanes: int) -> None:
        self.lane_is_junction = np.zeros(lanes, dtype=bool)


def straight_route(length: int = 300) -> DenseRoute:
    points = np.column_stack([np.arange(length, dtype=float), np.zeros(length), np.zeros(length)])
    return DenseRoute.from_points(points)


def snapshot(t: float, x: float, y: float = 0.0, speed: float = 8.0, actors: np.ndarray | None = None) -> _Snapshot:
    pose = np.array([x - 1.345, y, 0.0])
    empty = np.zeros((0, len(ActorIndex)))
    return _Snapshot(t, _Ego(pose, np.array([x, y]), speed), empty if actors is None else actors)


def run_bursts(perturber: Perturber, make_snapshot, seconds: float = 60.0) -> list[float]:
    biases = []
    for k in range(int(seconds / 0.05)):
        t = 0.05 * k
        perturber.steer(make_snapshot(t, min(5.0 + 8.0 * t, 290.0)), 0.0, 0.05)
        biases.append(perturber.bias)
    return biases


def test_bursts_last_their_duration_and_keep_their_side() -> None:
    config = PerturbationConfig(rate=1.0)
    perturber = Perturber(config, straight_route(), _Network(1), seed=3)
    biases = np.array(run_bursts(perturber, snapshot, 30.0))
    starts = np.flatnonzero((biases[1:] != 0) & (biases[:-1] == 0)) + 1
    assert starts.size >= 3 and biases[: int(config.warmup / 0.05)].tolist() == [0.0] * int(config.warmup / 0.05)
    for start in starts:
        run = np.flatnonzero(biases[start:] != biases[start])
        length = (run[0] if run.size else biases.size - start) * 0.05
        assert config.duration[0] - 0.06 <= length <= config.duration[1] + 0.06
        assert config.bias[0] <= abs(biases[start]) <= config.bias[1]


@pytest.mark.parametrize(
    "blocker",
    [
        lambda t, x: snapshot(t, x, speed=1.0),  # too slow
        lambda t, x: snapshot(t, x, y=1.5),  # already off the route
        lambda t, x: snapshot(t, x, actors=np.array([[x + 5.0, 0.0, 0.0, 8.0, 4.5, 2.0, 1.5, 0.0]])),  # close actor
    ],
)
def test_no_burst_where_it_would_be_unsafe(blocker) -> None:
    perturber = Perturber(PerturbationConfig(rate=5.0), straight_route(), _Network(1), seed=0)
    assert not any(run_bursts(perturber, blocker, 20.0))


def test_traffic_in_the_next_lane_does_not_stop_bursts() -> None:
    def next_lane(t: float, x: float) -> _Snapshot:
        return snapshot(t, x, actors=np.array([[x + 2.0, 3.6, np.pi, 8.0, 4.5, 2.0, 1.5, 0.0]]))

    perturber = Perturber(PerturbationConfig(rate=5.0), straight_route(), _Network(1), seed=0)
    assert any(run_bursts(perturber, next_lane, 20.0))


def test_no_burst_near_a_lane_change() -> None:
    route = straight_route()
    options = np.full(route.points.shape[0], int(RoadOption.LANEFOLLOW))
    options[::20] = RoadOption.CHANGELANELEFT  # a lane change every 20 m
    route = DenseRoute(route.town, route.points, route.z, options, route.lanes, route.s, route.keypoint_indices)
    perturber = Perturber(PerturbationConfig(rate=5.0), route, _Network(1), seed=0)
    assert not any(run_bursts(perturber, snapshot, 20.0))


def test_recorded_bursts_recover(tiny_dataset) -> None:
    """In the collected data: during a burst the executed steer carries the bias, the label does not leave
    the route, and within 3 s of the burst's end the ego is back within 0.35 m of the route."""
    data = DrivingData(tiny_dataset)
    bursts = 0
    for info in data.episodes:
        episode = data.episode(info.id)
        route = DenseRoute.from_points(np.asarray(episode.array("route_points")))
        poses, perturbed = episode.field("ego_pose"), episode.field("perturbed")
        offsets = np.array([_offset(route, pose) for pose in poses])
        steer_gap = episode.field("control")[:, ControlColumn.STEER] - episode.field("expert_control")[:, 1]
        assert np.all(np.abs(steer_gap[perturbed]) >= 0.05 - 1e-9)
        assert np.max(np.abs(offsets)) < 1.2  # the bound (0.9 m) plus what one tick can add
        ends = np.flatnonzero(perturbed[:-1] & ~perturbed[1:]) + 1
        for end in ends[ends + 30 < episode.n]:
            bursts += 1
            assert np.min(np.abs(offsets[end : end + 30])) < 0.35, f"{info.id}: no recovery after sample {end}"
        labels = episode.field("expert_trajectory")[perturbed]
        label_ends = to_global(labels[:, 14], poses[perturbed])  # the label 1.5 s ahead
        assert all(abs(_offset(route, pose)) < 1.0 for pose in label_ends)  # an episode may have no burst
    assert bursts >= 1


def _offset(route: DenseRoute, pose: np.ndarray) -> float:
    center = pose[:2] + 1.345 * np.array([np.cos(pose[2]), np.sin(pose[2])])
    cursor = RouteCursor(route, behind=0, ahead=route.points.shape[0])
    return route_offset(cursor, route, center, float(pose[2])).lateral
