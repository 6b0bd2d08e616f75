"""Every number of a collection, in frozen dataclasses (the single source of defaults).

The settings are recorded in the dataset's manifest (``collection``) and read back on ``--resume``,
so a resumed run draws the same episodes. Units are in brackets.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# Evaluation route files (data directory) no collected route may overlap (see agents/collect/overlap.py).
EVALUATION_ROUTE_FILES: tuple[str, ...] = (
    "routes/langauto/benchmark_tiny.xml",
    "routes/langauto/benchmark_short.xml",
    "routes/langauto/benchmark_long.xml",
    "routes/bench2drive/bench2drive220.xml",
    "routes/bench2drive/drivetransformer_bench2drive_dev10.xml",
    "routes/leaderboard1/routes_devtest.xml",
    "routes/leaderboard1/routes_testing.xml",
    "routes/leaderboard2/routes_devtest.xml",
)
TRAINING_ROUTE_FILES: dict[str, str] = {
    "lb1_training": "routes/leaderboard1/routes_training.xml",
    "lb2_training": "routes/leaderboard2/routes_training.xml",
}
RANDOM_SOURCE = "random"
RANDOM_TOWNS = ("Town01", "Town02", "Town03", "Town04", "Town05", "Town06", "Town07", "Town10HD")


@dataclass(frozen=True)
class OverlapRule:
    """When a candidate route counts as overlapping an evaluation route.

    A candidate conflicts with an evaluation route when more than ``max_fraction`` of the
    evaluation route's dense points (1 m apart) lie closer than ``distance`` [m] to a candidate
    point heading within ``heading_deg`` [deg] of theirs, or more than ``max_fraction`` of the
    candidate's points lie that close to the evaluation route. Conflicting stretches are cut out
    and the pieces re-checked.
    """

    distance: float = 3.0  # [m]
    heading_deg: float = 30.0  # [deg]
    max_fraction: float = 0.3
    min_piece_length: float = 80.0  # [m] shorter clean pieces are dropped


@dataclass(frozen=True)
class RandomRouteConfig:
    """Random routes: a random start lane, a random walk through junctions, planned by the route planner.

    ``length_classes`` are LangAuto-like ``(low, high)`` [m] ranges (tiny, short, long), drawn with
    equal probability; ``attempts`` walks are tried for one route before its town is skipped.
    """

    towns: tuple[str, ...] = RANDOM_TOWNS
    length_classes: tuple[tuple[float, float], ...] = ((80.0, 150.0), (150.0, 400.0), (400.0, 600.0))
    attempts: int = 40


@dataclass(frozen=True)
class PerturbationConfig:
    """Recovery data: short bursts of steering bias on top of the expert's control.

    A burst starts with probability ``rate`` [1/s] per second of eligible driving (moving faster
    than ``min_speed`` [m/s], at least ``warmup`` [s] into the episode and ``cooldown`` [s] after the
    last burst, off junction lanes and lane changes, no actor's centre within ``clearance`` [m]
    ahead or behind and ``lateral_clearance`` [m] to the side of the ego's); it lasts ``duration``
    [s] (uniform) and adds a steer of ``bias`` (uniform magnitude, random side). It ends early once
    the ego's box centre is ``max_offset`` [m] from the route or its heading ``max_heading_deg``
    [deg] off it, or an actor comes that close. The label stays the expert's unperturbed plan.
    (Traffic in the next lane, ~3.5 m to the side, and walkers on the pavement do not stop bursts.)
    """

    enabled: bool = True
    rate: float = 0.08  # [1/s]
    duration: tuple[float, float] = (0.5, 2.0)  # [s]
    bias: tuple[float, float] = (0.05, 0.15)  # steer units, CARLA's [-1, 1]
    warmup: float = 4.0  # [s]
    cooldown: float = 3.0  # [s]
    min_speed: float = 3.0  # [m/s]
    max_offset: float = 0.9  # [m]
    max_heading_deg: float = 20.0  # [deg]
    clearance: float = 8.0  # [m] along the ego's heading
    lateral_clearance: float = 3.0  # [m] across it
    lane_change_margin: float = 15.0  # [m] no burst this close to a lane change of the route


@dataclass(frozen=True)
class SampleConfig:
    """What a sample records.

    ``every_ticks`` world ticks per sample (20 Hz world, 10 Hz samples); ``horizon_steps`` poses
    ``horizon_interval`` [s] apart in the trajectory labels; BEV raster ``bev_size_px`` at
    ``bev_metres_per_px``; object boxes within ``box_radius`` [m]; tracks (scoring material) of the
    actors within ``track_radius`` [m]; lights and stop signs up to ``signal_range`` [m] ahead.
    """

    every_ticks: int = 2
    horizon_steps: int = 40
    horizon_interval: float = 0.1  # [s]
    bev_size_px: int = 64
    bev_metres_per_px: float = 1.0  # [m/px]
    box_radius: float = 50.0  # [m]
    track_radius: float = 80.0  # [m]
    signal_range: float = 80.0  # [m]
    image_codec: str = "png"


@dataclass(frozen=True)
class CollectSettings:
    """One collection: which routes, how episodes are drawn and driven, what is recorded.

    Attributes:
        seed: base seed; each episode's world, perturbations and instructions derive from it.
        sources: route sources in the mix: ``lb1_training``, ``lb2_training``, ``random``.
        random_fraction: share of episodes on random routes (the rest cycle the route files).
        val_percent: [%] of routes held out whole for validation (by a stable hash of the route id).
        evaluation_files: route files never to overlap.
        max_episode_seconds: [s] simulated cap of one episode (the route timeout also ends it).
        max_standstill_seconds: [s] an episode standing still this long ends (a jam teaches nothing new).
        density_scale: multiplies the leaderboard-1.0 background traffic.
        driver: planner that drives (``expert``, or a learned one for a DAgger round).
        driver_config: leaderboard agent config of a learned driver (YAML path or planner name).
        cameras: leaderboard camera dicts rendered on sampled ticks (see agents/collect/cameras.py).
        camera_map: ``{planner: {planner camera id: dataset camera id}}`` where ids had to be renamed.
    """

    seed: int = 0
    sources: tuple[str, ...] = ("lb1_training", "lb2_training", RANDOM_SOURCE)
    random_fraction: float = 0.5
    val_percent: float = 10.0
    evaluation_files: tuple[str, ...] = EVALUATION_ROUTE_FILES
    max_episode_seconds: float = 300.0  # [s]
    max_standstill_seconds: float = 45.0  # [s] longer than a red phase of a four-way junction (45 s)
    density_scale: float = 1.0
    driver: str = "expert"
    driver_config: str = ""
    overlap: OverlapRule = field(default_factory=OverlapRule)
    random_routes: RandomRouteConfig = field(default_factory=RandomRouteConfig)
    perturbation: PerturbationConfig = field(default_factory=PerturbationConfig)
    sample: SampleConfig = field(default_factory=SampleConfig)
    cameras: tuple[dict, ...] = ()
    camera_map: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.sources) - {*TRAINING_ROUTE_FILES, RANDOM_SOURCE}
        if unknown or not self.sources:
            known = (*TRAINING_ROUTE_FILES, RANDOM_SOURCE)
            raise ValueError(f"sources {self.sources}: unknown {sorted(unknown)}; known: {', '.join(known)}")
        if not 0.0 <= self.random_fraction <= 1.0 or not 0.0 <= self.val_percent < 100.0:
            raise ValueError(f"random_fraction {self.random_fraction} / val_percent {self.val_percent} out of range")
        if self.sample.every_ticks < 1 or self.max_episode_seconds <= 0 or self.density_scale <= 0:
            raise ValueError("sample.every_ticks, max_episode_seconds and density_scale must be positive")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CollectSettings:
        """Inverse of :meth:`to_dict` (JSON lists become tuples); unknown keys are an error."""
        return _build(cls, data, "collection")


def _build(cls, data: dict[str, Any], where: str):
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown} (known: {sorted(fields)})")
    values = {}
    for name, value in data.items():
        default = getattr(cls(), name)
        if dataclasses.is_dataclass(default):
            values[name] = _build(type(default), value, f"{where}.{name}")
        elif isinstance(default, tuple):
            values[name] = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        else:
            values[name] = value
    return cls(**values)
