"""entry_status / eligible, by the rules of leaderboard 1.0 (and LMDrive's copy) and 2.0 (and Bench2Drive)."""

from __future__ import annotations

import pytest

from sim.eval.results_format import ResultsFormat
from sim.eval.results_status import entry_status

OK, BLOCKED = "Completed", "Failed - Agent got blocked"
CRASHED, INVALID = "Failed - Simulation crashed", "Failed - Agent's sensors were invalid"
SENSORS = ["carla_camera"]


def records(*statuses: str) -> list[dict]:
    return [{"status": status} for status in statuses]


@pytest.mark.parametrize("fmt", [ResultsFormat.LB2, ResultsFormat.BENCH2DRIVE])
@pytest.mark.parametrize(
    "statuses,total,finished,sensors,expected",
    [
        ((OK, "Perfect"), 2, True, SENSORS, ("Finished", True)),
        ((OK, BLOCKED), 2, True, SENSORS, ("Finished", True)),  # agent failures do not change 2.0's status
        ((OK, CRASHED), 2, True, SENSORS, ("Crashed", False)),
        ((INVALID, OK), 2, True, SENSORS, ("Rejected", False)),
        ((CRASHED, INVALID), 2, True, SENSORS, ("Rejected", False)),  # the last such route decides
        ((INVALID, CRASHED), 2, True, SENSORS, ("Crashed", False)),
        ((OK,), 2, True, SENSORS, ("Invalid", False)),  # progress short of the total
        ((OK, "Started"), 2, True, SENSORS, ("Invalid", False)),  # a record without its result
        ((OK, OK), 2, True, [], ("Invalid", False)),  # sensors were read, the list is empty
        ((OK, OK), 2, True, None, ("Finished", True)),  # no agent ever declared sensors
        ((OK,), 2, False, SENSORS, ("Started", False)),
        ((OK, CRASHED), 3, False, SENSORS, ("Crashed", False)),
    ],
)
def test_leaderboard_2_rules(fmt, statuses, total, finished, sensors, expected) -> None:
    assert entry_status(records(*statuses), fmt, total, finished, sensors) == expected


@pytest.mark.parametrize("fmt", [ResultsFormat.LB1, ResultsFormat.LMDRIVE])
@pytest.mark.parametrize(
    "statuses,total,finished,expected",
    [
        ((OK, OK), 2, True, ("Finished", True)),
        ((OK, BLOCKED), 2, True, ("Finished with agent errors", True)),  # still eligible in 1.0
        ((OK, "Failed - Agent timed out"), 2, True, ("Finished with agent errors", True)),
        ((OK, "Failed"), 2, True, ("Finished", True)),
        ((OK,), 2, True, ("Finished with missing data", False)),
        ((OK, CRASHED), 2, True, ("Crashed", False)),  # 1.0 stops at a simulation crash
        ((INVALID, CRASHED), 2, True, ("Rejected", False)),  # ... and at invalid sensors: the first decides
        ((OK,), 2, False, ("Started", False)),
    ],
)
def test_leaderboard_1_rules(fmt, statuses, total, finished, expected) -> None:
    assert entry_status(records(*statuses), fmt, total, finished, SENSORS) == expected
