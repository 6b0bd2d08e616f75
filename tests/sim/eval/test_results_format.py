"""One route record in each evaluator's exact fields, worked out by hand from the official code."""

from __future__ import annotations

import numpy as np
import pytest

from sim.eval.infractions import Infraction, InfractionEvent, LeaderboardRules
from sim.eval.results_format import ResultsFormat, infraction_keys, record_json, sensor_icons
from sim.eval.route_record import RouteRecord, RouteStatus

LB1, LB2, B2D = LeaderboardRules.LB1, LeaderboardRules.LB2, LeaderboardRules.BENCH2DRIVE
WHERE = np.array([1.23456, -2.0, 0.5])


def events(with_min_speed: bool) -> tuple[InfractionEvent, ...]:
    found = [
        InfractionEvent(Infraction.COLLISION_VEHICLE, 3.5, WHERE, detail="vehicle.audi.a2 and id=40"),
        InfractionEvent(Infraction.RED_LIGHT, 7.25, WHERE, detail="7"),
        InfractionEvent(Infraction.OUTSIDE_ROUTE_LANES, 9.0, WHERE, value=12.5, distance=50.0),
    ]
    if with_min_speed:
        found.append(InfractionEvent(Infraction.MIN_SPEED, 9.0, WHERE, value=80.0))
    return tuple(found)


def route(with_min_speed: bool = False, **extra) -> RouteRecord:
    return RouteRecord(
        index=3, route_id="RouteScenario_7", town="Town05", status=RouteStatus.COMPLETED, route_completion=80.0,
        infractions=events(with_min_speed), route_length=500.1234567, duration_game=60.1234567,
        duration_system=5.55555, scenario_types=("ParkingCutIn",), extra=dict(extra),
    )  # fmt: skip


COLLISION = "Agent collided against object with type=vehicle.audi.a2 and id=40 at (x=1.235, y=-2.0, z=0.5)"
RED_LIGHT = "Agent ran a red light 7 at (x=1.235, y=-2.0, z=0.5)"
OUTSIDE = "Agent went outside its route lanes for about 50.0 meters (12.5% of the completed route)"
MIN_SPEED = "Average speed is 80.0% of the surrounding traffic's one"
IS_LB1 = 0.6 * 0.7 * (1 - 12.5 / 100)  # vehicle x red light x outside lanes = 0.3675
EVENTS = [{"type": "collisions_vehicle", "time": 3.5, "location": [1.235, -2.0, 0.5]},
          {"type": "red_light", "time": 7.25, "location": [1.235, -2.0, 0.5]},
          {"type": "outside_route_lanes", "time": 9.0, "location": [1.235, -2.0, 0.5]}]  # fmt: skip
MIN_SPEED_EVENT = {"type": "min_speed_infractions", "time": 9.0, "location": [1.235, -2.0, 0.5]}
OUR_META = {"town": "Town05", "scenario_types": ["ParkingCutIn"], "events": EVENTS}


def test_leaderboard_1_record() -> None:
    record = record_json(route(), LB1, ResultsFormat.LB1)
    assert list(record) == ["route_id", "index", "status", "infractions", "scores", "meta"]
    assert record["infractions"] == {
        "collisions_pedestrian": [], "collisions_vehicle": [COLLISION], "collisions_layout": [],
        "red_light": [RED_LIGHT], "stop_infraction": [], "outside_route_lanes": [OUTSIDE], "route_dev": [],
        "route_timeout": [], "vehicle_blocked": [],
    }  # fmt: skip
    assert list(record["infractions"]) == list(infraction_keys(ResultsFormat.LB1))
    assert record["scores"] == pytest.approx({"score_route": 80.0, "score_penalty": IS_LB1,
                                              "score_composed": 80.0 * IS_LB1})  # fmt: skip
    assert record["meta"] == {"route_length": 500.1234567, "duration_game": 60.1234567, "duration_system": 5.55555,
                              **OUR_META}  # fmt: skip
    assert (record["route_id"], record["index"], record["status"]) == ("RouteScenario_7", 3, "Completed")


def test_lmdrive_record_texts_carry_the_game_time() -> None:
    record = record_json(route(), LB1, ResultsFormat.LMDRIVE)
    assert record["infractions"]["collisions_vehicle"] == [COLLISION + ", at time=3.5"]
    assert record["infractions"]["red_light"] == [RED_LIGHT + " at time=7.25"]
    assert record["infractions"]["outside_route_lanes"] == [OUTSIDE]


def test_leaderboard_2_record_rounds_and_counts() -> None:
    record = record_json(route(with_min_speed=True), LB2, ResultsFormat.LB2)
    assert list(record) == ["index", "route_id", "status", "num_infractions", "infractions", "scores", "meta"]
    assert list(record["infractions"]) == [
        "collisions_layout", "collisions_pedestrian", "collisions_vehicle", "red_light", "stop_infraction",
        "outside_route_lanes", "min_speed_infractions", "yield_emergency_vehicle_infractions", "scenario_timeouts",
        "route_dev", "vehicle_blocked", "route_timeout",
    ]  # fmt: skip
    assert record["num_infractions"] == 4 and record["infractions"]["min_speed_infractions"] == [MIN_SPEED]
    penalty = IS_LB1 * (1 - 0.3 * (1 - 80.0 / 100))  # 2.0 charges the min speed: x 0.94
    assert record["scores"] == {"score_route": 80.0, "score_penalty": round(penalty, 6),
                                "score_composed": round(80.0 * penalty, 6)}  # fmt: skip
    assert record["meta"] == {"route_length": 500.123, "duration_game": 60.123, "duration_system": 5.556, **OUR_META,
                              "events": [*EVENTS, MIN_SPEED_EVENT]}  # fmt: skip


def test_bench2drive_record_adds_its_four_fields_and_frees_the_min_speed() -> None:
    fields = {"scenario_name": "ParkingCutIn_1", "weather_id": "3", "save_name": "RouteScenario_7_rep0_x",
              "town_name": "Town05"}  # fmt: skip
    record = record_json(route(with_min_speed=True, junction_completion=0.5, **fields), B2D, ResultsFormat.BENCH2DRIVE)
    assert list(record)[7:] == ["scenario_name", "weather_id", "save_name", "town_name"]
    assert {key: record[key] for key in fields} == fields
    assert record["scores"]["score_penalty"] == round(IS_LB1, 6)
    assert record["meta"] == {"route_length": 500.123, "duration_game": 60.123, "duration_system": 5.556,
                              **OUR_META, "junction_completion": 0.5,
                              "events": [*EVENTS, MIN_SPEED_EVENT]}  # fmt: skip
    assert "save_name" not in record_json(route(**fields), LB2, ResultsFormat.LB2)["meta"]


def test_the_other_texts_word_for_word() -> None:
    def text(kind: Infraction, **fields) -> str:
        return InfractionEvent(kind, 1.0, np.array([10.0, 20.123449, -0.0004]), **fields).message()

    assert (
        text(Infraction.STOP_SIGN, detail="with id=12") == "Agent ran a stop with id=12 at (x=10.0, y=20.123, z=-0.0)"
    )
    assert text(Infraction.ROUTE_DEVIATION) == "Agent deviated from the route at (x=10.0, y=20.123, z=-0.0)"
    assert text(Infraction.AGENT_BLOCKED) == "Agent got blocked at (x=10.0, y=20.123, z=-0.0)"
    assert text(Infraction.ROUTE_TIMEOUT) == "Route timeout."
    assert text(Infraction.SCENARIO_TIMEOUT) == "Agent timed out a scenario"
    assert text(Infraction.YIELD_TO_EMERGENCY_VEHICLE) == "Agent failed to yield to an emergency vehicle"
    assert text(Infraction.MIN_SPEED, value=87.456) == "Average speed is 87.46% of the surrounding traffic's one"
    assert InfractionEvent(Infraction.RED_LIGHT, 0.0, WHERE, text="as the evaluator wrote").message() == (
        "as the evaluator wrote"
    )


def test_an_evaluator_status_text_is_kept() -> None:
    record = RouteRecord(0, "RouteScenario_1", "Town01", RouteStatus.FAILED, 10.0, (), 100.0, 1.0, 1.0,
                         extra={"evaluator_status": "Failed - Something new"})  # fmt: skip
    as_json = record_json(record, LB2, ResultsFormat.LB2)
    assert as_json["status"] == "Failed - Something new" and "evaluator_status" not in as_json["meta"]


def test_sensor_icons_per_evaluator() -> None:
    declared = ["sensor.camera.rgb", "sensor.lidar.ray_cast", "sensor.speedometer", "sensor.camera.depth"]
    assert sensor_icons(declared, ResultsFormat.LB2) == ["carla_camera", "carla_lidar", "carla_speedometer",
                                                        "sensor.camera.depth"]  # fmt: skip
    assert sensor_icons(declared, ResultsFormat.LMDRIVE)[-1] == "carla_camera"
