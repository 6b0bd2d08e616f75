"""Planners by name: a factory and a default config (``agents/configs/planner_<name>.yaml``).

``make_planner("constant_velocity")`` builds a planner with its YAML applied over the config
dataclass defaults, then the caller's overrides; extra keyword arguments go to the factory (for
example ``score_proposals`` for ``pdm_closed``). Model planners register themselves with
:func:`register` from their own modules; importing them stays lazy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agents.base import Planner
from agents.config_loader import CONFIG_DIR, apply_overrides, load_config


class UnknownPlannerError(KeyError):
    """A planner name that is not registered; the message lists the known ones."""


@dataclass(frozen=True)
class PlannerEntry:
    """``factory(config, **kwargs) -> Planner``; ``default_config`` a frozen dataclass instance."""

    name: str
    factory: Callable[..., Planner]
    default_config: Any


_REGISTRY: dict[str, PlannerEntry] = {}


def register(name: str, factory: Callable[..., Planner], default_config: Any) -> None:
    """Add a planner; registering a name twice is an error (two planners must not shadow each other)."""
    if name in _REGISTRY and _REGISTRY[name].factory is not factory:
        raise ValueError(f"planner '{name}' is already registered")
    _REGISTRY[name] = PlannerEntry(name, factory, default_config)


def known_planners() -> list[str]:
    _register_builtins()
    return sorted(_REGISTRY)


def entry(name: str) -> PlannerEntry:
    _register_builtins()
    if name not in _REGISTRY:
        raise UnknownPlannerError(f"unknown planner '{name}'; known planners: {sorted(_REGISTRY)}")
    return _REGISTRY[name]


def planner_config(name: str, overrides: Mapping[str, Any] | None = None) -> Any:
    """The default config of ``name``, its YAML (when present) and ``overrides`` applied in that order."""
    spec = entry(name)
    config = spec.default_config
    if (CONFIG_DIR / f"planner_{name}.yaml").is_file():
        config = load_config(config, f"planner_{name}")
    return apply_overrides(config, overrides or {}, source=f"planner '{name}' overrides")


def make_planner(name: str, overrides: Mapping[str, Any] | None = None, **kwargs: Any) -> Planner:
    """Build the planner ``name`` (see module docstring)."""
    return entry(name).factory(planner_config(name, overrides), **kwargs)


def _register_builtins() -> None:
    if "constant_velocity" in _REGISTRY:
        return
    # Model planners import torch only when built, so registering them here stays cheap.
    from agents.constant_velocity import ConstantVelocityConfig, ConstantVelocityPlanner
    from agents.drivejepa import DriveJEPAPlanner, DriveJEPAPlannerConfig
    from agents.driveva import DriveVAPlanner, DriveVAPlannerConfig
    from agents.expert.planner import ExpertConfig, ExpertPlanner
    from agents.lmgendrive import LMGenDrivePlanner, LMGenDrivePlannerConfig
    from agents.pdm_closed import PDMClosedConfig, PDMClosedPlanner

    register("constant_velocity", ConstantVelocityPlanner, ConstantVelocityConfig())
    register("pdm_closed", PDMClosedPlanner, PDMClosedConfig())
    register("expert", ExpertPlanner, ExpertConfig())
    register("lmgendrive", LMGenDrivePlanner, LMGenDrivePlannerConfig())
    register("driveva", DriveVAPlanner, DriveVAPlannerConfig())
    register("drivejepa", DriveJEPAPlanner, DriveJEPAPlannerConfig())
