"""Drive-JEPA (perception-based): V-JEPA 2 video ViT + iPad-style proposal refinement and scoring.

Modules: ``config`` (dataclasses + presets), ``vit`` (video encoder), ``deformable`` (waypoint-
anchored deformable attention), ``planner`` (proposal head), ``losses``, ``model``
(:class:`~models.drivejepa.model.DriveJEPA`), ``train`` (on the expert dataset), ``data`` (samples +
distillation targets), ``inputs`` (preprocessing shared with the planner), ``synthetic`` (unit tests).
"""

from models.drivejepa.config import SCORE_NAMES, DriveJEPAConfig, load
from models.drivejepa.model import DriveJEPA, build_model, ego_status

__all__ = ["SCORE_NAMES", "DriveJEPA", "DriveJEPAConfig", "build_model", "ego_status", "load"]
