"""NC, TTC, TLC and the observation against a slow shapely re-statement of NAVSIM's scorer."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely

from sim.scoring.collision import no_at_fault_collisions, time_to_collision, traffic_light_compliance
from sim.scoring.observation import build_observation
from sim.types import AgentType, ScoringScene
from tests.sim.scoring.collision_scene_factory import agent, batch, make_scene, rollout

KINDS = ["VEHICLE", "VEHICLE", "PEDESTRIAN", "BICYCLE", "TRAFFIC_CONE", "BARRIER", "GENERIC_OBJECT"]


def reference_occupancy(scene: ScoringScene, version: str, remove: bool, frames: int):
    """Per frame {token: polygon} and the first-sighting {token: (is_agent, speed)}, as NAVSIM builds them."""
    agents, ego = scene.agents, scene.ego_init
    centre = (ego[0] + 1.461 * np.cos(ego[2]), ego[1] + 1.461 * np.sin(ego[2]))
    ego_box = shapely.affinity.rotate(
        shapely.box(centre[0] - 2.588, centre[1] - 1.1485, centre[0] + 2.588, centre[1] + 1.1485),
        ego[2], origin=centre, use_radians=True,
    )  # fmt: skip
    occupancy, unique = [dict() for _ in range(frames)], {}
    for a, token in enumerate(agents.tokens):
        boxes = [reference_box(agents.states[a, f, :3], agents.dimensions[a]) for f in range(frames)]
        if remove and agents.present[a, 0] and boxes[0].intersects(ego_box):
            continue
        for f in np.flatnonzero(agents.present[a, :frames]):
            occupancy[f][str(token)] = boxes[f]
            if token not in unique:
                unique[str(token)] = (AgentType(agents.types[a]).is_agent, float(np.hypot(*agents.states[a, f, 3:5])))
    if version == "v2":
        for token, red in zip(scene.red_light_tokens, scene.red_light_frames, strict=True):
            if token in scene.route_lane_ids:
                ring = scene.map_polygons.ring(scene.map_polygons.index_of(token))
                for f in np.flatnonzero(red[:frames]):
                    occupancy[f][f"red_light_{token}"] = shapely.Polygon(ring)
    return occupancy, unique


def reference_box(pose: np.ndarray, size: np.ndarray) -> shapely.Polygon:
    x, y, h = pose
    corners = []
    for lon, lat in ((1, 1), (-1, 1), (-1, -1), (1, -1)):
        d_lon, d_lat = lon * size[0] / 2.0, lat * size[1] / 2.0
        corners.append(
            (
                x + d_lat * np.cos(h + np.pi / 2) + d_lon * np.cos(h),
                y + d_lat * np.sin(h + np.pi / 2) + d_lon * np.sin(h),
            )
        )
    return shapely.Polygon(corners)


def angle(state: np.ndarray, point: shapely.Point) -> float:
    vector = np.array([point.x - state[0], point.y - state[1]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.arccos(np.dot(np.array([np.cos(state[2]), np.sin(state[2])]), vector / np.linalg.norm(vector))))


def reference_nc(states, corners, areas, occupancy, unique):
    scores, firsts = np.ones(len(states)), np.full(len(states), np.inf)
    for p in range(len(states)):
        ignored = set()
        for t in range(states.shape[1]):
            ego = shapely.Polygon(corners[p, t, :4])
            for token, polygon in occupancy[t].items():
                if "red_light" in token or token in ignored or not ego.intersects(polygon):
                    continue
                is_agent, speed = unique[token]
                if np.hypot(states[p, t, 3], states[p, t, 4]) <= 0.05:
                    kind = "stopped_ego"
                elif not is_agent or speed <= 0.05:
                    kind = "stopped_track"
                elif angle(states[p, t], polygon.centroid) > np.deg2rad(150):
                    kind = "rear"
                elif shapely.LineString([ego.exterior.coords[0], ego.exterior.coords[3]]).intersects(polygon):
                    kind = "front"
                else:
                    kind = "lateral"
                if kind in ("stopped_track", "front") or (kind == "lateral" and (areas[p, t, 0] or areas[p, t, 1])):
                    scores[p] = min(scores[p], 0.0 if is_agent else 0.5)
                    firsts[p] = min(firsts[p], t)
                else:
                    ignored.add(token)
    return scores, firsts


def reference_ttc(states, corners, areas, inter, occupancy, eval_steps):
    scores, firsts = np.ones(len(states)), np.full(len(states), np.inf)
    speeds = np.hypot(states[..., 3], states[..., 4])
    dxy = np.stack([np.cos(states[..., 2]) * speeds, np.sin(states[..., 2]) * speeds], axis=-1)
    for p in range(len(states)):
        ignored = set()
        for t in range(eval_steps):
            for offset in (0, 3, 6, 9):
                ego = shapely.Polygon(corners[p, t, :4] + dxy[p, t] * (float(offset) * 0.1))
                for token, polygon in occupancy[t + offset].items():
                    if "red_light" in token or token in ignored or speeds[p, t] < 5e-3 or not ego.intersects(polygon):
                        continue
                    relative = angle(states[p, t], polygon.centroid)
                    widened = areas[p, t, 0] or areas[p, t, 1] or inter[p, t]
                    if relative < np.deg2rad(30) or (widened and not relative > np.deg2rad(150)):
                        scores[p], firsts[p] = 0.0, min(firsts[p], t)
                    else:
                        ignored.add(token)
    return scores, firsts


def reference_tlc(corners, occupancy):
    scores = np.ones(len(corners))
    for p in range(len(corners)):
        for t in range(corners.shape[1]):
            ego = shapely.Polygon(corners[p, t, :4])
            if any(token.startswith("red_light") and ego.intersects(poly) for token, poly in occupancy[t].items()):
                scores[p] = 0.0
    return scores


def random_scene(rng: np.random.Generator, frames: int) -> ScoringScene:
    agents = {}
    for k in range(6):
        kind = KINDS[int(rng.integers(len(KINDS)))]
        heading = rng.choice([0.0, np.pi, rng.uniform(-np.pi, np.pi)]) + rng.normal(0, 0.05)
        speed = float(rng.choice([0.0, 0.04, 0.06, rng.uniform(0, 12), rng.uniform(8, 20)]))
        first = int(rng.integers(0, frames // 2)) if k % 3 == 0 else 0
        last = int(rng.integers(first, frames)) if k % 4 == 0 else frames - 1
        agents[f"t{k}"] = agent(kind, rng.uniform(-20, 45), rng.uniform(-4, 4), heading, speed, frames=frames,
                                window=(first, last), yaw_rate=rng.normal(0, 0.1))  # fmt: skip
    for k in range(2):  # faster cars from behind: rear-end hits at various bearings
        agents[f"chaser{k}"] = agent("VEHICLE", rng.uniform(-14, -7), rng.uniform(-2, 2), rng.normal(0, 0.1),
                                     rng.uniform(12, 22), frames=frames)  # fmt: skip
    agents["creeper"] = agent("BICYCLE", rng.uniform(8, 20), rng.uniform(-1, 1), 0.0, 0.04, frames=frames)
    agents["overlap"] = agent("VEHICLE", 2.0, 0.5, 0.1, 3.0, frames=frames)  # inside the initial ego box
    agents["coincident"] = agent("VEHICLE", 0.0, 0.0, 0.0, 5.0, frames=frames)  # centroid on the rear axle
    rings = [
        [[12.0, -2.0], [16.0, -2.5], [15.0, 0.0], [17.0, 2.5], [12.5, 2.0], [13.5, 0.0]],
        [[25, -3], [29, -3], [29, 3]],
    ]
    lights = {"c0": sorted(rng.choice(frames, 15, replace=False).tolist()), "c1": list(range(frames)), "off": [0, 1, 2]}
    polygons = [
        ["c0", "LANE_CONNECTOR", rings[0]],
        ["c1", "LANE_CONNECTOR", rings[1]],
        ["off", "LANE_CONNECTOR", rings[1]],
    ]
    return make_scene(agents, frames=frames, map_polygons=polygons, route=["c0", "c1"], red_lights=lights)


def random_rollouts(rng: np.random.Generator, count: int) -> np.ndarray:
    out = []
    for k in range(count):
        level = [0.0, 0.003, 0.03, rng.uniform(0, 15)][k % 4]
        speeds = np.clip(level + np.cumsum(rng.normal(0, 0.3, 41)) * (k % 4 == 3), 0, None)
        out.append(rollout(0.0, rng.normal(0, 1.0), rng.normal(0, 0.2), speeds, rng.normal(0, 0.2, 41)))
    states = np.stack(out)
    states[1::5, :, 4] = rng.normal(0, 0.5, (len(states[1::5]), 41))  # lateral velocity counts in the speed
    return states


@pytest.mark.parametrize(
    ("version", "frames", "remove", "seed"), [("v2", 41, False, 7), ("v2", 41, True, 8), ("v1", 51, False, 9)]
)
def test_metrics_match_reference(version: str, frames: int, remove: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    scene = random_scene(rng, frames)
    states, corners = batch(*random_rollouts(rng, 40))
    areas = rng.random((*states.shape[:2], 3)) < 0.3
    inter = rng.random(states.shape[:2]) < 0.3
    observation = build_observation(scene, version=version, remove_initial_overlap=remove)
    occupancy, unique = reference_occupancy(scene, version, remove, frames)
    assert ("overlap" in observation.removed_tokens) == remove
    nc = no_at_fault_collisions(states, corners, areas, observation)
    expected_nc = reference_nc(states, corners, areas, occupancy, unique)
    np.testing.assert_array_equal(nc, expected_nc)
    assert {0.0, 1.0} <= set(nc[0])
    eval_steps = 41 if version == "v1" else 32
    ttc = time_to_collision(states, corners, areas, inter, observation, version=version)
    np.testing.assert_array_equal(ttc, reference_ttc(states, corners, areas, inter, occupancy, eval_steps))
    assert set(ttc[0]) == {0.0, 1.0}
    tlc = traffic_light_compliance(corners, observation)
    np.testing.assert_array_equal(tlc, reference_tlc(corners, occupancy))
    assert set(tlc) == ({0.0, 1.0} if version == "v2" else {1.0})  # v1.1 has no traffic lights
    for parallel_result, serial in (
        (no_at_fault_collisions(states, corners, areas, observation, parallel=True), nc),
        (time_to_collision(states, corners, areas, inter, observation, version=version, parallel=True), ttc),
    ):
        np.testing.assert_array_equal(parallel_result, serial)
    np.testing.assert_array_equal(traffic_light_compliance(corners, observation, parallel=True), tlc)
