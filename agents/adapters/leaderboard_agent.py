"""One CARLA leaderboard agent (1.0 and 2.0) for any registered planner.

The evaluator is given ``agents/leaderboard_agent.py``, a thin entry file that makes our ``agents``
package coexist with CARLA's and re-exports this module's class:
``--agent agents/leaderboard_agent.py --agent-config <config.yaml | planner name>``
(Bench2Drive appends ``+<save_name>``, which is split off). The YAML overrides
:class:`AgentConfig`; ``agents/configs/leaderboard_agent.yaml`` shows every key.

Lifecycles (specs/carla_leaderboard.md 1.1): LB1 builds ``PlannerAgent(path)`` and the base
calls ``setup``; the plan arrives later. LB2 builds ``PlannerAgent(host, port, debug)``, then
calls ``set_global_plan`` and ``setup``. Everything that needs both is done on the first
``run_step``. Planners that read ground truth (``reads_world``) get the world the agent drives in,
read through ``CarlaDataProvider`` (:mod:`agents.adapters.carla_world`): in the official evaluator
and in the embedded world alike.
"""

from __future__ import annotations

import inspect
import logging
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.adapters import leaderboard_io as io
from agents.adapters.carla_world import CarlaWorldReader
from agents.adapters.leaderboard_base import leaderboard_base_class, point_xyz
from agents.adapters.leaderboard_debug import PlanningStep, build_debug
from agents.base import Observation, Plan, Planner
from agents.config_loader import CONFIG_DIR, apply_overrides, load_yaml, require
from agents.control.pid import FULL_BRAKE, ControlCommand, WaypointController, control_preset
from agents.control.selection import SelectionConfig, SelectionState, select
from sim.frames import GeoReference
from sim.geometry import to_local
from sim.run.agent_debug import AgentDebug

logger = logging.getLogger(__name__)

_Base, _Track = leaderboard_base_class()


def get_entry_point() -> str:
    """The leaderboard imports this module and builds the class named here."""
    return "PlannerAgent"


@dataclass(frozen=True)
class AgentConfig:
    """Attributes:
    planner: registered planner name; ``planner_overrides`` its config overrides.
    control: control preset (``lmdrive`` or ``transfuser_pp``).
    selection: momentum-aware selection config; ``use_selection`` turns it on for plans with proposals.
    track: leaderboard track name (SENSORS, MAP, ...).
    lat_ref, lon_ref: [deg] the town's GeoReference; ``None``: from the OpenDRIVE sensor or solved
        from the first (gps, world) pair of the global plan.
    route_min_distance, route_max_distance: [m] RoutePlanner window (LMDrive 5 / 50, TF++ 7.5 / 50).
    route_points: how many dense route points (1 m apart) the observation carries.
    history_seconds: [s] of past poses in the observation.
    warmup_ticks: ticks of full brake at the start (LMDrive 20, TF++ 40).
    plan_every: plan every n-th tick and repeat the control in between (LMDrive 2).
    instructions: run the LangAuto instruction manager; ``instruction_seed`` seeds it.
    """

    planner: str = "constant_velocity"
    planner_overrides: dict = field(default_factory=dict)
    control: str = "lmdrive"
    selection: SelectionConfig = field(default_factory=SelectionConfig)
    use_selection: bool = True
    track: str = "SENSORS"
    lat_ref: float | None = None
    lon_ref: float | None = None
    route_min_distance: float = 5.0  # [m]
    route_max_distance: float = 50.0  # [m]
    route_points: int = 100
    history_seconds: float = 1.5  # [s]
    warmup_ticks: int = 0
    plan_every: int = 1
    instructions: bool = False
    instruction_seed: int = 0

    def __post_init__(self) -> None:
        require(self, ">=1", "plan_every", "route_points")
        require(self, ">=0", "warmup_ticks", "history_seconds", "instruction_seed")
        require(self, ">0", "route_min_distance", "route_max_distance")
        if self.route_max_distance < self.route_min_distance:
            raise ValueError(f"route_max_distance {self.route_max_distance} < route_min_distance "
                             f"{self.route_min_distance}")  # fmt: skip


def load_agent_config(config: str) -> AgentConfig:
    """``config`` is a YAML path, a registered planner name, or empty (defaults).

    A planner's own agent defaults (``agents/configs/agent_<planner>.yaml``, e.g. LMGenDrive's
    instructions, warm-up and 10 Hz planning) apply first; a YAML file overrides them.
    """
    overrides = load_yaml(Path(config)) if config.endswith((".yaml", ".yml")) else {"planner": config} if config else {}
    planner = overrides.get("planner", AgentConfig.planner)
    base = AgentConfig(planner=planner)
    defaults = CONFIG_DIR / f"agent_{planner}.yaml"
    if defaults.is_file():
        base = apply_overrides(base, load_yaml(defaults), source=str(defaults))
    return apply_overrides(base, overrides, source=config or "defaults")


class PlannerAgent(_Base):
    """Leaderboard agent: sensors -> Observation -> planner -> selection -> PID -> VehicleControl."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._dense_gps: list = []
        self._dense_world: list = []
        super().__init__(*args, **kwargs)

    # ---- leaderboard contract -------------------------------------------------------------
    def setup(self, path_to_conf_file: str) -> None:
        config_path, _, save_name = str(path_to_conf_file).partition("+")  # Bench2Drive: "<conf>+<save_name>"
        self.save_name = save_name or None
        self.config = load_agent_config(config_path)
        self.track = _Track[self.config.track]
        self.planner = self.build_planner(self.config)
        self.controller = WaypointController(control_preset(self.config.control))
        self._reset_episode()

    def build_planner(self, config: AgentConfig) -> Planner:
        """Override to pass planner-specific objects (for example ``score_proposals``)."""
        from agents.registry import make_planner

        return make_planner(config.planner, config.planner_overrides)

    def sensors(self) -> list[dict]:
        return io.merge_sensors(self.planner.sensors())

    def set_global_plan(self, global_plan_gps: list, global_plan_world_coord: list) -> None:
        self._dense_gps, self._dense_world = list(global_plan_gps), list(global_plan_world_coord)
        super().set_global_plan(global_plan_gps, global_plan_world_coord)

    def destroy(self) -> None:
        self.planner.reset()
        self.controller.reset()
        self._reset_episode()

    def run_step(self, input_data: dict, timestamp: float) -> Any:
        return self.step(input_data, timestamp).to_vehicle_control()

    def debug_payload(self) -> AgentDebug | None:
        """The last plan, selection and control for the embedded runner's recorders (None before a plan)."""
        if self._planning is None:
            return None
        return build_debug(self._planning, self.controller, self.planner, self.config.planner)

    # ---- one tick --------------------------------------------------------------------------
    def step(self, input_data: dict, timestamp: float) -> ControlCommand:
        """``run_step`` without the CARLA type (what the embedded runner and tests call)."""
        # 1. first call: GPS reference and route trackers (both lifecycles have the plan by now)
        if self._targets is None:
            self._initialize(input_data)
        self._tick += 1
        # 2. ego state from GNSS + IMU + speedometer
        ego = io.read_ego(input_data, self._geo, self._heading)
        self._heading = float(ego.pose[2])
        self._history.append((timestamp, ego.pose))
        if self._tick <= self.config.warmup_ticks:
            return FULL_BRAKE
        if self._last_command is not None and (self._tick - 1) % self.config.plan_every != 0:
            return self._last_command
        # 3. observation -> plan
        obs = self._observation(input_data, timestamp, ego)
        plan = self.planner.plan(obs)
        # 4. momentum-aware selection among proposals
        previous = self._selection.index if self._selection is not None else None
        plan, blended = self._select(plan, ego.pose, timestamp)
        # 5. control (an invalid trajectory brakes)
        if not plan.is_valid:
            logger.warning("planner %s returned an empty or NaN trajectory: full brake", self.config.planner)
            command = FULL_BRAKE
        else:
            command = self.controller.compute(plan.trajectory, plan.sampling, ego.speed)
        # 6. instruction bookkeeping
        if self._instructions is not None and plan.instruction_completed:
            self._instructions.mark_completed()
        self._last_command, self.last_plan = command, plan
        self._planning = PlanningStep(obs, ego.pose, plan, blended, previous, command)
        return command

    # ---- helpers ---------------------------------------------------------------------------
    def _reset_episode(self) -> None:
        self._tick = 0
        self._heading = 0.0
        self._targets: io.RouteTracker | None = None
        self._dense: io.RouteTracker | None = None
        self._selection: SelectionState | None = None
        self._selection_time = 0.0
        self._last_command: ControlCommand | None = None
        self._instructions: Any = None
        self._world_reader: CarlaWorldReader | None = None
        self.last_plan: Plan | None = None
        self._planning: PlanningStep | None = None
        self._history: deque = deque(maxlen=max(int(self.config.history_seconds * 20) + 1, 1))

    def _initialize(self, input_data: dict) -> None:
        self._geo = self._geo_reference(input_data)
        sparse = self._global_plan or self._dense_gps
        if not sparse:
            raise RuntimeError("run_step before set_global_plan: the agent has no route")
        cfg = self.config
        self._targets = io.RouteTracker(
            *io.plan_points(self._geo, sparse), cfg.route_min_distance, cfg.route_max_distance
        )
        if getattr(self.planner, "reads_world", False):
            self._world_reader = CarlaWorldReader(self._dense_world or self._global_plan_world_coord or [])
        dense_points, dense_options = io.plan_points(self._geo, self._dense_gps or sparse)
        self._dense = io.RouteTracker(dense_points, dense_options, 1.0, cfg.route_max_distance)
        if cfg.instructions:
            from agents.instructions import InstructionManager

            self._instructions = InstructionManager(dense_points, dense_options, seed=cfg.instruction_seed)

    def _geo_reference(self, input_data: dict) -> GeoReference:
        if self.config.lat_ref is not None and self.config.lon_ref is not None:
            return GeoReference(self.config.lat_ref, self.config.lon_ref)
        if io.MAP_ID in input_data:
            return GeoReference.from_opendrive(io.sensor_payload(input_data, io.MAP_ID)["opendrive"])
        if self._dense_gps and self._dense_world:
            gps = self._dense_gps[0][0]
            x, y, _ = point_xyz(self._dense_world[0][0])
            return io.solve_geo_reference(gps["lat"], gps["lon"], x, y)
        logger.warning("no GeoReference available: using CARLA's default (42.0, 2.0)")
        return GeoReference()

    def _observation(self, input_data: dict, timestamp: float, ego: io.EgoReading) -> Observation:
        target, command = self._targets.step(ego.pose[:2])
        self._dense.step(ego.pose[:2])
        instruction = notice = None
        if self._instructions is not None:
            instruction, notice = self._instructions.step(ego.pose, ego.speed, timestamp)
        history = to_local(np.array([p for _, p in self._history]), ego.pose)
        images, lidar = {}, None
        for spec in self.planner.sensors():
            payload = io.sensor_payload(input_data, spec["id"])
            if spec["type"].startswith("sensor.camera"):
                images[spec["id"]] = io.bgra_to_rgb(payload)
            elif spec["type"].startswith("sensor.lidar"):
                lidar = io.lidar_to_local(payload, spec)
        world = self._world_reader.read() if self._world_reader is not None else None
        return Observation(
            timestamp=float(timestamp),
            speed=ego.speed,
            images=images,
            acceleration=ego.acceleration,
            ego_pose=ego.pose,
            pose_history=history,
            route=to_local(self._dense.upcoming(self.config.route_points), ego.pose),
            target_point=to_local(target, ego.pose),
            command=command,
            instruction=instruction,
            notice=notice,
            lidar=lidar,
            world=world,
        )

    def _select(self, plan: Plan, ego_pose: np.ndarray, timestamp: float) -> tuple[Plan, np.ndarray | None]:
        """The plan driving the selector's choice, and the selector's blended scores (None: no selection)."""
        if not (self.config.use_selection and plan.has_proposals):
            return plan, None
        elapsed = timestamp - self._selection_time
        choice, self._selection, blended = select(
            plan.proposals, plan.scores, plan.sampling, self._selection, elapsed, ego_pose, self.config.selection
        )
        self._selection_time = timestamp
        return plan.with_choice(choice), blended


PlannerAgent.__signature__ = inspect.signature(_Base)  # the evaluator's lifecycle is the base class's
