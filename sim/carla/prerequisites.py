"""What a CARLA run needs that this machine lacks, each with how to get it.

Checked before anything starts, so ``--sim carla`` without CARLA ends at once with a list instead
of a traceback minutes later.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sim.carla.config import EvaluatorConfig, EvaluatorFlavour, ServerConfig, ServerLaunch
from sim.carla.launch import SERVER_SCRIPT

CHECKOUTS = {
    EvaluatorFlavour.BENCH2DRIVE: "Bench2Drive (github.com/Thinklab-SJTU/Bench2Drive): --leaderboard-root "
    "Bench2Drive/leaderboard --scenario-runner-root Bench2Drive/scenario_runner",
    EvaluatorFlavour.LEADERBOARD2: "carla-simulator/leaderboard (master) and carla-simulator/scenario_runner "
    "(leaderboard-2.0)",
    EvaluatorFlavour.LANGAUTO: "LMDrive (github.com/opendilab/LMDrive): --leaderboard-root LMDrive/leaderboard "
    "--scenario-runner-root LMDrive/scenario_runner",
    EvaluatorFlavour.LEADERBOARD1: "carla-simulator/leaderboard and carla-simulator/scenario_runner (both branch "
    "leaderboard-1.0)",
}
IMAGES_HINT = "or build the evaluator image, which holds the pinned checkouts: see docker/README.md"


def missing_prerequisites(server: ServerConfig, evaluator: EvaluatorConfig) -> list[str]:
    """One line per missing piece: what, where it was looked for, and how to get it."""
    missing = _server_missing(server)
    if evaluator.script is None:
        missing += _checkouts_missing(evaluator)
    if server.launch is not ServerLaunch.STAND_IN:
        missing += _client_missing(evaluator)
    return missing


def _server_missing(server: ServerConfig) -> list[str]:
    version = server.carla_version
    if server.launch is ServerLaunch.LOCAL:
        root = server.resolved_carla_root()
        if not root:
            return [
                f"CARLA {version}: CARLA_ROOT is not set. Download CARLA_{version}.tar.gz from the CARLA releases "
                "(github.com/carla-simulator/carla/releases; Bench2Drive also needs AdditionalMaps_0.9.15 for "
                "Town12/13), unpack it and export CARLA_ROOT=<folder>, or use --carla-server docker"
            ]
        if not (Path(root) / SERVER_SCRIPT).is_file():
            return [
                f"CARLA {version}: {Path(root) / SERVER_SCRIPT} not found; CARLA_ROOT must be the unpacked "
                "release folder that holds CarlaUE4.sh"
            ]
        return []
    if server.launch is ServerLaunch.DOCKER:
        if shutil.which("docker") is None:
            return [
                "the docker CLI is not on PATH (and a Docker engine with the NVIDIA container toolkit is needed "
                "for --carla-server docker); install Docker or use --carla-server local with CARLA_ROOT"
            ]
        found = subprocess.run(["docker", "image", "inspect", server.docker_image], capture_output=True, check=False)
        if found.returncode != 0:
            dockerfile = "server-0.9.10.1" if version.startswith("0.9.10") else "server-0.9.15"
            return [
                f"docker image {server.docker_image} not found: docker build -f docker/{dockerfile}.Dockerfile "
                f"-t {server.docker_image} docker/"
            ]
    return []


def _checkouts_missing(evaluator: EvaluatorConfig) -> list[str]:
    flavour, missing = evaluator.flavour, []
    script = Path(evaluator.leaderboard_root or "") / "leaderboard" / "leaderboard_evaluator.py"
    if not evaluator.leaderboard_root or not script.is_file():
        missing.append(
            f"the leaderboard checkout: {script if evaluator.leaderboard_root else '--leaderboard-root'} "
            f"not found; clone {CHECKOUTS[flavour]} ({IMAGES_HINT})"
        )
    runner = Path(evaluator.scenario_runner_root or "") / "srunner"
    if not evaluator.scenario_runner_root or not runner.is_dir():
        missing.append(
            f"the scenario_runner checkout: {runner if evaluator.scenario_runner_root else '--scenario-runner-root'} "
            f"not found; clone {CHECKOUTS[flavour]} ({IMAGES_HINT})"
        )
    pythonapi = evaluator.carla_pythonapi or (
        str(Path(os.environ["CARLA_ROOT"]) / "PythonAPI" / "carla") if os.environ.get("CARLA_ROOT") else ""
    )
    if not (Path(pythonapi) / "agents" / "navigation").is_dir():
        missing.append(
            f"CARLA's PythonAPI 'agents' package (scenario_runner imports it): {pythonapi or 'CARLA_ROOT'}"
            "/agents/navigation not found; set CARLA_ROOT or --carla-pythonapi to <CARLA>/PythonAPI/carla"
        )
    return missing


def _client_missing(evaluator: EvaluatorConfig) -> list[str]:
    """The evaluator's interpreter must hold the server's client version (the protocol changes between releases)."""
    python, wanted = evaluator.python or sys.executable, evaluator.flavour.carla_version
    probe = "import carla; print(carla.Client('127.0.0.1', 1).get_client_version())"
    try:
        answer = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    except OSError as error:
        return [f"the evaluator interpreter {python} cannot run ({error}); see --evaluator-python"]
    version = answer.stdout.strip()
    if answer.returncode == 0 and version.startswith(wanted):
        return []
    found = f"has carla {version}" if answer.returncode == 0 else "cannot import carla"
    if wanted.startswith("0.9.10"):
        how = (
            "CARLA 0.9.10.1's client exists for Python 3.7 only (PythonAPI/carla/dist/*.egg): give --evaluator-python "
            "of a Python 3.7 environment with the leaderboard's requirements and an agent file written for it; "
            "this package's registered agents need Python 3.11 and cannot run there"
        )
    else:
        how = (
            f"install the {wanted} client into the evaluator's environment (Python 3.7-3.10: pip install "
            f"carla=={wanted}; Python 3.11: pip install carla-0-9-15==0.0.1, a build of the same client) and "
            "pass --evaluator-python, or use the evaluator image"
        )
    return [f"the evaluator interpreter {python} {found}, but CARLA {wanted} needs its own client: {how}"]
