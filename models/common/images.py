"""Camera images (uint8 arrays as simulators give them) to normalised model tensors."""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def image_to_tensor(image: np.ndarray, bgr: bool = False) -> torch.Tensor:
    """``(H, W, 3|4)`` uint8 (RGB, or BGR(A) as CARLA gives) to ``(3, H, W)`` float32 in [0, 1]."""
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"expected an image of shape (H, W, 3 or 4), got {array.shape}")
    array = array[..., :3]
    if bgr:
        array = array[..., ::-1]
    tensor = torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1)
    return tensor.float() / 255.0 if array.dtype == np.uint8 else tensor.float()


def resize_shorter_side(image: torch.Tensor, size: int) -> torch.Tensor:
    """Resize ``(..., C, H, W)`` so the shorter side is ``size`` (bilinear, antialiased)."""
    height, width = image.shape[-2:]
    scale = size / min(height, width)
    new_hw = (max(round(height * scale), size), max(round(width * scale), size))
    flat = image.reshape(-1, *image.shape[-3:])
    out = F.interpolate(flat, size=new_hw, mode="bilinear", align_corners=False, antialias=True)
    return out.reshape(*image.shape[:-2], *new_hw)


def center_crop(image: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Central ``height x width`` crop of ``(..., H, W)``."""
    h, w = image.shape[-2:]
    if h < height or w < width:
        raise ValueError(f"cannot crop {height}x{width} from {h}x{w}")
    top, left = (h - height) // 2, (w - width) // 2
    return image[..., top : top + height, left : left + width]


def normalize(image: torch.Tensor, mean=IMAGENET_MEAN, std=IMAGENET_STD) -> torch.Tensor:
    """Channel-wise ``(x - mean) / std`` on ``(..., 3, H, W)``."""
    mean_t = torch.as_tensor(mean, dtype=image.dtype, device=image.device)[:, None, None]
    std_t = torch.as_tensor(std, dtype=image.dtype, device=image.device)[:, None, None]
    return (image - mean_t) / std_t


def preprocess_camera(image: np.ndarray, size: int, resize_to: int | None = None, bgr: bool = False) -> torch.Tensor:
    """LMDrive-style pipeline: resize shorter side to ``resize_to`` (default ``size``), centre-crop
    ``size x size``, ImageNet-normalise. Returns ``(3, size, size)`` float32."""
    tensor = image_to_tensor(image, bgr=bgr)
    tensor = resize_shorter_side(tensor, resize_to or size)
    return normalize(center_crop(tensor, size, size))


def resize_image(image: np.ndarray, height: int, width: int) -> torch.Tensor:
    """``(H, W, 3)`` uint8 RGB -> ``(3, height, width)`` float in [0, 1] (bilinear, antialiased; no crop)."""
    tensor = image_to_tensor(image)[None]
    if tensor.shape[-2:] == (height, width):
        return tensor[0]
    return F.interpolate(tensor, size=(height, width), mode="bilinear", align_corners=False, antialias=True)[0]
