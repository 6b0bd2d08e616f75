"""LMGenDrive stage-2/3 items from LMDrive's published dataset layout (read, not copied, from its README
and loader; see the last section of ``shared/specs/models.md``)::

    ROOT/navigation_instruction_list.txt   one JSON object per line: route_path, town_id, weather_id,
                                           start_frame, end_frame, instruction, instruction_id,
                                           instruction_args, route_frames
    ROOT/notice_instruction_list.json      {route_path: [{"frame_id", "instruction_id", ...}, ...]}
    ROOT/<route_path>/rgb_full/%04d.jpg    views stacked vertically, 800 px wide: front, left, right, rear
    ROOT/<route_path>/measurements_all.json  per frame: gps_x, gps_y, theta, speed, x_command, y_command, ...

Items have the keys of :class:`~models.lmgendrive.data.DriveClips`, so :class:`DriveCollate` and the
stage losses take them unchanged. Choices (each differs from LMDrive's loader on purpose):

- one item per (instruction clip, frame): the history is built from the clip's frames at the data
  rate (~10 Hz) with the planner's rules (``history_positions``), as our planner buffers them;
- the ``[x]`` / ``left/right`` / ``[y]`` placeholders are filled from ``instruction_args``
  (``fill_placeholders``); LMDrive's loader leaves them in (its ``str.replace`` result is dropped);
- the notice is the newest one inside the buffer, kept with ``inputs.notice_probability``;
- waypoints are the driven positions 5, 10, ..., 25 frames later in each frame's ego frame. LMDrive's
  ego frame (rotation by ``theta + pi/2``) has x to the right and y backwards; ours is x forward,
  y left: ``(x, y) = (-y_lmdrive, -x_lmdrive)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import torch

from models.common.samples import as_tensor
from models.lmgendrive import inputs
from models.lmgendrive.config import LMGenDriveConfig

VIEW_ROWS = {"front": 0, "left": 1, "right": 2, "rear": 3}  # row blocks of rgb_full
VIEW_OF_YAW = {0.0: "front", -60.0: "left", 60.0: "right", 180.0: "rear"}  # LMDrive's mounts [deg]
VIEW_WIDTH, VIEW_HEIGHT = 800, 600  # [px] each view of rgb_full
WAYPOINT_FRAMES = 5  # frames between waypoints (0.5 s at ~10 Hz)
TURN_EXTENSION = 12  # frames LMDrive adds after the end of a "Turn" instruction


def load_instruction_dict(path: str | Path) -> dict[int, list[str]]:
    """LangAuto's instruction dictionary (id -> paraphrases)."""
    return {int(k): list(v) for k, v in json.loads(Path(path).read_text()).items()}


def fill_placeholders(text: str, args: list) -> str:
    """Replace ``[x]``, ``left/right`` and ``[y]`` with the instruction's arguments, in that order."""
    for key, value in zip(("[x]", "left/right", "[y]"), args, strict=False):
        text = text.replace(key, str(value))
    return text


def to_local(points: np.ndarray, origin: np.ndarray, theta: float) -> np.ndarray:
    """LMDrive GPS points ``(..., 2)`` -> our ego frame (x forward, y left) at ``origin`` with heading ``theta``."""
    a = (0.0 if np.isnan(theta) else theta) + np.pi / 2
    d = np.asarray(points, dtype=np.float64) - origin
    lmdrive_x = d[..., 0] * np.cos(a) + d[..., 1] * np.sin(a)
    lmdrive_y = -d[..., 0] * np.sin(a) + d[..., 1] * np.cos(a)
    return np.stack([-lmdrive_y, -lmdrive_x], axis=-1)


def _route_key(route: str) -> str:
    return str(route).strip().rstrip("/")


class LMDriveClips(torch.utils.data.Dataset):
    """Items from an LMDrive dataset root (see the module docstring).

    Args:
        root: the dataset root.
        config: the model config; its cameras must be LMDrive's mounts at 800 x 600 (``yaw`` picks the view).
        instruction_texts: from :func:`load_instruction_dict`.
        towns, weathers: keep only these ids (LMDrive validates on weathers 12, 13, 20).
        seed: per-item randomness (paraphrase, notice).
        steps: targets per item (1: stage 2; more: stage 3, ``world.num_future_frames * future_interval`` apart).
    """

    def __init__(self, root, config: LMGenDriveConfig, instruction_texts, towns=None, weathers=None, seed=0, steps=1):
        self.root, self.config, self.texts, self.seed, self.steps = Path(root), config, instruction_texts, seed, steps
        self.views = [self._view(c) for c in config.inputs.cameras]
        self.clips = [c for c in self._read_clips() if (towns is None or c["town_id"] in towns)
                      and (weathers is None or c["weather_id"] in weathers)]  # fmt: skip
        notices = self.root / "notice_instruction_list.json"
        raw = json.loads(notices.read_text()) if notices.is_file() else {}
        self.notices = {_route_key(route): records for route, records in raw.items()}
        self.index = [(k, f) for k, c in enumerate(self.clips) for f in range(c["start_frame"], c["end_frame"] + 1)]
        self.epoch, self._measurements = 0, {}

    def _view(self, camera) -> str:
        if camera.yaw not in VIEW_OF_YAW or (camera.width, camera.height) != (VIEW_WIDTH, VIEW_HEIGHT):
            raise ValueError(
                f"camera '{camera.id}' (yaw {camera.yaw}, {camera.width}x{camera.height}) is not one of LMDrive's "
                f"{VIEW_WIDTH}x{VIEW_HEIGHT} views at yaws {sorted(VIEW_OF_YAW)}: use a preset with LMDrive's cameras"
            )
        return VIEW_OF_YAW[camera.yaw]

    def _read_clips(self) -> list[dict]:
        path = self.root / "navigation_instruction_list.txt"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing (is '{self.root}' an LMDrive dataset root?)")
        clips = []
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                clip = json.loads(line)
                end = clip["end_frame"] + (TURN_EXTENSION if "Turn" in clip["instruction"] else 0)
                clip["end_frame"] = min(int(clip["route_frames"]) - 1, end)
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise ValueError(f"{path}:{number}: not an instruction record ({error!r})") from error
            clips.append(clip)
        return clips

    def __len__(self) -> int:
        return len(self.index)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def measurements(self, route: str) -> list[dict]:
        if route not in self._measurements:
            self._measurements[route] = json.loads((self.root / route / "measurements_all.json").read_text())
        return self._measurements[route]

    def __getitem__(self, item: int) -> dict:
        rng = np.random.default_rng((self.seed, self.epoch, int(item)))
        k, frame = self.index[item]
        clip, cfg = self.clips[k], self.config
        start = frame - (frame - clip["start_frame"]) % cfg.inputs.max_buffer_frames
        positions = inputs.history_positions(frame - start + 1, cfg.inputs.history_stride, cfg.llm.max_frames)
        frames = [start + p for p in positions]
        step = int(round(cfg.world.num_future_frames * cfg.world.future_interval / cfg.inputs.sample_interval))
        last = int(clip["route_frames"]) - 1
        targets = [min(frame + s * step, last) for s in range(self.steps)]
        text = str(rng.choice(self.texts[int(clip["instruction_id"])]))
        notice, after = self._notice(clip["route_path"], start, frame, positions, rng)
        speed = [self.measurements(clip["route_path"])[f]["speed"] for f in frames]
        item = {
            "images": torch.stack([self._views(clip["route_path"], f) for f in frames]),
            "speed": as_tensor(np.asarray(speed, dtype=np.float32)),
            "instruction": fill_placeholders(text, clip.get("instruction_args", [])),
            "notice": notice,
            "notice_after": after,
            "waypoints": as_tensor(np.stack([self._waypoints(clip["route_path"], t, last) for t in targets])),
            "completed": as_tensor(np.array([t >= clip["end_frame"] for t in targets], dtype=np.float32)),
        }
        if cfg.world.enabled:
            item["future"] = torch.stack([self._future(clip["route_path"], t, last) for t in targets])
        return item

    def _views(self, route: str, frame: int) -> torch.Tensor:
        path = self.root / route / "rgb_full" / f"{frame:04d}.jpg"
        full = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if full is None or full.shape[:2] != (4 * VIEW_HEIGHT, VIEW_WIDTH):
            raise ValueError(f"{path}: missing or not a {VIEW_WIDTH}x{4 * VIEW_HEIGHT} stacked view image")
        rgb = full[..., ::-1]
        views = [rgb[VIEW_ROWS[v] * VIEW_HEIGHT : (VIEW_ROWS[v] + 1) * VIEW_HEIGHT] for v in self.views]
        return inputs.preprocess_views(views, self.config.vision.image_size, self.config.inputs.resize_to)

    def _waypoints(self, route: str, frame: int, last: int) -> np.ndarray:
        rows = self.measurements(route)
        origin = np.array([rows[frame]["gps_x"], rows[frame]["gps_y"]])
        ahead = [min(frame + WAYPOINT_FRAMES * (j + 1), last) for j in range(self.config.action.num_waypoints)]
        points = np.array([[rows[f]["gps_x"], rows[f]["gps_y"]] for f in ahead])
        return to_local(points, origin, rows[frame]["theta"]).astype(np.float32)

    def _notice(self, route: str, start: int, frame: int, positions: list[int], rng) -> tuple[str, int]:
        current = None
        for record in sorted(self.notices.get(_route_key(route), []), key=lambda r: r["frame_id"]):
            if start <= record["frame_id"] <= frame:
                texts = self.texts[int(record["instruction_id"])]
                current = inputs.update_notice(current, str(rng.choice(texts)), record["frame_id"] - start)
        if current is None or rng.random() >= self.config.inputs.notice_probability:
            return "", -1
        return current[0], inputs.notice_slot(positions, current[1])

    def _future(self, route: str, frame: int, last: int) -> torch.Tensor:
        world = self.config.world
        step = int(round(world.future_interval / self.config.inputs.sample_interval))
        later = [min(frame + step * j, last) for j in range(1, world.num_future_frames + 1)]
        views = torch.stack([self._views(route, f) for f in later], dim=1)  # (V, F, 3, S, S)
        return inputs.to_generator_space(views.flatten(0, 1), world.image_size).unflatten(0, views.shape[:2])
