"""NC, TTC and TLC against the original NAVSIM goldens on every parity scene (v2 batched/official, v1.1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from sim.scoring.collision import no_at_fault_collisions, time_to_collision, traffic_light_compliance
from sim.scoring.ego_geometry import ego_corners
from sim.scoring.observation import build_observation
from sim.scoring.scene_io import load_scoring_scene
from sim.types import MapLayer, ScoringScene
from tests.conftest import parity_scene_dirs
from tests.data_guard import missing_data

# bits of batch_borderline_*: columns of batch_metrics
V2_BITS = {"nc": 1 << 0, "tlc": 1 << 3, "ttc": 1 << 5}
V1_BITS = {"nc": 1 << 0, "ttc": 1 << 3}


def rear_axle_in_intersection(scene: ScoringScene, states: np.ndarray) -> np.ndarray:
    """``(N, T)`` bool: rear axle strictly within an INTERSECTION polygon (shapely ``within``)."""
    points = shapely.points(states[..., 0], states[..., 1])
    inside = np.zeros(states.shape[:2], dtype=bool)
    polygons = scene.map_polygons
    for index in np.flatnonzero(polygons.layers == MapLayer.INTERSECTION):
        inside |= shapely.within(points, shapely.Polygon(polygons.ring(index)))
    return inside


def assert_equal_outside_borderline(ours: np.ndarray, golden: np.ndarray, borderline: np.ndarray, label: str) -> None:
    mismatch = np.flatnonzero(ours != golden)
    hard = [int(i) for i in mismatch if not borderline[i]]
    assert not hard, f"{label}: {len(hard)} mismatches outside the borderline mask, first {hard[:10]}"


@pytest.fixture(scope="module")
def scenes(data_dir: Path) -> list[Path]:
    found = parity_scene_dirs(data_dir)
    if not found:
        missing_data("no parity scenes in the data directory")
    return found


def test_v2_batched_and_official(scenes: list[Path]) -> None:
    for folder in scenes:
        golden = np.load(folder / "golden_v2.npz")
        scene = load_scoring_scene(folder / "scene_v2.json")
        states = golden["sim_states"]
        corners = ego_corners(states)
        areas = golden["batch_ego_areas"]
        inter = rear_axle_in_intersection(scene, states)
        border = golden["batch_borderline_1e-06"]
        metrics = golden["batch_metrics"]
        for removal, rows in ((False, None), (True, golden["official_hf0_rows"])):
            obs = build_observation(scene, version="v2", remove_initial_overlap=removal)
            if removal:
                assert sorted(obs.removed_tokens.tolist()) == sorted(golden["logreplay_removed_tokens"].tolist())
            nc, nc_time = no_at_fault_collisions(states, corners, areas, obs)
            ttc, ttc_time = time_to_collision(states, corners, areas, inter, obs, version="v2")
            tlc = traffic_light_compliance(corners, obs)
            label = f"{folder.name} v2 {'official' if removal else 'batched'}"
            expected = (
                (metrics[:, 0], metrics[:, 5], metrics[:, 3]) if rows is None else (rows[:, 0], rows[:, 5], rows[:, 3])
            )
            assert_equal_outside_borderline(nc, expected[0], border & V2_BITS["nc"], label + " NC")
            assert_equal_outside_borderline(ttc, expected[1], border & V2_BITS["ttc"], label + " TTC")
            assert_equal_outside_borderline(tlc, expected[2], border & V2_BITS["tlc"], label + " TLC")
            if not removal:
                assert_equal_outside_borderline(nc_time, golden["batch_collision_time_idx"], border & V2_BITS["nc"],
                                                label + " collision time")  # fmt: skip
                assert_equal_outside_borderline(ttc_time, golden["batch_ttc_time_idx"], border & V2_BITS["ttc"],
                                                label + " TTC time")  # fmt: skip


def test_v1_batched(scenes: list[Path]) -> None:
    for folder in scenes:
        golden, states = np.load(folder / "golden_v1.npz"), np.load(folder / "golden_v2.npz")["sim_states"]
        scene = load_scoring_scene(folder / "scene_v1.json")
        corners = ego_corners(states)
        areas = golden["batch_ego_areas"]
        obs = build_observation(scene, version="v1", remove_initial_overlap=False)
        assert obs.num_frames == 51 and not obs.is_red_light.any()
        nc, nc_time = no_at_fault_collisions(states, corners, areas, obs)
        inter = rear_axle_in_intersection(scene, states)
        ttc, ttc_time = time_to_collision(states, corners, areas, inter, obs, version="v1")
        border, metrics = golden["batch_borderline_1e-06"], golden["batch_metrics"]
        label = f"{folder.name} v1"
        assert_equal_outside_borderline(nc, metrics[:, 0], border & V1_BITS["nc"], label + " NC")
        assert_equal_outside_borderline(nc_time, golden["batch_collision_time_idx"], border & V1_BITS["nc"], label)
        assert_equal_outside_borderline(ttc, metrics[:, 3], border & V1_BITS["ttc"], label + " TTC")
        assert_equal_outside_borderline(ttc_time, golden["batch_ttc_time_idx"], border & V1_BITS["ttc"], label)
        official = golden["official_rows"]  # v1.1 official: no removal, the same observation
        assert_equal_outside_borderline(nc, official[:, 0], border & V1_BITS["nc"], label + " official NC")
        assert_equal_outside_borderline(ttc, official[:, 3], border & V1_BITS["ttc"], label + " official TTC")
