"""Load and build a leaderboard agent the way the official evaluators do, in the lifecycle its class asks for.

The evaluator gets a path to an agent ``.py``; it imports the module by file, calls its
``get_entry_point()`` for the class name, and builds it with the config string. The constructor's
signature says which evaluator the class was written for (:class:`Lifecycle`):

- leaderboard 1.0: ``Agent(path_to_conf_file)`` (the base ``__init__`` calls ``setup``), then
  ``set_global_plan``;
- leaderboard 2.0 / Bench2Drive: ``Agent(host, port, debug)``, ``set_global_plan``, then
  ``setup(config)`` (Bench2Drive appends ``+<save_name>`` to the config string);
- carla_garage's local evaluators: ``Agent(path_to_conf_file, route_index)``, then ``set_global_plan``;
  the 1.0 one's base constructor calls ``setup`` itself, PDM-Lite's 2.0 one calls
  ``setup(config, route_index, traffic_manager)`` after the plan (when ``setup`` takes those three).

A constructor that accepts both 1.0 and 2.0 arguments (``*args``) follows the benchmark's leaderboard.
``sim`` never imports ``agents``: registered planners reach the runner as the path of the generic
agent file plus the planner name as its config, exactly like a leaderboard submission.
"""

from __future__ import annotations

import enum
import importlib.util
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from routes.route_types import LeaderboardVersion

LB2_HOST, LB2_PORT = "localhost", 2000  # what the official 2.0 evaluator passes; unused by embedded agents
GENERIC_AGENT_FILE = Path(__file__).resolve().parents[2] / "agents" / "leaderboard_agent.py"
"""This repository's generic leaderboard agent file: a registered planner runs as this file with the
planner's name as the config string, exactly as it would be submitted to the evaluator."""


class AgentSetupError(RuntimeError):
    """The agent file could not be loaded or the agent could not be built."""


class LeaderboardAgent(Protocol):
    """The AutonomousAgent contract the runner drives (specs/carla_leaderboard.md section 1)."""

    def setup(self, path_to_conf_file: str) -> None: ...
    def sensors(self) -> list[dict]: ...
    def set_global_plan(self, global_plan_gps: list, global_plan_world_coord: list) -> None: ...
    def run_step(self, input_data: dict, timestamp: float) -> Any: ...
    def destroy(self) -> None: ...


@dataclass(frozen=True)
class AgentSpec:
    """Which agent to run: an agent ``.py`` with ``get_entry_point()`` and its config string."""

    path: str
    config: str = ""

    @property
    def name(self) -> str:
        return self.config or Path(self.path).stem


def agent_spec_for(agent: str, config: str = "") -> AgentSpec:
    """An agent ``.py`` file as given, or a registered planner name through :data:`GENERIC_AGENT_FILE`.

    Names are checked when the agent is set up (the planner registry lives above ``sim``).
    """
    if agent.endswith(".py"):
        return AgentSpec(path=str(Path(agent).resolve()), config=config)
    return AgentSpec(path=str(GENERIC_AGENT_FILE), config=config or agent)


def load_agent_class(path: str) -> type:
    """Import ``path`` by file name and return the class ``get_entry_point()`` names."""
    file = Path(path).resolve()
    if not file.is_file() or file.suffix != ".py":
        raise AgentSetupError(f"agent file '{path}' does not exist or is not a .py file")
    module_name = file.stem
    if str(file.parent) not in sys.path:
        sys.path.insert(0, str(file.parent))  # the evaluator puts the agent's folder on the path
    spec = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise AgentSetupError(f"agent file '{path}' failed to import: {error!r}") from error
    entry = getattr(module, "get_entry_point", None)
    if entry is None:
        raise AgentSetupError(f"agent file '{path}' has no get_entry_point() function")
    class_name = entry()
    agent_class = getattr(module, class_name, None)
    if agent_class is None:
        raise AgentSetupError(f"agent file '{path}': get_entry_point() names '{class_name}', which it does not define")
    return agent_class


class Lifecycle(enum.Enum):
    """Which evaluator's construction order an agent class follows (see the module docstring)."""

    LB1 = "leaderboard 1.0"
    LB2 = "leaderboard 2.0"
    GARAGE_LOCAL = "carla_garage local"


GARAGE_ROUTE_PARAMETER = "route_index"  # carla_garage's local base class: __init__(path_to_conf_file, route_index=None)


def _accepts(signature: inspect.Signature, *args: Any) -> bool:
    try:
        signature.bind(*args)
    except TypeError:
        return False
    return True


def agent_lifecycle(agent_class: type, version: LeaderboardVersion) -> Lifecycle:
    """The lifecycle ``agent_class``'s constructor asks for; the benchmark's ``version`` when it accepts both.

    Raises:
        AgentSetupError: naming the class and its signature when it takes neither set of arguments.
    """
    try:
        signature = inspect.signature(agent_class)
    except (TypeError, ValueError):  # no introspectable signature: trust the benchmark
        return Lifecycle.LB1 if version is LeaderboardVersion.LB1 else Lifecycle.LB2
    if GARAGE_ROUTE_PARAMETER in signature.parameters and _accepts(signature, "config", None):
        return Lifecycle.GARAGE_LOCAL
    lb1, lb2 = _accepts(signature, "config"), _accepts(signature, LB2_HOST, LB2_PORT, False)
    if lb1 and lb2:
        return Lifecycle.LB1 if version is LeaderboardVersion.LB1 else Lifecycle.LB2
    if lb1 or lb2:
        return Lifecycle.LB1 if lb1 else Lifecycle.LB2
    raise AgentSetupError(
        f"agent class {agent_class.__qualname__}{signature} takes neither leaderboard 1.0's (path_to_conf_file) "
        "nor leaderboard 2.0's (carla_host, carla_port, debug) constructor arguments"
    )


def build_agent(
    spec: AgentSpec,
    version: LeaderboardVersion,
    global_plan: tuple[list, list],
    save_name: str = "",
    route_index: str = "",
    traffic_manager: Any = None,
) -> LeaderboardAgent:
    """Construct the agent in the lifecycle its class asks for and hand it the global plan.

    Args:
        save_name: Bench2Drive's ``+<save_name>`` suffix of the 2.0 config string ("" for none).
        route_index, traffic_manager: what carla_garage's local evaluator passes its agents.
    """
    agent_class = load_agent_class(spec.path)
    lifecycle = agent_lifecycle(agent_class, version)
    gps_route, world_route = global_plan
    if lifecycle is Lifecycle.LB1:
        agent = agent_class(spec.config)
        agent.set_global_plan(gps_route, world_route)
    elif lifecycle is Lifecycle.LB2:
        agent = agent_class(LB2_HOST, LB2_PORT, False)
        agent.set_global_plan(gps_route, world_route)
        agent.setup(f"{spec.config}+{save_name}" if save_name else spec.config)
    else:
        agent = agent_class(spec.config, route_index)
        agent.set_global_plan(gps_route, world_route)
        if _accepts(inspect.signature(agent.setup), spec.config, route_index, traffic_manager):  # PDM-Lite's
            agent.setup(spec.config, route_index, traffic_manager)
    return agent
