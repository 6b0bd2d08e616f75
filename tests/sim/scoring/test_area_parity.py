"""Map-side sub-metrics against the original NAVSIM scorers' goldens, on every parity scene folder.

The simulated states are the goldens' own (``golden_v2.npz["sim_states"]``; v1.1 uses the same).
Discrete values must match exactly except for proposals flagged borderline at 1e-6; raw progress
and EP within 1e-6.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.scoring import area, centerline
from sim.scoring.drivable_map import build_drivable_map_index
from sim.scoring.ego_geometry import ego_corners
from sim.scoring.scene_io import load_scoring_scene
from sim.types import MapLayer
from tests.conftest import parity_scene_dirs

TOLERANCE = 1e-6  # [m] and EP units, README section 7
V2_COLUMNS = {"DAC": 1, "DDC": 2, "EP": 4, "LK": 6}
V1_COLUMNS = {"DAC": 1, "EP": 2, "DDC": 5}
BATCH_SIZES = (1, 16, 256, 512)


def scene_dirs() -> list[Path]:
    from sim.paths import resolve_data_dir

    root = resolve_data_dir()
    return parity_scene_dirs(root) if root.is_dir() else []


def assert_discrete(ours: np.ndarray, golden: np.ndarray, borderline: np.ndarray, what: str) -> None:
    mismatched = np.flatnonzero(np.any((ours != golden).reshape(len(ours), -1), axis=1) & ~borderline)
    assert mismatched.size == 0, f"{what}: proposals {mismatched[:10].tolist()} differ"


@pytest.fixture(scope="module", params=scene_dirs(), ids=lambda path: path.name)
def scored(request: pytest.FixtureRequest) -> dict:
    folder: Path = request.param
    scene = load_scoring_scene(folder / "scene_v2.json")
    v2, v1 = np.load(folder / "golden_v2.npz"), np.load(folder / "golden_v1.npz")
    index = build_drivable_map_index(scene.map_polygons, scene.on_route_mask())
    corners = ego_corners(v2["sim_states"])
    areas = area.ego_areas(corners, index)
    in_junction = area.points_in_layer(corners[:, :, 4], index, MapLayer.INTERSECTION)
    pdmc = ego_corners(v2["pdmc_sim_states"][None])
    return {
        "scene": scene, "v2": v2, "v1": v1, "index": index, "corners": corners, "areas": areas,
        "in_junction": in_junction, "raw": centerline.progress_raw(corners, scene.centerline),
        "pdmc_raw": float(centerline.progress_raw(pdmc, scene.centerline)[0]),
    }  # fmt: skip


def borderline(golden, column: int | None = None) -> np.ndarray:
    bits = golden["batch_borderline_1e-06"]
    return bits != 0 if column is None else (bits >> column) & 1 == 1


def test_scene_folders_exist(data_dir: Path) -> None:
    assert parity_scene_dirs(data_dir), f"no parity scenes under {data_dir / 'navsim_parity'}"


def test_ego_areas(scored: dict) -> None:
    for version in ("v2", "v1"):
        golden = scored[version]
        assert_discrete(scored["areas"], golden["batch_ego_areas"], borderline(golden), f"{version} ego areas")
    parallel = area.ego_areas(scored["corners"], scored["index"], parallel=True)
    np.testing.assert_array_equal(parallel, scored["areas"])


def test_dac_ddc_lk_v2(scored: dict) -> None:
    v2, corners, areas = scored["v2"], scored["corners"], scored["areas"]
    metrics = v2["batch_metrics"]
    dac = area.drivable_area_compliance(areas)
    ddc = area.driving_direction_compliance(corners, areas, scored["in_junction"])
    lk = centerline.lane_keeping(corners, scored["in_junction"], scored["scene"].centerline)
    for name, ours in (("DAC", dac), ("DDC", ddc), ("LK", lk)):
        column = V2_COLUMNS[name]
        assert_discrete(ours, metrics[:, column], borderline(v2, column), f"v2 {name}")
    parallel = centerline.lane_keeping(corners, scored["in_junction"], scored["scene"].centerline, parallel=True)
    np.testing.assert_array_equal(parallel, lk)


def test_dac_ddc_v1(scored: dict) -> None:
    v1, corners, areas = scored["v1"], scored["corners"], scored["areas"]
    metrics = v1["batch_metrics"]
    dac = area.drivable_area_compliance(areas)
    ddc = area.driving_direction_compliance(corners, areas, None)
    assert_discrete(dac, metrics[:, V1_COLUMNS["DAC"]], borderline(v1, V1_COLUMNS["DAC"]), "v1 DAC")
    assert_discrete(ddc, metrics[:, V1_COLUMNS["DDC"]], borderline(v1, V1_COLUMNS["DDC"]), "v1 DDC")


def test_raw_progress(scored: dict) -> None:
    for version in ("v2", "v1"):
        golden = scored[version]
        np.testing.assert_allclose(scored["raw"], golden["batch_progress_raw"], rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(scored["raw"], golden["official_pair_progress_raw"][:, 1], rtol=0, atol=TOLERANCE)
        assert abs(scored["pdmc_raw"] - float(golden["pdmc_progress_raw"])) <= TOLERANCE


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_batched_ep(scored: dict, version: str) -> None:
    golden, raw = scored[version], scored["raw"]
    prod = golden["batch_prod"]
    ep = centerline.ego_progress(raw, prod, version=version)
    np.testing.assert_allclose(
        ep, golden["batch_metrics"][:, (V2_COLUMNS if version == "v2" else V1_COLUMNS)["EP"]], atol=TOLERANCE
    )
    for n in BATCH_SIZES:
        ours = centerline.ego_progress(raw[:n], prod[:n], version=version)
        np.testing.assert_allclose(ours, golden[f"batch{n}_ep"], rtol=0, atol=TOLERANCE, err_msg=f"batch{n}")
    low = golden["lowprog_idx"]
    ours = centerline.ego_progress(raw[low], prod[low], version=version)
    np.testing.assert_allclose(ours, golden["lowprog_ep"], rtol=0, atol=TOLERANCE, err_msg="lowprog")


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_official_pair_ep(scored: dict, version: str) -> None:
    golden, raw = scored[version], scored["raw"]
    rows = golden["official_hf0_rows"] if version == "v2" else golden["official_rows"]
    column = (V2_COLUMNS if version == "v2" else V1_COLUMNS)["EP"]
    multiplier = golden["official_pair_multiplier"]
    ours = np.empty(len(raw))
    for i in range(len(raw)):
        pair_raw = np.array([scored["pdmc_raw"], raw[i]])
        ours[i] = centerline.ego_progress(pair_raw, multiplier[i], version=version)[1]
    np.testing.assert_allclose(ours, rows[:, column], rtol=0, atol=TOLERANCE)
    norm = np.maximum(scored["pdmc_raw"] * multiplier[:, 0], raw * multiplier[:, 1])
    np.testing.assert_allclose(norm, golden["official_ep_norm"], rtol=0, atol=TOLERANCE)
