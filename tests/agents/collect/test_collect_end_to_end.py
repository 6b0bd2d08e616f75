"""A tiny collection end to end, read back with the dataset reader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from agents.collect.stats import dataset_statistics
from models.common.driving_data import DrivingData
from models.common.driving_data.layout import SAMPLE_FIELDS, BoxColumn, ControlColumn
from sim.geometry import to_local
from sim.maps.town import load_town
from sim.types import RoadOption
from tests.agents.collect.overlap_oracle import EVALUATION_FILES, overlaps
from tests.agents.collect.tiny_collection import TINY_CAMERAS


@pytest.fixture(scope="module")
def data(tiny_dataset: Path) -> DrivingData:
    return DrivingData(tiny_dataset)


def test_manifest_records_the_collection(data: DrivingData) -> None:
    manifest = json.loads((data.root / "manifest.json").read_text())
    assert [c["id"] for c in manifest["layout"]["cameras"]] == [c["id"] for c in TINY_CAMERAS]
    collection = manifest["collection"]
    assert collection["sample"]["every_ticks"] == 2 and collection["perturbation"]["rate"] == 0.5
    assert data.layout.sample_interval_s == pytest.approx(0.1) and data.layout.horizon_steps == 40
    assert [e.id for e in data.episodes] == ["00000.random.Town01.0", "00001.random.Town01.1"]
    assert all(e.split in ("train", "val") and e.n_samples > 50 for e in data.episodes)


def test_every_field_is_present_with_its_shape(data: DrivingData) -> None:
    for info in data.episodes:
        episode = data.episode(info.id)
        for spec in SAMPLE_FIELDS:
            array = episode.field(spec.name)  # the reader checks shape and dtype against the layout
            assert array.shape[0] == episode.n, spec.name
        for name in ("ego_state", "tracks", "track_valid", "light_states", "route_points", "route_lane_ids"):
            assert episode.array(name).shape[0] > 0, name
        assert episode.bev(0).shape == (len(data.layout.bev_channels), 64, 64)


def test_frames_are_consistent(data: DrivingData) -> None:
    episode = data.episode(data.episodes[0].id)
    frame, time, speed = episode.field("frame"), episode.field("time"), episode.field("speed")
    np.testing.assert_array_equal(frame, 2 * np.arange(episode.n))  # a sample every second tick
    np.testing.assert_allclose(time, 0.05 * frame)
    assert speed[0] == 0.0 and speed.max() > 3.0  # from standstill, then driving
    poses = episode.field("ego_pose")
    future, valid = episode.field("future_poses"), episode.field("future_valid")
    for i in (0, episode.n // 2):
        np.testing.assert_allclose(future[i, :10], to_local(poses[i + 1 : i + 11], poses[i]), atol=1e-9)
    assert valid[0].all() and not valid[-1].any() and valid[-2].sum() == 1
    np.testing.assert_allclose(episode.array("ego_state")[:, :3], poses)
    assert np.all(np.isfinite(episode.field("expert_trajectory")))
    np.testing.assert_array_equal(episode.field("instruction_id")[:20], 60)  # "commence driving"
    assert set(np.unique(episode.field("command"))) <= {int(o) for o in RoadOption if o > 0}


def test_inputs_are_what_the_agent_sensors_give(data: DrivingData) -> None:
    episode = data.episode(data.episodes[0].id)
    network = load_town("Town01")
    gnss = episode.field("gnss")
    centers = network.geo.gps_to_internal(gnss)  # the GNSS sits at the box centre
    poses = episode.field("ego_pose")
    np.testing.assert_allclose(np.hypot(*(centers - poses[:, :2]).T), 1.345, atol=0.05)
    target = episode.field("target_point")
    assert np.all(target[:, 0] > -1.0) and np.all(np.hypot(*target.T) < 60.0)  # ahead, within the route window


def test_images_are_rendered_views(data: DrivingData) -> None:
    episode = data.episode(data.episodes[0].id)
    for camera in TINY_CAMERAS:
        frames = episode.images(camera["id"], [0, episode.n - 1])
        assert frames.shape == (2, camera["height"], camera["width"], 3) and frames.dtype == np.uint8
        assert frames.std() > 10 and len(np.unique(frames.reshape(-1, 3), axis=0)) > 20
        assert not np.array_equal(frames[0], frames[1])  # the view moved with the ego


def test_boxes_are_local_actors(data: DrivingData) -> None:
    episode = data.episode(data.episodes[0].id)
    counts = [episode.boxes(i).shape[0] for i in range(episode.n)]
    assert max(counts) > 0
    boxes = episode.boxes(int(np.argmax(counts)))
    assert np.all(np.hypot(boxes[:, BoxColumn.X], boxes[:, BoxColumn.Y]) <= 52.0)
    assert np.all(boxes[:, BoxColumn.LENGTH] > 0) and np.all(boxes[:, BoxColumn.ID] > 0)


def test_controls_and_perturbations(data: DrivingData) -> None:
    perturbed = np.concatenate([data.episode(e.id).field("perturbed") for e in data.episodes])
    control = np.concatenate([data.episode(e.id).field("control") for e in data.episodes])
    expert = np.concatenate([data.episode(e.id).field("expert_control") for e in data.episodes])
    same = np.isclose(control[:, ControlColumn.STEER], expert[:, ControlColumn.STEER])
    assert perturbed.any() and np.array_equal(~same, perturbed)
    np.testing.assert_array_equal(control[:, [0, 2]], expert[:, [0, 2]])  # throttle and brake untouched


def test_collected_routes_overlap_no_evaluation_route(data: DrivingData, data_dir: Path) -> None:
    from agents.collect.evaluation_routes import EvaluationRoutes

    evaluation = EvaluationRoutes.load(EVALUATION_FILES, str(data_dir))
    for info in data.episodes:
        route = np.asarray(data.episode(info.id).array("route_points"))
        assert not [e.name for e in evaluation.by_town(info.town) if overlaps(route, e.poses)]


def test_statistics_count_the_samples(data: DrivingData) -> None:
    stats = dataset_statistics(data)
    assert stats["samples"] == sum(e.n_samples for e in data.episodes)
    shares = stats["shares"]
    stopped = shares["stopped_at_light"] + shares["stopped_behind_vehicle"] + shares["stopped_other"]
    assert stopped + shares["moving"] == pytest.approx(1.0, abs=1e-3)
