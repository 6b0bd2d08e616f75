"""The agent file given to the CARLA leaderboard evaluator: ``--agent agents/leaderboard_agent.py``.

The evaluator imports this file by its stem and builds the class ``get_entry_point()`` names. The
agent itself is :class:`agents.adapters.leaderboard_agent.PlannerAgent`; this file first makes our
``agents`` package and CARLA's (``agents.navigation``, imported by scenario_runner) one package.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def _share_agents_package() -> None:
    """Make ``agents`` hold our modules and CARLA's (``agents.navigation``) whoever was imported first.

    The leaderboard imports this file by its stem after scenario_runner has imported CARLA's own
    ``agents`` package, whose ``__init__`` does not extend its path; so our folder is appended to
    whichever ``agents`` is loaded, and every ``agents`` folder on ``sys.path`` now is added too.
    """
    ours = str(Path(__file__).resolve().parent)
    if str(Path(ours).parent) not in sys.path:
        sys.path.append(str(Path(ours).parent))  # the repository root, for ``sim``
    package = sys.modules.get("agents") or importlib.import_module("agents")
    paths = pkgutil.extend_path(list(package.__path__), "agents")
    for path in [*paths, ours]:
        if path not in package.__path__:
            package.__path__.append(path)


_share_agents_package()

from agents.adapters.leaderboard_agent import AgentConfig, PlannerAgent, get_entry_point  # noqa: E402

__all__ = ["AgentConfig", "PlannerAgent", "get_entry_point"]
