"""A collection killed mid-run loses only the episodes in flight; ``--resume`` finishes the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.common.driving_data import DrivingData
from tests.agents.collect.tiny_collection import TINY_CAMERAS

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT = 900.0  # [s] the machine may be shared; the run itself needs far less


def command(out: Path, cameras: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "agents.collect", "--out", str(out), "--episodes", "3", "--workers", "1",
        "--sources", "random", "--towns", "Town01", "--max-episode-seconds", "4", "--density-scale", "0.2",
        "--cameras", str(cameras), *extra,
    ]  # fmt: skip


def finished_episodes(out: Path) -> list[dict]:
    try:
        return json.loads((out / "manifest.json").read_text())["episodes"]
    except (OSError, ValueError, KeyError):
        return []


def test_kill_then_resume(tmp_path: Path, data_dir: Path) -> None:
    out, cameras = tmp_path / "dataset", tmp_path / "cameras.json"
    cameras.write_text(json.dumps(list(TINY_CAMERAS)))
    env = {**os.environ, "CLOSED_LOOP_DATA": str(data_dir)}
    # 1. start, wait for the first finished episode, kill the whole process group
    process = subprocess.Popen(command(out, cameras), cwd=ROOT, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    started = time.monotonic()
    try:
        while not finished_episodes(out):
            assert process.poll() is None, "the collection ended before its first episode"
            assert time.monotonic() - started < TIMEOUT
            time.sleep(0.5)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    first = finished_episodes(out)
    if len(first) == 3:
        pytest.skip("the run finished before it could be killed")
    kept = {e["id"]: (out / "episodes" / e["id"] / "episode.json").stat().st_mtime_ns for e in first}
    # 2. without --resume the dataset is refused, nothing is touched
    refused = subprocess.run(command(out, cameras), cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    # 3. resume: the finished episodes stay as they were, the rest is collected, no temp folder is left
    resumed = subprocess.run(command(out, cameras, "--resume"), cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=TIMEOUT)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    data = DrivingData(out)
    assert [e.id for e in data.episodes][: len(kept)] == list(kept)
    assert sorted(e.id for e in data.episodes) == ["00000.random.Town01.0", "00001.random.Town01.1",
                                                    "00002.random.Town01.2"]  # fmt: skip
    for episode_id, mtime in kept.items():
        assert (out / "episodes" / episode_id / "episode.json").stat().st_mtime_ns == mtime
    assert not [p for p in (out / "episodes").iterdir() if p.name.startswith(".tmp-")]
