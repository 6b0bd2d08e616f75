"""LMDrive's published dataset layout, read on a small fixture written to that documented layout."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
import yaml

from models.lmgendrive.config import load_lmgendrive_config
from models.lmgendrive.data import DriveCollate
from models.lmgendrive.lmdrive_data import LMDriveClips, fill_placeholders, load_instruction_dict, to_local
from models.lmgendrive.text import build_tokenizer
from models.lmgendrive.train import INSTRUCTION_DICT

torch.set_num_threads(1)
ROUTE = "routes_town01_short_w3_12_03_10_00_00"
FRAMES, THETA, SPEED = 40, 0.4, 5.0  # a straight drive at 5 m/s, 10 Hz


def lmdrive_config():
    cams = [{"id": n, "yaw": y, "width": 800, "height": 600, "fov": 100.0}
            for n, y in (("rgb_left", -60.0), ("rgb_front", 0.0), ("rgb_right", 60.0))]  # fmt: skip
    return load_lmgendrive_config("cpu", {"inputs": {"cameras": cams, "resize_to": 64}})


@pytest.fixture(scope="module")
def lmdrive_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lmdrive")
    route = root / ROUTE
    (route / "rgb_full").mkdir(parents=True)
    for frame in range(FRAMES):
        full = np.zeros((2400, 800, 3), np.uint8)
        for block, value in enumerate((40, 80, 120, 160)):  # front, left, right, rear: distinct greys
            full[600 * block : 600 * (block + 1)] = value + frame
        cv2.imwrite(str(route / "rgb_full" / f"{frame:04d}.jpg"), full)
    # LMDrive's GPS frame: the car moves along theta; theta + pi/2 points to its right.
    rows = [{"gps_x": 100 + SPEED * 0.1 * f * math.cos(THETA), "gps_y": 50 + SPEED * 0.1 * f * math.sin(THETA),
             "theta": THETA, "speed": SPEED, "x_command": 0.0, "y_command": 0.0} for f in range(FRAMES)]  # fmt: skip
    (route / "measurements_all.json").write_text(json.dumps(rows))
    clips = [
        {"route_path": ROUTE + "/", "town_id": 1, "weather_id": 3, "start_frame": 0, "end_frame": 19,
         "instruction": "Turn-04-L", "instruction_id": 2, "instruction_args": [20], "route_frames": FRAMES},
        {"route_path": ROUTE + "/", "town_id": 1, "weather_id": 12, "start_frame": 32, "end_frame": 39,
         "instruction": "Follow-01", "instruction_id": 38, "instruction_args": [], "route_frames": FRAMES},
    ]  # fmt: skip
    (root / "navigation_instruction_list.txt").write_text("\n".join(json.dumps(c) for c in clips) + "\n")
    (root / "notice_instruction_list.json").write_text(json.dumps({ROUTE: [{"frame_id": 5, "instruction_id": 57}]}))
    (root / "dataset_index.txt").write_text(f"{ROUTE}/ {FRAMES}\n")
    return root


def test_clips_frames_and_labels(lmdrive_root) -> None:
    texts = load_instruction_dict(INSTRUCTION_DICT)
    clips = LMDriveClips(lmdrive_root, lmdrive_config(), texts, weathers=[3])
    assert len(clips) == 20 + 12  # a "Turn" instruction runs 12 frames past its end frame
    item = clips[10]
    assert item["images"].shape == (4, 3, 3, 64, 64)  # frames 0, 4, 8, 10 of the clip
    assert "20" in item["instruction"] and "[x]" not in item["instruction"]
    np.testing.assert_allclose(item["waypoints"][0, :, 0], [2.5, 5.0, 7.5, 10.0, 12.5], atol=1e-4)  # forward
    np.testing.assert_allclose(item["waypoints"][0, :, 1], 0.0, atol=1e-4)
    assert item["completed"].tolist() == [0.0] and clips[31]["completed"].tolist() == [1.0]
    left, front = item["images"][-1, 0], item["images"][-1, 1]  # views cut from the stacked image by row block
    assert left.mean() > front.mean()


def test_views_come_from_their_row_blocks_and_the_future_for_the_generator(lmdrive_root) -> None:
    clips = LMDriveClips(lmdrive_root, lmdrive_config(), load_instruction_dict(INSTRUCTION_DICT), weathers=[3])
    item = clips[0]
    means = [float(item["images"][0, v].mean()) for v in range(3)]  # left (80), front (40), right (120) greys
    assert means[1] < means[0] < means[2]
    assert item["future"].shape == (1, 3, 2, 3, 32, 32)


def test_notice_and_collate(lmdrive_root) -> None:
    config = lmdrive_config()
    always = load_lmgendrive_config("cpu", {"inputs": {**{"cameras": [c.__dict__ for c in config.inputs.cameras]},
                                                       "resize_to": 64, "notice_probability": 1.0}})  # fmt: skip
    clips = LMDriveClips(lmdrive_root, always, load_instruction_dict(INSTRUCTION_DICT), weathers=[3])
    item = clips[9]  # frames 0, 4, 8, 9; the red-light notice came at frame 5
    assert "red" in item["notice"].lower() and item["notice_after"] == 1
    batch = DriveCollate(build_tokenizer(always.llm), always)([clips[9], clips[2]])
    assert batch.notice is not None and batch.frame_mask.sum(1).tolist() == [4, 2]


def test_placeholders_and_frames() -> None:
    assert fill_placeholders("in [x] m, [y] m to your left/right", [30, "left", 4]) == "in 30 m, 4 m to your left"
    right_of_heading = np.array([[math.cos(THETA + math.pi / 2), math.sin(THETA + math.pi / 2)]])
    assert to_local(right_of_heading, np.zeros(2), THETA)[0] == pytest.approx([0.0, -1.0], abs=1e-9)


def test_a_model_with_other_cameras_is_refused(lmdrive_root) -> None:
    with pytest.raises(ValueError, match="camera 'rgb_left' \\(yaw -60.0, 88x64\\) is not one of LMDrive's"):
        LMDriveClips(lmdrive_root, load_lmgendrive_config("cpu"), {})


def test_training_stage2_on_lmdrive_data(lmdrive_root, tmp_path) -> None:
    from models.lmgendrive import train

    preset = yaml.safe_load((Path(train.__file__).parent / "presets" / "cpu.yaml").read_text())
    preset["inputs"]["cameras"] = [dict(c.__dict__) for c in lmdrive_config().inputs.cameras]
    (tmp_path / "lmdrive_cpu.yaml").write_text(yaml.safe_dump(preset))
    args = ["--lmdrive", str(lmdrive_root), "--preset", str(tmp_path / "lmdrive_cpu.yaml"), "--stage", "2"]
    args += ["--out", str(tmp_path / "run"), "--max-steps", "2", "--batch-size", "2", "--val-samples", "2"]
    assert len(train.main(args)[2]) == 2 and (tmp_path / "run" / "last.pt").is_file()
