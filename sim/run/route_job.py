"""One route of a benchmark run, as the runner hands it to a worker (picklable)."""

from __future__ import annotations

from dataclasses import dataclass

from routes.route_types import LeaderboardVersion, RouteDescription, ScenarioSpec
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
        sensor_rules: whose sensor rules apply (a :class:`~sim.world.sensors.SensorTrack` value, e.g. ``"lmdrive"``
            for LMDrive's data-collection fork), or None for the route's leaderboard.
    """

    index: int
    route: RouteDescription
    rules: LeaderboardRules
    seed: int
    repetition: int = 0
    lb1_scenarios: tuple[ScenarioSpec, ...] = ()
    data_dir: str | None = None
    sensor_rules: str | None = None

    @property
    def route_id(self) -> str:
        """The record's route id: 2.0 always appends ``_rep<k>``; 1.0 names every repetition
        ``RouteScenario_<id>`` (here repetitions after the first keep a ``_rep<k>``, so ids stay unique)."""
        if self.route.version is LeaderboardVersion.LB1 and self.repetition == 0:
            return self.route.name
        return f"{self.route.name}_rep{self.repetition}"
