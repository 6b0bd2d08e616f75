"""Stand-in servers and evaluators for the supervisor tests: settings with fast timeouts, route files, run logs."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sim.carla.config import EvaluatorConfig, EvaluatorFlavour, ServerConfig, ServerLaunch, SupervisorConfig
from sim.carla.evaluator import CarlaRoute

STAND_IN_EVALUATOR = Path(__file__).with_name("stand_in_evaluator.py")
ROUTE_XML = """<?xml version='1.0' encoding='utf-8'?>
<routes>{}</routes>
"""


def server_config(port_base: int, **overrides) -> ServerConfig:
    values = dict(launch=ServerLaunch.STAND_IN, rpc_port_base=port_base, tm_port_base=port_base + 3, port_step=5,
                  startup_timeout_s=15.0, tick_timeout_s=1.0, probe_timeout_s=0.3, poll_interval_s=0.05,
                  stop_grace_s=1.0, recycle_every=0, runtime_dir=os.environ["CLOSED_LOOP_RUNTIME_DIR"])  # fmt: skip
    values.update(overrides)
    return ServerConfig(**values)


def stand_in_config(tmp_path: Path, port_base: int, script: dict | None = None, max_attempts: int = 3,
                    evaluator: dict | None = None, **server) -> SupervisorConfig:  # fmt: skip
    """Supervisor settings running the stand-in server and evaluator; ``script`` scripts the faults."""
    state = tmp_path / "stand_in_state"
    state.mkdir(exist_ok=True)
    script_file = tmp_path / "stand_in_script.json"
    script_file.write_text(json.dumps(script or {}))
    env = (("STAND_IN_SCRIPT", str(script_file)), ("STAND_IN_STATE", str(state)),
           ("PYTHONPATH", os.environ.get("PYTHONPATH", "")))  # fmt: skip
    evaluator_values = dict(flavour=EvaluatorFlavour.LEADERBOARD2, script=str(STAND_IN_EVALUATOR), extra_env=env)
    evaluator_values.update(evaluator or {})
    return SupervisorConfig(server=server_config(port_base, **server), evaluator=EvaluatorConfig(**evaluator_values),
                            max_attempts=max_attempts, work_dir=str(tmp_path / "work"))  # fmt: skip


def stand_in_routes(tmp_path: Path, ids: list[str]) -> list[CarlaRoute]:
    xml = tmp_path / "routes.xml"
    xml.write_text(ROUTE_XML.format("".join(f'<route id="{i}" town="Town01"></route>' for i in ids)))
    return [CarlaRoute(index=k, route_id=i, name=f"RouteScenario_{i}", town="Town01", route_file=str(xml))
            for k, i in enumerate(ids)]  # fmt: skip


def runs(tmp_path: Path) -> list[dict]:
    """Every evaluator run the stand-in logged."""
    log = tmp_path / "stand_in_state" / "runs.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
