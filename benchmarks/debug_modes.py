"""What each debugging mode costs per tick: a plain run, ``--record`` (rerun), ``--save-video`` (MP4), both,
and ``live``: the recording streamed to the web viewer's server as ``--debug`` does (without its pauses).

Drives the same route with the same seed once per mode and reports, per tick, the wall-clock time
of the whole tick and the time spent inside the recorders alone (the overhead a mode adds; the
first figure also moves with the machine's load). The last line is one JSON object.

    python benchmarks/debug_modes.py            # drivejepa, tiny preset (random weights): a camera, scored proposals
    python benchmarks/debug_modes.py --agent pdm_closed --preset "" --ticks 300
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # one core, as the other benchmarks

import argparse  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.run.agent_loading import agent_spec_for  # noqa: E402
from sim.run.debug_session import DebugSession  # noqa: E402
from sim.run.live_viewer import LiveViewer, ViewerKind  # noqa: E402
from sim.run.recorders import route_recorders  # noqa: E402

MODES = {  # (save_video, record, live)
    "plain": (False, False, False),
    "record": (False, True, False),
    "video": (True, False, False),
    "record+video": (True, True, False),
    "live": (False, False, True),
}


class Timed:
    """A recorder wrapper adding up the seconds spent in ``add``."""

    def __init__(self, recorder) -> None:
        self.recorder, self.seconds, self.calls = recorder, 0.0, 0

    def start(self, scene) -> None:
        self.recorder.start(scene)

    def add(self, tick) -> None:
        started = time.perf_counter()
        self.recorder.add(tick)
        self.seconds += time.perf_counter() - started
        self.calls += 1

    def close(self, record) -> None:
        self.recorder.close(record)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def agent_spec(agent: str, preset: str, folder: Path):
    """The generic leaderboard agent driving ``agent`` (a planner name), with the model ``preset`` if given."""
    if not preset or agent.endswith(".py"):
        return agent_spec_for(agent)
    config = folder / "agent.yaml"
    config.write_text(f"planner: {agent}\nplanner_overrides: {{preset: {preset}}}\n")
    return agent_spec_for(agent, str(config))


def measure(agent, route: str, mode: str, ticks: int, warmup: int, out: Path) -> dict:
    """Per-tick wall time and recorder time [ms] of one mode, after ``warmup`` ticks."""
    save_video, record, live = MODES[mode]
    viewer = LiveViewer.start(ViewerKind.WEB, free_port(), free_port()) if live else None
    recorders = tuple(Timed(r) for r in route_recorders("bench", out / mode, save_video, record, viewer))
    session = DebugSession(agent, route, seed=0, recorders=recorders)
    session.step(warmup)
    for recorder in recorders:
        recorder.seconds, recorder.calls = 0.0, 0
    started = time.perf_counter()
    done = len(session.step(ticks))
    wall = time.perf_counter() - started
    session.close()
    recording = sum(r.seconds for r in recorders)
    files = sorted(p for p in (out / mode).rglob("*") if p.is_file())
    return {
        "mode": mode,
        "ticks": done,
        "tick_ms": round(1000.0 * wall / max(done, 1), 2),
        "recorders_ms": round(1000.0 * recording / max(done, 1), 2),
        "bytes_per_tick": round(sum(p.stat().st_size for p in files) / max(done + warmup, 1)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agent", default="drivejepa", help="registered planner name or agent .py")
    parser.add_argument("--preset", default="tiny", help="the model preset of a learned planner ('' for none: "
                        "the planner's shipped checkpoint)")  # fmt: skip
    parser.add_argument("--route", default="langauto-tiny:0", help="<benchmark>:<route id>")
    parser.add_argument("--ticks", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20, help="ticks first driven and not counted (JIT, caches)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        agent = agent_spec(args.agent, args.preset, Path(folder))
        for mode in MODES:
            result = measure(agent, args.route, mode, args.ticks, args.warmup, Path(folder))
            results.append(result)
            print(
                f"{mode:<13} {result['tick_ms']:8.2f} ms/tick  recorders {result['recorders_ms']:7.2f} ms/tick  "
                f"{result['bytes_per_tick'] / 1024:7.1f} KiB/tick",
                flush=True,
            )
    print(json.dumps({"agent": args.agent, "preset": args.preset, "route": args.route, "modes": results}))


if __name__ == "__main__":
    main()
