"""NavsimAgent against stand-ins of NAVSIM's classes: building, pickling, sensors, planning, training."""

from __future__ import annotations

import importlib
import pickle
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from agents.adapters import navsim_agent
from agents.adapters.navsim_types import STAND_INS, navsim_api
from tests.agents.adapters.navsim_stand_ins import make_scene

CONFIG_DIR = Path(__file__).resolve().parents[3] / "agents" / "configs" / "navsim"
TINY = {"preset": "tiny"}


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)


def hydra_instantiate(node: dict):
    """What Hydra does with ``_target_`` (``_convert_: all``): import the dotted path, call it with the rest."""
    module, _, name = node["_target_"].rpartition(".")
    target = getattr(importlib.import_module(module), name)
    return target(**{key: value for key, value in node.items() if not key.startswith("_")})


def test_the_agent_class_is_module_level_and_picklable_with_its_weights() -> None:
    agent = navsim_agent.NavsimAgent(planner="drivejepa", config=TINY)
    assert type(agent) is navsim_agent.NavsimAgent is navsim_agent.navsim_agent_class()
    assert isinstance(agent, STAND_INS.AbstractAgent) and isinstance(agent, torch.nn.Module)
    with torch.no_grad():
        next(agent.parameters()).add_(1.0)
    copy = pickle.loads(pickle.dumps(agent))
    assert type(copy) is navsim_agent.NavsimAgent and copy.name() == "drivejepa"
    assert all(torch.equal(a, b) for a, b in zip(agent.state_dict().values(), copy.state_dict().values(), strict=True))


@pytest.mark.parametrize("yaml_name", sorted(path.name for path in CONFIG_DIR.glob("*.yaml")))
def test_every_shipped_agent_yaml_instantiates_as_hydra_would(yaml_name: str) -> None:
    node = yaml.safe_load((CONFIG_DIR / yaml_name).read_text())
    assert node["_target_"] == "agents.adapters.navsim_agent.NavsimAgent"
    agent = hydra_instantiate(node)
    assert agent.name() == node["planner"] and agent._trajectory_sampling.num_poses == 8
    agent.initialize()


def test_with_navsim_installed_the_agent_subclasses_navsims_own_classes(monkeypatch) -> None:
    """Fake navsim / nuplan modules: navsim_api must hand out their classes, and the agent build on them."""
    fake = {name: types.ModuleType(name) for name in (
        "navsim", "navsim.agents", "navsim.agents.abstract_agent", "navsim.common", "navsim.common.dataclasses",
        "navsim.planning", "navsim.planning.training", "navsim.planning.training.abstract_feature_target_builder",
        "nuplan", "nuplan.planning", "nuplan.planning.simulation", "nuplan.planning.simulation.trajectory",
        "nuplan.planning.simulation.trajectory.trajectory_sampling")}  # fmt: skip

    class FakeNavsimAgent(STAND_INS.AbstractAgent):
        pass

    fake["navsim.agents.abstract_agent"].AbstractAgent = FakeNavsimAgent
    fake["navsim.common.dataclasses"].SensorConfig = STAND_INS.SensorConfig
    fake["navsim.common.dataclasses"].Trajectory = STAND_INS.Trajectory
    builders = fake["navsim.planning.training.abstract_feature_target_builder"]
    builders.AbstractFeatureBuilder, builders.AbstractTargetBuilder = object, object
    fake["nuplan.planning.simulation.trajectory.trajectory_sampling"].TrajectorySampling = STAND_INS.TrajectorySampling
    for name, module in fake.items():
        monkeypatch.setitem(sys.modules, name, module)
    navsim_api.cache_clear()
    try:
        api = navsim_api()
        assert api.is_navsim and api.AbstractAgent is FakeNavsimAgent
        cls = navsim_agent.build_agent_class(api.AbstractAgent)
        assert issubclass(cls, FakeNavsimAgent) and cls.__qualname__ == "NavsimAgent"
        assert cls(planner="constant_velocity").requires_scene is False
    finally:
        navsim_api.cache_clear()  # the next call, after monkeypatch restores sys.modules, finds no navsim


@pytest.mark.parametrize(
    ("planner", "training", "expected"),
    [
        ("constant_velocity", False, {}),
        ("pdm_closed", False, {}),
        ("drivejepa", False, {"cam_f0": [2, 3]}),
        ("driveva", False, {"cam_f0": [0, 1, 2, 3]}),
        ("driveva", True, {"cam_f0": list(range(12))}),
        ("lmgendrive", False, {"cam_l0": [3], "cam_f0": [3], "cam_r0": [3]}),
    ],
)
def test_only_the_cameras_and_frames_the_planner_reads_are_requested(planner, training, expected) -> None:
    config = TINY if planner in ("drivejepa", "driveva", "lmgendrive") else None
    agent = navsim_agent.NavsimAgent(planner=planner, config=config, training=training)
    sensors = agent.get_sensor_config()
    for camera in ("cam_f0", "cam_l0", "cam_l1", "cam_l2", "cam_r0", "cam_r1", "cam_r2", "cam_b0"):
        assert getattr(sensors, camera) == expected.get(camera, False), camera
    assert sensors.lidar_pc is False
    assert agent.requires_scene is (planner == "pdm_closed")


def test_constant_velocity_plans_from_the_agent_input() -> None:
    agent = navsim_agent.NavsimAgent(planner="constant_velocity")
    agent.initialize()
    trajectory = agent.compute_trajectory(make_scene(speed=6.0, cameras=()).get_agent_input())
    assert isinstance(trajectory, STAND_INS.Trajectory) and trajectory.poses.dtype == np.float32
    assert trajectory.poses[:, 0] == pytest.approx(6.0 * 0.5 * np.arange(1, 9))


@pytest.mark.parametrize("planner", ["drivejepa", "driveva"])
def test_camera_models_plan_from_navsim_cameras(planner: str) -> None:
    agent = navsim_agent.NavsimAgent(planner=planner, config=TINY)
    agent.initialize()
    trajectory = agent.compute_trajectory(make_scene().get_agent_input())
    assert trajectory.poses.shape == (8, 3) and np.all(np.isfinite(trajectory.poses))
    with pytest.raises(KeyError, match="NAVSIM camera 'cam_f0' of frame .* SensorConfig must request it"):
        agent.compute_trajectory(make_scene(cameras=("cam_b0",)).get_agent_input())


def test_pdm_closed_builds_its_scene_from_navsims_and_stops_behind_the_lead() -> None:
    agent = navsim_agent.NavsimAgent(planner="pdm_closed")
    agent.initialize()
    scene = make_scene(speed=8.0, lead_x=25.0, cameras=())
    trajectory = agent.compute_trajectory(scene.get_agent_input(), scene)
    assert trajectory.trajectory_sampling.num_poses == 40 and trajectory.trajectory_sampling.interval_length == 0.1
    assert 5.0 < trajectory.poses[-1, 0] < 25.0 - 2.25 and np.all(np.abs(trajectory.poses[:, 1]) < 1.5)
    free = agent.compute_trajectory(scene.get_agent_input(), make_scene(speed=8.0, lead_x=None, cameras=()))
    assert free.poses[-1, 0] > trajectory.poses[-1, 0] + 5.0
    with pytest.raises(ValueError, match="'pdm_closed' needs NAVSIM's scene"):
        agent.compute_trajectory(scene.get_agent_input())


def test_a_non_finite_plan_stands_still() -> None:
    agent = navsim_agent.NavsimAgent(planner="constant_velocity")
    plan = agent.planner.plan
    agent.planner.plan = lambda obs: type(plan(obs))(np.full((8, 3), np.nan), plan(obs).sampling)
    trajectory = agent.compute_trajectory(make_scene(cameras=()).get_agent_input())
    assert np.all(trajectory.poses == 0.0)


def _batch(builders, inputs, method: str) -> dict[str, torch.Tensor]:
    samples = [{k: v for b in builders for k, v in getattr(b, method)(item).items()} for item in inputs]
    return {key: torch.stack([sample[key] for sample in samples]) for key in samples[0]}


@pytest.mark.parametrize("planner", ["drivejepa", "driveva"])
def test_a_training_step_inside_navsims_loop(planner: str) -> None:
    """What AgentLightningModule does: builders -> batch, forward, compute_loss, backward, optimiser step."""
    agent = navsim_agent.NavsimAgent(planner=planner, config=TINY, training=True)
    scenes = [make_scene(seed=seed, speed=4.0 + seed) for seed in range(2)]
    features = _batch(agent.get_feature_builders(), [scene.get_agent_input() for scene in scenes], "compute_features")
    targets = _batch(agent.get_target_builders(), scenes, "compute_targets")
    optimiser = agent.get_optimizers()
    before = [p.detach().clone() for p in agent.parameters() if p.requires_grad]
    agent.train()
    loss = agent.compute_loss(features, targets, agent.forward(features))
    assert loss.ndim == 0 and torch.isfinite(loss)
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    after = [p.detach() for p in agent.parameters() if p.requires_grad]
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=True))
    agent.eval()
    with torch.no_grad():
        assert agent.forward(features)["trajectory"].shape == (2, 8, 3)


def test_planners_without_training_hooks_say_which_do() -> None:
    agent = navsim_agent.NavsimAgent(planner="constant_velocity")
    with pytest.raises(NotImplementedError, match=r"\['driveva', 'drivejepa'\]|\['drivejepa', 'driveva'\]"):
        agent.get_feature_builders()


def test_checkpoints_of_navsims_trainer_and_of_our_models_load(tmp_path: Path) -> None:
    from models.common.checkpoint import save_checkpoint

    trained = navsim_agent.NavsimAgent(planner="drivejepa", config=TINY)
    with torch.no_grad():
        for parameter in trained.parameters():
            parameter.mul_(0.5)
    lightning = tmp_path / "epoch=1.ckpt"
    torch.save({"state_dict": {f"agent.{k}": v for k, v in trained.state_dict().items()}, "epoch": 1}, lightning)
    ours = save_checkpoint(tmp_path / "ours.pt", trained.model, trained.planner.model_config, "drivejepa")
    for path in (lightning, ours):
        agent = navsim_agent.NavsimAgent(planner="drivejepa", config=TINY, checkpoint=str(path))
        agent.initialize()
        loaded, expected = agent.state_dict().values(), trained.state_dict().values()
        assert all(torch.equal(a, b) for a, b in zip(loaded, expected, strict=True))
    (tmp_path / "bad.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="bad.ckpt' cannot be read"):
        navsim_agent.NavsimAgent(planner="drivejepa", config=TINY, checkpoint=str(tmp_path / "bad.ckpt")).initialize()
