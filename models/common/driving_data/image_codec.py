"""Camera frames to bytes and back: lossless PNG (cv2, compression level 1) or raw uint8.

Frames are ``(H, W, 3)`` uint8 **RGB**, exactly as the planner receives them; the round trip is
bit-exact for both codecs. cv2 works in BGR, hence the channel flips here and nowhere else.
"""

from __future__ import annotations

import cv2
import numpy as np

from models.common.driving_data.layout import ImageCodec
from models.common.driving_data.manifest import DrivingDataError

PNG_LEVEL = 1  # fastest zlib level: ~0.2 ms per 88x64 frame, ~5x smaller than raw on rendered views


def check_frame(image: np.ndarray, camera: dict) -> np.ndarray:
    """``image`` as a C-contiguous ``(height, width, 3)`` uint8 array of ``camera``'s size, or an error."""
    array = np.asarray(image)
    expected = (camera["height"], camera["width"], 3)
    if array.dtype != np.uint8 or array.shape != expected:
        raise DrivingDataError(
            f"camera '{camera['id']}': frame {array.dtype} {array.shape}, expected uint8 {expected} (RGB)"
        )
    return np.ascontiguousarray(array)


def encode(image: np.ndarray, codec: str) -> bytes:
    """Bytes of one checked ``(H, W, 3)`` uint8 RGB frame."""
    if codec == ImageCodec.RAW:
        return image.tobytes()
    ok, buffer = cv2.imencode(".png", image[..., ::-1], [cv2.IMWRITE_PNG_COMPRESSION, PNG_LEVEL])
    if not ok:
        raise DrivingDataError(f"PNG encoding failed for a frame of shape {image.shape}")
    return buffer.tobytes()


def decode(data: np.ndarray | bytes, codec: str, height: int, width: int, where: str) -> np.ndarray:
    """``(height, width, 3)`` uint8 RGB from the bytes of one frame; ``where`` names it in errors."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    if codec == ImageCodec.RAW:
        if buffer.size != height * width * 3:
            raise DrivingDataError(f"{where}: {buffer.size} bytes, expected {height * width * 3} for a raw frame")
        return buffer.reshape(height, width, 3)
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR) if buffer.size else None
    if image is None or image.shape != (height, width, 3):
        shape = None if image is None else image.shape
        raise DrivingDataError(f"{where}: not a decodable {height}x{width} PNG frame (decoded shape {shape})")
    return np.ascontiguousarray(image[..., ::-1])
