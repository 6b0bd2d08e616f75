"""Which evaluator's results file we write, and one route record in its exact fields.

| format | evaluator | record fields |
| --- | --- | --- |
| ``leaderboard-1.0`` | leaderboard 1.0 | route_id, index, status, infractions (9 keys), scores, meta |
| ``lmdrive`` | LMDrive's copy of 1.0 (LangAuto) | as 1.0; collision and red-light texts end with the game time |
| ``leaderboard-2.0`` | leaderboard 2.0 | index, route_id, status, num_infractions, infractions (12), scores, meta |
| ``bench2drive`` | Bench2Drive's copy of 2.0 | as 2.0, plus scenario_name, weather_id, save_name, town_name |

``meta`` holds the evaluator's keys (route_length, duration_game, duration_system) and then ours
(town, scenario_types, error, ...). 2.0 rounds scores to 6 decimals and meta values to 3.
"""

from __future__ import annotations

import enum

from sim.eval.infractions import Infraction, LeaderboardRules
from sim.eval.route_record import RouteRecord, event_json

ROUND_SCORE, ROUND_META = 6, 3  # decimals of 2.0's record scores and meta values
BENCH2DRIVE_FIELDS = ("scenario_name", "weather_id", "save_name", "town_name")


class ResultsFormat(enum.Enum):
    """The results file layout of one evaluator."""

    LB1 = "leaderboard-1.0"
    LMDRIVE = "lmdrive"
    LB2 = "leaderboard-2.0"
    BENCH2DRIVE = "bench2drive"

    @property
    def is_lb1(self) -> bool:
        """Leaderboard 1.0's layout (its own or LMDrive's copy)."""
        return self in (ResultsFormat.LB1, ResultsFormat.LMDRIVE)


def default_format(rules: LeaderboardRules) -> ResultsFormat:
    """The format of the evaluator whose rules score the benchmark (1.0's own for LangAuto)."""
    return {
        LeaderboardRules.LB1: ResultsFormat.LB1,
        LeaderboardRules.LB2: ResultsFormat.LB2,
        LeaderboardRules.BENCH2DRIVE: ResultsFormat.BENCH2DRIVE,
    }[rules]


_LB1_KINDS = (
    Infraction.COLLISION_PEDESTRIAN, Infraction.COLLISION_VEHICLE, Infraction.COLLISION_STATIC, Infraction.RED_LIGHT,
    Infraction.STOP_SIGN, Infraction.OUTSIDE_ROUTE_LANES, Infraction.ROUTE_DEVIATION, Infraction.ROUTE_TIMEOUT,
    Infraction.AGENT_BLOCKED,
)  # fmt: skip
_LB2_KINDS = (
    Infraction.COLLISION_STATIC, Infraction.COLLISION_PEDESTRIAN, Infraction.COLLISION_VEHICLE, Infraction.RED_LIGHT,
    Infraction.STOP_SIGN, Infraction.OUTSIDE_ROUTE_LANES, Infraction.MIN_SPEED,
    Infraction.YIELD_TO_EMERGENCY_VEHICLE, Infraction.SCENARIO_TIMEOUT, Infraction.ROUTE_DEVIATION,
    Infraction.AGENT_BLOCKED, Infraction.ROUTE_TIMEOUT,
)  # fmt: skip


def infraction_keys(fmt: ResultsFormat) -> tuple[str, ...]:
    """A record's ``infractions`` keys, in the evaluator's order."""
    return tuple(kind.value for kind in (_LB1_KINDS if fmt.is_lb1 else _LB2_KINDS))


_ICONS = {
    "sensor.camera.rgb": "carla_camera",
    "sensor.lidar.ray_cast": "carla_lidar",
    "sensor.other.radar": "carla_radar",
    "sensor.other.gnss": "carla_gnss",
    "sensor.other.imu": "carla_imu",
    "sensor.opendrive_map": "carla_opendrive_map",
    "sensor.speedometer": "carla_speedometer",
}
_LMDRIVE_ICONS = {
    **_ICONS,
    "sensor.camera.semantic_segmentation": "carla_camera",
    "sensor.camera.depth": "carla_camera",
    "sensor.lidar.ray_cast_semantic": "carla_lidar",
}


def sensor_icons(sensor_types: list[str] | tuple[str, ...], fmt: ResultsFormat) -> list[str]:
    """The ``sensors`` list: each declared sensor's icon name (a type without one, which that
    evaluator would have rejected, is listed as its type)."""
    icons = _LMDRIVE_ICONS if fmt is ResultsFormat.LMDRIVE else _ICONS
    return [icons.get(sensor_type, sensor_type) for sensor_type in sensor_types]


def record_json(record: RouteRecord, rules: LeaderboardRules, fmt: ResultsFormat) -> dict:
    """The record as the evaluator of ``fmt`` writes it into the checkpoint's ``records``."""
    infractions: dict[str, list[str]] = {key: [] for key in infraction_keys(fmt)}
    for event in record.infractions:
        infractions.setdefault(event.kind.value, []).append(event.message(with_time=fmt is ResultsFormat.LMDRIVE))
    scores = {
        "score_route": record.route_completion,
        "score_penalty": record.infraction_penalty(rules),
        "score_composed": record.driving_score(rules),
    }
    meta = {
        "route_length": record.route_length,
        "duration_game": record.duration_game,
        "duration_system": record.duration_system,
    }
    status = str(record.extra.get("evaluator_status") or record.status.value)
    if fmt.is_lb1:
        return {"route_id": record.route_id, "index": record.index, "status": status, "infractions": infractions,
                "scores": scores, "meta": {**meta, **_our_meta(record)}}  # fmt: skip
    scores = {key: round(value, ROUND_SCORE) for key, value in scores.items()}
    meta = {key: round(value, ROUND_META) for key, value in meta.items()}
    payload = {
        "index": record.index,
        "route_id": record.route_id,
        "status": status,
        "num_infractions": sum(len(messages) for messages in infractions.values()),
        "infractions": infractions,
        "scores": scores,
        "meta": {**meta, **_our_meta(record)},
    }
    if fmt is ResultsFormat.BENCH2DRIVE:
        payload.update({key: record.extra.get(key) for key in BENCH2DRIVE_FIELDS})
        payload["town_name"] = payload["town_name"] or record.town
    return payload


def _our_meta(record: RouteRecord) -> dict:
    """Our keys after the evaluator's: the town, the scenario types, the error, every infraction with its
    time (the report links each to the video or recording there), and the record's extras (Bench2Drive's
    four fields only in its own format, at the top level)."""
    skipped = ("evaluator_status", *BENCH2DRIVE_FIELDS)
    extra = {key: value for key, value in record.extra.items() if key not in skipped}
    meta = {"town": record.town, "scenario_types": list(record.scenario_types)}
    if record.error:
        meta["error"] = record.error
    meta["events"] = [event_json(event) for event in record.infractions]
    return {**meta, **extra}
