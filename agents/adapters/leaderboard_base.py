"""The leaderboard's ``AutonomousAgent`` and ``Track`` for the generic agent, and readers of global-plan points.

Inside an evaluator (or the embedded runner) the leaderboard's own base class is used: the installed
leaderboard's, or the runner's stand-in (:mod:`sim.run.carla_env.autonomous_agent`, the same class
outside the runner), which accepts both constructor orders: leaderboard 1.0 ``Agent(path_to_conf_file)``
and 2.0 ``Agent(carla_host, carla_port, debug=False)``.
"""

from __future__ import annotations

from typing import Any


def option_value(option: Any) -> int:
    """A RoadOption (CARLA's enum, ours, or an int) as its int value."""
    return int(getattr(option, "value", option))


def point_xyz(point: Any) -> tuple[float, float, float]:
    """World position of a global-plan point: a ``carla.Transform``, a ``carla.Location``, a dict or a tuple."""
    location = getattr(point, "location", point)
    if hasattr(location, "x"):
        return float(location.x), float(location.y), float(getattr(location, "z", 0.0))
    if isinstance(location, dict):
        return float(location["x"]), float(location["y"]), float(location.get("z", 0.0))
    x, y, *z = location
    return float(x), float(y), float(z[0]) if z else 0.0


def leaderboard_base_class() -> tuple[type, type]:
    """(AutonomousAgent, Track) from the leaderboard (installed, or offered by the runner), else the stand-in's."""
    try:
        from leaderboard.autoagents.autonomous_agent import AutonomousAgent
        from leaderboard.autoagents.autonomous_agent import Track as LeaderboardTrack
    except ImportError:
        from sim.run.carla_env.autonomous_agent import AutonomousAgent
        from sim.run.carla_env.autonomous_agent import Track as LeaderboardTrack
    return AutonomousAgent, LeaderboardTrack
