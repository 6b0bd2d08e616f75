"""Frozen-dataclass configs: the dataclass holds every default, a YAML preset only overrides.

A preset is ``<package>/presets/<name>.yaml`` (e.g. ``tiny``, ``full``). Nested dataclass fields
are nested mappings in YAML; YAML lists become tuples where the field is annotated as a tuple.
Unknown keys and wrongly typed values raise :class:`ConfigError` naming the dotted field path
and the file, so a typo in a preset never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


class ConfigError(ValueError):
    """A config file or mapping does not match its dataclass."""


class ConfigMismatchError(ValueError):
    """Two configs that must be equal differ (e.g. a checkpoint's config and the model's).

    Attributes:
        differences: ``{dotted.path: (expected, found)}``.
    """

    def __init__(self, message: str, differences: Mapping[str, tuple[Any, Any]]) -> None:
        super().__init__(message)
        self.differences = dict(differences)


def _is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _convert(value: Any, tp: Any, path: str) -> Any:
    """Convert a YAML value to the annotated type ``tp`` (dataclass, container, enum, scalar, optional)."""
    origin = typing.get_origin(tp)
    if _is_dataclass_type(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, Mapping):
            raise ConfigError(f"{path}: expected a mapping for {tp.__name__}, got {value!r}")
        return config_from_dict(tp, value, path)
    if origin in (typing.Union, types.UnionType):
        return _convert_union(value, tp, path)
    if origin in (tuple, list, dict):
        return _convert_container(value, tp, origin, path)
    if origin is typing.Literal:
        if value not in typing.get_args(tp):
            raise ConfigError(f"{path}: {value!r} is not one of {list(typing.get_args(tp))}")
        return value
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _convert_enum(value, tp, path)
    return _convert_scalar(value, tp, path)


def _convert_union(value: Any, tp: Any, path: str) -> Any:
    args = typing.get_args(tp)
    if value is None and type(None) in args:
        return None
    for arg in args:
        if arg is type(None):
            continue
        try:
            return _convert(value, arg, path)
        except ConfigError:
            continue
    raise ConfigError(f"{path}: value {value!r} matches none of {tp}")


def _convert_container(value: Any, tp: Any, origin: type, path: str) -> Any:
    args = typing.get_args(tp)
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: expected a mapping, got {type(value).__name__} {value!r}")
        return value
    if not isinstance(value, list | tuple):
        raise ConfigError(f"{path}: expected a list, got {value!r}")
    if origin is tuple and args and Ellipsis not in args:  # tuple[A, B]: one type per position
        if len(value) != len(args):
            raise ConfigError(f"{path}: expected {len(args)} items, got {len(value)}: {value!r}")
        return tuple(_convert(item, arg, f"{path}[{i}]") for i, (item, arg) in enumerate(zip(value, args, strict=True)))
    item_type = args[0] if args else Any
    items = [_convert(item, item_type, f"{path}[{i}]") for i, item in enumerate(value)]
    return tuple(items) if origin is tuple else items


def convert_value(value: Any, tp: Any, path: str) -> Any:
    """``value`` (from YAML) checked against and converted to the annotation ``tp``.

    Booleans must be booleans (``"false"`` is not), integers integers (not ``3.0`` or ``True``),
    floats accept integers; tuples take lists (item by item, of fixed length for ``tuple[A, B]``),
    enums their value or name, nested dataclasses mappings; ``X | None`` takes ``null``.

    Raises:
        ConfigError: naming ``path``, the expected type and the value.
    """
    return _convert(value, tp, path)


def _convert_enum(value: Any, tp: type[enum.Enum], path: str) -> enum.Enum:
    if isinstance(value, tp):
        return value
    for member in tp:
        if value == member.value or (isinstance(value, str) and value == member.name):
            return member
    raise ConfigError(f"{path}: {value!r} is not one of {[m.value for m in tp]}")


def _convert_scalar(value: Any, tp: Any, path: str) -> Any:
    if tp is Any or tp is object:
        return value
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if tp is int and isinstance(value, bool):
        raise ConfigError(f"{path}: expected int, got bool {value!r}")
    if isinstance(tp, type) and issubclass(tp, Path) and isinstance(value, str):
        return Path(value)
    if isinstance(tp, type) and not isinstance(value, tp):
        raise ConfigError(f"{path}: expected {tp.__name__}, got {type(value).__name__} {value!r}")
    return value


def config_from_dict(cls: type[T], data: Mapping[str, Any], path: str = "") -> T:
    """Build the frozen dataclass ``cls`` from a (possibly partial, nested) mapping.

    Args:
        cls: a dataclass type; fields missing from ``data`` keep their defaults.
        data: field name -> value; nested dataclass fields take mappings.
        path: dotted prefix used in error messages.

    Raises:
        ConfigError: unknown key or wrongly typed value (message names the dotted path).
    """
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - names)
    if unknown:
        where = f"{path}." if path else ""
        raise ConfigError(f"unknown config key(s) {[where + k for k in unknown]} for {cls.__name__}")
    kwargs = {}
    for key, value in data.items():
        field_path = f"{path}.{key}" if path else key
        kwargs[key] = _convert(value, hints[key], field_path)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{path or cls.__name__}: {error}") from error


def config_to_dict(config: Any) -> dict[str, Any]:
    """Plain nested dict of a config (tuples become lists, paths strings) for YAML / checkpoints."""

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, Path):
            return str(value)
        return value

    return plain(config)


def load_config(
    cls: type[T], source: str | Path, preset_dir: Path | None = None, overrides: Mapping | None = None
) -> T:
    """Load ``cls`` from a preset name (looked up in ``preset_dir``) or a YAML file path.

    Args:
        cls: the config dataclass.
        source: ``"tiny"`` / ``"full"`` (a file ``preset_dir/<source>.yaml``) or a path to a YAML file.
        preset_dir: folder of the package's presets.
        overrides: nested mapping applied on top of the file (e.g. from a CLI).

    Raises:
        FileNotFoundError: no such preset or file (message lists the available presets).
        ConfigError: the file does not match ``cls``.
    """
    path = Path(source)
    if path.suffix not in (".yaml", ".yml") and preset_dir is not None:
        path = Path(preset_dir) / f"{source}.yaml"
    if not path.is_file():
        available = sorted(p.stem for p in Path(preset_dir).glob("*.yaml")) if preset_dir else []
        raise FileNotFoundError(f"config '{source}' not found at {path}; presets: {available}")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: top level must be a mapping, got {type(data).__name__}")
    data = merge_dicts(data, overrides or {})
    try:
        return config_from_dict(cls, data)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from error


def merge_dicts(base: Mapping, update: Mapping) -> dict:
    """Recursive merge; values of ``update`` win, nested mappings are merged key by key."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_dicts(merged[key], value)
        else:
            merged[key] = value
    return merged


def config_differences(expected: Any, found: Any, prefix: str = "") -> dict[str, tuple[Any, Any]]:
    """``{dotted.path: (expected, found)}`` for every leaf that differs between two config dicts."""
    if isinstance(expected, Mapping) and isinstance(found, Mapping):
        out: dict[str, tuple[Any, Any]] = {}
        for key in sorted(set(expected) | set(found)):
            path = f"{prefix}.{key}" if prefix else str(key)
            out.update(config_differences(expected.get(key, "<missing>"), found.get(key, "<missing>"), path))
        return out
    return {} if expected == found else {prefix: (expected, found)}
