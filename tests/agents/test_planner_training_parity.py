"""A planner driving through recorded samples sees exactly what training fed its model, and every
checkpoint (any stage, shipped or given) loads into it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from agents.base import Observation
from agents.drivejepa import DriveJEPAPlanner, DriveJEPAPlannerConfig
from agents.driveva import DriveVAPlanner, DriveVAPlannerConfig
from agents.lmgendrive import LMGenDrivePlanner, LMGenDrivePlannerConfig
from models.common import checkpoint as common_checkpoint
from models.common.config import ConfigMismatchError
from models.common.driving_data import DrivingData
from models.common.loading import load_planner_model
from models.drivejepa import config as drivejepa_config
from models.drivejepa.data import DriveJEPASamples
from models.drivejepa.data import collate as jepa_collate
from models.drivejepa.model import DriveJEPA
from models.driveva import config as driveva_config
from models.driveva.data import DriveVAClips
from models.driveva.data import collate as va_collate
from models.driveva.model import DriveVA
from models.lmgendrive.config import load_lmgendrive_config
from models.lmgendrive.data import DriveClips, DriveCollate
from models.lmgendrive.model import LMGenDrive
from models.lmgendrive.text import build_tokenizer

torch.set_num_threads(1)


def drive_through(planner, episode, last: int, before_last=lambda: None):
    """Plan on samples 0..last of a recorded episode (10 Hz) as the agent would; returns the last plan."""
    planner.reset()
    field = episode.field
    for i in range(last + 1):
        if i == last:
            before_last()
        images = {s["id"]: episode.image(s["id"], i) for s in planner.sensors()}
        obs = Observation(
            timestamp=float(field("time")[i]), speed=float(field("speed")[i]), images=images,
            acceleration=field("acceleration")[i], target_point=field("target_point")[i],
            command=int(field("command")[i]), instruction=str(field("instruction")[i]) or None,
            notice=str(field("notice")[i]) or None,
        )  # fmt: skip
        plan = planner.plan(obs)
    return plan


def saved(tmp_path, model, name: str, **extra):
    path = tmp_path / f"{name}.pt"
    common_checkpoint.save_checkpoint(path, model, model.config, name, extra)
    return str(path)


@pytest.mark.parametrize("use_notice", [False, True])
def test_lmgendrive_planner_sees_the_training_clip(cpu_dataset, tmp_path, use_notice: bool) -> None:
    config = load_lmgendrive_config("cpu")
    torch.manual_seed(3)
    model = LMGenDrive(config).eval()
    path = saved(tmp_path, model, "lmgendrive-stage2")  # older stage-named checkpoints load too
    planner = LMGenDrivePlanner(
        LMGenDrivePlannerConfig(checkpoint=path, completion_threshold=1.1, use_notice=use_notice)
    )
    probability = 1.0 if use_notice else 0.0  # the data inserts the notice, or never
    data_config = dataclasses.replace(config, inputs=dataclasses.replace(config.inputs, notice_probability=probability))
    clips = DriveClips(cpu_dataset, data_config, split="train")
    episode = clips.episode(0)
    plan = drive_through(planner, episode, 20)  # a notice arrived at sample 10
    item = clips.build(episode, 20, np.random.default_rng(1))
    assert (item["notice_after"] >= 0) == use_notice
    batch = DriveCollate(build_tokenizer(config.llm), config)([item])
    with torch.no_grad():
        tokens = model.encode_frames(batch.images, batch.speed, batch.text_ids, batch.text_mask)
        out = model.plan(tokens, batch.frame_mask, batch.text_ids, batch.text_mask, notice=batch.notice)
        without = model.plan(tokens, batch.frame_mask, batch.text_ids, batch.text_mask)
    assert use_notice != torch.allclose(out.waypoints, without.waypoints)  # the notice reaches the plan
    assert plan.info["history_frames"] == batch.images.shape[1]
    np.testing.assert_allclose(plan.trajectory[:, :2], out.waypoints[0].numpy(), rtol=1e-4, atol=1e-5)


def test_driveva_planner_sees_the_training_clip(cpu_dataset, tmp_path) -> None:
    config = driveva_config.load("cpu")
    torch.manual_seed(4)
    model = DriveVA(config).eval()
    planner = DriveVAPlanner(DriveVAPlannerConfig(checkpoint=saved(tmp_path, model, "driveva"), seed=9))
    clips = DriveVAClips(cpu_dataset, config, split="train")
    episode = clips.episode(1)
    noise = lambda: setattr(planner, "generator", torch.Generator().manual_seed(9))  # noqa: E731
    plan = drive_through(planner, episode, 25, noise)  # the same initial noise as below
    batch = va_collate([{**clips.build(episode, 25, np.random.default_rng(0)), "instruction": "x"}])
    instruction = [str(episode.field("instruction")[25])]
    with torch.no_grad():
        sample = model.sample(batch["frames"][:, :5], batch["velocity"], batch["command"], instruction,
                              generator=torch.Generator().manual_seed(9))  # fmt: skip
    np.testing.assert_allclose(plan.trajectory, sample.trajectory[0].numpy(), rtol=1e-4, atol=1e-4)


def test_drivejepa_planner_sees_the_training_sample(cpu_dataset, tmp_path) -> None:
    config = drivejepa_config.load("cpu")
    torch.manual_seed(5)
    model = DriveJEPA(config).eval()
    planner = DriveJEPAPlanner(DriveJEPAPlannerConfig(checkpoint=saved(tmp_path, model, "drivejepa")))
    samples = DriveJEPASamples(cpu_dataset, config, split="train")
    episode = samples.episode(0)
    plan = drive_through(planner, episode, 17)
    batch = jepa_collate([samples.build(episode, 17, np.random.default_rng(0))])
    with torch.no_grad():
        out = model(batch["clip"], batch["status"])
    np.testing.assert_allclose(plan.proposals, out["proposals"][0].numpy(), rtol=1e-4, atol=1e-5)


def test_checkpoint_errors_say_what_to_do(tmp_path) -> None:
    package = tmp_path / "package"
    args = ("drivejepa", drivejepa_config.DriveJEPAConfig, DriveJEPA, drivejepa_config.load, package)
    with pytest.raises(FileNotFoundError, match=r"shipped checkpoint '.*package/checkpoints/cpu.pt' not found; train"):
        load_planner_model(*args, None, None, train_command="python -m models.drivejepa.train")
    with pytest.raises(FileNotFoundError, match="checkpoint 'nowhere.pt' not found"):
        load_planner_model(*args, "nowhere.pt", None)
    torch.manual_seed(0)
    path = saved(tmp_path, DriveJEPA(drivejepa_config.load("tiny")), "drivejepa")
    with pytest.raises(ConfigMismatchError, match="trained with another config than 'cpu'"):
        load_planner_model(*args, path, "cpu")
    other = saved(tmp_path, DriveVA(driveva_config.load("tiny")), "driveva")
    with pytest.raises(ConfigMismatchError, match="holds model 'driveva', expected 'drivejepa'"):
        load_planner_model(*args, other, None)
    (package / "checkpoints").mkdir(parents=True)
    (package / "checkpoints" / "cpu.pt").write_bytes((tmp_path / "drivejepa.pt").read_bytes())
    model, config, extra = load_planner_model(*args, None, None)
    assert config == drivejepa_config.load("tiny") and isinstance(model, DriveJEPA)


def test_each_training_stage_checkpoint_drives(cpu_dataset, tmp_path) -> None:
    from models.lmgendrive import train

    args = ["--data", str(cpu_dataset), "--out", str(tmp_path / "run"), "--batch-size", "2", "--max-steps", "1"]
    train.main([*args, "--stage", "1", "--val-samples", "0"])
    train.main([*args, "--stage", "2", "--val-samples", "0"])
    for stage in (1, 2):
        checkpoint = str(tmp_path / "run" / f"stage{stage}" / "last.pt")
        planner = LMGenDrivePlanner(LMGenDrivePlannerConfig(checkpoint=checkpoint, preset="cpu"))
        episode = DrivingData(cpu_dataset).episode("ep000")
        assert drive_through(planner, episode, 2).is_valid
        assert planner.checkpoint_extra["stage"] == stage
