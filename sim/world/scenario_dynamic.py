"""Scenarios with moving actors: crossings, a braking leader, cut-ins, junction crossers, flows, an ambulance."""

from __future__ import annotations

import math

import numpy as np

from routes.route_types import ScenarioSpec
from sim.frames import carla_to_internal_xy
from sim.types import LightState
from sim.world.scenario_base import Scenario, ScenarioContext, parameter, side_sign
from sim.world.scenario_static import junction_span, next_light, route_lanes

CROSS_SPEED = {"walker": 2.0, "bicycle": 4.0}  # [m/s] adversary crossing speeds
CROSS_KERB = 2.5  # [m] beyond the lane edge where a crossing actor waits
LEADER_SPEED = 8.0  # [m/s] cruise of the leading vehicle
LEADER_BRAKE_AFTER = 30.0  # [m] driven before it brakes
LEADER_DECEL = 6.0  # [m/s^2] its hard braking
LEADER_WAIT = 5.0  # [s] standing before it drives on
CUT_IN_SPEED = 6.0  # [m/s]
CUT_IN_LENGTH = 12.0  # [m] travelled while moving into the ego's lane
CROSSER_SPEED = (5.0, 12.0)  # [m/s] range of a junction crosser (timed to meet the ego)
EMERGENCY_SPEED = 14.0  # [m/s]
EMERGENCY_GAP = 6.0  # [m] the ambulance keeps behind the ego when the ego does not let it pass
FLOW_SPEED = 10.0  # [m/s] default flow speed
FLOW_MAX = 12  # flow vehicles alive at once


class Crossing(Scenario):
    """A walker or bicycle waits beside the road and crosses when the ego is about to reach it."""

    def __init__(self, spec: ScenarioSpec, trigger_index: int, trigger_s: float, prop: str, after_junction: bool):
        super().__init__(spec, trigger_index, trigger_s)
        self.prop, self.after_junction = prop, after_junction
        self.side = side_sign(spec)
        self.moving = False

    def prepare(self, ctx: ScenarioContext) -> None:
        self.event_s = self.trigger_s + parameter(self.spec, "distance", 15.0)
        if self.after_junction:
            _, exit_ = junction_span(ctx, self.trigger_s)
            self.event_s = exit_ + 8.0 if np.isfinite(exit_) else self.event_s
        self.half = 0.5 * ctx.lane_width_at(self.event_s)
        self.lateral = self.side * (self.half + CROSS_KERB)
        x, y, heading = ctx.route_pose(self.event_s, self.lateral)
        self.actors.append(ctx.make_actor(self.prop, (x, y, heading - self.side * math.pi / 2)))

    def update(self, ctx: ScenarioContext) -> bool:
        speed = CROSS_SPEED[self.prop]
        to_event = self.event_s - ctx.ego_s
        if not self.moving and self.status is not None:
            time_to_lane = (abs(self.lateral) - self.half) / speed
            self.moving = to_event < max(ctx.ego_speed, 3.0) * time_to_lane + 6.0
        if self.moving and self.actors:
            self.lateral -= self.side * speed * ctx.dt
            x, y, heading = ctx.route_pose(self.event_s, self.lateral)
            actor = self.actors[0]
            actor.x, actor.y, actor.speed = x, y, speed
            if -self.side * self.lateral > 3.0 * self.half + CROSS_KERB:  # reached the far side
                self.actors.clear()
        return not self.actors or to_event < -20.0


class LeadingVehicle(Scenario):
    """A vehicle ahead on the route drives off when triggered, brakes hard, waits, drives on."""

    def prepare(self, ctx: ScenarioContext) -> None:
        self.p = self.trigger_s + parameter(self.spec, "distance", 25.0)
        self.start_p, self.speed, self.waited = self.p, 0.0, 0.0
        self.actors.append(ctx.make_actor("car", ctx.route_pose(self.p)))

    def update(self, ctx: ScenarioContext) -> bool:
        braking = self.p - self.start_p > LEADER_BRAKE_AFTER and self.waited < LEADER_WAIT
        if braking:
            self.speed = max(self.speed - LEADER_DECEL * ctx.dt, 0.0)
            self.waited += ctx.dt if self.speed == 0.0 else 0.0
        else:
            self.speed = min(self.speed + 2.0 * ctx.dt, LEADER_SPEED)
        self.p += self.speed * ctx.dt
        actor = self.actors[0]
        actor.x, actor.y, actor.heading = ctx.route_pose(self.p)
        actor.speed = self.speed
        return self.p >= ctx.route.length - 1.0 or ctx.ego_s > self.p + 10.0


class CutIn(Scenario):
    """A vehicle beside the ego's lane (parked or in the next lane) moves into it ahead of the ego."""

    def __init__(self, spec: ScenarioSpec, trigger_index: int, trigger_s: float, parked: bool):
        super().__init__(spec, trigger_index, trigger_s)
        self.parked = parked

    def prepare(self, ctx: ScenarioContext) -> None:
        self.p = self.trigger_s + parameter(self.spec, "distance", 25.0)
        width = ctx.lane_width_at(self.p)
        self.offset0 = side_sign(self.spec) * (0.5 * width + 1.2 if self.parked else width)
        self.travelled, self.speed, self.moving = 0.0, 0.0, False
        self.actors.append(ctx.make_actor("car", ctx.route_pose(self.p, self.offset0)))

    def update(self, ctx: ScenarioContext) -> bool:
        if not self.moving:
            self.moving = self.p - ctx.ego_s < max(2.0 * ctx.ego_speed, 12.0)
        if self.moving:
            self.speed = min(self.speed + 3.0 * ctx.dt, CUT_IN_SPEED)
            self.p += self.speed * ctx.dt
            self.travelled += self.speed * ctx.dt
        blend = min(self.travelled / CUT_IN_LENGTH, 1.0)
        lateral = self.offset0 * (1.0 - blend)
        actor = self.actors[0]
        actor.x, actor.y, heading = ctx.route_pose(self.p, lateral)
        actor.heading = heading - (0.3 * np.sign(self.offset0) if 0.0 < blend < 1.0 else 0.0)
        actor.speed = self.speed
        return self.p >= ctx.route.length - 1.0 or ctx.ego_s > self.p + 10.0


class JunctionCrosser(Scenario):
    """A vehicle crosses the ego's next junction on a conflicting lane, timed to meet the ego.

    With ``run_red`` the ego's light is forced green and the crosser ignores its red (LB1 7/8/9,
    OppositeVehicleRunningRedLight); otherwise it takes priority at an unsignalised junction.
    """

    def __init__(self, spec: ScenarioSpec, trigger_index: int, trigger_s: float, run_red: bool):
        super().__init__(spec, trigger_index, trigger_s)
        self.run_red, self.path, self.light = run_red, None, -1

    def prepare(self, ctx: ScenarioContext) -> None:
        lanes = route_lanes(ctx, self.trigger_s)
        inside = [(s, lane) for s, lane in lanes if ctx.network.lane_junction_ids[lane] >= 0]
        if not inside:
            return
        self.entry_s, ego_lane = inside[0]
        graph = ctx.traffic.graph
        options = graph.conflicts[graph.conflict_offsets[ego_lane] : graph.conflict_offsets[ego_lane + 1]]
        route_set = {lane for _, lane in lanes}
        crossing = [int(c) for c in options if not set(ctx.network.lane_successors(int(c)).tolist()) & route_set]
        options = crossing or [int(c) for c in options]  # a T-junction may offer only merging paths
        if not options:
            return
        lane = options[int(ctx.rng.integers(len(options)))]
        self.path = crosser_path(ctx.network, lane)
        self.p = max(self.path_entry - 30.0, 0.0)
        self.speed = 0.0
        self.actors.append(ctx.make_actor("car", path_pose(self.path, self.p)))

    @property
    def path_entry(self) -> float:
        return float(self.path[1])

    def start(self, ctx: ScenarioContext) -> None:
        if self.run_red:
            self.light = next_light(ctx, self.trigger_s)
            if self.light >= 0:
                ctx.lights.override(self.light, LightState.GREEN)

    def update(self, ctx: ScenarioContext) -> bool:
        if self.path is None:
            return True
        ego_time = max(self.entry_s - ctx.ego_s, 0.0) / max(ctx.ego_speed, 3.0)
        wanted = (self.path_entry - self.p) / max(ego_time, 0.5)
        self.speed = float(np.clip(wanted, *CROSSER_SPEED)) if self.p < self.path_entry else CROSSER_SPEED[1]
        self.p += self.speed * ctx.dt
        actor = self.actors[0]
        actor.x, actor.y, actor.heading = path_pose(self.path, self.p)
        actor.speed = self.speed
        return self.p >= self.path[2] or ctx.ego_s > self.entry_s + 40.0

    def finish(self, ctx: ScenarioContext) -> None:
        if self.light >= 0:
            ctx.lights.override(self.light, None)


def crosser_path(network, lane: int) -> tuple[np.ndarray, float, float]:
    """``(points (n, 3), s of the junction entry, total length)``: 40 m approach, the junction lane, 30 m after."""
    before = network.lane_predecessors(lane)
    after = network.lane_successors(lane)
    parts = [network.lane_points(int(before[0]))[-40:]] if before.size else []
    entry_index = sum(len(p) for p in parts)
    parts.append(network.lane_points(lane))
    if after.size:
        parts.append(network.lane_points(int(after[0]))[:30])
    points = np.concatenate(parts)
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points[:, :2], axis=0).T))])
    return np.column_stack([points, s]), float(s[min(entry_index, len(s) - 1)]), float(s[-1])


def path_pose(path, p: float) -> tuple[float, float, float]:
    points = path[0]
    k = int(np.clip(np.searchsorted(points[:, 3], p) - 1, 0, len(points) - 2))
    t = float(np.clip((p - points[k, 3]) / max(points[k + 1, 3] - points[k, 3], 1e-9), 0.0, 1.0))
    x, y = points[k, :2] + t * (points[k + 1, :2] - points[k, :2])
    return float(x), float(y), float(points[k, 2])


class EmergencyBehind(Scenario):
    """An ambulance comes up the route from behind; it passes if the ego leaves the lane, else waits behind."""

    def start(self, ctx: ScenarioContext) -> None:
        self.p = max(ctx.ego_s - parameter(self.spec, "distance", 40.0), 0.0)
        self.actors.append(ctx.make_actor("ambulance", ctx.route_pose(self.p), EMERGENCY_SPEED))

    def update(self, ctx: ScenarioContext) -> bool:
        x, y, heading = ctx.route_pose(ctx.ego_s)
        ego_off_lane = abs(-(ctx.ego_xy[0] - x) * math.sin(heading) + (ctx.ego_xy[1] - y) * math.cos(heading)) > 2.0
        limit = math.inf if ego_off_lane else ctx.ego_s - EMERGENCY_GAP - 0.5 * (4.89 + 6.4)
        self.p = min(self.p + EMERGENCY_SPEED * ctx.dt, max(limit, self.p))
        actor = self.actors[0]
        actor.x, actor.y, actor.heading = ctx.route_pose(self.p)
        actor.speed = EMERGENCY_SPEED if self.p < limit else ctx.ego_speed
        return self.p > ctx.ego_s + 30.0 or self.p >= ctx.route.length - 1.0

    def ambulance_behind_ego(self, ctx: ScenarioContext) -> bool:
        """The leaderboard's failure test for YieldToEmergencyVehicle."""
        return bool(self.actors) and self.p < ctx.ego_s


class ActorFlow(Scenario):
    """Background vehicles enter at ``start_actor_flow`` every ``source_dist_interval`` metres while active."""

    def __init__(self, spec: ScenarioSpec, trigger_index: int, trigger_s: float):
        super().__init__(spec, trigger_index, trigger_s)
        self.rows: list[int] = []
        start = spec.parameters.get("start_actor_flow")
        self.source = None
        if start is not None:
            xy = np.array([float(start.get("x", 0.0)), float(start.get("y", 0.0))])
            self.source = carla_to_internal_xy(xy)
        self.interval = (
            parameter(spec, "source_dist_interval", 15.0, "from"),
            parameter(spec, "source_dist_interval", 35.0, "to"),
        )
        self.speed = parameter(spec, "flow_speed", FLOW_SPEED)
        self.next_gap = 0.0

    def start(self, ctx: ScenarioContext) -> None:
        if self.source is None:  # no source given: traffic enters 60 m ahead on the route's oncoming side
            x, y, _ = ctx.route_pose(self.trigger_s + 60.0)
            self.source = np.array([x, y])
        self.lane, self.s0 = ctx.network.lane_at(self.source)

    def update(self, ctx: ScenarioContext) -> bool:
        traffic = ctx.traffic
        self.rows = [r for r in self.rows if traffic.active[r]]
        last = self.rows[-1] if self.rows else None
        clear = last is None or traffic.s[last] - self.s0 > self.next_gap or traffic.plan[last, 0] != self.lane
        if clear and len(self.rows) < FLOW_MAX and not traffic.active.all():
            self.rows.append(traffic.add(ctx.new_id(), self.lane, self.s0, self.speed, persistent=True))
            self.next_gap = float(ctx.rng.uniform(*self.interval))
        return ctx.ego_s > self.trigger_s + 120.0

    def finish(self, ctx: ScenarioContext) -> None:
        for row in self.rows:
            ctx.traffic.remove(row)
        self.rows = []
