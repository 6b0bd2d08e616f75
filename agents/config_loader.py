"""YAML overrides on top of frozen config dataclasses.

The dataclasses are the single source of defaults; a YAML file under ``agents/configs/`` only
overrides fields. Unknown keys are an error that names the file and the key, so a typo never
silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

CONFIG_DIR = Path(__file__).resolve().parent / "configs"

T = TypeVar("T")


def config_file(name: str) -> Path:
    """``agents/configs/<name>.yaml`` (or ``name`` itself when it is a path to an existing file)."""
    as_path = Path(name)
    if as_path.suffix in {".yaml", ".yml"} and as_path.is_file():
        return as_path
    path = CONFIG_DIR / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))
        raise FileNotFoundError(f"config '{name}' not found at '{path}'; known configs: {known}")
    return path


def load_yaml(path: str | Path) -> dict[str, Any]:
    """The mapping in a YAML file (an empty file is an empty mapping)."""
    text = Path(path).read_text()
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError(f"config file '{path}' must hold a mapping, got {type(data).__name__}")
    return data


def apply_overrides(config: T, overrides: Mapping[str, Any], source: str = "overrides") -> T:
    """A copy of the frozen dataclass ``config`` with ``overrides`` applied (nested dataclasses too).

    Raises:
        KeyError: an override names no field; the message names ``source`` and the known fields.
    """
    fields = {f.name: f for f in dataclasses.fields(config)}  # type: ignore[arg-type]
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in fields:
            raise KeyError(f"{source}: unknown key '{key}' for {type(config).__name__}; known: {sorted(fields)}")
        current = getattr(config, key)
        if dataclasses.is_dataclass(current) and isinstance(value, Mapping):
            changes[key] = apply_overrides(current, value, f"{source}.{key}")
        elif isinstance(current, tuple) and isinstance(value, list):
            changes[key] = tuple(value)
        else:
            changes[key] = value
    return dataclasses.replace(config, **changes)  # type: ignore[type-var]


def load_config(default: T, name: str) -> T:
    """``default`` overridden by ``agents/configs/<name>.yaml``."""
    path = config_file(name)
    return apply_overrides(default, load_yaml(path), source=str(path))
