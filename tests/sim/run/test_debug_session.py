"""DebugSession: step an agent from Python, look at the world and the plan, run to an infraction, restart."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.run.debug_session import DebugSession

SWERVING_AGENT = """
from types import SimpleNamespace

def get_entry_point():
    return "Swerve"

class Swerve:
    def __init__(self, *args):
        pass

    def set_global_plan(self, gps, world):
        pass

    def sensors(self):
        return [{"type": "sensor.speedometer", "id": "speed", "reading_frequency": 20}]

    def run_step(self, input_data, timestamp):
        return SimpleNamespace(throttle=1.0, steer=0.35, brake=0.0, hand_brake=False, reverse=False)

    def destroy(self):
        pass
"""


def test_step_look_and_restart_with_another_seed(data_dir: Path) -> None:
    session = DebugSession("constant_velocity", "langauto-tiny:0", seed=0, data_dir=str(data_dir))
    assert session.snapshot.frame == 0 and session.last_plan is None and session.agent_debug is None
    ticks = session.step(5)
    assert len(ticks) == 5 and session.snapshot.frame == 5 and session.snapshot.time == pytest.approx(0.25)
    assert ticks[-1].judged is session.snapshot and ticks[0].sensed.frame == 0
    assert session.last_plan is not None and session.last_plan.trajectory.shape[1] == 3
    debug = session.agent_debug
    assert debug.plan_pose.shape == (3,) and "pid/target_speed" in debug.scalars
    # the agent locates itself by GNSS, which the leaderboard mounts at the box centre
    assert np.allclose(debug.plan_pose[:2], ticks[-1].sensed.ego.center, atol=0.05), "the plan is where the agent was"
    assert session.privileged().route.points.shape[0] > 10
    actors_seed0 = session.snapshot.actors.copy()
    record = session.restart(seed=1)
    assert record.route_id == "RouteScenario_0" and record.duration_game == pytest.approx(0.25)
    assert session.job.seed == 1 and session.snapshot.frame == 0
    assert not np.array_equal(session.snapshot.actors, actors_seed0), "another seed, another traffic"
    session.close()


def test_run_until_the_next_infraction(tmp_path: Path, data_dir: Path) -> None:
    agent = tmp_path / "swerve.py"
    agent.write_text(textwrap.dedent(SWERVING_AGENT))
    with DebugSession(str(agent), "langauto-tiny:0", seed=0, data_dir=str(data_dir)) as session:
        assert session.run_until_infraction(max_ticks=3) == ()
        events = session.run_until_infraction()
        assert events and session.events[-len(events) :] == events
        assert session.snapshot.time == pytest.approx(events[0].time)
        assert session.agent_debug is None, "an agent without debug_payload() shows only the world"


def test_a_bad_route_name_is_explained(data_dir: Path) -> None:
    with pytest.raises(ValueError, match="expected '<benchmark>:<route id>'"):
        DebugSession("constant_velocity", "langauto-tiny", data_dir=str(data_dir))
    with pytest.raises(ValueError, match="benchmark_tiny.xml has no route with id 999999"):
        DebugSession("constant_velocity", "langauto-tiny:999999", data_dir=str(data_dir))
