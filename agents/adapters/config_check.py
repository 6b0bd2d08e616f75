"""Check the generic leaderboard agent's config before a run starts, as ``setup`` will read it.

A run of ``agents/leaderboard_agent.py`` (every registered planner) loads the agent config, the
planner's config with its overrides and the control preset here, in the runner's process, so a
typo, a wrongly typed value or an out-of-range number stops the run before the first route
instead of failing every route. The same checks run again in ``setup``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from agents.adapters.leaderboard_agent import AgentConfig, load_agent_config
from models.common.config import ConfigError

CHECKPOINT_FIELD = "checkpoint"  # config fields whose name contains this hold checkpoint paths


def check_agent_config(config: str) -> tuple[AgentConfig, list[str]]:
    """``(AgentConfig, checkpoint paths its planner config names)``; raises :class:`ConfigError`.

    Args:
        config: what ``setup`` gets: a YAML path, a registered planner name, or empty.
    """
    from agents.control.pid import control_preset
    from agents.registry import UnknownPlannerError, planner_config

    agent_config = load_agent_config(config)
    try:
        planner = planner_config(agent_config.planner, agent_config.planner_overrides)
    except UnknownPlannerError as error:
        raise ConfigError(f"{config or 'the default config'}: {error.args[0]}") from None
    except ConfigError as error:
        raise ConfigError(f"{config or agent_config.planner}: planner_overrides: {error}") from None
    try:
        control_preset(agent_config.control)
    except FileNotFoundError as error:
        raise ConfigError(f"{config}: control: {error}") from None
    from agents.adapters.leaderboard_base import leaderboard_base_class

    tracks = leaderboard_base_class()[1]
    if agent_config.track not in tracks.__members__:
        raise ConfigError(f"{config}: track {agent_config.track!r} is not one of {list(tracks.__members__)}")
    return agent_config, checkpoint_paths(planner)


def checkpoint_paths(config: object, prefix: str = "") -> list[str]:
    """Every file named by a ``*checkpoint*`` field of ``config`` (nested dataclasses too).

    Raises:
        ConfigError: such a field names a file that does not exist.
    """
    found = []
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if dataclasses.is_dataclass(value):
            found.extend(checkpoint_paths(value, f"{prefix}{field.name}."))
        elif CHECKPOINT_FIELD in field.name and isinstance(value, str | Path) and str(value):
            if not Path(value).is_file():
                raise ConfigError(f"{prefix}{field.name}: checkpoint file '{value}' not found")
            found.append(str(value))
    return found
