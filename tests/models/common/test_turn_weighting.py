"""Drawing turns more often: weighted epochs of BatchStream, the turn labels of a dataset, the recipe keys."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.common.batches import BatchStream, recipe_stream
from models.common.recipe import TrainRecipe, training_parser
from models.common.samples import EpisodeSamples


class Numbers(torch.utils.data.Dataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> torch.Tensor:
        return torch.tensor(i)


class PlanSamples(EpisodeSamples):
    def build(self, episode, index, rng) -> dict:
        return {"index": index}


def drawn(stream: BatchStream, steps: int) -> np.ndarray:
    return torch.cat([stream(step) for step in range(steps)]).numpy()


def test_weighted_epochs_draw_in_proportion_and_never_a_zero_weight() -> None:
    weights = np.array([3.0, 1.0, 1.0, 0.0] * 250)
    items = drawn(BatchStream(Numbers(1000), 50, torch.stack, seed=1, weights=weights), 200)
    counts = np.bincount(items % 4, minlength=4)
    assert counts[3] == 0
    assert counts[0] / counts[1] == pytest.approx(3.0, rel=0.1)


def test_a_weighted_stream_is_the_same_after_a_restart() -> None:
    weights = np.linspace(0.0, 1.0, 30)
    first = [BatchStream(Numbers(30), 4, torch.stack, seed=2, weights=weights)(s) for s in range(12)]
    resumed = BatchStream(Numbers(30), 4, torch.stack, seed=2, weights=weights)
    assert all(torch.equal(resumed(s), first[s]) for s in range(9, 12))


@pytest.mark.parametrize("weights", [np.ones(5), np.array([1.0, -1.0, 1.0, 1.0]), np.array([np.nan, 1, 1, 1])])
def test_bad_weights_are_refused(weights) -> None:
    with pytest.raises(ValueError, match="weights"):
        BatchStream(Numbers(4), 2, torch.stack, weights=weights)


def test_turns_are_samples_whose_expert_plan_ends_off_to_a_side(cpu_dataset) -> None:
    samples = PlanSamples(cpu_dataset, "train")
    lateral = np.concatenate(
        [np.abs(samples.episode(k).field("expert_trajectory")[:, -1, 1]) for k in range(len(samples.infos))]
    )
    threshold = float(np.median(lateral))
    turning = samples.turning(threshold)
    assert turning.shape == (len(samples),) and 0 < turning.sum() < len(samples)
    assert np.array_equal(turning, lateral >= threshold)
    assert not samples.turning(1e6).any()
    assert samples.sampling_weights(1.0, threshold) is None
    assert set(np.unique(samples.sampling_weights(4.0, threshold))) <= {1.0, 4.0}


def test_the_recipe_takes_turn_weighting_from_the_command_line(cpu_dataset) -> None:
    args = training_parser("x").parse_args(
        ["--data", "d", "--out", "o", "--turn-weight", "2.5", "--turn-offset", "1.5"]
    )
    assert args.turn_weight == 2.5 and args.turn_offset == 1.5
    with pytest.raises(ValueError, match="turn_weight"):
        TrainRecipe(turn_weight=0.0)
    with pytest.raises(ValueError, match="cannot weight"):
        recipe_stream(Numbers(4), TrainRecipe(batch_size=2, turn_weight=2.0), torch.stack)
    stream = recipe_stream(PlanSamples(cpu_dataset, "train"), TrainRecipe(batch_size=2, turn_weight=2.0), list)
    assert stream.weights is not None and stream.weights.sum() == pytest.approx(1.0)
