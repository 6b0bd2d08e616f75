"""One route's result in the leaderboard's record format: RC, IS, DS, status, infractions, meta."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sim.eval.bench2drive_metric import MotionSamples
from sim.eval.infractions import Infraction, InfractionEvent, LeaderboardRules


class RouteStatus(enum.Enum):
    """Route status strings as the leaderboard writes them."""

    PERFECT = "Perfect"  # 2.0: completed with no infraction of any kind
    COMPLETED = "Completed"
    FAILED = "Failed"
    TIMED_OUT = "Failed - Agent timed out"
    DEVIATED = "Failed - Agent deviated from the route"
    BLOCKED = "Failed - Agent got blocked"
    SETUP_FAILED = "Failed - Agent couldn't be set up"
    AGENT_CRASHED = "Failed - Agent crashed"
    SIMULATION_CRASHED = "Failed - Simulation crashed"
    INVALID_SENSORS = "Failed - Agent's sensors were invalid"
    TICK_RUNTIME = "Failed - TickRuntime"  # Bench2Drive's 4000-tick cap


COMPLETION_THRESHOLD = 99.0  # [%] route completion above which, near the end, the route is complete
COMPLETION_DISTANCE = 10.0  # [m] ... and the ego must be this close to the last route point


@dataclass(frozen=True)
class RouteRecord:
    """The result of one route (one repetition).

    Attributes:
        index: position in the run (route order x repetitions).
        route_id: ``RouteScenario_<id>`` (with ``_rep<k>`` for repetitions > 0).
        town: the route's town.
        status: how it ended.
        route_completion: RC [%] in [0, 100].
        infractions: every infraction event, in time order.
        route_length: [m] as the leaderboard reports it (1.0: through the keypoints; 2.0: the dense route).
        duration_game: [s] simulated time.
        duration_system: [s] wall-clock time.
        scenario_types: scenario types on the route (Bench2Drive's abilities read the first).
        error: the exception text when the agent or simulation failed.
        extra: more fields for the results file (Bench2Drive's save_name..., our meta keys).
        sensors: the sensor types the agent declared, None when it never declared any.
        motion: the ego's motion per step for Bench2Drive's metric_info.json (not part of the record JSON).

    The results file's ``meta.events`` lists every infraction with its simulated time [s] and location
    (:func:`event_json`).
    """

    index: int
    route_id: str
    town: str
    status: RouteStatus
    route_completion: float
    infractions: tuple[InfractionEvent, ...]
    route_length: float
    duration_game: float
    duration_system: float
    scenario_types: tuple[str, ...] = ()
    error: str = ""
    extra: dict = field(default_factory=dict)
    sensors: tuple[str, ...] | None = None
    motion: MotionSamples | None = None

    def infraction_penalty(self, rules: LeaderboardRules) -> float:
        """IS: 1.0 multiplied by every event's factor."""
        penalty = 1.0
        for event in self.infractions:
            penalty *= event.penalty(rules)
        return penalty

    def driving_score(self, rules: LeaderboardRules) -> float:
        """DS = max(RC * IS, 0), in [0, 100]."""
        return max(self.route_completion * self.infraction_penalty(rules), 0.0)

    def counts(self) -> dict[Infraction, int]:
        """Number of events per kind."""
        counts = dict.fromkeys(Infraction, 0)
        for event in self.infractions:
            counts[event.kind] += 1
        return counts


def event_json(event: InfractionEvent) -> dict:
    """One infraction with its time (the messages carry only the place), for reports and their links.

    ``location`` is CARLA's frame, as in the messages.
    """
    return {
        "type": event.kind.value,
        "time": round(float(event.time), 3),
        "location": [round(float(v), 3) for v in event.location],
    }


def final_status(
    completed: bool, infractions: tuple[InfractionEvent, ...], rules: LeaderboardRules, failure: RouteStatus | None
) -> RouteStatus:
    """The status of a route that ran to its end (``failure``: the agent/simulator broke)."""
    if failure is not None:
        return failure
    kinds = {event.kind for event in infractions}
    for kind, status in (
        (Infraction.ROUTE_DEVIATION, RouteStatus.DEVIATED),
        (Infraction.AGENT_BLOCKED, RouteStatus.BLOCKED),
        (Infraction.ROUTE_TIMEOUT, RouteStatus.TIMED_OUT),
    ):
        if kind in kinds and not completed:
            return status
    if not completed:
        return RouteStatus.FAILED
    # 2.0 and Bench2Drive: perfect only without a single infraction text, even one without a penalty
    # (Bench2Drive reports every minimum-speed checkpoint, so its completed routes are rarely perfect).
    if rules is not LeaderboardRules.LB1 and not infractions:
        return RouteStatus.PERFECT
    return RouteStatus.COMPLETED
