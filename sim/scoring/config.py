"""The scorer configuration: the single source of every weight and threshold."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.scoring.area import AreaMetricConfig
from sim.scoring.collision import CollisionConfig
from sim.scoring.comfort import ComfortConfig
from sim.scoring.results import ScorerVersion
from sim.types import PACIFICA, VehicleParameters


@dataclass(frozen=True)
class ScorerConfig:
    """Defaults reproduce NAVSIM's ``PDMScorerConfig`` for the chosen version.

    Attributes:
        version: PDMS (v1.1) or EPDMS (v2).
        num_steps: simulated steps after the initial state (NAVSIM's proposal sampling: 40).
        dt: [s] simulation and metric step.
        vehicle: the ego (nuPlan's Pacifica).
        human_filter: v2 official path only: force a metric to 1 where the human scores 0.
        parallel: run the per-proposal kernels with numba ``prange``.
    """

    version: ScorerVersion = ScorerVersion.EPDMS_V2
    num_steps: int = 40
    dt: float = 0.1  # [s]
    vehicle: VehicleParameters = PACIFICA
    human_filter: bool = True
    parallel: bool = False
    collision: CollisionConfig = field(default_factory=CollisionConfig)
    area: AreaMetricConfig = field(default_factory=AreaMetricConfig)
    comfort: ComfortConfig = field(default_factory=ComfortConfig)
    # EPDMS weights [1]: EP, TTC, LK, HC, EC
    epdms_weights: tuple[float, float, float, float, float] = (5.0, 5.0, 2.0, 2.0, 2.0)
    # PDMS weights [1]: EP, TTC, C, DDC
    pdms_weights: tuple[float, float, float, float] = (5.0, 5.0, 2.0, 0.0)

    @property
    def is_v2(self) -> bool:
        return self.version is ScorerVersion.EPDMS_V2

    @property
    def version_tag(self) -> str:
        return self.version.value


EPDMS_CONFIG = ScorerConfig()
PDMS_CONFIG = ScorerConfig(version=ScorerVersion.PDMS_V1)
