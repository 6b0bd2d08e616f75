"""The episodes of a collection, in a fixed order drawn from the settings alone (so ``--resume`` finds them again).

Slot ``k`` of the plan is a random route when ``floor((k + 1) f) > floor(k f)`` for the random
fraction ``f`` (and random routes are a source), else the next route of the route files, cycled
(each pass with new seeds). Random slot ``r`` is the ``r``-th random route of town
``towns[r % len(towns)]``; a town where no clean random route can be drawn is skipped from then
on. Episode ids are ``<slot>.<route id>``; the episode seed hashes the base seed and the slot.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator

from agents.collect.episode import EpisodeSpec
from agents.collect.evaluation_routes import EvaluationRoutes
from agents.collect.random_routes import random_route, random_route_id
from agents.collect.settings import RANDOM_SOURCE, TRAINING_ROUTE_FILES, CollectSettings
from agents.collect.training_routes import TrainingRoute, file_training_routes

logger = logging.getLogger(__name__)


def episode_seed(base: int, slot: int) -> int:
    """A stable 31-bit seed for slot ``slot`` of a collection seeded ``base``."""
    return int(hashlib.sha256(f"{base}:{slot}".encode()).hexdigest()[:8], 16) & 0x7FFFFFFF


def is_random_slot(slot: int, fraction: float) -> bool:
    return int((slot + 1) * fraction) > int(slot * fraction)


class EpisodePlan:
    """Iterate :meth:`episodes`; ``file_routes`` are the clean pieces of the selected route files."""

    def __init__(self, settings: CollectSettings, evaluation: EvaluationRoutes, data_dir: str | None = None) -> None:
        self.settings, self.evaluation, self.data_dir = settings, evaluation, data_dir
        self.file_routes: list[TrainingRoute] = []
        for source in settings.sources:
            if source in TRAINING_ROUTE_FILES:
                self.file_routes += file_training_routes(source, evaluation, settings.overlap, data_dir)
        self.random = RANDOM_SOURCE in settings.sources
        if not self.file_routes and not self.random:
            raise ValueError(f"sources {settings.sources}: no training route clear of the evaluation routes")
        self.skipped_towns: set[str] = set()

    def episodes(self, finished: frozenset[str] | set[str] = frozenset()) -> Iterator[EpisodeSpec]:
        """Every episode of the plan not in ``finished`` (ids), endlessly (the caller stops at its budget).

        Finished slots are passed over without drawing their random route.
        """
        settings, files, random_count = self.settings, 0, 0
        towns = settings.random_routes.towns
        slot = 0
        while True:
            use_random = self.random and (not self.file_routes or is_random_slot(slot, settings.random_fraction))
            if use_random:
                town = towns[random_count % len(towns)]
                done = f"{slot:05d}.{random_route_id(town, random_count)}" in finished
                route = None if done else self._random(town, random_count)
                random_count += 1
            else:
                route = self.file_routes[files % len(self.file_routes)]
                files += 1
                done = f"{slot:05d}.{route.route_id}" in finished
            if route is not None and not done:
                split = route.split(settings.val_percent)
                yield EpisodeSpec(f"{slot:05d}.{route.route_id}", route, episode_seed(settings.seed, slot), split)
            elif len(self.skipped_towns) == len(towns) and not self.file_routes:
                raise RuntimeError(f"no clean random route in any of the towns {towns}")
            slot += 1

    def _random(self, town: str, index: int) -> TrainingRoute | None:
        if town in self.skipped_towns:
            return None
        settings = self.settings
        route = random_route(town, index, settings.seed, self.evaluation, settings.overlap, settings.random_routes,
                             self.data_dir)  # fmt: skip
        if route is None:
            logger.warning("%s: no random route clear of the evaluation routes in %d walks; town skipped", town,
                           settings.random_routes.attempts)  # fmt: skip
            self.skipped_towns.add(town)
        return route
