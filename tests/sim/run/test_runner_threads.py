"""Each process that drives routes caps torch's threads before its agent is built (--torch-threads)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip


def test_threads_are_capped_before_and_after_torch_is_imported() -> None:
    before = "from sim.run.benchmark_runner import limit_threads; limit_threads(1); import torch; "
    assert run(before + "print(torch.get_num_threads())") == "1"
    after = "import torch; torch.set_num_threads(2); from sim.run.benchmark_runner import limit_threads; "
    assert run(after + "limit_threads(1); print(torch.get_num_threads())") == "1"


def test_the_command_line_passes_the_setting() -> None:
    from run_closed_loop import build_parser

    assert build_parser().parse_args(["--agent", "expert", "--bench", "x"]).torch_threads == 1
    assert build_parser().parse_args(["--agent", "e", "--bench", "x", "--torch-threads", "3"]).torch_threads == 3
