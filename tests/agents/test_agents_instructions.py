"""LangAuto instruction manager: start phase, maneuvers, misleading window, notices, seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agents import instructions
from agents.base import RoadOption


@pytest.fixture(scope="module")
def texts(data_dir: Path) -> dict[int, list[str]]:
    return instructions.load_instruction_texts(str(data_dir))


def route_with_left_turn(length: int = 120, turn_at: int = 30) -> tuple[np.ndarray, np.ndarray]:
    points = np.stack([np.arange(length, dtype=float), np.zeros(length)], axis=-1)
    options = np.full(length, int(RoadOption.LANEFOLLOW))
    options[turn_at : turn_at + 10] = RoadOption.LEFT
    return points, options


def run(manager: instructions.InstructionManager, steps: int, **kwargs: object) -> list[str]:
    return [manager.step(np.array([0.0, 0.0, 0.0]), 5.0, 0.1 * k, **kwargs)[0] for k in range(steps)]


def test_the_dictionary_has_65_ids_of_8_paraphrases(texts: dict[int, list[str]]) -> None:
    assert sorted(texts) == list(range(65)) and all(len(v) == 8 for v in texts.values())


def test_start_phase_then_the_next_maneuver(texts: dict[int, list[str]]) -> None:
    config = instructions.InstructionConfig(start_steps=3, mislead_probability=0.0)
    manager = instructions.InstructionManager(*route_with_left_turn(), seed=1, config=config, texts=texts)
    said = run(manager, 5)
    assert all(text in texts[60] for text in said[:3])
    assert manager.current.id in (0, 2, 10, 13) and "[x]" not in said[-1]
    assert said[3] == said[4]  # the wording is chosen once per instruction


def test_no_maneuver_gives_a_follow_instruction(texts: dict[int, list[str]]) -> None:
    points, _ = route_with_left_turn()
    options = np.full(len(points), int(RoadOption.LANEFOLLOW))
    config = instructions.InstructionConfig(start_steps=0, mislead_probability=0.0)
    manager = instructions.InstructionManager(points, options, seed=0, config=config, texts=texts)
    run(manager, 2)
    assert manager.current.id in instructions.FOLLOW_IDS


def test_misleading_window_then_the_true_instruction(texts: dict[int, list[str]]) -> None:
    config = instructions.InstructionConfig(start_steps=0, mislead_probability=1.0, mislead_steps=4)
    manager = instructions.InstructionManager(*route_with_left_turn(), seed=3, config=config, texts=texts)
    flags = []
    for k in range(6):
        manager.step(np.zeros(3), 5.0, 0.1 * k)
        flags.append(manager.current.misleading if k < 3 else None)
    assert flags[:3] == [True, True, True]
    assert not manager.current.misleading and manager.current.id in (0, 2, 10, 13)


def test_same_seed_same_words_other_seed_other_words(texts: dict[int, list[str]]) -> None:
    def sequence(seed: int) -> list[str]:
        config = instructions.InstructionConfig(start_steps=2)
        points, options = route_with_left_turn()
        manager = instructions.InstructionManager(points, options, seed=seed, config=config, texts=texts)
        return [manager.step(np.array([x, 0.0, 0.0]), 5.0, 0.0)[0] for x in np.linspace(0, 100, 40)]

    assert sequence(7) == sequence(7)
    assert any(sequence(7) != sequence(s) for s in range(8, 12))


def test_notices_and_completion(texts: dict[int, list[str]]) -> None:
    config = instructions.InstructionConfig(start_steps=0, mislead_probability=0.0, notices=True, notice_steps=2)
    points, options = route_with_left_turn()
    manager = instructions.InstructionManager(
        points, options, seed=0, config=config, texts=texts, scenario_triggers=[(np.array([1.0, 0.0]), 3)]
    )
    _, notice = manager.step(np.zeros(3), 5.0, 0.0)
    assert notice in texts[50]  # Scenario3: pedestrian ahead
    _, red = manager.step(np.array([20.0, 0.0, 0.0]), 5.0, 0.1, light=(30.0, "red"))
    assert red == notice  # the scenario notice is held
    manager.step(np.array([20.0, 0.0, 0.0]), 5.0, 0.2, light=(30.0, "red"))
    _, red = manager.step(np.array([20.0, 0.0, 0.0]), 5.0, 0.3, light=(30.0, "red"))
    assert red in texts[57]
    manager.mark_completed()
    assert manager.completed and manager.completed[-1].id in (0, 2, 10, 13)


def test_one_instruction_per_maneuver_while_approaching_it(texts: dict[int, list[str]]) -> None:
    config = instructions.InstructionConfig(start_steps=0, mislead_probability=0.2)
    for seed in range(5):
        manager = instructions.InstructionManager(*route_with_left_turn(), seed=seed, config=config, texts=texts)
        issued = []
        for x in np.linspace(0.0, 28.0, 60):  # driving towards the turn at 30 m, light ahead from halfway
            light = (40.0 - x, "red") if x > 14.0 else None
            manager.step(np.array([x, 0.0, 0.0]), 5.0, 0.0, light=light)
            issued.append(manager.issued)
        true = [i for i in issued if not i.misleading]
        assert len({id(i) for i in true}) == 1, [i.text for i in true]  # worded once, not at every step
        assert sum(a is not b for a, b in zip(issued, issued[1:], strict=False)) <= 2  # a misleading window at most


def test_the_issued_notice_carries_its_id(texts: dict[int, list[str]]) -> None:
    config = instructions.InstructionConfig(start_steps=0, mislead_probability=0.0, notices=True)
    manager = instructions.InstructionManager(*route_with_left_turn(), seed=0, config=config, texts=texts)
    _, notice = manager.step(np.zeros(3), 5.0, 0.0, light=(20.0, "green"))
    assert manager.notice.id == instructions.LIGHT_NOTICE["green"] and manager.notice.text == notice
    assert manager.issued.text in texts[manager.issued.id] or "[x]" in " ".join(texts[manager.issued.id])
