"""Small parts of the collection: settings round trip, plan order, sample buffer, camera union, progress."""

from __future__ import annotations

import io
import json
import os

import numpy as np
import pytest

from agents.collect.cameras import CAMERA_TYPE, merge_cameras, planner_cameras
from agents.collect.plan import episode_seed, is_random_slot
from agents.collect.progress import Progress
from agents.collect.sample_buffer import SampleBuffer
from agents.collect.settings import CollectSettings, PerturbationConfig, RandomRouteConfig
from agents.collect.training_routes import TrainingRoute
from agents.instructions import Instruction
from agents.registry import make_planner
from sim.maps.dense_route import DenseRoute


def test_settings_survive_the_manifest_round_trip() -> None:
    settings = CollectSettings(
        seed=4, sources=("random",), perturbation=PerturbationConfig(rate=0.2, duration=(0.4, 1.0)),
        random_routes=RandomRouteConfig(towns=("Town03",)), cameras=({"id": "rgb_front", "width": 8},),
    )  # fmt: skip
    assert CollectSettings.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings


@pytest.mark.parametrize(
    "data, message",
    [({"seeds": 1}, "unknown key"), ({"perturbation": {"rates": 1}}, "collection.perturbation"),
     ({"sources": ["lb3"]}, "unknown ['lb3']"), ({"random_fraction": 2.0}, "out of range")],
)  # fmt: skip
def test_bad_settings_are_named(data: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        CollectSettings.from_dict(data)


def test_random_slots_follow_the_fraction_and_seeds_are_stable() -> None:
    for fraction in (0.0, 0.25, 0.5, 1.0):
        assert sum(is_random_slot(k, fraction) for k in range(400)) == int(400 * fraction)
    assert episode_seed(0, 5) == episode_seed(0, 5) != episode_seed(1, 5)
    assert 0 <= episode_seed(123, 99) < 2**31


def test_pieces_of_one_file_route_share_their_split() -> None:
    route = DenseRoute.from_points(np.column_stack([np.arange(10.0), np.zeros(10)]))
    splits = {TrainingRoute(f"lb1.{g}.p{k}", "lb1_training", f"lb1.{g}", route).split(30.0) for g in range(40)
              for k in range(3)}  # fmt: skip
    assert splits == {"train", "val"}
    for g in range(40):
        assert len({TrainingRoute(f"x.p{k}", "lb1_training", f"lb1.{g}", route).split(30.0) for k in range(3)}) == 1


class _Writer:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add_sample(self, fields, images, boxes, bev) -> None:
        self.rows.append(fields)


def test_future_poses_and_completion_flags() -> None:
    writer = _Writer()
    buffer = SampleBuffer(writer, horizon=3)
    turn, follow = Instruction(0, "left"), Instruction(38, "follow")
    spans = [turn, turn, follow, follow, follow]
    for k, instruction in enumerate(spans):
        buffer.push({"ego_pose": np.array([float(k), 0.0, 0.0])}, {}, np.zeros((0, 9)), None, instruction)
    assert len(writer.rows) == 2  # written once three later samples exist
    buffer.finish(route_completed=True)
    rows = writer.rows
    np.testing.assert_allclose(rows[0]["future_poses"][:, 0], [1.0, 2.0, 3.0])
    assert rows[3]["future_valid"].tolist() == [True, False, False]
    assert [r["instruction_completed"] for r in rows] == [False, True, False, False, True]


def test_a_route_left_unfinished_leaves_its_last_instruction_open() -> None:
    writer = _Writer()
    buffer = SampleBuffer(writer, horizon=2)
    buffer.push({"ego_pose": np.zeros(3)}, {}, np.zeros((0, 9)), None, Instruction(38, "follow"))
    buffer.finish(route_completed=False)
    assert writer.rows[0]["instruction_completed"] is False and not writer.rows[0]["future_valid"].any()


def _camera(camera_id: str, width: int, yaw: float = 0.0) -> dict:
    return {"type": "sensor.camera.rgb", "id": camera_id, "x": 1.3, "y": 0.0, "z": 2.3, "roll": 0.0, "pitch": 0.0,
            "yaw": yaw, "width": width, "height": 64, "fov": 100.0}  # fmt: skip


def test_one_camera_id_with_two_geometries_is_stored_twice() -> None:
    cameras, renamed = merge_cameras(
        {
            "lmgendrive": [_camera("rgb_left", 88, -60.0), _camera("rgb_front", 88)],
            "driveva": [_camera("rgb_front", 128)],
            "drivejepa": [_camera("rgb_front", 88)],  # the same geometry: rendered once
        }
    )
    assert [c["id"] for c in cameras] == ["rgb_left", "rgb_front", "driveva_rgb_front"]
    assert cameras[2]["width"] == 128 and renamed == {"driveva": {"rgb_front": "driveva_rgb_front"}}


def test_progress_line_counts_and_estimates() -> None:
    stream = io.StringIO()
    progress = Progress(target=4, deadline=None, done=1, stream=stream)
    progress.add_samples(120)
    progress.episode_done()
    progress.draw(force=True)
    line = stream.getvalue()
    assert "2/4 episodes" in line and "120 samples" in line and "samples/s" in line and "ETA" in line


def test_one_thread_per_process_after_numba_launched_its_threads_keeps_numba_compiling() -> None:
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import os
        import numba
        import numpy as np

        @numba.njit(parallel=True)
        def total(x):
            s = 0.0
            for i in numba.prange(x.shape[0]):
                s += x[i]
            return s

        total(np.ones(8))  # launches numba's thread pool with NUMBA_NUM_THREADS=2
        from agents.collect.workers import one_thread_per_process
        one_thread_per_process()
        numba.njit(lambda v: v + 1)(1)  # compiling again must not meet a changed NUMBA_NUM_THREADS
        print(numba.get_num_threads(), os.environ["OMP_NUM_THREADS"], os.environ["NUMBA_NUM_THREADS"])
        """
    )
    env = {**os.environ, "NUMBA_NUM_THREADS": "2"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1", "2"]


@pytest.mark.parametrize("name", ["lmgendrive", "driveva", "drivejepa"])
def test_the_collection_records_the_cameras_each_planner_asks_for(name: str) -> None:
    planner = make_planner(name, {"preset": "cpu"})
    asked = [spec for spec in planner.sensors() if spec.get("type") == CAMERA_TYPE]
    assert planner_cameras(name, "cpu") == asked
