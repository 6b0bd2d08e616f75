"""Traffic lights: one green per junction at a time, CARLA-like timing, overrides."""

from __future__ import annotations

import numpy as np

from sim.types import LightState
from sim.world.config import LightTimingConfig
from sim.world.lights import TrafficLights, light_junctions


def test_one_green_per_junction_and_every_light_gets_green(town01):
    config = LightTimingConfig()
    lights = TrafficLights(
        town01.traffic_lights, town01.lane_junction_ids, town01.num_lanes, config, np.random.default_rng(0)
    )
    junctions = light_junctions(town01.traffic_lights, town01.lane_junction_ids)
    seen_green = np.zeros(town01.traffic_lights.count, dtype=bool)
    for t in np.arange(0.0, 120.0, 0.5):
        states = lights.update(float(t))
        for junction in np.unique(junctions):
            members = states[junctions == junction]
            assert np.sum(members == LightState.GREEN) + np.sum(members == LightState.YELLOW) <= 1
        seen_green |= states == LightState.GREEN
    assert seen_green.all()


def test_green_then_yellow_then_red_durations(town01):
    config = LightTimingConfig(random_phase=False)
    lights = TrafficLights(
        town01.traffic_lights, town01.lane_junction_ids, town01.num_lanes, config, np.random.default_rng(0)
    )
    first = [int(lights.states_at(t)[0]) for t in np.arange(0.0, 15.0, 0.05)]
    assert first.count(LightState.GREEN) == 200 and first.count(LightState.YELLOW) == 60
    assert first[-1] == LightState.RED
    lights.override(0, LightState.GREEN)
    assert lights.update(12.0)[0] == LightState.GREEN
    lights.override(0, None)
    assert lights.update(12.0)[0] == LightState.YELLOW
    lane = int(town01.traffic_lights.controlled_lanes(0)[0])
    assert lights.lane_states()[lane] == LightState.YELLOW
