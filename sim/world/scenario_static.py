"""Scenarios without moving actors: obstacles in or beside the lane, light overrides, control loss.

Layouts are modelling choices that keep the situation of the CARLA scenario (what blocks which
lane, how far from the trigger), not its exact props.
"""

from __future__ import annotations

import numpy as np

from routes.route_types import ScenarioSpec
from sim.types import LightState
from sim.world.scenario_base import Scenario, ScenarioContext, parameter

# (prop, metres after the obstacle's distance, lateral as a fraction of the lane width (+ left),
# heading offset [rad]). The obstacle's distance is the scenario's ``distance`` parameter.
LAYOUTS: dict[str, list[tuple[str, float, float, float]]] = {
    "parked": [("car", 0.0, -0.15, 0.0)],
    "accident": [("car", 0.0, -0.05, 0.0), ("car", 7.0, 0.05, 0.5), ("car", 12.0, -0.1, -0.3)],
    "construction": [
        ("sign", 0.0, 0.0, 0.0),
        ("cone", 2.0, -0.3, 0.0),
        ("cone", 2.0, 0.3, 0.0),
        ("cone", 6.0, -0.3, 0.0),
        ("cone", 6.0, 0.3, 0.0),
        ("cone", 10.0, 0.0, 0.0),
    ],
    "side_lane": [("bicycle", 0.0, -0.35, 0.0), ("bicycle", 6.0, -0.35, 0.0)],
    "door": [("car", 0.0, -0.75, 0.0), ("door", 0.6, -0.4, 0.0)],
    "blocked": [("car", 0.0, 0.0, 0.0)],
    "sequential": [("car", 0.0, -0.05, 0.0), ("cone", 0.0, 0.3, 0.0), ("car", 40.0, 0.95, 0.0)],
}
DEFAULT_DISTANCE = {"parked": 30.0, "accident": 40.0, "construction": 40.0, "side_lane": 30.0}
CONTROL_LOSS_DURATION = 4.0  # [s] of steering noise after the trigger
CONTROL_LOSS_MEAN = 0.08  # [-] mean steer offset (sign drawn from the seed)
CONTROL_LOSS_STD = 0.05  # [-] steer noise standard deviation
LIGHT_OVERRIDE_DURATION = 25.0  # [s] a forced light holds this long after the trigger
HORIZON = 120.0  # [m] after the trigger searched for the junction / light of a scenario


class StaticObstacle(Scenario):
    """Props placed on the route ``distance`` metres after the trigger; over once the ego passes them."""

    def __init__(self, spec: ScenarioSpec, trigger_index: int, trigger_s: float, layout: str):
        super().__init__(spec, trigger_index, trigger_s)
        self.layout = layout
        self.distance = parameter(spec, "distance", DEFAULT_DISTANCE.get(layout, 30.0))

    def anchor(self, ctx: ScenarioContext) -> float:
        """[m] route arc length of the first prop."""
        return self.trigger_s + self.distance

    def prepare(self, ctx: ScenarioContext) -> None:
        base = self.anchor(ctx)
        width = ctx.lane_width_at(base)
        for prop, ds, lateral, dh in LAYOUTS[self.layout]:
            x, y, heading = ctx.route_pose(base + ds, lateral * width)
            self.actors.append(ctx.make_actor(prop, (x, y, heading + dh)))

    def update(self, ctx: ScenarioContext) -> bool:
        last = self.anchor(ctx) + max(p[1] for p in LAYOUTS[self.layout])
        return ctx.ego_s > last + 15.0


class BlockedIntersection(StaticObstacle):
    """A vehicle standing on the route just after the junction the route enters next."""

    def __init__(self, spec: ScenarioSpec, trigger_index: int, trigger_s: float):
        super().__init__(spec, trigger_index, trigger_s, "blocked")

    def anchor(self, ctx: ScenarioContext) -> float:
        entry, exit_ = junction_span(ctx, self.trigger_s)
        return exit_ + 6.0 if np.isfinite(exit_) else self.trigger_s + 30.0


def route_lanes(ctx: ScenarioContext, s_from: float, horizon: float = HORIZON, step: float = 1.0) -> list:
    """``[(s [m], lane)]`` of route points from ``s_from`` over ``horizon`` metres."""
    out = []
    for s in np.arange(s_from, min(s_from + horizon, ctx.route.length), step):
        x, y, heading = ctx.route_pose(float(s))
        match = ctx.network.locate(np.array([x, y]), heading)
        if match.distance < 2.5:
            out.append((float(s), match.lane))
    return out


def junction_span(ctx: ScenarioContext, s_from: float) -> tuple[float, float]:
    """``(entry s, exit s)`` [m] of the first junction on the route after ``s_from`` (inf if none)."""
    entry, exit_ = np.inf, np.inf
    for s, lane in route_lanes(ctx, s_from):
        inside = ctx.network.lane_junction_ids[lane] >= 0
        if inside and not np.isfinite(entry):
            entry = s
        elif not inside and np.isfinite(entry):
            exit_ = s
            break
    return entry, exit_


def next_light(ctx: ScenarioContext, s_from: float) -> int:
    """Row of the first traffic light controlling a route lane after ``s_from``, -1 if none."""
    for _, lane in route_lanes(ctx, s_from):
        light = int(ctx.lights.lane_light[lane])
        if light >= 0:
            return light
    return -1


class LightOverride(Scenario):
    """Forces the ego's next light to a state (green for the junction scenarios, red for the red-light one)."""

    def __init__(self, spec: ScenarioSpec, trigger_index: int, trigger_s: float, state: LightState):
        super().__init__(spec, trigger_index, trigger_s)
        self.light_state, self.light = state, -1

    def start(self, ctx: ScenarioContext) -> None:
        self.light = next_light(ctx, self.trigger_s)
        if self.light >= 0:
            ctx.lights.override(self.light, self.light_state)

    def update(self, ctx: ScenarioContext) -> bool:
        return ctx.time - self.activated_at > LIGHT_OVERRIDE_DURATION or self.light < 0

    def finish(self, ctx: ScenarioContext) -> None:
        if self.light >= 0:
            ctx.lights.override(self.light, None)


class ControlLoss(Scenario):
    """Noise on the ego's steering for a few seconds after the trigger (LB1 Scenario1)."""

    def start(self, ctx: ScenarioContext) -> None:
        self.mean = CONTROL_LOSS_MEAN * float(ctx.rng.choice(np.array([-1.0, 1.0])))

    def steer_offset(self, ctx: ScenarioContext) -> float:
        return float(self.mean + CONTROL_LOSS_STD * ctx.rng.standard_normal())

    def update(self, ctx: ScenarioContext) -> bool:
        return ctx.time - self.activated_at > CONTROL_LOSS_DURATION


class NoActors(Scenario):
    """Scenarios whose test is the ordinary world (a turn at a junction): over 30 m after the trigger."""

    def update(self, ctx: ScenarioContext) -> bool:
        return ctx.ego_s > self.trigger_s + 30.0
