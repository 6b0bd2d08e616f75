"""Metric caches read into ScoringScene: the parity caches equal their scene JSON; bad fields are named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from sim.scoring.metric_cache import (
    MetricCacheError,
    SceneFrameType,
    list_metric_caches,
    read_metric_cache,
)
from sim.scoring.scene_io import load_scoring_scene
from sim.types import PAST_MIN_COLUMNS, AgentType, MapLayer, PastIndex
from tests.conftest import parity_scene_dirs
from tests.data_guard import missing_data
from tests.sim.scoring.metric_cache.cache_writer import loaded_copy, write_cache


def cache_dirs(data_dir: Path) -> list[Path]:
    found = [folder for folder in parity_scene_dirs(data_dir) if (folder / "metric_cache.pkl").is_file()]
    if not found:
        missing_data("no metric caches in the parity data")
    return found


def _by_token(tokens: np.ndarray, order: np.ndarray) -> np.ndarray:
    return np.array([list(tokens).index(token) for token in order])


def test_each_parity_cache_holds_its_scene_json(data_dir: Path) -> None:
    for folder in cache_dirs(data_dir):
        cache = read_metric_cache(folder / "metric_cache.pkl")
        ours, theirs = cache.scene, load_scoring_scene(folder / "scene_v2.json")
        assert cache.token == folder.name and cache.scene_type is SceneFrameType.ORIGINAL
        np.testing.assert_array_equal(ours.ego_init, theirs.ego_init)
        np.testing.assert_array_equal(ours.ego_past[:, :PAST_MIN_COLUMNS], theirs.ego_past)
        np.testing.assert_allclose(ours.reference, theirs.reference, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(ours.human_future, theirs.human_future)
        np.testing.assert_array_equal(ours.centerline, theirs.centerline)
        assert set(ours.route_lane_ids) == set(theirs.route_lane_ids)
        rows = _by_token(ours.agents.tokens, theirs.agents.tokens)
        assert ours.agents.num_agents == theirs.agents.num_agents
        np.testing.assert_array_equal(ours.agents.present[rows], theirs.agents.present)
        np.testing.assert_array_equal(ours.agents.types[rows], theirs.agents.types)
        np.testing.assert_array_equal(ours.agents.dimensions[rows], theirs.agents.dimensions)
        seen = theirs.agents.present
        np.testing.assert_array_equal(ours.agents.states[rows][seen], theirs.agents.states[seen])
        polygons = _by_token(ours.map_polygons.tokens, theirs.map_polygons.tokens)
        np.testing.assert_array_equal(ours.map_polygons.layers[polygons], theirs.map_polygons.layers)
        for theirs_index, ours_index in enumerate(polygons):
            np.testing.assert_array_equal(ours.map_polygons.ring(ours_index), theirs.map_polygons.ring(theirs_index))
        lights = _by_token(ours.red_light_tokens, theirs.red_light_tokens)
        np.testing.assert_array_equal(ours.red_light_frames[lights], theirs.red_light_frames)


def test_the_red_light_obstacles_keep_the_polygons_the_cache_stored(data_dir: Path) -> None:
    scene = read_metric_cache(cache_dirs(data_dir)[0] / "metric_cache.pkl").scene
    assert scene.red_light_polygons is not None
    for token in scene.red_light_tokens:
        lights, lanes = scene.red_light_polygons, scene.map_polygons
        assert lights.layers[lights.index_of(token)] == MapLayer.LANE_CONNECTOR
        ring = lights.ring(lights.index_of(token))
        assert shapely.Polygon(ring).equals(shapely.Polygon(lanes.ring(lanes.index_of(token))))


def test_the_folder_listing_finds_every_cache_by_token(data_dir: Path) -> None:
    folders = cache_dirs(data_dir)
    entries = list_metric_caches(data_dir / "navsim_parity")
    assert [entry.token for entry in entries] == sorted(folder.name for folder in folders)
    assert [entry.path for entry in entries] == [folder / "metric_cache.pkl" for folder in sorted(folders)]


def test_navsim_metadata_listing_is_read_and_stale_prefixes_are_found_again(data_dir: Path, tmp_path: Path) -> None:
    source = cache_dirs(data_dir)[0] / "metric_cache.pkl"
    record = loaded_copy(source)
    written = [write_cache(record, tmp_path / "log_a" / "ORIGINAL" / token / "metric_cache.pkl") for token in "ba"]
    (tmp_path / "metadata").mkdir()
    stale = "/elsewhere/cache/log_a/ORIGINAL/{}/metric_cache.pkl"
    listing = ["file_name"] + [stale.format(path.parent.name) for path in written]
    (tmp_path / "metadata" / "cache_metadata_0.csv").write_text("\n".join(listing) + "\n")
    found = [(entry.token, entry.path) for entry in list_metric_caches(tmp_path)]
    assert found == [("a", written[1]), ("b", written[0])]
    written[0].unlink()
    with pytest.raises(MetricCacheError, match=f"listed cache file '{stale.format('b')}'"):
        list_metric_caches(tmp_path)


def test_empty_folders_and_duplicate_tokens_are_errors(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(MetricCacheError, match="no metric_cache.pkl found"):
        list_metric_caches(tmp_path)
    record = loaded_copy(cache_dirs(data_dir)[0] / "metric_cache.pkl")
    write_cache(record, tmp_path / "log_a" / "ORIGINAL" / "tok" / "metric_cache.pkl")
    write_cache(record, tmp_path / "log_b" / "ORIGINAL" / "tok" / "metric_cache.pkl")
    with pytest.raises(MetricCacheError, match="token 'tok' has two cache files"):
        list_metric_caches(tmp_path)


@pytest.fixture
def record(data_dir: Path):
    return loaded_copy(cache_dirs(data_dir)[0] / "metric_cache.pkl")


def _first_object(record):
    return record.observation._detections_tracks[0].tracked_objects.tracked_objects[0]


def test_a_lateral_past_is_kept_for_history_comfort(record, tmp_path: Path) -> None:
    states = record.past_human_trajectory.call_args[0]
    states[0]._dynamic_car_state._rear_axle_acceleration_2d._y = 0.75
    scene = read_metric_cache(write_cache(record, tmp_path / "t" / "metric_cache.pkl")).scene
    assert scene.ego_past[0, PastIndex.A_LAT] == 0.75


def test_synthetic_scenes_have_no_human_future_and_ego_tracks_are_vehicles(record, tmp_path: Path) -> None:
    record.scene_type.call_args = (int(SceneFrameType.SYNTHETIC),)
    _first_object(record)._tracked_object_type.call_args = (7,)  # nuPlan's EGO: an agent like a vehicle
    cache = read_metric_cache(write_cache(record, tmp_path / "t" / "metric_cache.pkl"))
    assert cache.scene_type is SceneFrameType.SYNTHETIC and cache.scene.human_future is None
    assert cache.scene.agents.types[0] == AgentType.VEHICLE


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: setattr(r.observation, "_sample_interval", 0.2), r"observation._sample_interval = 0.2"),
        (lambda r: setattr(_first_object(r)._box, "_length", float("nan")), r"\(track 'veh_lead'\)._box._length = nan"),
        (lambda r: setattr(_first_object(r)._tracked_object_type, "call_args", (42,)), r"TrackedObjectType value"),
        (lambda r: r.observation._detections_tracks.__delitem__(slice(30, None)), r"30 frames.*needs 41"),
        (lambda r: setattr(r.scene_type, "call_args", (5,)), r"scene_type = 5"),
        (lambda r: delattr(r, "centerline"), r"metric_cache.centerline is missing"),
        (lambda r: r.route_lane_ids.append(3), r"route_lane_ids = \[3\]"),
        (
            lambda r: setattr(
                r.ego_state._car_footprint._vehicle_parameters,
                "call_args",
                (2.0, 4.0, 1.0, 1.67, 3.0, "other", "gen1", 1.7),
            ),
            r"Pacifica",
        ),  # fmt: skip
    ],
)
def test_malformed_fields_are_named(record, tmp_path: Path, mutate, message: str) -> None:
    mutate(record)
    path = write_cache(record, tmp_path / "tok" / "metric_cache.pkl")
    with pytest.raises(MetricCacheError, match=message) as error:
        read_metric_cache(path)
    assert str(path) in str(error.value)


def test_polygons_with_holes_are_refused(record, tmp_path: Path) -> None:
    geometries = record.drivable_area_map.call_args[2]
    outer = shapely.box(-1000, -1000, 1000, 1000)
    geometries[0] = outer.difference(shapely.box(-1, -1, 1, 1))
    path = write_cache(record, tmp_path / "tok" / "metric_cache.pkl")
    with pytest.raises(MetricCacheError, match="1 holes"):
        read_metric_cache(path)
