"""Which run produced a results file: benchmark, routes, agent, config, checkpoints, seed, code version.

``results.json`` stores it under ``"run"``; ``--resume`` compares the stored identity with the run
being started and refuses a file of another run, naming every field that differs. The code
version (package version, git commit) is recorded but not compared: resuming after an update is
allowed and logged.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
CHECKPOINT_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin", ".safetensors", ".npz")
NOT_COMPARED = ("package_version", "git_commit", "route_file")  # informational fields


@dataclass(frozen=True)
class RunIdentity:
    """Everything that decides a run's results (see the module docstring).

    Attributes:
        benchmark: benchmark name (or route file stem); route_file: its path (informational).
        route_file_sha256: content hash of the route file.
        agent: registered planner name or agent file name; agent_sha256: the agent file's hash.
        agent_config: the config string handed to ``setup`` (a file's name when it is a file);
            agent_config_sha256: that file's hash, or None when the config is not a file.
        checkpoints: checkpoint file name -> sha256, for every checkpoint the config names.
        seed, repetitions, background_walkers, simulator: run options that change results.
        package_version, git_commit: the code that ran (not compared on resume).
    """

    benchmark: str
    route_file: str
    route_file_sha256: str
    agent: str
    agent_sha256: str
    agent_config: str
    agent_config_sha256: str | None
    checkpoints: dict[str, str] = field(default_factory=dict)
    seed: int = 0
    repetitions: int = 1
    background_walkers: int = 0
    simulator: str = "embedded"
    package_version: str = ""
    git_commit: str | None = None

    def to_json(self) -> dict:
        return asdict(self)


def describe_run(benchmark, agent_path: str, agent_name: str, config: str, options, checkpoints=()) -> RunIdentity:
    """The identity of a run (``benchmark``: a loaded Benchmark; ``options``: its RunOptions).

    Args:
        agent_path: the agent file; agent_name: the registered planner name or the file's stem.
        config: the config string; when it names a file its content is hashed, and every
            checkpoint-like file it references (``*.pt``, ``*.ckpt``, ...) too.
        checkpoints: further checkpoint paths (e.g. a registered planner's default config names one).
    """
    config_file = Path(config) if config and Path(config).is_file() else None
    named = [*checkpoints, *(_referenced_files(config_file) if config_file else [])]
    return RunIdentity(
        benchmark=benchmark.name,
        route_file=str(benchmark.route_file),
        route_file_sha256=file_sha256(benchmark.route_file),
        agent=agent_name,
        agent_sha256=file_sha256(agent_path),
        agent_config=config_file.name if config_file else config,
        agent_config_sha256=file_sha256(config_file) if config_file else None,
        checkpoints={Path(p).name: file_sha256(p) for p in sorted(set(map(str, named)))},
        seed=options.seed,
        repetitions=options.repetitions,
        background_walkers=options.background_walkers,
        package_version=package_version(),
        git_commit=git_commit(),
    )


def identity_differences(stored: dict, current: dict) -> list[str]:
    """``"field: stored X, this run Y"`` for every compared field that differs."""
    differences = []
    for key, value in current.items():
        if key in NOT_COMPARED:
            continue
        if stored.get(key, "<missing>") != value:
            differences.append(f"{key}: the file has {stored.get(key, '<missing>')!r}, this run has {value!r}")
    return differences


def code_changes(stored: dict, current: dict) -> list[str]:
    keys = ("package_version", "git_commit")
    return [f"{key} {stored.get(key)!r} -> {current[key]!r}" for key in keys if stored.get(key) != current[key]]


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_version() -> str:
    try:
        import tomllib

        return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    except (OSError, KeyError, ValueError):
        return "unknown"


def git_commit() -> str | None:
    """The repository's commit (with ``+dirty`` when files changed), or None outside a git checkout."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10)
        if commit.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=10)  # fmt: skip
        return commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def _referenced_files(config_file: Path) -> list[Path]:
    """Checkpoint-like files named anywhere in a YAML config (relative paths: from the config's folder)."""
    try:
        data = yaml.safe_load(config_file.read_text())
    except (OSError, yaml.YAMLError):
        return []
    found = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and item.endswith(CHECKPOINT_SUFFIXES):
            path = Path(item) if Path(item).is_absolute() else config_file.parent / item
            if path.is_file():
                found.append(path)
            elif Path(item).is_file():
                found.append(Path(item))
    return found
