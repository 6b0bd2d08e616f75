"""DriveVA: a video-action world model that jointly denoises future video latents and waypoints.

Modules: ``config`` (dataclasses + presets), ``vae`` (video VAE front end), ``text`` (command /
instruction conditioning), ``dit`` (Wan-shaped DiT blocks), ``trajectory`` (action tokens),
``flow`` (rectified-flow schedule), ``model`` (:class:`~models.driveva.model.DriveVA`), ``train``
(on the expert dataset), ``data`` (training clips), ``inputs`` (preprocessing shared with the planner),
``synthetic`` (fake batches for unit tests).
"""

from models.driveva.config import DriveVAConfig, load
from models.driveva.model import DriveVA, DriveVASample, build_model

__all__ = ["DriveVA", "DriveVAConfig", "DriveVASample", "build_model", "load"]
