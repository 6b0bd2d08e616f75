"""The leaderboard's checkpoint JSON: written atomically after every route, resumable.

Layout (leaderboard 2.0's, which 1.0 readers also accept)::

    {"_checkpoint": {"global_record": {...}, "progress": [done, total], "records": [...]},
     "entry_status": "Started" | "Finished" | "Crashed", "eligible": bool,
     "sensors": [...], "values": [...], "labels": [...]}

A crash while writing never loses finished routes: the new file is written beside the old one
and moved over it in one step (``os.replace``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from sim.eval.infractions import LeaderboardRules
from sim.eval.route_record import RouteRecord, RouteStatus
from sim.eval.statistics import global_record

RERUN_STATUSES = (RouteStatus.AGENT_CRASHED.value, RouteStatus.SIMULATION_CRASHED.value)


class ResultsFileError(ValueError):
    """The results file cannot be resumed; the message names the file and the field."""


def write_json_atomically(path: Path, payload: dict) -> None:
    """Write ``payload`` to ``path`` so that readers see the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(payload, stream, indent=2)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class ResultsFile:
    """Records of one benchmark run in the leaderboard's checkpoint format.

    Args:
        path: the JSON file.
        rules: scoring rules of the benchmark.
        route_ids: every route id of the run, in order (with repetitions), to validate a resume.
        sensors: the agent's sensor types, as the leaderboard lists them.
    """

    def __init__(self, path: str | Path, rules: LeaderboardRules, route_ids: list[str], sensors: list[str]) -> None:
        self.path = Path(path)
        self.rules = rules
        self.route_ids = list(route_ids)
        self.sensors = list(sensors)
        self.records: list[dict] = []

    def resume(self) -> set[int]:
        """Load an existing file and return the indices that need no re-run.

        Routes whose agent or simulator crashed are dropped and run again, as Bench2Drive does.
        A file from a different route list is refused rather than mixed.
        """
        if not self.path.exists():
            return set()
        try:
            payload = json.loads(self.path.read_text())
            records = payload["_checkpoint"]["records"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ResultsFileError(f"{self.path}: not a results file to resume ({error!r})") from error
        for record in records:
            index, route_id = record.get("index"), record.get("route_id")
            if not isinstance(index, int) or not 0 <= index < len(self.route_ids):
                raise ResultsFileError(f"{self.path}: record index {index!r} is outside this run's routes")
            if route_id != self.route_ids[index]:
                raise ResultsFileError(
                    f"{self.path}: record {index} is route_id {route_id!r}, this run has {self.route_ids[index]!r}"
                )
        self.records = [record for record in records if record.get("status") not in RERUN_STATUSES]
        return {record["index"] for record in self.records}

    def add(self, record: RouteRecord) -> None:
        """Store one finished route and rewrite the file atomically."""
        self.records = [r for r in self.records if r["index"] != record.index]
        self.records.append(record.to_json(self.rules))
        self.records.sort(key=lambda r: r["index"])
        self.write(finished=False)

    def write(self, finished: bool) -> dict:
        """Write the file; ``finished`` marks a run that went through every route."""
        payload = {
            "_checkpoint": {
                "global_record": global_record(self.records, self.rules) if self.records else {},
                "progress": [len(self.records), len(self.route_ids)],
                "records": self.records,
            },
            "entry_status": "Finished" if finished else "Started",
            "eligible": finished,
            "sensors": self.sensors,
        }
        if finished and self.records:
            scores = payload["_checkpoint"]["global_record"]["scores_mean"]
            payload["values"] = [f"{scores[key]:.3f}" for key in ("score_composed", "score_route", "score_penalty")]
            payload["labels"] = ["Avg. driving score", "Avg. route completion", "Avg. infraction penalty"]
        write_json_atomically(self.path, payload)
        return payload
