"""What the report reads from a results folder: the records, each infraction with its place and time, the media.

Infraction times come from each record's ``meta.events``; results written before that field existed
give the place (parsed from the message) and no time. Links point at the route's video
(``videos/<route>.mp4#t=<s>``, a media fragment browsers seek to) or else its recording
(``recordings/<route>.rrd#t=<s>``: the anchor names the time to scrub to in the viewer).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.frames import carla_to_internal_xy
from sim.paths import safe_file_stem
from sim.run.recorders import RECORDING_DIR, VIDEO_DIR

_LOCATION = re.compile(r"at \(x=(-?[\d.]+), y=(-?[\d.]+), z=(-?[\d.]+)\)")


class ReportError(ValueError):
    """The results folder cannot be reported on; the message names the file and the field."""


@dataclass(frozen=True)
class RouteMedia:
    """Paths relative to the results folder (``None`` when the file does not exist)."""

    video: str | None
    recording: str | None

    def link(self, time: float | None) -> str | None:
        """The video (else the recording) at ``time`` [s]."""
        target = self.video or self.recording
        if target is None:
            return None
        return f"{target}#t={time:.1f}" if time is not None else target


@dataclass(frozen=True)
class ReportEvent:
    """One infraction for the map and the event table.

    Attributes:
        route_id, town: where it happened.
        kind: the leaderboard key (``collisions_vehicle`` ...).
        time: [s] simulated time, or ``None`` (older results).
        xy: ``(2,)`` [m] internal frame (x east, y north).
        message: the leaderboard message.
        link: video / recording at that time, or ``None``.
    """

    route_id: str
    town: str
    kind: str
    time: float | None
    xy: np.ndarray
    message: str
    link: str | None


def read_results(out_dir: Path) -> dict:
    """The checkpoint payload of ``out_dir/results.json``."""
    path = Path(out_dir) / "results.json"
    try:
        payload = json.loads(path.read_text())
        payload["_checkpoint"]["records"]
    except FileNotFoundError as error:
        raise ReportError(f"{path}: no results file to report on") from error
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ReportError(f"{path}: not a results file ({error!r})") from error
    return payload


def record_town(record: dict) -> str:
    """The record's town: ``meta.town`` (every results format), Bench2Drive's ``town_name``, or the
    top-level ``town`` of results written before the formats."""
    town = record.get("meta", {}).get("town") or record.get("town_name") or record.get("town")
    return str(town) if town else "?"


def route_media(out_dir: Path, route_id: str) -> RouteMedia:
    video = f"{VIDEO_DIR}/{safe_file_stem(route_id)}.mp4"
    recording = f"{RECORDING_DIR}/{safe_file_stem(route_id)}.rrd"
    return RouteMedia(
        video if (Path(out_dir) / video).is_file() else None,
        recording if (Path(out_dir) / recording).is_file() else None,
    )


def record_events(record: dict, media: RouteMedia) -> list[ReportEvent]:
    """Every infraction of one record, with a place (events without one are left out)."""
    timed = record.get("meta", {}).get("events")
    messages = [(kind, message) for kind, items in record["infractions"].items() for message in items]
    events = []
    if timed is not None and len(timed) == len(messages):
        seen: dict[str, int] = {}
        for entry in timed:  # the k-th event of a kind is the k-th message of that kind
            kind = entry["type"]
            index = seen[kind] = seen.get(kind, -1) + 1
            xy = carla_to_internal_xy(np.asarray(entry["location"][:2], dtype=np.float64))
            message = record["infractions"][kind][index]
            events.append(_event(record, kind, float(entry["time"]), xy, message, media))
        return events
    for kind, message in messages:  # older results: the place from the message, no time
        match = _LOCATION.search(message)
        if match:
            xy = carla_to_internal_xy(np.array([float(match.group(1)), float(match.group(2))]))
            events.append(_event(record, kind, None, xy, message, media))
    return events


def _event(record: dict, kind: str, time: float | None, xy: np.ndarray, message: str, media: RouteMedia):
    return ReportEvent(record["route_id"], record_town(record), kind, time, xy, message, media.link(time))
