"""``python -m agents.collect``: collect the expert driving dataset (see ``agents/collect/__init__.py``)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

from agents.collect.run import RunOptions, run_collection
from agents.collect.settings import RANDOM_TOWNS, CollectSettings, PerturbationConfig, RandomRouteConfig
from agents.collect.stats import dataset_statistics
from agents.collect.workers import Budget
from models.common.driving_data import DrivingData, DrivingDataError


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m agents.collect", description=__doc__.split(":")[1].strip())
    parser.add_argument("--out", required=True, help="dataset folder (created, or continued with --resume)")
    parser.add_argument("--workers", type=positive_int, default=1, help="worker processes (one thread each)")
    parser.add_argument("--episodes", type=positive_int, help="episodes the dataset should hold in all")
    parser.add_argument("--minutes", type=float, help="stop handing out episodes after this many minutes")
    parser.add_argument("--seed", type=int, default=0, help="base seed of routes, worlds and perturbations")
    parser.add_argument("--resume", action="store_true", help="continue the dataset at --out with its settings")
    parser.add_argument("--sources", default="lb1_training,lb2_training,random", help="comma-separated route sources")
    parser.add_argument("--random-fraction", type=float, default=0.5, help="share of episodes on random routes")
    parser.add_argument("--towns", default=",".join(RANDOM_TOWNS), help="towns of the random routes")
    parser.add_argument("--val-percent", type=float, default=10.0, help="[%%] of routes held out for validation")
    parser.add_argument("--density-scale", type=float, default=1.0, help="x leaderboard-1.0 background traffic")
    parser.add_argument("--max-episode-seconds", type=float, default=300.0, help="[s] simulated cap per episode")
    parser.add_argument("--no-perturbation", action="store_true", help="no recovery bursts")
    parser.add_argument("--driver", default="expert", help="planner that drives (a learned one: DAgger round)")
    parser.add_argument("--driver-config", default="", help="agent YAML of a learned driver (leaderboard agent keys)")
    parser.add_argument("--camera-preset", default="cpu", help="model preset whose cameras are recorded")
    parser.add_argument("--cameras", default=None, help="JSON file: a list of camera dicts to record instead")
    parser.add_argument("--data-dir", default=None, help="data directory (else $CLOSED_LOOP_DATA, else ./data)")
    parser.add_argument("--log-level", default="WARNING", help="logging level")
    args = parser.parse_args(argv)
    if args.episodes is None and args.minutes is None:
        parser.error("give a budget: --episodes N and/or --minutes M")
    if args.minutes is not None and args.minutes <= 0:
        parser.error(f"--minutes must be positive, got {args.minutes}")
    return args


def settings_from(args: argparse.Namespace) -> CollectSettings:
    cameras = ()
    if args.cameras:
        try:
            cameras = tuple(json.loads(Path(args.cameras).read_text()))
        except (OSError, json.JSONDecodeError, TypeError) as error:
            raise ValueError(f"--cameras {args.cameras}: not a JSON list of camera dicts ({error})") from error
    return replace(
        CollectSettings(),
        cameras=cameras,
        seed=args.seed,
        sources=tuple(s.strip() for s in args.sources.split(",") if s.strip()),
        random_fraction=args.random_fraction,
        val_percent=args.val_percent,
        density_scale=args.density_scale,
        max_episode_seconds=args.max_episode_seconds,
        driver=args.driver,
        driver_config=args.driver_config,
        random_routes=RandomRouteConfig(towns=tuple(t.strip() for t in args.towns.split(",") if t.strip())),
        perturbation=PerturbationConfig(enabled=not args.no_perturbation),
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_from(args)
        options = RunOptions(args.workers, Budget(args.episodes, args.minutes), args.resume, args.data_dir,
                             args.camera_preset or None)  # fmt: skip
        summary = run_collection(args.out, settings, options)
    except (DrivingDataError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished episodes are in {args.out}; continue with --resume", file=sys.stderr)
        return 130
    rate = summary.samples / max(summary.seconds, 1e-9)
    print(f"{len(summary.committed)} episodes, {summary.samples} samples in {summary.seconds:.0f} s ({rate:.1f} "
          f"samples/s); {len(summary.failed)} failed", file=sys.stderr)  # fmt: skip
    for episode_id, error in summary.failed:
        print(f"  failed: {episode_id}: {error}", file=sys.stderr)
    print(json.dumps(dataset_statistics(DrivingData(args.out))))
    return 1 if summary.failed and not summary.committed else 0


if __name__ == "__main__":
    raise SystemExit(main())
