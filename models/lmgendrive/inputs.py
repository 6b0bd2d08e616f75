"""What LMGenDrive sees, built by the same functions in closed loop (``agents/lmgendrive.py``) and in
training (:mod:`models.lmgendrive.data`), so a trained model meets its training inputs when it drives.

The frame history follows LMDrive's agent: one frame per planning step (10 Hz) goes into a buffer
that is cleared when the instruction text changes, when the model flags the instruction completed
and when it reaches ``max_buffer_frames``; the LLM sees ``buffer[::stride]`` plus the newest frame,
at most ``max_frames`` of them (the newest kept). A notice is spliced in after the frame at which
it arrived (LMDrive's ``notice_frame_id``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from models.common.images import IMAGENET_MEAN, IMAGENET_STD, preprocess_camera
from models.lmgendrive.world_fusion import renormalise

HALF = (0.5, 0.5, 0.5)  # [-1, 1] image space of the generator's VAE
LIGHT_CLASSES = ("none", "red", "yellow", "green")  # vision.num_light_classes = 4
_LIGHT_CLASS_OF_STATE = {0: 1, 1: 2, 2: 3}  # LightState RED / YELLOW / GREEN; NONE (-1) and OFF (3) -> none


def preprocess_views(images: Sequence[np.ndarray], image_size: int, resize_to: int) -> torch.Tensor:
    """Camera frames ``(H, W, 3)`` uint8 RGB, in the model's view order -> ``(V, 3, S, S)`` normalised."""
    return torch.stack([preprocess_camera(image, image_size, resize_to) for image in images])


def to_generator_space(images: torch.Tensor, size: int) -> torch.Tensor:
    """``(N, 3, H, W)`` ImageNet-normalised views -> ``(N, 3, size, size)`` in [-1, 1] (the generator's space)."""
    return renormalise(images, size, IMAGENET_MEAN, IMAGENET_STD, HALF, HALF)


def to_vision_space(images: torch.Tensor, size: int) -> torch.Tensor:
    """Inverse of :func:`to_generator_space` at the vision encoder's ``size``."""
    return renormalise(images, size, HALF, HALF, IMAGENET_MEAN, IMAGENET_STD)


def history_positions(buffer_length: int, stride: int, max_frames: int) -> list[int]:
    """Buffer positions (0 = oldest) the LLM sees: every ``stride``-th one from the oldest, then the
    newest when the stride skips it; the newest ``max_frames`` of those."""
    if buffer_length < 1:
        raise ValueError("the frame buffer is empty")
    positions = list(range(0, buffer_length, stride))
    if positions[-1] != buffer_length - 1:
        positions.append(buffer_length - 1)
    return positions[-max_frames:]


def buffer_start(resets: np.ndarray, index: int, max_buffer_frames: int) -> int:
    """First sample of the frame buffer at sample ``index``.

    Args:
        resets: ``(n,)`` bool, True where the buffer is cleared *before* the sample is appended
            (the instruction text changed, or the previous sample completed the instruction).
        index: the current sample.
        max_buffer_frames: the buffer is cleared when it would exceed this length.
    """
    hits = np.flatnonzero(resets[: index + 1])
    start = int(hits[-1]) if hits.size else 0
    return index - (index - start) % max_buffer_frames


def buffer_resets(instructions: Sequence[str], completed: np.ndarray) -> np.ndarray:
    """``(n,)`` reset flags of an episode: the text differs from the previous sample's, or the previous
    sample completed its instruction (LMDrive clears its visual buffer on both)."""
    n = len(instructions)
    resets = np.zeros(n, dtype=bool)
    if n:
        resets[0] = True
        texts = np.asarray(instructions)
        resets[1:] = (texts[1:] != texts[:-1]) | np.asarray(completed[:-1], dtype=bool)
    return resets


def update_notice(current: tuple[str, int] | None, notice: str | None, position: int) -> tuple[str, int] | None:
    """LMDrive's notice bookkeeping: a new non-empty notice that differs from the current one is
    stored with the buffer position at which it arrived; otherwise the current one stays."""
    if notice and (current is None or current[0] != notice):
        return notice, position
    return current


def notice_slot(positions: Sequence[int], arrival: int) -> int:
    """Index of the history frame after which a notice that arrived at buffer position ``arrival``
    is spliced: the last frame seen at or before its arrival (0 if it came before them all)."""
    before = [k for k, p in enumerate(positions) if p <= arrival]
    return before[-1] if before else 0


def light_class(state: int) -> int:
    """Dataset ``LightState`` value -> stage-1 class index of :data:`LIGHT_CLASSES`."""
    return _LIGHT_CLASS_OF_STATE.get(int(state), 0)
