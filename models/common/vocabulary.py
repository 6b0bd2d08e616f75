"""A trajectory vocabulary by k-means over the expert plans of a dataset (Hydra-MDP / Drive-JEPA style):

    python -m models.common.vocabulary --data DATASET --name kmeans256 --size 256 [--seed 0]

writes ``DATASET/vocabularies/<name>.npy`` ``(V, 40, 3)`` (local frame, the dataset's horizon grid).
Only training routes are clustered (validation routes stay unseen). The vocabulary scoring step
(outside ``models/``) then scores every entry at every sample with the EPDMS scorer.
"""

from __future__ import annotations

import argparse
import logging

import numpy as np

from models.common.driving_data import DrivingData, write_vocabulary

LOGGER = logging.getLogger(__name__)


def _squared_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """``(N, D)``, ``(K, D)`` -> ``(N, K)`` squared Euclidean distances."""
    return np.maximum((points**2).sum(1)[:, None] - 2.0 * points @ centres.T + (centres**2).sum(1)[None], 0.0)


def kmeans(points: np.ndarray, k: int, seed: int = 0, iterations: int = 50) -> np.ndarray:
    """``(k, D)`` centres of ``(N, D)`` points: k-means++ seeding, then Lloyd iterations until stable.

    Raises:
        ValueError: fewer distinct points than ``k``.
    """
    points = np.asarray(points, dtype=np.float64)
    if np.unique(points, axis=0).shape[0] < k:
        raise ValueError(f"k-means: {k} centres wanted but only {np.unique(points, axis=0).shape[0]} distinct points")
    rng = np.random.default_rng(seed)
    centres = [points[rng.integers(points.shape[0])]]
    nearest = _squared_distances(points, np.asarray(centres))[:, 0]
    for _ in range(1, k):
        centres.append(points[rng.choice(points.shape[0], p=nearest / nearest.sum())])
        nearest = np.minimum(nearest, _squared_distances(points, centres[-1][None])[:, 0])
    centres = np.asarray(centres)
    labels = np.full(points.shape[0], -1)
    for _ in range(iterations):
        new_labels = _squared_distances(points, centres).argmin(1)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        for j in range(k):
            members = points[labels == j]
            if members.shape[0]:
                centres[j] = members.mean(0)
    return centres


def expert_plans(data: DrivingData, split: str = "train", max_samples: int | None = None, seed: int = 0) -> np.ndarray:
    """``(N, T, 3)`` expert plans of a split (a random subset of ``max_samples`` when given)."""
    plans = [np.asarray(data.episode(e.id).field("expert_trajectory")) for e in data.split(split)]
    stacked = np.concatenate(plans) if plans else np.zeros((0, data.layout.horizon_steps, 3))
    if max_samples is not None and stacked.shape[0] > max_samples:
        stacked = stacked[np.random.default_rng(seed).choice(stacked.shape[0], max_samples, replace=False)]
    return stacked


def build_vocabulary(data: DrivingData, size: int, seed: int = 0, max_samples: int | None = 100_000) -> np.ndarray:
    """``(size, T, 3)`` k-means centres of the training split's expert plans (headings wrapped)."""
    plans = expert_plans(data, "train", max_samples, seed)
    centres = kmeans(plans.reshape(plans.shape[0], -1), size, seed).reshape(size, *plans.shape[1:])
    centres[..., 2] = (centres[..., 2] + np.pi) % (2 * np.pi) - np.pi
    return centres


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="dataset folder")
    parser.add_argument("--name", required=True, help="vocabulary name (file stem)")
    parser.add_argument("--size", type=int, default=256, help="number of trajectories V")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-samples", type=int, default=100_000, help="expert plans clustered at most")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    data = DrivingData(args.data)
    vocabulary = build_vocabulary(data, args.size, args.seed, args.max_samples)
    path = write_vocabulary(data.root, args.name, vocabulary, data.layout.horizon_steps)
    ends = vocabulary[:, -1, :2]
    x, y = ends[:, 0], ends[:, 1]
    print(f"vocabulary {args.name}: {args.size} trajectories -> {path} "
          f"(end x {x.min():.1f}..{x.max():.1f} m, y {y.min():.1f}..{y.max():.1f} m)")  # fmt: skip


if __name__ == "__main__":
    main()
