"""The LangAuto instruction dictionary: validated on load (file and key named), read from the run's data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.instructions import INSTRUCTION_FILE, InstructionFileError, parse_instruction_texts, required_ids
from routes.benchmarks import load_benchmark
from sim.run.agent_loading import AgentSpec
from sim.run.benchmark_runner import RunOptions, run_benchmark

REPO = Path(__file__).resolve().parents[2]


def valid_texts() -> dict[str, list[str]]:
    return {str(i): [f"instruction {i}", f"paraphrase {i} after [x] metres"] for i in range(65)}


@pytest.mark.parametrize(
    "change,words",
    [
        (lambda d: d.pop("60"), "no paraphrases for instruction id(s) [60]"),
        (lambda d: d.update({"38": []}), "['38'] = [] is not a non-empty list of strings"),
        (lambda d: d.update({"0": "turn left"}), "['0'] = 'turn left' is not a non-empty list"),
        (lambda d: d.update({"left": ["turn left"]}), "key 'left' is not an integer instruction id"),
    ],
)
def test_instruction_file_errors_name_file_and_key(change, words) -> None:
    texts = valid_texts()
    change(texts)
    with pytest.raises(InstructionFileError) as error:
        parse_instruction_texts(json.dumps(texts), "somewhere/instruction_dict.json")
    assert words in str(error.value) and "somewhere/instruction_dict.json" in str(error.value)


def test_the_shipped_dictionary_has_every_id_the_manager_issues(data_dir) -> None:
    texts = parse_instruction_texts((data_dir / INSTRUCTION_FILE).read_text(), "shipped")
    assert required_ids() <= set(texts)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
        max_leaves=10,
    ).map(json.dumps)
    | st.text(max_size=30)
)
def test_any_instruction_file_parses_or_names_the_file(text) -> None:
    try:
        texts = parse_instruction_texts(text, "fuzz.json")
    except InstructionFileError as error:
        assert "fuzz.json" in str(error)
        return
    assert required_ids() <= set(texts)


@pytest.mark.slow
def test_data_dir_reaches_the_instruction_loader_in_the_worker(tmp_path, data_dir) -> None:
    """A data directory whose dictionary lacks id 60: the agent fails on it only if it reads that directory."""
    copy = tmp_path / "data"
    (copy / "routes" / "langauto").mkdir(parents=True)
    for child in data_dir.iterdir():
        if child.name != "routes":
            (copy / child.name).symlink_to(child.resolve())
    for child in (data_dir / "routes").iterdir():
        if child.name != "langauto":
            (copy / "routes" / child.name).symlink_to(child.resolve())
    for child in (data_dir / "routes" / "langauto").iterdir():
        (copy / "routes" / "langauto" / child.name).symlink_to(child.resolve())
    texts = json.loads((data_dir / INSTRUCTION_FILE).read_text())
    texts.pop("60")
    (copy / INSTRUCTION_FILE).unlink()
    (copy / INSTRUCTION_FILE).write_text(json.dumps(texts))
    config = tmp_path / "agent.yaml"
    config.write_text("planner: expert\ninstructions: true\n")
    agent = AgentSpec(str(REPO / "agents" / "leaderboard_agent.py"), str(config))
    options = RunOptions(tmp_path / "out", data_dir=str(copy))
    record = run_benchmark(load_benchmark("langauto-tiny", copy, "10"), agent, options)["_checkpoint"]["records"][0]
    assert record["status"] == "Failed - Agent crashed"
    error = record["meta"]["error"]
    assert "no paraphrases for instruction id(s) [60]" in error and str(copy) in error
