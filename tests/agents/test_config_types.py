"""Agent configs are type-checked against their dataclasses: a YAML value of the wrong type or range is an error."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.adapters.config_check import check_agent_config
from agents.adapters.leaderboard_agent import AgentConfig, load_agent_config
from agents.config_loader import UnknownConfigKeyError, apply_overrides
from agents.control.selection import ComfortMode
from agents.expert.config import ExpertConfig
from models.common.config import ConfigError


def load(tmp_path: Path, text: str) -> AgentConfig:
    path = tmp_path / "agent.yaml"
    path.write_text(text)
    return load_agent_config(str(path))


@pytest.mark.parametrize(
    "text,words",
    [
        ('instructions: "false"', "instructions: expected bool, got str 'false'"),
        ("use_selection: 1", "use_selection: expected bool, got int 1"),
        ("warmup_ticks: 20.0", "warmup_ticks: expected int, got float 20.0"),
        ("plan_every: true", "plan_every: expected int, got bool True"),
        ("plan_every: 0", "plan_every = 0 must be >= 1"),
        ("history_seconds: -1", "history_seconds = -1.0 must be >= 0"),
        ("planner: 7", "planner: expected str, got int 7"),
        ("selection: {thresholds: [1, 2]}", "selection.thresholds: expected 4 items"),
        ("selection: {thresholds: [1, 2, x, 4]}", "selection.thresholds[2]: expected float"),
        ("selection: {momentum: 1.5}", "selection.momentum = 1.5 must be in [0, 1]"),
        ("selection: {mode: fast}", "selection.mode: 'fast' is not one of ['binary', 'continuous']"),
        ("selection: [1]", "selection: expected a mapping"),
        ("lat_ref: north", "lat_ref: value 'north' matches none of"),
        ("plan_evry: 2\nwarmup: 3", "unknown key(s) ['plan_evry', 'warmup']"),
        ("selection: {momentm: 0.5}", "unknown key(s) ['selection.momentm']"),
        ("- 1\n- 2", "must hold a mapping"),
        ("plan_every: [", "not valid YAML"),
    ],
)
def test_wrongly_typed_values_are_errors_naming_file_and_field(tmp_path, text, words) -> None:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, text)
    assert words in str(error.value) and "agent.yaml" in str(error.value)


def test_well_typed_values_are_converted(tmp_path) -> None:
    config = load(tmp_path, "history_seconds: 2\nselection: {mode: continuous, thresholds: [1, 2, 3, 4]}\nlat_ref: 42")
    assert config.history_seconds == 2.0 and isinstance(config.history_seconds, float)
    assert config.selection.mode is ComfortMode.CONTINUOUS and config.selection.thresholds == (1.0, 2.0, 3.0, 4.0)
    assert config.lat_ref == 42.0 and config.selection.momentum == AgentConfig().selection.momentum


def test_unknown_keys_are_also_key_errors_listing_the_known_ones() -> None:
    with pytest.raises(KeyError) as error:
        apply_overrides(ExpertConfig(), {"target_sped": 3.0}, "test")
    assert isinstance(error.value, UnknownConfigKeyError) and "target_speed" in str(error.value)


@pytest.mark.parametrize(
    "overrides,words",
    [({"num_poses": 0}, "num_poses = 0"), ({"target_speed": -1.0}, "target_speed = -1.0"),
     ({"interval_length": 0.0}, "interval_length = 0.0"), ({"motion_smoothing": 2.0}, "motion_smoothing = 2.0")],
)  # fmt: skip
def test_planner_config_ranges_are_checked(overrides, words) -> None:
    with pytest.raises(ConfigError, match=words):
        apply_overrides(ExpertConfig(), overrides, "planner_expert.yaml")


def test_the_runner_side_check_reads_the_planner_overrides(tmp_path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text("planner: expert\nplanner_overrides: {target_speed: 9}\n")
    config, checkpoints = check_agent_config(str(path))
    assert config.planner_overrides == {"target_speed": 9} and checkpoints == []
    path.write_text("planner: lmgendrive\nplanner_overrides: {checkpoint: /nowhere/model.pt}\n")
    with pytest.raises(ConfigError, match="checkpoint file '/nowhere/model.pt' not found"):
        check_agent_config(str(path))
    assert check_agent_config("expert")[0].planner == "expert"


YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=True) | st.text(max_size=6),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)
FIELDS = [f.name for f in dataclasses.fields(AgentConfig)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), YAML_VALUES, max_size=4))
def test_any_yaml_mapping_loads_or_raises_a_config_error(tmp_path, mapping) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(mapping))
    try:
        config = load_agent_config(str(path))
    except ConfigError as error:
        assert "fuzz.yaml" in str(error)
        return
    assert isinstance(config.plan_every, int) and config.plan_every >= 1 and isinstance(config.instructions, bool)
