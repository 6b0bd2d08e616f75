"""run_closed_loop --debug: the web viewer URL is printed, the run pauses, steps and quits from stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.sim.run.test_live_viewer import free_port

REPO = Path(__file__).resolve().parents[3]


def test_debug_steps_from_the_terminal_then_quits(tmp_path: Path, data_dir: Path) -> None:
    grpc_port, web_port = free_port(), free_port()
    out = tmp_path / "out"
    command = [sys.executable, str(REPO / "run_closed_loop.py"), "--agent", "constant_velocity", "--bench",
               "langauto-tiny", "--route-ids", "0", "--out", str(out), "--data-dir", str(data_dir), "--debug",
               "--viewer", "web", "--viewer-ports", f"{grpc_port},{web_port}", "--record"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DISPLAY", None)
    done = subprocess.run(command, input="s 3\np\n\nq\n", env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 130, done.stderr[-2000:]
    assert f"rerun web viewer: open http://localhost:{web_port}/?url=" in done.stderr
    assert "route RouteScenario_0 (seed " in done.stderr and "paused" in done.stderr
    pauses = [line for line in done.stderr.splitlines() if line.startswith("t=")]
    assert [line.split()[3] for line in pauses] == ["3", "3", "4"], "3 ticks, where, one more tick, then quit"
    assert "interrupted" in done.stderr
    assert (out / "recordings" / "RouteScenario_0.rrd").stat().st_size > 0, "what was driven is recorded"
