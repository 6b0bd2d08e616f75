"""Global records, values and labels per evaluator, worked out by hand from the official formulas."""

from __future__ import annotations

import math

import pytest

from sim.eval.results_format import ResultsFormat, infraction_keys
from sim.eval.results_status import values_and_labels
from sim.eval.statistics import global_record

OUTSIDE = "Agent went outside its route lanes for about 250.0 meters (25.0% of the completed route)"


def checkpoint_record(index, status, rc, penalty, length, fmt, **infractions) -> dict:
    texts = {key: [] for key in infraction_keys(fmt)}
    texts.update(infractions)
    return {"index": index, "route_id": f"RouteScenario_{index}", "status": status, "infractions": texts,
            "scores": {"score_route": rc, "score_penalty": penalty, "score_composed": rc * penalty},
            "meta": {"route_length": length, "duration_game": 10.0 * (index + 1), "duration_system": 1.0}}  # fmt: skip


def three_routes(fmt: ResultsFormat) -> list[dict]:
    """A: 1 km, all done, 250 m off its lanes; B: 2 km, half done, a vehicle hit, blocked; C: never started."""
    return [
        checkpoint_record(0, "Completed", 100.0, 0.75, 1000.0, fmt, outside_route_lanes=[OUTSIDE]),
        checkpoint_record(1, "Failed - Agent got blocked", 50.0, 0.6, 2000.0, fmt, collisions_vehicle=["hit"],
                          vehicle_blocked=["stuck"]),
        checkpoint_record(2, "Failed - Agent timed out", 0.0, 1.0, 500.0, fmt, route_timeout=["Route timeout."]),
    ]  # fmt: skip


DS = (75.0, 30.0, 0.0)
RC = (100.0, 50.0, 0.0)
IS = (0.75, 0.6, 1.0)


def sample_std(values, mean) -> float:
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def test_leaderboard_1_global_record() -> None:
    result = global_record(three_routes(ResultsFormat.LB1), ResultsFormat.LB1, total_routes=3)
    assert list(result) == ["route_id", "index", "status", "infractions", "scores", "meta", "scores_std_dev"]
    assert result["scores"] == pytest.approx({"score_route": 50.0, "score_penalty": 2.35 / 3, "score_composed": 35.0})
    assert result["scores_std_dev"]["score_composed"] == pytest.approx(sample_std(DS, 35.0))
    # per km: the sum over routes of count / (km x RC / 100); A drove 1 km, B 1 km, C (RC = 0) is skipped
    assert result["infractions"] == pytest.approx({
        "collisions_pedestrian": 0.0, "collisions_vehicle": 1.0, "collisions_layout": 0.0, "red_light": 0.0,
        "stop_infraction": 0.0, "outside_route_lanes": 1.0, "route_dev": 0.0, "route_timeout": 0.0,
        "vehicle_blocked": 1.0,
    })  # fmt: skip
    assert result["meta"]["total_length"] == 3500.0 and result["meta"]["duration_game"] == 60.0
    assert result["meta"]["exceptions"] == [["RouteScenario_1", 1, "Failed - Agent got blocked"],
                                            ["RouteScenario_2", 2, "Failed - Agent timed out"]]  # fmt: skip
    assert result["status"] == "Failed"


def test_lmdrive_global_record_divides_by_rc_without_the_percent() -> None:
    result = global_record(three_routes(ResultsFormat.LMDRIVE), ResultsFormat.LMDRIVE, total_routes=3)
    assert list(result) == ["route_id", "index", "status", "infractions", "scores", "meta"]
    # km = max(RC x length [km], 0.001): A 100, B 100, C 0.001
    assert result["infractions"]["collisions_vehicle"] == pytest.approx(1 / 100)
    assert result["infractions"]["outside_route_lanes"] == pytest.approx(1 / 100)
    assert result["infractions"]["route_timeout"] == pytest.approx(1 / 0.001)
    assert result["scores"]["score_composed"] == pytest.approx(35.0) and "exceptions" in result["meta"]


def test_leaderboard_2_global_record() -> None:
    result = global_record(three_routes(ResultsFormat.LB2), ResultsFormat.LB2, total_routes=4)  # one route missing
    assert list(result) == ["index", "route_id", "status", "infractions", "scores_mean", "scores_std_dev", "meta"]
    assert result["scores_mean"] == {"score_composed": 26.25, "score_route": 37.5, "score_penalty": round(2.35 / 4, 6)}
    squares = sum((v - 26.25) ** 2 for v in DS)  # over the records present, divided by total - 1
    assert result["scores_std_dev"]["score_composed"] == round(math.sqrt(squares / 3), 3)
    # km driven = 1 x 100 % + 2 x 50 % + 0.5 x 0 % = 2 km; outside lanes: the metres of A's text, in km
    assert result["infractions"]["collisions_vehicle"] == 0.5 and result["infractions"]["route_timeout"] == 0.5
    assert result["infractions"]["outside_route_lanes"] == 0.25
    assert result["status"] == "Failed" and len(result["meta"]["exceptions"]) == 2
    assert list(result["meta"]) == ["total_length", "duration_game", "duration_system", "exceptions"]


@pytest.mark.parametrize(
    "fmt,expected",
    [
        (ResultsFormat.LB1, 1 / (0.1 * 0.486)),  # sum of per-route rates: 20.58 / km
        (ResultsFormat.LMDRIVE, 1 / (10 * 0.486)),
        (ResultsFormat.LB2, round(1 / (0.1 * 0.486 + 1.0 * 1.0), 3)),  # one count over all km driven
    ],
)
def test_per_km_formulas_differ_on_the_same_records(fmt: ResultsFormat, expected: float) -> None:
    """The reported case: a route timed out at RC 10 % of 486 m, and a clean 1 km route."""
    records = [
        checkpoint_record(0, "Failed - Agent timed out", 10.0, 1.0, 486.0, fmt, route_timeout=["Route timeout."]),
        checkpoint_record(1, "Completed", 100.0, 1.0, 1000.0, fmt),
    ]
    assert global_record(records, fmt, 2)["infractions"]["route_timeout"] == pytest.approx(expected)


def test_one_route_std_and_perfect_status() -> None:
    one = [checkpoint_record(0, "Perfect", 100.0, 1.0, 100.0, ResultsFormat.LB2)]
    assert global_record(one, ResultsFormat.LB2, 1)["scores_std_dev"] == dict.fromkeys(
        ("score_composed", "score_route", "score_penalty"), 0
    )
    assert global_record(one, ResultsFormat.LB2, 1)["status"] == "Perfect"
    lb1 = [checkpoint_record(0, "Completed", 100.0, 1.0, 100.0, ResultsFormat.LB1)]
    assert set(global_record(lb1, ResultsFormat.LB1, 1)["scores_std_dev"].values()) == {"NaN"}
    assert "exceptions" not in global_record(lb1, ResultsFormat.LB1, 1)["meta"]


def test_values_and_labels_in_matching_order() -> None:
    lb2 = global_record(three_routes(ResultsFormat.LB2), ResultsFormat.LB2, 3)
    values, labels = values_and_labels(lb2, ResultsFormat.LB2)
    assert len(values) == len(labels) == 15
    assert labels[:3] == ["Avg. driving score", "Avg. route completion", "Avg. infraction penalty"]
    assert labels[12:] == ["Yield emergency vehicles infractions", "Scenario timeouts", "Min speed infractions"]
    assert values[0] == str(35.0) and values[4] == str(0.5) and values[8] == str(0.25)  # DS, vehicles, off-road
    lb1 = global_record(three_routes(ResultsFormat.LB1), ResultsFormat.LB1, 3)
    values, labels = values_and_labels(lb1, ResultsFormat.LB1)
    assert len(values) == len(labels) == 12 and labels[-1] == "Agent blocked"
    assert values[:3] == ["35.000", "50.000", "0.783"] and values[11] == "1.000"


def test_an_unreadable_outside_lanes_text_names_the_route() -> None:
    records = [checkpoint_record(0, "Completed", 100.0, 1.0, 100.0, ResultsFormat.LB2, outside_route_lanes=["odd"])]
    with pytest.raises(ValueError, match="RouteScenario_0.*outside_route_lanes text 'odd'"):
        global_record(records, ResultsFormat.LB2, 1)
