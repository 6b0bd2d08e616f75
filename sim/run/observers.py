"""What watches a route's closed loop besides the criteria: Bench2Drive's motion log, scenario outcomes, recorders.

Two kinds of watchers: :class:`TickObserver` s are part of judging (they read the world itself),
:class:`RouteRecorder` s only look (videos, recordings, the interactive debugger). Recorders are
built inside the process that drives the route, from picklable options, and see every tick as a
:class:`TickRecord`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from sim.eval.bench2drive_metric import MetricColumn, MotionSamples, metric_sample
from sim.eval.criteria import RouteCriteria
from sim.eval.infractions import InfractionEvent
from sim.maps.dense_route import DenseRoute
from sim.maps.road_network import RoadNetwork
from sim.run.agent_debug import AgentDebug, read_agent_debug
from sim.world.scenario_base import ScenarioStatus
from sim.world.snapshot import WorldSnapshot
from sim.world.world import World

if TYPE_CHECKING:
    from sim.eval.route_record import RouteRecord

YIELD_SCENARIO = "YieldToEmergencyVehicle"


class TickObserver(Protocol):
    """Told about every tick, after the world advanced and the criteria judged it."""

    def after_tick(self, world: World, snapshot: WorldSnapshot) -> None: ...


@dataclass(frozen=True)
class RouteScene:
    """What stays fixed during a route, handed to recorders when it starts.

    Attributes:
        route_id: the route's id in the results file.
        network: the town's road network.
        route: the ego's dense route (internal frame).
        seed: the world's seed.
        camera_ids: the agent's camera sensor ids.
    """

    route_id: str
    network: RoadNetwork
    route: DenseRoute
    seed: int
    camera_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class TickRecord:
    """One tick of the closed loop, as recorders see it.

    Attributes:
        sensed: the world the agent sensed and acted on.
        input_data: the agent's ``input_data`` (cameras are ``(H, W, 4)`` uint8 BGRA).
        control: the control the agent returned (``throttle``, ``steer``, ``brake`` attributes).
        judged: the world after the tick, as the criteria judged it.
        events: infraction events the criteria raised on this tick.
        agent: the agent object (its optional ``debug_payload()`` is read by :attr:`agent_debug`).
    """

    sensed: WorldSnapshot
    input_data: dict[str, Any]
    control: Any
    judged: WorldSnapshot
    events: tuple[InfractionEvent, ...]
    agent: Any

    @cached_property
    def agent_debug(self) -> AgentDebug | None:
        """The agent's debugging output of this tick (asked once, only when a recorder reads it)."""
        return read_agent_debug(self.agent)


class RouteRecorder(Protocol):
    """Looks at a route without changing it: :meth:`start`, :meth:`add` every tick, then :meth:`close`.

    ``close`` is called once per route with its record, also when the route failed before it started.
    """

    def start(self, scene: RouteScene) -> None: ...
    def add(self, tick: TickRecord) -> None: ...
    def close(self, record: RouteRecord) -> None: ...


class ScenarioReporter:
    """Reports scenario outcomes from the world to the criteria, once per scenario (2.0 rules).

    A scenario that stays active past its timeout is a scenario timeout; a YieldToEmergencyVehicle
    scenario that ends with its vehicle still behind the ego is a failure to yield.
    """

    def __init__(self, criteria: RouteCriteria) -> None:
        self.criteria = criteria
        self.reported: set[str] = set()

    def after_tick(self, world: World, snapshot: WorldSnapshot | None = None) -> None:
        for state in world.scenario_states():
            if state.name in self.reported:
                continue
            location = world.context.ego_xy  # the ego's box centre [m], internal frame
            if state.status is ScenarioStatus.TIMED_OUT:
                self.criteria.scenario_timeout(state.name, world.time, location)
                self.reported.add(state.name)
            elif state.status is ScenarioStatus.DONE and state.type == YIELD_SCENARIO:
                if world.emergency_vehicle_behind(state.name):
                    self.criteria.failed_to_yield(world.time, location)
                self.reported.add(state.name)


class MotionLog:
    """The ego's motion at every tick, as a Bench2Drive agent's ``get_metric_info()`` records it each step."""

    def __init__(self) -> None:
        self.frames: list[int] = []
        self.rows: list[np.ndarray] = []

    def after_tick(self, world: World, snapshot: WorldSnapshot) -> None:
        self.frames.append(int(snapshot.frame))
        self.rows.append(metric_sample(snapshot.ego))

    def samples(self) -> MotionSamples:
        """Every sample so far (none when nothing was driven)."""
        values = np.asarray(self.rows, dtype=np.float64).reshape(-1, len(MetricColumn))
        return MotionSamples(frames=np.asarray(self.frames, dtype=np.int64), values=values)
