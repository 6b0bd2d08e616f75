"""Score a trajectory vocabulary at the samples of a collected dataset with the package's EPDMS scorer.

    python -m agents.collect.score_vocabulary --data DATASET --vocab NAME [--every K] [--workers N]

The vocabulary is ``DATASET/vocabularies/NAME.npy`` ``(V, 40, 3)`` (local frame, 0.1 s; built by
``python -m models.common.vocabulary``). Each sample's scene comes from :mod:`agents.collect.scene`
(the whole town's map indexed once per episode); all V trajectories are scored together
(:func:`sim.scoring.scorer.score_batch`: NAVSIM's batched path, EP normalised over the vocabulary)
with the collection's ego (the leaderboard's Lincoln MKZ) as the scored vehicle. Per episode the
sub-scores go to ``episodes/<id>/scores/NAME.npy`` ``(n, V, 10)`` (``ScoreColumn``: NC, DAC, DDC,
TLC, EP, TTC, LK, HC, EC, EPDMS); EC is NaN (it needs the plans of 0.5 s earlier) and EPDMS is the
score without it; samples skipped by ``--every`` are NaN. Episodes already scored are skipped.
"""

from __future__ import annotations

import argparse
import logging
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context

import numpy as np

from agents.collect.scene import EpisodeScenes
from agents.collect.workers import one_thread_per_process
from models.common.driving_data import DrivingData, write_scores
from models.common.driving_data.layout import ScoreColumn
from sim.scoring.config import EPDMS_CONFIG, ScorerConfig
from sim.scoring.evaluation import prepare_scene
from sim.scoring.results import EpdmsMetric
from sim.scoring.scorer import score_batch
from sim.scoring.world_scene import WorldSceneConfig
from sim.types import TrajectorySampling, VehicleParameters
from sim.world.config import EgoDynamicsConfig

logger = logging.getLogger(__name__)

_METRIC_COLUMNS = {ScoreColumn[m.name]: m for m in EpdmsMetric}  # NC .. HC share their names


def ego_vehicle(ego: EgoDynamicsConfig | None = None) -> VehicleParameters:
    """The world's ego as the scorer's vehicle (rear axle reference)."""
    ego = ego or EgoDynamicsConfig()
    front = ego.rear_axle_to_center + 0.5 * ego.length
    return VehicleParameters(ego.width, front, ego.length - front, ego.wheelbase, ego.height)


SCORER = replace(EPDMS_CONFIG, vehicle=ego_vehicle())


def score_episode(
    root: str, episode_id: str, vocabulary: str, every: int = 1, config: ScorerConfig = SCORER, data_dir=None
) -> np.ndarray:
    """``(n, V, len(ScoreColumn))`` sub-scores of the vocabulary at every ``every``-th sample (others NaN)."""
    data = DrivingData(root)
    poses = data.vocabulary(vocabulary)
    layout = data.layout
    sampling = TrajectorySampling(layout.horizon_steps, layout.horizon_interval_s)
    scenes = EpisodeScenes(data.episode(episode_id), data_dir)
    out = np.full((scenes.episode.n, poses.shape[0], len(ScoreColumn)), np.nan)
    whole_town = WorldSceneConfig(map_radius=None)
    for i in range(0, scenes.episode.n, every):
        scene = scenes.scene(i, whole_town)
        context = prepare_scene(scene, config, map_index=scenes.world_map.index)
        result = score_batch(scene, poses, sampling, config, context=context)
        for column, metric in _METRIC_COLUMNS.items():
            out[i, :, column] = result.metrics[:, metric]
        out[i, :, ScoreColumn.EPDMS] = result.score
    return out


def _score_and_write(root: str, episode_id: str, vocabulary: str, every: int, data_dir) -> tuple[str, int]:
    one_thread_per_process()
    data = DrivingData(root)
    info = next(e for e in data.episodes if e.id == episode_id)
    scores = score_episode(root, episode_id, vocabulary, every, data_dir=data_dir)
    write_scores(root, info, vocabulary, scores, scores.shape[1])
    return episode_id, int(np.sum(~np.isnan(scores[:, 0, ScoreColumn.EPDMS])))


def main(argv: list[str] | None = None) -> int:
    prog = "python -m agents.collect.score_vocabulary"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="dataset folder")
    parser.add_argument("--vocab", required=True, help="vocabulary name (DATASET/vocabularies/NAME.npy)")
    parser.add_argument("--every", type=int, default=1, help="score every k-th sample (others stay NaN)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (one episode each at a time)")
    parser.add_argument("--overwrite", action="store_true", help="score episodes that already have scores")
    parser.add_argument("--data-dir", default=None, help="data directory (town maps)")
    args = parser.parse_args(argv)
    if args.every < 1 or args.workers < 1:
        parser.error("--every and --workers must be >= 1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    data = DrivingData(args.data)
    data.vocabulary(args.vocab)  # fails early, naming the file, when the vocabulary is missing
    todo = [e.id for e in data.episodes if args.overwrite or not data.episode(e.id).has_scores(args.vocab)]
    started, scored = time.monotonic(), 0
    with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
        jobs = [pool.submit(_score_and_write, args.data, e, args.vocab, args.every, args.data_dir) for e in todo]
        for k, job in enumerate(jobs):
            episode_id, samples = job.result()
            scored += samples
            rate = scored / max(time.monotonic() - started, 1e-9)
            logger.info("%d/%d %s: %d samples scored (%.2f samples/s)", k + 1, len(jobs), episode_id, samples, rate)
    print(f"{len(todo)} episodes scored ({scored} samples); {len(data.episodes) - len(todo)} already had scores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
