"""LangAuto's instruction manager (after LMDrive's ``InstructionPlanner``), deterministic with a seed.

Texts come from ``routes/langauto/instruction_dict.json`` in the data directory (65 ids x 8
paraphrases, ``[x]``/``[y]`` distance placeholders; specs/carla_leaderboard.md 2.3). Per step:

1. the first ``start_steps`` steps say "commence driving" (id 60);
2. otherwise the next maneuver (first non-LANEFOLLOW RoadOption within ``lookahead`` [m] of dense
   route; one instruction per maneuver, worded once when it first appears) picks the id:
   LEFT 0 / RIGHT 1 / STRAIGHT 6, with a light within ``light_distance`` [m]
   (p = 0.7) the "at the traffic signal" ids 10 / 11 / 12, with p = 0.5 and at least 8 m away the
   "after [x] m" variant; lane changes 34 / 35 (36 / 37); no maneuver: one of 38 / 42 / 43;
3. when the instruction changes, with p = 0.2 a misleading one replaces it for ``mislead_steps``;
4. notices (optional): within 2 m of a scenario trigger (held ``notice_steps``), else the state of
   a light ahead (57 red, 58 green, 59 yellow).

Not reproduced: LMDrive's town-specific junction / highway / roundabout tables (ids 4, 5, 16-33,
39, 46-49, 64), so T-junction, roundabout and highway variants are never produced.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agents.base import RoadOption
from sim.paths import data_path

INSTRUCTION_FILE = "routes/langauto/instruction_dict.json"
START, FOLLOW_IDS, MISLEAD_IDS = 60, (38, 42, 43), (0, 1, 4, 5, 34, 35, 22, 23, 24)
TURN_IDS = {RoadOption.LEFT: 0, RoadOption.RIGHT: 1, RoadOption.STRAIGHT: 6}  # "after [x] m": +2 (+3 straight)
LIGHT_IDS = {RoadOption.LEFT: 10, RoadOption.RIGHT: 11, RoadOption.STRAIGHT: 12}  # "after [x] m": +3
LANE_IDS = {RoadOption.CHANGELANELEFT: 34, RoadOption.CHANGELANERIGHT: 35}  # "after [x] m": +2
AFTER_X = {0: 2, 1: 3, 6: 9, 10: 13, 11: 14, 12: 15, 34: 36, 35: 37}
SCENARIO_NOTICE = {1: 55, 2: 52, 3: 50, 4: 51, 5: 52, 7: 54, 8: 53, 9: 53}  # LB1 scenario number -> notice id
LIGHT_NOTICE = {"red": 57, "green": 58, "yellow": 59}


class InstructionFileError(ValueError):
    """The instruction dictionary is unreadable or lacks an id the manager issues; names file and field."""


def required_ids() -> set[int]:
    """Every instruction / notice id the manager may issue (the file must have texts for each)."""
    ids = {START, *FOLLOW_IDS, *MISLEAD_IDS, *TURN_IDS.values(), *LIGHT_IDS.values(), *LANE_IDS.values()}
    return ids | set(AFTER_X.values()) | set(SCENARIO_NOTICE.values()) | set(LIGHT_NOTICE.values())


def load_instruction_texts(data_dir: str | None = None) -> dict[int, list[str]]:
    """Id -> its paraphrases, from the data directory (``--data-dir``, ``CLOSED_LOOP_DATA``, ``data/``).

    Raises:
        InstructionFileError: invalid JSON, a key that is not an integer id, a value that is not a
            non-empty list of strings, or an id the manager issues missing (naming the file and key).
    """
    path = data_path(INSTRUCTION_FILE, data_dir)
    return parse_instruction_texts(path.read_text(encoding="utf-8", errors="replace"), str(path))


def parse_instruction_texts(text: str, source: str) -> dict[int, list[str]]:
    """:func:`load_instruction_texts` on the file's text (``source`` names it in errors)."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise InstructionFileError(f"{source}: line {error.lineno}: not valid JSON ({error.msg})") from None
    if not isinstance(raw, dict):
        raise InstructionFileError(f"{source}: expected an object of id -> paraphrases, got {type(raw).__name__}")
    texts: dict[int, list[str]] = {}
    for key, value in raw.items():
        if not key.strip().lstrip("-").isdigit():
            raise InstructionFileError(f"{source}: key {key!r} is not an integer instruction id")
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            raise InstructionFileError(f"{source}: [{key!r}] = {value!r:.80} is not a non-empty list of strings")
        texts[int(key)] = list(value)
    missing = sorted(required_ids() - set(texts))
    if missing:
        raise InstructionFileError(f"{source}: no paraphrases for instruction id(s) {missing}, which are issued")
    return texts


@dataclass(frozen=True)
class InstructionConfig:
    lookahead: float = 50.0  # [m] along the route
    start_steps: int = 64
    after_x_probability: float = 0.5
    after_x_min_distance: float = 8.0  # [m]
    light_probability: float = 0.7
    light_distance: float = 50.0  # [m]
    mislead_probability: float = 0.2
    mislead_steps: int = 20  # ~2 s at LMDrive's 10 Hz planning
    notices: bool = False
    notice_trigger_distance: float = 2.0  # [m]
    notice_steps: int = 80
    notice_light_distance: float = 40.0  # [m]


@dataclass(frozen=True)
class Instruction:
    """One issued instruction: its id, text, distance placeholder [m] and whether it misleads."""

    id: int
    text: str
    distance: float = 0.0
    misleading: bool = False


class InstructionManager:
    """Issues LangAuto instructions along a dense route; ``step`` once per planning step."""

    def __init__(
        self,
        points: np.ndarray,
        options: np.ndarray,
        seed: int = 0,
        config: InstructionConfig = InstructionConfig(),
        texts: dict[int, list[str]] | None = None,
        scenario_triggers: Sequence[tuple[np.ndarray, int]] = (),
        data_dir: str | None = None,
    ) -> None:
        self.points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        self.options = np.asarray(options, dtype=np.int64)
        self.arclength = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(self.points, axis=0), axis=-1))])
        self.config = config
        self.texts = texts if texts is not None else load_instruction_texts(data_dir)
        self.triggers = list(scenario_triggers)
        self.rng = np.random.default_rng(seed)
        self.steps = 0
        self.index = 0
        self._key: tuple | None = None
        self._true: Instruction | None = None
        self._mislead: tuple[Instruction, int] | None = None
        self._notice: tuple[Instruction, int, object] | None = None
        self.completed: list[Instruction] = []
        self._light: tuple[float, str] | None = None  # the light ahead when the next maneuver was found
        self.issued: Instruction | None = None  # the instruction the last step gave (misleading or not)
        self.notice: Instruction | None = None  # the notice the last step gave

    def mark_completed(self) -> None:
        """The planner flagged the instruction done: as LMDrive, drop the notice; the text stays until the next."""
        if self._true is not None:
            self.completed.append(self._true)
        self._notice = None

    def step(
        self, ego_pose: np.ndarray, speed: float, timestamp: float, light: tuple[float, str] | None = None
    ) -> tuple[str, str | None]:
        """(instruction text, notice text or None); ``light`` = (distance [m], 'red'|'green'|'yellow') ahead."""
        self.steps += 1
        nearest = np.argmin(np.linalg.norm(self.points[self.index :] - ego_pose[:2], axis=-1))
        self.index += int(nearest)
        self.issued = self._navigation(light)
        self.notice = self._current_notice(ego_pose, light)
        return self.issued.text, None if self.notice is None else self.notice.text

    @property
    def current(self) -> Instruction | None:
        return self._mislead[0] if self._mislead else self._true

    def _navigation(self, light: tuple[float, str] | None) -> Instruction:
        key, distance = ((START,), 0.0) if self.steps <= self.config.start_steps else self._maneuver_key(light)
        if key != self._key:  # a new instruction: choose its wording once, maybe mislead
            self._key = key
            self._true = self._compose(key, distance)
            if self.rng.random() < self.config.mislead_probability and key[0] != START:
                wrong = int(self.rng.choice([i for i in MISLEAD_IDS if i != self._true.id]))
                self._mislead = (self._text(wrong, 0.0, misleading=True), self.config.mislead_steps)
        if self._mislead is not None:
            instruction, left = self._mislead
            self._mislead = (instruction, left - 1) if left > 1 else None
            return instruction
        return self._true

    def _maneuver_key(self, light: tuple[float, str] | None) -> tuple[tuple, float]:
        """((option, index of the maneuver), distance [m] to it) of the next maneuver, or the follow key.

        The key names the maneuver only: the distance and a light ahead shape the wording, chosen
        once when the maneuver first appears, not a new instruction at every step of the approach.
        """
        ahead = np.flatnonzero(
            (self.arclength > self.arclength[self.index])
            & (self.arclength <= self.arclength[self.index] + self.config.lookahead)
        )
        for i in ahead:
            option = int(self.options[i])
            if option in TURN_IDS or option in LANE_IDS:
                start = i
                while start > 0 and self.options[start - 1] == option:
                    start -= 1
                self._light = light
                return (option, start), max(float(self.arclength[start] - self.arclength[self.index]), 0.0)
        return ("follow",), 0.0

    def _compose(self, key: tuple, distance: float) -> Instruction:
        if key[0] == START:
            return self._text(START, 0.0)
        if key[0] == "follow":
            return self._text(int(self.rng.choice(FOLLOW_IDS)), 0.0)
        option = key[0]
        near_light = self._light is not None and self._light[0] <= self.config.light_distance
        if option in LANE_IDS:
            base = LANE_IDS[RoadOption(option)]
        elif near_light and self.rng.random() < self.config.light_probability:
            base = LIGHT_IDS[RoadOption(option)]
        else:
            base = TURN_IDS[RoadOption(option)]
        x = min(8.0 + 12.0 * self.rng.random(), max(distance - 5.0, 2.0))
        if x >= self.config.after_x_min_distance and self.rng.random() < self.config.after_x_probability:
            return self._text(AFTER_X[base], float(round(x)))
        return self._text(base, 0.0)

    def _text(self, instruction_id: int, x: float, misleading: bool = False) -> Instruction:
        paraphrase = self.texts[instruction_id][int(self.rng.integers(len(self.texts[instruction_id])))]
        return Instruction(instruction_id, paraphrase.replace("[x]", f"{int(x)}"), x, misleading)

    def _current_notice(self, ego_pose: np.ndarray, light: tuple[float, str] | None) -> Instruction | None:
        if not self.config.notices:
            return None
        if self._notice is not None and self._notice[1] > 0 and self._notice[2] == "scenario":
            notice, left, kind = self._notice
            self._notice = (notice, left - 1, kind)
            return notice
        for position, scenario in self.triggers:
            close = np.linalg.norm(np.asarray(position) - ego_pose[:2]) <= self.config.notice_trigger_distance
            if close and scenario in SCENARIO_NOTICE:
                self._notice = (self._text(SCENARIO_NOTICE[scenario], 0.0), self.config.notice_steps, "scenario")
                return self._notice[0]
        if light is not None and light[0] <= self.config.notice_light_distance and light[1] in LIGHT_NOTICE:
            if self._notice is None or self._notice[2] != light[1]:  # re-issued on a state change
                self._notice = (self._text(LIGHT_NOTICE[light[1]], 0.0), 0, light[1])
            return self._notice[0]
        self._notice = None
        return None
