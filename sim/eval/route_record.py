"""One route's result in the leaderboard's record format: RC, IS, DS, status, infractions, meta."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sim.eval.infractions import Infraction, InfractionEvent, LeaderboardRules, infraction_keys


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
        route_length: [m] dense route length.
        duration_game: [s] simulated time.
        duration_system: [s] wall-clock time.
        scenario_types: scenario types on the route (Bench2Drive's abilities read them).
        error: the exception text when the agent or simulation failed.
        extra: further ``meta`` entries (e.g. Bench2Drive's comfortness).

    The JSON's ``meta.events`` lists every infraction with its simulated time [s] and location.
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

    def to_json(self, rules: LeaderboardRules) -> dict:
        """The record as the leaderboard's checkpoint JSON holds it."""
        infractions = {key: [] for key in infraction_keys(rules)}
        for event in self.infractions:
            infractions.setdefault(event.kind.value, []).append(event.message())
        return {
            "index": self.index,
            "route_id": self.route_id,
            "town": self.town,
            "status": self.status.value,
            "num_infractions": sum(len(v) for v in infractions.values()),
            "infractions": infractions,
            "scores": {
                "score_route": self.route_completion,
                "score_penalty": self.infraction_penalty(rules),
                "score_composed": self.driving_score(rules),
            },
            "meta": {
                "route_length": self.route_length,
                "duration_game": self.duration_game,
                "duration_system": self.duration_system,
                "scenario_types": list(self.scenario_types),
                "error": self.error,
                "events": [event_json(event) for event in self.infractions],
                **self.extra,
            },
        }


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
    # Minimum-speed checkpoints report every segment: only a slower-than-traffic one costs anything
    # (and none under Bench2Drive, which disables the penalty), so only those spoil a perfect route.
    costly = {e.kind for e in infractions if e.kind is not Infraction.MIN_SPEED or e.penalty(rules) < 1.0}
    if rules is not LeaderboardRules.LB1 and not costly:
        return RouteStatus.PERFECT
    return RouteStatus.COMPLETED
