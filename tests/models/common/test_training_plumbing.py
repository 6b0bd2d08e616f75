"""Shared training pieces: label resampling, resumable batches, recipes, the loop's logging, validation,
the k-means vocabulary and the camera check."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from models.common.batches import BatchStream
from models.common.camera import CameraSensor, check_dataset_camera
from models.common.driving_data import DrivingData, DrivingDataError
from models.common.recipe import TrainRecipe, load_recipe, training_parser
from models.common.trainloop import run_training
from models.common.trajectory import constant_velocity, displacement_errors, resample_poses
from models.common.vocabulary import kmeans
from models.common.vocabulary import main as vocabulary_main
from models.sensors import collection_cameras

torch.set_num_threads(1)


@settings(max_examples=30, deadline=None)
@given(speed=st.floats(0.0, 20.0), yaw_rate=st.floats(-0.5, 0.5))
def test_resampling_a_plan_on_a_coarser_grid_picks_its_poses(speed: float, yaw_rate: float) -> None:
    t = np.arange(1, 41) * 0.1
    plan = np.stack([speed * t, 0.3 * speed * t**2 * yaw_rate, yaw_rate * t], axis=-1)
    coarse = resample_poses(plan, 0.1, 8, 0.5)
    np.testing.assert_allclose(coarse, plan[4::5], atol=1e-9)
    half = resample_poses(plan, 0.1, 2, 0.05)  # between the ego (t = 0) and the first pose
    np.testing.assert_allclose(half[0], plan[0] / 2, atol=1e-9)


def test_resampling_unwraps_headings_and_holds_the_last_pose() -> None:
    plan = np.array([[1.0, 0.0, 3.1], [2.0, 0.0, -3.1]])  # heading crosses +-pi
    out = resample_poses(plan, 0.1, 4, 0.05)
    assert abs(abs(out[2, 2]) - math.pi) < 0.05  # midway between 3.1 and -3.1 through pi, not through 0
    np.testing.assert_allclose(resample_poses(plan, 0.1, 3, 0.1)[2], plan[1])


def test_open_loop_metrics() -> None:
    cv = constant_velocity(np.array([2.0]), 4, 0.5)
    np.testing.assert_allclose(cv[0, :, 0], [1.0, 2.0, 3.0, 4.0])
    ade, fde = displacement_errors(cv, cv + np.array([0.0, 3.0, 0.0]))
    assert ade[0] == pytest.approx(3.0) and fde[0] == pytest.approx(3.0)


class Numbers(torch.utils.data.Dataset):
    def __init__(self, n: int) -> None:
        self.n, self.epoch = n, 0

    def __len__(self) -> int:
        return self.n

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __getitem__(self, i: int) -> torch.Tensor:
        return torch.tensor([i, self.epoch])


def test_batch_stream_is_the_same_after_a_restart() -> None:
    straight = BatchStream(Numbers(10), 3, torch.stack, seed=4)
    batches = [straight(step) for step in range(8)]
    resumed = BatchStream(Numbers(10), 3, torch.stack, seed=4)
    for step in range(5, 8):
        assert torch.equal(resumed(step), batches[step])
    epoch0 = torch.cat(batches[:3])[:, 0]
    assert len(set(epoch0.tolist())) == 9 and batches[3][0, 1] == 1  # no repeats in an epoch; epoch 1 follows


def test_recipe_sections_and_flags_override_in_order(tmp_path) -> None:
    package = tmp_path / "pkg"
    (package / "recipes").mkdir(parents=True)
    (package / "recipes" / "cpu.yaml").write_text("lr: 0.1\nmax_steps: 7\nstage2: {max_steps: 9, batch_size: 3}\n")
    args = training_parser("x").parse_args(["--data", "d", "--out", "o", "--batch-size", "5"])
    assert load_recipe(package, "cpu", args) == TrainRecipe(lr=0.1, max_steps=7, batch_size=5)
    assert load_recipe(package, "cpu", args, section="stage2").max_steps == 9
    (package / "recipes" / "cpu.yaml").write_text("learning_rate: 1\n")
    with pytest.raises(ValueError, match=r"cpu.yaml: unknown config key\(s\) \['learning_rate'\]"):
        load_recipe(package, "cpu")


def test_cosine_schedule_warms_up_then_decays() -> None:
    recipe = TrainRecipe(max_steps=110, warmup_steps=10, schedule="cosine", min_lr_ratio=0.1)
    assert recipe.lr_factor(0) == pytest.approx(0.1) and recipe.lr_factor(10) == pytest.approx(1.0)
    assert recipe.lr_factor(109) == pytest.approx(0.1, abs=1e-3)


def test_the_loop_logs_the_total_and_every_term(tmp_path, caplog) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    model = nn.Linear(1, 1)
    recipe = TrainRecipe(max_steps=2, log_every=1, warmup_steps=1)

    def compute_loss(module, batch):
        a = module.weight.square().sum() * 0 + 1.0
        return {"loss": a + 10.0, "small": a.detach(), "large": torch.tensor(10.0)}

    with caplog.at_level(logging.INFO, logger="models.common.trainloop"):
        run_training(
            model, {}, "m", recipe, [{"params": list(model.parameters())}], lambda s: None, compute_loss, tmp_path
        )
    assert "loss 11.0000 (small 1.0000, large 10.0000)" in caplog.text
    events = EventAccumulator(str(tmp_path / "tensorboard"))
    events.Reload()
    assert [e.value for e in events.Scalars("train/loss")] == [11.0, 11.0]
    assert [e.value for e in events.Scalars("train/large")] == [10.0, 10.0]


def test_kmeans_finds_separated_clusters() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = np.concatenate([c + rng.normal(0, 0.1, (50, 2)) for c in centres])
    found = kmeans(points, 3, seed=1)
    assert np.abs(np.sort(found, axis=0) - np.sort(centres, axis=0)).max() < 0.1
    with pytest.raises(ValueError, match="only 1 distinct points"):
        kmeans(np.zeros((5, 2)), 2)


def test_vocabulary_command_writes_the_dataset_vocabulary(cpu_dataset, tmp_path) -> None:
    vocabulary_main(["--data", str(cpu_dataset), "--name", "test8", "--size", "8"])
    vocabulary = DrivingData(cpu_dataset).vocabulary("test8")
    assert vocabulary.shape == (8, 40, 3) and np.all(np.isfinite(vocabulary))


def test_a_dataset_camera_of_another_geometry_is_refused(cpu_dataset) -> None:
    layout = DrivingData(cpu_dataset).layout
    check_dataset_camera(layout, CameraSensor(**{k: v for k, v in layout.cameras[0].items() if k in (
        "id", "x", "y", "z", "yaw", "width", "height", "fov")}), "here")  # fmt: skip
    with pytest.raises(DrivingDataError, match=r"camera 'rgb_front' differs from the model's \(fov: dataset 100.0"):
        check_dataset_camera(layout, CameraSensor(id="rgb_front", width=88, height=64, fov=90.0), "here")
    with pytest.raises(DrivingDataError, match="camera 'rgb_rear' is not in the dataset"):
        check_dataset_camera(layout, CameraSensor(id="rgb_rear"), "here")


def test_the_collection_renders_each_camera_once() -> None:
    ids = [c["id"] for c in collection_cameras()]
    assert ids == ["rgb_left", "rgb_front", "rgb_right", "rgb_front_narrow"]
    with pytest.raises(ValueError, match="camera 'rgb_front' differs between models"):
        collection_cameras({"lmgendrive": "cpu", "driveva": "tiny"})
