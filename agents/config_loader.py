"""YAML overrides on top of frozen config dataclasses, type-checked against their annotations.

The dataclasses are the single source of defaults; a YAML file under ``agents/configs/`` only
overrides fields. Unknown keys, a value of the wrong type (``"false"`` for a bool, ``2.5`` for an
int) and a value out of its field's range (checked by the dataclass's ``__post_init__``) are
errors that name the file and the dotted field, so a typo never silently changes behaviour.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from models.common.config import ConfigError, convert_value

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


class UnknownConfigKeyError(ConfigError, KeyError):
    """An override names no field of its config dataclass."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def load_yaml(path: str | Path) -> dict[str, Any]:
    """The mapping in a YAML file (an empty file is an empty mapping).

    Raises:
        ConfigError: unreadable file, invalid YAML, or not a mapping (naming the file).
    """
    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"config file '{path}' cannot be read: {error}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"config file '{path}' is not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise ConfigError(f"config file '{path}' must hold a mapping, got {type(data).__name__}")
    return data


def apply_overrides(config: T, overrides: Mapping[str, Any], source: str = "overrides", prefix: str = "") -> T:
    """A copy of the frozen dataclass ``config`` with ``overrides`` applied (nested dataclasses too).

    Args:
        source: where the overrides come from (a file name), for error messages.
        prefix: dotted path of ``config`` inside the outermost config (nested calls).

    Raises:
        UnknownConfigKeyError: keys that name no field (all of them, with the known fields).
        ConfigError: a value of the wrong type or out of range, naming ``source`` and the field.
    """
    if not isinstance(overrides, Mapping):
        raise ConfigError(f"{source}: {prefix or type(config).__name__} must be a mapping, got {overrides!r}")
    hints = typing.get_type_hints(type(config))
    fields = [f.name for f in dataclasses.fields(config)]  # type: ignore[arg-type]
    unknown = [key for key in overrides if key not in fields]
    if unknown:
        raise UnknownConfigKeyError(f"{source}: unknown key(s) {[prefix + str(k) for k in unknown]} for "
                                    f"{type(config).__name__}; known: {sorted(fields)}")  # fmt: skip
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        current = getattr(config, key)
        if dataclasses.is_dataclass(current) and isinstance(value, Mapping):
            changes[key] = apply_overrides(current, value, source, f"{prefix}{key}.")
        else:
            changes[key] = convert_value(value, hints[key], f"{source}: {prefix}{key}")
    try:
        return dataclasses.replace(config, **changes)  # type: ignore[type-var]
    except ConfigError:
        raise
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{source}: {prefix or type(config).__name__ + ' '}{error}") from error


def load_config(default: T, name: str) -> T:
    """``default`` overridden by ``agents/configs/<name>.yaml``."""
    path = config_file(name)
    return apply_overrides(default, load_yaml(path), source=str(path))


_RULES = {
    ">0": (lambda v: v > 0, "> 0"),
    ">=0": (lambda v: v >= 0, ">= 0"),
    ">=1": (lambda v: v >= 1, ">= 1"),
    "[0,1]": (lambda v: 0 <= v <= 1, "in [0, 1]"),
}


def require(config: object, rule: str, *names: str) -> None:
    """Raise ``ValueError`` naming the first field of ``names`` whose value breaks ``rule``
    (``">0"``, ``">=0"``, ``">=1"``, ``"[0,1]"``); for config ``__post_init__`` range checks."""
    test, text = _RULES[rule]
    for name in names:
        value = getattr(config, name)
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value == value and test(value)
        if not ok:
            raise ValueError(f"{name} = {value!r} must be {text}")
