"""One route of a benchmark run, as the runner hands it to a worker (picklable)."""

from __future__ import annotations

from dataclasses import dataclass

from routes.route_types import RouteDescription, ScenarioSpec
from sim.eval.infractions import LeaderboardRules


@dataclass(frozen=True)
class RouteJob:
    """One route of a benchmark run (picklable, for worker processes).

    Attributes:
        index: position in the run (routes x repetitions).
        route: the route description.
        rules: scoring rules.
        seed: the world's seed.
        repetition: repetition number (0 first).
        lb1_scenarios: LB1 scenario triggers of the route's town (empty for LB2 routes).
        data_dir: the data directory.
    """

    index: int
    route: RouteDescription
    rules: LeaderboardRules
    seed: int
    repetition: int = 0
    lb1_scenarios: tuple[ScenarioSpec, ...] = ()
    data_dir: str | None = None

    @property
    def route_id(self) -> str:
        suffix = f"_rep{self.repetition}" if self.repetition else ""
        return f"{self.route.name}{suffix}"
