"""A whole collection: settings and layout, the dataset, the plan, the workers, the statistics.

``run_collection`` is what ``python -m agents.collect`` runs. A new dataset records its settings
and layout in the manifest; ``resume=True`` reads them back from there (so the plan, the episode
ids and the cameras are the same) and skips the finished episodes.
"""

from __future__ import annotations

import logging
import subprocess
import time
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from agents.collect.cameras import collection_cameras
from agents.collect.evaluation_routes import EvaluationRoutes
from agents.collect.plan import EpisodePlan
from agents.collect.progress import Progress
from agents.collect.settings import CollectSettings
from agents.collect.workers import Budget, RunSummary, run_workers
from models.common.driving_data import DatasetWriter, DrivingDataError, LayoutConfig
from models.common.driving_data.layout import MANIFEST_FILE
from models.common.driving_data.manifest import read_manifest
from sim.world.bev_raster import BevChannel
from sim.world.config import WorldConfig

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RunOptions:
    """How to run (not recorded in the dataset): workers, budget, resume, data directory, camera preset."""

    workers: int = 1
    budget: Budget = Budget(episodes=10)
    resume: bool = False
    data_dir: str | None = None
    camera_preset: str | None = "cpu"


def dataset_layout(settings: CollectSettings) -> LayoutConfig:
    """The on-disk layout of a collection with ``settings`` (cameras, 10 Hz, 40 x 0.1 s, BEV raster)."""
    sample = settings.sample
    return LayoutConfig(
        cameras=tuple(settings.cameras),
        sample_interval_s=sample.every_ticks * WorldConfig().dt,
        horizon_steps=sample.horizon_steps,
        horizon_interval_s=sample.horizon_interval,
        bev_channels=tuple(channel.name.lower() for channel in BevChannel),
        bev_size_px=sample.bev_size_px,
        bev_metres_per_px=sample.bev_metres_per_px,
        bev_center_x=WorldConfig().ego.rear_axle_to_center,
        image_codec=sample.image_codec,
    )


def provenance() -> tuple[str, str]:
    """(package version from pyproject.toml, git commit of the checkout), empty where unknown."""
    try:
        version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        version = ""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return version, commit.stdout.strip() if commit.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return version, ""


def prepare_settings(out: Path, settings: CollectSettings, options: RunOptions) -> tuple[CollectSettings, LayoutConfig]:
    """The settings and layout to run with: a new dataset's (cameras from the planners), or the recorded ones.

    Raises:
        DrivingDataError: the dataset exists and ``resume`` is off, or ``resume`` finds no dataset.
    """
    exists = (out / MANIFEST_FILE).is_file()
    if exists and not options.resume:
        raise DrivingDataError(f"{out}: a dataset exists here; pass --resume to continue it, or choose another --out")
    if exists:
        manifest = read_manifest(out)
        try:
            recorded = CollectSettings.from_dict(manifest.collection)
        except (TypeError, ValueError) as error:
            where = out / MANIFEST_FILE
            raise DrivingDataError(f"{where}: field 'collection' holds no collection settings ({error})") from error
        return recorded, manifest.layout
    if options.resume:
        logger.info("%s: no dataset yet; starting a new one", out)
    if not settings.cameras:
        cameras, camera_map = collection_cameras(preset=options.camera_preset)
        settings = replace(settings, cameras=cameras, camera_map=camera_map)
    return settings, dataset_layout(settings)


def run_collection(out: str | Path, settings: CollectSettings, options: RunOptions) -> RunSummary:
    """Collect into ``out`` (see the module docstring)."""
    out = Path(out)
    # 1. settings and layout (recorded ones on resume)
    settings, layout = prepare_settings(out, settings, options)
    # 2. the dataset: temp folders of killed runs go, finished episodes are skipped
    version, commit = provenance()
    writer = DatasetWriter(out, layout, settings.to_dict(), version, commit)
    removed = writer.remove_incomplete()
    if removed:
        logger.info("removed %d unfinished episode folders of an earlier run", len(removed))
    finished = set(writer.finished())
    # 3. the plan: training routes clear of every evaluation route
    evaluation = EvaluationRoutes.load(settings.evaluation_files, options.data_dir)
    plan = EpisodePlan(settings, evaluation, options.data_dir)
    logger.info("%d route-file pieces, random routes: %s; %d finished episodes", len(plan.file_routes), plan.random,
                len(finished))  # fmt: skip
    # 4. the workers, within the budget
    budget = options.budget
    deadline = None if budget.minutes is None else time.monotonic() + 60.0 * budget.minutes
    progress = Progress(budget.episodes, deadline, done=len(finished))
    return run_workers(plan.episodes(finished), str(out), layout, settings, budget, options.workers, progress,
                       options.data_dir)  # fmt: skip
