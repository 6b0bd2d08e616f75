"""A scene moved rigidly (ego off the origin, as in the hidden parity set) scores as the original."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.scoring.scene_io import load_scoring_scene
from sim.scoring.scorer import score_batch, score_official
from sim.types import MapPolygons, PastIndex, StateIndex, TrackStateIndex
from tests.conftest import parity_scene_dirs
from tests.data_guard import missing_data

POSE = np.array([-412.5, 1733.25, 2.4])  # x [m], y [m], heading [rad]


def moved(points: np.ndarray) -> np.ndarray:
    c, s = np.cos(POSE[2]), np.sin(POSE[2])
    return np.column_stack(
        [POSE[0] + c * points[:, 0] - s * points[:, 1], POSE[1] + s * points[:, 0] + c * points[:, 1]]
    )


def wrap(angle: np.ndarray) -> np.ndarray:
    return (angle + np.pi) % (2 * np.pi) - np.pi


def move_scene(scene):
    ego = scene.ego_init.copy()
    ego[[StateIndex.X, StateIndex.Y]] = moved(ego[None, :2])[0]
    ego[StateIndex.HEADING] = wrap(ego[StateIndex.HEADING] + POSE[2])
    past = scene.ego_past.copy()
    past[:, [PastIndex.X, PastIndex.Y]] = moved(past[:, [PastIndex.X, PastIndex.Y]])
    past[:, PastIndex.HEADING] = wrap(past[:, PastIndex.HEADING] + POSE[2])
    states = scene.agents.states.copy()
    flat = states.reshape(-1, 5)
    flat[:, :2] = moved(flat[:, :2])
    flat[:, TrackStateIndex.HEADING] = wrap(flat[:, TrackStateIndex.HEADING] + POSE[2])
    velocity = flat[:, [TrackStateIndex.VX, TrackStateIndex.VY]]
    c, s = np.cos(POSE[2]), np.sin(POSE[2])
    flat[:, TrackStateIndex.VX], flat[:, TrackStateIndex.VY] = (
        c * velocity[:, 0] - s * velocity[:, 1],
        (s * velocity[:, 0] + c * velocity[:, 1]),
    )
    polygons = scene.map_polygons
    reference = scene.reference.copy()
    reference[:, 1:3] = moved(reference[:, 1:3])
    reference[:, 3] = wrap(reference[:, 3] + POSE[2])
    return dataclasses.replace(
        scene,
        ego_init=ego,
        ego_past=past,
        agents=dataclasses.replace(scene.agents, states=states),
        map_polygons=MapPolygons(polygons.tokens, polygons.layers, polygons.offsets, moved(polygons.vertices)),
        centerline=moved(scene.centerline),
        reference=reference,
    )


@pytest.fixture(scope="module")
def scene_and_golden(data_dir: Path):
    dirs = parity_scene_dirs(data_dir)
    if not dirs:
        missing_data("no parity scenes")
    golden = np.load(dirs[0] / "golden_v2.npz")
    return load_scoring_scene(dirs[0] / "scene_v2.json"), golden


def test_batched_scores_do_not_depend_on_where_the_scene_is(scene_and_golden) -> None:
    scene, golden = scene_and_golden
    result = score_batch(move_scene(scene), golden["proposals_local"])
    discrete = [0, 1, 2, 3, 5, 6, 7]
    flips = np.any(result.metrics[:, discrete] != golden["batch_metrics"][:, discrete], axis=1)
    # rounding differs off the origin: only decisions the goldens flag as borderline may flip
    assert not np.any(flips & (golden["batch_borderline_1e-06"] == 0)), np.flatnonzero(flips)
    same = ~flips
    assert np.allclose(result.metrics[same, 4], golden["batch_metrics"][same, 4], atol=1e-6)
    assert np.allclose(result.progress_raw, golden["batch_progress_raw"], atol=1e-6)


def test_official_path_off_the_origin_matches_the_goldens(scene_and_golden) -> None:
    scene, golden = scene_and_golden
    official = score_official(move_scene(scene), golden["proposals_local"][:64])
    rows = golden["official_hf1_rows"][:64]
    discrete = [0, 1, 2, 3, 5, 6, 7]
    flips = np.any(official.proposals.metrics[:, discrete] != rows[:, discrete], axis=1)
    assert not np.any(flips & (golden["batch_borderline_1e-06"][:64] == 0)), np.flatnonzero(flips)
    assert np.allclose(official.proposals.metrics[~flips, 4], rows[~flips, 4], atol=1e-6)
