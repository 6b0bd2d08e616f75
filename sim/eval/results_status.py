"""The results file's ``entry_status`` / ``eligible`` and its ``values`` / ``labels``, per evaluator.

Entry status, leaderboard 2.0 (and Bench2Drive): "Started" while routes run; at the end "Finished",
"Crashed" if a route's status says "Simulation crashed", "Rejected" if it says "Agent's sensors were
invalid" (the last such route decides); then "Invalid" when the file is incomplete: sensors were
read but the list is empty, ``progress`` disagrees with the records, or a record is still "Started".
Eligible only when "Finished".

Leaderboard 1.0 (and LMDrive's copy): a simulation crash or invalid sensors stop that evaluator,
leaving "Crashed" / "Rejected" (not eligible; the first such route decides). Otherwise at the end
"Finished", "Finished with missing data" (records or progress short of the total; not eligible) or
"Finished with agent errors" (a route status mentions "Agent": timed out, deviated, blocked,
crashed...; still eligible). Before the end: "Started", not eligible.
"""

from __future__ import annotations

from sim.eval.results_format import ResultsFormat

SIMULATION_CRASHED = "Simulation crashed"
SENSORS_INVALID = "Agent's sensors were invalid"
ELIGIBLE = {"Started": False, "Finished": True, "Rejected": False, "Crashed": False, "Invalid": False}

_LB1_LABELS = (
    "Avg. driving score", "Avg. route completion", "Avg. infraction penalty", "Collisions with pedestrians",
    "Collisions with vehicles", "Collisions with layout", "Red lights infractions", "Stop sign infractions",
    "Off-road infractions", "Route deviations", "Route timeouts", "Agent blocked",
)  # fmt: skip
_LB2_LABELS = (*_LB1_LABELS, "Yield emergency vehicles infractions", "Scenario timeouts", "Min speed infractions")
_INFRACTION_COLUMNS = (
    "collisions_pedestrian", "collisions_vehicle", "collisions_layout", "red_light", "stop_infraction",
    "outside_route_lanes", "route_dev", "route_timeout", "vehicle_blocked",
)  # fmt: skip
_LB2_EXTRA_COLUMNS = ("yield_emergency_vehicle_infractions", "scenario_timeouts", "min_speed_infractions")


def values_and_labels(global_record: dict, fmt: ResultsFormat) -> tuple[list[str], list[str]]:
    """The ``values`` (text) and ``labels`` lists, in the same order: 12 for 1.0, 15 for 2.0."""
    infractions = global_record["infractions"]
    if fmt.is_lb1:
        scores = global_record["scores"]
        numbers = [scores["score_composed"], scores["score_route"], scores["score_penalty"]]
        numbers += [infractions[key] for key in _INFRACTION_COLUMNS]
        return [f"{number:.3f}" for number in numbers], list(_LB1_LABELS)
    means = global_record["scores_mean"]
    numbers = [means["score_composed"], means["score_route"], means["score_penalty"]]
    numbers += [infractions[key] for key in (*_INFRACTION_COLUMNS, *_LB2_EXTRA_COLUMNS)]
    return [str(number) for number in numbers], list(_LB2_LABELS)


def entry_status(
    records: list[dict], fmt: ResultsFormat, total_routes: int, finished: bool, sensors: list[str] | None
) -> tuple[str, bool]:
    """``(entry_status, eligible)`` of a file holding ``records`` of a ``total_routes`` run.

    ``finished``: the run went through every route it will run; ``sensors``: the ``sensors`` list,
    None while no agent has declared its sensors.
    """
    statuses = [str(record["status"]) for record in records]
    if fmt.is_lb1:
        return _lb1_status(statuses, total_routes, finished)
    status = "Started"
    for text in statuses:
        if SIMULATION_CRASHED in text:
            status = "Crashed"
        elif SENSORS_INVALID in text:
            status = "Rejected"
    if finished:
        status = "Finished" if status == "Started" else status
        incomplete = len(records) != total_routes or "Started" in statuses
        if (sensors is not None and not sensors) or incomplete:
            status = "Invalid"
    return status, ELIGIBLE[status]


def _lb1_status(statuses: list[str], total_routes: int, finished: bool) -> tuple[str, bool]:
    for text in statuses:
        if SIMULATION_CRASHED in text:
            return "Crashed", False
        if SENSORS_INVALID in text:
            return "Rejected", False
    if not finished:
        return "Started", False
    if len(statuses) != total_routes:
        return "Finished with missing data", False
    if any("Agent" in text for text in statuses):
        return "Finished with agent errors", True
    return "Finished", True
