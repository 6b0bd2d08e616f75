"""Offers the leaderboard's and scenario_runner's modules to agent files, only where no real ones are installed.

Agent files import ``leaderboard.autoagents.autonomous_agent``, ``srunner.scenariomanager.carla_data_provider``
and CARLA's ``agents.navigation.local_planner``. While the runner loads and runs an agent, a
:class:`StandInFinder` sits at the *end* of ``sys.meta_path``: the regular path finders come first, so an
installed leaderboard, scenario_runner or CARLA PythonAPI always wins, and this finder answers only
names nothing else found (and only below packages it created itself, or below this repository's
``agents`` package for ``agents.navigation``). :meth:`StandInFinder.forget` removes what it served.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types

STAND_IN = "__stand_in_for__"  # attribute marking a module this finder created
_OWN_PARENT = "agents"  # this repository's package, under which CARLA's agents.navigation is looked up
STAND_INS: dict[str, str | None] = {  # foreign module -> implementation here (None: an empty package)
    "srunner": None,
    "srunner.scenariomanager": None,
    "srunner.scenariomanager.carla_data_provider": "sim.run.carla_env.data_provider",
    "srunner.scenariomanager.timer": "sim.run.carla_env.game_time",
    "leaderboard": None,
    "leaderboard.autoagents": None,
    "leaderboard.autoagents.autonomous_agent": "sim.run.carla_env.autonomous_agent",
    "leaderboard.envs": None,
    "leaderboard.envs.sensor_interface": "sim.run.carla_env.sensor_interface",
    "leaderboard.utils": None,
    "leaderboard.utils.route_manipulation": "sim.run.carla_env.route_manipulation",
    "agents.navigation": None,
    "agents.navigation.local_planner": "sim.run.carla_env.road_option",
}


def is_stand_in(module: object) -> bool:
    """``module`` was created by a :class:`StandInFinder` (read from its ``__dict__``: lazy modules such as
    ``transformers`` import on attribute access)."""
    return isinstance(module, types.ModuleType) and STAND_IN in vars(module)


class _Loader(importlib.abc.Loader):
    def __init__(self, implementation: str | None) -> None:
        self.implementation = implementation

    def create_module(self, spec) -> types.ModuleType:
        module = types.ModuleType(spec.name)
        if self.implementation is not None:  # the implementation's names; its functions keep their own globals
            source = importlib.import_module(self.implementation)
            module.__dict__.update({k: v for k, v in vars(source).items() if not k.startswith("__")})
            module.__doc__ = source.__doc__
        setattr(module, STAND_IN, self.implementation or "package")
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Everything was set up in :meth:`create_module`."""


class StandInFinder(importlib.abc.MetaPathFinder):
    """The finder of the module docstring; append it to ``sys.meta_path`` (never insert it first)."""

    def find_spec(self, fullname: str, path=None, target=None):
        if fullname not in STAND_INS:
            return None
        parent = fullname.rpartition(".")[0]
        if parent and parent != _OWN_PARENT and not is_stand_in(sys.modules.get(parent)):
            return None  # below a real package: what it lacks is not ours to add
        implementation = STAND_INS[fullname]
        return importlib.util.spec_from_loader(fullname, _Loader(implementation), is_package=implementation is None)

    def forget(self) -> None:
        """Drop every module this finder served (and its attribute on a real parent package)."""
        for name in [n for n, module in sys.modules.items() if is_stand_in(module)]:
            del sys.modules[name]
            parent, _, child = name.rpartition(".")
            owner = sys.modules.get(parent)
            if isinstance(owner, types.ModuleType) and is_stand_in(vars(owner).get(child)):
                delattr(owner, child)


def carla_road_option() -> type:
    """The ``RoadOption`` enum agents compare route options against: CARLA's PythonAPI one when installed.

    ``agents`` here is CARLA's PythonAPI package name (``agents.navigation.local_planner``), which this
    repository's ``agents`` package extends its path to; with a :class:`StandInFinder` active a missing
    one is served by :mod:`sim.run.carla_env.road_option`.
    """
    try:
        return importlib.import_module("agents.navigation.local_planner").RoadOption
    except ImportError:
        from sim.run.carla_env.road_option import RoadOption

        return RoadOption
