"""Named situations for NC, TTC, TLC and the observation (each decision made on purpose)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.scoring.collision import no_at_fault_collisions, time_to_collision, traffic_light_compliance
from sim.scoring.observation import build_observation
from tests.sim.scoring.collision_scene_factory import agent, batch, make_scene, rollout, square

T = 41


def nc_of(agents: dict, ego_speed: float, *, lanes: bool = False, ego_y: float = 0.0) -> tuple[float, float]:
    """NC and first at-fault step of one ego driving along +x at ``ego_speed``."""
    scene = make_scene(agents)
    states, corners = batch(rollout(0.0, ego_y, 0.0, np.full(T, ego_speed)))
    areas = np.zeros((1, T, 3), dtype=bool)
    areas[..., 0] = lanes
    nc, first = no_at_fault_collisions(
        states, corners, areas, build_observation(scene, version="v2", remove_initial_overlap=False)
    )
    return float(nc[0]), float(first[0])


def test_active_front_collision_is_at_fault() -> None:
    nc, first = nc_of({"lead": agent("VEHICLE", 15.0, 0.0, 0.0, 2.0)}, 10.0)
    # front bumper at 4.049 + 10 t meets the lead's rear at 15 - 2.25 + 2 t: t = 1.09 s
    assert (nc, first) == (0.0, 11.0)


def test_rear_ended_while_driving_is_not_at_fault() -> None:
    assert nc_of({"chaser": agent("VEHICLE", -9.0, 0.0, 0.0, 14.0)}, 3.0, lanes=True) == (1.0, math.inf)


def test_track_on_ignore_list_stays_ignored() -> None:
    # the chaser rear-ends the ego and keeps going through it: later front contact is ignored
    assert nc_of({"chaser": agent("VEHICLE", -7.0, 0.0, 0.0, 30.0)}, 2.0)[0] == 1.0


def test_stopped_ego_is_never_at_fault() -> None:
    side = agent("VEHICLE", 1.5, -6.0, math.pi / 2, 5.0)
    assert nc_of({"side": side}, 0.0, lanes=True) == (1.0, math.inf)
    assert nc_of({"side": side}, 0.05, lanes=True)[0] == 1.0  # at the threshold still counts as stopped


def test_static_object_scores_half_and_parked_vehicle_zero() -> None:
    assert nc_of({"cone": agent("TRAFFIC_CONE", 15.0, 0.0, 0.0, 0.5)}, 5.0)[0] == 0.5  # its velocity is ignored
    assert nc_of({"parked": agent("VEHICLE", 15.0, 0.0, 0.0, 0.05)}, 5.0)[0] == 0.0
    both = {"cone": agent("BARRIER", 10.0, 0.0, 0.0, 0.0), "parked": agent("VEHICLE", 25.0, 0.0, 0.0, 0.0)}
    assert nc_of(both, 8.0) == (0.0, 5.0)  # minimum over hits; first at-fault step is the barrier's


def test_lateral_collision_depends_on_multiple_lanes() -> None:
    side = {"side": agent("VEHICLE", 1.5, -5.0, math.pi / 2, 6.0)}  # hits the ego's right flank
    assert nc_of(side, 1.0, lanes=False) == (1.0, math.inf)
    nc, first = nc_of(side, 1.0, lanes=True)
    assert nc == 0.0 and 0 < first < T


def test_centroid_on_rear_axle_gives_nan_bearing_lateral() -> None:
    # bearing is arccos(0/0) = NaN: not behind, bumper clear of the box -> lateral
    coincident = {"twin": agent("VEHICLE", 0.0, 0.0, 0.0, 1.0, length=2.0)}
    assert nc_of(coincident, 1.0, lanes=False)[0] == 1.0
    assert nc_of(coincident, 1.0, lanes=True) == (0.0, 0.0)


def test_track_present_only_in_some_frames() -> None:
    late = agent("VEHICLE", 20.0, 0.0, 0.0, 0.0, window=(30, 40))
    assert nc_of({"late": late}, 10.0) == (1.0, math.inf)  # gone past it before it appears
    assert nc_of({"late": late}, 5.0)[1] == 30.0  # the ego is on it when it appears


def test_empty_agent_set() -> None:
    scene = make_scene({})
    states, corners = batch(rollout(0.0, 0.0, 0.0, np.full(T, 10.0)))
    obs = build_observation(scene, version="v2", remove_initial_overlap=True)
    areas = np.zeros((1, T, 3), dtype=bool)
    assert obs.num_objects == 0
    np.testing.assert_array_equal(no_at_fault_collisions(states, corners, areas, obs), [[1.0], [np.inf]])
    ttc = time_to_collision(states, corners, areas, np.zeros((1, T), bool), obs, version="v2")
    np.testing.assert_array_equal(ttc, [[1.0], [np.inf]])


def test_ttc_ahead_stopped_and_horizon() -> None:
    scene = make_scene({"parked": agent("VEHICLE", 30.0, 0.0, 0.0, 0.0)})
    obs = build_observation(scene, version="v2", remove_initial_overlap=False)
    speeds = [np.full(T, 10.0), np.full(T, 0.004), np.full(T, 0.5)]
    states, corners = batch(*(rollout(0.0, 0.0, 0.0, s) for s in speeds))
    areas = np.zeros((3, T, 3), dtype=bool)
    ttc, first = time_to_collision(states, corners, areas, np.zeros((3, T), bool), obs, version="v2")
    # front bumper 4.049 + 10 (t + 0.9) reaches 27.75 at t = 1.47 s -> step 15
    np.testing.assert_array_equal(ttc, [0.0, 1.0, 1.0])
    assert first[0] == 15.0 and np.isinf(first[1:]).all()


def test_ttc_v1_needs_the_longer_observation() -> None:
    scene = make_scene({"a": agent("VEHICLE", 30.0, 0.0, 0.0, 0.0, frames=41)}, frames=41)
    states, corners = batch(rollout(0.0, 0.0, 0.0, np.full(T, 1.0)))
    obs = build_observation(scene, version="v1", remove_initial_overlap=False)
    with pytest.raises(ValueError, match="frames"):
        time_to_collision(states, corners, np.zeros((1, T, 3), bool), np.zeros((1, T), bool), obs, version="v1")


def red_scene(red_frames: list[int], on_route: bool = True):
    polygons = [["conn", "LANE_CONNECTOR", square(30.0, 0.0, 3.0)]]
    return make_scene({}, map_polygons=polygons, route=["conn"] if on_route else [], red_lights={"conn": red_frames})


def test_traffic_light_compliance() -> None:
    states, corners = batch(rollout(0.0, 0.0, 0.0, np.full(T, 10.0)))  # front reaches x = 27 at step 23
    assert traffic_light_compliance(corners, build_observation(red_scene(list(range(0, 20))), version="v2",
                                                               remove_initial_overlap=False))[0] == 1.0  # fmt: skip
    red = red_scene(list(range(20, 41)))
    assert traffic_light_compliance(corners, build_observation(red, version="v2", remove_initial_overlap=False))[0] == 0
    assert traffic_light_compliance(corners, build_observation(red, version="v1", remove_initial_overlap=False))[0] == 1
    off = build_observation(red_scene(list(range(41)), on_route=False), version="v2", remove_initial_overlap=False)
    assert off.num_objects == 0 and traffic_light_compliance(corners, off)[0] == 1.0
    # red lights are not collisions
    areas = np.zeros((1, T, 3), dtype=bool)
    obs = build_observation(red, version="v2", remove_initial_overlap=False)
    assert obs.tokens.tolist() == ["red_light_conn"]
    assert no_at_fault_collisions(states, corners, areas, obs)[0][0] == 1.0


def test_log_replay_removes_initial_overlap_and_keeps_first_sighting() -> None:
    agents = {
        "overlap": agent("VEHICLE", 3.0, 1.0, 0.3, 2.0),
        "late": agent("PEDESTRIAN", 10.0, 5.0, 0.0, 1.0, window=(5, 40)),
        "touch": agent("VEHICLE", 1.461 + 2.588 + 2.25, 0.0, 0.0, 0.0),  # touches the ego's front bumper
    }
    agents["late"]["states"][5][2:5] = [1.0, 0.0, 0.0]  # heading 1, speed 0 at first sighting
    scene = make_scene(agents)
    kept = build_observation(scene, version="v2", remove_initial_overlap=False)
    assert kept.removed_tokens.size == 0 and kept.num_tracks == 3
    replay = build_observation(scene, version="v2", remove_initial_overlap=True)
    assert sorted(replay.removed_tokens.tolist()) == ["overlap", "touch"]
    assert replay.tokens.tolist() == ["late"]
    assert replay.first_heading[0] == 1.0 and replay.first_speed[0] == 0.0
    assert not replay.present[0, :5].any() and replay.present[0, 5:].all()
    np.testing.assert_allclose(replay.centroids[0, 6], [10.6, 5.0])
    assert np.isnan(replay.box_corners[0, :5]).all()


def test_invalid_inputs_are_rejected() -> None:
    scene = make_scene({})
    obs = build_observation(scene, version="v2", remove_initial_overlap=False)
    states, corners = batch(rollout(0.0, 0.0, 0.0, np.full(T, 1.0)))
    areas = np.zeros((1, T, 3), dtype=bool)
    with pytest.raises(ValueError, match="version"):
        build_observation(scene, version="v3", remove_initial_overlap=False)
    with pytest.raises(ValueError, match="num_frames"):
        build_observation(scene, version="v2", remove_initial_overlap=False, num_frames=42)
    bad = states.copy()
    bad[0, 3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        no_at_fault_collisions(bad, corners, areas, obs)
    with pytest.raises(ValueError, match="ego_areas"):
        no_at_fault_collisions(states, corners, areas.astype(float), obs)
    with pytest.raises(ValueError, match="corners"):
        traffic_light_compliance(corners[..., :4, :], obs)
    with pytest.raises(ValueError, match="version"):
        time_to_collision(states, corners, areas, np.zeros((1, T), bool), obs, version="v9")
