"""The leaderboard's checkpoint JSON: written atomically after every route, resumable.

Layout (every leaderboard's)::

    {"_checkpoint": {"global_record": {...}, "progress": [done, total], "records": [...]},
     "entry_status": "Started" | "Finished" | ..., "eligible": bool,
     "sensors": [...], "values": [...], "labels": [...], "run": {...}}

The records, the global record (written at the end, as the evaluators do), the entry status and
the values/labels follow the chosen evaluator's format exactly (:mod:`sim.eval.results_format`).
Bench2Drive's format also gets each route's ``metric_info/<save_name>/metric_info.json``.
``run`` (our addition) is the :class:`~sim.run.run_identity.RunIdentity` of the run that wrote the
file; a resume refuses a file of another run and validates every record first
(:mod:`sim.run.record_validation`).

A crash while writing never loses finished routes: the new file is written beside the old one
and moved over it in one step (``os.replace``).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from sim.eval.bench2drive_metric import METRIC_INFO_FILE
from sim.eval.infractions import LeaderboardRules
from sim.eval.results_format import ResultsFormat, default_format, record_json, sensor_icons
from sim.eval.results_status import entry_status, values_and_labels
from sim.eval.route_record import RouteRecord, RouteStatus
from sim.eval.statistics import global_record
from sim.run.record_validation import RecordError, validate_records
from sim.run.run_identity import code_changes, identity_differences

logger = logging.getLogger(__name__)

RERUN_STATUSES = (RouteStatus.AGENT_CRASHED.value, RouteStatus.SIMULATION_CRASHED.value)
METRIC_DIR = "metric_info"  # Bench2Drive's per-route motion files, under the results folder


class ResultsFileError(ValueError):
    """The results file cannot be resumed; the message names the file and the field."""


def write_json_atomically(path: Path, payload: dict, indent: int | None = 2) -> None:
    """Write ``payload`` to ``path`` so that readers see the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(payload, stream, indent=indent)
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
        sensors: the agent's sensor types; None: taken from the first record whose agent declared them.
        fmt: the evaluator whose format to write (default: the one of ``rules``).
        identity: the run's identity (:meth:`RunIdentity.to_json`), stored and checked on resume.
    """

    def __init__(
        self, path: str | Path, rules: LeaderboardRules, route_ids: list[str], sensors: list[str] | None = None,
        fmt: ResultsFormat | None = None, identity: dict | None = None,
    ) -> None:  # fmt: skip
        self.path = Path(path)
        self.rules = rules
        self.format = fmt or default_format(rules)
        self.route_ids = list(route_ids)
        self.sensors = sensor_icons(sensors, self.format) if sensors is not None else None
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
        if self.sensors is None and payload.get("sensors"):
            self.sensors = list(payload["sensors"])
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
        """Store one finished route (and its metric_info.json) and rewrite the file atomically."""
        if self.sensors is None and record.sensors is not None:
            self.sensors = sensor_icons(record.sensors, self.format)  # the first agent's, as the evaluators keep
        as_json = record_json(record, self.rules, self.format)
        if self.format is ResultsFormat.BENCH2DRIVE and record.motion is not None and as_json["save_name"]:
            metric_file = self.path.parent / METRIC_DIR / str(as_json["save_name"]) / METRIC_INFO_FILE
            write_json_atomically(metric_file, record.motion.to_metric_info(), indent=None)
        self.records = [r for r in self.records if r["index"] != record.index]
        self.records.append(as_json)
        self.records.sort(key=lambda r: r["index"])
        self.write(finished=False)

    def write(self, finished: bool) -> dict:
        """Write the file; ``finished`` marks a run that went through every route (global record, values)."""
        total = len(self.route_ids)
        status, eligible = entry_status(self.records, self.format, total, finished, self.sensors)
        payload = {
            "_checkpoint": {
                "global_record": global_record(self.records, self.format, total) if finished and self.records else {},
                "progress": [len(self.records), total],
                "records": self.records,
            },
            "entry_status": status,
            "eligible": eligible,
            "sensors": self.sensors or [],
            "values": [],
            "labels": [],
        }
        if self.identity is not None:
            payload["run"] = self.identity
        summary = payload["_checkpoint"]["global_record"]
        if summary:
            payload["values"], payload["labels"] = values_and_labels(summary, self.format)
        write_json_atomically(self.path, payload)
        return payload
