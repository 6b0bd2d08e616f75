"""The embedded world through the CARLA API: actors, lights, map, snapshots, and that agents cannot change it."""

from __future__ import annotations

import dataclasses

import carla
import numpy as np
import pytest

from routes.route_types import LeaderboardVersion
from sim.frames import carla_to_internal_xy, carla_yaw_to_internal
from sim.geometry import wrap_angle
from sim.types import ActorIndex, LightState
from sim.world.facade import HERO_ID, FacadeReadOnlyError, FacadeWorld
from sim.world.world import World


@pytest.fixture(scope="module")
def facade(town01, town01_route, drive):
    world = World(town01, town01_route, seed=4)
    drive(world, 30)
    return FacadeWorld(world, LeaderboardVersion.LB2), world


def test_every_actor_reads_as_its_snapshot_row_in_carla_frame(facade):
    facade, world = facade
    snapshot = facade.snapshot
    vehicles = facade.get_actors().filter("vehicle.*")
    assert len(vehicles) >= 2 and facade.get_actors().filter("*traffic_light*")
    for actor in vehicles:
        if actor.id == HERO_ID:
            continue
        row = snapshot.actors[int(np.flatnonzero(snapshot.actor_ids == actor.id)[0])]
        transform = actor.get_transform()
        xy = carla_to_internal_xy(np.array([transform.location.x, transform.location.y]))
        assert np.allclose(xy, row[:2], atol=1e-3)
        assert abs(wrap_angle(carla_yaw_to_internal(transform.rotation.yaw) - row[ActorIndex.HEADING])) < 1e-5
        velocity = actor.get_velocity()
        assert np.hypot(velocity.x, velocity.y) == pytest.approx(abs(row[ActorIndex.SPEED]), abs=1e-4)
        extent = actor.bounding_box.extent
        assert 2 * extent.x == pytest.approx(row[ActorIndex.LENGTH], abs=1e-5)
        assert actor.attributes["role_name"] == "background" and actor.is_alive


def test_the_hero_is_the_ego(facade):
    facade, world = facade
    hero = [a for a in facade.get_actors() if a.attributes.get("role_name") == "hero"]
    assert len(hero) == 1 and hero[0] is facade.hero and hero[0].type_id == "vehicle.lincoln.mkz_2020"
    ego = facade.snapshot.ego
    location = hero[0].get_location()
    assert np.allclose(carla_to_internal_xy(np.array([location.x, location.y])), ego.center, atol=1e-3)
    velocity = hero[0].get_velocity()
    heading = float(ego.pose[2])
    assert velocity.x == pytest.approx(ego.speed * np.cos(heading), abs=1e-4)
    assert velocity.y == pytest.approx(-ego.speed * np.sin(heading), abs=1e-4)  # CARLA's y points south
    assert hero[0].get_control().throttle == pytest.approx(world.control.throttle)
    assert facade.get_actor(HERO_ID) is hero[0] and facade.get_actors().find(HERO_ID) is hero[0]


def test_snapshot_settings_and_a_clock_only_the_runner_advances(facade):
    facade, world = facade
    snapshot = facade.get_snapshot()
    assert snapshot.frame == world.frame and snapshot.timestamp.elapsed_seconds == pytest.approx(world.time)
    assert snapshot.find(HERO_ID).get_transform().location.distance(facade.hero.get_location()) < 1e-6
    settings = facade.get_settings()
    assert settings.synchronous_mode and settings.fixed_delta_seconds == pytest.approx(0.05)
    assert (
        facade.tick() == world.frame and facade.wait_for_tick().frame == world.frame and world.frame == snapshot.frame
    )
    spectator = facade.get_spectator()
    spectator.set_transform(carla.Transform(carla.Location(x=1.0)))
    assert spectator.get_transform().location.x == pytest.approx(1.0)


def test_the_map_is_carla_s_and_lights_carry_their_trigger_and_stop_waypoints(facade):
    facade, world = facade
    carla_map = facade.get_map()
    assert isinstance(carla_map, carla.Map) and carla_map.name == "Carla/Maps/Town01"
    checked = 0
    for light in facade.get_actors().filter("traffic.traffic_light"):
        assert light.state == carla.TrafficLightState.values[int(facade.snapshot.light_states[light.row])]
        stops = light.get_stop_waypoints()
        if not stops:
            continue
        centre = light.get_transform().transform(light.trigger_volume.location)
        trigger_lane = carla_map.get_waypoint(carla.Location(centre.x, centre.y, centre.z))
        assert any((w.road_id, w.lane_id) == (trigger_lane.road_id, trigger_lane.lane_id) for w in stops)
        assert all(not w.is_junction and w.next(2.0)[0].is_junction for w in stops)
        durations = {carla.TrafficLightState.Green: light.get_green_time(),
                     carla.TrafficLightState.Yellow: light.get_yellow_time(),
                     carla.TrafficLightState.Red: light.get_red_time()}  # fmt: skip
        assert light in light.get_group_traffic_lights() and 0.0 <= light.get_elapsed_time() <= durations[light.state]
        assert light in facade.get_traffic_lights_from_waypoint(stops[0].previous(5.0)[0], 30.0)
        checked += 1
    assert checked >= 5


def test_agents_can_read_but_not_change_the_world(facade):
    facade, world = facade
    hero, light = facade.hero, facade.get_actors().filter("*traffic_light*")[0]
    with pytest.raises(FacadeReadOnlyError, match="cannot change"):
        hero.set_transform(carla.Transform())
    with pytest.raises(FacadeReadOnlyError, match="set_state"):
        light.set_state(carla.TrafficLightState.Green)
    assert hero.destroy() is False and facade.try_spawn_actor(None, carla.Transform()) is None
    facade.debug.draw_point(carla.Location())  # accepted, not drawn


def test_actors_that_leave_keep_their_last_state_and_motion_is_differentiated(town01, town01_route, drive):
    world = World(town01, town01_route, seed=5)
    facade = FacadeWorld(world, LeaderboardVersion.LB1)
    drive(world, 2)
    facade.update(world.snapshot())
    first = world.snapshot()
    actor = facade.get_actor(int(first.actor_ids[0]))
    speed_before = first.actors[0, ActorIndex.SPEED]
    drive(world, 1)
    second = world.snapshot()
    facade.update(second)
    row = int(np.flatnonzero(second.actor_ids == actor.id)[0])
    along = second.actors[row, ActorIndex.SPEED] - speed_before
    acceleration = actor.get_acceleration()
    assert np.hypot(acceleration.x, acceleration.y) == pytest.approx(abs(along) / 0.05, abs=1e-3)
    last = actor.get_location()
    keep = second.actor_ids != actor.id
    gone = dataclasses.replace(second, actor_ids=second.actor_ids[keep], actors=second.actors[keep])
    facade.update(gone)
    assert not actor.is_alive and actor.get_location().distance(last) < 1e-9
    assert facade.get_actor(actor.id) is None and LightState.RED == 0
