"""The scene JSON reader: every bad input gets a SceneFormatError naming the field, never a raw traceback."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scoring.scene_io import SceneFormatError, load_scoring_scene, scene_from_dict
from sim.scoring.scorer import score_batch, score_official
from tests.conftest import parity_scene_dirs
from tests.data_guard import missing_data

JUNK = [None, float("nan"), float("inf"), -1, 0, 0.2, 10**400, "junk", "", [], {}, [1, 2], [[1, 2]], True]
MAX_ITEMS_PER_LIST = 3


@pytest.fixture(scope="module")
def scene_json(data_dir: Path) -> dict:
    folders = parity_scene_dirs(data_dir)
    if not folders:
        missing_data("no parity scenes in the data directory")
    return json.loads((folders[0] / "scene_v2.json").read_text())


@pytest.fixture
def raw(scene_json: dict) -> dict:
    return copy.deepcopy(scene_json)


def test_a_frame_step_other_than_navsims_is_refused(raw: dict) -> None:
    raw["frame_dt"] = 0.2
    with pytest.raises(SceneFormatError, match=r"field 'frame_dt' = 0.2: .*0.1 s frames"):
        scene_from_dict(raw, source="scene.json")


@pytest.mark.parametrize("empty", [[], {}])
def test_a_scene_without_agents_scores(raw: dict, empty, data_dir: Path) -> None:
    raw["agents"] = empty
    scene = scene_from_dict(raw)
    assert scene.agents.num_agents == 0 and scene.agents.num_frames == raw["n_frames"]
    proposals = np.load(parity_scene_dirs(data_dir)[0] / "golden_v2.npz")["proposals_local"][:4]
    assert np.all(np.isfinite(score_batch(scene, proposals).score))
    assert np.all(np.isfinite(score_official(scene, proposals).proposals.score))


def test_a_list_of_agents_is_refused(raw: dict) -> None:
    raw["agents"] = [raw["agents"][next(iter(raw["agents"]))]]
    with pytest.raises(SceneFormatError, match=r"field 'agents' .*an empty list means no agents"):
        scene_from_dict(raw)


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -2.0, 0, "4.5", None])
@pytest.mark.parametrize("key", ["length", "width"])
def test_non_finite_or_non_positive_sizes_name_the_agent(raw: dict, key: str, value) -> None:
    token = next(iter(raw["agents"]))
    raw["agents"][token][key] = value
    with pytest.raises(SceneFormatError, match=rf"field 'agents.{token}.{key}'"):
        scene_from_dict(raw)


def test_infinite_sizes_from_a_json_file_name_the_agent(raw: dict, tmp_path: Path) -> None:
    token = next(iter(raw["agents"]))
    raw["agents"][token]["length"] = float("inf")
    path = tmp_path / "scene.json"
    path.write_text(json.dumps(raw))  # Python writes Infinity, which json.loads reads back
    with pytest.raises(SceneFormatError, match=rf"{path}: field 'agents.{token}.length' = inf"):
        load_scoring_scene(path)


def test_an_unknown_route_lane_id_is_named(raw: dict) -> None:
    raw["route_lane_ids"] = [*raw["route_lane_ids"], "lane_nowhere"]
    with pytest.raises(SceneFormatError, match=r"route_lane_ids\[\d+\]' = 'lane_nowhere': names no LANE"):
        scene_from_dict(raw)


def test_a_route_id_naming_a_roadblock_is_refused(raw: dict) -> None:
    roadblock = next(token for token, layer, _ in raw["map_polygons"] if layer == "ROADBLOCK")
    raw["route_lane_ids"] = [roadblock]
    with pytest.raises(SceneFormatError, match=f"'{roadblock}': names no LANE or LANE_CONNECTOR"):
        scene_from_dict(raw)


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(SceneFormatError, match="cannot read"):
        load_scoring_scene(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(SceneFormatError, match="not valid JSON"):
        load_scoring_scene(tmp_path / "bad.json")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(SceneFormatError, match="expected a JSON object"):
        load_scoring_scene(tmp_path / "list.json")


def _paths(node, prefix: tuple = ()) -> list[tuple]:
    """Paths to every field and a few items of every list (the long state arrays are sampled)."""
    if isinstance(node, dict):
        children = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))[:MAX_ITEMS_PER_LIST]
    else:
        return []
    paths = []
    for key, value in children:
        paths.append((*prefix, key))
        paths += _paths(value, (*prefix, key))
    return paths


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mutated_field_gives_our_error_or_a_scene(scene_json: dict, data: st.DataObject) -> None:
    raw = copy.deepcopy(scene_json)
    path = data.draw(st.sampled_from(_paths(raw)))
    parent = raw
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(st.sampled_from(JUNK))
    try:
        scene_from_dict(raw, source="fuzzed.json")
    except SceneFormatError as error:
        assert str(error).startswith("fuzzed.json: ")
