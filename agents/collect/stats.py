"""What a dataset teaches: shares of samples stopped at a light, behind a vehicle, moving, turning, perturbed.

    python -m agents.collect.stats --data DATASET        # one JSON object

A sample is *stopped* below ``STOPPED_SPEED``; stopped samples are split by the expert's binding
constraint (``blocking_reason``): a red or yellow light, a vehicle (following, yielding, no room
past a junction), anything else. *Turning* samples move with a yaw rate above ``TURN_RATE``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

import numpy as np

from models.common.driving_data import DrivingData
from sim.types import StateIndex

STOPPED_SPEED = 0.1  # [m/s]
TURN_RATE = 0.1  # [rad/s]
LIGHT_REASONS = ("red_light", "yellow")
VEHICLE_REASONS = ("vehicle", "yield_vehicle", "no_room")


def dataset_statistics(data: DrivingData) -> dict:
    """Counts and shares over every episode of ``data`` (see the module docstring)."""
    counts: Counter = Counter()
    statuses: Counter = Counter()
    towns: Counter = Counter()
    splits: Counter = Counter()
    for info in data.episodes:
        episode = data.episode(info.id)
        statuses[info.status] += 1
        towns[info.town] += info.n_samples
        splits[info.split] += info.n_samples
        if episode.n == 0:
            continue
        speed, reason = episode.field("speed"), episode.field("blocking_reason")
        stopped = speed < STOPPED_SPEED
        yaw_rate = (
            np.abs(episode.array("ego_state")[:, StateIndex.ANGULAR_VELOCITY])
            if episode.has_array("ego_state")
            else np.zeros(episode.n)
        )
        counts["samples"] += episode.n
        counts["stopped_at_light"] += int(np.sum(stopped & np.isin(reason, LIGHT_REASONS)))
        counts["stopped_behind_vehicle"] += int(np.sum(stopped & np.isin(reason, VEHICLE_REASONS)))
        counts["stopped_other"] += int(np.sum(stopped & ~np.isin(reason, LIGHT_REASONS + VEHICLE_REASONS)))
        counts["moving"] += int(np.sum(~stopped))
        counts["turning"] += int(np.sum(~stopped & (yaw_rate > TURN_RATE)))
        counts["perturbed"] += int(np.sum(episode.field("perturbed")))
        counts["misleading"] += int(np.sum(episode.field("misleading")))
        counts["with_notice"] += int(np.sum(episode.field("notice_id") >= 0))
        counts["instruction_completed"] += int(np.sum(episode.field("instruction_completed")))
        counts["red_light_ahead"] += int(np.sum(episode.field("light_state") == 0))
    total = max(counts["samples"], 1)
    shares = {key: round(value / total, 4) for key, value in counts.items() if key != "samples"}
    return {
        "episodes": len(data.episodes),
        "samples": counts["samples"],
        "samples_by_split": dict(splits),
        "samples_by_town": dict(sorted(towns.items())),
        "episode_status": dict(statuses),
        "shares": shares,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agents.collect.stats", description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="dataset folder")
    args = parser.parse_args(argv)
    print(json.dumps(dataset_statistics(DrivingData(args.data)), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
