"""The CARLA environment an agent file lives in while the runner drives a route: modules, provider, clock.

:func:`leaderboard_environment` (a context manager around the agent's whole life, from import to
``destroy``) appends a :class:`StandInFinder` to ``sys.meta_path``, makes the stand-in base class behave
as the route's leaderboard, and installs the route's :class:`~sim.world.facade.FacadeWorld` into
``CarlaDataProvider``: scenario_runner's own when it is installed (its class attributes are set the way
the leaderboard sets them, and restored afterwards), else the stand-in. ``environment.tick()`` after each
world tick refreshes the provider's per-tick caches and ``GameTime``.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import sys
from collections.abc import Iterator

import carla

from sim.eval.infractions import LeaderboardRules
from sim.run.carla_env import autonomous_agent
from sim.run.carla_env.finder import StandInFinder, is_stand_in
from sim.run.carla_env.game_time import GameTime
from sim.world.facade import FacadeWorld
from sim.world.facade.client import FacadeClient

logger = logging.getLogger(__name__)

PROVIDER_MODULE = "srunner.scenariomanager.carla_data_provider"
TIMER_MODULE = "srunner.scenariomanager.timer"
_SAVED = ("_world", "_map", "_client", "_sync_flag", "_carla_actor_pool", "_traffic_light_map",
          "_actor_velocity_map", "_actor_location_map", "_actor_transform_map", "_all_actors")  # fmt: skip
_POOLED = ("vehicle.", "walker.", "static.")


class _LazyRoutePlanner:
    """scenario_runner's ``_grp``, built on first use (CARLA's GlobalRoutePlanner takes seconds per town)."""

    def __init__(self, provider) -> None:
        self._provider, self._planner = provider, None

    def __getattr__(self, name: str):
        if self._planner is None:
            from sim.run.carla_env.data_provider import CarlaDataProvider as StandIn

            StandIn._map = self._provider.get_map()
            self._planner = StandIn.get_global_route_planner()
        return getattr(self._planner, name)


class CarlaEnvironment:
    """The installed provider and clocks of one route (see the module docstring)."""

    def __init__(self, facade: FacadeWorld) -> None:
        self.facade = facade
        self.client = FacadeClient(facade)
        self.provider = self._import_provider()
        self.real = self.provider is not None and not is_stand_in(sys.modules.get(PROVIDER_MODULE))
        self._saved: dict[str, object] = {}
        if self.provider is not None:
            (self._install_real if self.real else self._install_stand_in)()
        GameTime.restart()
        self.tick()

    @staticmethod
    def _import_provider():
        try:
            return importlib.import_module(PROVIDER_MODULE).CarlaDataProvider
        except Exception as error:  # an installed scenario_runner that cannot import: the agent will see it too
            logger.warning("%s could not be imported (%r): agents cannot read the world through it", PROVIDER_MODULE,
                           error)  # fmt: skip
            return None

    def _install_stand_in(self) -> None:
        self.provider.set_world(self.facade)
        self.provider.set_client(self.client)

    def _install_real(self) -> None:
        provider = self.provider
        self._saved = {name: getattr(provider, name) for name in _SAVED if hasattr(provider, name)}
        provider._world, provider._map, provider._client, provider._sync_flag = self.facade, None, self.client, True
        provider._carla_actor_pool = {}
        provider._actor_velocity_map, provider._actor_location_map, provider._actor_transform_map = {}, {}, {}
        provider._traffic_light_map = {light: light.get_transform() for light in self.facade.get_actors().filter(
            "*traffic_light*")}  # fmt: skip
        if hasattr(provider, "_grp"):
            self._saved["_grp"] = provider._grp
            provider._grp = _LazyRoutePlanner(provider)

    def tick(self) -> None:
        """The facade serves a new tick: refresh the clocks and scenario_runner's per-tick caches."""
        snapshot = self.facade.snapshot
        step = float(self.facade.get_settings().fixed_delta_seconds)
        timestamp = carla.Timestamp(int(snapshot.frame), float(snapshot.time), step, float(snapshot.time))
        GameTime.on_carla_tick(timestamp)
        timer = sys.modules.get(TIMER_MODULE)
        if timer is not None and not is_stand_in(timer):
            timer.GameTime.on_carla_tick(timestamp)
        if self.real:
            self._sync_real_pool()

    def _sync_real_pool(self) -> None:
        """Register the tick's actors as the leaderboard does, then let scenario_runner refresh its caches."""
        provider = self.provider
        actors = [a for a in self.facade.get_actors() if a.type_id.startswith(_POOLED)]
        provider._carla_actor_pool = {a.id: a for a in actors}
        for cache in (provider._actor_velocity_map, provider._actor_location_map, provider._actor_transform_map):
            for actor in actors:
                cache.setdefault(actor, None)
        provider.on_carla_tick()

    def close(self) -> None:
        if self.provider is None:
            return
        if self.real:
            for name, value in self._saved.items():
                setattr(self.provider, name, value)
        else:
            self.provider.cleanup()


@contextlib.contextmanager
def leaderboard_environment(facade: FacadeWorld, rules: LeaderboardRules) -> Iterator[CarlaEnvironment]:
    """Offer the stand-in modules and install ``facade`` for the agent's lifetime (see the module docstring)."""
    finder = StandInFinder()
    sys.meta_path.append(finder)
    environment = None
    try:
        autonomous_agent.use_profile(rules)
        environment = CarlaEnvironment(facade)
        yield environment
    finally:
        if environment is not None:
            environment.close()
        autonomous_agent.use_profile(LeaderboardRules.LB1)
        sys.meta_path.remove(finder)
        finder.forget()
