"""The minimum-speed test: every checkpoint for Bench2Drive, only slow ones for 2.0, percentages to 2 decimals."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.eval.criteria_common import CriteriaConfig
from sim.eval.criteria_speed import MinimumSpeedCriterion
from sim.eval.infractions import LeaderboardRules
from sim.types import ActorIndex, ActorKind
from sim.world.snapshot import ACTOR_COLUMNS


def snapshot(ego_speed: float, traffic_speed: float | None, time: float = 1.0) -> SimpleNamespace:
    actors = np.zeros((0 if traffic_speed is None else 1, ACTOR_COLUMNS))
    if traffic_speed is not None:
        actors[0, ActorIndex.SPEED], actors[0, ActorIndex.KIND] = traffic_speed, ActorKind.VEHICLE
    ego = SimpleNamespace(speed=ego_speed, center=np.zeros(2), z=0.0)
    return SimpleNamespace(ego=ego, actors=actors, time=time)


def drive(rules: LeaderboardRules, speeds: list[tuple[float, float | None]]) -> list[float]:
    """Percentages reported while completion climbs evenly to 100 %, one (ego, traffic) speed pair per tick."""
    config = CriteriaConfig.for_rules(rules)
    criterion = MinimumSpeedCriterion(config.min_speed_checkpoints, config.min_speed_report_all)
    events = []
    for tick, (ego, traffic) in enumerate(speeds, start=1):
        events += criterion.update(snapshot(ego, traffic), 100.0 * tick / len(speeds))
    return [event.value for event in events]


def test_bench2drive_reports_every_checkpoint() -> None:
    values = drive(LeaderboardRules.BENCH2DRIVE, [(3.0, 4.0), (5.0, 4.0)] * 20)
    assert len(values) == 20 and set(values) == {100.0}  # each checkpoint: mean ego 4 / mean traffic 4


def test_leaderboard_2_reports_only_slow_checkpoints_rounded_to_two_decimals() -> None:
    speeds = [(1.0, 3.0)] * 2 + [(6.0, 3.0)] * 2 + [(1.0, 3.0)] * 2 + [(3.0, None), (3.0, None)]  # 4 checkpoints
    assert drive(LeaderboardRules.LB2, speeds) == [33.33, 33.33]  # fast and traffic-free ones (100 %) are silent


def test_leaderboard_1_has_no_minimum_speed_test() -> None:
    assert drive(LeaderboardRules.LB1, [(0.0, 5.0)] * 10) == []


@pytest.mark.parametrize("rules,checkpoints", [(LeaderboardRules.LB2, 3), (LeaderboardRules.BENCH2DRIVE, 19)])
def test_the_last_partial_segment_counts_above_95_percent(rules, checkpoints) -> None:
    config = CriteriaConfig.for_rules(rules)
    criterion = MinimumSpeedCriterion(config.min_speed_checkpoints, config.min_speed_report_all)
    reported = [e.value for c in range(1, 98) for e in criterion.update(snapshot(2.0, 4.0), float(c))]
    assert reported == [50.0] * checkpoints  # the route ended at 97 %, short of the last checkpoint
    assert [e.value for e in criterion.finish(1.0, np.zeros(3), 97.0)] == [50.0]
    assert criterion.finish(1.0, np.zeros(3), 97.0) == [], "once"
