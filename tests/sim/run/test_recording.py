"""--record: a route's rerun recording, read back with the SDK, holds the expected entities and values."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.eval.infractions import Infraction, InfractionEvent
from sim.run.debug_session import DebugSession
from sim.run.recording import RerunRecorder

AGENT = """
import numpy as np
from types import SimpleNamespace

def get_entry_point():
    return "DebugAgent"

class DebugAgent:
    def __init__(self, *args):
        pass

    def setup(self, config):
        pass

    def set_global_plan(self, gps, world):
        pass

    def sensors(self):
        return [{"type": "sensor.speedometer", "id": "speed", "reading_frequency": 20},
                {"type": "sensor.camera.rgb", "id": "front", "x": 1.3, "y": 0.0, "z": 2.3,
                 "roll": 0.0, "pitch": 0.0, "yaw": 0.0, "width": 64, "height": 48, "fov": 90}]

    def run_step(self, input_data, timestamp):
        return SimpleNamespace(throttle=0.6, steer=0.0, brake=0.0, hand_brake=False, reverse=False)

    def debug_payload(self):
        t = np.arange(1, 9)[:, None] * 0.5
        proposals = np.stack([np.hstack([t * 4, t * k, 0 * t]) for k in (-0.5, 0.0, 0.5)])
        return {"plan_pose": [0.0, 0.0, 0.0], "proposals": proposals, "scores": [0.2, 0.9, 0.5], "chosen": 1,
                "trajectory": proposals[1], "waypoints": proposals[1, :4, :2], "target_point": [20.0, 0.0],
                "scalars": {"pid/target_speed": 4.0}, "text": {"instruction": "follow the lane"},
                "imagined": {"front": np.zeros((2, 16, 24, 3), np.uint8)}}

    def destroy(self):
        pass
"""


def entity_rows(path: Path) -> dict[str, int]:
    """``{entity path: rows on the tick timeline (static: 1)}`` of an ``.rrd``, through rerun's chunk API."""
    from rerun.chunk import RrdReader

    rows: dict[str, int] = {}
    for chunk in RrdReader(path).store().stream():
        rows[chunk.entity_path] = rows.get(chunk.entity_path, 0) + chunk.num_rows
    return rows


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> tuple[Path, int]:
    folder = tmp_path_factory.mktemp("recording")
    agent = folder / "debug_agent.py"
    agent.write_text(textwrap.dedent(AGENT))
    session = DebugSession(str(agent), "langauto-tiny:0", seed=0, data_dir=str(data_dir))
    recorder = RerunRecorder(folder / "{route_id}.rrd")
    recorder.start(session.session.scene)
    collision = InfractionEvent(Infraction.COLLISION_VEHICLE, 0.2, np.array([10.0, -2.0, 0.0]), detail="vehicle.x")
    ticks = session.step(6)
    for index, tick in enumerate(ticks):
        recorder.add(dataclasses.replace(tick, events=(collision,)) if index == 3 else tick)
    recorder.close(session.close())
    return recorder.path, len(ticks)


def test_the_recording_holds_world_agent_and_events(recording: tuple[Path, int]) -> None:
    path, ticks = recording
    assert path.name == "RouteScenario_0.rrd" and ticks == 6
    rows = entity_rows(path)
    expected = [
        "/bev/map/edges", "/bev/map/markings", "/bev/route", "/bev/actors", "/bev/ego", "/bev/ego_trail",
        "/bev/lights", "/bev/plan/proposals", "/bev/plan/trajectory", "/bev/plan/waypoints", "/bev/plan/target",
        "/bev/infractions", "/events", "/cameras/front", "/imagined/front", "/plots/speed", "/plots/control/throttle",
        "/plots/pid/target_speed", "/plots/scores/best", "/plots/scores/chosen", "/plots/infractions",
        "/text/instruction", "/text/result",
    ]  # fmt: skip
    assert not [e for e in expected if e not in rows], f"missing entities; the recording has {sorted(rows)}"
    assert rows["/plots/speed"] == ticks and rows["/bev/ego"] == ticks
    assert rows["/cameras/front"] == ticks // 2, "cameras every other tick (10 Hz)"
    assert rows["/events"] == 1


def component_values(path: Path, entity: str, component: str) -> list:
    """Every logged value of ``entity``'s ``component`` column (e.g. ``Scalars:scalars``), in tick order."""
    from rerun.chunk import RrdReader

    rows = []
    for chunk in RrdReader(path).store().stream():
        if chunk.entity_path == entity:
            batch = chunk.to_record_batch()
            rows += zip(batch.column("tick").to_pylist(), batch.column(component).to_pylist(), strict=True)
    return [value for _, value in sorted(rows, key=lambda row: row[0])]


def test_the_recording_values_read_back(recording: tuple[Path, int]) -> None:
    path, ticks = recording
    strips = component_values(path, "/bev/plan/proposals", "LineStrips2D:strips")
    assert len(strips) == ticks and len(strips[0]) == 3 and len(strips[0][0]) == 8
    colours = component_values(path, "/bev/plan/proposals", "LineStrips2D:colors")[0]
    green = [(c >> 16) & 0xFF for c in colours]  # RGBA packed as 0xRRGGBBAA
    assert int(np.argmax(green)) == 1, "the best-scored proposal is drawn greenest"
    speeds = [value[0] for value in component_values(path, "/plots/speed", "Scalars:scalars")]
    assert len(speeds) == ticks and speeds[-1] > speeds[0], "full throttle: the ego speeds up"
