"""A stand-in for ``leaderboard_evaluator.py``: drives the stand-in server and writes a checkpoint.

It takes the official evaluators' options (2.0 and 1.0 spellings) and, per route and attempt, does
what ``$STAND_IN_SCRIPT`` (JSON: route id -> list of actions, one per attempt; "default" for the
rest) says, logging every run to ``$STAND_IN_STATE/runs.jsonl``:

- ``ok``: tick the server ``$STAND_IN_TICKS`` times, write a Completed record with one collision;
- ``agent_crash``: write a "Failed - Agent crashed" record (as the evaluator does for AgentError);
- ``server_crash`` / ``server_kill``: make the server exit (it crashes / we SIGKILL it), then fail
  to tick and write "Failed - Simulation crashed", exiting -1 as Bench2Drive's evaluator does;
- ``server_hang``: make the server hang, then block on a tick (as the client waits 600 s);
- ``evaluator_exit``: exit 1 with no record; ``evaluator_hang``: sleep with the server healthy;
- ``kill_supervisor``: SIGKILL the process that started us (a supervisor, or a Ray actor lost with its node).
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from sim.carla.stand_in import rpc_call  # noqa: E402


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    for name in ("--host", "--routes", "--routes-subset", "--checkpoint", "--agent", "--agent-config", "--track",
                 "--scenarios", "--timeout", "--repetitions", "--gpu-rank", "--debug-checkpoint"):  # fmt: skip
        parser.add_argument(name, default="")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--traffic-manager-port", "--trafficManagerPort", dest="tm_port", type=int, default=0)
    return parser.parse_args()


def route_id(args: argparse.Namespace) -> str:
    if args.routes_subset:
        return args.routes_subset
    return ET.parse(args.routes).getroot().find("route").get("id")  # 1.0: a file with just that route


def next_action(state: Path, route: str) -> tuple[str, int]:
    counter = state / f"{route}.attempts"
    attempt = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(attempt))
    script = json.loads(Path(os.environ["STAND_IN_SCRIPT"]).read_text()) if os.environ.get("STAND_IN_SCRIPT") else {}
    actions = script.get(route, [script.get("default", "ok")])
    return actions[min(attempt, len(actions)) - 1], attempt


def write_checkpoint(path: str, route: str, status: str, completion: float, collisions: int) -> None:
    messages = [f"Agent collided against object with type=vehicle.audi.a2 and id={40 + i} at (x=1.5, y=-2.25, z=0.1)"
                for i in range(collisions)]  # fmt: skip
    record = {"index": 0, "route_id": f"RouteScenario_{route}_rep0", "status": status,
              "infractions": {"collisions_vehicle": messages, "outside_route_lanes": [
                  "Agent went outside its route lanes for about 3.2 meters (2.5% of the completed route)"]},
              "scores": {"score_route": completion, "score_penalty": 0.6**collisions * 0.975,
                         "score_composed": completion * 0.6**collisions * 0.975},
              "meta": {"route_length": 120.0, "duration_game": 12.5, "duration_system": 3.0},
              "town_name": "Town01", "save_name": f"RouteScenario_{route}_rep0_Town01"}  # fmt: skip
    payload = {"_checkpoint": {"records": [record], "progress": [1, 1], "global_record": {}},
               "entry_status": "Finished", "eligible": True, "sensors": []}  # fmt: skip
    Path(path).write_text(json.dumps(payload))


def main() -> int:
    args = parse()
    state = Path(os.environ["STAND_IN_STATE"])
    route = route_id(args)
    action, attempt = next_action(state, route)
    started = time.time()
    adapter = rpc_call("127.0.0.1", args.port, "adapter")
    log = {"route": route, "attempt": attempt, "action": action, "port": args.port, "tm_port": args.tm_port,
           "adapter": adapter, "start": started, "agent": args.agent, "agent_config": args.agent_config}  # fmt: skip
    with open(state / "runs.jsonl", "a") as stream:
        stream.write(json.dumps(log) + "\n")
    ticks, tick_s = int(os.environ.get("STAND_IN_TICKS", "10")), float(os.environ.get("STAND_IN_TICK_S", "0.01"))
    if action == "evaluator_exit":
        return 1
    if action == "evaluator_hang":
        time.sleep(3600)
    if action == "kill_supervisor":
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(3600)
    if action in ("server_crash", "server_kill", "server_hang"):
        rpc_call("127.0.0.1", args.port, "tick")
        if action == "server_kill":
            os.kill(int(rpc_call("127.0.0.1", args.port, "pid")), signal.SIGKILL)
        else:
            kind = "crash" if action == "server_crash" else "hang"
            threading.Thread(target=rpc_call, args=("127.0.0.1", args.port, "fault", [kind]), daemon=True).start()
            time.sleep(0.2)
        try:
            rpc_call("127.0.0.1", args.port, "tick", timeout_s=600.0)  # a hung server: the client waits
        except OSError:
            write_checkpoint(args.checkpoint, route, "Failed - Simulation crashed", 10.0, 0)
            return 255
    for _ in range(ticks):
        rpc_call("127.0.0.1", args.port, "tick")
        time.sleep(tick_s)
    if action == "agent_crash":
        write_checkpoint(args.checkpoint, route, "Failed - Agent crashed", 30.0, 0)
    else:
        write_checkpoint(args.checkpoint, route, "Completed", 100.0, 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
