"""The leaderboard's checkpoint JSON: written atomically after every route, resumable.

Layout (leaderboard 2.0's, which 1.0 readers also accept)::

    {"_checkpoint": {"global_record": {...}, "progress": [done, total], "records": [...]},
     "entry_status": "Started" | "Finished" | "Crashed" | "Rejected", "eligible": bool,
     "sensors": [...], "values": [...], "labels": [...], "run": {...}}

``run`` is the :class:`~sim.run.run_identity.RunIdentity` of the run that wrote the file; a resume
refuses a file of another run and validates every record first (:mod:`sim.run.record_validation`).
A crash while writing never loses finished routes: the new file is written beside the old one
and moved over it in one step (``os.replace``).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from sim.eval.infractions import LeaderboardRules
from sim.eval.route_record import RouteRecord, RouteStatus
from sim.eval.statistics import global_record
from sim.run.record_validation import RecordError, validate_records
from sim.run.run_identity import code_changes, identity_differences

logger = logging.getLogger(__name__)

RERUN_STATUSES = (RouteStatus.AGENT_CRASHED.value, RouteStatus.SIMULATION_CRASHED.value)
# A route whose failure is the run's, not the agent's, changes the entry's status (leaderboard rule).
ENTRY_FAILURES = ((RouteStatus.SIMULATION_CRASHED.value, "Crashed"), (RouteStatus.INVALID_SENSORS.value, "Rejected"))


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
        identity: the run's identity (:meth:`RunIdentity.to_json`), stored and checked on resume.
    """

    def __init__(
        self, path: str | Path, rules: LeaderboardRules, route_ids: list[str], sensors: list[str], identity=None
    ) -> None:
        self.path = Path(path)
        self.rules = rules
        self.route_ids = list(route_ids)
        self.sensors = list(sensors)
        self.identity: dict | None = identity
        self.records: list[dict] = []

    def resume(self) -> set[int]:
        """Load an existing file and return the indices that need no re-run.

        Routes whose agent or simulator crashed are dropped and run again, as Bench2Drive does.
        A file of another run (identity, route list) or with an invalid record is refused.
        """
        if not self.path.exists():
            return set()
        try:
            payload = json.loads(self.path.read_text())
            records = payload["_checkpoint"]["records"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ResultsFileError(f"{self.path}: not a results file to resume ({error!r})") from error
        self._check_identity(payload.get("run"))
        try:
            validate_records(records, self.path, self.route_ids, self.rules)
        except RecordError as error:
            raise ResultsFileError(f"{error}; fix or delete that record, or start over with --overwrite") from None
        self.records = [record for record in records if record.get("status") not in RERUN_STATUSES]
        return {record["index"] for record in self.records}

    def _check_identity(self, stored: object) -> None:
        if self.identity is None:
            return
        if not isinstance(stored, dict):
            raise ResultsFileError(f"{self.path}: holds no run identity (\"run\"), so it cannot be matched to this "
                                   "run; start over with --overwrite or choose another --out")  # fmt: skip
        differences = identity_differences(stored, self.identity)
        if differences:
            raise ResultsFileError(f"{self.path} was written by another run; --resume continues only the same run. "
                                   "Differences:\n  " + "\n  ".join(differences))  # fmt: skip
        for change in code_changes(stored, self.identity):
            logger.warning("%s: resuming with other code: %s", self.path, change)

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
            **entry_status(self.records, finished),
            "sensors": self.sensors,
        }
        if self.identity is not None:
            payload["run"] = self.identity
        if finished and self.records:
            scores = payload["_checkpoint"]["global_record"]["scores_mean"]
            payload["values"] = [f"{scores[key]:.3f}" for key in ("score_composed", "score_route", "score_penalty")]
            payload["labels"] = ["Avg. driving score", "Avg. route completion", "Avg. infraction penalty"]
        write_json_atomically(self.path, payload)
        return payload


def entry_status(records: list[dict], finished: bool) -> dict:
    """``entry_status`` and ``eligible``: Started until the run ends, then Finished unless a route's
    failure was the simulation's (Crashed) or the agent's sensors were illegal (Rejected)."""
    status = "Finished" if finished else "Started"
    if finished:
        for failed, entry in ENTRY_FAILURES:
            if any(record["status"] == failed for record in records):
                status = entry
                break
    return {"entry_status": status, "eligible": status == "Finished"}
