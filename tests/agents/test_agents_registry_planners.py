"""Registry, the constant-velocity baseline, PDM-Closed proposals, and every YAML under agents/configs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agents import base, config_loader, pdm_closed, registry
from agents.adapters.leaderboard_agent import AgentConfig
from agents.constant_velocity import ConstantVelocityPlanner
from agents.control.pid import WaypointControllerConfig
from agents.control.selection import SelectionConfig

CONFIG_FILES = sorted(config_loader.CONFIG_DIR.glob("*.yaml"))
DEFAULTS_BY_PREFIX = {
    "control_": WaypointControllerConfig(),
    "selection": SelectionConfig(),
    "leaderboard_agent": AgentConfig(),
    "agent_": AgentConfig(),  # a planner's own agent defaults (agent_<planner>.yaml)
}


def default_for(path: Path) -> object:
    if path.stem.startswith("planner_"):
        name = path.stem.removeprefix("planner_")
        if name not in registry.known_planners():
            pytest.skip(f"{path.name}: planner '{name}' is not registered (its module registers it)")
        return registry.entry(name).default_config
    matches = [v for k, v in DEFAULTS_BY_PREFIX.items() if path.stem.startswith(k)]
    if not matches:
        pytest.skip(f"{path.name}: no config dataclass known to this test")
    return matches[0]


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda p: p.name)
def test_every_yaml_loads_over_its_dataclass(path: Path) -> None:
    default = default_for(path)
    loaded = config_loader.apply_overrides(default, config_loader.load_yaml(path), str(path))
    assert type(loaded) is type(default)


def test_unknown_yaml_key_names_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("num_posez: 3\n")
    with pytest.raises(KeyError, match="num_posez"):
        config_loader.load_config(registry.entry("constant_velocity").default_config, str(bad))


def test_unknown_planner_lists_the_known_ones() -> None:
    with pytest.raises(registry.UnknownPlannerError, match="constant_velocity"):
        registry.make_planner("no_such_planner")


def test_constant_velocity_matches_navsim() -> None:
    planner = registry.make_planner("constant_velocity")
    assert isinstance(planner, ConstantVelocityPlanner) and isinstance(planner, base.Planner)
    plan = planner.plan(base.Observation(timestamp=0.0, speed=-4.0))
    assert plan.is_valid and plan.trajectory.shape == (8, 3)
    assert np.allclose(plan.trajectory[:, 0], 4.0 * 0.5 * np.arange(1, 9))
    assert np.all(plan.trajectory[:, 1:] == 0.0)
    assert plan.as_trajectory().sampling.time_horizon == pytest.approx(4.0)
    short = registry.make_planner("constant_velocity", {"num_poses": 4, "interval_length": 0.25})
    assert short.plan(base.Observation(timestamp=0.0, speed=2.0)).trajectory.shape == (4, 3)


def test_plan_validity_flags() -> None:
    sampling = registry.planner_config("constant_velocity").sampling
    assert not base.Plan(np.full((8, 3), np.nan), sampling).is_valid
    assert not base.Plan(np.zeros((0, 3)), sampling).is_valid


STRAIGHT = np.stack([np.linspace(-10.0, 200.0, 211), np.zeros(211)], axis=-1)


def test_pdm_proposals_grid_shape_and_offsets() -> None:
    proposals = pdm_closed.generate_proposals(STRAIGHT, speed=5.0)
    assert proposals.shape == (15, 40, 3)
    # offset-major: rows 0-4 at y = -1, 5-9 on the centerline, 10-14 at y = +1
    assert np.allclose(proposals[:5, :, 1], -1.0) and np.allclose(proposals[10:, :, 1], 1.0)
    assert np.allclose(proposals[5:10, :, 1], 0.0)
    # a higher speed fraction never travels less
    final = proposals[5:10, -1, 0]
    assert np.all(np.diff(final) > 0.0)


def test_pdm_idm_approaches_the_target_and_stops_for_a_lead() -> None:
    config = pdm_closed.PDMClosedConfig(num_poses=300)
    progress = pdm_closed.idm_progress(0.0, np.array([10.0]), np.inf, 0.0, config)[0]
    speed = np.diff(progress) / config.interval_length
    assert abs(speed[-1] - 10.0) < 0.3 and np.max(np.diff(speed)) <= config.accel_max * 0.1 + 1e-9
    stopped = pdm_closed.idm_progress(8.0, np.array([15.0]), 30.0, 0.0, config)[0]
    assert stopped[-1] < 30.0 - config.min_gap + 1e-6 and np.ptp(stopped[-20:]) < 1e-3


def test_pdm_planner_drives_the_best_scored_proposal() -> None:
    planner = registry.make_planner("pdm_closed", score_proposals=lambda p: -np.abs(p[:, -1, 1]) + p[:, -1, 0] / 1e3)
    obs = base.Observation(timestamp=0.0, speed=5.0, route=STRAIGHT)
    plan = planner.plan(obs)
    assert plan.chosen == 9 and plan.scores.shape == (15,)  # centerline, fastest
    assert np.array_equal(plan.trajectory, plan.proposals[9])
    with pytest.raises(ValueError, match="score_proposals"):
        registry.make_planner("pdm_closed").plan(obs)  # no scene, no world state, no injected scorer
